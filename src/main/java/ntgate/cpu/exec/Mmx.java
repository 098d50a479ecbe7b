package ntgate.cpu.exec;

import ntgate.cpu.Cpu;
import ntgate.cpu.CpuFault;
import ntgate.cpu.CpuState;
import ntgate.cpu.decode.Insn;
import ntgate.cpu.fpu.Fpu;

/**
 * The MMX instructions (SDM Vol.1 chapter 9, Vol.2 the P... pages). MM0..MM7 are the significands of the x87
 * physical registers 0..7 (Vol.1 9.5): every MMX instruction but EMMS sets TOP to 0 and all tags to valid, a
 * write sets the register's exponent and sign bits to all ones, and EMMS marks every register empty.
 *
 * <p>CR0.EM set makes them #UD, CR0.TS #NM, and a pending unmasked x87 exception #MF (Vol.3A 2.5, Table 12-1);
 * with a 66, F2 or F3 prefix the same opcodes are SSE/SSE2 forms, which the decoder rejects (#UD) as a
 * Pentium II would.
 */
final class Mmx {
    private Mmx() {}

    /** Operation kinds: the dispatch passes one to {@link #binary}. */
    static final int PADDB = 0, PADDW = 1, PADDD = 2, PADDSB = 3, PADDSW = 4, PADDUSB = 5, PADDUSW = 6,
            PSUBB = 7, PSUBW = 8, PSUBD = 9, PSUBSB = 10, PSUBSW = 11, PSUBUSB = 12, PSUBUSW = 13,
            PCMPEQB = 14, PCMPEQW = 15, PCMPEQD = 16, PCMPGTB = 17, PCMPGTW = 18, PCMPGTD = 19,
            PMULLW = 20, PMULHW = 21, PMADDWD = 22, PACKSSWB = 23, PACKSSDW = 24, PACKUSWB = 25,
            PUNPCKLBW = 26, PUNPCKLWD = 27, PUNPCKLDQ = 28, PUNPCKHBW = 29, PUNPCKHWD = 30, PUNPCKHDQ = 31,
            PAND = 32, PANDN = 33, POR = 34, PXOR = 35, PSLLW = 36, PSLLD = 37, PSLLQ = 38, PSRLW = 39,
            PSRLD = 40, PSRLQ = 41, PSRAW = 42, PSRAD = 43;

    private static Fpu begin(Cpu cpu) {
        int cr0 = cpu.st.cr0;
        if ((cr0 & CpuState.CR0_EM) != 0) throw CpuFault.ud();
        if ((cr0 & CpuState.CR0_TS) != 0) throw new CpuFault(CpuFault.NM, CpuFault.NO_ERROR_CODE);
        Fpu f = cpu.st.fpu;
        if ((f.sw & Fpu.ES) != 0) throw new CpuFault(CpuFault.MF, CpuFault.NO_ERROR_CODE);
        return f;
    }

    /** The x87 side effects of an MMX instruction: TOP = 0, all registers valid. */
    private static void enter(Fpu f) {
        f.top = 0;
        f.valid = 0xFF;
    }

    private static void set(Fpu f, int r, long v) {
        f.mant[r] = v;
        f.sexp[r] = 0xFFFF;
    }

    /** The Qq operand: an MMX register or 64 bits of memory (32 bits for the PUNPCKLxx forms, zero-extended). */
    private static long source(Cpu cpu, Fpu f, Insn in, boolean low32) {
        if (in.rm >= 0) return f.mant[in.rm];
        if (low32) return cpu.read32(in.seg, cpu.ea(in)) & 0xFFFFFFFFL;
        return X87.read64(cpu, in.seg, cpu.ea(in));
    }

    /**
     * EMMS: all tags empty. The reference processor also sets TOP to 0, as every MMX instruction does (the SDM
     * names only the tag word); ntgate follows it.
     */
    static void emms(Cpu cpu) {
        Fpu f = begin(cpu);
        f.top = 0;
        f.valid = 0;
    }

    /** MOVD mm, r/m32: zero-extended. */
    static void movdToMm(Cpu cpu, Insn in) {
        Fpu f = begin(cpu);
        long v = cpu.readE(in, 4) & 0xFFFFFFFFL;
        enter(f);
        set(f, in.reg, v);
    }

