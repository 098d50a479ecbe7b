package ntgate.cpu.exec;

import ntgate.cpu.Cpu;
import ntgate.cpu.CpuFault;
import ntgate.cpu.CpuState;
import ntgate.cpu.decode.Insn;

import static ntgate.cpu.CpuState.*;

/**
 * Integer arithmetic: the ALU group (ADD OR ADC SBB AND SUB XOR CMP), TEST, INC/DEC, NOT/NEG, MUL/IMUL,
 * DIV/IDIV, XADD, CMPXCHG, CMPXCHG8B and the decimal adjusts. SDM Vol.2 for each instruction.
 *
 * <p>Read-modify-write forms on memory check that the destination is writable before anything changes, so a
 * faulting instruction leaves registers and flags as they were.
 */
public final class Arith {
    private Arith() {}

    static final int[] MASK = {0, 0xFF, 0xFFFF, 0, 0xFFFFFFFF};
    static final int[] SIGN = {0, 0x80, 0x8000, 0, 0x80000000};

    public static final int ADD = 0, OR = 1, ADC = 2, SBB = 3, AND = 4, SUB = 5, XOR = 6, CMP = 7;

    /** Computes {@code dst OP src} for ALU kind {@code kind}, sets the lazy flags and returns the result. */
    static int alu(CpuState st, int kind, int size, int dst, int src) {
        int mask = MASK[size];
        int res;
        switch (kind) {
            case ADD:
                res = (dst + src) & mask;
                st.setCc(CC_ADD, size, res, dst, src);
                return res;
            case OR:
                res = dst | src;
                st.setCc(CC_LOGIC, size, res, 0, 0);
                return res;
            case ADC: {
                int c = st.cf() ? 1 : 0;
                res = (dst + src + c) & mask;
                st.setCc(CC_ADC, size, res, dst, src);
                st.ccAux = c;
                return res;
            }
            case SBB: {
                int c = st.cf() ? 1 : 0;
                res = (dst - src - c) & mask;
                st.setCc(CC_SBB, size, res, dst, src);
                st.ccAux = c;
                return res;
            }
            case AND:
                res = dst & src;
                st.setCc(CC_LOGIC, size, res, 0, 0);
                return res;
            case XOR:
                res = dst ^ src;
                st.setCc(CC_LOGIC, size, res, 0, 0);
                return res;
            default:   // SUB, CMP
                res = (dst - src) & mask;
                st.setCc(CC_SUB, size, res, dst, src);
                return res;
        }
    }

    /** ALU with the E operand as destination and {@code src} as source (00/08/../38, 80-83 forms). */
    static void aluE(Cpu cpu, Insn in, int src) {
        CpuState st = cpu.st;
        int kind = in.sub, size = in.size;
        src &= MASK[size];
        if (in.rm >= 0) {
            int r = alu(st, kind, size, st.reg(in.rm, size), src);
            if (kind != CMP) st.setReg(in.rm, size, r);
        } else if (kind == CMP) {
            alu(st, kind, size, cpu.read(in.seg, cpu.ea(in), size), src);
        } else {
            int lin = cpu.linRmw(in);
            int r = alu(st, kind, size, cpu.mmu.read(lin, size), src);
            cpu.mmu.write(lin, size, r);
        }
    }

    /** ALU with a G register as destination (02/0A/../3A forms). */
    static void aluG(Cpu cpu, Insn in) {
        CpuState st = cpu.st;
        int size = in.size;
        int src = cpu.readE(in);
        int r = alu(st, in.sub, size, st.reg(in.reg, size), src);
        if (in.sub != CMP) st.setReg(in.reg, size, r);
    }

    /** ALU on AL/AX/EAX with an immediate (04/0C/../3D forms). */
    static void aluAcc(Cpu cpu, Insn in) {
        CpuState st = cpu.st;
        int size = in.size;
        int r = alu(st, in.sub, size, st.reg(0, size), in.imm & MASK[size]);
        if (in.sub != CMP) st.setReg(0, size, r);
    }

    static void test(Cpu cpu, Insn in, int src) {
        int size = in.size;
        int v = cpu.readE(in) & src & MASK[size];
        cpu.st.setCc(CC_LOGIC, size, v, 0, 0);
    }

    static void testAcc(Cpu cpu, Insn in) {
        int size = in.size;
        int v = cpu.st.reg(0, size) & in.imm & MASK[size];
        cpu.st.setCc(CC_LOGIC, size, v, 0, 0);
    }

