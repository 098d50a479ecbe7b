package ntgate.cpu.exec;

import ntgate.cpu.Cpu;
import ntgate.cpu.CpuFault;
import ntgate.cpu.CpuState;
import ntgate.cpu.Seg;
import ntgate.cpu.decode.Insn;
import ntgate.cpu.fpu.Ext80;
import ntgate.cpu.fpu.Fpu;

import static ntgate.cpu.fpu.Fpu.B;
import static ntgate.cpu.fpu.Fpu.C0;
import static ntgate.cpu.fpu.Fpu.C1;
import static ntgate.cpu.fpu.Fpu.C2;
import static ntgate.cpu.fpu.Fpu.C3;
import static ntgate.cpu.fpu.Fpu.ES;
import static ntgate.cpu.fpu.Fpu.IE;
import static ntgate.cpu.fpu.Fpu.SF;

/**
 * The x87 instructions (SDM Vol.2A/2B, the F... pages; Vol.1 chapter 8): operand fetch and store, the register
 * stack with its overflow and underflow checks, the condition codes, and the exception responses. The arithmetic
 * itself is {@link Ext80}'s; the state is {@link Fpu}'s.
 *
 * <p>Every instruction first checks CR0: EM or TS set raises #NM (SDM Vol.3A 2.5, Table 2-2). A waiting
 * instruction then raises #MF when the status word's ES bit says an unmasked exception is pending (Vol.1
 * 8.6); the non-waiting ones (FNINIT, FNCLEX, FNSTCW, FNSTSW, FNSTENV, FNSAVE) do not. With CR0.NE clear, a PC
 * would signal the pending exception through FERR# and IRQ 13 instead; ntgate has no interrupt controller
 * wired to FERR#, so it raises #MF in that case as well.
 *
 * <p>Unmasked exceptions follow Vol.1 8.5: IE, DE and ZE leave the destination and TOP unchanged; OE and UE
 * write the register result with its exponent biased by 24,576, and leave a memory destination unchanged.
 * Non-control instructions record FIP/FCS, FOP and, with a memory operand, FDP/FDS.
 *
 * <h2>Where ntgate follows the reference processor rather than the SDM's text</h2>
 * The native-difference test compares ntgate with the host processor bit for bit; where the host's results
 * contradict the SDM's description, ntgate does what the host does, and the differences are listed here:
 * <ul>
 *   <li>FCOMI/FCOMIP/FUCOMI/FUCOMIP and FCMOVcc leave C1 unchanged (the SDM says C1 is cleared).</li>
 * </ul>
 */
final class X87 {
    private X87() {}

    /** Arithmetic kinds, numbered as the ModRM reg field of D8/DC/DA/DE. */
    static final int ADD = 0, MUL = 1, COM = 2, COMP = 3, SUB = 4, SUBR = 5, DIV = 6, DIVR = 7;

    // ------------------------------------------------------------------ entry, pointers, exceptions

    /** The CR0 checks and, for a waiting instruction, the pending-exception check. */
    static Fpu begin(Cpu cpu, boolean waiting) {
        int cr0 = cpu.st.cr0;
        if ((cr0 & (CpuState.CR0_EM | CpuState.CR0_TS)) != 0) throw new CpuFault(CpuFault.NM, CpuFault.NO_ERROR_CODE);
        Fpu f = cpu.st.fpu;
        if (waiting && (f.sw & ES) != 0) throw new CpuFault(CpuFault.MF, CpuFault.NO_ERROR_CODE);
        return f;
    }

    /** Begins a non-control instruction: checks, then the last-instruction (and data) pointers. */
    static Fpu op(Cpu cpu, Insn in) {
        Fpu f = begin(cpu, true);
        f.fip = cpu.st.eip - in.len;
        if (!cpu.st.code32()) f.fip &= 0xFFFF;
        f.fcs = cpu.st.segSel[Seg.CS];
        int first = in.row.opcode()[0];
        f.fop = ((first & 7) << 8) | (in.modrm & 0xFF);
        if (in.isMem()) {
            f.fdp = cpu.ea(in);
            f.fds = cpu.st.segSel[in.seg];
        }
        Ext80 x = f.x;
        x.rc = (f.cw >>> 10) & 3;
        x.masks = f.cw & 0x3F;
        x.flags = 0;
        x.up = false;
        return f;
    }

    /** Precision control as a significand width (PC = 01 is reserved; it behaves as 24 bits here). */
    static int prec(Fpu f) {
        return switch ((f.cw >>> 8) & 3) {
            case 2 -> 53;
            case 3 -> 64;
            default -> 24;
        };
    }

    /** Whether the instruction's exceptions so far include an unmasked one that suppresses the result. */
    private static boolean blocked(Fpu f, int flags) {
        return (flags & ~f.cw & (Ext80.IE | Ext80.DE | Ext80.ZE)) != 0;
    }

    /** Records exception flags: sticky bits, and ES/B when one of them is unmasked. */
    private static void raise(Fpu f, int flags) {
        f.sw |= flags;
        if ((flags & ~f.cw & 0x3F) != 0) f.sw |= ES | B;
    }

    private static void setC1(Fpu f, boolean v) {
        f.sw = v ? f.sw | C1 : f.sw & ~C1;
    }

    private static void setCc(Fpu f, int cc) {
        f.sw = (f.sw & ~(C0 | C1 | C2 | C3)) | cc;
    }

    /** Stack underflow: IE with SF, C1 = 0 (SDM Vol.1 8.5.1.1). Returns true when masked. */
    private static boolean underflow(Fpu f) {
        raise(f, IE | SF);
        setC1(f, false);
        return (f.cw & IE) != 0;
    }

    /** Stack overflow: IE with SF, C1 = 1. Returns true when masked. */
    private static boolean overflow(Fpu f) {
        raise(f, IE | SF);
        setC1(f, true);
        return (f.cw & IE) != 0;
    }

    // ------------------------------------------------------------------ register stack

    private static void write(Fpu f, int i, int se, long m) {
        int p = f.phys(i);
        f.sexp[p] = se;
        f.mant[p] = m;
        f.valid |= 1 << p;
    }

    private static void push(Fpu f, int se, long m) {
        f.top = (f.top - 1) & 7;
        write(f, 0, se, m);
    }

    private static void pop(Fpu f) {
        f.valid &= ~(1 << f.top);
        f.top = (f.top + 1) & 7;
    }

    /** Pushes a value, or handles stack overflow (masked: the indefinite is pushed). C1 cleared otherwise. */
    private static void pushChecked(Fpu f, int se, long m) {
        if (!f.empty(7)) {
            if (overflow(f)) push(f, Ext80.INDEF_SE, Ext80.INDEF_M);
            return;
        }
        push(f, se, m);
    }

    private static int seOf(Fpu f, int i) {
        return f.sexp[f.phys(i)];
    }

    private static long mOf(Fpu f, int i) {
        return f.mant[f.phys(i)];
    }

    // ------------------------------------------------------------------ memory

    static long read64(Cpu cpu, int seg, int off) {
        int lin = cpu.linRead(seg, off, 8);
        cpu.mmu.probeRead(lin, 1);
        cpu.mmu.probeRead(lin + 7, 1);
        return (cpu.mmu.read32(lin) & 0xFFFFFFFFL) | (long) cpu.mmu.read32(lin + 4) << 32;
    }

