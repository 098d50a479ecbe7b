package ntgate.cpu.fpu;

/**
 * Software double-extended precision: the arithmetic of the x87 FPU on 80-bit values, exactly rounded in the
 * four rounding modes and to the three precision controls, with the x87's exception flags.
 *
 * <p>A value is held as two parts: {@code se}, the sign (bit 15) and the biased 15-bit exponent (bits 14..0),
 * and {@code m}, the 64-bit significand with its explicit integer bit at bit 63 (SDM Vol.1 4.2.2, Figure 4-3).
 * Java has no 80-bit type, and doubles cannot hold these values, so every operation works on 128-bit fixed-point
 * intermediates held in two {@code long}s and is rounded once.
 *
 * <p>An instance is a rounding context: {@link #rc} (the FCW rounding control) is read, {@link #flags}
 * accumulates the exception bits of the FSW (IE, DE, ZE, OE, UE, PE, in FSW positions), {@link #up} tells
 * whether the last rounding increased the magnitude (the C1 round-up indicator), and {@link #se}/{@link #m}
 * receive each result. Nothing allocates.
 *
 * <p>Rules followed (SDM Vol.1 chapter 4 and 8):
 * <ul>
 *   <li>Tininess is detected after rounding; with underflow masked, UE is raised only for a tiny inexact
 *       result (4.9.1.5). With underflow unmasked UE is raised for every tiny result and the register result
 *       carries an exponent biased up by 24,576 (8.5.5); overflow unmasked biases down by the same amount.</li>
 *   <li>Precision control rounds the significand only; the exponent range stays that of the extended format
 *       (8.1.5.2), so reduced-precision denormals round at the same bit position as normals.</li>
 *   <li>Unsupported encodings (pseudo-NaNs, pseudo-infinities, unnormals) are invalid operands (8.2.2); the
 *       result is the real indefinite. Pseudo-denormals are accepted as denormal operands.</li>
 *   <li>NaN operands follow Table 4-7: an SNaN is quieted with IE; of two NaNs the one with the larger
 *       significand is returned (on equal significands the one with the positive sign), except that of an
 *       SNaN and a QNaN the QNaN is returned; a NaN with a number returns the NaN (quieted).</li>
 * </ul>
 */
public final class Ext80 {
    /** FSW exception bits. */
    public static final int IE = 0x01, DE = 0x02, ZE = 0x04, OE = 0x08, UE = 0x10, PE = 0x20;
    /** Rounding control values (FCW bits 11:10). */
    public static final int RN = 0, RD = 1, RU = 2, RZ = 3;
    /** The real indefinite (a negative QNaN, SDM Vol.1 Table 4-3). */
    public static final int INDEF_SE = 0xFFFF;
    public static final long INDEF_M = 0xC000000000000000L;
    public static final long INT_BIT = 0x8000000000000000L;
    public static final int BIAS = 16383;

    /** Rounding control for the next operations. */
    public int rc;
    /** Exception masks (FCW bits 5:0): they choose the masked or unmasked response for O and U. */
    public int masks = 0x3F;
    /** Accumulated exception bits. */
    public int flags;
    /** The last rounding increased the magnitude. */
    public boolean up;
    /** The result: sign and biased exponent, significand. */
    public int se;
    public long m;
    /**
     * Set by a store conversion whose unmasked overflow or underflow means nothing is written (SDM Vol.1
     * 8.5.4, 8.5.5: the destination is left unchanged).
     */
    public boolean noStore;

    // ------------------------------------------------------------------ classification

    public static boolean isNaN(int se, long m) {
        return (se & 0x7FFF) == 0x7FFF && m < 0 && (m << 1) != 0;
    }

    public static boolean isSNaN(int se, long m) {
        return isNaN(se, m) && (m & 0x4000000000000000L) == 0;
    }

    public static boolean isInf(int se, long m) {
        return (se & 0x7FFF) == 0x7FFF && m == INT_BIT;
    }

    public static boolean isZero(int se, long m) {
        return (se & 0x7FFF) == 0 && m == 0;
    }

    /** Denormal or pseudo-denormal. */
    public static boolean isDenormal(int se, long m) {
        return (se & 0x7FFF) == 0 && m != 0;
    }

