package ntgate.pe;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * examples/fpmath.c, a C program doing floating point on the x87 (series sums, square roots, sine, exp and pow in
 * C, its own double printing), built with MinGW as an ntdll-only PE (the committed fpmath.exe) and, here, natively
 * with gcc -m32 -mfpmath=387: the output under ntgate must be the native program's, byte for byte. The native side
 * skips with the reason when gcc -m32 (gcc-multilib) is not installed.
 */
class X87ProgramTest {

    private static String nativeOutput() throws Exception {
        Path src = Paths.get("examples", "fpmath.c");
        assumeTrue(Files.exists(src), "examples/fpmath.c not found");
        Path dir = Files.createDirectories(Paths.get("target", "native-ref"));
        Path exe = dir.resolve("fpmath_linux");
        Process cc;
        try {
            cc = new ProcessBuilder("gcc", "-m32", "-mfpmath=387", "-O1", "-nostdlib", "-static", "-ffreestanding", "-fno-builtin",
                    "-fno-pie", "-no-pie", "-o", exe.toString(), src.toString()).redirectErrorStream(true).start();
        } catch (java.io.IOException e) {
            assumeTrue(false, "gcc not available: " + e.getMessage());
            return null;
        }
        String log = new String(cc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assumeTrue(cc.waitFor(120, TimeUnit.SECONDS) && cc.exitValue() == 0, "gcc -m32 failed (is gcc-multilib installed?): " + log.strip());
        Process run = new ProcessBuilder(exe.toString()).start();
        String out = new String(run.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assumeTrue(run.waitFor(30, TimeUnit.SECONDS), "the native program did not finish");
        assertEquals(0, run.exitValue(), "native exit status");
        return out;
    }

    @Test
    void theMinGwBuildUnderNtgatePrintsWhatTheNativeBuildPrints() throws Exception {
        String expected = nativeOutput();
        PeRun r = PeRun.run("fpmath.exe");
        assertEquals(expected, r.out());
        assertEquals(0, r.exitStatus());
        // The program computed something: 15 result lines, pi from the Basel sum among them.
        assertEquals(15, expected.split("\n").length, expected);
    }
}
