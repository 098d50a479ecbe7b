package ntgate.cli;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code ntgate debug --gdb}: a bad address or a clash with -c is one line and exit code 2, before anything boots. */
class DebugGdbOptionTest {
    @Test
    void aBadGdbAddressIsOneLineAndExitCode2() {
        for (String bad : new String[] {"bogus", "127.0.0.1:99999", "host.invalid.:1234x", ":-1"}) {
            CliRun r = CliRun.of("debug", "examples/hello.asm", "--gdb", bad);
            assertEquals(2, r.exit(), bad);
            assertEquals(1, r.err().lines().count(), r.err());
            assertTrue(r.err().startsWith("ntgate debug: --gdb: "), r.err());
            assertFalse(r.err().contains("Exception"), r.err());
        }
    }

    @Test
    void gdbAndScriptedCommandsExcludeEachOther() {
        CliRun r = CliRun.of("debug", "examples/hello.asm", "--gdb", "0", "-c", "r");
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("--gdb and -c cannot be used together"), r.err());
    }
}