    private static void write64(Cpu cpu, int seg, int off, long v) {
        int lin = cpu.linWrite(seg, off, 8);
        cpu.mmu.probeWrite(lin, 1);
        cpu.mmu.probeWrite(lin + 7, 1);
        cpu.mmu.write32(lin, (int) v);
        cpu.mmu.write32(lin + 4, (int) (v >>> 32));
    }

    /** Checks that ten bytes at seg:off can be written; returns the linear address. */
    private static int probe80(Cpu cpu, int seg, int off) {
        int lin = cpu.linWrite(seg, off, 10);
        cpu.mmu.probeWrite(lin, 1);
        cpu.mmu.probeWrite(lin + 9, 1);
        return lin;
    }

    private static void write80(Cpu cpu, int lin, long m, int se) {
        cpu.mmu.write32(lin, (int) m);
        cpu.mmu.write32(lin + 4, (int) (m >>> 32));
        cpu.mmu.write16(lin + 8, se);
    }

    // ------------------------------------------------------------------ arithmetic

    /** Computes {@code kind} on A = ST(0) and B into x.se/x.m (SUB: A-B, SUBR: B-A, DIV: A/B, DIVR: B/A). */
    private static void compute(Fpu f, int kind, int ase, long am, int bse, long bm) {
        Ext80 x = f.x;
        int p = prec(f);
        switch (kind) {
            case ADD -> x.add(ase, am, bse, bm, p);
            case MUL -> x.mul(ase, am, bse, bm, p);
            case SUB -> x.add(ase, am, negate(bse, bm), bm, p);
            case SUBR -> x.add(bse, bm, negate(ase, am), am, p);
            case DIV -> x.div(ase, am, bse, bm, p);
            default -> x.div(bse, bm, ase, am, p);
        }
    }

    /** The sign flipped, except on NaNs and unsupported encodings (their propagation keeps the sign). */
    private static int negate(int se, long m) {
        if ((se & 0x7FFF) == 0x7FFF && m != Ext80.INT_BIT) return se;
        if ((se & 0x7FFF) != 0 && m >= 0) return se;
        return se ^ 0x8000;
    }

    /** Finishes an arithmetic result bound for ST(i) (and a pop): flags, C1, the unmasked responses. */
    private static void finishArith(Fpu f, int dest, boolean popAfter) {
        Ext80 x = f.x;
        int fl = x.flags;
        boolean blocked = blocked(f, fl);
        raise(f, fl);
        setC1(f, x.up && !blocked);
        if (blocked) return;
        write(f, dest, x.se, x.m);
        if (popAfter) pop(f);
    }

    /** D8/DC/DA/DE memory forms: ST(0) = ST(0) op m (COM/COMP compare). {@code kind} is the ModRM reg field. */
    static void arithMem(Cpu cpu, Insn in, int format) {
        Fpu f = op(cpu, in);
        int kind = in.reg;
        int off = cpu.ea(in);
        Ext80 x = f.x;
        boolean memDenormal = false;
        switch (format) {
            case 32 -> {
                int v = cpu.read32(in.seg, off);
                memDenormal = Ext80.isDenormal32(v);
                x.fromFloat32(v);
            }
            case 64 -> {
                long v = read64(cpu, in.seg, off);
                memDenormal = Ext80.isDenormal64(v);
                x.fromFloat64(v);
            }
            case -16 -> x.fromLong((short) cpu.read16(in.seg, off));
            default -> x.fromLong(cpu.read32(in.seg, off));
        }
        int bse = x.se;
        long bm = x.m;
        if (f.empty(0)) {
            if (kind == COM || kind == COMP) {
                if (underflow(f)) {
                    setCc(f, C3 | C2 | C0);
                    if (kind == COMP) pop(f);
                }
                return;
            }
            if (underflow(f)) write(f, 0, Ext80.INDEF_SE, Ext80.INDEF_M);
            return;
        }
        int ase = seOf(f, 0);
        long am = mOf(f, 0);
        if (kind == COM || kind == COMP) {
            int r = x.compare(ase, am, bse, bm, true);
            if (memDenormal && !Ext80.isNaN(ase, am) && !Ext80.isUnsupported(ase, am)) x.flags |= Ext80.DE;
            finishCompare(f, r, kind == COMP ? 1 : 0);
            return;
        }
        compute(f, kind, ase, am, bse, bm);
        if (memDenormal && !Ext80.isNaN(ase, am) && !Ext80.isUnsupported(ase, am) && (x.flags & Ext80.ZE) == 0) x.flags |= Ext80.DE;
        finishArith(f, 0, false);
    }

    /** D8 register forms: ST(0) = ST(0) op ST(i); FCOM/FCOMP ST(i). */
    static void arithSt0(Cpu cpu, Insn in) {
        Fpu f = op(cpu, in);
        int kind = (in.modrm >>> 3) & 7;
        if (kind == COM || kind == COMP) {
            compareRegs(f, in.rm, kind == COMP ? 1 : 0, true);
            return;
        }
        arithRegs(f, kind, in.rm, 0, false);
    }

    /** DC and DE register forms: ST(i) = ST(0) op ST(i) by the reg field (E0: ST(0)-ST(i)), popping for DE. */
    static void arithSti(Cpu cpu, Insn in, boolean popAfter) {
        Fpu f = op(cpu, in);
        int kind = (in.modrm >>> 3) & 7;
        arithRegs(f, kind, in.rm, in.rm, popAfter);
    }

    private static void arithRegs(Fpu f, int kind, int i, int dest, boolean popAfter) {
        if (f.empty(0) || f.empty(i)) {
            if (underflow(f)) {
                write(f, dest, Ext80.INDEF_SE, Ext80.INDEF_M);
                if (popAfter) pop(f);
            }
            return;
        }
        compute(f, kind, seOf(f, 0), mOf(f, 0), seOf(f, i), mOf(f, i));
        finishArith(f, dest, popAfter);
    }

    // ------------------------------------------------------------------ comparisons

    private static int ccOf(int r) {
        return switch (r) {
            case Ext80.LESS -> C0;
            case Ext80.EQUAL -> C3;
            case Ext80.GREATER -> 0;
            default -> C3 | C2 | C0;
        };
    }

    private static void finishCompare(Fpu f, int r, int pops) {
        int fl = f.x.flags;
        boolean blocked = blocked(f, fl);
        raise(f, fl);
        if (blocked) return;
        setCc(f, ccOf(r));
        for (int k = 0; k < pops; k++) pop(f);
    }

    private static void compareRegs(Fpu f, int i, int pops, boolean ordered) {
        if (f.empty(0) || f.empty(i)) {
            if (underflow(f)) {
                setCc(f, C3 | C2 | C0);
                for (int k = 0; k < pops; k++) pop(f);
            }
            return;
        }
        int r = f.x.compare(seOf(f, 0), mOf(f, 0), seOf(f, i), mOf(f, i), ordered);
        finishCompare(f, r, pops);
    }

    /** FCOM/FCOMP/FCOM2/FCOMP3/FCOMP5 ST(i). */
    static void fcom(Cpu cpu, Insn in, int pops) {
        compareRegs(op(cpu, in), in.rm, pops, true);
    }

    /** FUCOM/FUCOMP ST(i). */
    static void fucom(Cpu cpu, Insn in, int pops) {
        compareRegs(op(cpu, in), in.rm, pops, false);
    }

