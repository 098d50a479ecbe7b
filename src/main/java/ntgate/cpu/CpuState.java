package ntgate.cpu;

/**
 * The architectural state of one IA-32 processor, and nothing else: registers, EFLAGS, segment registers with
 * their descriptor caches, control and debug registers, descriptor-table registers and MSRs.
 *
 * <p>EFLAGS is held in two parts: the system and control bits in {@link #flagsRest}, and the six arithmetic
 * flags (OF SF ZF AF PF CF) lazily, as the last flag-setting operation with its operands ({@link #ccOp},
 * {@link #ccSize}, {@link #ccRes}, {@link #ccDst}, {@link #ccSrc}, {@link #ccAux}). They are materialised
 * only when read. All operand values are held zero-extended to their size.
 */
public final class CpuState {
    // EFLAGS bits (SDM Vol.1 3.4.3).
    public static final int CF = 1, PF = 1 << 2, AF = 1 << 4, ZF = 1 << 6, SF = 1 << 7, TF = 1 << 8, IF = 1 << 9,
            DF = 1 << 10, OF = 1 << 11, IOPL = 3 << 12, NT = 1 << 14, RF = 1 << 16, VM = 1 << 17, AC = 1 << 18,
            VIF = 1 << 19, VIP = 1 << 20, ID = 1 << 21;
    public static final int ARITH = CF | PF | AF | ZF | SF | OF;
    /** Bit 1 of EFLAGS always reads 1. */
    public static final int FIXED1 = 2;

    // Lazy flag kinds.
    /** ccAux holds the six arithmetic flags as EFLAGS bits. */
    public static final int CC_EAGER = 0;
    public static final int CC_ADD = 1;
    /** ccAux = carry in. */
    public static final int CC_ADC = 2;
    public static final int CC_SUB = 3;
    /** ccAux = borrow in. */
    public static final int CC_SBB = 4;
    /** AND/OR/XOR/TEST: OF = CF = AF = 0. */
    public static final int CC_LOGIC = 5;
    /** INC: as ADD with src = 1; ccAux = the carry flag it preserves. */
    public static final int CC_INC = 6;
    /** DEC: as SUB with src = 1; ccAux = the carry flag it preserves. */
    public static final int CC_DEC = 7;

    // Control-register bits.
    public static final int CR0_PE = 1, CR0_MP = 2, CR0_EM = 4, CR0_TS = 8, CR0_ET = 0x10, CR0_NE = 0x20,
            CR0_WP = 1 << 16, CR0_AM = 1 << 18, CR0_NW = 1 << 29, CR0_CD = 1 << 30, CR0_PG = 1 << 31;
    public static final int CR4_VME = 1, CR4_PVI = 2, CR4_TSD = 4, CR4_DE = 8, CR4_PSE = 0x10, CR4_PAE = 0x20,
            CR4_PGE = 0x80;

    /** MSR numbers. */
    public static final int MSR_SYSENTER_CS = 0x174, MSR_SYSENTER_ESP = 0x175, MSR_SYSENTER_EIP = 0x176,
            MSR_TSC = 0x10, MSR_EFER = 0xC0000080;
    public static final long EFER_NXE = 1L << 11;

    /** General registers in encoding order EAX ECX EDX EBX ESP EBP ESI EDI; slot 8 always holds 0. */
    public final int[] gpr = new int[9];
    public int eip;

    /** EFLAGS without the arithmetic flags (bit 1 set). */
    public int flagsRest = FIXED1;
    public int ccOp = CC_EAGER;
    public int ccSize = 4;
    public int ccRes, ccDst, ccSrc, ccAux;

    /** Segment registers, indexed by {@link Seg}: visible selector and hidden descriptor cache. */
    public final int[] segSel = new int[6];
    public final int[] segBase = new int[6];
    /** Effective limit in bytes (granularity applied). */
    public final int[] segLimit = new int[6];
    /**
     * Access rights as in the descriptor's high dword, bits 8..23 (type, S, DPL, P, AVL, L, D/B, G); 0 for a
     * null (unusable) segment.
     */
    public final int[] segAttr = new int[6];

    /** Current privilege level. */
    public int cpl;

    public int cr0 = CR0_ET | CR0_EM;
    public int cr2, cr3, cr4;
    public final int[] dr = new int[8];

