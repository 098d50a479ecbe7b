package ntgate.cpu.sys;

import ntgate.cpu.Cpu;
import ntgate.cpu.CpuFault;
import ntgate.cpu.CpuState;
import org.junit.jupiter.api.Test;

import static ntgate.cpu.sys.SysMachine.*;
import static org.junit.jupiter.api.Assertions.*;

/** Single-step, debug registers, RF and the MOV SS shadow (SDM Vol.3A 17.2-17.3, 6.8.3). */
class DebugTest {
    static final int BS = Cpu.DR6_BS;

    /** A machine at CPL 0 whose #DB handler halts. */
    private static SysMachine ring0WithDbHandler() {
        SysMachine m = new SysMachine(true);
        m.haltingHandler(1);
        m.ring0(CODE);
        return m;
    }

    @Test
    void singleStepTrapsAfterTheInstructionWithBs() {
        SysMachine m = ring0WithDbHandler();
        m.st.setEflags(0x202 | CpuState.TF);
        m.put(CODE, 0xB8, 0x05, 0x00, 0x00, 0x00,    // mov eax, 5
                0x90);                                 // nop
        assertEquals(Cpu.Stop.HALT, m.run(10));
        assertEquals(5, m.cpu.gpr[0]);
        assertEquals(CODE + 5, m.stack(0), "trap: saved EIP is the next instruction");
        assertEquals(0x202 | CpuState.TF, m.stack(2), "TF in the image; RF as it was (0)");
        assertNotEquals(0, m.st.dr[6] & BS);
        assertEquals(0, m.st.eflags() & CpuState.TF, "delivery clears TF");
    }

    @Test
    void popfThatSetsTfTrapsOnlyAfterTheNextInstruction() {
        SysMachine m = ring0WithDbHandler();
        m.put(CODE, 0x68, 0x02, 0x03, 0x00, 0x00,    // push 0x302
                0x9D,                                  // popf
                0x90,                                  // nop   <- the trap follows this one
                0x90);                                 // nop
        assertEquals(Cpu.Stop.HALT, m.run(10));
        assertEquals(CODE + 7, m.stack(0));
        assertEquals(4, m.cpu.icount, "push, popf, nop, hlt");
    }

    @Test
    void popfThatClearsTfIsStillFollowedByOneTrap() {
        SysMachine m = ring0WithDbHandler();
        m.st.setEflags(0x302);
        m.cpu.gpr[4] -= 4;
        m.put32(m.cpu.gpr[4], 0x202);
        m.put(CODE, 0x9D,                             // popf (TF 1 -> 0)
                0x90);                                 // nop
        assertEquals(Cpu.Stop.HALT, m.run(10));
        assertEquals(CODE + 1, m.stack(0));
        assertEquals(0x202, m.stack(2), "the image has TF clear");
    }

    @Test
    void movSsShadowDefersTheSingleStepByOneInstruction() {
        SysMachine m = ring0WithDbHandler();
        m.st.setEflags(0x302);
        m.cpu.gpr[0] = 0x10;
        m.put(CODE, 0x8E, 0xD0,                       // mov ss, ax   <- no trap here
                0x90,                                  // nop          <- one trap after this
                0x90);
        assertEquals(Cpu.Stop.HALT, m.run(10));
        assertEquals(CODE + 3, m.stack(0));
        assertEquals(3, m.cpu.icount, "mov ss, nop, hlt: exactly one #DB");
    }

    @Test
    void noSingleStepTrapAfterAFaultingInstruction() {
        SysMachine m = ring0WithDbHandler();
        m.haltingHandler(6);
        m.st.setEflags(0x302);
        m.put(CODE, 0x0F, 0x0B);                       // ud2
        assertEquals(Cpu.Stop.HALT, m.run(10));
        assertEquals(HANDLERS + 6 * 0x100 + 1, m.st.eip, "#UD handler, not #DB");
        assertEquals(CODE, m.stack(0));
        assertEquals(0, m.st.dr[6] & BS);
    }