    /** FCOMPP (DE D9), FUCOMPP (DA E9): compare ST(0) with ST(1) and pop twice. */
    static void fcompp(Cpu cpu, Insn in, boolean ordered) {
        compareRegs(op(cpu, in), 1, 2, ordered);
    }

    /** FCOMI/FCOMIP/FUCOMI/FUCOMIP: ZF, PF, CF from the comparison; OF, SF, AF cleared (SDM Vol.2A FCOMI). */
    static void fcomi(Cpu cpu, Insn in, boolean ordered, boolean popAfter) {
        Fpu f = op(cpu, in);
        int i = in.rm;
        int r;
        if (f.empty(0) || f.empty(i)) {
            if (!underflow(f)) return;
            r = Ext80.UNORDERED;
        } else {
            r = f.x.compare(seOf(f, 0), mOf(f, 0), seOf(f, i), mOf(f, i), ordered);
            int fl = f.x.flags;
            boolean blocked = blocked(f, fl);
            raise(f, fl);
            if (blocked) return;
        }
        int bits = switch (r) {
            case Ext80.LESS -> CpuState.CF;
            case Ext80.EQUAL -> CpuState.ZF;
            case Ext80.GREATER -> 0;
            default -> CpuState.ZF | CpuState.PF | CpuState.CF;
        };
        cpu.st.setArithFlags(bits);
        if (popAfter) pop(f);
    }

    /** FTST: compare ST(0) with +0.0. */
    static void ftst(Cpu cpu, Insn in) {
        Fpu f = op(cpu, in);
        if (f.empty(0)) {
            if (underflow(f)) setCc(f, C3 | C2 | C0);
            return;
        }
        int r = f.x.compare(seOf(f, 0), mOf(f, 0), 0, 0, true);
        finishCompare(f, r, 0);
    }

    /** FXAM: the class of ST(0) in C3, C2, C0 and its sign in C1 (SDM Vol.2A FXAM). */
    static void fxam(Cpu cpu, Insn in) {
        Fpu f = op(cpu, in);
        int se = seOf(f, 0);
        long m = mOf(f, 0);
        int cc;
        int e = se & 0x7FFF;
        if (f.empty(0)) cc = C3 | C0;
        else if (Ext80.isUnsupported(se, m)) cc = 0;
        else if (Ext80.isNaN(se, m)) cc = C0;
        else if (Ext80.isInf(se, m)) cc = C2 | C0;
        else if (e == 0) cc = m == 0 ? C3 : C3 | C2;
        else cc = C2;
        if ((se & 0x8000) != 0) cc |= C1;
        setCc(f, cc);
    }

    /** FICOM/FICOMP m16int / m32int. */
    static void ficom(Cpu cpu, Insn in, int bits, boolean popAfter) {
        Fpu f = op(cpu, in);
        int off = cpu.ea(in);
        Ext80 x = f.x;
        x.fromLong(bits == 16 ? (short) cpu.read16(in.seg, off) : cpu.read32(in.seg, off));
        int bse = x.se;
        long bm = x.m;
        if (f.empty(0)) {
            if (underflow(f)) {
                setCc(f, C3 | C2 | C0);
                if (popAfter) pop(f);
            }
            return;
        }
        int r = x.compare(seOf(f, 0), mOf(f, 0), bse, bm, true);
        finishCompare(f, r, popAfter ? 1 : 0);
    }

    // ------------------------------------------------------------------ loads and stores

    /** FLD m32fp / m64fp: converted exactly; SNaN quieted with IE, denormal sources raise DE. */
    static void fldReal(Cpu cpu, Insn in, int format) {
        Fpu f = op(cpu, in);
        Ext80 x = f.x;
        int off = cpu.ea(in);
        if (format == 32) {
            int v = cpu.read32(in.seg, off);
            if (Ext80.isDenormal32(v)) x.flags |= Ext80.DE;
            x.fromFloat32(v);
        } else {
            long v = read64(cpu, in.seg, off);
            if (Ext80.isDenormal64(v)) x.flags |= Ext80.DE;
            x.fromFloat64(v);
        }
        if (Ext80.isSNaN(x.se, x.m)) {
            x.flags |= Ext80.IE;
            x.m |= 0x4000000000000000L;
        }
        loadFinish(f);
    }

    private static void loadFinish(Fpu f) {
        Ext80 x = f.x;
        if (!f.empty(7)) {
            if (overflow(f)) push(f, Ext80.INDEF_SE, Ext80.INDEF_M);
            return;
        }
        int fl = x.flags;
        boolean blocked = blocked(f, fl);
        raise(f, fl);
        setC1(f, false);
        if (!blocked) push(f, x.se, x.m);
    }

    /** FLD m80fp: no conversion, no exception but stack overflow. */
    static void fldExt(Cpu cpu, Insn in) {
        Fpu f = op(cpu, in);
        int off = cpu.ea(in);
        long m = read64(cpu, in.seg, off);
        int se = cpu.read16(in.seg, off + 8);
        f.x.se = se;
        f.x.m = m;
        loadFinish(f);
    }

    /** FILD m16int / m32int / m64int (exact). */
    static void fild(Cpu cpu, Insn in, int bits) {
        Fpu f = op(cpu, in);
        int off = cpu.ea(in);
        long v = switch (bits) {
            case 16 -> (short) cpu.read16(in.seg, off);
            case 32 -> cpu.read32(in.seg, off);
            default -> read64(cpu, in.seg, off);
        };
        f.x.fromLong(v);
        loadFinish(f);
    }

    /** FLD ST(i). */
    static void fldSt(Cpu cpu, Insn in) {
        Fpu f = op(cpu, in);
        int i = in.rm;
        if (f.empty(i)) {
            // An empty source is a stack underflow (C1 = 0) even when the push also overflows.
            if (underflow(f)) push(f, Ext80.INDEF_SE, Ext80.INDEF_M);
            return;
        }
        f.x.se = seOf(f, i);
        f.x.m = mOf(f, i);
        loadFinish(f);
    }

    /** FLD1, FLDZ and the ROM constants, rounded to 64 bits by RC (SDM Vol.2A FLD1/FLDL2T/...: 8.3.8). */
    static void fldConst(Cpu cpu, Insn in, int which) {
        Fpu f = op(cpu, in);
        Ext80 x = f.x;
        int rc = x.rc;
        boolean down = rc == Ext80.RD || rc == Ext80.RZ;
        switch (which) {
            case 0 -> set(x, 0x3FFF, Ext80.INT_BIT);                                        // 1
            case 1 -> set(x, 0x4000, rc == Ext80.RU ? 0xD49A784BCD1B8AFFL : 0xD49A784BCD1B8AFEL);  // log2(10)
            case 2 -> set(x, 0x3FFF, down ? 0xB8AA3B295C17F0BBL : 0xB8AA3B295C17F0BCL);     // log2(e)
            case 3 -> set(x, 0x4000, down ? 0xC90FDAA22168C234L : 0xC90FDAA22168C235L);     // pi
            case 4 -> set(x, 0x3FFD, down ? 0x9A209A84FBCFF798L : 0x9A209A84FBCFF799L);     // log10(2)
            case 5 -> set(x, 0x3FFE, down ? 0xB17217F7D1CF79ABL : 0xB17217F7D1CF79ACL);     // ln(2)
            default -> set(x, 0, 0);                                                         // +0
        }
        loadFinish(f);
    }

