package ntgate.cpu.fpu;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.math.RoundingMode;

/**
 * The x87 transcendental functions on finite operands: F2XM1, FYL2X, FYL2XP1, FSIN, FCOS, FSINCOS, FPTAN, FPATAN.
 * The special operands (NaNs, infinities, zeros, out-of-range arguments) are the caller's ({@code X87}).
 *
 * <p>Each function is evaluated in decimal arithmetic to 60 significant digits (about 199 bits) from the exact
 * value of the operands and then rounded once to the 64-bit significand by the rounding control, so the result
 * is the correctly rounded value of the function (except in cases closer to a rounding boundary than 2^-190,
 * which do not occur for these functions at 64 bits in practice). Intel processors do not round
 * transcendentals correctly: they guarantee an error below one unit in the last place (SDM Vol.1 8.3.10), so
 * ntgate can differ from a given processor in the last bit; the native-difference test measures how often.
 *
 * <p>FSIN, FCOS, FSINCOS and FPTAN reduce their argument as Intel processors do, modulo pi/2 with pi
 * approximated to 66 bits (0x3.243F6A8885A308D3), and evaluate the true function on the reduced argument
 * (SDM Vol.1 8.3.10, "Pi"); for large arguments this reproduces Intel's departure from the true sine.
 *
 * <p>Unlike the arithmetic, these allocate (BigDecimal); they are rare in loops.
 */
public final class Transcendental {
    private Transcendental() {}

    private static final MathContext MC = new MathContext(60, RoundingMode.HALF_EVEN);
    private static final BigDecimal EPS = BigDecimal.ONE.movePointLeft(75);
    private static final BigDecimal TWO = BigDecimal.valueOf(2);
    private static final BigDecimal PI = new BigDecimal(
            "3.14159265358979323846264338327950288419716939937510582097494459230781640628620899863");
    /** The 66-bit pi of Intel's argument reduction. */
    private static final BigDecimal PI66 = new BigDecimal(new BigInteger("3243F6A8885A308D3", 16)).divide(
            new BigDecimal(BigInteger.ONE.shiftLeft(64)));
    private static final BigDecimal HALF_PI66 = PI66.divide(TWO);
    private static final BigDecimal LN2 = lnSeries(BigDecimal.ONE.divide(BigDecimal.valueOf(3), MC)).multiply(TWO, MC);

    /** The exact value of a finite register value. */
    public static BigDecimal value(int se, long m) {
        int e = se & 0x7FFF;
        BigInteger mag = new BigInteger(1, new byte[] {
            (byte) (m >>> 56), (byte) (m >>> 48), (byte) (m >>> 40), (byte) (m >>> 32),
            (byte) (m >>> 24), (byte) (m >>> 16), (byte) (m >>> 8), (byte) m});
        int exp = (e == 0 ? 1 : e) - Ext80.BIAS - 63;
        BigDecimal v = new BigDecimal(mag);
        v = exp >= 0 ? v.multiply(new BigDecimal(BigInteger.ONE.shiftLeft(exp)))
                : v.divide(new BigDecimal(BigInteger.ONE.shiftLeft(-exp)));
        return (se & 0x8000) != 0 ? v.negate() : v;
    }

    /**
     * Rounds {@code v} to a register value by {@code x.rc} into x.se/x.m with PE (when the decimal value is not
     * exactly representable), UE, OE and the round-up indicator.
     */
    public static void round(Ext80 x, BigDecimal v) {
        if (v.signum() == 0) {
            x.se = 0;
            x.m = 0;
            return;
        }
        boolean neg = v.signum() < 0;
        BigDecimal a = v.abs();
        // a = u * 10^-s; choose k so that floor(a * 2^k) has at least 130 bits.
        BigInteger u = a.unscaledValue();
        int s = a.scale();
        // Estimate log2(a): bits of u minus s*log2(10).
        long est = u.bitLength() - (long) Math.ceil(s * 3.321928094887362);
        int k = (int) (130 - est);
        BigInteger num = u, den = BigInteger.ONE;
        if (s >= 0) den = BigInteger.TEN.pow(s);
        else num = num.multiply(BigInteger.TEN.pow(-s));
        if (k >= 0) num = num.shiftLeft(k);
        else den = den.shiftLeft(-k);
        BigInteger[] qr = num.divideAndRemainder(den);
        BigInteger n = qr[0];
        boolean sticky = qr[1].signum() != 0;
        int bl = n.bitLength();
        // Keep the top 127 bits and jam the rest into bit 0.
        int drop = bl - 127;
        if (drop > 0) {
            if (n.getLowestSetBit() < drop) sticky = true;
            n = n.shiftRight(drop);
        } else {
            n = n.shiftLeft(-drop);
        }
        long hi = n.shiftRight(63).longValue();     // 64 bits with bit 63 set
        long lo = n.longValue() << 1;
        if (sticky) lo |= 1;
        // value = n * 2^(drop - k) with n of 127 bits: the units bit (bit 126) has weight 2^(126 + drop - k).
        int e = 126 + drop - k;
        x.packPublic(neg, e, hi, lo, 64);
    }

