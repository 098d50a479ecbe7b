package ntgate.nt.robust;

import ntgate.nt.NtHarness;
import ntgate.nt.NtSystem;
import ntgate.nt.layout.Nt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Issue 17: a CONTEXT handed to NtContinue or NtSetContextThread can never bug-check the kernel. XP's
 * KeContextToKframes (WRK ke/i386/exceptn.c) forces RPL 3 on CS and SS, turns a CS below 8 into the flat user CS
 * 1Bh, masks EFLAGS with the user mask and forces IF; a selector that is still bad faults on the exit path's POP
 * or IRETD, and KiTrap0D makes that a user-mode exception. Before this fix, SegCs 0 or 3 stopped with bug check
 * 0x50 (the frame looked edited) and SegCs 8 with 0x8E.
 */
class HostileContextTest {
    /** Captures the caller's CONTEXT, edits one field, and continues at 'resume'. */
    static NtHarness continueWith(String edit) {
        return continueWith(edit, "");
    }

    static NtHarness continueWith(String edit, String atResume) {
        NtHarness h = NtHarness.boot("""
                extern NtGetContextThread
                extern NtContinue
                section .text
                global start
                start:
                    mov dword [ctx], 0x10017        ; CONTEXT_FULL | CONTEXT_DEBUG_REGISTERS
                    push ctx
                    push -2
                    call NtGetContextThread
                    mov dword [ctx + 0xB8], resume  ; Eip
                """ + edit + """
                    push 0
                    push ctx
                    call NtContinue
                    mov dword [reached], 0xBAD      ; never
                resume:
                """ + atResume + """
                    mov [csSeen], cs
                    mov [ssSeen], ss
                    pushfd
                    pop dword [eflSeen]
                    mov dword [reached], 1
                    mov eax, 0x77
                    ret
                section .data
                reached: dd 0
                csSeen:  dd 0
                ssSeen:  dd 0
                eflSeen: dd 0
                esSeen:  dd 0xFFFF
                align 16
                ctx:     times 0x2CC db 0
                """);
        h.run();
        return h;
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 3, 1, 2})
    void aCsBelowEightBecomesTheFlatUserCs(int cs) {
        NtHarness h = continueWith("    mov dword [ctx + 0xBC], " + cs + "\n");
        assertEquals(NtSystem.End.EXITED, h.end);
        assertEquals(1, h.u32(h.symbol("reached")));
        assertEquals(Nt.USER_CS, h.u32(h.symbol("csSeen")) & 0xFFFF);
        assertEquals(0x77, h.exitStatus());
    }

    @Test
    void theUserMaskClearsNtRfAndIoplAndForcesIf() {
        // 0x00017CD7 & 0x003E0DD7 | IF = 0x00000ED7: NT (bit 14), RF (bit 16) and IOPL go, IF comes, DF/OF stay.
        NtHarness h = continueWith("    mov dword [ctx + 0xC0], 0x00017CD7\n");
        assertEquals(1, h.u32(h.symbol("reached")));
        assertEquals(0x00000ED7, h.u32(h.symbol("eflSeen")), "masked EFLAGS");
    }

    @ParameterizedTest
    @ValueSource(ints = {0x08, 0x10, 0x28, 0x30, 0x38, 0x23, 0x3B, 0xFFF8, 0x0C})
    void aKernelOrDataCsEndsTheProcessWithAnAccessViolation(int cs) {
        // RPL 3 on a DPL-0 code segment, a data segment, a segment past the GDT limit or an LDT selector: the
        // IRETD of the exit path raises #GP(selector) in kernel mode, which KiTrap0D reflects to the thread as an
        // access violation; with no handler on the chain the process ends with it.
        NtHarness h = continueWith("    mov dword [ctx + 0xBC], " + cs + "\n");
        assertEquals(NtSystem.End.EXITED, h.end, h.sys.k.bugCheck == null ? "" : h.sys.k.bugCheck.toString());
        assertEquals(0, h.u32(h.symbol("reached")));
        assertEquals(0xC0000005, h.exitStatus());
    }

    @ParameterizedTest
    @ValueSource(ints = {0x00, 0x03, 0x08, 0x1B, 0x2B, 0xFFF8})
    void aBadSsEndsTheProcessWithAnAccessViolation(int ss) {
        NtHarness h = continueWith("    mov dword [ctx + 0xC8], " + ss + "\n");
        assertEquals(NtSystem.End.EXITED, h.end, h.sys.k.bugCheck == null ? "" : h.sys.k.bugCheck.toString());
        assertEquals(0, h.u32(h.symbol("reached")));
        assertEquals(0xC0000005, h.exitStatus());
    }

    @ParameterizedTest
    @ValueSource(ints = {0x08, 0x10, 0xFFF8, 0x0C, 0x4B})
    void aBadEsIsNulledOnTheWayOut(int sel) {
        // POP ES of a bad selector faults in the exit path; KiTrap0D zeroes the slot and retries (NT-FACTS §10.5),
        // so the thread resumes with a null ES.
        NtHarness h = continueWith("    mov dword [ctx + 0x94], " + sel + "\n",
                "    mov [esSeen], es\n");
        assertEquals(NtSystem.End.EXITED, h.end, h.sys.k.bugCheck == null ? "" : h.sys.k.bugCheck.toString());
        assertEquals(1, h.u32(h.symbol("reached")));
        assertEquals(0, h.u32(h.symbol("esSeen")) & 0xFFFF);
    }

    @ParameterizedTest
    @ValueSource(ints = {0x08, 0x1B, 0xFFF8})
    void aBadDsIsNulledAndTheThreadFaultsOnItsFirstDataAccess(int sel) {
        NtHarness h = continueWith("    mov dword [ctx + 0x98], " + sel + "\n");
        assertEquals(NtSystem.End.EXITED, h.end, h.sys.k.bugCheck == null ? "" : h.sys.k.bugCheck.toString());
        assertEquals(0, h.u32(h.symbol("reached")));
        assertEquals(0xC0000005, h.exitStatus());
    }
}
