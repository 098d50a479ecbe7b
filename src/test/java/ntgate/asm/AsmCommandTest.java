package ntgate.asm;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code ntgate asm}: writes the image, prints a listing, reports errors on stderr with exit code 2. */
class AsmCommandTest {

    private record Run(int exit, String out, String err) {}

    private static Run run(String... args) {
        ntgate.cli.CliRun r = ntgate.cli.CliRun.of(args);
        return new Run(r.exit(), r.out(), r.err());
    }

    @Test
    void assemblesToAFlatImageWithAListing(@TempDir Path dir) throws Exception {
        Path src = dir.resolve("hello.asm"), bin = dir.resolve("hello.bin");
        Files.writeString(src, "start:\n    mov eax, [fs:0x124] ; current thread\n    jmp start\n");
        Run r = run("asm", src.toString(), "-o", bin.toString(), "--base", "0x400000", "--listing");
        assertEquals(0, r.exit(), r.err());
        assertArrayEquals(new byte[] {0x64, (byte) 0xA1, 0x24, 0x01, 0, 0, (byte) 0xEB, (byte) 0xF8}, Files.readAllBytes(bin));
        assertTrue(r.out().contains("00400000  64A124010000"), r.out());
        assertTrue(r.out().contains("; current thread"), r.out());
        assertTrue(r.out().contains("section .text 0x00400000 size 0x8"), r.out());
    }

    @Test
    void errorsGoToStderrWithExitCodeTwo(@TempDir Path dir) throws Exception {
        Path src = dir.resolve("bad.asm");
        Files.writeString(src, "    mov exz, 1\n    mov al, 300\n");
        Run r = run("asm", src.toString(), "-o", dir.resolve("bad.bin").toString());
        assertEquals(2, r.exit());
        assertEquals(src + ":1:9: unknown register 'exz'\n" + src + ":2:13: value 300 out of range for an 8-bit immediate (-128..255)\n",
                r.err().replace("\r\n", "\n"));
        assertTrue(Files.notExists(dir.resolve("bad.bin")));
    }

    @Test
    void aMissingFileIsExitCodeTwo(@TempDir Path dir) {
        Run r = run("asm", dir.resolve("none.asm").toString());
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("cannot read"), r.err());
    }
}
