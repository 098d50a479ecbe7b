package ntgate.cpu.sys;

import ntgate.cpu.Cpu;
import ntgate.cpu.CpuState;
import ntgate.cpu.Seg;
import org.junit.jupiter.api.Test;

import static ntgate.cpu.sys.SysMachine.*;
import static org.junit.jupiter.api.Assertions.*;

/** IDT/IVT delivery, values from SDM Vol.3A 6.12-6.15 and Vol.2A INT n. */
class InterruptDeliveryTest {

    @Test
    void int2eFromRing3ThroughDpl3InterruptGatePushesOuterFrameOnTssStackAndClearsIf() {
        SysMachine m = new SysMachine(false);
        m.gate(0x2E, INT32, 0x08, HANDLERS, 3);
        m.put(HANDLERS, 0xF4);                         // hlt
        m.ring3(CODE);
        m.put(CODE, 0xCD, 0x2E);                       // int 0x2e
        assertEquals(Cpu.Stop.HALT, m.run(10));
        assertEquals(0, m.st.cpl);
        assertEquals(0x08, m.st.segSel[Seg.CS]);
        assertEquals(0x10, m.st.segSel[Seg.SS]);
        assertEquals(KSTACK - 20, m.cpu.gpr[4]);
        assertEquals(CODE + 2, m.stack(0), "EIP after INT");
        assertEquals(0x1B, m.stack(1), "CS");
        assertEquals(0x202, m.stack(2), "EFLAGS");
        assertEquals(0x00F00000, m.stack(3), "ESP");
        assertEquals(0x23, m.stack(4), "SS");
        assertEquals(0, m.st.eflags() & CpuState.IF);
        assertEquals(0x3B, m.st.segSel[Seg.FS], "data segments are kept on entry to an inner level");
    }

    @Test
    void int2eThroughDpl0GateIsGpWithIdtErrorCodeAndRestartsTheInt() {
        SysMachine m = new SysMachine(false);
        m.gate(0x2E, INT32, 0x08, HANDLERS, 0);
        m.haltingHandler(13);
        m.ring3(CODE);
        m.put(CODE, 0xCD, 0x2E);                       // int 0x2e
        assertEquals(Cpu.Stop.HALT, m.run(10));
        assertEquals(HANDLERS + 13 * 0x100 + 1, m.st.eip);
        assertEquals(0x2E * 8 + 2, m.stack(0), "error code: IDT bit, EXT clear");
        assertEquals(CODE, m.stack(1), "EIP of the INT instruction");
        assertEquals(0x1B, m.stack(2));
    }

    @Test
    void trapGateKeepsIfAndSamePrivilegeFramePushesThreeDwords() {
        SysMachine m = new SysMachine(true);
        m.gate(0x40, TRAP32, 0x08, HANDLERS, 0);
        m.put(HANDLERS, 0xF4);
        m.ring0(CODE);
        m.put(CODE, 0xCD, 0x40);                       // int 0x40
        int esp = m.cpu.gpr[4];
        assertEquals(Cpu.Stop.HALT, m.run(10));
        assertEquals(esp - 12, m.cpu.gpr[4]);
        assertEquals(CODE + 2, m.stack(0));
        assertEquals(0x08, m.stack(1));
        assertEquals(0x202, m.stack(2));
        assertNotEquals(0, m.st.eflags() & CpuState.IF);
    }

    @Test
    void sixteenBitInterruptGatePushesWords() {
        SysMachine m = new SysMachine(true);
        m.gate(0x41, INT16, 0x08, 0x8000, 0);        // a 16-bit gate holds a 16-bit offset
        m.put(0x8000, 0xF4);
        m.ring0(CODE);
        m.put(CODE, 0xCD, 0x41);                       // int 0x41
        int esp = m.cpu.gpr[4];
        assertEquals(Cpu.Stop.HALT, m.run(10));
        assertEquals(esp - 6, m.cpu.gpr[4]);
        int sp = m.cpu.gpr[4];
        assertEquals((CODE + 2) & 0xFFFF, m.cpu.mem.read16(sp));
        assertEquals(0x08, m.cpu.mem.read16(sp + 2));
        assertEquals(0x202, m.cpu.mem.read16(sp + 4));
    }

    @Test
    void ring3ReadOfSupervisorPageDeliversPageFaultWithCr2ErrorCodeAndRfInImage() {
        SysMachine m = new SysMachine(false);
        m.haltingHandler(14);
        m.ring3(CODE);
        m.put(CODE, 0xA1, 0x00, 0x00, 0x00, 0x01);    // mov eax, [0x01000000]
        assertEquals(Cpu.Stop.HALT, m.run(10));
        assertEquals(0x01000000, m.st.cr2);
        assertEquals(0x5, m.stack(0), "P | U, read");
        assertEquals(CODE, m.stack(1), "a fault saves the faulting instruction");
        assertEquals(0x1B, m.stack(2));
        assertEquals(0x202 | CpuState.RF, m.stack(3), "faults push RF = 1");
        assertEquals(KSTACK - 24, m.cpu.gpr[4]);
    }