    private static void set(Ext80 x, int se, long m) {
        x.se = se;
        x.m = m;
    }

    /** FST/FSTP m32fp or m64fp: rounded to the format by RC (PC does not apply), then optionally popped. */
    static void fstReal(Cpu cpu, Insn in, int format, boolean popAfter) {
        Fpu f = op(cpu, in);
        Ext80 x = f.x;
        int off = cpu.ea(in);
        if (format == 32) cpu.linWrite(in.seg, off, 4);
        else cpu.linWrite(in.seg, off, 8);
        if (f.empty(0)) {
            if (underflow(f)) {
                if (format == 32) cpu.write32(in.seg, off, 0xFFC00000);
                else write64(cpu, in.seg, off, 0xFFF8000000000000L);
                if (popAfter) pop(f);
            }
            return;
        }
        int se = seOf(f, 0);
        long m = mOf(f, 0);
        x.noStore = false;
        int v32 = 0;
        long v64 = 0;
        if (format == 32) v32 = x.toFloat32(se, m);
        else v64 = x.toFloat64(se, m);
        int fl = x.flags;
        boolean blocked = blocked(f, fl) || x.noStore;
        raise(f, fl);
        setC1(f, x.up && !blocked);
        if (blocked) return;
        if (format == 32) cpu.write32(in.seg, off, v32);
        else write64(cpu, in.seg, off, v64);
        if (popAfter) pop(f);
    }

    /** FSTP m80fp: stored unchanged. */
    static void fstpExt(Cpu cpu, Insn in) {
        Fpu f = op(cpu, in);
        int lin = probe80(cpu, in.seg, cpu.ea(in));
        if (f.empty(0)) {
            if (underflow(f)) {
                write80(cpu, lin, Ext80.INDEF_M, Ext80.INDEF_SE);
                pop(f);
            }
            return;
        }
        write80(cpu, lin, mOf(f, 0), seOf(f, 0));
        setC1(f, false);
        pop(f);
    }

    /** FST/FSTP ST(i) and the aliases FSTP1/FSTP8/FSTP9. */
    static void fstSt(Cpu cpu, Insn in, boolean popAfter) {
        Fpu f = op(cpu, in);
        int i = in.rm;
        if (f.empty(0)) {
            if (underflow(f)) {
                write(f, i, Ext80.INDEF_SE, Ext80.INDEF_M);
                if (popAfter) pop(f);
            }
            return;
        }
        write(f, i, seOf(f, 0), mOf(f, 0));
        setC1(f, false);
        if (popAfter) pop(f);
    }

    /** FIST/FISTP m16int / m32int / m64int, rounded by RC; the integer indefinite when it does not fit. */
    static void fist(Cpu cpu, Insn in, int bits, boolean popAfter) {
        Fpu f = op(cpu, in);
        Ext80 x = f.x;
        int off = cpu.ea(in);
        cpu.linWrite(in.seg, off, bits / 8);
        long v;
        if (f.empty(0)) {
            if (!underflow(f)) return;
            v = Long.MIN_VALUE;
        } else {
            v = x.toInteger(seOf(f, 0), mOf(f, 0), bits);
            int fl = x.flags;
            boolean blocked = blocked(f, fl);
            raise(f, fl);
            setC1(f, x.up && !blocked);
            if (blocked) return;
            if (x.intInvalid) v = Long.MIN_VALUE;
        }
        switch (bits) {
            case 16 -> cpu.write16(in.seg, off, (int) (v == Long.MIN_VALUE ? 0x8000 : v));
            case 32 -> cpu.write32(in.seg, off, (int) (v == Long.MIN_VALUE ? 0x80000000 : v));
            default -> write64(cpu, in.seg, off, v);
        }
        if (popAfter) pop(f);
    }

    /** FBLD m80bcd: 18 packed decimal digits and a sign byte, loaded exactly. */
    static void fbld(Cpu cpu, Insn in) {
        Fpu f = op(cpu, in);
        int off = cpu.ea(in);
        long lo = read64(cpu, in.seg, off);
        int hi = cpu.read16(in.seg, off + 8);
        long v = 0;
        for (int k = 8; k >= 0; k--) {
            int b = k == 8 ? hi & 0xFF : (int) (lo >>> (8 * k)) & 0xFF;
            v = v * 100 + (b >>> 4) * 10 + (b & 0xF);
        }
        boolean neg = (hi & 0x8000) != 0;
        f.x.fromLong(v);
        if (neg) f.x.se |= 0x8000;
        loadFinish(f);
    }

    /** FBSTP m80bcd: rounded to an integer by RC; the BCD indefinite when |value| is 10^18 or more. */
    static void fbstp(Cpu cpu, Insn in) {
        Fpu f = op(cpu, in);
        Ext80 x = f.x;
        int lin = probe80(cpu, in.seg, cpu.ea(in));
        long digits;
        int sign;
        if (f.empty(0)) {
            if (!underflow(f)) return;
            write80(cpu, lin, 0xC000000000000000L, 0xFFFF);
            pop(f);
            return;
        }
        int se = seOf(f, 0);
        long v = x.toInteger(se, mOf(f, 0), 64);
        boolean bad = x.intInvalid || v >= 1_000_000_000_000_000_000L || v <= -1_000_000_000_000_000_000L;
        if (bad && !x.intInvalid) x.flags = (x.flags & ~Ext80.PE) | Ext80.IE;
        int fl = x.flags;
        boolean blocked = blocked(f, fl);
        raise(f, fl);
        setC1(f, x.up && !blocked && !bad);
        if (blocked) return;
        if (bad) {
            write80(cpu, lin, 0xC000000000000000L, 0xFFFF);
        } else {
            sign = (se & 0x8000) != 0 ? 0x8000 : 0;
            long mag = Math.abs(v);
            digits = 0;
            for (int k = 0; k < 16; k++) {
                digits |= (mag % 10) << (4 * k);
                mag /= 10;
            }
            int top = (int) (mag % 10) | (int) ((mag / 10) % 10) << 4;
            write80(cpu, lin, digits, sign | top);
        }
        pop(f);
    }

    // ------------------------------------------------------------------ simple register operations

    /** FXCH ST(i) and the aliases FXCH4/FXCH7: an empty register reads as the indefinite when IE is masked. */
    static void fxch(Cpu cpu, Insn in) {
        Fpu f = op(cpu, in);
        int i = in.rm;
        if (f.empty(0) || f.empty(i)) {
            if (!underflow(f)) return;
            if (f.empty(0)) write(f, 0, Ext80.INDEF_SE, Ext80.INDEF_M);
            if (f.empty(i)) write(f, i, Ext80.INDEF_SE, Ext80.INDEF_M);
        } else {
            setC1(f, false);
        }
        int se = seOf(f, 0);
        long m = mOf(f, 0);
        write(f, 0, seOf(f, i), mOf(f, i));
        write(f, i, se, m);
    }

    /** FCHS (0) and FABS (1). */
    static void signOp(Cpu cpu, Insn in, int which) {
        Fpu f = op(cpu, in);
        if (f.empty(0)) {
            if (underflow(f)) write(f, 0, Ext80.INDEF_SE, Ext80.INDEF_M);
            return;
        }
        int se = seOf(f, 0);
        write(f, 0, which == 0 ? se ^ 0x8000 : se & 0x7FFF, mOf(f, 0));
        setC1(f, false);
    }

