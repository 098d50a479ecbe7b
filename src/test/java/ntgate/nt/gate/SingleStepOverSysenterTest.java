package ntgate.nt.gate;

import ntgate.nt.NtHarness;
import ntgate.nt.NtSystem;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static ntgate.nt.gate.Gate.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 5, "done when" 6 (and the TF case of 2): a user program single-stepping over SYSENTER (NT-FACTS §10.4).
 *
 * <p>SYSENTER does not clear TF (SDM Vol.2B SYSENTER; §3.2), so the #DB trap comes after it, in ring 0 at
 * KiFastCallEntry, on the SYSENTER_ESP (DPC) stack. KiTrap01 recognises the address, restarts at KiFastCallEntry2
 * without TF, and KiFastCallEntry2 sets TF in the saved user EFLAGS, so the exit takes IRETD (§6 step 12a) and the
 * next #DB is a user-mode one after the first user instruction. The program sets TF itself with POPFD right before
 * its own SYSENTER; TF set by POPFD traps only after the instruction that follows (SDM Vol.3A 17.3.1.4), which is
 * the SYSENTER.
 */
class SingleStepOverSysenterTest {
    static final String PROGRAM = """
            section .text
            global start
            start:
                call step_call            ; NtTestAlert through a hand-made stub, with TF set
            back:
                mov [s_status], eax       ; never reached: the user #DB after the return is unhandled
                xor eax, eax
                ret
            step_call:
                mov eax, 0x103            ; NtTestAlert
                mov edx, esp              ; EDX = ESP: [EDX] = the return address into start
                pushfd
                or dword [esp], 0x100     ; EFLAGS.TF
                popfd
            step_sysenter:
                sysenter                  ; the first instruction traced
            section .data
            s_status: dd 1
            """;

