package ntgate.cpu.sys;

import ntgate.cpu.Cpu;
import ntgate.cpu.CpuFault;
import ntgate.cpu.CpuState;
import ntgate.cpu.Seg;
import org.junit.jupiter.api.Test;

import static ntgate.cpu.sys.SysMachine.*;
import static org.junit.jupiter.api.Assertions.*;

/** Far JMP/CALL/RETF/IRETD and call gates (SDM Vol.2A JMP, CALL; Vol.2B RET, IRET; Vol.3A 5.8). */
class FarTransferTest {
    private static SysMachine machine(boolean kernel, int... code) {
        SysMachine m = new SysMachine(kernel);
        m.cpu.delivery = null;
        if (kernel) m.ring0(CODE);
        else m.ring3(CODE);
        m.put(CODE, code);
        return m;
    }

    private static void callGate(SysMachine m, int sel, int codeSel, int offset, int dpl, int params) {
        m.put32(GDT + (sel & ~7), (offset & 0xFFFF) | (codeSel << 16));
        m.put32(GDT + (sel & ~7) + 4, (offset & 0xFFFF0000) | 0x8000 | (dpl << 13) | 0xC00 | params);
    }

    private static void assertFault(SysMachine m, int vector, int errorCode) {
        assertEquals(Cpu.Stop.FAULT, m.run(10));
        assertEquals(vector, m.cpu.lastFault.vector, () -> "got " + m.cpu.lastFault.getMessage());
        assertEquals(errorCode, m.cpu.lastFault.errorCode, () -> "got " + m.cpu.lastFault.getMessage());
    }

    @Test
    void farJmpAndCallLoadCsFromTheDescriptorAndRetfReturns() {
        SysMachine m = machine(true, 0x9A, 0x10, 0x00, 0x00, 0x00, 0x48, 0x00);   // call 0x48:0x10
        m.gdt(0x48, 0x1000, 0xFFFF, CODE0);            // ring-0 code based at 0x1000
        m.put(0x1010, 0xCB);                           // retf
        int esp = m.cpu.gpr[4];
        assertEquals(Cpu.Stop.BUDGET, m.run(1));
        assertEquals(0x48, m.st.segSel[Seg.CS]);
        assertEquals(0x1000, m.st.segBase[Seg.CS]);
        assertEquals(0x10, m.st.eip);
        assertEquals(CODE + 7, m.stack(0));
        assertEquals(0x08, m.stack(1));
        assertEquals(Cpu.Stop.BUDGET, m.run(1));
        assertEquals(0x08, m.st.segSel[Seg.CS]);
        assertEquals(CODE + 7, m.st.eip);
        assertEquals(esp, m.cpu.gpr[4]);
    }

    @Test
    void farJmpToNonConformingCodeOfAnotherPrivilegeIsGpSelector() {
        SysMachine m = machine(false, 0xEA, 0x10, 0x00, 0x00, 0x00, 0x48, 0x00);  // jmp 0x48:0x10
        m.gdt(0x48, 0, 0xFFFFF, CODE0);
        assertFault(m, CpuFault.GP, 0x48);
    }

    @Test
    void farJmpToATssIsGpWithATaskSwitchNote() {
        SysMachine m = machine(true, 0xEA, 0x00, 0x00, 0x00, 0x00, 0x28, 0x00);   // jmp 0x28:0
        assertFault(m, CpuFault.GP, 0x28);
        assertTrue(m.cpu.note.contains("task switches are not supported"), m.cpu.note);
    }

    @Test
    void retfToOuterPrivilegeLoadsSsEspAndNullsInaccessibleDataSegments() {
        SysMachine m = machine(true, 0xCB);           // retf
        m.cpu.loadSegment(Seg.ES, 0x23, 0, -1, 0xCFF300);
        int esp = m.cpu.gpr[4] - 16;
        m.put32(esp, 0x00101000);
        m.put32(esp + 4, 0x1B);
        m.put32(esp + 8, 0x00EF0000);
        m.put32(esp + 12, 0x23);
        m.cpu.gpr[4] = esp;
        assertEquals(Cpu.Stop.BUDGET, m.run(1));
        assertEquals(3, m.st.cpl);
        assertEquals(0x00101000, m.st.eip);
        assertEquals(0x00EF0000, m.cpu.gpr[4]);
        assertEquals(0x23, m.st.segSel[Seg.SS]);
        assertEquals(0, m.st.segSel[Seg.DS], "DPL-0 DS nulled");
        assertEquals(0, m.st.segSel[Seg.FS], "DPL-0 FS nulled");
        assertEquals(0x23, m.st.segSel[Seg.ES], "DPL-3 ES kept");
    }