    @Test
    void notPresentPageFaultGateMakesDoubleFaultWithErrorCodeZero() {
        SysMachine m = new SysMachine(false);
        m.gate(14, INT32, 0x08, HANDLERS, 0, false);   // #PF gate not present: #NP(14*8+2+1)
        m.haltingHandler(8);
        m.ring3(CODE);
        m.put(CODE, 0xA1, 0x00, 0x00, 0x00, 0x01);    // mov eax, [0x01000000]
        assertEquals(Cpu.Stop.HALT, m.run(10));
        assertEquals(HANDLERS + 8 * 0x100 + 1, m.st.eip);
        assertEquals(0, m.stack(0), "#DF error code");
        assertEquals(CODE, m.stack(1));
    }

    @Test
    void benignExceptionFollowedByContributoryIsHandledSerially() {
        SysMachine m = new SysMachine(true);
        m.gate(3, INT32, 0x08, HANDLERS, 0, false);    // INT3 gate not present: #NP(3*8+2), EXT = 0
        m.haltingHandler(11);
        m.ring0(CODE);
        m.put(CODE, 0x90, 0xCC);                       // nop; int3
        assertEquals(Cpu.Stop.HALT, m.run(10));
        assertEquals(HANDLERS + 11 * 0x100 + 1, m.st.eip);
        assertEquals(3 * 8 + 2, m.stack(0));
        assertEquals(CODE + 1, m.stack(1), "the INT3 did not execute");
    }

    @Test
    void softwareInterruptOutsideIdtLimitIsGpWithoutExt() {
        SysMachine m = new SysMachine(true);
        m.haltingHandler(13);
        m.st.idtrLimit = 14 * 8 - 1;                   // vectors 0..13 only
        m.ring0(CODE);
        m.put(CODE, 0xCD, 0x20);                       // int 0x20
        assertEquals(Cpu.Stop.HALT, m.run(10));
        assertEquals(0x20 * 8 + 2, m.stack(0));
    }

    @Test
    void exceptionThroughNotPresentGateIsNpWithExt() {
        SysMachine m = new SysMachine(true);
        m.haltingHandler(11);
        m.gate(6, INT32, 0x08, HANDLERS, 0, false);
        m.ring0(CODE);
        m.put(CODE, 0x0F, 0x0B);                       // ud2
        assertEquals(Cpu.Stop.HALT, m.run(10));
        assertEquals(6 * 8 + 2 + 1, m.stack(0));
        assertEquals(CODE, m.stack(1));
    }

    @Test
    void pageFaultOutsideIdtLimitThenDoubleFault() {
        SysMachine m = new SysMachine(true);
        m.haltingHandler(8);
        m.st.idtrLimit = 14 * 8 - 1;                   // #PF's gate is outside: #GP(14*8+2+1), contributory
        m.ring0(CODE);
        m.put(CODE, 0xA1, 0x00, 0x00, 0x00, 0x10);    // mov eax, [0x10000000]: not mapped
        assertEquals(Cpu.Stop.HALT, m.run(10));
        assertEquals(HANDLERS + 8 * 0x100 + 1, m.st.eip);
        assertEquals(0, m.stack(0));
        assertEquals(0x10000000, m.st.cr2);
    }

    @Test
    void faultWhileDeliveringDoubleFaultIsATripleFaultReportNotAnException() {
        SysMachine m = new SysMachine(false);
        m.st.idtrLimit = 0;                            // nothing can be delivered
        m.ring3(CODE);
        m.put(CODE, 0x0F, 0x0B);                       // ud2
        assertEquals(Cpu.Stop.TRIPLE_FAULT, m.run(10));
        assertNotNull(m.cpu.note);
        assertTrue(m.cpu.note.contains("triple fault"), m.cpu.note);
        assertEquals(CODE, m.st.eip);
    }

    @Test
    void taskGateIsGpWithANote() {
        SysMachine m = new SysMachine(true);
        m.gate(0x50, TASK, TSS_SEL, 0, 0);
        m.haltingHandler(13);
        m.ring0(CODE);
        m.put(CODE, 0xCD, 0x50);                       // int 0x50
        assertEquals(Cpu.Stop.HALT, m.run(10));
        assertEquals(0x50 * 8 + 2, m.stack(0));
        assertTrue(m.cpu.note.contains("task gate"), m.cpu.note);
    }

