package ntgate.cpu.exec;

import ntgate.cpu.Cpu;
import ntgate.cpu.CpuState;
import ntgate.cpu.decode.Insn;

import static ntgate.cpu.CpuState.*;

/** Bit instructions: BT/BTS/BTR/BTC, BSF/BSR, BSWAP, SETcc, CMOVcc. SDM Vol.2A BT..BTS, BSF, BSR, BSWAP. */
public final class Bits {
    private Bits() {}

    public static final int BT = 0, BTS = 1, BTR = 2, BTC = 3;

    /**
     * BTx with the bit offset in a register: for a memory operand the offset is signed and selects the operand
     * at {@code ea + (offset >> 3 / size) * size} (bit-string addressing, SDM Vol.2A BT).
     */
    static void btReg(Cpu cpu, Insn in, int kind) {
        CpuState st = cpu.st;
        int size = in.size;
        int bitsN = size * 8;
        int off = st.reg(in.reg, size);
        if (in.rm >= 0) {
            int bit = off & (bitsN - 1);
            int v = st.reg(in.rm, size);
            int r = apply(st, kind, v, bit);
            if (kind != BT) st.setReg(in.rm, size, r);
            return;
        }
        int sOff = size == 2 ? (short) off : off;
        int ea = cpu.ea(in) + (sOff >> (size == 2 ? 4 : 5)) * size;
        if (in.asize == 2) ea &= 0xFFFF;
        memBit(cpu, in, kind, ea, sOff & (bitsN - 1));
    }

    /** BTx with an immediate bit offset (taken modulo the operand size; no address adjustment). */
    static void btImm(Cpu cpu, Insn in, int kind) {
        CpuState st = cpu.st;
        int size = in.size;
        int bit = in.imm & (size * 8 - 1);
        if (in.rm >= 0) {
            int r = apply(st, kind, st.reg(in.rm, size), bit);
            if (kind != BT) st.setReg(in.rm, size, r);
            return;
        }
        memBit(cpu, in, kind, cpu.ea(in), bit);
    }

    private static void memBit(Cpu cpu, Insn in, int kind, int ea, int bit) {
        int size = in.size;
        if (kind == BT) {
            apply(cpu.st, kind, cpu.read(in.seg, ea, size), bit);
            return;
        }
        int lin = cpu.linWrite(in.seg, ea, size);
        cpu.linRead(in.seg, ea, size);
        cpu.mmu.probeWrite(lin, size);
        int v = cpu.mmu.read(lin, size);
        cpu.mmu.write(lin, size, apply(cpu.st, kind, v, bit));
    }

    /** Sets CF to the selected bit (other flags unchanged) and returns the modified value. */
    private static int apply(CpuState st, int kind, int v, int bit) {
        boolean set = ((v >>> bit) & 1) != 0;
        st.setArithFlags(set ? CF : 0, CF);
        return switch (kind) {
            case BTS -> v | (1 << bit);
            case BTR -> v & ~(1 << bit);
            case BTC -> v ^ (1 << bit);
            default -> v;
        };
    }

    /** BSF/BSR: a zero source sets ZF and leaves the destination unchanged (documented choice). */
    static void bitScan(Cpu cpu, Insn in, boolean reverse) {
        CpuState st = cpu.st;
        int size = in.size;
        int src = cpu.readE(in);
        if (src == 0) {
            st.setArithFlags(ZF, ZF);
            return;
        }
        int idx = reverse ? 31 - Integer.numberOfLeadingZeros(src) : Integer.numberOfTrailingZeros(src);
        st.setReg(in.reg, size, idx);
        st.setArithFlags(0, ZF);
    }

    /** BSWAP; with a 16-bit operand the result is 0 in the low word (as Intel processors and Bochs give). */
    static void bswap(Cpu cpu, Insn in) {
        if (in.opsize == 2) cpu.st.setReg16(in.reg, 0);
        else cpu.gpr[in.reg] = Integer.reverseBytes(cpu.gpr[in.reg]);
    }

    static void setcc(Cpu cpu, Insn in) {
        cpu.writeE(in, 1, cpu.st.cond(in.sub) ? 1 : 0);
    }

    /** CMOVcc: the source is read (and may fault) whether or not the condition holds. */
    static void cmov(Cpu cpu, Insn in) {
        int v = cpu.readE(in);
        if (cpu.st.cond(in.sub)) cpu.st.setReg(in.reg, in.size, v);
    }
}