    /** Pseudo-NaN, pseudo-infinity or unnormal: not a value the 387 and later accept (SDM Vol.1 8.2.2). */
    public static boolean isUnsupported(int se, long m) {
        int e = se & 0x7FFF;
        return e != 0 && m >= 0;
    }

    /** Biased exponent 0x7FFF or an unsupported encoding: anything that is not a finite supported number. */
    static boolean isSpecial(int se, long m) {
        int e = se & 0x7FFF;
        return e == 0x7FFF || (e != 0 && m >= 0);
    }

    // ------------------------------------------------------------------ results

    private void set(int se, long m) {
        this.se = se;
        this.m = m;
    }

    /** Raises IE and yields the real indefinite. */
    public void invalid() {
        flags |= IE;
        set(INDEF_SE, INDEF_M);
    }

    /**
     * NaN or unsupported operands of a two-operand arithmetic operation: sets the result and returns true when
     * one of them decides the result.
     */
    public boolean nanOperands(int ase, long am, int bse, long bm) {
        if (isUnsupported(ase, am) || isUnsupported(bse, bm)) {
            invalid();
            return true;
        }
        boolean an = isNaN(ase, am), bn = isNaN(bse, bm);
        if (!an && !bn) return false;
        if ((an && isSNaN(ase, am)) || (bn && isSNaN(bse, bm))) flags |= IE;
        if (an && bn) {
            long qa = am | 0x4000000000000000L, qb = bm | 0x4000000000000000L;
            boolean sa = isSNaN(ase, am), sb = isSNaN(bse, bm);
            if (sa != sb) {
                // An SNaN and a QNaN: the QNaN (Table 4-7, x87 column).
                if (sa) set(bse, bm);
                else set(ase, am);
                return true;
            }
            int c = Long.compareUnsigned(am & 0x3FFFFFFFFFFFFFFFL, bm & 0x3FFFFFFFFFFFFFFFL);
            if (c > 0 || (c == 0 && (ase & 0x8000) <= (bse & 0x8000))) set(ase, qa);
            else set(bse, qb);
        } else if (an) {
            set(ase, am | 0x4000000000000000L);
        } else {
            set(bse, bm | 0x4000000000000000L);
        }
        return true;
    }

    /** One NaN or unsupported operand: sets the result and returns true when it decides it. */
    public boolean nanOperand(int ase, long am) {
        if (isUnsupported(ase, am)) {
            invalid();
            return true;
        }
        if (!isNaN(ase, am)) return false;
        if (isSNaN(ase, am)) flags |= IE;
        set(ase, am | 0x4000000000000000L);
        return true;
    }

    // Normalised operand parts, filled by unpack().
    private int ue;
    private long um;

    /** Unpacks a finite non-zero operand to an unbiased exponent and a significand with bit 63 set; DE for denormals. */
    private void unpack(int se, long m) {
        int e = se & 0x7FFF;
        if (e == 0) {
            flags |= DE;
            int lz = Long.numberOfLeadingZeros(m);
            um = m << lz;
            ue = 1 - BIAS - lz;
        } else {
            um = m;
            ue = e - BIAS;
        }
    }

    // ------------------------------------------------------------------ rounding

    // Outputs of round(): biased exponent in the target format (0 for denormals and zero, maxBiased + 1 for
    // infinity) and the significand left-aligned (integer bit at 63, clear for denormals).
    private int rExp;
    private long rSig;

