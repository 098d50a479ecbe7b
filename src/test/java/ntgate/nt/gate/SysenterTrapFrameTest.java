package ntgate.nt.gate;

import ntgate.nt.NtHarness;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static ntgate.nt.gate.Gate.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/**
 * Issue 5, "done when" 1: the KTRAP_FRAME that KiFastCallEntry builds, read from guest memory while the service
 * runs (a hook at the NtTestAlert service routine), against NT-FACTS §1, §2, §5.1 and §14.1/§14.2.
 */
class SysenterTrapFrameTest {
    static final String PROGRAM = """
            extern ZwTestAlert
            section .text
            global start
            start:
                mov dword [fs:0], 0x0012FEDC    ; TEB.NtTib.ExceptionList: a distinctive user SEH head
                mov ebx, 0xB0B0B0B0
                mov esi, 0x51515151
                mov edi, 0xD1D1D1D1
                push ebp
                mov ebp, 0xEBEBEBEB
                call ZwTestAlert
                call ZwTestAlert
                pop ebp
                mov [saved_fs0], eax
                mov eax, [fs:0]
                mov [saved_fs0], eax            ; the user chain head after the calls
                xor eax, eax
                ret
            section .data
            saved_fs0: dd 0
            """;

    /** The user state at each SYSENTER. */
    record AtSysenter(int esp, int edx, int eflags, int pcrExceptionList, int systemCalls) {}

    /** What the kernel state was inside the service. */
    record Inside(int frameAddress, int[] frame, int initialStack, int kthreadTrapFrame, int previousMode,
                  int pcrExceptionList, int systemCalls, int esp, int returnAddress) {}