    @Test
    void retfToOuterPrivilegeWithBadSsChangesNothing() {
        SysMachine m = machine(true, 0xCB);
        int esp = m.cpu.gpr[4] - 16;
        m.put32(esp, 0x00101000);
        m.put32(esp + 4, 0x1B);
        m.put32(esp + 8, 0x00EF0000);
        m.put32(esp + 12, 0x10);                       // RPL 0 != 3
        m.cpu.gpr[4] = esp;
        assertFault(m, CpuFault.GP, 0x10);
        assertEquals(0, m.st.cpl);
        assertEquals(0x08, m.st.segSel[Seg.CS]);
        assertEquals(esp, m.cpu.gpr[4]);
    }

    @Test
    void iretdToRing3PopsSsEspAndAppliesCpl0FlagRules() {
        SysMachine m = machine(true, 0xCF);           // iretd
        int esp = m.cpu.gpr[4] - 20;
        m.put32(esp, 0x00101000);
        m.put32(esp + 4, 0x1B);
        m.put32(esp + 8, 0x3202);                      // IOPL 3, IF
        m.put32(esp + 12, 0x00EF0000);
        m.put32(esp + 16, 0x23);
        m.cpu.gpr[4] = esp;
        assertEquals(Cpu.Stop.BUDGET, m.run(1));
        assertEquals(3, m.st.cpl);
        assertEquals(0x3202, m.st.eflags() & ~CpuState.ARITH);
        assertEquals(0x00EF0000, m.cpu.gpr[4]);
        assertEquals(0, m.st.segSel[Seg.DS]);
    }

    @Test
    void iretdInRing3CannotChangeIoplOrIfWithIopl0() {
        SysMachine m = machine(false, 0xCF);
        int esp = m.cpu.gpr[4] - 12;
        m.put32(esp, 0x00101000);
        m.put32(esp + 4, 0x1B);
        m.put32(esp + 8, 0x3002);                      // IOPL 3, IF 0
        m.cpu.gpr[4] = esp;
        assertEquals(Cpu.Stop.BUDGET, m.run(1));
        assertEquals(0x202, m.st.eflags() & ~CpuState.ARITH);
        assertEquals(0x00101000, m.st.eip);
    }

    @Test
    void callThroughAGateToRing0SwitchesStacksCopiesParametersAndRetfReturns() {
        SysMachine m = machine(false,
                0x68, 0x11, 0x11, 0x11, 0x11,          // push 0x11111111
                0x68, 0x22, 0x22, 0x22, 0x22,          // push 0x22222222
                0x9A, 0x00, 0x00, 0x00, 0x00, 0x53, 0x00);  // call 0x53:0  (gate; the offset is ignored)
        callGate(m, 0x50, 0x08, HANDLERS, 3, 2);
        m.put(HANDLERS, 0xCA, 0x08, 0x00);             // retf 8
        int esp3 = m.cpu.gpr[4];
        assertEquals(Cpu.Stop.BUDGET, m.run(3));
        assertEquals(0, m.st.cpl);
        assertEquals(HANDLERS, m.st.eip);
        assertEquals(0x10, m.st.segSel[Seg.SS]);
        assertEquals(KSTACK - 24, m.cpu.gpr[4]);
        assertEquals(CODE + 17, m.stack(0), "EIP");
        assertEquals(0x1B, m.stack(1), "CS");
        assertEquals(0x22222222, m.stack(2), "parameter 1 (top of the caller's stack)");
        assertEquals(0x11111111, m.stack(3), "parameter 2");
        assertEquals(esp3 - 8, m.stack(4), "caller's ESP");
        assertEquals(0x23, m.stack(5), "caller's SS");
        assertEquals(Cpu.Stop.BUDGET, m.run(1));
        assertEquals(3, m.st.cpl);
        assertEquals(CODE + 17, m.st.eip);
        assertEquals(esp3, m.cpu.gpr[4], "RETF 8 released the parameters on the outer stack");
        assertEquals(0x23, m.st.segSel[Seg.SS]);
    }

    @Test
    void callGateBelowCplIsGpGateSelector() {
        SysMachine m = machine(false, 0x9A, 0x00, 0x00, 0x00, 0x00, 0x53, 0x00);
        callGate(m, 0x50, 0x08, HANDLERS, 0, 0);
        assertFault(m, CpuFault.GP, 0x50);
    }

    @Test
    void jmpThroughACallGateToAnInnerLevelIsGpCodeSelector() {
        SysMachine m = machine(false, 0xEA, 0x00, 0x00, 0x00, 0x00, 0x53, 0x00);  // jmp 0x53:0
        callGate(m, 0x50, 0x08, HANDLERS, 3, 0);
        assertFault(m, CpuFault.GP, 0x08);
    }
}