    /** FSQRT (0) and FRNDINT (1) on ST(0). */
    static void unary(Cpu cpu, Insn in, int which) {
        Fpu f = op(cpu, in);
        if (f.empty(0)) {
            if (underflow(f)) write(f, 0, Ext80.INDEF_SE, Ext80.INDEF_M);
            return;
        }
        Ext80 x = f.x;
        if (which == 0) x.sqrt(seOf(f, 0), mOf(f, 0), prec(f));
        else x.roundToIntegral(seOf(f, 0), mOf(f, 0));
        finishArith(f, 0, false);
    }

    /** FCMOVcc ST(0), ST(i): {@code cc} is the integer condition (Jcc numbering), FCMOVNcc its negation. */
    static void fcmov(Cpu cpu, Insn in, int cc) {
        Fpu f = op(cpu, in);
        int i = in.rm;
        if (f.empty(0) || f.empty(i)) {
            if (underflow(f)) write(f, 0, Ext80.INDEF_SE, Ext80.INDEF_M);
            return;
        }
        if (cpu.st.cond(cc)) write(f, 0, seOf(f, i), mOf(f, i));
    }

    /** FFREE ST(i), and FFREEP (FFREE then pop). */
    static void ffree(Cpu cpu, Insn in, boolean popAfter) {
        Fpu f = op(cpu, in);
        f.valid &= ~(1 << f.phys(in.rm));
        setC1(f, false);   // the SDM leaves C0..C3 undefined; the reference processor clears C1
        if (popAfter) pop(f);
    }

    /** FINCSTP (+1) and FDECSTP (-1): TOP moves, tags unchanged, C1 = 0. */
    static void stackPointer(Cpu cpu, Insn in, int delta) {
        Fpu f = op(cpu, in);
        f.top = (f.top + delta) & 7;
        setC1(f, false);
    }

    /** FNOP, and FNENI/FNDISI/FNSETPM which the 387 and later execute as FNOP. */
    static void fnop(Cpu cpu, Insn in) {
        op(cpu, in);
    }

    // ------------------------------------------------------------------ control instructions

    /** FNINIT (SDM Vol.2A FINIT/FNINIT). */
    static void fninit(Cpu cpu) {
        begin(cpu, false).init();
    }

    /** FNCLEX: clears PE..IE, SF, ES and B. */
    static void fnclex(Cpu cpu) {
        Fpu f = begin(cpu, false);
        f.sw &= ~(0xFF | B);
    }

    /** FLDCW m2byte: bit 6 reads as 1, bits 15:13 as 0; ES follows the new masks. */
    static void fldcw(Cpu cpu, Insn in) {
        Fpu f = begin(cpu, true);
        f.cw = (cpu.read16(in.seg, cpu.ea(in)) & 0x1F3F) | 0x40;
        f.updateSummary();
    }

    /** FNSTCW m2byte. */
    static void fnstcw(Cpu cpu, Insn in) {
        Fpu f = begin(cpu, false);
        cpu.write16(in.seg, cpu.ea(in), f.cw);
    }

    /** FNSTSW m2byte. */
    static void fnstswMem(Cpu cpu, Insn in) {
        Fpu f = begin(cpu, false);
        cpu.write16(in.seg, cpu.ea(in), f.status());
    }

    /** FNSTSW AX. */
    static void fnstswAx(Cpu cpu) {
        Fpu f = begin(cpu, false);
        cpu.gpr[0] = (cpu.gpr[0] & 0xFFFF0000) | f.status();
    }

    /** WAIT/FWAIT: #NM when CR0.MP and CR0.TS are both set; #MF when an unmasked exception is pending. */
    static void fwait(Cpu cpu) {
        int cr0 = cpu.st.cr0;
        if ((cr0 & CpuState.CR0_MP) != 0 && (cr0 & CpuState.CR0_TS) != 0) throw new CpuFault(CpuFault.NM, CpuFault.NO_ERROR_CODE);
        if ((cpu.st.fpu.sw & ES) != 0) throw new CpuFault(CpuFault.MF, CpuFault.NO_ERROR_CODE);
    }

    /** The environment layout the operand size and mode choose (SDM Vol.1 Figures 8-9 to 8-12). */
    private static boolean realFormat(Cpu cpu) {
        return !cpu.st.protectedMode() || cpu.st.v86();
    }

    /** Writes the 14- or 28-byte environment at seg:off. Checks the whole range first. */
    private static void storeEnv(Cpu cpu, Insn in, Fpu f, int off, int extra) {
        boolean o32 = in.opsize == 4;
        int size = (o32 ? 28 : 14) + extra;
        int lin = cpu.linWrite(in.seg, off, size);
        cpu.mmu.probeWrite(lin, 1);
        cpu.mmu.probeWrite(lin + size - 1, 1);
        int cw = f.cw, sw = f.status(), tw = f.tagWord();
        boolean real = realFormat(cpu);
        if (o32) {
            cpu.mmu.write32(lin, 0xFFFF0000 | cw);
            cpu.mmu.write32(lin + 4, 0xFFFF0000 | sw);
            cpu.mmu.write32(lin + 8, 0xFFFF0000 | tw);
            if (real) {
                int ip = (f.fcs << 4) + f.fip, dp = (f.fds << 4) + f.fdp;
                cpu.mmu.write32(lin + 12, 0xFFFF0000 | (ip & 0xFFFF));
                cpu.mmu.write32(lin + 16, ((ip >>> 16) & 0xFFFF) << 12 | (f.fop & 0x7FF));
                cpu.mmu.write32(lin + 20, 0xFFFF0000 | (dp & 0xFFFF));
                cpu.mmu.write32(lin + 24, ((dp >>> 16) & 0xFFFF) << 12);
            } else {
                cpu.mmu.write32(lin + 12, f.fip);
                cpu.mmu.write32(lin + 16, (f.fcs & 0xFFFF) | (f.fop & 0x7FF) << 16);
                cpu.mmu.write32(lin + 20, f.fdp);
                cpu.mmu.write32(lin + 24, 0xFFFF0000 | (f.fds & 0xFFFF));
            }
        } else {
            cpu.mmu.write16(lin, cw);
            cpu.mmu.write16(lin + 2, sw);
            cpu.mmu.write16(lin + 4, tw);
            if (real) {
                int ip = (f.fcs << 4) + f.fip, dp = (f.fds << 4) + f.fdp;
                cpu.mmu.write16(lin + 6, ip);
                cpu.mmu.write16(lin + 8, ((ip >>> 16) & 0xF) << 12 | (f.fop & 0x7FF));
                cpu.mmu.write16(lin + 10, dp);
                cpu.mmu.write16(lin + 12, ((dp >>> 16) & 0xF) << 12);
            } else {
                cpu.mmu.write16(lin + 6, f.fip);
                cpu.mmu.write16(lin + 8, f.fcs);
                cpu.mmu.write16(lin + 10, f.fdp);
                cpu.mmu.write16(lin + 12, f.fds);
            }
        }
    }

