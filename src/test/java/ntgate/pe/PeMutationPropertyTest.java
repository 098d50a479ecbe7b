package ntgate.pe;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The loader on damaged executables (STYLE.md §11): random bytes written into the first KiB of the examples, or
 * the file cut at a random length. Every case must end in a clean one-line load error or in a run that stops
 * the normal way (exit, bug check, budget); a Java exception escaping is a bug. Fixed seed.
 */
class PeMutationPropertyTest {
    private static final String[] EXAMPLES = {"hello.exe", "apc.exe", "badcall.exe", "tls.exe"};

    @Test
    void mutatedHeadersLoadCleanlyOrFailWithOneLine() {
        Random rnd = new Random(0x6E7467617465L);
        int loadErrors = 0, runs = 0;
        for (int i = 0; i < 500; i++) {
            String name = EXAMPLES[rnd.nextInt(EXAMPLES.length)];
            byte[] b = PeRun.example(name);
            String what;
            if (rnd.nextInt(4) == 0) {
                int len = rnd.nextInt(b.length);
                b = Arrays.copyOf(b, len);
                what = "truncated at " + len;
            } else {
                int n = 1 + rnd.nextInt(8);
                StringBuilder w = new StringBuilder("bytes");
                for (int k = 0; k < n; k++) {
                    int at = rnd.nextInt(Math.min(1024, b.length));
                    b[at] = (byte) rnd.nextInt(256);
                    w.append(String.format(" [0x%X]=0x%02X", at, b[at] & 0xFF));
                }
                what = w.toString();
            }
            PeRun r;
            try {
                r = PeRun.run(b, name, null, 200_000);
            } catch (RuntimeException | Error e) {
                throw new AssertionError("case " + i + " (" + name + ", " + what + "): " + e, e);
            }
            if (r.loadError != null) {
                loadErrors++;
                assertFalse(r.loadError.isBlank(), what);
                assertFalse(r.loadError.contains("\n"), "one line: " + r.loadError);
            } else {
                runs++;
                assertNotNull(r.end, what);
            }
        }
        assertTrue(loadErrors > 50 && runs > 50, "both outcomes are exercised: " + loadErrors + " errors, " + runs + " runs");
    }
}