    // ------------------------------------------------------------------ the functions

    /** 2^x - 1. */
    public static BigDecimal f2xm1(BigDecimal v) {
        return expm1(v.multiply(LN2, MC));
    }

    /** y * log2(x) for x > 0. */
    public static BigDecimal yl2x(BigDecimal y, BigDecimal x) {
        return y.multiply(log2(x), MC);
    }

    /** y * log2(x + 1) for x > -1. */
    public static BigDecimal yl2xp1(BigDecimal y, BigDecimal x) {
        BigDecimal z = x.divide(x.add(TWO), MC);
        BigDecimal ln = z.abs().compareTo(new BigDecimal("0.5")) <= 0 ? lnSeries(z).multiply(TWO, MC) : ln(x.add(BigDecimal.ONE));
        return y.multiply(ln.divide(LN2, MC), MC);
    }

    /** atan2(y, x) for finite non-zero or zero operands that are not both zero. */
    public static BigDecimal atan2(BigDecimal y, BigDecimal x) {
        if (x.signum() == 0) return y.signum() > 0 ? PI.divide(TWO, MC) : PI.divide(TWO, MC).negate();
        BigDecimal t = atan(y.divide(x, MC));
        if (x.signum() > 0) return t;
        return y.signum() >= 0 ? t.add(PI, MC) : t.subtract(PI, MC);
    }

    /** The argument reduced modulo pi/2 with the 66-bit pi: {r, quadrant} where quadrant is 0..3. */
    private static Object[] reduce(BigDecimal v) {
        BigDecimal q = v.divide(HALF_PI66, 0, RoundingMode.HALF_EVEN);
        BigDecimal r = v.subtract(q.multiply(HALF_PI66));
        int quadrant = q.toBigInteger().mod(BigInteger.valueOf(4)).intValue();
        return new Object[] {r, quadrant};
    }

    public static BigDecimal sin(BigDecimal v) {
        Object[] rq = reduce(v);
        BigDecimal r = (BigDecimal) rq[0];
        return switch ((int) rq[1]) {
            case 0 -> sinSeries(r);
            case 1 -> cosSeries(r);
            case 2 -> sinSeries(r).negate();
            default -> cosSeries(r).negate();
        };
    }

    public static BigDecimal cos(BigDecimal v) {
        Object[] rq = reduce(v);
        BigDecimal r = (BigDecimal) rq[0];
        return switch ((int) rq[1]) {
            case 0 -> cosSeries(r);
            case 1 -> sinSeries(r).negate();
            case 2 -> cosSeries(r).negate();
            default -> sinSeries(r);
        };
    }

    public static BigDecimal tan(BigDecimal v) {
        Object[] rq = reduce(v);
        BigDecimal r = (BigDecimal) rq[0];
        BigDecimal s = sinSeries(r), c = cosSeries(r);
        return ((int) rq[1] & 1) == 0 ? s.divide(c, MC) : c.divide(s, MC).negate();
    }

    // ------------------------------------------------------------------ series

    private static BigDecimal sinSeries(BigDecimal r) {
        BigDecimal r2 = r.multiply(r, MC), term = r, sum = r;
        for (int k = 1; term.abs().compareTo(EPS) > 0 && k < 200; k++) {
            term = term.multiply(r2, MC).divide(BigDecimal.valueOf((2L * k) * (2L * k + 1)), MC).negate();
            sum = sum.add(term, MC);
        }
        return sum;
    }