    /** MOVD r/m32, mm: the low doubleword. */
    static void movdFromMm(Cpu cpu, Insn in) {
        Fpu f = begin(cpu);
        int v = (int) f.mant[in.reg];
        cpu.writeE(in, 4, v);
        enter(f);
    }

    /** MOVQ mm, mm/m64. */
    static void movqToMm(Cpu cpu, Insn in) {
        Fpu f = begin(cpu);
        long v = source(cpu, f, in, false);
        enter(f);
        set(f, in.reg, v);
    }

    /** MOVQ mm/m64, mm. */
    static void movqFromMm(Cpu cpu, Insn in) {
        Fpu f = begin(cpu);
        long v = f.mant[in.reg];
        if (in.rm >= 0) {
            enter(f);
            set(f, in.rm, v);
            return;
        }
        int off = cpu.ea(in);
        int lin = cpu.linWrite(in.seg, off, 8);
        cpu.mmu.probeWrite(lin, 1);
        cpu.mmu.probeWrite(lin + 7, 1);
        cpu.mmu.write32(lin, (int) v);
        cpu.mmu.write32(lin + 4, (int) (v >>> 32));
        enter(f);
    }

    /** The shift-by-immediate group 0F 71/72/73: kind is the shift, the register in ModRM.rm. */
    static void shiftImm(Cpu cpu, Insn in, int kind) {
        Fpu f = begin(cpu);
        long r = compute(kind, f.mant[in.rm], in.imm & 0xFF);
        enter(f);
        set(f, in.rm, r);
    }

    /** mm = mm op mm/m64. */
    static void binary(Cpu cpu, Insn in, int kind) {
        Fpu f = begin(cpu);
        boolean low32 = kind == PUNPCKLBW || kind == PUNPCKLWD || kind == PUNPCKLDQ;
        long b = source(cpu, f, in, low32);
        long a = f.mant[in.reg];
        enter(f);
        set(f, in.reg, compute(kind, a, b));
    }

    // ------------------------------------------------------------------ the lanes

    private static long compute(int kind, long a, long b) {
        return switch (kind) {
            case PADDB -> lanes(a, b, 8, 0);
            case PADDW -> lanes(a, b, 16, 0);
            case PADDD -> lanes(a, b, 32, 0);
            case PADDSB -> lanes(a, b, 8, 1);
            case PADDSW -> lanes(a, b, 16, 1);
            case PADDUSB -> lanes(a, b, 8, 2);
            case PADDUSW -> lanes(a, b, 16, 2);
            case PSUBB -> lanes(a, b, 8, 3);
            case PSUBW -> lanes(a, b, 16, 3);
            case PSUBD -> lanes(a, b, 32, 3);
            case PSUBSB -> lanes(a, b, 8, 4);
            case PSUBSW -> lanes(a, b, 16, 4);
            case PSUBUSB -> lanes(a, b, 8, 5);
            case PSUBUSW -> lanes(a, b, 16, 5);
            case PCMPEQB -> lanes(a, b, 8, 6);
            case PCMPEQW -> lanes(a, b, 16, 6);
            case PCMPEQD -> lanes(a, b, 32, 6);
            case PCMPGTB -> lanes(a, b, 8, 7);
            case PCMPGTW -> lanes(a, b, 16, 7);
            case PCMPGTD -> lanes(a, b, 32, 7);
            case PMULLW -> lanes(a, b, 16, 8);
            case PMULHW -> lanes(a, b, 16, 9);
            case PMADDWD -> pmaddwd(a, b);
            case PACKSSWB -> pack(a, b, 16, true);
            case PACKSSDW -> pack(a, b, 32, true);
            case PACKUSWB -> pack(a, b, 16, false);
            case PUNPCKLBW -> unpack(a, b, 8, false);
            case PUNPCKLWD -> unpack(a, b, 16, false);
            case PUNPCKLDQ -> unpack(a, b, 32, false);
            case PUNPCKHBW -> unpack(a, b, 8, true);
            case PUNPCKHWD -> unpack(a, b, 16, true);
            case PUNPCKHDQ -> unpack(a, b, 32, true);
            case PAND -> a & b;
            case PANDN -> ~a & b;
            case POR -> a | b;
            case PXOR -> a ^ b;
            case PSLLW -> shift(a, b, 16, 0);
            case PSLLD -> shift(a, b, 32, 0);
            case PSLLQ -> Long.compareUnsigned(b, 63) > 0 ? 0 : a << b;
            case PSRLW -> shift(a, b, 16, 1);
            case PSRLD -> shift(a, b, 32, 1);
            case PSRLQ -> Long.compareUnsigned(b, 63) > 0 ? 0 : a >>> b;
            case PSRAW -> shift(a, b, 16, 2);
            default -> shift(a, b, 32, 2);   // PSRAD
        };
    }