    public int gdtrBase, gdtrLimit, idtrBase, idtrLimit = 0x3FF;
    public int ldtrSel, ldtrBase, ldtrLimit, ldtrAttr;
    public int trSel, trBase, trLimit, trAttr;

    public int sysenterCs, sysenterEsp, sysenterEip;
    public long efer;
    /** Time-stamp counter offset: RDTSC returns the instruction count plus this. */
    public long tscOffset;

    /** Set while the CPU is halted (HLT) and waiting for an interrupt. */
    public boolean halted;

    /** The x87 FPU (and the MMX registers aliased on it). */
    public final ntgate.cpu.fpu.Fpu fpu = new ntgate.cpu.fpu.Fpu();

    // ---- descriptor-cache attribute helpers (SDM Vol.3A 3.4.5) ----
    public static final int ATTR_ACCESSED = 0x100, ATTR_WRITABLE = 0x200, ATTR_READABLE = 0x200,
            ATTR_EXPAND_DOWN = 0x400, ATTR_CONFORMING = 0x400, ATTR_CODE = 0x800, ATTR_S = 0x1000,
            ATTR_P = 0x8000, ATTR_DB = 0x400000, ATTR_G = 0x800000;

    public static int attrDpl(int attr) {
        return (attr >>> 13) & 3;
    }

    /** Loads a segment cache directly (no checks): used by mode switches and machine setup. */
    public void loadSegmentCache(int seg, int selector, int base, int limit, int attr) {
        segSel[seg] = selector & 0xFFFF;
        segBase[seg] = base;
        segLimit[seg] = limit;
        segAttr[seg] = attr;
    }

    /** True when CS is a 32-bit code segment (D = 1) and the CPU is not in virtual-8086 mode. */
    public boolean code32() {
        return (segAttr[Seg.CS] & ATTR_DB) != 0 && (flagsRest & VM) == 0;
    }

    public boolean protectedMode() {
        return (cr0 & CR0_PE) != 0;
    }

    public boolean v86() {
        return (flagsRest & VM) != 0;
    }

    // ---- EFLAGS ----

    private static final int[] SIGN = {0, 0x80, 0x8000, 0, 0x80000000};

    /** Sets the lazy flags for an arithmetic result. */
    public void setCc(int op, int size, int res, int dst, int src) {
        ccOp = op;
        ccSize = size;
        ccRes = res;
        ccDst = dst;
        ccSrc = src;
    }

    public boolean cf() {
        switch (ccOp) {
            case CC_ADD:
                return Integer.compareUnsigned(ccRes, ccDst) < 0;
            case CC_ADC:
                return ccAux != 0 ? Integer.compareUnsigned(ccRes, ccDst) <= 0 : Integer.compareUnsigned(ccRes, ccDst) < 0;
            case CC_SUB:
                return Integer.compareUnsigned(ccDst, ccSrc) < 0;
            case CC_SBB:
                return ccAux != 0 ? Integer.compareUnsigned(ccDst, ccSrc) <= 0 : Integer.compareUnsigned(ccDst, ccSrc) < 0;
            case CC_LOGIC:
                return false;
            case CC_INC:
            case CC_DEC:
                return ccAux != 0;
            default:
                return (ccAux & CF) != 0;
        }
    }

    public boolean zf() {
        return ccOp == CC_EAGER ? (ccAux & ZF) != 0 : ccRes == 0;
    }

    public boolean sf() {
        return ccOp == CC_EAGER ? (ccAux & SF) != 0 : (ccRes & SIGN[ccSize]) != 0;
    }

    public boolean pf() {
        return ccOp == CC_EAGER ? (ccAux & PF) != 0 : (Integer.bitCount(ccRes & 0xFF) & 1) == 0;
    }

    public boolean of() {
        int sign = SIGN[ccSize];
        switch (ccOp) {
            case CC_ADD:
            case CC_ADC:
            case CC_INC:
                return ((ccDst ^ ccRes) & (ccSrc ^ ccRes) & sign) != 0;
            case CC_SUB:
            case CC_SBB:
            case CC_DEC:
                return ((ccDst ^ ccSrc) & (ccDst ^ ccRes) & sign) != 0;
            case CC_LOGIC:
                return false;
            default:
                return (ccAux & OF) != 0;
        }
    }

    public boolean af() {
        switch (ccOp) {
            case CC_ADD:
            case CC_ADC:
            case CC_SUB:
            case CC_SBB:
            case CC_INC:
            case CC_DEC:
                return ((ccDst ^ ccSrc ^ ccRes) & 0x10) != 0;
            case CC_LOGIC:
                return false;
            default:
                return (ccAux & AF) != 0;
        }
    }

