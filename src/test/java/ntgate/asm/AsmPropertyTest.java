package ntgate.asm;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Bad input never escapes as a Java exception: random text and mutated valid sources give only clean
 * error lists, each error inside the file (line and column in range, not an internal error).
 */
class AsmPropertyTest {
    private static final String ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789 \t,[]+-*/%:;.$'\"`()~!&|^<>_@#?eaxbxcxdlhspi";

    private static void clean(String source, String what) {
        AsmResult r;
        try {
            r = Assembler.assemble(source, "p.asm", AsmOptions.defaults());
        } catch (RuntimeException e) {
            fail(what + " threw " + e + " on:\n" + source);
            return;
        }
        String[] lines = source.split("\r\n|\r|\n", -1);
        for (AsmError e : r.errors()) {
            assertFalse(e.message().startsWith("internal error"), () -> what + ": " + e + "\n" + source);
            assertTrue(e.line() >= 1 && e.line() <= lines.length, () -> what + ": line out of range: " + e);
            assertTrue(e.column() >= 1 && e.column() <= lines[e.line() - 1].length() + 1 || e.message().startsWith("too many") || e.message().contains("global"),
                    () -> what + ": column out of range: " + e + "\n" + lines[e.line() - 1]);
        }
    }

    @Test
    void randomTextGivesOnlyCleanErrors() {
        Random rnd = new Random(1234);
        for (int n = 0; n < 3000; n++) {
            StringBuilder sb = new StringBuilder();
            int lines = 1 + rnd.nextInt(6);
            for (int l = 0; l < lines; l++) {
                int len = rnd.nextInt(40);
                for (int i = 0; i < len; i++) sb.append(ALPHABET.charAt(rnd.nextInt(ALPHABET.length())));
                sb.append('\n');
            }
            clean(sb.toString(), "random text #" + n);
        }
    }

    @Test
    void mutatedValidSourcesGiveOnlyCleanErrors() {
        Random rnd = new Random(99);
        String valid = new AsmRandomSource(5, 32).generate(300, 0x1000);
        String[] words = {"byte", "word", "dword", "far", "short", "[", "]", ",", "+", "*", "fs:", "$", "times", "equ",
            "db", "align", "section .bss", "eax", "esp", "bx", "cr0", "0x", "'", ":", "L1", ".x", "%", "//", "rep", "lock"};
        for (int n = 0; n < 300; n++) {
            StringBuilder s = new StringBuilder(valid);
            int edits = 1 + rnd.nextInt(8);
            for (int e = 0; e < edits; e++) {
                int at = rnd.nextInt(s.length());
                switch (rnd.nextInt(3)) {
                    case 0 -> s.deleteCharAt(at);
                    case 1 -> s.insert(at, words[rnd.nextInt(words.length)]);
                    default -> s.setCharAt(at, ALPHABET.charAt(rnd.nextInt(ALPHABET.length())));
                }
            }
            clean(s.toString(), "mutation #" + n);
        }
    }

    @Test
    void pathologicalInputsAreHandled() {
        clean("", "empty");
        clean("\n\n\n", "blank lines");
        clean("times 100000000 nop", "huge times");
        clean("times -1 nop", "negative times");
        clean("a: jmp b\nb: jmp a\n" + "x equ y\ny equ x\nmov eax, x", "circular equ");
        clean("mov eax, " + "(".repeat(2000) + "1" + ")".repeat(2000), "deep nesting");
        clean("db " + "1,".repeat(5000) + "1", "long data line");
        clean("resb 0xffffffffffff", "huge reservation");
        clean("align 0x80000000", "huge alignment");
        clean("nop\nalign 0x1000000", "largest alignment after code");
        clean("nop\nalign 0x2000000", "too large an alignment after code");
        clean("times 0x1000000 dd 1, 2, 3, 4", "many repetitions");
        clean("resd 0x1000000", "large reservation in progbits");
        clean("mov eax, [0x123456789]", "displacement beyond 32 bits");
        clean("jmp 0x123456789", "target beyond 32 bits");
        clean("\u0000\u00ff\uffff", "control characters");
    }
}
