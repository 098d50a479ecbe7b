package ntgate.asm;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The NASM cross-check: every source under {@code src/test/resources/asm/nasm/} and several thousand random
 * instruction lines generated from the opcode table are assembled by ntgate and by {@code nasm -f bin}, and
 * the bytes must be identical. Skipped, with a message, when nasm is not installed.
 */
class AssemblerNasmTest {

    @BeforeAll
    static void needNasm() {
        Assumptions.assumeTrue(AsmNasm.available(), "nasm is not installed (not on PATH): NASM cross-check skipped");
    }

    private static void agree(String source, String name) throws IOException, InterruptedException {
        AsmResult ours = Assembler.assemble(source, name, AsmOptions.defaults());
        AsmNasm.Output nasm = AsmNasm.run(source, name);
        assertEquals(0, nasm.exit(), () -> "nasm rejected " + name + ":\n" + nasm.messages());
        assertTrue(ours.ok(), () -> name + ": " + ours.errors().stream().limit(20).map(AsmError::toString).toList());
        List<String> diff = AsmNasm.differences(source, nasm, ours);
        long lines = source.lines().count();
        System.out.printf("nasm cross-check %s: %d lines, %d bytes, %d mismatching lines%n", name, lines, nasm.image().length, diff.size());
        if (!diff.isEmpty()) fail(name + ": " + diff.size() + " lines differ from nasm:\n" + String.join("\n", diff.subList(0, Math.min(40, diff.size()))));
    }

    @TestFactory
    Stream<DynamicTest> corpusFilesAssembleAsNasmDoes() throws IOException, URISyntaxException {
        Path dir = Path.of(AssemblerNasmTest.class.getResource("/asm/nasm").toURI());
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> p.toString().endsWith(".asm")).sorted().toList();
        }
        assertTrue(files.size() >= 5, "corpus present");
        return files.stream().map(f -> DynamicTest.dynamicTest(f.getFileName().toString(),
                () -> agree(Files.readString(f, StandardCharsets.ISO_8859_1), f.getFileName().toString())));
    }

    @Test
    void randomRowsFromTheTable32AssembleAsNasmDoes() throws Exception {
        for (long seed = 1; seed <= 3; seed++) {
            agree(new AsmRandomSource(seed, 32).generate(1500, 0x401000), "random32_" + seed + ".asm");
        }
    }

    @Test
    void randomRowsFromTheTable16AssembleAsNasmDoes() throws Exception {
        agree(new AsmRandomSource(77, 16).generate(1500, 0x100), "random16.asm");
    }
}