    /** Lane-wise operation {@code op} on lanes of {@code w} bits. */
    private static long lanes(long a, long b, int w, int op) {
        long r = 0;
        long mask = w == 64 ? -1L : (1L << w) - 1;
        long smin = -(1L << (w - 1)), smax = (1L << (w - 1)) - 1;
        for (int s = 0; s < 64; s += w) {
            long ua = (a >>> s) & mask, ub = (b >>> s) & mask;
            long sa = (ua << (64 - w)) >> (64 - w), sb = (ub << (64 - w)) >> (64 - w);
            long v = switch (op) {
                case 0 -> ua + ub;
                case 1 -> Math.max(smin, Math.min(smax, sa + sb));
                case 2 -> Math.min(mask, ua + ub);
                case 3 -> ua - ub;
                case 4 -> Math.max(smin, Math.min(smax, sa - sb));
                case 5 -> Math.max(0, ua - ub);
                case 6 -> ua == ub ? mask : 0;
                case 7 -> sa > sb ? mask : 0;
                case 8 -> sa * sb;
                default -> (sa * sb) >> 16;
            };
            r |= (v & mask) << s;
        }
        return r;
    }

    private static long pmaddwd(long a, long b) {
        long r = 0;
        for (int d = 0; d < 2; d++) {
            long sum = 0;
            for (int k = 0; k < 2; k++) {
                int s = 32 * d + 16 * k;
                sum += (long) (short) (a >>> s) * (short) (b >>> s);
            }
            r |= (sum & 0xFFFFFFFFL) << (32 * d);
        }
        return r;
    }

    /** PACKSSWB/PACKSSDW (signed saturation) and PACKUSWB (unsigned saturation of signed words). */
    private static long pack(long a, long b, int w, boolean signed) {
        int out = w / 2;
        long omask = (1L << out) - 1;
        long lo = signed ? -(1L << (out - 1)) : 0, hi = signed ? (1L << (out - 1)) - 1 : omask;
        long r = 0;
        int n = 64 / w;
        for (int i = 0; i < 2 * n; i++) {
            long src = i < n ? a : b;
            int s = (i % n) * w;
            long v = ((src >>> s) << (64 - w)) >> (64 - w);
            v = Math.max(lo, Math.min(hi, v));
            r |= (v & omask) << (i * out);
        }
        return r;
    }

    /** PUNPCKLxx (low halves interleaved, a first) and PUNPCKHxx (high halves). */
    private static long unpack(long a, long b, int w, boolean high) {
        long mask = w == 64 ? -1L : (1L << w) - 1;
        int n = 32 / w;
        int base = high ? 32 : 0;
        long r = 0;
        for (int i = 0; i < n; i++) {
            long va = (a >>> (base + i * w)) & mask, vb = (b >>> (base + i * w)) & mask;
            r |= va << (2 * i * w);
            r |= vb << ((2 * i + 1) * w);
        }
        return r;
    }

    /** Lane shifts by a 64-bit count: 0 logical left, 1 logical right, 2 arithmetic right. */
    private static long shift(long a, long count, int w, int kind) {
        long mask = (1L << w) - 1;
        boolean over = Long.compareUnsigned(count, w - 1) > 0;
        int c = (int) count;
        long r = 0;
        for (int s = 0; s < 64; s += w) {
            long u = (a >>> s) & mask;
            long v;
            if (kind == 0) v = over ? 0 : u << c;
            else if (kind == 1) v = over ? 0 : u >>> c;
            else v = ((u << (64 - w)) >> (64 - w)) >> (over ? w - 1 : c);
            r |= (v & mask) << s;
        }
        return r;
    }
}