    /** The six arithmetic flags as EFLAGS bits. */
    public int arithFlags() {
        if (ccOp == CC_EAGER) return ccAux & ARITH;
        int f = 0;
        if (cf()) f |= CF;
        if (pf()) f |= PF;
        if (af()) f |= AF;
        if (zf()) f |= ZF;
        if (sf()) f |= SF;
        if (of()) f |= OF;
        return f;
    }

    /** Sets the six arithmetic flags from EFLAGS bits (the rest of {@code bits} is ignored). */
    public void setArithFlags(int bits) {
        ccOp = CC_EAGER;
        ccAux = bits & ARITH;
    }

    /** Changes only the arithmetic flags selected by {@code mask}. */
    public void setArithFlags(int bits, int mask) {
        int cur = arithFlags();
        setArithFlags((cur & ~mask) | (bits & mask));
    }

    public void setCf(boolean v) {
        setArithFlags(v ? CF : 0, CF);
    }

    /** The whole EFLAGS register. */
    public int eflags() {
        return flagsRest | arithFlags();
    }

    /** Writes the whole EFLAGS register (no privilege filtering: the caller applies the SDM's rules). */
    public void setEflags(int value) {
        flagsRest = (value & ~ARITH) | FIXED1;
        flagsRest &= ~(1 << 3 | 1 << 5 | 1 << 15) & ((1 << 22) - 1);
        setArithFlags(value);
    }

    /** Evaluates condition code {@code cc} (the low nibble of Jcc/SETcc/CMOVcc; SDM Vol.1 Appendix B). */
    public boolean cond(int cc) {
        if (ccOp == CC_SUB) {
            // The compare case, which dominates branches, without materialising flags.
            int d = ccDst, s = ccSrc;
            int sh = 32 - (ccSize << 3);
            switch (cc) {
                case 2: return Integer.compareUnsigned(d, s) < 0;
                case 3: return Integer.compareUnsigned(d, s) >= 0;
                case 4: return d == s;
                case 5: return d != s;
                case 6: return Integer.compareUnsigned(d, s) <= 0;
                case 7: return Integer.compareUnsigned(d, s) > 0;
                case 12: return (d << sh) < (s << sh);
                case 13: return (d << sh) >= (s << sh);
                case 14: return (d << sh) <= (s << sh);
                case 15: return (d << sh) > (s << sh);
                default: break;
            }
        }
        boolean r;
        switch (cc >>> 1) {
            case 0: r = of(); break;
            case 1: r = cf(); break;
            case 2: r = zf(); break;
            case 3: r = cf() || zf(); break;
            case 4: r = sf(); break;
            case 5: r = pf(); break;
            case 6: r = sf() != of(); break;
            default: r = zf() || (sf() != of()); break;
        }
        return ((cc & 1) != 0) != r;
    }

    public int iopl() {
        return (flagsRest >>> 12) & 3;
    }

    // ---- register views ----

    /** Reads an 8-bit register by encoding: AL CL DL BL AH CH DH BH. */
    public int reg8(int r) {
        return r < 4 ? gpr[r] & 0xFF : (gpr[r - 4] >>> 8) & 0xFF;
    }

    public void setReg8(int r, int v) {
        if (r < 4) gpr[r] = (gpr[r] & ~0xFF) | (v & 0xFF);
        else gpr[r - 4] = (gpr[r - 4] & ~0xFF00) | ((v & 0xFF) << 8);
    }

    public int reg16(int r) {
        return gpr[r] & 0xFFFF;
    }

    public void setReg16(int r, int v) {
        gpr[r] = (gpr[r] & ~0xFFFF) | (v & 0xFFFF);
    }

    /** Reads a register of {@code size} bytes (1, 2 or 4), zero-extended. */
    public int reg(int r, int size) {
        return switch (size) {
            case 1 -> reg8(r);
            case 2 -> gpr[r] & 0xFFFF;
            default -> gpr[r];
        };
    }

    public void setReg(int r, int size, int v) {
        switch (size) {
            case 1 -> setReg8(r, v);
            case 2 -> gpr[r] = (gpr[r] & ~0xFFFF) | (v & 0xFFFF);
            default -> gpr[r] = v;
        }
    }
}
