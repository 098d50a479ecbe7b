package ntgate.cpu.sys;

import ntgate.cpu.Cpu;
import ntgate.cpu.CpuState;
import ntgate.cpu.FlatMachine;
import ntgate.cpu.Seg;
import ntgate.cpu.exec.Interrupts;

/**
 * A {@link FlatMachine} with the system structures the architecture tests need, in its supervisor-only system
 * area: a 256-entry GDT (NT's selectors 0x08/0x10/0x1B/0x23, a 32-bit TSS at 0x28, a ring-0 data segment at
 * 0x30 based at {@link #PCR}, a ring-3 data segment at 0x3B based at {@link #TEB}), an empty 256-entry IDT,
 * and a TSS whose ESP0 is {@link #KSTACK} with SS0 = 0x10 and an I/O bitmap denying every port. Exceptions are
 * delivered through the IDT. Linear = physical below 16 MiB.
 */
final class SysMachine {
    static final int GDT = FlatMachine.SYS_BASE + 0x8000;
    static final int IDT = GDT + 0x800;
    static final int TSS = GDT + 0x1000;
    static final int TSS_SEL = 0x28, PCR_SEL = 0x30, TEB_SEL = 0x3B;
    static final int PCR = 0x00500000, TEB = 0x00510000;
    static final int KSTACK = 0x00E00000;
    static final int IOMAP = 0x68;
    /** Code pages used by the tests. */
    static final int CODE = FlatMachine.CODE_BASE, HANDLERS = 0x00200000, DATA = 0x00300000;

    /** Access-rights words (descriptor high dword bits 8..23, limit bits excluded). */
    static final int CODE0 = 0xC09B00, DATA0 = 0xC09300, CODE3 = 0xC0FB00, DATA3 = 0xC0F300;

    final Cpu cpu;
    final CpuState st;

    SysMachine(boolean kernel) {
        cpu = FlatMachine.create(kernel);
        st = cpu.st;
        for (int i = 0; i < 0x800; i += 4) cpu.mem.write32(GDT + i, 0);
        for (int i = 0; i < 0x800; i += 4) cpu.mem.write32(IDT + i, 0);
        gdt(0x08, 0, 0xFFFFF, CODE0);
        gdt(0x10, 0, 0xFFFFF, DATA0);
        gdt(0x18, 0, 0xFFFFF, CODE3);
        gdt(0x20, 0, 0xFFFFF, DATA3);
        gdt(TSS_SEL, TSS, IOMAP + 0x2000, 0x008900);          // 32-bit available TSS, byte granular
        gdt(PCR_SEL, PCR, 0xFFF, 0x409300);                    // KPCR-like: ring 0, 4 KiB
        gdt(TEB_SEL & ~3, TEB, 0xFFF, 0x40F300);               // TEB-like: ring 3, 4 KiB
        st.gdtrBase = GDT;
        st.gdtrLimit = 0x7FF;
        st.idtrBase = IDT;
        st.idtrLimit = 0x7FF;
        for (int i = 0; i < 0x68; i += 4) cpu.mem.write32(TSS + i, 0);
        cpu.mem.write32(TSS + 4, KSTACK);                      // ESP0
        cpu.mem.write32(TSS + 8, 0x10);                        // SS0
        cpu.mem.write16(TSS + 0x66, IOMAP);                    // I/O map base
        for (int i = 0; i < 0x2000; i++) cpu.mem.write8(TSS + IOMAP + i, 0xFF);
        cpu.mem.write8(TSS + IOMAP + 0x2000, 0xFF);
        st.trSel = TSS_SEL;
        st.trBase = TSS;
        st.trLimit = IOMAP + 0x2000;
        st.trAttr = 0x008B00;                                  // busy 32-bit TSS
        cpu.delivery = new Interrupts();
        cpu.mmu.flushAll();
        cpu.refreshAll();
    }

    /** Writes a segment descriptor: {@code rights} holds type, S, DPL, P (bits 8..15) and AVL, D/B, G (20..23). */
    void gdt(int sel, int base, int limit, int rights) {
        int lo = (limit & 0xFFFF) | (base << 16);
        int hi = ((base >>> 16) & 0xFF) | (rights & 0xF0FF00) | (limit & 0xF0000) | (base & 0xFF000000);
        cpu.mem.write32(GDT + (sel & 0xFFF8), lo);
        cpu.mem.write32(GDT + (sel & 0xFFF8) + 4, hi);
    }

    /** Gate types. */
    static final int INT32 = 0xE, TRAP32 = 0xF, INT16 = 0x6, TRAP16 = 0x7, TASK = 0x5;

    /** Writes an IDT gate (present). */
    void gate(int vector, int type, int sel, int offset, int dpl) {
        gate(vector, type, sel, offset, dpl, true);
    }

    void gate(int vector, int type, int sel, int offset, int dpl, boolean present) {
        int lo = (offset & 0xFFFF) | (sel << 16);
        int hi = (offset & 0xFFFF0000) | (present ? 0x8000 : 0) | (dpl << 13) | (type << 8);
        cpu.mem.write32(IDT + vector * 8, lo);
        cpu.mem.write32(IDT + vector * 8 + 4, hi);
    }

    /** A ring-0 interrupt gate to {@code HANDLERS + vector * 0x100} holding a HLT. */
    void haltingHandler(int vector) {
        int at = HANDLERS + vector * 0x100;
        gate(vector, INT32, 0x08, at, 0);
        put(at, 0xF4);   // hlt
    }

    /** Host write of code or data at a physical (= linear) address. */
    void put(int addr, int... bytes) {
        byte[] b = new byte[bytes.length];
        for (int i = 0; i < b.length; i++) b[i] = (byte) bytes[i];
        cpu.hostWrite(addr & 0xFFFFFFFFL, b, 0, b.length);
    }

    void put32(int addr, int v) {
        cpu.mem.write32(addr & 0xFFFFFFFFL, v);
    }

    int read32(int addr) {
        return cpu.mem.read32(addr & 0xFFFFFFFFL);
    }

    /** The dword at SS:ESP + {@code 4 * slot}. */
    int stack(int slot) {
        return read32(st.segBase[Seg.SS] + cpu.gpr[4] + 4 * slot);
    }

    Cpu.Stop run(long budget) {
        return cpu.run(budget);
    }

    /** Enters ring 3 flat (CS 0x1B, data 0x23) at EIP. */
    void ring3(int eip) {
        cpu.loadSegment(Seg.CS, 0x1B, 0, -1, 0xCFFB00);
        for (int s : new int[] {Seg.SS, Seg.DS, Seg.ES, Seg.GS}) cpu.loadSegment(s, 0x23, 0, -1, 0xCFF300);
        cpu.loadSegment(Seg.FS, TEB_SEL, TEB, 0xFFF, 0x40F300);
        st.eip = eip;
    }

    /** Enters ring 0 flat (CS 0x08, data 0x10) at EIP. */
    void ring0(int eip) {
        cpu.loadSegment(Seg.CS, 0x08, 0, -1, 0xCF9B00);
        for (int s : new int[] {Seg.SS, Seg.DS, Seg.ES, Seg.GS}) cpu.loadSegment(s, 0x10, 0, -1, 0xCF9300);
        cpu.loadSegment(Seg.FS, PCR_SEL, PCR, 0xFFF, 0x409300);
        st.eip = eip;
    }
}
