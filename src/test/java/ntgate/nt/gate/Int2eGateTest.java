package ntgate.nt.gate;

import ntgate.nt.NtHarness;
import ntgate.nt.NtSystem;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static ntgate.nt.gate.Gate.*;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Issue 5, "done when" 2, second half: INT 2Eh (KiSystemService, NT-FACTS §5.2) builds the same frame as SYSENTER
 * (§5.1) but for the fields that differ by design:
 * <ul>
 * <li>Eip / DbgEip: the CPU pushes the address after {@code int 2Eh}; SYSENTER saves nothing, so KiFastCallEntry
 * pushes SharedUserData.SystemCallReturn (§5.0, §5.1 step 5).</li>
 * <li>Edx: KiSystemService saves the previous KTHREAD.TrapFrame there (§5.2 step 6); KiFastCallEntry does not
 * touch the slot (§5.1 step 15).</li>
 * <li>Dr7: KiFastCallEntry clears the slot; XP SP3's KiSystemService does not (§5.2 step 9).</li>
 * <li>SegFs, PreviousPreviousMode and EFlags hold the same values here, by different means: INT 2Eh pushes the real
 * FS, the whole PreviousMode dword and the flags the CPU pushed; SYSENTER pushes the constants 3Bh and 1 and the
 * flags with IF forced.</li>
 * <li>The exit: with --int2e the kernel never enabled fast returns, so IRETD; but with SEP enabled even an INT 2Eh
 * call returns through SYSEXIT (§6 step 12, "consequences").</li>
 * </ul>
 */
class Int2eGateTest {
    static final int PLANT_EDX = 0x5EED5EED, PLANT_DR7 = 0x00000455;

    /** One call's frame, the KTHREAD.TrapFrame before and after it, and its exit instruction. */
    record Call(int frameAddress, int[] frame, int trapFrameBefore, int trapFrameAfter, int entryEip) {}

    static List<Call> run(boolean int2e, Probe[] probeOut) {
        NtHarness h = NtHarness.boot(SysenterTrapFrameTest.PROGRAM, o -> o.int2e = int2e);
        Probe p = new Probe(h);
        probeOut[0] = p;
        List<Call> calls = new ArrayList<>();
        int[] pending = new int[2];
        int entry = int2e ? ntdll(h, "KiIntSystemCall") + 4 : ntdll(h, "KiFastSystemCall") + 2;
        int[] frameAt = new int[1];
        int[][] frame = new int[1][];
        p.at(entry, cpu -> {
            int t = thread(h);
            int f = k32(h, t + KT_INITIAL_STACK) - TRAP_FRAME_BIAS;
            // Plant known values in the two slots the paths treat differently.
            kw32(h, f + TF_EDX, PLANT_EDX);
            kw32(h, f + TF_DR7, PLANT_DR7);
            pending[0] = k32(h, t + KT_TRAP_FRAME);
            pending[1] = cpu.st.eip;
        });
        p.at(nt(h, "NtTestAlert"), cpu -> {
            frameAt[0] = cpu.gpr[5];
            frame[0] = frame(h, cpu.gpr[5]);
        });
        p.at(ntdll(h, "KiFastSystemCallRet"), cpu -> {
            if (cpu.st.cpl == 3 && frame[0] != null) calls.add(new Call(frameAt[0], frame[0], pending[0], k32(h, thread(h) + KT_TRAP_FRAME), pending[1]));
            frame[0] = null;
        });
        p.at(ntdll(h, "KiIntSystemCall") + 6, cpu -> {   // the ret after int 2Eh
            if (cpu.st.cpl == 3 && frame[0] != null) calls.add(new Call(frameAt[0], frame[0], pending[0], k32(h, thread(h) + KT_TRAP_FRAME), pending[1]));
            frame[0] = null;
        });
        assertEquals(NtSystem.End.EXITED, p.runAll());
        assertEquals(0, h.exitStatus());
        assertEquals(2, calls.size());
        return calls;
    }

