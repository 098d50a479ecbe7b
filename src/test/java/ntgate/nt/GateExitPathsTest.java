package ntgate.nt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import ntgate.cpu.Cpu;
import ntgate.cpu.Seg;
import ntgate.nt.layout.Nt;
import org.junit.jupiter.api.Test;

/** KiServiceExit's user-APC loop, NtContinue through KiServiceExit2, and KiTrap01's SYSENTER recognition, run on the CPU. */
class GateExitPathsTest {
    static final int FRAME = GateRig.INITIAL_STACK - Nt.INITIAL_TRAP_FRAME_BIAS;

    static final String SYSENTER_STUBS = String.join("\n",
            "ZwTestAdd:",
            "    mov eax, 0",
            "    mov edx, 0x7FFE0300",
            "    call [edx]",
            "    ret 8",
            "KiFastSystemCall:",
            "    mov edx, esp",
            "    sysenter",
            "KiFastSystemCallRet:",
            "    ret",
            "align 4",
            "res: times 8 dd 0xAAAAAAAA");

    static int off(String f) {
        return GateRig.off(f);
    }

    @Test
    void aPendingUserApcIsDeliveredThroughKiDeliverApcWithTheStatusAndForcedSegmentsInTheFrame() throws Exception {
        List<Integer> seen = new ArrayList<>();
        GateRig[] holder = new GateRig[1];
        GateRig rig = new GateRig(String.join("\n",
                "start:",
                "    push 7",
                "    push 5",
                "    call ZwTestAddAndQueueUserApc",
                "    int3",
                "apc:",
                "    mov [res], eax",
                "    int3",
                "ZwTestAddAndQueueUserApc:",
                "    mov eax, 3",
                "    mov edx, 0x7FFE0300",
                "    call [edx]",
                "    ret 8",
                SYSENTER_STUBS), (name, c) -> {
                    if (!name.equals("HC_KiDeliverApc")) return false;
                    GateRig g = holder[0];
                    int esp = c.gpr[4];
                    seen.add(c.read32(Seg.SS, esp + 4));    // PreviousMode
                    seen.add(c.read32(Seg.SS, esp + 8));    // ExceptionFrame
                    int frame = c.read32(Seg.SS, esp + 12);
                    seen.add(frame);
                    seen.add(g.rd(frame + off("KTRAP_FRAME.Eax")));
                    seen.add(g.rd(frame + off("KTRAP_FRAME.SegFs")));
                    seen.add(g.rd(frame + off("KTRAP_FRAME.SegDs")));
                    seen.add(g.rd(frame + off("KTRAP_FRAME.SegGs")));
                    seen.add(c.mem.read8(g.phys(GateRig.PCR + off("KPCR.Irql"))));
                    // What KiInitializeUserApc would do: redirect the frame, clear UserApcPending.
                    g.wr(frame + off("KTRAP_FRAME.Eip"), g.sym(g.user, "apc"));
                    c.mem.write8(g.phys(GateRig.THREAD + off("KTHREAD.ApcState.UserApcPending")), 0);
                    return true;
                });
        holder[0] = rig;
        rig.cpu.mem.write8(rig.phys(GateRig.THREAD + off("KTHREAD.Alerted")), 1);
        rig.run();
        assertEquals(-1, rig.bugCheck);
        assertEquals(0x80000003, rig.exceptionCode);
        assertEquals(rig.sym(rig.user, "apc") + 6, rig.rd(FRAME + off("KTRAP_FRAME.Eip")),
                "stopped at the int3 after the APC code: the exit continued with the redirected frame");
        assertEquals(12, rig.rd(rig.sym(rig.user, "res")), "EAX reloaded from KTRAP_FRAME.Eax after delivery");
        assertEquals(List.of(Nt.UserMode, 0, FRAME, 12, Nt.USER_FS, Nt.USER_DS, 0, Nt.APC_LEVEL), seen);
        assertEquals(0, rig.cpu.mem.read8(rig.phys(GateRig.THREAD + off("KTHREAD.Alerted"))), "Alerted[KernelMode] cleared");
        assertEquals(Nt.PASSIVE_LEVEL, rig.cpu.mem.read8(rig.phys(GateRig.PCR + off("KPCR.Irql"))));
    }

