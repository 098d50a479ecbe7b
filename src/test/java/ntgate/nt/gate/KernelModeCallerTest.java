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
 * Issue 5, "done when" 5: a Zw call from kernel code (NT-FACTS §5.4) runs the service with PreviousMode =
 * KernelMode, builds an INT 2Eh-style frame with SegCs = 8 on the current kernel stack, skips the user-pointer probe,
 * and returns through the kernel-mode path of KiServiceExit (POP EDX / POP ECX / POPFD / JMP EDX, §6 step 12).
 *
 * <p>How kernel code gets to run: the program carries a small ring-0 snippet ({@code kcall}). A user-mode call of
 * NtYieldExecution reaches its service routine through the real gate; a hook there stops the CPU before the
 * routine's first instruction and resumes it at the snippet instead, with everything a service has (CPL 0, the
 * thread's kernel stack, EBP = the user call's trap frame, [ESP] = kss60). The snippet calls nt!ZwTestAlert and
 * nt!ZwClose through pointers the hook fills in, exactly as a driver's code would, and returns to kss60 like a
 * service. No host routine and no gate code is bypassed or added.
 */
class KernelModeCallerTest {
    static final String PROGRAM = """
            extern ZwYieldExecution
            section .text
            global start
            start:
                call ZwYieldExecution     ; its body is replaced by kcall
                mov [s_user], eax
                xor eax, eax
                ret
            kcall:                        ; ring 0: EBP = the user call's trap frame, [ESP] = kss60
                pushfd
                pop dword [kflags]        ; the kernel's flags before the Zw call
                call [zw_test_alert]      ; nt!ZwTestAlert()
            k_after1:
                mov [s_test_alert], eax
                push 0x14                 ; StandardError: a console handle; the argument is on the kernel stack
                call [zw_close]           ; nt!ZwClose(0x14)
            k_after2:
                mov [s_close], eax
                mov eax, 0x0C0DE          ; what the replaced service returns to the user
                ret
            section .data
            zw_test_alert: dd 0
            zw_close: dd 0
            kflags: dd 0
            s_user: dd 0
            s_test_alert: dd 1
            s_close: dd 1
            """;

    record Inside(int previousMode, int frameAddress, int[] frame, int kthreadTrapFrame, int pcrExceptionList, int esp) {}