    /** INC/DEC of the E operand or a +r register: CF is preserved (SDM Vol.2A INC). */
    static void incDec(Cpu cpu, Insn in, boolean dec, boolean plusReg) {
        CpuState st = cpu.st;
        int size = in.size;
        int mask = MASK[size];
        int cf = st.cf() ? 1 : 0;
        if (plusReg) {
            int d = st.reg(in.reg, size);
            int r = (dec ? d - 1 : d + 1) & mask;
            st.setReg(in.reg, size, r);
            st.setCc(dec ? CC_DEC : CC_INC, size, r, d, 1);
        } else if (in.rm >= 0) {
            int d = st.reg(in.rm, size);
            int r = (dec ? d - 1 : d + 1) & mask;
            st.setReg(in.rm, size, r);
            st.setCc(dec ? CC_DEC : CC_INC, size, r, d, 1);
        } else {
            int lin = cpu.linRmw(in);
            int d = cpu.mmu.read(lin, size);
            int r = (dec ? d - 1 : d + 1) & mask;
            cpu.mmu.write(lin, size, r);
            st.setCc(dec ? CC_DEC : CC_INC, size, r, d, 1);
        }
        st.ccAux = cf;
    }

    static void not(Cpu cpu, Insn in) {
        int size = in.size;
        if (in.rm >= 0) {
            cpu.st.setReg(in.rm, size, ~cpu.st.reg(in.rm, size));
        } else {
            int lin = cpu.linRmw(in);
            cpu.mmu.write(lin, size, ~cpu.mmu.read(lin, size));
        }
    }

    /** NEG: flags as SUB from 0 (CF = operand != 0). */
    static void neg(Cpu cpu, Insn in) {
        CpuState st = cpu.st;
        int size = in.size;
        if (in.rm >= 0) {
            int d = st.reg(in.rm, size);
            int r = (-d) & MASK[size];
            st.setReg(in.rm, size, r);
            st.setCc(CC_SUB, size, r, 0, d);
        } else {
            int lin = cpu.linRmw(in);
            int d = cpu.mmu.read(lin, size);
            int r = (-d) & MASK[size];
            cpu.mmu.write(lin, size, r);
            st.setCc(CC_SUB, size, r, 0, d);
        }
    }

    /** Flags after a multiply: CF = OF = {@code overflow}; SF, ZF, PF from the low half, AF = 0 (documented choice). */
    private static void mulFlags(CpuState st, int size, int low, boolean overflow) {
        int f = 0;
        low &= MASK[size];
        if (overflow) f |= CF | OF;
        if (low == 0) f |= ZF;
        if ((low & SIGN[size]) != 0) f |= SF;
        if ((Integer.bitCount(low & 0xFF) & 1) == 0) f |= PF;
        st.setArithFlags(f);
    }

    /** MUL (unsigned, one operand). */
    static void mul(Cpu cpu, Insn in) {
        CpuState st = cpu.st;
        int[] g = cpu.gpr;
        int src = cpu.readE(in);
        switch (in.size) {
            case 1 -> {
                int r = (g[0] & 0xFF) * src;
                st.setReg16(0, r);
                mulFlags(st, 1, r, (r & 0xFF00) != 0);
            }
            case 2 -> {
                int r = (g[0] & 0xFFFF) * src;
                st.setReg16(0, r);
                st.setReg16(2, r >>> 16);
                mulFlags(st, 2, r, (r >>> 16) != 0);
            }
            default -> {
                long r = (g[0] & 0xFFFFFFFFL) * (src & 0xFFFFFFFFL);
                g[0] = (int) r;
                g[2] = (int) (r >>> 32);
                mulFlags(st, 4, (int) r, (r >>> 32) != 0);
            }
        }
    }

    /** IMUL with one operand (signed, double-width result). */
    static void imul1(Cpu cpu, Insn in) {
        CpuState st = cpu.st;
        int[] g = cpu.gpr;
        int src = cpu.readE(in);
        switch (in.size) {
            case 1 -> {
                int r = (byte) g[0] * (byte) src;
                st.setReg16(0, r);
                mulFlags(st, 1, r, r != (byte) r);
            }
            case 2 -> {
                int r = (short) g[0] * (short) src;
                st.setReg16(0, r);
                st.setReg16(2, r >>> 16);
                mulFlags(st, 2, r, r != (short) r);
            }
            default -> {
                long r = (long) g[0] * (long) src;
                g[0] = (int) r;
                g[2] = (int) (r >>> 32);
                mulFlags(st, 4, (int) r, r != (int) r);
            }
        }
    }

    /** IMUL with two or three operands: G = a * b, truncated. */
    static void imulN(Cpu cpu, Insn in, int a, int b) {
        CpuState st = cpu.st;
        if (in.opsize == 2) {
            int r = (short) a * (short) b;
            st.setReg16(in.reg, r);
            mulFlags(st, 2, r, r != (short) r);
        } else {
            long r = (long) a * (long) b;
            cpu.gpr[in.reg] = (int) r;
            mulFlags(st, 4, (int) r, r != (int) r);
        }
    }