    /** Reads the environment at seg:off into the FPU. */
    private static void loadEnv(Cpu cpu, Insn in, Fpu f, int off) {
        boolean o32 = in.opsize == 4;
        boolean real = realFormat(cpu);
        int cw, sw, tw;
        if (o32) {
            cw = cpu.read16(in.seg, off);
            sw = cpu.read16(in.seg, off + 4);
            tw = cpu.read16(in.seg, off + 8);
            if (real) {
                int ip = cpu.read16(in.seg, off + 12) | (cpu.read32(in.seg, off + 16) >>> 12 & 0xFFFF) << 16;
                f.fop = cpu.read16(in.seg, off + 16) & 0x7FF;
                int dp = cpu.read16(in.seg, off + 20) | (cpu.read32(in.seg, off + 24) >>> 12 & 0xFFFF) << 16;
                f.fip = ip;
                f.fcs = 0;
                f.fdp = dp;
                f.fds = 0;
            } else {
                f.fip = cpu.read32(in.seg, off + 12);
                int w = cpu.read32(in.seg, off + 16);
                f.fcs = w & 0xFFFF;
                f.fop = (w >>> 16) & 0x7FF;
                f.fdp = cpu.read32(in.seg, off + 20);
                f.fds = cpu.read16(in.seg, off + 24);
            }
        } else {
            cw = cpu.read16(in.seg, off);
            sw = cpu.read16(in.seg, off + 2);
            tw = cpu.read16(in.seg, off + 4);
            if (real) {
                int w = cpu.read16(in.seg, off + 8);
                f.fip = cpu.read16(in.seg, off + 6) | (w >>> 12) << 16;
                f.fop = w & 0x7FF;
                f.fdp = cpu.read16(in.seg, off + 10) | (cpu.read16(in.seg, off + 12) >>> 12) << 16;
                f.fcs = 0;
                f.fds = 0;
            } else {
                f.fip = cpu.read16(in.seg, off + 6);
                f.fcs = cpu.read16(in.seg, off + 8);
                f.fdp = cpu.read16(in.seg, off + 10);
                f.fds = cpu.read16(in.seg, off + 12);
            }
        }
        f.cw = (cw & 0x1F3F) | 0x40;
        f.setStatus(sw);
        f.setTagWord(tw);
        f.updateSummary();
    }

    /** FNSTENV: stores the environment, then masks all exceptions (SDM Vol.2A FSTENV/FNSTENV). */
    static void fnstenv(Cpu cpu, Insn in) {
        Fpu f = begin(cpu, false);
        storeEnv(cpu, in, f, cpu.ea(in), 0);
        f.cw |= 0x3F;
    }

    /** FLDENV. */
    static void fldenv(Cpu cpu, Insn in) {
        Fpu f = begin(cpu, false);
        int off = cpu.ea(in);
        cpu.linRead(in.seg, off, in.opsize == 4 ? 28 : 14);
        loadEnv(cpu, in, f, off);
    }

    /** FNSAVE: environment and the eight registers in stack order, then FNINIT. */
    static void fnsave(Cpu cpu, Insn in) {
        Fpu f = begin(cpu, false);
        int off = cpu.ea(in);
        int env = in.opsize == 4 ? 28 : 14;
        storeEnv(cpu, in, f, off, 80);
        for (int i = 0; i < 8; i++) {
            int lin = cpu.linWrite(in.seg, off + env + 10 * i, 10);
            write80(cpu, lin, mOf(f, i), seOf(f, i));
        }
        f.init();
    }

    /** FRSTOR. */
    static void frstor(Cpu cpu, Insn in) {
        Fpu f = begin(cpu, false);
        int off = cpu.ea(in);
        int env = in.opsize == 4 ? 28 : 14;
        cpu.linRead(in.seg, off, env + 80);
        long[] m = new long[8];
        int[] se = new int[8];
        for (int i = 0; i < 8; i++) {
            m[i] = read64(cpu, in.seg, off + env + 10 * i);
            se[i] = cpu.read16(in.seg, off + env + 10 * i + 8);
        }
        loadEnv(cpu, in, f, off);
        for (int i = 0; i < 8; i++) {
            int p = f.phys(i);
            f.mant[p] = m[i];
            f.sexp[p] = se[i];
        }
    }

    // ------------------------------------------------------------------ FXTRACT, FSCALE, FPREM, FPREM1

    private static void indef(Fpu f, int i) {
        write(f, i, Ext80.INDEF_SE, Ext80.INDEF_M);
    }

    /** FXTRACT: ST(0) becomes the exponent (a real), then the significand (exponent 3FFF) is pushed. */
    static void fxtract(Cpu cpu, Insn in) {
        Fpu f = op(cpu, in);
        if (f.empty(0)) {
            // Masked: the indefinite in ST(0) and pushed, whatever ST(7) holds (the reference processor's response).
            if (underflow(f)) {
                indef(f, 0);
                push(f, Ext80.INDEF_SE, Ext80.INDEF_M);
            }
            return;
        }
        if (!f.empty(7)) {
            if (overflow(f)) {
                indef(f, 0);
                push(f, Ext80.INDEF_SE, Ext80.INDEF_M);
            }
            return;
        }
        Ext80 x = f.x;
        int se = seOf(f, 0);
        long m = mOf(f, 0);
        int eSe, sSe;
        long eM, sM;
        if (x.nanOperand(se, m)) {
            eSe = sSe = x.se;
            eM = sM = x.m;
        } else if (Ext80.isInf(se, m)) {
            eSe = 0x7FFF;
            eM = Ext80.INT_BIT;
            sSe = se;
            sM = m;
        } else if (Ext80.isZero(se, m)) {
            x.flags |= Ext80.ZE;
            eSe = 0xFFFF;
            eM = Ext80.INT_BIT;
            sSe = se;
            sM = m;
        } else {
            int e = x.unpackExp(se, m);
            sSe = (se & 0x8000) | 0x3FFF;
            sM = x.unpackedSig();
            x.fromLong(e);
            eSe = x.se;
            eM = x.m;
        }
        int fl = x.flags;
        boolean blocked = blocked(f, fl);
        raise(f, fl);
        if (blocked) return;
        setC1(f, false);
        write(f, 0, eSe, eM);
        push(f, sSe, sM);
    }

    /** FSCALE: ST(0) * 2^trunc(ST(1)), exact unless it over- or underflows (then rounded by RC at 64 bits). */
    static void fscale(Cpu cpu, Insn in) {
        Fpu f = op(cpu, in);
        if (f.empty(0) || f.empty(1)) {
            if (underflow(f)) indef(f, 0);
            return;
        }
        Ext80 x = f.x;
        int ase = seOf(f, 0), bse = seOf(f, 1);
        long am = mOf(f, 0), bm = mOf(f, 1);
        boolean bNeg = (bse & 0x8000) != 0;
        if (x.nanOperands(ase, am, bse, bm)) {
            // result in x
        } else if (Ext80.isInf(ase, am)) {
            if (Ext80.isInf(bse, bm) && bNeg) x.invalid();
            else setX(x, ase, am, bse, bm);
        } else if (Ext80.isZero(ase, am)) {
            if (Ext80.isInf(bse, bm) && !bNeg) x.invalid();
            else setX(x, ase, am, bse, bm);
        } else if (Ext80.isInf(bse, bm)) {
            if (Ext80.isDenormal(ase, am)) x.flags |= Ext80.DE;
            x.se = bNeg ? ase & 0x8000 : (ase & 0x8000) | 0x7FFF;
            x.m = bNeg ? 0 : Ext80.INT_BIT;
        } else {
            if (Ext80.isDenormal(bse, bm)) x.flags |= Ext80.DE;
            int be = (bse & 0x7FFF) - Ext80.BIAS;
            long n;
            if (Ext80.isZero(bse, bm) || be < 0) n = 0;
            else if (be >= 30) n = 1L << 30;
            else n = bm >>> (63 - be);
            if (bNeg) n = -n;
            int e = x.unpackExp(ase, am);
            long sig = x.unpackedSig();
            x.packPublic((ase & 0x8000) != 0, (int) (e + n), sig, 0, 64);   // PC does not apply to FSCALE
        }
        finishArith(f, 0, false);
    }

