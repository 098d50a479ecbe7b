package ntgate.nt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ntgate.cpu.Cpu;
import ntgate.nt.layout.Nt;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Runs ntoskrnl.asm on the emulated CPU ({@link GateRig}) and reads back what the gate wrote: the thread starts
 * through KiStartUserThread, makes a SYSENTER call that returns through SYSEXIT, and makes int 2Eh calls that
 * take the probe failure, the argument-copy fixup, the invalid-table path and the GUI-conversion failure path.
 */
class GateRoundTripTest {
    static final int INITIAL_STACK = GateRig.INITIAL_STACK, PCR = GateRig.PCR;

    static final String USER_SRC = String.join("\n",
            "start:",
            "    push 7",
            "    push 5",
            "    call ZwTestAdd",
            "    mov [res + 0], eax",
            "    mov [res + 4], ecx",
            "    mov [res + 8], esp",
            "    mov eax, 0",
            "    mov edx, 0x80000000",
            "    int 0x2E",
            "    mov [res + 12], eax",
            "    mov eax, 0",
            "    mov edx, 0x7FFEFFFC",
            "    int 0x2E",
            "    mov [res + 16], eax",
            "    mov eax, 0x3000",
            "    int 0x2E",
            "    mov [res + 20], eax",
            "    mov eax, 0x1001",
            "    mov edx, esp",
            "    int 0x2E",
            "    mov [res + 24], eax",
            "    mov eax, 0x4000",
            "    push 30",
            "    push 12",
            "    lea edx, [esp]",
            "    int 0x2E",
            "    add esp, 8",
            "    mov [res + 28], eax",
            "    int3",
            GateExitPathsTest.SYSENTER_STUBS);

    static GateRig rig;
    static Cpu cpu;
    static Cpu.Stop stop;

    @BeforeAll
    static void run() throws Exception {
        rig = new GateRig(USER_SRC, null);
        cpu = rig.cpu;
        stop = rig.run();
    }

    static int sym(ntgate.asm.AsmResult r, String n) {
        return rig.sym(r, n);
    }

    static int rd(int linear) {
        return rig.rd(linear);
    }

    static long phys(int linear) {
        return rig.phys(linear);
    }

    static int off(String f) {
        return GateRig.off(f);
    }

    @Test
    void theThreadRunsToItsBreakpointWithoutABugCheck() {
        assertEquals(-1, rig.bugCheck, "bug check");
        assertEquals(Cpu.Stop.BREAK, stop);
        assertEquals(0x80000003, rig.exceptionCode);
        assertEquals(INITIAL_STACK - Nt.INITIAL_TRAP_FRAME_BIAS, rig.exceptionFrame);
    }

    @Test
    void kiEnableFastSyscallReturnPatchedTheBranchToKiSystemCallExit2() {
        int branch = sym(rig.kernel, "KiSystemCallExitBranch");
        assertEquals(sym(rig.kernel, "KiSystemCallExit2"), branch + 2 + (byte) cpu.mem.read8(phys(branch + 1)));
    }

    @Test
    void theSysenterCallReturnsTheSumThroughSysexit() {
        int res = sym(rig.user, "res");
        assertEquals(12, rd(res));
        // After the stub's ret 8 ESP is 16 above the ESP SYSENTER saw (two return addresses, two arguments).
        assertEquals(rd(res + 8) - 16, rd(res + 4), "SYSEXIT leaves ECX = the user ESP of the sysenter");
    }

    @Test
    void int2eCallsTakeTheProbeFixupInvalidTableAndGuiFailurePaths() {
        int res = sym(rig.user, "res");
        assertEquals(0xC0000005, rd(res + 12), "argument pointer above MmUserProbeAddress");
        assertEquals(0xC0000005, rd(res + 16), "argument copy faults: KiTrap0E fixup");
        assertEquals(0xC000001C, rd(res + 20), "table 3 is empty");
        assertEquals(0xFFFFFFFF, rd(res + 24), "GUI conversion failed: the failure byte says -1");
        assertEquals(42, rd(res + 28), "bits 14-31 of the service number are ignored");
        assertTrue(rig.hostCalls.contains("HC_MmAccessFault"));
        assertTrue(rig.hostCalls.contains("HC_PsConvertToGuiThread"));
    }

    @Test
    void theSyscallFrameHoldsWhatKiFastCallEntryAndKiSystemServiceWrote() {
        int f = INITIAL_STACK - Nt.INITIAL_TRAP_FRAME_BIAS;
        // The last frame at this address is the int3 trap frame; the counters and the PCR state are the gate's.
        assertEquals(4, rd(PCR + off("KPCR.PrcbData.KeSystemCalls")), "calls that passed the range check (NT-FACTS §14.3)");
        assertEquals(Nt.EXCEPTION_CHAIN_END, rd(PCR + off("KPCR.NtTib.ExceptionList")));
        assertEquals(Nt.TRAP_FRAME_MARKER, rd(f + off("KTRAP_FRAME.DbgArgMark")));
        assertEquals(Nt.USER_CS, rd(f + off("KTRAP_FRAME.SegCs")));
        assertEquals(Nt.USER_DS, rd(f + off("KTRAP_FRAME.HardwareSegSs")));
        assertEquals(sym(rig.user, "start") + 0, rd(f + off("KTRAP_FRAME.Eip")) - (sym(rig.user, "ZwTestAdd") - sym(rig.user, "start")),
                "int3 frame Eip = the instruction after int3 (ZwTestAdd follows it)");
    }

    @Test
    void kiDisableFastSyscallReturnPutsTheBranchBackOnIretdAndEnableRepatchesIt() {
        int branch = sym(rig.kernel, "KiSystemCallExitBranch");
        int halt = sym(rig.kernel, "KeBugCheckEx.halt");
        for (String routine : new String[] {"KiDisableFastSyscallReturn", "KiEnableFastSyscallReturn"}) {
            cpu.gpr[4] -= 4;
            rig.wr(cpu.gpr[4], halt);                       // return into a HLT
            cpu.st.eip = sym(rig.kernel, routine);
            assertEquals(Cpu.Stop.HALT, cpu.run(1000), routine);
            int target = branch + 2 + (byte) cpu.mem.read8(phys(branch + 1));
            assertEquals(sym(rig.kernel, routine.contains("Disable") ? "KiSystemCallExit" : "KiSystemCallExit2"), target, routine);
        }
    }
}