    @Test
    void sysenterWithTfTrapsInRing0AtSysenterEip() {
        SysMachine m = new SysMachine(false);
        m.haltingHandler(1);
        m.st.sysenterCs = 0x08;
        m.st.sysenterEsp = KSTACK;
        m.st.sysenterEip = 0x00400000;
        m.put(0x00400000, 0x90);                       // nop: must not run before the trap
        m.ring3(CODE);
        m.st.setEflags(0x302);
        m.put(CODE, 0x0F, 0x34);                       // sysenter
        assertEquals(Cpu.Stop.HALT, m.run(10));
        assertEquals(0x00400000, m.stack(0), "saved EIP = IA32_SYSENTER_EIP");
        assertEquals(0x08, m.stack(1), "saved CS = IA32_SYSENTER_CS");
        assertEquals(0x102, m.stack(2), "SYSENTER cleared IF but not TF");
        assertEquals(KSTACK - 12, m.cpu.gpr[4], "same-privilege frame on the SYSENTER stack");
        assertNotEquals(0, m.st.dr[6] & BS);
    }

    @Test
    void dr0ExecuteBreakpointFaultsBeforeTheInstructionAndRfStepsPastIt() {
        SysMachine m = new SysMachine(true);
        int h = HANDLERS + 0x100;
        m.gate(1, INT32, 0x08, h, 0);
        m.put(h, 0xFF, 0x05, 0x00, 0x00, 0x30, 0x00,                 // inc dword [0x300000]
                0x81, 0x4C, 0x24, 0x08, 0x00, 0x00, 0x01, 0x00,      // or dword [esp+8], 0x10000 (RF)
                0xCF);                                                // iretd
        m.ring0(CODE);
        m.put(CODE, 0x90,                              // nop
                0x40,                                  // inc eax   <- DR0
                0xF4);                                 // hlt
        m.st.dr[0] = CODE + 1;
        m.st.dr[7] = 0x401;                            // L0, R/W0 = 00 (execute), LEN0 = 00
        m.cpu.debugRegistersChanged();
        assertEquals(Cpu.Stop.HALT, m.run(20));
        assertEquals(1, m.read32(DATA), "one #DB");
        assertEquals(1, m.cpu.gpr[0], "the breakpointed instruction ran once, after the IRETD with RF");
        assertEquals(1, m.st.dr[6] & 0xF, "B0");
        assertEquals(0, m.st.eflags() & CpuState.RF, "RF is cleared once an instruction completes");
    }

    @Test
    void executeBreakpointFaultImageHasRfClearAndEipOfTheInstruction() {
        SysMachine m = ring0WithDbHandler();
        m.put(CODE, 0x90, 0x90);
        m.st.dr[2] = CODE + 1;
        m.st.dr[7] = 0x10;                             // L2
        m.cpu.debugRegistersChanged();
        assertEquals(Cpu.Stop.HALT, m.run(10));
        assertEquals(CODE + 1, m.stack(0));
        assertEquals(0x202, m.stack(2));
        assertEquals(4, m.st.dr[6] & 0xF, "B2");
    }

    @Test
    void dr1WriteBreakpointTrapsAfterTheWrite() {
        SysMachine m = ring0WithDbHandler();
        m.put(CODE, 0x8B, 0x1D, 0x00, 0x01, 0x30, 0x00,             // mov ebx, [0x300100]  (a read: no hit)
                0xC7, 0x05, 0x00, 0x01, 0x30, 0x00, 0x05, 0, 0, 0,   // mov dword [0x300100], 5
                0x90);
        m.st.dr[1] = DATA + 0x100;
        m.st.dr[7] = 0x4 | (0b01 << 20) | (0b11 << 22);              // L1, write, 4 bytes
        m.cpu.debugRegistersChanged();
        assertEquals(Cpu.Stop.HALT, m.run(10));
        assertEquals(5, m.read32(DATA + 0x100), "the write happened");
        assertEquals(CODE + 16, m.stack(0), "trap after the writing instruction");
        assertEquals(2, m.st.dr[6] & 0xF, "B1");
        assertEquals(0, m.st.dr[6] & BS);
    }