    /** DIV: #DE on a zero divisor or a quotient that does not fit; flags unchanged (documented choice). */
    static void div(Cpu cpu, Insn in) {
        CpuState st = cpu.st;
        int[] g = cpu.gpr;
        int src = cpu.readE(in);
        if (src == 0) throw new CpuFault(CpuFault.DE, CpuFault.NO_ERROR_CODE);
        switch (in.size) {
            case 1 -> {
                int n = g[0] & 0xFFFF;
                int q = n / src;
                if (q > 0xFF) throw new CpuFault(CpuFault.DE, CpuFault.NO_ERROR_CODE);
                st.setReg16(0, (n % src) << 8 | q);
            }
            case 2 -> {
                int n = (g[2] & 0xFFFF) << 16 | (g[0] & 0xFFFF);
                long nl = n & 0xFFFFFFFFL;
                long q = nl / src;
                if (q > 0xFFFF) throw new CpuFault(CpuFault.DE, CpuFault.NO_ERROR_CODE);
                st.setReg16(0, (int) q);
                st.setReg16(2, (int) (nl % src));
            }
            default -> {
                long n = ((long) g[2] << 32) | (g[0] & 0xFFFFFFFFL);
                long d = src & 0xFFFFFFFFL;
                long q = Long.divideUnsigned(n, d);
                if (Long.compareUnsigned(q, 0xFFFFFFFFL) > 0) throw new CpuFault(CpuFault.DE, CpuFault.NO_ERROR_CODE);
                g[0] = (int) q;
                g[2] = (int) Long.remainderUnsigned(n, d);
            }
        }
    }

    /** IDIV: signed; #DE on zero or when the quotient is outside the destination's range. */
    static void idiv(Cpu cpu, Insn in) {
        CpuState st = cpu.st;
        int[] g = cpu.gpr;
        int src = cpu.readE(in);
        if (src == 0) throw new CpuFault(CpuFault.DE, CpuFault.NO_ERROR_CODE);
        switch (in.size) {
            case 1 -> {
                int n = (short) g[0];
                int d = (byte) src;
                int q = n / d;
                if (q != (byte) q) throw new CpuFault(CpuFault.DE, CpuFault.NO_ERROR_CODE);
                st.setReg16(0, ((n % d) & 0xFF) << 8 | (q & 0xFF));
            }
            case 2 -> {
                int n = (g[2] & 0xFFFF) << 16 | (g[0] & 0xFFFF);
                int d = (short) src;
                long q = (long) n / d;
                if (q != (short) q) throw new CpuFault(CpuFault.DE, CpuFault.NO_ERROR_CODE);
                st.setReg16(0, (int) q);
                st.setReg16(2, n % d);
            }
            default -> {
                long n = ((long) g[2] << 32) | (g[0] & 0xFFFFFFFFL);
                long d = src;
                if (n == Long.MIN_VALUE && d == -1) throw new CpuFault(CpuFault.DE, CpuFault.NO_ERROR_CODE);
                long q = n / d;
                if (q != (int) q) throw new CpuFault(CpuFault.DE, CpuFault.NO_ERROR_CODE);
                g[0] = (int) q;
                g[2] = (int) (n % d);
            }
        }
    }

    /** XADD: TEMP = SRC + DEST; SRC = DEST; DEST = TEMP (SDM Vol.2D XADD). */
    static void xadd(Cpu cpu, Insn in) {
        CpuState st = cpu.st;
        int size = in.size;
        int src = st.reg(in.reg, size);
        if (in.rm >= 0) {
            int d = st.reg(in.rm, size);
            int sum = alu(st, ADD, size, d, src);
            st.setReg(in.reg, size, d);
            st.setReg(in.rm, size, sum);
        } else {
            int lin = cpu.linRmw(in);
            int d = cpu.mmu.read(lin, size);
            int sum = alu(st, ADD, size, d, src);
            cpu.mmu.write(lin, size, sum);
            st.setReg(in.reg, size, d);
        }
    }

    /** CMPXCHG: compares the accumulator with DEST; the destination is written in both cases. */
    static void cmpxchg(Cpu cpu, Insn in) {
        CpuState st = cpu.st;
        int size = in.size;
        int acc = st.reg(0, size);
        if (in.rm >= 0) {
            int d = st.reg(in.rm, size);
            alu(st, CMP, size, acc, d);
            if (acc == d) st.setReg(in.rm, size, st.reg(in.reg, size));
            else st.setReg(0, size, d);
        } else {
            int lin = cpu.linRmw(in);
            int d = cpu.mmu.read(lin, size);
            int src = st.reg(in.reg, size);
            cpu.mmu.write(lin, size, acc == d ? src : d);
            alu(st, CMP, size, acc, d);
            if (acc != d) st.setReg(0, size, d);
        }
    }

