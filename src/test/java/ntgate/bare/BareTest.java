package ntgate.bare;

import ntgate.asm.AsmResult;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code ntgate bare}: flat binaries and endings, and the Multiboot test kernel assembled by ntgate's own
 * assembler (cross-checked against NASM's bytes when {@code nasm} is installed). {@link QemuComparisonTest}
 * runs the same kernel under QEMU.
 */
class BareTest {
    @TempDir
    Path dir;

    record Run(int exit, String out, String err) {}

    static Run bare(String... args) {
        String[] a = new String[args.length + 1];
        a[0] = "bare";
        System.arraycopy(args, 0, a, 1, args.length);
        ntgate.cli.CliRun r = ntgate.cli.CliRun.of(a);
        return new Run(r.exit(), r.out(), r.err());
    }

    private Path flat(String name, int... bytes) throws IOException {
        byte[] b = new byte[bytes.length];
        for (int i = 0; i < b.length; i++) b[i] = (byte) bytes[i];
        Path p = dir.resolve(name);
        Files.write(p, b);
        return p;
    }

    @Test
    void debugconOutputAndIsaDebugExitCode() throws IOException {
        Path p = flat("exit.bin",
                0xB0, 'h', 0xE6, 0xE9,                 // mov al, 'h'; out 0xE9, al
                0x66, 0xBA, 0xF8, 0x03,                // mov dx, 0x3F8
                0xB0, 'i', 0xEE,                       // mov al, 'i'; out dx, al   (COM1)
                0xB0, 0x05, 0xE6, 0xF4);               // mov al, 5; out 0xF4, al
        Run r = bare("--load", "0x100000", p.toString());
        assertEquals("hi", r.out);
        assertEquals((5 << 1) | 1, r.exit);
    }

    @Test
    void tripleFaultEndsWithAReportNotAJavaException() throws IOException {
        Path p = flat("ud2.bin", 0x0F, 0x0B);          // ud2 with no IDT
        Run r = bare("--load", "0x100000", p.toString());
        assertEquals(3, r.exit);
        assertTrue(r.err.contains("triple fault"), r.err);
        assertTrue(r.err.contains("#UD"), r.err);
        assertTrue(r.err.contains("EIP=00100000"), r.err);
    }

    @Test
    void hltWithInterruptsOffEndsTheRun() throws IOException {
        Path p = flat("hlt.bin", 0xF4);
        Run r = bare("--load", "0x100000", p.toString());
        assertEquals(0, r.exit);
        assertTrue(r.err.contains("halted at 0008:00100000 with interrupts disabled"), r.err);
    }

    @Test
    void instructionBudgetEndsARunawayKernel() throws IOException {
        Path p = flat("loop.bin", 0xEB, 0xFE);         // jmp $
        Run r = bare("--load", "0x100000", "--max-insns", "1000", p.toString());
        assertEquals(4, r.exit);
        assertTrue(r.err.contains("budget"), r.err);
    }

    @Test
    void imageWithoutMultibootHeaderIsAOneLineError() throws IOException {
        Path p = flat("plain.bin", 0x90, 0xF4);
        Run r = bare(p.toString());
        assertEquals(2, r.exit);
        assertTrue(r.err.contains("no Multiboot header"), r.err);
    }

    @Test
    void multibootKernelUsesSysenterSysexitIntAndPageFaults() throws Exception {
        AsmResult k = BareKernel.assemble();
        Run r = bare(BareKernel.write(k, dir).toString());
        assertEquals(BareKernel.expectedOutput(k), r.out);
        assertEquals(BareKernel.EXIT, r.exit, r.err);
    }

    @Test
    void nasmAssemblesTheKernelToTheSameBytes() throws Exception {
        Assumptions.assumeTrue(onPath("nasm"), "nasm is not installed: skipping the cross-check of the kernel's bytes");
        Path ours = BareKernel.write(BareKernel.assemble(), dir);
        Path src = dir.resolve("kernel.asm"), theirs = dir.resolve("kernel.nasm.bin");
        Files.writeString(src, BareKernel.source(), StandardCharsets.ISO_8859_1);
        Process p = new ProcessBuilder("nasm", "-f", "bin", "-o", theirs.toString(), src.toString()).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "nasm did not finish in 60 s");
        assertEquals(0, p.exitValue(), log);
        assertArrayEquals(Files.readAllBytes(theirs), Files.readAllBytes(ours));
    }

    @Test
    void traceLinesLookLikeQemuCpuLog() throws Exception {
        Path bin = BareKernel.write(BareKernel.assemble(), dir);
        Run r = bare("--trace", "--max-insns", "2", bin.toString());
        assertTrue(r.out.startsWith("EAX=2badb002 EBX=00009000 ECX=00000000 EDX=00000000\n"), r.out);
        assertTrue(r.out.contains("EIP=00100020 EFL=00000002 CPL=0"), r.out);
    }

    static boolean onPath(String tool) {
        String path = System.getenv("PATH");
        if (path == null) return false;
        for (String d : path.split(java.io.File.pathSeparator)) {
            if (Files.isExecutable(Path.of(d, tool))) return true;
        }
        return false;
    }
}
