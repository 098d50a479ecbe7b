package ntgate.asm;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One comment holds every language of a line's annotation: English first, then {@code |zh|} and the Chinese. */
class AnnotationTest {
    @Test
    void theTextAfterTheMarkerIsTheChineseAndTheTextBeforeItTheEnglish() {
        Annotation a = Annotation.parse("KTRAP_FRAME.HardwareEsp = user ESP |zh| 陷阱帧.HardwareEsp = 用户态 ESP");
        assertEquals("KTRAP_FRAME.HardwareEsp = user ESP", a.text(Lang.EN));
        assertEquals("陷阱帧.HardwareEsp = 用户态 ESP", a.text(Lang.ZH));
        assertTrue(a.has(Lang.ZH));
    }

    @Test
    void aCommentWithoutAMarkerIsEnglishAndChineseFallsBackToIt() {
        Annotation a = Annotation.parse("KTRAP_FRAME.EFlags |= IF (the saved user flags always have IF)");
        assertEquals("KTRAP_FRAME.EFlags |= IF (the saved user flags always have IF)", a.text(Lang.EN));
        assertEquals(a.text(Lang.EN), a.text(Lang.ZH));
        assertFalse(a.has(Lang.ZH));
        assertTrue(a.has(Lang.EN));
    }

    @Test
    void anEmptyChinesePartCountsAsMissing() {
        Annotation a = Annotation.parse("ESP = TSS.Esp0 |zh|   ");
        assertEquals("ESP = TSS.Esp0", a.text(Lang.EN));
        assertFalse(a.has(Lang.ZH));
        assertFalse(Annotation.parse("").has(Lang.EN));
    }

    @Test
    void theAssemblerKeepsBothLanguagesAndItsRecordsAnswerEither() {
        AsmResult r = Assembler.assembleLines(0x1000, "push edx ; KTRAP_FRAME.HardwareEsp = user ESP |zh| 陷阱帧.HardwareEsp = 用户态 ESP");
        AsmRecord push = r.instructions().get(0);
        assertEquals("KTRAP_FRAME.HardwareEsp = user ESP", push.annotation());
        assertEquals("陷阱帧.HardwareEsp = 用户态 ESP", push.annotation(Lang.ZH));
        assertTrue(push.listing().endsWith("; KTRAP_FRAME.HardwareEsp = user ESP"), push.listing());
        assertEquals(0x52, push.bytes()[0] & 0xFF, "the comment does not change the encoding");
    }

    @Test
    void languageCodesAreCaseInsensitive() {
        assertEquals(Lang.ZH, Lang.of("ZH"));
        assertEquals(Lang.EN, Lang.of(" en "));
        assertEquals(null, Lang.of("fr"));
    }
}
