package ntgate.cpu.sys;

import ntgate.asm.Assembler;
import ntgate.cpu.Cpu;
import ntgate.cpu.CpuFault;
import ntgate.cpu.Seg;
import org.junit.jupiter.api.Test;

import static ntgate.cpu.sys.SysMachine.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * The descriptor-table instructions: SGDT/SIDT/STR/SLDT, LLDT and selectors that name the LDT, LAR/LSL/
 * VERR/VERW and ARPL (SDM Vol.2A/2B under each mnemonic; Vol.3A 3.5). The guest code is written in the
 * project's assembler, on a machine that stops at the first fault.
 */
class SegmentTablesTest {
    /** An LDT descriptor in the GDT at 0x48 for an LDT of two entries at {@link #LDT}. */
    private static final int LDT_SEL = 0x48, LDT = DATA + 0x1000;
    /** LDT entry 1, seen from ring 3 as selector 0x0F: a ring-3 data segment based at {@link #LDT_DATA}. */
    private static final int LDT_DATA = 0x00123000;

    private static SysMachine machine(boolean kernel, String... code) {
        SysMachine m = new SysMachine(kernel);
        m.cpu.delivery = null;
        if (kernel) m.ring0(CODE);
        else m.ring3(CODE);
        m.put(CODE, toInts(Assembler.assembleLines(CODE, code).orThrow().text()));
        m.gdt(LDT_SEL, LDT, 0xF, 0x008200);                    // LDT, DPL 0, byte granular
        m.put32(LDT, 0);
        m.put32(LDT + 4, 0);
        m.put32(LDT + 8, (LDT_DATA << 16) | 0x0FFF);           // entry 1: base LDT_DATA, limit 0xFFF
        m.put32(LDT + 12, ((LDT_DATA >>> 16) & 0xFF) | 0x40F300 | (LDT_DATA & 0xFF000000));
        return m;
    }

    private static int[] toInts(byte[] b) {
        int[] r = new int[b.length];
        for (int i = 0; i < b.length; i++) r[i] = b[i] & 0xFF;
        return r;
    }

    private static int byteAt(SysMachine m, int linear) {
        return m.read32(linear) & 0xFF;
    }

    @Test
    void sgdtSidtStrAndSldtStoreTheRegisters() {
        SysMachine m = machine(true,
                "sgdt [0x300000]",
                "sidt [0x300010]",
                "str eax",
                "sldt ecx",
                "hlt");
        m.cpu.gpr[1] = -1;
        assertEquals(Cpu.Stop.HALT, m.run(10));
        assertEquals(0x7FF, m.read32(DATA) & 0xFFFF, "GDTR.limit");
        assertEquals(GDT, m.read32(DATA + 2), "GDTR.base");
        assertEquals(0x7FF, m.read32(DATA + 0x10) & 0xFFFF, "IDTR.limit");
        assertEquals(IDT, m.read32(DATA + 0x12), "IDTR.base");
        assertEquals(TSS_SEL, m.cpu.gpr[0], "STR r32 zero-extends TR");
        assertEquals(0, m.cpu.gpr[1], "no LDT loaded");
    }

    @Test
    void lldtMakesTiSelectorsLoadTheirDescriptorsFromTheLdt() {
        SysMachine m = machine(true,
                "mov ax, 0x48",
                "lldt ax",
                "sldt ecx",
                "mov ax, 0x0F",                                  // index 1, TI = 1, RPL 3
                "mov gs, ax",
                "mov edx, [gs:4]",
                "hlt");
        m.put32(LDT_DATA + 4, 0xCAFEF00D);
        assertEquals(Cpu.Stop.HALT, m.run(10));
        assertEquals(LDT_SEL, m.cpu.gpr[1]);
        assertEquals(LDT, m.st.ldtrBase);
        assertEquals(0x0F, m.st.segSel[Seg.GS]);
        assertEquals(LDT_DATA, m.st.segBase[Seg.GS]);
        assertEquals(0xFFF, m.st.segLimit[Seg.GS]);
        assertEquals(0xCAFEF00D, m.cpu.gpr[2]);
    }

    @Test
    void lldtOfADataDescriptorIsGpSelector() {
        SysMachine m = machine(true, "mov ax, 0x10", "lldt ax");
        assertEquals(Cpu.Stop.FAULT, m.run(10));
        assertEquals(CpuFault.GP, m.cpu.lastFault.vector);
        assertEquals(0x10, m.cpu.lastFault.errorCode);
    }

    @Test
    void ldtSelectorBeyondTheLdtLimitIsGpSelector() {
        SysMachine m = machine(true, "mov ax, 0x48", "lldt ax", "mov ax, 0x14", "mov gs, ax");
        assertEquals(Cpu.Stop.FAULT, m.run(10));
        assertEquals(CpuFault.GP, m.cpu.lastFault.vector);
        assertEquals(0x14, m.cpu.lastFault.errorCode, "index 2, TI = 1: beyond the 16-byte LDT");
        assertEquals(0x10, m.st.segSel[Seg.GS], "GS unchanged");
    }

