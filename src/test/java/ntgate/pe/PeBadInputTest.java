package ntgate.pe;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Files ntgate cannot run: one line on stderr naming what is wrong, exit code 117 (ExitCodes.LOAD_ERROR), nothing on stdout. */
class PeBadInputTest {
    @TempDir
    Path dir;

    private String run(String name, byte[] content, String expectedProblem) throws Exception {
        Path f = dir.resolve(name);
        Files.write(f, content);
        ntgate.cli.CliRun r = ntgate.cli.CliRun.of("run", f.toString());
        int rc = r.exit();
        String e = r.err();
        assertEquals(ntgate.cli.ExitCodes.LOAD_ERROR, rc, e);
        assertEquals("", r.out());
        assertEquals("ntgate run: " + f + ": " + expectedProblem + "\n", e);
        return e;
    }

    private static byte[] hello() {
        return PeRun.example("hello.exe");
    }

    private static int optionalHeader(byte[] b) {
        return PeLoaderTest.peOffset(b) + 24;
    }

    @Test
    void empty() throws Exception {
        run("empty.exe", new byte[0], "the file is empty");
    }

    @Test
    void truncatedInsideTheDosHeader() throws Exception {
        run("t.exe", Arrays.copyOf(hello(), 40), "truncated: the DOS header needs 64 bytes, the file has 40");
    }

    @Test
    void truncatedInsideTheSectionTable() throws Exception {
        byte[] b = hello();
        int end = PeLoaderTest.peOffset(b) + 24 + 0xE0 + 10;
        run("t.exe", Arrays.copyOf(b, end), "truncated: the section table runs past the end of the file");
    }

    @Test
    void truncatedSectionData() throws Exception {
        run("t.exe", Arrays.copyOf(hello(), 0x500), "section 1 '.text': raw data 0x400+0x200 lies outside the file");
    }

    @Test
    void notPe() throws Exception {
        run("text.exe", "just some text\n".getBytes(StandardCharsets.UTF_8), "not a PE executable (no MZ signature)");
    }

    @Test
    void mzWithoutPeSignature() throws Exception {
        byte[] b = hello();
        b[PeLoaderTest.peOffset(b)] = 'N';
        run("ne.exe", b, "not a PE executable (no PE signature at 0x80)");
    }

    @Test
    void pe32PlusX64() throws Exception {
        byte[] b = hello();
        b[PeLoaderTest.peOffset(b) + 4] = 0x64;
        b[PeLoaderTest.peOffset(b) + 5] = (byte) 0x86;
        run("x64.exe", b, "PE32+ (x64) image: ntgate runs 32-bit x86 programs only");
    }

    @Test
    void pe32PlusMagicOnI386() throws Exception {
        byte[] b = hello();
        b[optionalHeader(b)] = 0x0B;
        b[optionalHeader(b) + 1] = 0x02;
        run("p.exe", b, "PE32+ (64-bit) optional header: ntgate runs PE32 programs only");
    }

    @Test
    void arm() throws Exception {
        byte[] b = hello();
        b[PeLoaderTest.peOffset(b) + 4] = (byte) 0xC4;
        b[PeLoaderTest.peOffset(b) + 5] = 0x01;
        run("arm.exe", b, "ARM Thumb-2 (ARMNT) image (machine 0x01C4): ntgate runs 32-bit x86 programs only");
    }

    @Test
    void arm64() throws Exception {
        byte[] b = hello();
        b[PeLoaderTest.peOffset(b) + 4] = 0x64;
        b[PeLoaderTest.peOffset(b) + 5] = (byte) 0xAA;
        run("arm64.exe", b, "ARM64 image (machine 0xAA64): ntgate runs 32-bit x86 programs only");
    }

    @Test
    void dotNetOnly() throws Exception {
        byte[] b = hello();
        int dir14 = optionalHeader(b) + 0x60 + 14 * 8;
        PeLoaderTest.put32(b, dir14, 0x2008);
        PeLoaderTest.put32(b, dir14 + 4, 0x48);
        run("managed.exe", b, ".NET assembly (CLR header present): managed code needs the CLR, which ntgate does not have");
    }

    @Test
    void dll() throws Exception {
        byte[] b = hello();
        b[PeLoaderTest.peOffset(b) + 23] |= 0x20;   // FILE_HEADER.Characteristics |= IMAGE_FILE_DLL
        run("lib.dll", b, "is a DLL, not an executable");
    }

    @Test
    void eLfanewOutsideTheFile() throws Exception {
        byte[] b = hello();
        PeLoaderTest.put32(b, 0x3C, 0x7FFFFFF0);
        run("far.exe", b, "e_lfanew 0x7FFFFFF0 points outside the file (" + b.length + " bytes)");
    }

    @Test
    void sectionRawDataOutsideTheFile() throws Exception {
        byte[] b = hello();
        int sec = optionalHeader(b) + 0xE0;
        PeLoaderTest.put32(b, sec + 20, 0x00100000);   // .text PointerToRawData
        run("far.exe", b, "section 1 '.text': raw data 0x100000+0x200 lies outside the file");
    }

    @Test
    void importDirectoryOutsideTheImage() throws Exception {
        byte[] b = hello();
        PeLoaderTest.put32(b, optionalHeader(b) + 0x60 + 8, 0x00FF0000);
        run("far.exe", b, "import directory 0xFF0000+0x" + Integer.toHexString(PeLoader.get32(b, optionalHeader(b) + 0x64 + 8)).toUpperCase() + " lies outside the image");
    }

    @Test
    void entryPointOutsideEverySection() throws Exception {
        byte[] b = hello();
        PeLoaderTest.put32(b, optionalHeader(b) + 16, 0x00FF0000);
        run("far.exe", b, "entry point RVA 0xFF0000 is not inside a section");
    }

    @Test
    void entryPointInADataSection() throws Exception {
        byte[] b = hello();
        PeLoaderTest.put32(b, optionalHeader(b) + 16, 0x2000);
        run("data.exe", b, "entry point RVA 0x2000 is in section '.rdata', which is not executable");
    }
}
