package ntgate.cpu.exec;

import ntgate.cpu.Cpu;
import ntgate.cpu.CpuState;
import ntgate.cpu.decode.Insn;

import static ntgate.cpu.CpuState.*;
import static ntgate.cpu.exec.Arith.MASK;
import static ntgate.cpu.exec.Arith.SIGN;

/**
 * Shifts and rotates: ROL ROR RCL RCR SHL/SAL SHR SAR (group 2) and SHLD/SHRD. SDM Vol.2B SAL/SAR/SHL/SHR,
 * RCL/RCR/ROL/ROR, SHLD, SHRD. The count is masked to 5 bits; a masked count of 0 changes nothing. The
 * undefined-flag choices are those of {@link ntgate.cpu.decode.OpcodeTable}'s class comment.
 */
public final class Shift {
    private Shift() {}

    public static final int ROL = 0, ROR = 1, RCL = 2, RCR = 3, SHL = 4, SHR = 5, SAL = 6, SAR = 7;

    /** Group 2 with a count: reads E, shifts, writes E. */
    static void group2(Cpu cpu, Insn in, int count) {
        count &= 0x1F;
        int size = in.size;
        if (in.rm >= 0) {
            int d = cpu.st.reg(in.rm, size);
            if (count == 0) return;
            cpu.st.setReg(in.rm, size, shift(cpu.st, in.sub, size, d, count));
        } else {
            int lin = cpu.linRmw(in);
            int d = cpu.mmu.read(lin, size);
            if (count == 0) return;
            cpu.mmu.write(lin, size, shift(cpu.st, in.sub, size, d, count));
        }
    }

    private static int parity(int v) {
        return (Integer.bitCount(v & 0xFF) & 1) == 0 ? PF : 0;
    }

    private static int szp(int v, int size) {
        int f = parity(v);
        if ((v & MASK[size]) == 0) f |= ZF;
        if ((v & SIGN[size]) != 0) f |= SF;
        return f;
    }

    /** One shift or rotate of {@code d} (zero-extended, {@code size} bytes) by a masked count 1..31. */
    static int shift(CpuState st, int kind, int size, int d, int count) {
        int bits = size * 8;
        int mask = MASK[size];
        int sign = SIGN[size];
        int f;
        int r;
        switch (kind) {
            case ROL: {
                int c = count % bits;
                r = c == 0 ? d : ((d << c) | (d >>> (bits - c))) & mask;
                boolean cf = (r & 1) != 0;
                boolean of = ((r & sign) != 0) ^ cf;
                st.setArithFlags((cf ? CF : 0) | (of ? OF : 0), CF | OF);
                return r;
            }
            case ROR: {
                int c = count % bits;
                r = c == 0 ? d : ((d >>> c) | (d << (bits - c))) & mask;
                boolean cf = (r & sign) != 0;
                boolean of = cf ^ ((r & (sign >>> 1)) != 0);
                st.setArithFlags((cf ? CF : 0) | (of ? OF : 0), CF | OF);
                return r;
            }
            case RCL: {
                int c = bits == 32 ? count : count % (bits + 1);
                long cin = st.cf() ? 1 : 0;
                long wide = (d & 0xFFFFFFFFL) | (cin << bits);    // bits+1 bit value CF:dest
                int w = bits + 1;
                long wmask = (1L << w) - 1;
                long rot = c == 0 ? wide : ((wide << c) | (wide >>> (w - c))) & wmask;
                r = (int) (rot & mask);
                boolean cf = ((rot >>> bits) & 1) != 0;
                boolean of = ((r & sign) != 0) ^ cf;
                st.setArithFlags((cf ? CF : 0) | (of ? OF : 0), CF | OF);
                return r;
            }
            case RCR: {
                int c = bits == 32 ? count : count % (bits + 1);
                long cin = st.cf() ? 1 : 0;
                long wide = (d & 0xFFFFFFFFL) | (cin << bits);
                int w = bits + 1;
                long wmask = (1L << w) - 1;
                long rot = c == 0 ? wide : ((wide >>> c) | (wide << (w - c))) & wmask;
                r = (int) (rot & mask);
                boolean cf = ((rot >>> bits) & 1) != 0;
                boolean of = ((r & sign) != 0) ^ ((r & (sign >>> 1)) != 0);
                st.setArithFlags((cf ? CF : 0) | (of ? OF : 0), CF | OF);
                return r;
            }
            case SHL:
            case SAL: {
                long wide = (d & 0xFFFFFFFFL) << count;
                r = (int) wide & mask;
                boolean cf = ((wide >>> bits) & 1) != 0;
                f = szp(r, size) | (cf ? CF : 0);
                if (((r & sign) != 0) ^ cf) f |= OF;
                st.setArithFlags(f);
                return r;
            }
            case SHR: {
                long v = d & 0xFFFFFFFFL;
                long before = v >>> (count - 1);          // the value before the last one-bit step
                r = (int) (before >>> 1) & mask;
                boolean cf = (before & 1) != 0;
                f = szp(r, size) | (cf ? CF : 0);
                if (((before ^ r) & sign) != 0) f |= OF;
                st.setArithFlags(f);
                return r;
            }
            default: { // SAR
                int sx = (d << (32 - bits)) >> (32 - bits);
                int before = sx >> Math.min(count - 1, 31);
                r = (before >> 1) & mask;
                boolean cf = (before & 1) != 0;
                f = szp(r, size) | (cf ? CF : 0);
                st.setArithFlags(f);
                return r;
            }
        }
    }

    /**
     * SHLD/SHRD. For a 16-bit operand and a count above 16 the result comes from the 48-bit value
     * DEST:SRC:DEST, as on Intel processors (documented choice).
     */
    static void doubleShift(Cpu cpu, Insn in, int count, boolean left) {
        CpuState st = cpu.st;
        count &= 0x1F;
        int size = in.size;
        int src = st.reg(in.reg, size);
        int lin = 0;
        int d;
        if (in.rm >= 0) {
            d = st.reg(in.rm, size);
        } else {
            lin = cpu.linRmw(in);
            d = cpu.mmu.read(lin, size);
        }
        if (count == 0) return;
        int r;
        boolean cf;
        if (size == 4) {
            if (left) {
                r = (d << count) | (src >>> (32 - count));
                cf = ((d >>> (32 - count)) & 1) != 0;
            } else {
                r = (d >>> count) | (src << (32 - count));
                cf = ((d >>> (count - 1)) & 1) != 0;
            }
        } else {
            long v = ((long) d << 32) | ((long) src << 16) | d;
            if (left) {
                r = (int) ((v << count) >>> 32) & 0xFFFF;
                cf = ((v << (count - 1)) >>> 47 & 1) != 0;
            } else {
                r = (int) (v >>> count) & 0xFFFF;
                cf = ((v >>> (count - 1)) & 1) != 0;
            }
        }
        int f = szp(r, size) | (cf ? CF : 0);
        if (((r ^ d) & SIGN[size]) != 0) f |= OF;
        if (in.rm >= 0) st.setReg(in.rm, size, r);
        else cpu.mmu.write(lin, size, r);
        st.setArithFlags(f);
    }
}