    /**
     * Rounds {@code (hi:lo) * 2^e}, where hi bit 63 is the units bit (set: the value is normalised), to
     * {@code prec} significant bits in a format with the given bias and largest normal biased exponent.
     * Sets {@link #rExp}, {@link #rSig}, PE/UE/OE, {@link #up}; with {@code register} the unmasked
     * overflow and underflow responses wrap the exponent by 24,576, otherwise they set {@link #noStore}.
     */
    private void round(boolean neg, int e, long hi, long lo, int prec, int bias, int maxBiased, boolean register) {
        up = false;
        int shift = 64 - prec;
        int be = e + bias;
        if (be <= 0) {
            boolean tiny = be < 0 || !carriesOut(neg, hi, lo, shift);
            if ((masks & UE) == 0) {
                flags |= UE;
                if (!register) {
                    noStore = true;
                    rExp = 0;
                    rSig = 0;
                    return;
                }
                be += 0x6000;
                roundNormal(neg, be, hi, lo, shift, maxBiased);
                return;
            }
            int n = 1 - be;
            long h, l;
            if (n >= 128) {
                h = 0;
                l = (hi | lo) != 0 ? 1 : 0;
            } else if (n >= 64) {
                h = 0;
                l = n == 64 ? hi : hi >>> (n - 64);
                if (lo != 0 || (n > 64 && (hi << (128 - n)) != 0)) l |= 1;
            } else {
                h = hi >>> n;
                l = (hi << (64 - n)) | (lo >>> n);
                if ((lo << (64 - n)) != 0) l |= 1;
            }
            boolean inexact = roundAt(neg, h, l, shift);
            if (inexact) {
                flags |= PE;
                if (tiny) flags |= UE;
            }
            rExp = rSig < 0 ? 1 : 0;
            return;
        }
        roundNormal(neg, be, hi, lo, shift, maxBiased);
    }

    private void roundNormal(boolean neg, int be, long hi, long lo, int shift, int maxBiased) {
        boolean inexact = roundAt(neg, hi, lo, shift);
        if (carry) {
            rSig = INT_BIT;
            be++;
        }
        if (be > maxBiased) {
            flags |= OE;
            if ((masks & OE) == 0) {
                if (inexact) flags |= PE;
                if (maxBiased == 0x7FFE) {
                    rExp = be - 0x6000;
                } else {
                    noStore = true;
                    rExp = maxBiased;
                }
                return;
            }
            flags |= PE;
            boolean toInf = switch (rc) {
                case RN -> true;
                case RD -> neg;
                case RU -> !neg;
                default -> false;
            };
            if (toInf) {
                rExp = maxBiased + 1;
                rSig = INT_BIT;
                up = true;
            } else {
                rExp = maxBiased;
                rSig = shift == 0 ? -1L : -1L << shift;
                up = false;
            }
            return;
        }
        if (inexact) flags |= PE;
        rExp = be;
    }

    private boolean carry;

    /** Rounds hi:lo at bit {@code shift} of hi into {@link #rSig}; sets {@link #carry}, {@link #up}; returns inexact. */
    private boolean roundAt(boolean neg, long hi, long lo, int shift) {
        long roundBit, lsb;
        boolean sticky;
        long kept;
        if (shift == 0) {
            roundBit = lo >>> 63;
            sticky = (lo << 1) != 0;
            lsb = hi & 1;
            kept = hi;
        } else {
            roundBit = (hi >>> (shift - 1)) & 1;
            sticky = (hi & ((1L << (shift - 1)) - 1)) != 0 || lo != 0;
            lsb = (hi >>> shift) & 1;
            kept = hi & (-1L << shift);
        }
        boolean inexact = roundBit != 0 || sticky;
        boolean inc = switch (rc) {
            case RN -> roundBit != 0 && (sticky || lsb != 0);
            case RD -> neg && inexact;
            case RU -> !neg && inexact;
            default -> false;
        };
        carry = false;
        if (inc) {
            long n = kept + (1L << shift);
            carry = Long.compareUnsigned(n, kept) < 0;
            kept = n;
            up = true;
        } else {
            up = false;
        }
        rSig = kept;
        return inexact;
    }

    /** Whether rounding hi:lo at {@code shift} with an unbounded exponent carries into the next binade. */
    private boolean carriesOut(boolean neg, long hi, long lo, int shift) {
        boolean saveUp = up;
        roundAt(neg, hi, lo, shift);
        boolean c = carry;
        up = saveUp;
        return c;
    }

    /** Rounds to a register value at precision {@code prec} and sets {@link #se}/{@link #m}. */
    private void pack(boolean neg, int e, long hi, long lo, int prec) {
        round(neg, e, hi, lo, prec, BIAS, 0x7FFE, true);
        se = (neg ? 0x8000 : 0) | (rExp & 0x7FFF);
        m = rSig;
    }

    /** Rounds {@code (hi:lo) * 2^e} (hi bit 63 the units bit) to a register value at {@code prec} bits. */
    public void packPublic(boolean neg, int e, long hi, long lo, int prec) {
        up = false;
        pack(neg, e, hi, lo, prec);
    }

