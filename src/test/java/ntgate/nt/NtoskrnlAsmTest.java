package ntgate.nt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import ntgate.asm.AsmOptions;
import ntgate.asm.AsmRecord;
import ntgate.asm.AsmResult;
import ntgate.asm.Assembler;
import ntgate.asm.Disassembler;
import ntgate.nt.layout.Layouts;
import ntgate.nt.layout.Nt;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The kernel's guest trap code (ntoskrnl.asm) assembles, names its routines and annotates every frame write. */
class NtoskrnlAsmTest {

    static final String RESOURCE = "/ntgate/nt/ntoskrnl.asm";

    /** Dummy numbers for the host calls and addresses for the generated part's symbols. */
    static final Map<String, Long> STAND_INS = Map.ofEntries(
            Map.entry("HC_KiDeliverApc", 1L),
            Map.entry("HC_KiDispatchException", 2L),
            Map.entry("HC_MmAccessFault", 3L),
            Map.entry("HC_KiContinue", 4L),
            Map.entry("HC_KeTestAlertThread", 5L),
            Map.entry("HC_KeBugCheckEx", 6L),
            Map.entry("HC_PsConvertToGuiThread", 7L),
            Map.entry("HC_KeGdiFlushUserBatch", 8L),
            Map.entry("HC_KiRaiseException", 9L),
            Map.entry("KeServiceDescriptorTable", 0x80553FA0L),
            Map.entry("KeServiceDescriptorTableShadow", 0x80553F60L));

    static final List<String> ROUTINES = List.of(
            "KiFastCallEntry", "KiFastCallEntry2", "KiSystemService", "KiSystemServiceRepeat",
            "KiSystemServiceCopyArguments", "KiSystemServiceAccessTeb", "kss60", "kss61", "kss70",
            "KiBBTUnexpectedRange", "KiServiceExit", "KiServiceExit2", "KiExceptionExit",
            "KiSystemCallExitBranch", "KiSystemCallExit", "KiSystemCallExit2",
            "KiDisableFastSyscallReturn", "KiEnableFastSyscallReturn", "KiDeliverApc", "KeBugCheckEx",
            "KfRaiseIrql", "KfLowerIrql", "NtContinue", "KiStartUserThread", "MmUserProbeAddress",
            "KiTrap00", "KiTrap01", "KiTrap03", "KiTrap06", "KiTrap0D", "KiTrap0E", "KiTrapXX");

    static AsmResult result;

    static String source() throws IOException {
        try (InputStream in = NtoskrnlAsmTest.class.getResourceAsStream(RESOURCE)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    static AsmOptions.Resolver resolver() {
        AsmOptions.Resolver layouts = Layouts.resolver();
        return name -> {
            Long v = STAND_INS.get(name);
            return v != null ? OptionalLong.of(v) : layouts.resolve(name);
        };
    }

    @BeforeAll
    static void assemble() throws IOException {
        result = Assembler.assemble(source(), "ntoskrnl.asm",
                AsmOptions.defaults().withBase(Nt.NTOSKRNL_BASE).withMasm(true).withResolver(resolver()));
    }

    @Test
    void assemblesWithoutErrors() {
        assertEquals(List.of(), result.errors());
    }

    @Test
    void everyRoutineIsASymbol() {
        for (String r : ROUTINES) {
            assertTrue(result.symbol(r).isPresent(), r);
        }
    }

    @Test
    void everyWriteToAFrameThreadOrPcrFieldIsAnnotated() {
        Set<String> readOnly = Set.of("cmp", "test", "push", "bt", "jmp", "call");
        List<String> bare = new ArrayList<>();
        for (AsmRecord r : result.instructions()) {
            String src = r.source().trim();
            int sp = src.indexOf(' ');
            if (sp < 0) continue;
            String mnemonic = src.substring(0, sp).toLowerCase();
            String dest = src.substring(sp + 1).split(",")[0];
            boolean writesField = dest.contains("[") && !readOnly.contains(mnemonic)
                    && (dest.contains("KTRAP_FRAME.") || dest.contains("KTHREAD.") || dest.contains("KPCR."));
            if (writesField && r.annotation().isBlank()) bare.add(r.line() + ": " + src);
        }
        assertEquals(List.of(), bare);
    }

    @Test
    void theSyscallPathDisassemblesWithoutInvalidInstructions() {
        long base = result.base();
        byte[] image = result.image();
        int start = (int) (result.symbol("KiFastCallEntry").getAsLong() - base);
        int end = (int) (result.symbol("KiServiceExit").getAsLong() - base);
        int n = 0;
        Disassembler dis = new Disassembler();
        for (int at = start; at < end; n++) {
            Disassembler.Line l = dis.disassemble(image, at, (int) (base + at));
            assertTrue(l.valid(), l.listing());
            at += l.length();
        }
        assertTrue(n > 50, "KiFastCallEntry through the dispatcher: " + n + " instructions");
    }

    @Test
    void everyInstructionDecodesAsAssembled() {
        Disassembler dis = new Disassembler();
        byte[] image = result.image();
        for (AsmRecord r : result.instructions()) {
            if (!r.section().equals(".text")) continue;
            int at = (int) (r.address() - result.base());
            Disassembler.Line l = dis.disassemble(image, at, (int) r.address());
            assertTrue(l.valid() && l.length() == r.length(), r.listing() + " decodes as " + l.listing());
        }
    }

    @Test
    void theExitBranchIsTheTwoByteJnzToKiSystemCallExit() {
        long branch = result.symbol("KiSystemCallExitBranch").getAsLong();
        byte[] image = result.image();
        int at = (int) (branch - result.base());
        assertEquals(0x75, image[at] & 0xFF);
        assertEquals(result.symbol("KiSystemCallExit").getAsLong(), branch + 2 + image[at + 1]);
        assertEquals(result.symbol("KiSystemCallExit").getAsLong() + 1, result.symbol("KiSystemCallExit2").getAsLong());
    }
}