    private static void setX(Ext80 x, int ase, long am, int bse, long bm) {
        if (Ext80.isDenormal(bse, bm)) x.flags |= Ext80.DE;
        x.se = ase;
        x.m = am;
    }

    /**
     * FPREM (truncating quotient) and FPREM1 (IEEE, quotient rounded to nearest): exact partial remainders
     * (SDM Vol.2A FPREM). With an exponent difference D of 64 or more the reduction is partial (C2 = 1) by
     * N = 32 + (D mod 32) quotient bits, as the reference processor does.
     */
    static void fprem(Cpu cpu, Insn in, boolean ieee) {
        Fpu f = op(cpu, in);
        if (f.empty(0) || f.empty(1)) {
            if (underflow(f)) {
                indef(f, 0);
                f.sw &= ~C2;
            }
            return;
        }
        Ext80 x = f.x;
        int ase = seOf(f, 0), bse = seOf(f, 1);
        long am = mOf(f, 0), bm = mOf(f, 1);
        long q = 0;
        boolean partial = false;
        // A NaN or invalid result clears C1 and C2 and leaves C0 and C3 (the reference processor's response;
        // the SDM does not say).
        boolean noQuotient = false;
        if (x.nanOperands(ase, am, bse, bm)) {
            noQuotient = true;
        } else if (Ext80.isInf(ase, am) || Ext80.isZero(bse, bm)) {
            x.invalid();   // without DE for a denormal other operand
            noQuotient = true;
        } else if (Ext80.isZero(ase, am) || Ext80.isInf(bse, bm)) {
            if (Ext80.isDenormal(ase, am) || Ext80.isDenormal(bse, bm)) x.flags |= Ext80.DE;
            if (Ext80.isZero(ase, am)) {
                x.se = ase;
                x.m = am;
            } else {
                x.packPublic((ase & 0x8000) != 0, x.unpackExp(ase, am), x.unpackedSig(), 0, 64);
            }
        } else {
            boolean neg = (ase & 0x8000) != 0;
            int ea = x.unpackExp(ase, am);
            long ma = x.unpackedSig();
            int eb = x.unpackExp(bse, bm);
            long mb = x.unpackedSig();
            int d = ea - eb;
            if (d < 0 && !(ieee && d == -1)) {
                x.packPublic(neg, ea, ma, 0, 64);   // exact: a pseudo-denormal comes back with exponent 1
            } else if (d == -1) {
                // FPREM1 with |ST(0)| in [|ST(1)|/2, |ST(1)|): the quotient rounds to 1 above the half.
                if (Long.compareUnsigned(ma, mb) > 0) {
                    q = 1;
                    long r = (mb << 1) - ma;   // (2mb - ma) * 2^(eb-64), below mb
                    int lz = Long.numberOfLeadingZeros(r);
                    x.packPublic(!neg, eb - 1 - lz, r << lz, 0, 64);
                } else {
                    x.packPublic(neg, ea, ma, 0, 64);
                }
            } else {
                partial = d >= 64;
                int n = partial ? (d & 31) | 32 : d;
                long r = ma;
                boolean top = false;
                for (int i = 0; i <= n; i++) {
                    if (i > 0) {
                        top = r < 0;
                        r <<= 1;
                    }
                    boolean bit = top || Long.compareUnsigned(r, mb) >= 0;
                    if (bit) r -= mb;
                    q = (q << 1) | (bit ? 1 : 0);
                }
                boolean rneg = neg;
                if (ieee && !partial) {
                    int c = r < 0 ? 1 : Long.compareUnsigned(r << 1, mb);
                    if (c > 0 || (c == 0 && (q & 1) != 0)) {
                        q++;
                        r = mb - r;
                        rneg = !neg;
                    }
                }
                if (r == 0) {
                    x.se = ase & 0x8000;
                    x.m = 0;
                } else {
                    int lz = Long.numberOfLeadingZeros(r);
                    x.packPublic(rneg, eb + (d - n) - lz, r << lz, 0, 64);
                }
            }
        }
        int fl = x.flags;
        boolean blocked = blocked(f, fl);
        raise(f, fl);
        if (blocked) return;
        write(f, 0, x.se, x.m);
        if (noQuotient) {
            f.sw &= ~(C1 | C2);
            return;
        }
        int cc = partial ? C2 : ((q & 4) != 0 ? C0 : 0) | ((q & 2) != 0 ? C3 : 0) | ((q & 1) != 0 ? C1 : 0);
        setCc(f, cc);
    }

    // ------------------------------------------------------------------ transcendentals

    /** FSIN (0), FCOS (1), FSINCOS (2), FPTAN (3). Arguments of 2^63 and more set C2 and change nothing. */
    static void trig(Cpu cpu, Insn in, int which) {
        Fpu f = op(cpu, in);
        boolean pushes = which >= 2;
        if (f.empty(0)) {
            if (underflow(f)) {
                indef(f, 0);
                if (pushes && f.empty(7)) push(f, Ext80.INDEF_SE, Ext80.INDEF_M);
            }
            return;
        }
        if (pushes && !f.empty(7)) {
            if (overflow(f)) {
                indef(f, 0);
                push(f, Ext80.INDEF_SE, Ext80.INDEF_M);
            }
            return;
        }
        Ext80 x = f.x;
        int se = seOf(f, 0);
        long m = mOf(f, 0);
        int s0 = 0, s1 = 0;
        long m0 = 0, m1 = 0;
        boolean up0 = false;
        if (x.nanOperand(se, m)) {
            s0 = s1 = x.se;
            m0 = m1 = x.m;
        } else if (Ext80.isInf(se, m)) {
            x.invalid();
            s0 = s1 = x.se;
            m0 = m1 = x.m;
        } else if ((se & 0x7FFF) >= Ext80.BIAS + 63) {
            f.sw |= C2;
            return;
        } else if (Ext80.isZero(se, m)) {
            boolean cosine = which == 1 || which == 2;   // s0/m0: the result (FSINCOS: the cosine pushed)
            s0 = cosine ? 0x3FFF : se;
            m0 = cosine ? Ext80.INT_BIT : 0;
            s1 = which == 2 ? se : 0x3FFF;                // FSINCOS: the sine; FPTAN: 1.0
            m1 = which == 2 ? 0 : Ext80.INT_BIT;
        } else {
            if (Ext80.isDenormal(se, m)) x.flags |= Ext80.DE;
            java.math.BigDecimal v = ntgate.cpu.fpu.Transcendental.value(se, m);
            switch (which) {
                case 0 -> ntgate.cpu.fpu.Transcendental.round(x, ntgate.cpu.fpu.Transcendental.sin(v));
                case 1 -> ntgate.cpu.fpu.Transcendental.round(x, ntgate.cpu.fpu.Transcendental.cos(v));
                case 3 -> ntgate.cpu.fpu.Transcendental.round(x, ntgate.cpu.fpu.Transcendental.tan(v));
                default -> {
                    ntgate.cpu.fpu.Transcendental.round(x, ntgate.cpu.fpu.Transcendental.sin(v));
                    s1 = x.se;
                    m1 = x.m;
                    up0 = x.up;
                    ntgate.cpu.fpu.Transcendental.round(x, ntgate.cpu.fpu.Transcendental.cos(v));
                }
            }
            s0 = x.se;
            m0 = x.m;
            if (which == 3) {
                s1 = 0x3FFF;
                m1 = Ext80.INT_BIT;
            }
        }
        int fl = x.flags;
        boolean blocked = blocked(f, fl);
        raise(f, fl);
        if (blocked) return;
        f.sw &= ~C2;
        setC1(f, x.up || up0);
        if (which == 2) {
            // FSINCOS: ST(0) = sine, then the cosine is pushed.
            write(f, 0, s1, m1);
            push(f, s0, m0);
        } else {
            write(f, 0, s0, m0);
            if (which == 3) push(f, s1, m1);
        }
    }