    @Test
    void ntContinueAppliesTheContextAndLeavesThroughKiServiceExit2WithTheVolatilesRestored() throws Exception {
        GateRig[] holder = new GateRig[1];
        List<Integer> args = new ArrayList<>();
        GateRig rig = new GateRig(String.join("\n",
                "start:",
                "    push 1",
                "    push 0x1234",
                "    mov edx, esp",
                "    mov eax, 1",
                "    int 0x2E",
                "    int3",
                "continued:",
                "    mov [res], eax",
                "    mov [res + 4], ecx",
                "    mov [res + 8], edx",
                "    int3",
                SYSENTER_STUBS), (name, c) -> {
                    GateRig g = holder[0];
                    int esp = c.gpr[4];
                    switch (name) {
                        case "HC_KiContinue" -> {
                            args.add(c.read32(Seg.SS, esp + 4));
                            args.add(c.read32(Seg.SS, esp + 8));
                            int frame = c.read32(Seg.SS, esp + 12);
                            args.add(frame);
                            args.add(c.gpr[5]);
                            g.wr(frame + off("KTRAP_FRAME.Eip"), g.sym(g.user, "continued"));
                            g.wr(frame + off("KTRAP_FRAME.Eax"), 0x77);
                            g.wr(frame + off("KTRAP_FRAME.Ecx"), 0x55);
                            g.wr(frame + off("KTRAP_FRAME.Edx"), 0x33);
                            g.wr(frame + off("KTRAP_FRAME.SegGs"), 0x1234);   // no such selector: KiTrap0D zeroes it
                            g.wr(frame + off("KTRAP_FRAME.SegDs"), Nt.USER_DS);
                            g.wr(frame + off("KTRAP_FRAME.SegEs"), Nt.USER_DS);
                            g.wr(frame + off("KTRAP_FRAME.SegFs"), Nt.USER_FS);
                            c.gpr[0] = 0;
                            return true;
                        }
                        case "HC_KeTestAlertThread" -> {
                            args.add(c.read32(Seg.SS, esp + 4));
                            c.gpr[0] = 0;
                            return true;
                        }
                        default -> {
                            return false;
                        }
                    }
                });
        holder[0] = rig;
        rig.run();
        assertEquals(-1, rig.bugCheck);
        assertEquals(List.of(0x1234, 0, FRAME, FRAME, Nt.UserMode), args);
        int res = rig.sym(rig.user, "res");
        assertEquals(List.of(0x77, 0x55, 0x33), List.of(rig.rd(res), rig.rd(res + 4), rig.rd(res + 8)));
        assertTrue(rig.hostCalls.contains("HC_KeTestAlertThread"));
        assertEquals(0, rig.rd(FRAME + off("KTRAP_FRAME.SegGs")), "the #GP on POP GS zeroed the bad selector and retried");
    }

    @Test
    void aGuiCallOnANonGuiThreadConvertsItRetriesThroughTheShadowTableAndFlushesTheGdiBatch() throws Exception {
        GateRig[] holder = new GateRig[1];
        GateRig rig = new GateRig(String.join("\n",
                "start:",
                "    push 30",
                "    push 12",
                "    mov edx, esp",
                "    mov eax, 0x1000",
                "    int 0x2E",
                "    mov [res], eax",
                "    int3",
                SYSENTER_STUBS), (name, c) -> {
                    if (!name.equals("HC_PsConvertToGuiThread")) return false;
                    GateRig g = holder[0];
                    int shadow = g.sym(g.tables, "KeServiceDescriptorTableShadow");
                    int w32 = shadow + off("KSERVICE_TABLE_DESCRIPTOR_size");
                    g.wr(w32 + off("KSERVICE_TABLE_DESCRIPTOR.Base"), g.sym(g.tables, "KiServiceTable"));
                    g.wr(w32 + off("KSERVICE_TABLE_DESCRIPTOR.Limit"), 1);
                    g.wr(w32 + off("KSERVICE_TABLE_DESCRIPTOR.Number"), g.sym(g.tables, "KiArgumentTable"));
                    g.wr(GateRig.THREAD + off("KTHREAD.ServiceTable"), shadow);
                    c.gpr[0] = 0;
                    return true;
                });
        holder[0] = rig;
        rig.wr(GateRig.TEB + off("TEB.GdiBatchCount"), 3);
        rig.run();
        assertEquals(-1, rig.bugCheck);
        assertEquals(42, rig.rd(rig.sym(rig.user, "res")), "W32 entry 0 (TestAdd here) ran after the retry");
        assertEquals(List.of("HC_PsConvertToGuiThread", "HC_KeGdiFlushUserBatch", "HC_KiDispatchException"), rig.hostCalls);
        assertEquals(1, rig.rd(GateRig.PCR + off("KPCR.PrcbData.KeSystemCalls")));
    }

    @Test
    void singleSteppingIntoSysenterRestartsAtKiFastCallEntry2AndReturnsByIretdWithTheStepPending() throws Exception {
        GateRig rig = new GateRig(String.join("\n",
                "start:",
                "    push 7",
                "    push 5",
                "    call ZwTestAdd",
                "    int3",
                "ZwTestAdd:",
                "    mov eax, 0",
                "    call KiFastSystemCall",
                "afterCall:",
                "    ret 8",
                "KiFastSystemCall:",
                "    mov edx, esp",
                "    pushfd",
                "    or dword [esp], 0x100",
                "    popfd",
                "    sysenter",
                "KiFastSystemCallRet:",
                "    ret"), null);
        rig.wr(Nt.KI_USER_SHARED_DATA + 0x304, rig.sym(rig.user, "KiFastSystemCallRet"));
        rig.run();
        assertEquals(-1, rig.bugCheck);
        assertEquals(0x80000004, rig.exceptionCode, "the step after the call is a STATUS_SINGLE_STEP");
        assertEquals(rig.sym(rig.user, "afterCall"), rig.rd(FRAME + off("KTRAP_FRAME.Eip")),
                "the trap came after KiFastSystemCallRet's ret, back in the stub");
        assertEquals(12, rig.rd(FRAME + off("KTRAP_FRAME.Eax")), "the service ran and returned 12");
        assertEquals(1, rig.rd(GateRig.PCR + off("KPCR.PrcbData.KeSystemCalls")));
    }
}
