package ntgate.cpu.exec;

import ntgate.cpu.Cpu;
import ntgate.cpu.CpuFault;
import ntgate.cpu.CpuState;
import ntgate.cpu.Seg;
import ntgate.cpu.decode.Insn;

import static ntgate.cpu.CpuState.*;

/**
 * Segment-register loads (MOV Sreg, POP Sreg, LDS/LES/LFS/LGS/LSS), PUSH Sreg, and descriptor reads. In
 * real and virtual-8086 mode a load sets base = selector × 16; in protected mode the descriptor is read from
 * the GDT or LDT with the checks of SDM Vol.2B MOV (segment registers) and Vol.3A 5.x.
 */
public final class Segments {
    private Segments() {}

    /** Reads the 8-byte descriptor of {@code selector}; #GP(selector) (or the given vector) when outside its table. */
    public static long readDescriptor(Cpu cpu, int selector, int vector) {
        return readDescriptor(cpu, selector, vector, selector & 0xFFFC);
    }

    /** As {@link #readDescriptor(Cpu, int, int)} with an explicit error code (event delivery adds EXT). */
    public static long readDescriptor(Cpu cpu, int selector, int vector, int errorCode) {
        CpuState st = cpu.st;
        int index = selector & 0xFFF8;
        int base, limit;
        if ((selector & 4) != 0) {
            if ((st.ldtrAttr & ATTR_P) == 0) throw new CpuFault(vector, errorCode);
            base = st.ldtrBase;
            limit = st.ldtrLimit;
        } else {
            base = st.gdtrBase;
            limit = st.gdtrLimit;
        }
        if (Integer.compareUnsigned(index + 7, limit) > 0) throw new CpuFault(vector, errorCode);
        int lo = cpu.mmu.readSys(base + index, 4);
        int hi = cpu.mmu.readSys(base + index + 4, 4);
        return (lo & 0xFFFFFFFFL) | ((long) hi << 32);
    }

    public static int descBase(long d) {
        return (int) ((d >>> 16) & 0xFFFFFF) | (int) ((d >>> 32) & 0xFF000000L);
    }

    public static int descLimit(long d) {
        int raw = (int) (d & 0xFFFF) | (int) ((d >>> 32) & 0xF0000);
        return (d & (1L << 55)) != 0 ? (raw << 12) | 0xFFF : raw;
    }

    /** Access rights in the descriptor-cache form: bits 8..23 of the high dword. */
    public static int descAttr(long d) {
        return (int) (d >>> 32) & 0x00FFFF00;
    }

    /** Sets the Accessed bit of a descriptor in memory when it is clear. */
    public static void setAccessed(Cpu cpu, int selector, long d) {
        if ((d & (1L << 40)) != 0) return;
        CpuState st = cpu.st;
        int base = (selector & 4) != 0 ? st.ldtrBase : st.gdtrBase;
        int addr = base + (selector & 0xFFF8) + 5;
        cpu.mmu.writeSys(addr, 1, (int) (d >>> 40) | 1);
    }

    /**
     * Loads a data or stack segment register (not CS) with all the checks of SDM Vol.2B MOV: null-selector
     * rules, table limit, descriptor type, privilege, present (#NP / #SS).
     */
    public static void load(Cpu cpu, int seg, int selector) {
        CpuState st = cpu.st;
        selector &= 0xFFFF;
        if (!st.protectedMode() || st.v86()) {
            cpu.loadSegment(seg, selector, selector << 4, st.segLimit[seg], st.segAttr[seg] == 0 ? 0x9300 : st.segAttr[seg]);
            return;
        }
        int rpl = selector & 3;
        if (seg == Seg.SS) {
            if ((selector & 0xFFFC) == 0) throw CpuFault.gp(0);
            long d = readDescriptor(cpu, selector, CpuFault.GP);
            int attr = descAttr(d);
            int dpl = attrDpl(attr);
            if (rpl != st.cpl) throw CpuFault.gp(selector & 0xFFFC);
            boolean writableData = (attr & ATTR_S) != 0 && (attr & ATTR_CODE) == 0 && (attr & ATTR_WRITABLE) != 0;
            if (!writableData || dpl != st.cpl) throw CpuFault.gp(selector & 0xFFFC);
            if ((attr & ATTR_P) == 0) throw new CpuFault(CpuFault.SS, selector & 0xFFFC);
            setAccessed(cpu, selector, d);
            cpu.loadSegment(seg, selector, descBase(d), descLimit(d), attr | ATTR_ACCESSED);
            return;
        }
        if ((selector & 0xFFFC) == 0) {
            cpu.loadSegment(seg, selector, 0, 0, 0);   // a null selector: any later access is #GP(0)
            return;
        }
        long d = readDescriptor(cpu, selector, CpuFault.GP);
        int attr = descAttr(d);
        int dpl = attrDpl(attr);
        boolean code = (attr & ATTR_CODE) != 0;
        if ((attr & ATTR_S) == 0 || (code && (attr & ATTR_READABLE) == 0)) throw CpuFault.gp(selector & 0xFFFC);
        boolean conformingCode = code && (attr & ATTR_CONFORMING) != 0;
        if (!conformingCode && (rpl > dpl || st.cpl > dpl)) throw CpuFault.gp(selector & 0xFFFC);
        if ((attr & ATTR_P) == 0) throw new CpuFault(CpuFault.NP, selector & 0xFFFC);
        setAccessed(cpu, selector, d);
        cpu.loadSegment(seg, selector, descBase(d), descLimit(d), attr | ATTR_ACCESSED);
    }

    /** MOV Sreg, Ew. Loading SS inhibits interrupts and debug traps for one instruction. */
    static void movToSeg(Cpu cpu, Insn in) {
        int sel = cpu.readE(in, 2);
        load(cpu, in.reg, sel);
        if (in.reg == Seg.SS) cpu.interruptShadow();
    }

    /** MOV Ev, Sreg: a register destination gets the selector zero-extended (32-bit operand size). */
    static void movFromSeg(Cpu cpu, Insn in) {
        int sel = cpu.st.segSel[in.reg];
        if (in.rm >= 0) cpu.st.setReg(in.rm, in.opsize, sel);
        else cpu.write16(in.seg, cpu.ea(in), sel);
    }

    /**
     * PUSH Sreg. With a 32-bit operand size the processor writes only the low 16 bits of the stack slot on
     * current Intel processors; ntgate writes the selector zero-extended to 32 bits, as the Pentium Pro did
     * (documented choice).
     */
    static void push(Cpu cpu, Insn in, int seg) {
        cpu.push(in.opsize, cpu.st.segSel[seg]);
    }

    static void pop(Cpu cpu, Insn in, int seg) {
        int v = cpu.peekStack(in.opsize, 0);
        load(cpu, seg, v & 0xFFFF);
        cpu.adjustSp(in.opsize);
        if (seg == Seg.SS) cpu.interruptShadow();
    }

    /** LDS/LES/LFS/LGS/LSS: offset then selector from memory; the segment is loaded first (a fault changes nothing). */
    static void loadFar(Cpu cpu, Insn in, int seg) {
        int off = cpu.ea(in);
        int size = in.opsize;
        int v = cpu.read(in.seg, off, size);
        int sel = cpu.read16(in.seg, off + size);
        load(cpu, seg, sel);
        cpu.st.setReg(in.reg, size, v);
        if (seg == Seg.SS) cpu.interruptShadow();
    }
}
