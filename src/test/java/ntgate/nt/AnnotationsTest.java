package ntgate.nt;

import ntgate.asm.AsmRecord;
import ntgate.asm.AsmResult;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * The annotations the tracer and the debugger print beside the kernel's and ntdll's instructions are for the
 * user: no references into the project's documents, every structure field an instruction touches named, and
 * nothing shown for an instruction the user has overwritten.
 */
class AnnotationsTest {
    static final NtSystem SYS = NtHarness.run("section .text\nstart:\n    xor eax, eax\n    ret\n").sys;
    static final Pattern INTERNAL = Pattern.compile("§|NT-FACTS|open question|issue \\d|\\bWRK\\b");
    static final Pattern FIELD = Pattern.compile("\\b(KTRAP_FRAME|KTHREAD|KPCR|KPRCB|KTSS|TEB|KSERVICE_TABLE_DESCRIPTOR)\\.([A-Za-z0-9_.]+)");

    static List<AsmRecord> records() {
        List<AsmRecord> all = new ArrayList<>();
        for (AsmResult r : List.of(SYS.kernel, SYS.ntdll)) all.addAll(r.instructions());
        return all;
    }

    @Test
    void noAnnotationPointsIntoTheProjectsDocuments() {
        List<String> bad = new ArrayList<>();
        for (AsmRecord r : records()) {
            if (INTERNAL.matcher(r.annotation()).find()) bad.add(r.line() + ": " + r.source().strip() + " ; " + r.annotation());
        }
        assertEquals(List.of(), bad);
    }

    @Test
    void everyFieldAnInstructionTouchesIsNamedInItsAnnotation() {
        List<String> bare = new ArrayList<>();
        for (AsmRecord r : records()) {
            String src = r.source().replaceFirst(";.*$", "");
            Matcher m = FIELD.matcher(src);
            while (m.find()) {
                String field = m.group(2), last = field.substring(field.lastIndexOf('.') + 1);
                if (field.endsWith("_size")) continue;
                // "KTRAP_FRAME.Eip", or the field's own name where the structure is clear from the line.
                if (!r.annotation().contains(m.group(1) + "." + field) && !r.annotation().contains(last)) {
                    bare.add(r.line() + ": " + r.source().strip() + " ; " + r.annotation());
                    break;
                }
            }
        }
        assertEquals(List.of(), bare);
    }

    @Test
    void anOverwrittenInstructionShowsNoAnnotationWhileTheKernelsOwnBranchPatchKeepsIt() {
        int entry = SYS.kernelSymbol("KiFastCallEntry");
        java.util.function.IntUnaryOperator mem = SYS.cpu.mmu::peek8;
        assertEquals("ECX = 23h", SYS.annotations().at(entry, mem));
        // KiEnableFastSyscallReturn changed 75 05 into 75 06 at boot: that is the instruction the comment describes.
        int branch = SYS.kernelSymbol("KiSystemCallExitBranch");
        assertEquals(0x06, mem.applyAsInt(branch + 1));
        assertNotNull(SYS.annotations().at(branch, mem));
        // The user patches mov ecx,23h into mov ecx,24h: the old annotation would now be wrong.
        SYS.cpu.mem.write8(SYS.pages.translate(entry + 1), 0x24);   // (the code page is read-only to the CPU)
        assertNull(SYS.annotations().at(entry, mem));
        assertEquals("(on the DPC stack)", SYS.annotations().at(entry + 5, mem), "the next instruction is intact");
    }
}