    /** The unbiased exponent and normalised significand of a finite non-zero value; DE for denormals. */
    public int unpackExp(int se, long m) {
        unpack(se, m);
        return ue;
    }

    /** The significand from the last {@link #unpackExp}. */
    public long unpackedSig() {
        return um;
    }

    private void zero(boolean neg) {
        set(neg ? 0x8000 : 0, 0);
    }

    // ------------------------------------------------------------------ the four operations and FSQRT

    /** {@code a + b} rounded to {@code prec} bits (FADD; FSUB passes b with its sign flipped). */
    public void add(int ase, long am, int bse, long bm, int prec) {
        up = false;
        if ((isSpecial(ase, am) || isSpecial(bse, bm))) {
            if (nanOperands(ase, am, bse, bm)) return;
            boolean ai = isInf(ase, am), bi = isInf(bse, bm);
            if (isDenormal(ase, am) || isDenormal(bse, bm)) flags |= DE;
            if (ai && bi) {
                if (((ase ^ bse) & 0x8000) != 0) invalid();
                else set(ase, am);
            } else if (ai) {
                set(ase, am);
            } else {
                set(bse, bm);
            }
            return;
        }
        boolean az = isZero(ase, am), bz = isZero(bse, bm);
        if (az && bz) {
            boolean an = (ase & 0x8000) != 0, bn = (bse & 0x8000) != 0;
            zero(an == bn ? an : rc == RD);
            return;
        }
        if (az || bz) {
            int s = az ? bse : ase;
            long v = az ? bm : am;
            unpack(s, v);
            pack((s & 0x8000) != 0, ue, um, 0, prec);
            return;
        }
        unpack(ase, am);
        int ea = ue;
        long ma = um;
        unpack(bse, bm);
        int eb = ue;
        long mb = um;
        boolean na = (ase & 0x8000) != 0, nb = (bse & 0x8000) != 0;
        if (ea < eb || (ea == eb && Long.compareUnsigned(ma, mb) < 0)) {
            int t = ea; ea = eb; eb = t;
            long tm = ma; ma = mb; mb = tm;
            boolean tn = na; na = nb; nb = tn;
        }
        int d = ea - eb;
        long bh, bl;
        if (d == 0) {
            bh = mb;
            bl = 0;
        } else if (d < 64) {
            bh = mb >>> d;
            bl = mb << (64 - d);
        } else if (d < 128) {
            bh = 0;
            bl = d == 64 ? mb : mb >>> (d - 64);
            if (d > 64 && (mb << (128 - d)) != 0) bl |= 1;
        } else {
            bh = 0;
            bl = 1;
        }
        long hi, lo;
        int e = ea;
        if (na == nb) {
            lo = bl;
            hi = ma + bh;
            boolean c = Long.compareUnsigned(hi, ma) < 0;
            if (c) {
                lo = (lo >>> 1) | (hi << 63) | (lo & 1);
                hi = (hi >>> 1) | INT_BIT;
                e++;
            }
        } else {
            lo = -bl;
            long borrow = bl != 0 ? 1 : 0;
            hi = ma - bh - borrow;
            if (hi == 0 && lo == 0) {
                zero(rc == RD);
                return;
            }
            int lz = hi != 0 ? Long.numberOfLeadingZeros(hi) : 64 + Long.numberOfLeadingZeros(lo);
            if (lz >= 64) {
                hi = lo << (lz - 64);
                lo = 0;
            } else if (lz > 0) {
                hi = (hi << lz) | (lo >>> (64 - lz));
                lo <<= lz;
            }
            e -= lz;
        }
        pack(na, e, hi, lo, prec);
    }

