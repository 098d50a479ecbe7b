package ntgate.nt.drv;

import ntgate.cli.CliRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 13: a malformed driver is one line on stderr and exit code 2, before anything runs. Each case is
 * examples/drivers/hello.sys with one defect put in by hand at the offsets the PE format defines (PE Format:
 * e_lfanew at 0x3C; the COFF header's Machine at +4 and Characteristics at +22 past the signature; the optional
 * header's Subsystem at +68 and data directory 5, base relocations, at +136).
 */
class DriverLoadErrorsTest {
    static final Path HELLO = Path.of("examples/drivers/hello.sys");
    static final String CLOSER = "examples/drivers/closer.exe";

    @TempDir
    Path tmp;

    static int u32(byte[] b, int off) {
        return (b[off] & 0xFF) | (b[off + 1] & 0xFF) << 8 | (b[off + 2] & 0xFF) << 16 | (b[off + 3] & 0xFF) << 24;
    }

    static void put16(byte[] b, int off, int v) {
        b[off] = (byte) v;
        b[off + 1] = (byte) (v >>> 8);
    }

    /** Runs closer.exe with the broken driver and checks the one line. */
    void oneLine(String name, byte[] image, String expectedEnd) throws Exception {
        Path f = tmp.resolve(name);
        Files.write(f, image);
        CliRun r = CliRun.of("run", "--driver", f.toString(), CLOSER);
        assertEquals(ntgate.cli.ExitCodes.LOAD_ERROR, r.exit(), r.err());
        assertEquals("", r.out(), "nothing ran");
        assertEquals(1, r.err().split("\n").length, r.err());
        assertTrue(r.err().startsWith("ntgate run: " + f + ": "), r.err());
        assertTrue(r.err().strip().endsWith(expectedEnd), r.err());
    }

    @Test
    void truncated() throws Exception {
        byte[] b = Files.readAllBytes(HELLO);
        // Cut at 2000 bytes, inside the raw data of a section (the headers alone are 0x400 bytes).
        oneLine("truncated.sys", java.util.Arrays.copyOf(b, 2000), "lies outside the file");
    }

    @Test
    void wrongMachine() throws Exception {
        byte[] b = Files.readAllBytes(HELLO);
        put16(b, u32(b, 0x3C) + 4, 0x8664);
        oneLine("x64.sys", b, "PE32+ (x64) image: ntgate runs 32-bit x86 programs only");
    }

    @Test
    void notNative() throws Exception {
        byte[] b = Files.readAllBytes(HELLO);
        put16(b, u32(b, 0x3C) + 24 + 68, 3);   // IMAGE_SUBSYSTEM_WINDOWS_CUI
        oneLine("console.sys", b, "subsystem 3 is not native (1): not a kernel driver (link with -Wl,--subsystem,native)");
    }

    @Test
    void noRelocations() throws Exception {
        byte[] b = Files.readAllBytes(HELLO);
        int pe = u32(b, 0x3C);
        put16(b, pe + 22, (b[pe + 22] & 0xFF | (b[pe + 23] & 0xFF) << 8) | 0x0001);   // IMAGE_FILE_RELOCS_STRIPPED
        for (int i = 0; i < 8; i++) b[pe + 24 + 136 + i] = 0;                          // no .reloc directory
        oneLine("fixed.sys", b, "has no base relocations: a driver runs wherever the kernel loads it, so it must be relocatable");
    }

    @Test
    void anUnknownImport() throws Exception {
        byte[] b = Files.readAllBytes(HELLO);
        String s = new String(b, StandardCharsets.ISO_8859_1);
        int at = s.indexOf("ExFreePoolWithTag\0");
        assertTrue(at > 0, "hello.sys imports ExFreePoolWithTag");
        byte[] name = "ExFreePoolWithTug".getBytes(StandardCharsets.ISO_8859_1);
        System.arraycopy(name, 0, b, at, name.length);
        oneLine("import.sys", b, "imports ntoskrnl.exe!ExFreePoolWithTug, which ntgate's kernel does not export");
    }

    @Test
    void notAFile() {
        CliRun r = CliRun.of("run", "--driver", tmp.resolve("missing.sys").toString(), CLOSER);
        assertEquals(ntgate.cli.ExitCodes.LOAD_ERROR, r.exit());
        assertEquals("ntgate run: " + tmp.resolve("missing.sys") + ": no such file\n", r.err());
    }
}
