package ntgate.cli;

import ntgate.cpu.Eval;
import org.junit.jupiter.api.Test;

import java.io.StringReader;
import java.io.StringWriter;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 17: {@code eval --batch} answers every input line with exactly one output line and goes on. Before, a
 * null "hex", "mem" value or "maxInsns" aborted the batch with a NullPointerException (exit 70) and lost every
 * result already computed; 100,000 nested brackets were a StackOverflowError; ClassCastException texts leaked into
 * the error objects.
 */
class EvalBatchTest {
    static List<String> batch(String input) throws Exception {
        EvalCommand e = new EvalCommand();
        e.mode = "user";
        e.maxInsns = 1_000_000;
        StringWriter w = new StringWriter();
        e.batch(new Eval(), new StringReader(input), w);
        return w.toString().lines().toList();
    }

    static final String GOOD = "{\"hex\":\"01d8\",\"regs\":{\"eax\":1,\"ebx\":2},\"steps\":1}";

    @Test
    void everyLineGetsOneAnswerAndTheBatchGoesOn() throws Exception {
        String deep = "[".repeat(100_000) + "]".repeat(100_000);
        String[] bad = {
            "{\"hex\":null}",
            "{\"hex\":\"90\",\"mem\":{\"0x2000\":null}}",
            "{\"hex\":\"90\",\"maxInsns\":null}",
            "{\"hex\":\"90\",\"maxInsns\":\"many\"}",
            "{\"hex\":12}",
            "{\"hex\":\"90\",\"regs\":[1]}",
            "{\"hex\":\"90\",\"regs\":{\"eax\":null}}",
            "{\"hex\":\"90\",\"regs\":{\"eax\":{}}}",
            "{\"hex\":\"90\",\"mode\":3}",
            "{\"hex\":\"90\",\"eflags\":1.5}",
            deep,
            "{\"a\":" + "{\"a\":".repeat(70) + "1" + "}".repeat(71),
            "not json",
            "",
            "[1,2]",
            "{\"hex\":\"zz\"}",
        };
        StringBuilder in = new StringBuilder(GOOD).append('\n');
        for (String b : bad) in.append(b).append('\n');
        in.append(GOOD);   // no final newline
        List<String> out = batch(in.toString());
        assertEquals(bad.length + 2, out.size(), String.join("\n", out));
        assertTrue(out.get(0).startsWith("{\"eax\":3,"), out.get(0));
        assertEquals(out.get(0), out.get(out.size() - 1));
        for (int i = 1; i <= bad.length; i++) {
            String r = out.get(i);
            assertTrue(r.startsWith("{\"line\":" + (i + 1) + ",\"error\":\""), r);
            assertFalse(r.contains("Exception") || r.contains("java.") || r.contains("class "), r);
        }
        assertTrue(out.get(1).contains("\\\"hex\\\" must be a string of hex digits, not null"), out.get(1));
        assertTrue(out.get(11).contains("nested deeper than 64 levels"), out.get(11));
        assertTrue(out.get(14).contains("empty line"), out.get(14));
    }

    @Test
    void aLineLongerThanTheLimitIsOneErrorAndTheNextLineIsRead() throws Exception {
        String huge = "{\"hex\":\"" + "90".repeat(EvalCommand.MAX_LINE / 2) + "\"}";
        List<String> out = batch(huge + "\n" + GOOD + "\n");
        assertEquals(2, out.size());
        assertTrue(out.get(0).contains("longer than"), out.get(0));
        assertTrue(out.get(1).startsWith("{\"eax\":3,"), out.get(1));
    }
}