    /** {@code a * b} rounded to {@code prec} bits. */
    public void mul(int ase, long am, int bse, long bm, int prec) {
        up = false;
        boolean neg = ((ase ^ bse) & 0x8000) != 0;
        if (isSpecial(ase, am) || isSpecial(bse, bm)) {
            if (nanOperands(ase, am, bse, bm)) return;
            if (isZero(ase, am) || isZero(bse, bm)) {
                invalid();
                return;
            }
            if (isDenormal(ase, am) || isDenormal(bse, bm)) flags |= DE;
            set((neg ? 0x8000 : 0) | 0x7FFF, INT_BIT);
            return;
        }
        if (isZero(ase, am) || isZero(bse, bm)) {
            if (isDenormal(ase, am) || isDenormal(bse, bm)) flags |= DE;
            zero(neg);
            return;
        }
        unpack(ase, am);
        int ea = ue;
        long ma = um;
        unpack(bse, bm);
        long hi = unsignedMultiplyHigh(ma, um), lo = ma * um;
        int e = ea + ue;
        if (hi < 0) {
            e++;
        } else {
            hi = (hi << 1) | (lo >>> 63);
            lo <<= 1;
        }
        pack(neg, e, hi, lo, prec);
    }

    /** {@code a / b} rounded to {@code prec} bits. */
    public void div(int ase, long am, int bse, long bm, int prec) {
        up = false;
        boolean neg = ((ase ^ bse) & 0x8000) != 0;
        if (isSpecial(ase, am) || isSpecial(bse, bm)) {
            if (nanOperands(ase, am, bse, bm)) return;
            boolean ai = isInf(ase, am), bi = isInf(bse, bm);
            if (ai && bi) {
                invalid();
                return;
            }
            if (isDenormal(ase, am) || isDenormal(bse, bm)) flags |= DE;
            if (ai) set((neg ? 0x8000 : 0) | 0x7FFF, INT_BIT);
            else zero(neg);
            return;
        }
        boolean az = isZero(ase, am), bz = isZero(bse, bm);
        if (bz) {
            if (az) {
                invalid();
                return;
            }
            flags |= ZE;   // the reference processor raises no DE for a denormal dividend here
            set((neg ? 0x8000 : 0) | 0x7FFF, INT_BIT);
            return;
        }
        if (az) {
            if (isDenormal(bse, bm)) flags |= DE;
            zero(neg);
            return;
        }
        unpack(ase, am);
        int ea = ue;
        long r = um;
        unpack(bse, bm);
        long b = um;
        int e = ea - ue;
        boolean top = false;
        if (Long.compareUnsigned(r, b) < 0) {
            top = r < 0;
            r <<= 1;
            e--;
        }
        long q = 0;
        for (int i = 0; i < 64; i++) {
            boolean bit = top || Long.compareUnsigned(r, b) >= 0;
            if (bit) r -= b;
            q = (q << 1) | (bit ? 1 : 0);
            top = r < 0;
            r <<= 1;
        }
        long lo = 0;
        for (int i = 0; i < 2; i++) {
            boolean bit = top || Long.compareUnsigned(r, b) >= 0;
            if (bit) r -= b;
            lo = (lo << 1) | (bit ? 1 : 0);
            top = r < 0;
            r <<= 1;
        }
        lo <<= 62;
        if (r != 0 || top) lo |= 1;
        pack(neg, e, q, lo, prec);
    }

    /** The square root rounded to {@code prec} bits. */
    public void sqrt(int ase, long am, int prec) {
        up = false;
        if (isSpecial(ase, am)) {
            if (nanOperand(ase, am)) return;
            if ((ase & 0x8000) != 0) invalid();
            else set(ase, am);
            return;
        }
        if (isZero(ase, am)) {
            set(ase, am);
            return;
        }
        if ((ase & 0x8000) != 0) {
            invalid();   // a negative denormal is invalid without DE
            return;
        }
        unpack(ase, am);
        int e = ue;
        long x = um;
        boolean odd = (e & 1) != 0;
        // Radicand bits from the top: the significand (preceded by a zero bit when e is even), then zeros;
        // 66 result bits from 132 radicand bits.
        long rootHi = 0, rootLo = 0, remHi = 0, remLo = 0;
        int bitIndex = odd ? 0 : -1;
        for (int i = 0; i < 66; i++) {
            int two = 0;
            for (int k = 0; k < 2; k++) {
                int bi = bitIndex++;
                int bit = bi >= 0 && bi < 64 ? (int) ((x >>> (63 - bi)) & 1) : 0;
                two = (two << 1) | bit;
            }
            // rem = rem << 2 | two
            remHi = (remHi << 2) | (remLo >>> 62);
            remLo = (remLo << 2) | two;
            // trial = root << 2 | 1
            long tHi = (rootHi << 2) | (rootLo >>> 62);
            long tLo = (rootLo << 2) | 1;
            boolean ge = remHi != tHi ? Long.compareUnsigned(remHi, tHi) > 0 : Long.compareUnsigned(remLo, tLo) >= 0;
            rootHi = (rootHi << 1) | (rootLo >>> 63);
            rootLo <<= 1;
            if (ge) {
                long nlo = remLo - tLo;
                remHi = remHi - tHi - (Long.compareUnsigned(remLo, tLo) < 0 ? 1 : 0);
                remLo = nlo;
                rootLo |= 1;
            }
        }
        // root has 66 bits: rootHi holds bits 65..64.
        long hi = (rootHi << 62) | (rootLo >>> 2);
        long lo = (rootLo << 62) | ((remHi | remLo) != 0 ? 1 : 0);
        int re = odd ? 65 + (e - 131) / 2 : 65 + (e - 130) / 2;
        pack(false, re, hi, lo, prec);
    }

