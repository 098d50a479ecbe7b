package ntgate.bare;

import ntgate.asm.AsmResult;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The Multiboot test kernel, assembled by ntgate's assembler, prints the same on port 0xE9 and ends with
 * the same isa-debug-exit code under {@code qemu-system-i386 -kernel} as under {@code ntgate bare}. The
 * kernel reports the guest-visible state of each step (selectors after SYSEXIT and SYSENTER, the INT frame
 * on the TSS.ESP0 stack, #PF error codes and CR2), so equal output means QEMU and ntgate agree on that
 * state. Skipped, with a message, where QEMU is not installed ({@code .ci/run} installs it when it can).
 */
class QemuComparisonTest {
    @TempDir
    Path dir;

    private static final int TIMEOUT_SECONDS = 60;

    @Test
    void kernelPrintsTheSameUnderQemuAndNtgate() throws Exception {
        Assumptions.assumeTrue(BareTest.onPath("qemu-system-i386"),
                "qemu-system-i386 is not on PATH: skipping the QEMU comparison (apt-get install qemu-system-x86)");
        AsmResult k = BareKernel.assemble();
        Path bin = BareKernel.write(k, dir);
        Path out = dir.resolve("qemu.out"), err = dir.resolve("qemu.err");
        List<String> cmd = List.of("qemu-system-i386", "-kernel", bin.toString(), "-accel", "tcg",
                "-display", "none", "-no-reboot", "-debugcon", "stdio",
                "-device", "isa-debug-exit,iobase=0xf4,iosize=4", "-serial", "null", "-monitor", "none");
        Process q = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        if (!q.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            q.destroyForcibly().waitFor();
            fail("QEMU did not finish in " + TIMEOUT_SECONDS + " s; it printed:\n" + Files.readString(out, StandardCharsets.UTF_8));
        }
        String qemuOut = Files.readString(out, StandardCharsets.UTF_8);
        String qemuErr = Files.readString(err, StandardCharsets.UTF_8);
        BareTest.Run ours = BareTest.bare(bin.toString());

        assertEquals(qemuOut, ours.out(), "0xE9 output: QEMU (expected) vs ntgate bare");
        assertEquals(q.exitValue(), ours.exit(), "exit code: QEMU (expected) vs ntgate bare; QEMU stderr:\n" + qemuErr);
        // Both agreeing on a broken run is not enough: the run must reach the end with the SDM's values.
        assertEquals(BareKernel.expectedOutput(k), qemuOut, "QEMU's output; stderr:\n" + qemuErr);
        assertEquals(BareKernel.EXIT, q.exitValue());
    }
}
