package ntgate.asm;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code ntgate disasm}: listings on stdout, bad input as one stderr line and exit code 2. */
class DisasmCommandTest {
    @TempDir
    Path tmp;

    private record Run(int code, String out, String err) {}

    private static Run run(String... args) {
        ntgate.cli.CliRun r = ntgate.cli.CliRun.of(args);
        return new Run(r.exit(), r.out(), r.err());
    }

    @Test
    void hexBytesAtABase() {
        Run r = run("disasm", "--hex", "8b d4 0f 34", "--base", "7ffe0300");
        assertEquals(0, r.code, r.err);
        assertEquals("7ffe0300  8bd4              mov edx,esp\n7ffe0302  0f34              sysenter\n",
                r.out.replace("\r\n", "\n"));
    }

    @Test
    void fileWithHexPrefixedBase() throws Exception {
        Path f = tmp.resolve("stub.bin");
        Files.write(f, new byte[] {(byte) 0xB8, 0x25, 0, 0, 0, (byte) 0xC2, 0x10, 0});
        Run r = run("disasm", f.toString(), "--base", "0x7c90d000");
        assertEquals(0, r.code, r.err);
        assertEquals("7c90d000  b825000000        mov eax,25h\n7c90d005  c21000            ret 10h\n",
                r.out.replace("\r\n", "\n"));
    }

    @Test
    void sixteenBitCode() {
        Run r = run("disasm", "--hex", "b8 01 00", "--16");
        assertEquals("00000000  b80100            mov ax,1", r.out.strip());
    }

    @Test
    void badInputIsOneLineAndExitCodeTwo() {
        for (String[] args : new String[][] {
                {"disasm", "--hex", "0g"}, {"disasm", "--hex", "123"}, {"disasm", tmp.resolve("missing.bin").toString()},
                {"disasm", "--hex", "90", "--base", "xyz"}, {"disasm"}, {"disasm", "--hex", "90", "--bogus"}}) {
            Run r = run(args);
            assertEquals(2, r.code, String.join(" ", args));
            assertTrue(r.out.isEmpty(), r.out);
            assertFalse(r.err.contains("Exception"), r.err);
            assertFalse(r.err.contains("\tat "), r.err);
            assertTrue(r.err.startsWith("ntgate"), r.err);
        }
        assertEquals(1, run("disasm", "--hex", "zz").err.strip().lines().count());
    }
}