    /** Rounds a register value to {@code prec} bits (the result of an operation whose exact value is the operand). */
    public void roundValue(int ase, long am, int prec) {
        up = false;
        if (isSpecial(ase, am)) {
            if (!nanOperand(ase, am)) set(ase, am);
            return;
        }
        if (isZero(ase, am)) {
            set(ase, am);
            return;
        }
        unpack(ase, am);
        pack((ase & 0x8000) != 0, ue, um, 0, prec);
    }

    // ------------------------------------------------------------------ comparison

    /** Comparison results. */
    public static final int LESS = 0, EQUAL = 1, GREATER = 2, UNORDERED = 3;

    /**
     * Compares a with b. NaNs give UNORDERED with IE when {@code quietNaNsRaise} (FCOM) or when a NaN is
     * signalling (FUCOM); unsupported operands are invalid and unordered; denormal operands raise DE.
     */
    public int compare(int ase, long am, int bse, long bm, boolean quietNaNsRaise) {
        if (isUnsupported(ase, am) || isUnsupported(bse, bm)) {
            flags |= IE;
            return UNORDERED;
        }
        boolean an = isNaN(ase, am), bn = isNaN(bse, bm);
        if (an || bn) {
            if (quietNaNsRaise || (an && isSNaN(ase, am)) || (bn && isSNaN(bse, bm))) flags |= IE;
            return UNORDERED;
        }
        if (isDenormal(ase, am) || isDenormal(bse, bm)) flags |= DE;
        boolean az = isZero(ase, am), bz = isZero(bse, bm);
        if (az && bz) return EQUAL;
        boolean na = (ase & 0x8000) != 0, nb = (bse & 0x8000) != 0;
        if (az) return nb ? GREATER : LESS;
        if (bz) return na ? LESS : GREATER;
        if (na != nb) return na ? LESS : GREATER;
        int c = compareMagnitude(ase, am, bse, bm);
        if (na) c = -c;
        return c < 0 ? LESS : c > 0 ? GREATER : EQUAL;
    }

    /** Compares the magnitudes of two finite or infinite supported values. */
    private static int compareMagnitude(int ase, long am, int bse, long bm) {
        int ea = ase & 0x7FFF, eb = bse & 0x7FFF;
        // A pseudo-denormal has the value of exponent 1.
        if (ea == 0) ea = 1;
        if (eb == 0) eb = 1;
        if (ea != eb) {
            // Denormals with exponent 1 may still be smaller or larger: normalise to compare.
            long na = am, nb = bm;
            int xa = ea, xb = eb;
            int la = Long.numberOfLeadingZeros(na), lb = Long.numberOfLeadingZeros(nb);
            xa -= la;
            xb -= lb;
            if (xa != xb) return xa < xb ? -1 : 1;
            return Long.compareUnsigned(na << la, nb << lb);
        }
        return Long.compareUnsigned(am, bm);
    }

    // ------------------------------------------------------------------ conversions

    /** Loads a single-precision value (FLD m32fp and the m32fp arithmetic forms). */
    public void fromFloat32(int bits) {
        int s = (bits >>> 16) & 0x8000;
        int e = (bits >>> 23) & 0xFF;
        long f = bits & 0x7FFFFFL;
        if (e == 0xFF) {
            if (f == 0) set(s | 0x7FFF, INT_BIT);
            else set(s | 0x7FFF, INT_BIT | (f << 40));
        } else if (e == 0) {
            if (f == 0) {
                set(s, 0);
            } else {
                int lz = Long.numberOfLeadingZeros(f);
                set(s | (BIAS - 126 - (lz - 40)), f << lz);
            }
        } else {
            set(s | (e + BIAS - 127), INT_BIT | (f << 40));
        }
    }