    @Test
    void everyFieldOfTheSysenterFrameHoldsWhatNtPutsThere() {
        NtHarness h = NtHarness.boot(PROGRAM);
        Probe p = new Probe(h);
        List<AtSysenter> before = new ArrayList<>();
        List<Inside> inside = new ArrayList<>();
        List<int[]> after = new ArrayList<>();   // {KTHREAD.PreviousMode, KPCR.ExceptionList} back at KiFastSystemCallRet
        int sysenter = ntdll(h, "KiFastSystemCall") + 2;   // mov edx,esp (8B D4) then sysenter (0F 34)
        int[] planted = {0x8DF0FF00, 0xF8A3F000};          // kernel SEH heads planted in the KPCR before each call
        p.at(sysenter, cpu -> {
            int n = before.size();
            if (n >= 2) return;   // ZwTerminateProcess at the end
            // A distinctive kernel-side chain head in KPCR.NtTib.ExceptionList (the kernel's list, §2.3), and
            // KTHREAD.PreviousMode = KernelMode before the first call: KiFastCallEntry must push the constant 1
            // (§5.1 step 11) and write PreviousMode = 1 (step 12), not read the old value.
            kw32(h, PCR_EXCEPTION_LIST, planted[n]);
            if (n == 0) kw8(h, thread(h) + KT_PREVIOUS_MODE, 0);
            // KTHREAD.Alerted[KernelMode] (+0x2E) set: KiServiceExit clears it on every user return (§6 step 2b).
            kw8(h, thread(h) + 0x2E, 1);
            before.add(new AtSysenter(cpu.gpr[4], cpu.gpr[2], cpu.st.eflags(), planted[n], k32(h, PCR_KE_SYSTEM_CALLS)));
        });
        p.at(nt(h, "NtTestAlert"), cpu -> {
            int t = thread(h);
            int ebp = cpu.gpr[5];
            inside.add(new Inside(ebp, frame(h, ebp), k32(h, t + KT_INITIAL_STACK), k32(h, t + KT_TRAP_FRAME),
                    k8(h, t + KT_PREVIOUS_MODE), k32(h, PCR_EXCEPTION_LIST), k32(h, PCR_KE_SYSTEM_CALLS), cpu.gpr[4], k32(h, cpu.gpr[4])));
        });
        p.at(ntdll(h, "KiFastSystemCallRet"), cpu -> {
            if (cpu.st.cpl == 3) after.add(new int[] {k8(h, thread(h) + KT_PREVIOUS_MODE), k32(h, PCR_EXCEPTION_LIST), k8(h, thread(h) + 0x2E)});
        });
        h.run();
        assertEquals(0, h.exitStatus());
        assertEquals(2, inside.size(), "NtTestAlert ran twice");
        int systemCallReturn = h.u32(SHARED_SYSTEM_CALL_RETURN);   // read by the user program's view, §2.7
        assertEquals(ntdll(h, "KiFastSystemCallRet"), systemCallReturn, "SharedUserData.SystemCallReturn -> KiFastSystemCallRet");

        for (int i = 0; i < 2; i++) {
            AtSysenter u = before.get(i);
            Inside in = inside.get(i);
            int[] f = in.frame();
            String c = "call " + (i + 1) + ": ";
            // §2.9 / §14.1: the frame is at InitialStack - 0x29C, and the service runs with EBP = that frame.
            assertEquals(in.initialStack() - TRAP_FRAME_BIAS, in.frameAddress(), c + "frame at InitialStack-0x29C");
            // §5.3 step 10: [ESP] = return address (kss60), the service's 0 arguments were copied below the frame.
            assertEquals(in.frameAddress() - 4, in.esp(), c + "ESP at the service = frame - 4 (return address only)");
            assertEquals(nt(h, "kss60"), in.returnAddress(), c + "return address kss60");
            // §1 / §5.1 steps 3-7, §14.2.
            assertEquals(USER_DS, f[TF_HARDWARE_SEG_SS / 4], c + "HardwareSegSs");
            assertEquals(u.esp(), f[TF_HARDWARE_ESP / 4], c + "HardwareEsp = user ESP at SYSENTER");
            assertEquals(u.edx(), u.esp(), c + "KiFastSystemCall passes EDX = ESP");
            // SYSENTER clears VM, IF and RF (SDM Vol.2B); KiFastCallEntry sets IF in the image (§5.1 step 4).
            assertEquals((u.eflags() & ~0x30200) | EFLAGS_IF, f[TF_EFLAGS / 4], c + "EFlags = user flags with IF");
            assertEquals(EFLAGS_IF, f[TF_EFLAGS / 4] & EFLAGS_IF);
            assertEquals(USER_CS, f[TF_SEG_CS / 4], c + "SegCs");
            assertEquals(systemCallReturn, f[TF_EIP / 4], c + "Eip = SharedUserData.SystemCallReturn");
            assertEquals(0, f[TF_ERR_CODE / 4], c + "ErrCode");
            assertEquals(0xEBEBEBEB, f[TF_EBP / 4], c + "Ebp");
            assertEquals(0xB0B0B0B0, f[TF_EBX / 4], c + "Ebx");
            assertEquals(0x51515151, f[TF_ESI / 4], c + "Esi");
            assertEquals(0xD1D1D1D1, f[TF_EDI / 4], c + "Edi");
            assertEquals(USER_FS, f[TF_SEG_FS / 4], c + "SegFs = constant 3Bh");
            // §5.1 step 9 / §2.3: the KERNEL's list head (KPCR), not the user's TEB.ExceptionList.
            assertEquals(u.pcrExceptionList(), f[TF_EXCEPTION_LIST / 4], c + "ExceptionList = KPCR.NtTib.ExceptionList at entry");
            assertNotEquals(0x0012FEDC, f[TF_EXCEPTION_LIST / 4], c + "the user's fs:[0] is not saved");
            assertEquals(1, f[TF_PREVIOUS_PREVIOUS_MODE / 4], c + "PreviousPreviousMode = constant UserMode (whole dword)");
            assertEquals(0, f[TF_DR7 / 4], c + "Dr7 slot cleared (§5.1 step 14)");
            // §5.1 step 17.
            assertEquals(0xBADB0D00, f[TF_DBG_ARG_MARK / 4], c + "DbgArgMark");
            assertEquals(u.esp() + 8, f[TF_DBG_ARG_POINTER / 4], c + "DbgArgPointer = user ESP + 8");
            assertEquals(0xEBEBEBEB, f[TF_DBG_EBP / 4], c + "DbgEbp = frame.Ebp");
            assertEquals(systemCallReturn, f[TF_DBG_EIP / 4], c + "DbgEip = frame.Eip");
            // KTHREAD / KPCR during the call.
            assertEquals(in.frameAddress(), in.kthreadTrapFrame(), c + "KTHREAD.TrapFrame = the frame");
            assertEquals(1, in.previousMode(), c + "KTHREAD.PreviousMode = UserMode inside");
            assertEquals(0xFFFFFFFF, in.pcrExceptionList(), c + "KPCR.NtTib.ExceptionList = -1 inside");
            // §5.3 step 5: one increment per dispatched service, before the call.
            assertEquals(u.systemCalls() + 1, in.systemCalls(), c + "KeSystemCalls counts the call");
            // §6 step 3: restored on the way out.
            assertEquals(1, after.get(i)[0], c + "KTHREAD.PreviousMode after = PreviousPreviousMode (1)");
            assertEquals(u.pcrExceptionList(), after.get(i)[1], c + "KPCR.NtTib.ExceptionList restored after");
            assertEquals(0, after.get(i)[2], c + "KTHREAD.Alerted[KernelMode] cleared by KiServiceExit");
        }
        assertEquals(before.get(0).systemCalls() + 1, before.get(1).systemCalls(), "nothing else was counted between the calls");
        assertEquals(0x0012FEDC, h.u32(h.symbol("saved_fs0")), "the user's fs:[0] is untouched by the gate");
        // TSS.Esp0 = InitialStack - 0x220 (§2.4, §14.1): KTSS at 0x80042000, Esp0 at +4.
        assertEquals(inside.get(0).initialStack() - 0x220, k32(h, 0x80042000 + 4), "TSS.Esp0");
    }
}
