package ntgate.nt.gate;

import ntgate.cpu.Seg;
import ntgate.nt.NtHarness;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static ntgate.nt.gate.Gate.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 5, "done when" 2: which instruction takes a service back to user mode (NT-FACTS §6 step 12, §7, §14.4),
 * observed as the executed instruction, and the user state SYSEXIT and IRETD leave behind.
 *
 * <p>KiDisableFastSyscallReturn and KiEnableFastSyscallReturn run as guest code at ring 0: the program holds a
 * small kernel-mode snippet ({@code kcall}); a hook replaces the body of NtYieldExecution (called from user mode,
 * so EBP = its trap frame and [ESP] = kss60, the service contract of §5.3 step 10) by that snippet, which calls the
 * routine through a pointer the hook fills in and returns STATUS_SUCCESS like a service. This is how a driver
 * (or the power manager, §7) would call them: from kernel code inside a system call.
 */
class ServiceExitPathTest {
    static final String PROGRAM = """
            extern ZwTestAlert, ZwYieldExecution
            section .text
            global start
            start:
                call ZwTestAlert          ; 1: fast return enabled at boot -> SYSEXIT
                call ZwYieldExecution     ; 2: runs KiDisableFastSyscallReturn, so its own exit is IRETD
                call ZwTestAlert          ; 3: IRETD
                call ZwYieldExecution     ; 4: runs KiEnableFastSyscallReturn -> SYSEXIT
                call ZwTestAlert          ; 5: SYSEXIT
                xor eax, eax
                ret
            kcall:                        ; ring 0, in place of a service body
                call [kfn]
                xor eax, eax              ; STATUS_SUCCESS
                ret                       ; NtYieldExecution takes no arguments
            section .data
            kfn: dd 0
            """;

    /** The user state at KiFastSystemCallRet after each return. */
    record Back(int esp, int ecx, int edx, int eflags, int cs, int ss, int ds, int es, int fs) {}

    @Test
    void sysexitIsTheNormalReturnAndKiDisableFastSyscallReturnSwitchesToIretd() {
        NtHarness h = NtHarness.boot(PROGRAM);
        Probe p = new Probe(h);
        int branch = nt(h, "KiSystemCallExitBranch");
        List<Integer> branchTargets = new ArrayList<>();
        List<Integer> userEsp = new ArrayList<>();
        List<Back> back = new ArrayList<>();
        int[] yields = {0};
        p.at(ntdll(h, "KiFastSystemCall") + 2, cpu -> userEsp.add(cpu.gpr[4]));
        p.at(nt(h, "NtYieldExecution"), cpu -> {
            kw32(h, h.symbol("kfn"), nt(h, yields[0]++ == 0 ? "KiDisableFastSyscallReturn" : "KiEnableFastSyscallReturn"));
            p.redirect = h.symbol("kcall");
        });
        p.at(nt(h, "KiServiceExit"), cpu -> {
            // §7: the jnz at KiSystemCallExitBranch (75 rel8) as it is when each exit starts.
            assertEquals(0x75, k8(h, branch), "KiSystemCallExitBranch is a short jnz");
            branchTargets.add(branch + 2 + (byte) k8(h, branch + 1));
        });
        p.at(ntdll(h, "KiFastSystemCallRet"), cpu -> {
            if (cpu.st.cpl != 3) return;
            int[] s = cpu.st.segSel;
            back.add(new Back(cpu.gpr[4], cpu.gpr[1], cpu.gpr[2], cpu.st.eflags(), s[Seg.CS], s[Seg.SS], s[Seg.DS], s[Seg.ES], s[Seg.FS]));
        });
        assertEquals(ntgate.nt.NtSystem.End.EXITED, p.runAll());
        assertEquals(0, h.exitStatus());

        int exit = nt(h, "KiSystemCallExit"), exit2 = nt(h, "KiSystemCallExit2");
        assertEquals(1, exit2 - exit, "KiSystemCallExit is the one-byte iretd and KiSystemCallExit2 follows it (§7)");
        assertEquals(0xCF, k8(h, exit), "KiSystemCallExit: iretd");
        // The branch target as each exit begins: Exit2 from boot; Exit after call 2 ran the disable; Exit2 after call 4.
        assertEquals(List.of(exit2, exit, exit, exit2, exit2), branchTargets.subList(0, 5));

        // The returns, in order, from the first SYSENTER on.
        List<Step> seq = new ArrayList<>();
        boolean started = false;
        for (Step s : p.steps) {
            if (s.kind() == Kind.SYSENTER) started = true;
            if (started && s.kind() != Kind.OTHER && s.kind() != Kind.JMP_EDX) seq.add(s);
        }
        List<Kind> kinds = seq.stream().map(Step::kind).toList();
        assertEquals(List.of(Kind.SYSENTER, Kind.SYSEXIT, Kind.SYSENTER, Kind.IRETD, Kind.SYSENTER, Kind.IRETD,
                Kind.SYSENTER, Kind.SYSEXIT, Kind.SYSENTER, Kind.SYSEXIT, Kind.SYSENTER), kinds, "exit instruction of each call");
        for (Step s : seq) {
            if (s.kind() == Kind.SYSENTER) assertEquals(3, s.cpl());
            if (s.kind() == Kind.IRETD) assertEquals(exit, s.eip(), "IRETD at KiSystemCallExit");
            if (s.kind() == Kind.SYSEXIT) {
                assertEquals(0, s.cpl());
                assertTrue(s.eip() > exit2 && s.eip() < exit2 + 0x20, "SYSEXIT inside KiSystemCallExit2");
            }
        }

        int ret = ntdll(h, "KiFastSystemCallRet");
        assertEquals(5, back.size());
        for (int i = 0; i < 5; i++) {
            Back b = back.get(i);
            String c = "call " + (i + 1) + ": ";
            assertEquals(userEsp.get(i), b.esp(), c + "ESP = HardwareEsp");
            assertEquals(USER_CS, b.cs(), c + "CS");
            assertEquals(USER_DS, b.ss(), c + "SS");
            assertEquals(USER_DS, b.ds(), c + "DS stays 23h (§6)");
            assertEquals(USER_DS, b.es(), c + "ES stays 23h (§6)");
            assertEquals(USER_FS, b.fs(), c + "FS = frame.SegFs 3Bh");
            assertEquals(EFLAGS_IF, b.eflags() & EFLAGS_IF, c + "IF set");
            assertEquals(0, b.eflags() & EFLAGS_TF, c + "TF clear");
            if (i == 0 || i >= 3) {
                // §6 consequences of SYSEXIT: ECX = user ESP, EDX = user EIP.
                assertEquals(b.esp(), b.ecx(), c + "SYSEXIT leaks ECX = user ESP");
                assertEquals(ret, b.edx(), c + "SYSEXIT leaks EDX = user EIP");
            }
        }
    }
}