    /** Loads a double-precision value. */
    public void fromFloat64(long bits) {
        int s = (int) (bits >>> 48) & 0x8000;
        int e = (int) (bits >>> 52) & 0x7FF;
        long f = bits & 0xFFFFFFFFFFFFFL;
        if (e == 0x7FF) {
            if (f == 0) set(s | 0x7FFF, INT_BIT);
            else set(s | 0x7FFF, INT_BIT | (f << 11));
        } else if (e == 0) {
            if (f == 0) {
                set(s, 0);
            } else {
                int lz = Long.numberOfLeadingZeros(f);
                set(s | (BIAS - 1022 - (lz - 11)), f << lz);
            }
        } else {
            set(s | (e + BIAS - 1023), INT_BIT | (f << 11));
        }
    }

    /** Whether a single-precision encoding is a denormal. */
    public static boolean isDenormal32(int bits) {
        return (bits & 0x7F800000) == 0 && (bits & 0x7FFFFF) != 0;
    }

    public static boolean isDenormal64(long bits) {
        return (bits & 0x7FF0000000000000L) == 0 && (bits & 0xFFFFFFFFFFFFFL) != 0;
    }

    /** Loads a signed integer (exact). */
    public void fromLong(long v) {
        if (v == 0) {
            set(0, 0);
            return;
        }
        int s = v < 0 ? 0x8000 : 0;
        long mag = v < 0 ? -v : v;   // Long.MIN_VALUE stays 2^63 read unsigned
        int lz = Long.numberOfLeadingZeros(mag);
        set(s | (BIAS + 63 - lz), mag << lz);
    }

    /**
     * Rounds a register value to a single-precision encoding (FST m32fp). NaNs keep their top significand
     * bits, SNaNs quieted with IE; unsupported encodings store the indefinite with IE.
     */
    public int toFloat32(int ase, long am) {
        up = false;
        noStore = false;
        int s = (ase & 0x8000) << 16;
        int e = ase & 0x7FFF;
        if (isUnsupported(ase, am)) {
            flags |= IE;
            return 0xFFC00000;
        }
        if (e == 0x7FFF) {
            if (am == INT_BIT) return s | 0x7F800000;
            if (isSNaN(ase, am)) flags |= IE;
            return s | 0x7FC00000 | (int) ((am >>> 40) & 0x3FFFFF);
        }
        if (am == 0) return s;
        int keep = flags;
        unpack(ase, am);
        flags = keep;   // a denormal source raises no DE on a store (SDM Vol.2A FST: no #D)
        round(s != 0, ue, um, 0, 24, 127, 0xFE, false);
        return s | (rExp << 23) | (int) ((rSig >>> 40) & 0x7FFFFF);
    }

    /** Rounds a register value to a double-precision encoding (FST m64fp). */
    public long toFloat64(int ase, long am) {
        up = false;
        noStore = false;
        long s = (long) (ase & 0x8000) << 48;
        int e = ase & 0x7FFF;
        if (isUnsupported(ase, am)) {
            flags |= IE;
            return 0xFFF8000000000000L;
        }
        if (e == 0x7FFF) {
            if (am == INT_BIT) return s | 0x7FF0000000000000L;
            if (isSNaN(ase, am)) flags |= IE;
            return s | 0x7FF8000000000000L | ((am >>> 11) & 0x7FFFFFFFFFFFFL);
        }
        if (am == 0) return s;
        int keep = flags;
        unpack(ase, am);
        flags = keep;
        round(s != 0, ue, um, 0, 53, 1023, 0x7FE, false);
        return s | ((long) rExp << 52) | ((rSig >>> 11) & 0xFFFFFFFFFFFFFL);
    }

    /** Set by {@link #toInteger}: the value did not fit or was not a number. */
    public boolean intInvalid;