    @Test
    void aZwCallFromKernelCodeRunsInKernelModeAndReturnsByJmpEdx() {
        NtHarness h = NtHarness.boot(PROGRAM);
        Probe p = new Probe(h);
        kw32(h, h.symbol("zw_test_alert"), nt(h, "ZwTestAlert"));
        kw32(h, h.symbol("zw_close"), nt(h, "ZwClose"));
        int[] userFrame = {0}, espAtZw = new int[2], counter = new int[3];
        List<Inside> inside = new ArrayList<>();
        List<int[]> afterZw = new ArrayList<>();   // {PreviousMode, KTHREAD.TrapFrame, ESP}
        p.at(nt(h, "NtYieldExecution"), cpu -> {
            userFrame[0] = cpu.gpr[5];
            counter[0] = k32(h, PCR_KE_SYSTEM_CALLS);
            p.redirect = h.symbol("kcall");
        });
        p.at(nt(h, "ZwTestAlert"), cpu -> espAtZw[0] = cpu.gpr[4]);
        p.at(nt(h, "ZwClose"), cpu -> espAtZw[1] = cpu.gpr[4]);
        p.at(nt(h, "NtTestAlert"), cpu -> inside.add(inside(h, cpu.gpr[5], cpu.gpr[4])));
        p.at(nt(h, "NtClose"), cpu -> inside.add(inside(h, cpu.gpr[5], cpu.gpr[4])));
        p.at(h.symbol("k_after1"), cpu -> afterZw.add(new int[] {k8(h, thread(h) + KT_PREVIOUS_MODE), k32(h, thread(h) + KT_TRAP_FRAME), cpu.gpr[4], cpu.st.eflags()}));
        p.at(h.symbol("k_after2"), cpu -> {
            afterZw.add(new int[] {k8(h, thread(h) + KT_PREVIOUS_MODE), k32(h, thread(h) + KT_TRAP_FRAME), cpu.gpr[4], cpu.st.eflags()});
            counter[1] = k32(h, PCR_KE_SYSTEM_CALLS);
        });
        assertEquals(NtSystem.End.EXITED, p.runAll());
        assertEquals(0, h.exitStatus());

        assertEquals(STATUS_SUCCESS, h.u32(h.symbol("s_test_alert")), "ZwTestAlert");
        assertEquals(STATUS_SUCCESS, h.u32(h.symbol("s_close")), "ZwClose: the argument on the kernel stack (>= MmUserProbeAddress) is copied");
        assertEquals(0x0C0DE, h.u32(h.symbol("s_user")), "the user call returned what the kernel code returned");
        assertEquals(2, inside.size());
        String[] stub = {"ZwTestAlert", "ZwClose"};
        for (int i = 0; i < 2; i++) {
            Inside in = inside.get(i);
            int[] f = in.frame();
            String c = stub[i] + ": ";
            assertEquals(0, in.previousMode(), c + "KTHREAD.PreviousMode = KernelMode inside the service");
            assertEquals(KERNEL_CS, f[TF_SEG_CS / 4], c + "SegCs = 8");
            // §5.4: the stub is mov eax,N (5) / lea edx,[esp+4] (4) / pushfd (1) / push 8 (2) / call (5) / retn (3).
            assertEquals(hex(nt(h, stub[i]) + 0x11), hex(f[TF_EIP / 4]), c + "Eip = the return address inside the Zw stub");
            assertEquals(hex(espAtZw[i] + 4), hex(f[TF_DBG_ARG_POINTER / 4]), c + "DbgArgPointer = EDX = the caller's arguments");
            // The frame is on the same kernel stack, right below what the stub pushed: no HardwareEsp/SS.
            assertEquals(espAtZw[i] - 12, in.frameAddress() + TF_EIP, c + "EIP, CS, EFLAGS pushed by the stub, no ring switch");
            assertEquals(in.frameAddress(), in.kthreadTrapFrame(), c + "KTHREAD.TrapFrame = this frame");
            assertEquals(userFrame[0], f[TF_EDX / 4], c + "Edx = the previous frame (the user call's)");
            assertEquals(1, f[TF_PREVIOUS_PREVIOUS_MODE / 4] & 0xFF, c + "PreviousPreviousMode = UserMode (the user call's)");
            assertEquals(0xFFFFFFFF, f[TF_EXCEPTION_LIST / 4], c + "ExceptionList = the KPCR's (-1 inside the user call)");
            assertEquals(0x30, f[TF_SEG_FS / 4] & 0xFFFF, c + "SegFs = the kernel's FS 30h");
            assertEquals(0xBADB0D00, f[TF_DBG_ARG_MARK / 4], c + "DbgArgMark");
            // §5.3: the argument copy for ZwClose came from the kernel stack without a probe.
            if (i == 1) assertEquals(0x14, k32(h, in.esp() + 4) , c + "the copied argument");
            // After the call: PreviousMode and KTHREAD.TrapFrame back to the user call's, ESP back to the caller's.
            int[] a = afterZw.get(i);
            assertEquals(1, a[0], c + "PreviousMode = UserMode again (from PreviousPreviousMode)");
            assertEquals(userFrame[0], a[1], c + "KTHREAD.TrapFrame = the user call's frame again (kss70)");
            assertEquals(espAtZw[i] + 4 + (i == 1 ? 4 : 0), a[2], c + "the stub's retn popped the arguments");
        }
        assertEquals(2, counter[1] - counter[0], "KeSystemCalls counted both Zw calls");
        int kflags = h.u32(h.symbol("kflags"));
        assertEquals(hex(kflags & 0xFFF), hex(afterZw.get(1)[3] & 0xFFF), "POPFD restored the kernel caller's flags (IF included)");
        assertTrue((kflags & EFLAGS_IF) != 0);

        // The exits: the two Zw calls leave by JMP EDX at ring 0 (no IRETD, no SYSEXIT), the user call by SYSEXIT.
        List<Step> seq = p.steps.stream().filter(s -> s.kind() != Kind.OTHER && s.kind() != Kind.INT2E).toList();
        List<Kind> kinds = seq.stream().map(Step::kind).toList();
        assertEquals(List.of(Kind.IRETD, Kind.SYSENTER, Kind.JMP_EDX, Kind.JMP_EDX, Kind.SYSEXIT, Kind.SYSENTER), kinds);
        int branch = nt(h, "KiSystemCallExitBranch");
        for (Step s : seq) {
            if (s.kind() != Kind.JMP_EDX) continue;
            assertEquals(0, s.cpl());
            assertEquals(branch + 2 + 3, s.eip(), "jnz (2), pop edx, pop ecx, popfd (3), then jmp edx");
        }
    }

    private static Inside inside(NtHarness h, int ebp, int esp) {
        int t = thread(h);
        return new Inside(k8(h, t + KT_PREVIOUS_MODE), ebp, frame(h, ebp), k32(h, t + KT_TRAP_FRAME), k32(h, PCR_EXCEPTION_LIST), esp);
    }
}
