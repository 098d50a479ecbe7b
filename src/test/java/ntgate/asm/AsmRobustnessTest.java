package ntgate.asm;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 17: the assembler under hostile input. Before, {@code mov eax, 1+1+...} with 10^6 terms died with an
 * internal StackOverflowError, {@code x equ y / y equ x} was accepted silently, and a 10 MB source took 2 GB.
 * Expected encodings: NASM ({@code mov eax, imm32} is B8 id; SDM Vol.2B MOV).
 */
class AsmRobustnessTest {
    static AsmResult asm(String src) {
        return Assembler.assemble(src, "t.asm", AsmOptions.defaults());
    }

    @Test
    void aMillionTermOperatorChainAssembles() {
        int n = 1_000_000;
        StringBuilder b = new StringBuilder("mov eax, 1");
        for (int i = 1; i < n; i++) b.append("+1");
        b.append("\nmov ebx, 0x10").append("-1".repeat(16)).append('\n');
        AsmResult r = asm(b.toString());
        assertTrue(r.ok(), r.errors().toString());
        assertArrayEquals(new byte[] {(byte) 0xB8, 0x40, 0x42, 0x0F, 0x00, (byte) 0xBB, 0, 0, 0, 0}, r.text());
    }

    @Test
    void aLongChainOfMixedPrecedenceKeepsNasmPrecedence() {
        // 2*3+4*5-6 = 20 and 1|2^3&4 = 1|(2^(3&4)) = 3
        AsmResult r = asm("dd 2*3+4*5-6, 1|2^3&4, 100/10/5, 1<<4>>2\n");
        assertTrue(r.ok(), r.errors().toString());
        assertArrayEquals(new byte[] {20, 0, 0, 0, 3, 0, 0, 0, 2, 0, 0, 0, 4, 0, 0, 0}, r.text());
    }

    @Test
    void aCyclicEquIsAnError() {
        AsmResult r = asm("x equ y\ny equ x\nmov eax, x\n");
        assertTrue(!r.ok());
        assertTrue(r.errors().stream().anyMatch(e -> e.line() == 1 && e.toString().contains("'x' is defined in terms of itself (x -> y -> x)")),
                r.errors().toString());
        assertTrue(r.errors().stream().anyMatch(e -> e.line() == 2 && e.toString().contains("'y'")), r.errors().toString());
        AsmResult self = asm("z equ z+1\ndd z\n");
        assertTrue(self.errors().stream().anyMatch(e -> e.toString().contains("'z' is defined in terms of itself (z -> z)")),
                self.errors().toString());
        // Not a cycle: a chain of equs in any order, and an equ naming a label.
        AsmResult ok = asm("a equ b+1\nb equ c*2\nc equ lbl-lbl+3\nlbl: dd a\n");
        assertTrue(ok.ok(), ok.errors().toString());
        assertArrayEquals(new byte[] {7, 0, 0, 0}, ok.text());
    }

    /** A program of {@code lines} lines: instructions, data, labels and references, every tenth line a label. */
    static String bigProgram(int lines) {
        StringBuilder b = new StringBuilder("section .text\nstart:\n");
        String[] ops = {"mov eax, 0x12345678", "add eax, ebx", "mov [ebx+esi*4+0x10], ecx", "jmp start", "push dword 5",
            "lea edx, [eax+ecx*2+3]", "dd 0x11223344", "mov eax, [L%d]", "xor ecx, ecx ; a comment here", "jnz L%d"};
        java.util.Random rnd = new java.util.Random(1);
        for (int i = 0; i < lines; i++) {
            if (i % 10 == 0) {
                b.append('L').append(i).append(": nop\n");
                continue;
            }
            String o = ops[rnd.nextInt(ops.length)];
            b.append(o.contains("%d") ? String.format(o, i - i % 10) : o).append('\n');
        }
        return b.toString();
    }

    /** Assembles a generated program in a child JVM with the given heap; returns its exit code. */
    static int assembleInChildJvm(int lines, String heap, Path dir) throws IOException, InterruptedException {
        Path src = dir.resolve("big.asm");
        Files.writeString(src, bigProgram(lines));
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:+UseSerialGC", "-Xmx" + heap, "-cp", System.getProperty("java.class.path"), "ntgate.cli.Main",
                "asm", src.toString(), "-o", dir.resolve("big.bin").toString());
        pb.redirectErrorStream(true);
        pb.redirectOutput(dir.resolve("log.txt").toFile());
        Process p = pb.start();
        if (!p.waitFor(20, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            return -1;
        }
        return p.exitValue();
    }

    @Test
    void aHundredThousandLineProgramAssemblesIn96MiBOfHeap(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        int rc = assembleInChildJvm(100_000, "96m", dir);
        assertEquals(0, rc, Files.readString(dir.resolve("log.txt")));
        assertTrue(Files.size(dir.resolve("big.bin")) > 300_000);
    }

    /** The long check (-Dntgate.fuzz.long=true): a million lines in 512 MiB of heap. */
    @Test
    void aMillionLineProgramAssemblesIn512MiBOfHeap(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(Boolean.getBoolean("ntgate.fuzz.long"),
                "the million-line assembly runs with -Dntgate.fuzz.long=true");
        int rc = assembleInChildJvm(1_000_000, "512m", dir);
        assertEquals(0, rc, Files.readString(dir.resolve("log.txt")));
    }
}