    /** CMPXCHG8B m64: compares EDX:EAX with m64; ZF only (other flags unchanged). */
    static void cmpxchg8b(Cpu cpu, Insn in) {
        CpuState st = cpu.st;
        int[] g = cpu.gpr;
        int off = cpu.ea(in);
        int lin = cpu.linWrite(in.seg, off, 8);
        cpu.linRead(in.seg, off, 8);
        cpu.mmu.probeWrite(lin, 4);
        cpu.mmu.probeWrite(lin + 4, 4);
        int lo = cpu.mmu.read32(lin), hi = cpu.mmu.read32(lin + 4);
        boolean eq = lo == g[0] && hi == g[2];
        if (eq) {
            cpu.mmu.write32(lin, g[3]);
            cpu.mmu.write32(lin + 4, g[1]);
        } else {
            cpu.mmu.write32(lin, lo);
            cpu.mmu.write32(lin + 4, hi);
            g[0] = lo;
            g[2] = hi;
        }
        st.setArithFlags(eq ? ZF : 0, ZF);
    }

    // ---- decimal adjusts (SDM Vol.2A DAA, DAS, AAA, AAS, AAM, AAD) ----

    private static int szp(int v8) {
        int f = 0;
        if ((v8 & 0xFF) == 0) f |= ZF;
        if ((v8 & 0x80) != 0) f |= SF;
        if ((Integer.bitCount(v8 & 0xFF) & 1) == 0) f |= PF;
        return f;
    }

    static void daa(Cpu cpu) {
        CpuState st = cpu.st;
        int al = st.reg8(0);
        int oldAl = al;
        boolean oldCf = st.cf(), af = st.af();
        boolean cf = false;
        if ((al & 0xF) > 9 || af) {
            cf = oldCf || al + 6 > 0xFF;
            al = (al + 6) & 0xFF;
            af = true;
        } else {
            af = false;
        }
        if (oldAl > 0x99 || oldCf) {
            al = (al + 0x60) & 0xFF;
            cf = true;
        } else {
            cf = false;
        }
        st.setReg8(0, al);
        st.setArithFlags(szp(al) | (cf ? CF : 0) | (af ? AF : 0));
    }

    static void das(Cpu cpu) {
        CpuState st = cpu.st;
        int al = st.reg8(0);
        int oldAl = al;
        boolean oldCf = st.cf(), af = st.af();
        boolean cf = false;
        if ((al & 0xF) > 9 || af) {
            cf = oldCf || al < 6;
            al = (al - 6) & 0xFF;
            af = true;
        } else {
            af = false;
        }
        if (oldAl > 0x99 || oldCf) {
            al = (al - 0x60) & 0xFF;
            cf = true;
        }
        st.setReg8(0, al);
        st.setArithFlags(szp(al) | (cf ? CF : 0) | (af ? AF : 0));
    }

    static void aaa(Cpu cpu) {
        CpuState st = cpu.st;
        int ax = st.reg16(0);
        boolean adj = (ax & 0xF) > 9 || st.af();
        if (adj) ax = (ax + 0x106) & 0xFFFF;
        ax &= 0xFF0F;
        st.setReg16(0, ax);
        st.setArithFlags(szp(ax) | (adj ? AF | CF : 0));
    }

    static void aas(Cpu cpu) {
        CpuState st = cpu.st;
        int ax = st.reg16(0);
        boolean adj = (ax & 0xF) > 9 || st.af();
        if (adj) {
            // AX - 6 borrows from AH when AL < 6, then AH - 1 (SDM Vol.2A AAS): AH drops by 2 in that case.
            ax = (ax - 6) & 0xFFFF;
            ax = (ax - 0x100) & 0xFFFF;
        }
        ax &= 0xFF0F;
        st.setReg16(0, ax);
        st.setArithFlags(szp(ax) | (adj ? AF | CF : 0));
    }

    static void aam(Cpu cpu, Insn in) {
        CpuState st = cpu.st;
        int base = in.imm & 0xFF;
        if (base == 0) throw new CpuFault(CpuFault.DE, CpuFault.NO_ERROR_CODE);
        int al = st.reg8(0);
        int r = (al / base) << 8 | (al % base);
        st.setReg16(0, r);
        st.setArithFlags(szp(r));
    }

    static void aad(Cpu cpu, Insn in) {
        CpuState st = cpu.st;
        int base = in.imm & 0xFF;
        int al = (st.reg8(0) + st.reg8(4) * base) & 0xFF;
        st.setReg16(0, al);
        st.setArithFlags(szp(al));
    }
}