    private static BigDecimal cosSeries(BigDecimal r) {
        BigDecimal r2 = r.multiply(r, MC), term = BigDecimal.ONE, sum = BigDecimal.ONE;
        for (int k = 1; term.abs().compareTo(EPS) > 0 && k < 200; k++) {
            term = term.multiply(r2, MC).divide(BigDecimal.valueOf((2L * k - 1) * (2L * k)), MC).negate();
            sum = sum.add(term, MC);
        }
        return sum;
    }

    private static BigDecimal expm1(BigDecimal t) {
        BigDecimal term = t, sum = t;
        for (int k = 2; term.abs().compareTo(EPS.multiply(t.abs().add(EPS))) > 0 && k < 400; k++) {
            term = term.multiply(t, MC).divide(BigDecimal.valueOf(k), MC);
            sum = sum.add(term, MC);
        }
        return sum;
    }

    /** atanh(z) for |z| < 1: z + z^3/3 + z^5/5 + ... */
    private static BigDecimal lnSeries(BigDecimal z) {
        BigDecimal z2 = z.multiply(z, MC), pow = z, sum = z;
        for (int k = 1; k < 2000; k++) {
            pow = pow.multiply(z2, MC);
            BigDecimal term = pow.divide(BigDecimal.valueOf(2L * k + 1), MC);
            sum = sum.add(term, MC);
            if (term.abs().compareTo(EPS.multiply(z.abs())) <= 0) break;
        }
        return sum;
    }

    /** ln(x) for x > 0: x = m * 2^e with m in [1, 2). */
    private static BigDecimal ln(BigDecimal x) {
        int e = 0;
        BigDecimal m = x;
        // Scale by powers of two: an estimate from the double value, then exact corrections.
        double d = x.doubleValue();
        if (d > 0 && !Double.isInfinite(d) && d >= Double.MIN_NORMAL) e = Math.getExponent(d);
        else e = (int) Math.floor((x.precision() - x.scale() - 1) * 3.321928094887362);
        m = e >= 0 ? x.divide(new BigDecimal(BigInteger.ONE.shiftLeft(e)), MC) : x.multiply(new BigDecimal(BigInteger.ONE.shiftLeft(-e)), MC);
        while (m.compareTo(TWO) >= 0) {
            m = m.divide(TWO, MC);
            e++;
        }
        while (m.compareTo(BigDecimal.ONE) < 0) {
            m = m.multiply(TWO, MC);
            e--;
        }
        BigDecimal z = m.subtract(BigDecimal.ONE).divide(m.add(BigDecimal.ONE), MC);
        return lnSeries(z).multiply(TWO, MC).add(LN2.multiply(BigDecimal.valueOf(e), MC), MC);
    }

    private static BigDecimal log2(BigDecimal x) {
        return ln(x).divide(LN2, MC);
    }

    private static BigDecimal atan(BigDecimal x) {
        boolean neg = x.signum() < 0;
        BigDecimal a = x.abs();
        boolean inv = a.compareTo(BigDecimal.ONE) > 0;
        if (inv) a = BigDecimal.ONE.divide(a, MC);
        int halvings = 0;
        while (a.compareTo(new BigDecimal("0.1")) > 0) {
            a = a.divide(BigDecimal.ONE.add(BigDecimal.ONE.add(a.multiply(a, MC)).sqrt(MC)), MC);
            halvings++;
        }
        BigDecimal a2 = a.multiply(a, MC), pow = a, sum = a;
        for (int k = 1; k < 500; k++) {
            pow = pow.multiply(a2, MC).negate();
            BigDecimal term = pow.divide(BigDecimal.valueOf(2L * k + 1), MC);
            sum = sum.add(term, MC);
            if (term.abs().compareTo(EPS) <= 0) break;
        }
        sum = sum.multiply(BigDecimal.valueOf(1L << halvings), MC);
        if (inv) sum = PI.divide(TWO, MC).subtract(sum, MC);
        return neg ? sum.negate() : sum;
    }
}