    @Test
    void lldtInRing3IsGp0() {
        SysMachine m = machine(false, "mov ax, 0x48", "lldt ax");
        assertEquals(Cpu.Stop.FAULT, m.run(10));
        assertEquals(CpuFault.GP, m.cpu.lastFault.vector);
        assertEquals(0, m.cpu.lastFault.errorCode);
    }

    @Test
    void larLslVerrAndVerwInRing3SeeOnlyWhatCplAndRplMaySee() {
        SysMachine m = machine(false,
                "mov edx, 0x11111111",
                "mov bx, 0x23",
                "lar eax, bx",                                   // ring-3 data: the access rights
                "setz [0x300000]",
                "mov bx, 0x10",
                "lar edx, bx",                                   // ring-0 data: DPL < CPL, ZF = 0, EDX kept
                "setz [0x300001]",
                "mov bx, 0x3B",
                "lsl esi, bx",                                   // TEB-like: byte-granular limit 0xFFF
                "setz [0x300002]",
                "mov bx, 0x23",
                "lsl edi, bx",                                   // flat: page-granular limit
                "setz [0x300003]",
                "mov bx, 0x28",
                "lsl ecx, bx",                                   // the TSS is DPL 0
                "setz [0x300004]",
                "mov bx, 0x1B",
                "verr bx",                                       // readable code
                "setz [0x300005]",
                "verw bx",                                       // code is never writable
                "setz [0x300006]",
                "mov bx, 0x23",
                "verw bx",
                "setz [0x300007]",
                "mov bx, 0x10",
                "verr bx",                                       // DPL 0 from CPL 3
                "setz [0x300008]",
                "mov bx, 0x0F",
                "verw bx",                                       // an LDT selector with no LDT loaded
                "setz [0x300009]");
        m.cpu.gpr[1] = 0x22222222;
        assertEquals(Cpu.Stop.BUDGET, m.run(30));
        assertEquals(0x00CFF300, m.cpu.gpr[0], "LAR: descriptor dword 1 masked with 0x00FFFF00");
        assertEquals(1, byteAt(m, DATA), "LAR 0x23");
        assertEquals(0x11111111, m.cpu.gpr[2], "LAR that fails leaves the destination");
        assertEquals(0, byteAt(m, DATA + 1), "LAR 0x10");
        assertEquals(0xFFF, m.cpu.gpr[6], "LSL 0x3B");
        assertEquals(1, byteAt(m, DATA + 2));
        assertEquals(0xFFFFFFFF, m.cpu.gpr[7], "LSL 0x23 scales a page-granular limit");
        assertEquals(1, byteAt(m, DATA + 3));
        assertEquals(0x22222222, m.cpu.gpr[1], "LSL 0x28 fails in ring 3");
        assertEquals(0, byteAt(m, DATA + 4));
        assertEquals(1, byteAt(m, DATA + 5), "VERR 0x1B");
        assertEquals(0, byteAt(m, DATA + 6), "VERW 0x1B");
        assertEquals(1, byteAt(m, DATA + 7), "VERW 0x23");
        assertEquals(0, byteAt(m, DATA + 8), "VERR 0x10");
        assertEquals(0, byteAt(m, DATA + 9), "VERW 0x0F");
    }

    @Test
    void larInRing0FailsWhenRplIsAboveDpl() {
        SysMachine m = machine(true,
                "mov bx, 0x30",
                "lar eax, bx",
                "setz cl",
                "mov bx, 0x33",                                  // same descriptor, RPL 3 > DPL 0
                "lar edx, bx",
                "setz ch",
                "hlt");
        assertEquals(Cpu.Stop.HALT, m.run(10));
        assertEquals(0x00409300, m.cpu.gpr[0]);
        assertEquals(0x0001, m.cpu.gpr[1] & 0xFFFF, "CL = 1 (0x30), CH = 0 (0x33)");
    }

    @Test
    void arplRaisesTheRplToTheSourceAndReportsItInZf() {
        SysMachine m = machine(false,
                "mov ax, 0x20",
                "mov bx, 0x1B",
                "arpl ax, bx",
                "setz [0x300000]",
                "arpl ax, bx",
                "setz [0x300001]");
        assertEquals(Cpu.Stop.BUDGET, m.run(6));
        assertEquals(0x23, m.cpu.gpr[0] & 0xFFFF);
        assertEquals(1, byteAt(m, DATA), "RPL raised");
        assertEquals(0, byteAt(m, DATA + 1), "already at RPL 3");
    }
}
