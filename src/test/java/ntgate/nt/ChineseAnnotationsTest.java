package ntgate.nt;

import ntgate.asm.Annotation;
import ntgate.asm.AsmRecord;
import ntgate.asm.AsmResult;
import ntgate.asm.Lang;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every annotated instruction of the gate (the kernel image: ntoskrnl.asm, the generated service part, the driver
 * exports and the boot code; the ntdll image: ntdll.asm, ldr.asm and the generated stubs) has its Chinese text on
 * the same line as the English, after {@code |zh|}.
 */
class ChineseAnnotationsTest {
    @Test
    void noGateAnnotationLacksItsChineseText() throws Exception {
        NtSystem.Options o = new NtSystem.Options();
        for (boolean int2e : new boolean[] {false, true}) {
            o.int2e = int2e;
            NtSystem sys = NtSystem.boot("section .text\nglobal start\nstart:\n    ret\n", "k.asm", o);
            List<String> missing = new ArrayList<>();
            int checked = 0;
            for (Map.Entry<String, AsmResult> image : sys.images().entrySet()) {
                for (AsmRecord r : image.getValue().instructions()) {
                    Annotation a = Annotation.parse(r.comment());
                    if (!a.has(Lang.EN)) continue;
                    checked++;
                    if (!a.has(Lang.ZH)) missing.add(image.getKey() + String.format("!%08x", r.address()) + " line " + r.line() + ": " + r.annotation());
                }
            }
            assertTrue(checked > 700, "the kernel and ntdll have their annotations: " + checked);
            assertEquals(List.of(), missing, missing.size() + " of " + checked + " annotations have no Chinese text");
        }
    }

    @Test
    void theChineseUsesTheCommentariesTermsForTheTrapFrameAndPreviousMode() throws Exception {
        String src;
        try (var in = NtSystem.class.getResourceAsStream("/ntgate/nt/ntoskrnl.asm")) {
            src = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        String push = src.lines().filter(l -> l.contains("KTRAP_FRAME.HardwareEsp = user ESP")).findFirst().orElseThrow();
        assertTrue(Annotation.parse(push.substring(push.indexOf(';') + 1)).text(Lang.ZH).startsWith("陷阱帧.HardwareEsp"), push);
        String mode = src.lines().filter(l -> l.contains("; KTHREAD.PreviousMode = UserMode")).findFirst().orElseThrow();
        assertTrue(Annotation.parse(mode.substring(mode.indexOf(';') + 1)).text(Lang.ZH).contains("先前模式"), mode);
    }
}