    @Test
    void gateToDataSegmentIsGpWithSelectorAndExt() {
        SysMachine m = new SysMachine(true);
        m.gate(6, INT32, 0x10, HANDLERS, 0);           // selector 0x10 is data
        m.haltingHandler(13);
        m.ring0(CODE);
        m.put(CODE, 0x0F, 0x0B);                       // ud2
        assertEquals(Cpu.Stop.HALT, m.run(10));
        assertEquals(0x10 | 1, m.stack(0));
    }

    @Test
    void interruptToInnerLevelWithBadTssStackSegmentIsInvalidTss() {
        SysMachine m = new SysMachine(false);
        m.put32(TSS + 8, 0x23);                        // SS0 = a ring-3 selector
        m.gate(0x2E, INT32, 0x08, HANDLERS, 3);
        m.haltingHandler(10);
        m.ring3(CODE);
        m.put(CODE, 0xCD, 0x2E);                       // int 0x2e
        // #TS cannot be delivered either (same TSS stack): #TS then #TS is a double fault, then the #DF too.
        assertEquals(Cpu.Stop.TRIPLE_FAULT, m.run(10));
        assertEquals(CODE, m.st.eip);
        assertEquals(3, m.st.cpl);
    }

    @Test
    void realModeDeliveryUsesTheIvt() {
        SysMachine m = new SysMachine(true);
        CpuState st = m.st;
        st.cr0 = CpuState.CR0_ET;
        m.cpu.mmu.flushAll();
        st.idtrBase = 0;
        st.idtrLimit = 0x3FF;
        for (int s = 0; s < 6; s++) m.cpu.loadSegment(s, 0, 0, 0xFFFF, s == Seg.CS ? 0x9B00 : 0x9300);
        m.cpu.refreshAll();
        m.cpu.gpr[4] = 0x7000;
        st.eip = 0x7C00;
        st.setEflags(0x302 & ~CpuState.TF);
        m.put(0x10 * 4, 0x10, 0x00, 0x34, 0x12);      // IVT[0x10] = 1234:0010
        m.put(0x12350, 0xF4);                          // hlt
        m.put(0x7C00, 0xCD, 0x10);                     // int 0x10
        assertEquals(Cpu.Stop.HALT, m.run(10));
        assertEquals(0x1234, st.segSel[Seg.CS]);
        assertEquals(0x11, st.eip);
        assertEquals(0x7000 - 6, m.cpu.gpr[4]);
        assertEquals(0x7C02, m.cpu.mem.read16(0x7000 - 6));
        assertEquals(0, m.cpu.mem.read16(0x7000 - 4));
        assertEquals(0x202, m.cpu.mem.read16(0x7000 - 2));
        assertEquals(0, st.eflags() & CpuState.IF);
    }

    @Test
    void intoTrapsOnlyWithOfSetAndReturnsAfterTheInto() {
        SysMachine m = new SysMachine(false);
        m.gate(4, INT32, 0x08, HANDLERS, 3);
        m.put(HANDLERS, 0xF4);                         // hlt
        m.ring3(CODE);
        m.put(CODE, 0x31, 0xC0,                        // xor eax, eax   (OF = 0)
                0xCE,                                  // into          (no trap)
                0xB8, 0xFF, 0xFF, 0xFF, 0x7F,          // mov eax, 0x7FFFFFFF
                0x40,                                  // inc eax       (OF = 1)
                0xCE);                                 // into
        assertEquals(Cpu.Stop.HALT, m.run(10));
        assertEquals(0, m.st.cpl);
        assertEquals(CODE + 10, m.stack(0), "a trap: EIP after the second INTO");
        assertEquals(0x1B, m.stack(1));
        assertEquals(CpuState.OF, m.stack(2) & CpuState.OF);
    }

    @Test
    void int3AndIntoFromRing3ThroughDpl0GatesAreGpWithTheirIdtErrorCodes() {
        for (int[] c : new int[][] {{3, 0xCC}, {4, 0xCE}}) {
            SysMachine m = new SysMachine(false);
            m.gate(c[0], INT32, 0x08, HANDLERS, 0);
            m.haltingHandler(13);
            m.ring3(CODE);
            m.st.setEflags(m.st.eflags() | CpuState.OF);
            m.put(CODE, c[1]);
            assertEquals(Cpu.Stop.HALT, m.run(10));
            assertEquals(c[0] * 8 + 2, m.stack(0), "error code for vector " + c[0]);
            assertEquals(CODE, m.stack(1), "EIP of the faulting instruction");
        }
    }
}