    @Test
    void readWriteBreakpointSeesReadsOverlappingItsRange() {
        SysMachine m = ring0WithDbHandler();
        m.put(CODE, 0xA1, 0x02, 0x01, 0x30, 0x00,    // mov eax, [0x300102]  overlaps 0x300100..0x300103
                0x90);
        m.st.dr[3] = DATA + 0x100;
        m.st.dr[7] = 0x40 | (0b11 << 28) | (0b11 << 30);             // L3, read/write, 4 bytes
        m.cpu.debugRegistersChanged();
        assertEquals(Cpu.Stop.HALT, m.run(10));
        assertEquals(CODE + 5, m.stack(0));
        assertEquals(8, m.st.dr[6] & 0xF, "B3");
    }

    @Test
    void twoByteWriteBreakpointIgnoresNeighbouringWrites() {
        SysMachine m = ring0WithDbHandler();
        m.put(CODE, 0x66, 0xA3, 0x02, 0x01, 0x30, 0x00,             // mov [0x300102], ax: outside
                0x66, 0xA3, 0x00, 0x01, 0x30, 0x00,                   // mov [0x300100], ax: inside
                0x90);
        m.st.dr[0] = DATA + 0x100;
        m.st.dr[7] = 0x2 | (0b01 << 16) | (0b01 << 18);              // G0, write, 2 bytes
        m.cpu.debugRegistersChanged();
        assertEquals(Cpu.Stop.HALT, m.run(10));
        assertEquals(CODE + 12, m.stack(0));
    }

    @Test
    void int1IsADebugTrapWithoutTheGateDplCheck() {
        SysMachine m = new SysMachine(false);
        m.haltingHandler(1);                           // DPL 0 gate
        m.ring3(CODE);
        m.put(CODE, 0xF1);                             // int1
        assertEquals(Cpu.Stop.HALT, m.run(10));
        assertEquals(CODE + 1, m.stack(0));
        assertEquals(0x1B, m.stack(1));
    }

    @Test
    void movFromDrInRing3IsGp() {
        SysMachine m = new SysMachine(false);
        m.cpu.delivery = null;
        m.ring3(CODE);
        m.put(CODE, 0x0F, 0x21, 0xF8);                 // mov eax, dr7
        assertEquals(Cpu.Stop.FAULT, m.run(10));
        assertEquals(CpuFault.GP, m.cpu.lastFault.vector);
        assertEquals(0, m.cpu.lastFault.errorCode);
    }

    @Test
    void evalStyleRunWithoutDeliveryStopsAtTheSingleStepTrap() {
        SysMachine m = new SysMachine(true);
        m.cpu.delivery = null;
        m.ring0(CODE);
        m.st.setEflags(0x302);
        m.put(CODE, 0x90, 0x90);
        assertEquals(Cpu.Stop.FAULT, m.run(10));
        assertEquals(CpuFault.DB, m.cpu.lastFault.vector);
        assertTrue(m.cpu.lastFaultIsTrap);
        assertEquals(CODE + 1, m.st.eip);
    }

    @Test
    void dataBreakpointOnPopSsIsTakenAtTheFirstInstructionOfTheNextInstructionsHandler() {
        // The MOV SS / POP SS behaviour behind CVE-2018-8897: the #DB held back by the shadow survives an INT3.
        SysMachine m = ring0WithDbHandler();
        m.gate(3, INT32, 0x08, HANDLERS + 0x300, 0);
        m.put(HANDLERS + 0x300, 0x90);                 // #BP handler: nop
        m.cpu.gpr[4] -= 4;
        m.put32(m.cpu.gpr[4], 0x10);
        m.st.dr[0] = m.cpu.gpr[4];
        m.st.dr[7] = 0x1 | (0b11 << 16) | (0b11 << 18);              // L0, read/write, 4 bytes
        m.cpu.debugRegistersChanged();
        m.put(CODE, 0x17,                              // pop ss   <- data breakpoint, shadowed
                0xCC);                                 // int3
        assertEquals(Cpu.Stop.HALT, m.run(10));
        assertEquals(HANDLERS + 0x300, m.stack(0), "#DB saved EIP = the #BP handler's first instruction");
        assertEquals(1, m.st.dr[6] & 0xF);
        assertEquals(CODE + 2, m.stack(3), "below it, the #BP frame");
    }
}