    @Test
    void int2eBuildsTheSameFrameButForTheFieldsThatDifferByDesign() {
        Probe[] ps = new Probe[1], pi = new Probe[1];
        List<Call> fast = run(false, ps), slow = run(true, pi);
        NtHarness hs = ps[0].h, hi = pi[0].h;
        int[] same = {TF_HARDWARE_SEG_SS, TF_HARDWARE_ESP, TF_EFLAGS, TF_SEG_CS, TF_ERR_CODE, TF_EBP, TF_EBX, TF_ESI, TF_EDI,
                TF_SEG_FS, TF_EXCEPTION_LIST, TF_PREVIOUS_PREVIOUS_MODE, TF_DBG_ARG_MARK, TF_DBG_ARG_POINTER, TF_DBG_EBP};
        for (int i = 0; i < 2; i++) {
            Call f = fast.get(i), s = slow.get(i);
            String c = "call " + (i + 1) + ": ";
            assertEquals(f.frameAddress(), s.frameAddress(), c + "both frames at InitialStack-0x29C");
            for (int off : same) assertEquals(hex(f.frame()[off / 4]), hex(s.frame()[off / 4]), c + String.format("field +%02X", off));
            // Eip / DbgEip.
            int afterInt = ntdll(hi, "KiIntSystemCall") + 6;
            assertEquals(afterInt, s.entryEip() + 2, c + "int 2Eh is the two bytes before the ret");
            assertEquals(afterInt, s.frame()[TF_EIP / 4], c + "int 2Eh: Eip = the instruction after int 2Eh");
            assertEquals(afterInt, s.frame()[TF_DBG_EIP / 4], c + "int 2Eh: DbgEip");
            assertEquals(ntdll(hs, "KiFastSystemCallRet"), f.frame()[TF_EIP / 4], c + "sysenter: Eip = SystemCallReturn");
            // Edx: previous KTHREAD.TrapFrame (int 2Eh) vs untouched (sysenter); kss70 reloads KTHREAD.TrapFrame from it.
            assertEquals(s.trapFrameBefore(), s.frame()[TF_EDX / 4], c + "int 2Eh: Edx = previous KTHREAD.TrapFrame");
            assertEquals(s.trapFrameBefore(), s.trapFrameAfter(), c + "int 2Eh: KTHREAD.TrapFrame restored on return");
            assertEquals(PLANT_EDX, f.frame()[TF_EDX / 4], c + "sysenter: the Edx slot is not written");
            assertEquals(PLANT_EDX, f.trapFrameAfter(), c + "sysenter: kss70 loads the stale slot into KTHREAD.TrapFrame (§5.3 step 12)");
            // Dr7.
            assertEquals(0, f.frame()[TF_DR7 / 4], c + "sysenter clears the Dr7 slot");
            assertEquals(PLANT_DR7, s.frame()[TF_DR7 / 4], c + "XP SP3's int 2Eh path leaves the Dr7 slot");
        }
        // The exits: SYSEXIT for the sysenter boot, IRETD for --int2e (fast return never enabled).
        assertEquals(1, ps[0].steps(Kind.IRETD).size(), "sysenter boot: only KiStartUserThread's IRETD");
        assertEquals(2, ps[0].steps(Kind.SYSEXIT).size());
        assertEquals(0, pi[0].steps(Kind.SYSEXIT).size());
        assertEquals(3, pi[0].steps(Kind.IRETD).size(), "--int2e: the thread start and both calls leave by IRETD");
        assertEquals(2, pi[0].steps(Kind.IRETD).stream().filter(st -> st.eip() == nt(hi, "KiSystemCallExit")).count(),
                "--int2e: both service returns at KiSystemCallExit");
        assertEquals(3, pi[0].steps(Kind.INT2E).stream().filter(st -> st.cpl() == 3).count(), "two ZwTestAlert and ZwTerminateProcess");
    }

    @Test
    void withFastReturnsEnabledAnInt2eCallReturnsThroughSysexit() {
        NtHarness h = NtHarness.boot("""
                section .text
                global start
                start:
                    push 0x10                 ; NtClose(STD_OUTPUT... a console handle): 1 argument
                    call myclose
                    mov [status1], eax
                    mov [r_ecx], ecx
                    mov [r_edx], edx
                    mov [r_esp], esp
                    xor eax, eax
                    ret
                myclose:
                    mov eax, 0x19             ; NtClose
                    lea edx, [esp+4]
                    int 0x2e
                back:
                    ret 4
                section .data
                status1: dd 1
                r_ecx: dd 0
                r_edx: dd 0
                r_esp: dd 0
                """);
        Probe p = new Probe(h);
        int[] espAtInt = new int[1];
        p.at(h.symbol("back") - 2, cpu -> espAtInt[0] = cpu.gpr[4]);
        assertEquals(NtSystem.End.EXITED, p.runAll());
        assertEquals(0, h.exitStatus());
        assertEquals(STATUS_SUCCESS, h.u32(h.symbol("status1")));
        List<Step> exits = p.steps.stream().filter(s -> s.kind() == Kind.SYSEXIT || s.kind() == Kind.IRETD).toList();
        assertEquals(List.of(Kind.IRETD, Kind.SYSEXIT), exits.stream().map(Step::kind).toList(),
                "thread start by IRETD, then the int 2Eh call leaves by SYSEXIT");
        assertEquals(espAtInt[0], h.u32(h.symbol("r_ecx")), "ECX = user ESP (SYSEXIT)");
        assertEquals(h.symbol("back"), h.u32(h.symbol("r_edx")), "EDX = user EIP = the frame's Eip, after int 2Eh");
        assertEquals(espAtInt[0] + 8, h.u32(h.symbol("r_esp")), "ESP back in the caller");
    }
}