    /**
     * Rounds a register value to an integer by {@link #rc} (FIST, FBSTP). Returns the two's complement value
     * when it lies in [-2^(bits-1), 2^(bits-1)) and sets {@link #intInvalid} (with IE) otherwise. PE and the
     * round-up indicator as for any rounding.
     */
    public long toInteger(int ase, long am, int bits) {
        up = false;
        intInvalid = false;
        int e = ase & 0x7FFF;
        boolean neg = (ase & 0x8000) != 0;
        if (isSpecial(ase, am)) {
            flags |= IE;
            intInvalid = true;
            return 0;
        }
        if (am == 0) return 0;
        int ex = (e == 0 ? 1 : e) - BIAS;   // value = am * 2^(ex - 63); a denormal source raises no DE
        long mag;
        boolean inexact;
        if (ex >= 63) {
            if (ex > 63) {
                flags |= IE;
                intInvalid = true;
                return 0;
            }
            mag = am;
            inexact = false;
        } else {
            int n = 63 - ex;   // fractional bits, >= 1
            long ip, fr;
            if (n >= 64) {
                ip = 0;
                fr = n == 64 ? am : (am >>> (n - 64)) | (((am << (128 - n)) != 0 || n >= 128) ? 1 : 0);
                if (n >= 128) fr = 1;
            } else {
                ip = am >>> n;
                fr = am << (64 - n);
            }
            inexact = fr != 0;
            long roundBit = fr >>> 63;
            boolean sticky = (fr << 1) != 0;
            boolean inc = switch (rc) {
                case RN -> roundBit != 0 && (sticky || (ip & 1) != 0);
                case RD -> neg && inexact;
                case RU -> !neg && inexact;
                default -> false;
            };
            mag = inc ? ip + 1 : ip;
            up = inc;
        }
        long limit = 1L << (bits - 1);   // bits == 64: Long.MIN_VALUE
        boolean fits = bits == 64
                ? (neg ? Long.compareUnsigned(mag, limit) <= 0 : mag >= 0)
                : (neg ? mag <= limit : mag < limit);
        if (!fits) {
            flags |= IE;
            intInvalid = true;
            up = false;
            return 0;
        }
        if (inexact) flags |= PE;
        return neg ? -mag : mag;
    }

    /**
     * FRNDINT: rounds a register value to an integral value by {@link #rc}, keeping the extended format;
     * PE when inexact (SDM Vol.2A FRNDINT).
     */
    public void roundToIntegral(int ase, long am) {
        up = false;
        if (isSpecial(ase, am)) {
            if (!nanOperand(ase, am)) set(ase, am);
            return;
        }
        if (am == 0) {
            set(ase, am);
            return;
        }
        int e = ase & 0x7FFF;
        if (e == 0) flags |= DE;
        int ex = (e == 0 ? 1 : e) - BIAS;
        if (ex >= 63) {
            set(ase, am);
            return;
        }
        boolean neg = (ase & 0x8000) != 0;
        int n = 63 - ex;
        long ip, fr;
        if (n >= 64) {
            ip = 0;
            fr = n == 64 ? am : (n >= 128 ? 1 : (am >>> (n - 64)) | ((am << (128 - n)) != 0 ? 1 : 0));
        } else {
            ip = am >>> n;
            fr = am << (64 - n);
        }
        boolean inexact = fr != 0;
        long roundBit = fr >>> 63;
        boolean sticky = (fr << 1) != 0;
        boolean inc = switch (rc) {
            case RN -> roundBit != 0 && (sticky || (ip & 1) != 0);
            case RD -> neg && inexact;
            case RU -> !neg && inexact;
            default -> false;
        };
        long mag = inc ? ip + 1 : ip;
        up = inc;
        if (inexact) flags |= PE;
        if (mag == 0) {
            zero(neg);
            return;
        }
        int lz = Long.numberOfLeadingZeros(mag);
        set((neg ? 0x8000 : 0) | (BIAS + 63 - lz), mag << lz);
    }

    // ------------------------------------------------------------------ helpers

    /** The high 64 bits of the unsigned 128-bit product (Math.unsignedMultiplyHigh is Java 18). */
    public static long unsignedMultiplyHigh(long a, long b) {
        return Math.multiplyHigh(a, b) + ((a >> 63) & b) + ((b >> 63) & a);
    }
}