    @Test
    void theStepTrapIsTakenInUserModeAfterTheCallNotInTheKernel() {
        NtHarness h = NtHarness.boot(PROGRAM);
        Probe p = new Probe(h);
        int fastCallEntry = nt(h, "KiFastCallEntry"), fastCallEntry2 = nt(h, "KiFastCallEntry2");
        List<int[]> trap01 = new ArrayList<>();   // {ESP, [ESP] EIP, [ESP+4] CS, [ESP+8] EFLAGS} at KiTrap01
        List<int[]> dispatched = new ArrayList<>();   // {code, address, frame.SegCs, frame.Eip, frame.EFlags}
        int[][] frame = new int[1][];
        int[] espAtSysenter = {0}, retFlags = {-1}, entries = new int[2];
        // Counted until the #DB is dispatched: the unhandled exception's second chance (NtRaiseException from
        // KiUserExceptionDispatcher) is a later, ordinary system call.
        p.at(fastCallEntry, cpu -> entries[0] += dispatched.isEmpty() ? 1 : 0);
        p.at(fastCallEntry2, cpu -> entries[1] += dispatched.isEmpty() ? 1 : 0);
        p.at(h.symbol("step_sysenter"), cpu -> espAtSysenter[0] = cpu.gpr[4]);   // the sysenter
        p.at(nt(h, "KiTrap01"), cpu -> {
            int esp = cpu.gpr[4];
            trap01.add(new int[] {esp, k32(h, esp), k32(h, esp + 4), k32(h, esp + 8)});
        });
        p.at(nt(h, "NtTestAlert"), cpu -> frame[0] = frame(h, cpu.gpr[5]));
        p.at(ntdll(h, "KiFastSystemCallRet"), cpu -> {
            if (cpu.st.cpl == 3) retFlags[0] = cpu.st.eflags();
        });
        p.at(nt(h, "KiDispatchException"), cpu -> {
            int rec = k32(h, cpu.gpr[4] + 4), tf = k32(h, cpu.gpr[4] + 12);
            dispatched.add(new int[] {k32(h, rec), k32(h, rec + 0x0C), k32(h, tf + TF_SEG_CS), k32(h, tf + TF_EIP), k32(h, tf + TF_EFLAGS)});
        });
        assertEquals(NtSystem.End.EXITED, p.runAll());
        assertEquals(0x0F, k8(h, h.symbol("step_sysenter")), "the sysenter is where the test thinks it is");

        // The #DB traps, in order: ring 0 right after SYSENTER, then ring 3 after KiFastSystemCallRet's ret.
        List<Fault> db = p.faults.stream().filter(f -> f.vector() == 1).toList();
        assertEquals(2, db.size(), "exactly two #DB: " + db);
        assertEquals(0, db.get(0).cpl(), "the first #DB is taken in the kernel");
        assertEquals(hex(fastCallEntry), hex(db.get(0).eip()), "before KiFastCallEntry's first instruction");
        assertEquals(3, db.get(1).cpl(), "the second #DB is in user mode");
        assertEquals(hex(h.symbol("back")), hex(db.get(1).eip()),
                "raised by KiFastSystemCallRet's ret (the first user instruction after IRETD), EIP = where it returned");
        assertEquals(EFLAGS_TF, retFlags[0] & EFLAGS_TF, "KiFastSystemCallRet ran with TF set again");
        for (Fault f : p.faults) {
            if (f.cpl() == 0) assertEquals(fastCallEntry, f.eip(), "no other kernel #DB or fault: " + f);
        }

        // KiTrap01's first frame: on the DPC stack (SYSENTER_ESP = KPRCB.DpcStack), no privilege change.
        assertEquals(2, trap01.size());
        int[] t0 = trap01.get(0);
        int dpcStack = k32(h, KPCR + 0x120 + 0x868);   // KPRCB.DpcStack (§2.3)
        assertEquals(hex(dpcStack - 12), hex(t0[0]), "EIP/CS/EFLAGS pushed on the DPC stack");
        assertEquals(hex(fastCallEntry), hex(t0[1]));
        assertEquals(KERNEL_CS, t0[2] & 0xFFFF);
        assertEquals(EFLAGS_TF, t0[3] & EFLAGS_TF, "TF still set: SYSENTER does not clear it");
        assertEquals(0, t0[3] & EFLAGS_IF, "IF cleared by SYSENTER");

        // KiFastCallEntry2 built the frame: as KiFastCallEntry would, plus TF in the saved EFLAGS.
        int[] f = frame[0];
        assertTrue(f != null, "the service ran");
        assertEquals(hex(EFLAGS_TF | EFLAGS_IF), hex(f[TF_EFLAGS / 4] & (EFLAGS_TF | EFLAGS_IF)), "saved EFLAGS has TF and IF");
        assertEquals(hex(espAtSysenter[0]), hex(f[TF_HARDWARE_ESP / 4]));
        assertEquals(USER_DS, f[TF_HARDWARE_SEG_SS / 4]);
        assertEquals(USER_CS, f[TF_SEG_CS / 4]);
        assertEquals(hex(ntdll(h, "KiFastSystemCallRet")), hex(f[TF_EIP / 4]));
        assertEquals(USER_FS, f[TF_SEG_FS / 4]);
        assertEquals(1, f[TF_PREVIOUS_PREVIOUS_MODE / 4]);
        assertEquals(0xBADB0D00, f[TF_DBG_ARG_MARK / 4]);
        assertEquals(hex(espAtSysenter[0] + 8), hex(f[TF_DBG_ARG_POINTER / 4]));

        // The path: SYSENTER, KiTrap01 returns to KiFastCallEntry2 by IRETD (ring 0), the service exit takes IRETD
        // at KiSystemCallExit because TF is set; no SYSEXIT.
        List<Step> seq = p.steps.stream().filter(s -> s.kind() == Kind.SYSENTER || s.kind() == Kind.SYSEXIT || s.kind() == Kind.IRETD).toList();
        assertEquals(Kind.IRETD, seq.get(0).kind(), "thread start");
        assertEquals(List.of(Kind.SYSENTER, Kind.IRETD, Kind.IRETD), seq.subList(1, 4).stream().map(Step::kind).toList());
        assertEquals(nt(h, "KiSystemCallExit"), seq.get(3).eip(), "the service returns by IRETD at KiSystemCallExit");
        assertEquals(0, p.steps(Kind.SYSEXIT).size(), "never SYSEXIT while single-stepping");
        assertEquals(0, entries[0], "KiFastCallEntry's first instruction never ran: KiTrap01 redirected the frame");
        assertEquals(1, entries[1], "KiFastCallEntry2 ran once");

        // Only the user #DB became an exception: STATUS_SINGLE_STEP at the user address, frame from ring 3, TF cleared.
        assertTrue(dispatched.size() >= 1, "the step exception dispatched");
        int[] d = dispatched.get(0);
        assertEquals(hex(0x80000004), hex(d[0]), "STATUS_SINGLE_STEP");
        assertEquals(hex(h.symbol("back")), hex(d[1]), "ExceptionAddress");
        assertEquals(USER_CS, d[2]);
        assertEquals(hex(h.symbol("back")), hex(d[3]));
        assertEquals(0, d[4] & EFLAGS_TF, "KiTrap01 cleared TF in the frame");
        // No handler on the program's SEH chain: KiUserExceptionDispatcher raises it again (second chance) and the
        // process ends with the exception code.
        assertEquals(hex(0x80000004), hex(h.exitStatus()));
        assertEquals(1, h.u32(h.symbol("s_status")), "the instruction after the step was not executed");
    }
}