    /** F2XM1: 2^ST(0) - 1. */
    static void f2xm1(Cpu cpu, Insn in) {
        Fpu f = op(cpu, in);
        if (f.empty(0)) {
            if (underflow(f)) indef(f, 0);
            return;
        }
        Ext80 x = f.x;
        int se = seOf(f, 0);
        long m = mOf(f, 0);
        if (x.nanOperand(se, m)) {
            // result in x
        } else if (Ext80.isInf(se, m)) {
            x.se = (se & 0x8000) != 0 ? 0xBFFF : se;
            x.m = Ext80.INT_BIT;
        } else if (Ext80.isZero(se, m)) {
            x.se = se;
            x.m = m;
        } else {
            if (Ext80.isDenormal(se, m)) x.flags |= Ext80.DE;
            ntgate.cpu.fpu.Transcendental.round(x, ntgate.cpu.fpu.Transcendental.f2xm1(ntgate.cpu.fpu.Transcendental.value(se, m)));
        }
        finishArith(f, 0, false);
    }

    /** FYL2X (plusOne false) and FYL2XP1: ST(1) = ST(1) * log2(ST(0) [+ 1]), then pop. */
    static void fyl2x(Cpu cpu, Insn in, boolean plusOne) {
        Fpu f = op(cpu, in);
        if (f.empty(0) || f.empty(1)) {
            if (underflow(f)) {
                indef(f, 1);
                pop(f);
            }
            return;
        }
        Ext80 x = f.x;
        int xse = seOf(f, 0), yse = seOf(f, 1);
        long xm = mOf(f, 0), ym = mOf(f, 1);
        if (!x.nanOperands(xse, xm, yse, ym)) {
            if (Ext80.isDenormal(xse, xm) || Ext80.isDenormal(yse, ym)) x.flags |= Ext80.DE;
            boolean xNeg = (xse & 0x8000) != 0, yNeg = (yse & 0x8000) != 0;
            boolean xZero = Ext80.isZero(xse, xm), yZero = Ext80.isZero(yse, ym);
            boolean xInf = Ext80.isInf(xse, xm), yInf = Ext80.isInf(yse, ym);
            java.math.BigDecimal xv = xInf ? null : ntgate.cpu.fpu.Transcendental.value(xse, xm);
            // The sign of log2(x [+1]): -1, 0 (x = 1, or x = 0 for FYL2XP1), +1.
            int logSign;
            if (plusOne) {
                logSign = xZero ? 0 : xNeg ? -1 : 1;
            } else {
                logSign = xInf ? 1 : xZero ? -2 : xv.compareTo(java.math.BigDecimal.ONE);
            }
            boolean domain = plusOne ? !(xInf && xNeg) && (xInf || xv.compareTo(java.math.BigDecimal.ONE.negate()) > 0)
                    : !(xNeg && !xZero);
            if (!domain) {
                x.invalid();
            } else if (!plusOne && xZero) {
                if (yZero) x.invalid();
                else {
                    if (!yInf) x.flags |= Ext80.ZE;
                    x.se = yNeg ? 0x7FFF : 0xFFFF;
                    x.m = Ext80.INT_BIT;
                }
            } else if (xInf) {
                if (yZero) x.invalid();
                else {
                    x.se = yNeg ? 0xFFFF : 0x7FFF;
                    x.m = Ext80.INT_BIT;
                }
            } else if (yInf) {
                if (logSign == 0) x.invalid();
                else {
                    x.se = (yNeg ^ (logSign < 0)) ? 0xFFFF : 0x7FFF;
                    x.m = Ext80.INT_BIT;
                }
            } else if (yZero || logSign == 0) {
                boolean neg = yNeg ^ (plusOne ? xNeg : logSign < 0);
                if (logSign == 0 && !plusOne) neg = yNeg;
                x.se = neg ? 0x8000 : 0;
                x.m = 0;
            } else {
                java.math.BigDecimal yv = ntgate.cpu.fpu.Transcendental.value(yse, ym);
                ntgate.cpu.fpu.Transcendental.round(x, plusOne ? ntgate.cpu.fpu.Transcendental.yl2xp1(yv, xv)
                        : ntgate.cpu.fpu.Transcendental.yl2x(yv, xv));
            }
        }
        finishArith(f, 1, true);
    }

    /** FPATAN: ST(1) = arctan(ST(1) / ST(0)) with the quadrant of (ST(0), ST(1)), then pop. */
    static void fpatan(Cpu cpu, Insn in) {
        Fpu f = op(cpu, in);
        if (f.empty(0) || f.empty(1)) {
            if (underflow(f)) {
                indef(f, 1);
                pop(f);
            }
            return;
        }
        Ext80 x = f.x;
        int xse = seOf(f, 0), yse = seOf(f, 1);
        long xm = mOf(f, 0), ym = mOf(f, 1);
        if (!x.nanOperands(xse, xm, yse, ym)) {
            if (Ext80.isDenormal(xse, xm) || Ext80.isDenormal(yse, ym)) x.flags |= Ext80.DE;
            boolean xNeg = (xse & 0x8000) != 0, yNeg = (yse & 0x8000) != 0;
            boolean xInf = Ext80.isInf(xse, xm), yInf = Ext80.isInf(yse, ym);
            java.math.BigDecimal pi = new java.math.BigDecimal("3.14159265358979323846264338327950288419716939937510582097494459");
            java.math.BigDecimal r;
            if (Ext80.isZero(yse, ym)) {
                r = xNeg ? pi : java.math.BigDecimal.ZERO;
            } else if (yInf) {
                r = xInf ? (xNeg ? pi.multiply(java.math.BigDecimal.valueOf(3)).divide(java.math.BigDecimal.valueOf(4)) : pi.divide(java.math.BigDecimal.valueOf(4)))
                        : pi.divide(java.math.BigDecimal.valueOf(2));
            } else if (xInf) {
                r = xNeg ? pi : java.math.BigDecimal.ZERO;
            } else {
                r = ntgate.cpu.fpu.Transcendental.atan2(ntgate.cpu.fpu.Transcendental.value(yse & 0x7FFF, ym),
                        ntgate.cpu.fpu.Transcendental.value(xse, xm));
            }
            if (r.signum() == 0) {
                x.se = yNeg ? 0x8000 : 0;
                x.m = 0;
            } else {
                ntgate.cpu.fpu.Transcendental.round(x, yNeg ? r.negate() : r);
            }
        }
        finishArith(f, 1, true);
    }

}
