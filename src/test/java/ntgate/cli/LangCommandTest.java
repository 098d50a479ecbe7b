package ntgate.cli;

import ntgate.asm.Annotation;
import ntgate.asm.Lang;
import ntgate.nt.NtSystem;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code --lang zh}: the Chinese half of the source's annotations in the gate trace, the demo and the debugger's {@code u}. */
class LangCommandTest {
    /** The English and Chinese of KiFastCallEntry's {@code push edx} line, read from the kernel source. */
    private static String[] pushEdx() throws Exception {
        String src;
        try (var in = NtSystem.class.getResourceAsStream("/ntgate/nt/ntoskrnl.asm")) {
            src = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        String line = src.lines().filter(l -> l.contains("KTRAP_FRAME.HardwareEsp = user ESP")).findFirst().orElseThrow();
        Annotation a = Annotation.parse(line.substring(line.indexOf(';') + 1));
        assertTrue(a.has(Lang.ZH), line);
        return new String[] {a.text(Lang.EN), a.text(Lang.ZH)};
    }

    @Test
    void theGateTraceShowsTheChineseAnnotations() throws Exception {
        String[] ann = pushEdx();
        CliRun zh = CliRun.of("run", "examples/hello.exe", "--trace", "gate", "--lang", "zh");
        assertEquals(0, zh.exit(), zh.err());
        assertTrue(zh.err().contains("; " + ann[1] + "  => "), zh.err());
        assertFalse(zh.err().contains(ann[0]), "no English where the line has Chinese");
        CliRun en = CliRun.of("run", "examples/hello.exe", "--trace", "gate");
        assertTrue(en.err().contains("; " + ann[0] + "  => "), en.err());
        assertFalse(en.err().contains("|zh|") || en.err().contains(ann[1]), "English only by default");
    }

    @Test
    void theDemoShowsTheChineseAnnotations() throws Exception {
        String[] ann = pushEdx();
        CliRun zh = CliRun.of("demo", "--lang", "zh");
        assertEquals(0, zh.exit(), zh.err());
        assertTrue(zh.out().contains(ann[1]), zh.out());
    }

    @Test
    void theDebuggersUnassemblyShowsTheChineseAnnotations() throws Exception {
        String[] ann = pushEdx();
        CliRun zh = CliRun.of("debug", "examples/hello.asm", "--lang", "zh", "-c", "u nt!KiFastCallEntry L20");
        assertEquals(0, zh.exit(), zh.err());
        assertTrue(zh.out().contains("; " + ann[1]), zh.out());
        CliRun en = CliRun.of("debug", "examples/hello.asm", "-c", "u nt!KiFastCallEntry L20");
        assertTrue(en.out().contains("; " + ann[0]), en.out());
    }

    @Test
    void aProgramsOwnBilingualCommentsFollowTheLanguageToo() throws Exception {
        Path p = Path.of("target", "report-test", "bilingual.asm");
        Files.createDirectories(p.getParent());
        Files.writeString(p, "section .text\nglobal start\nstart:\n    xor eax, eax ; status 0 |zh| 状态 0\n    ret\n");
        CliRun zh = CliRun.of("debug", p.toString(), "--lang", "zh", "-c", "u bilingual!start L1");
        assertTrue(zh.out().contains("; 状态 0"), zh.out());
        CliRun en = CliRun.of("debug", p.toString(), "-c", "u bilingual!start L1");
        assertTrue(en.out().contains("; status 0") && !en.out().contains("状态"), en.out());
    }
}
