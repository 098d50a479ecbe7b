package ntgate.cpu;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * The x87 FPU against this machine's processor, bit for bit: random sequences of one to four x87 instructions,
 * each case starting from a random FPU state loaded with FRSTOR (every value class in the registers: zeros,
 * denormals, pseudo-denormals, normals near and far, infinities, QNaNs, SNaNs, the indefinite, unnormals,
 * pseudo-NaNs; random TOP, tags, RC and PC, exceptions masked) and random memory operands of every format,
 * ending with FNSAVE. The saved image is compared (control, status and tag words, the eight registers), with the
 * condition codes the SDM leaves undefined after the sequence masked and the instruction and data pointers left
 * out (the code and selectors differ between the two sides); memory results, general registers (FNSTSW AX) and
 * EFLAGS (FCOMI, FCMOVcc reads it) are compared exactly.
 *
 * <p>The default run is small enough for {@code mvn verify}; {@code -Dntgate.x87.cases=N} sets the number of
 * cases (the long run uses 100000) and {@code -Dntgate.x87.seed=S} the seed.
 */
class X87NativeTest {
    private static final int STATE = 0, SAVE = 0x100, OPS = 0x200, SLOT = 0x20, MEM = 0x300;
    private static final int CASES = Integer.getInteger("ntgate.x87.cases", 3000);
    private static final long SEED = Long.getLong("ntgate.x87.seed", 0x87_87_2026L);

    /** {@code -Dntgate.x87.only=HEX}: every case runs just these instruction bytes (for studying one instruction). */
    private static final String ONLY = System.getProperty("ntgate.x87.only");

    private Random rnd = new Random(SEED);

    // ---- values ----

    private long bits(int n) {
        return n >= 64 ? rnd.nextLong() : rnd.nextLong() & ((1L << n) - 1);
    }

    /** A random 80-bit value: {se, m}. */
    private long[] ext() {
        int s = rnd.nextBoolean() ? 0x8000 : 0;
        long m = 0x8000000000000000L | rnd.nextLong();
        int e;
        switch (rnd.nextInt(20)) {
            case 0 -> { return new long[] {s, 0}; }
            case 1 -> { return new long[] {s, rnd.nextLong() >>> (1 + rnd.nextInt(63))}; }          // denormal
            case 2 -> { return new long[] {s, 0x8000000000000000L | rnd.nextLong()}; }              // pseudo-denormal
            case 3 -> { return new long[] {s | 0x7FFF, 0x8000000000000000L}; }                      // infinity
            case 4 -> { return new long[] {s | 0x7FFF, 0xC000000000000000L | bits(rnd.nextInt(63))}; }   // QNaN
            case 5 -> { return new long[] {s | 0x7FFF, 0x8000000000000000L | (1L + bits(rnd.nextInt(62)))}; }   // SNaN
            case 6 -> { return new long[] {0xFFFF, 0xC000000000000000L}; }                          // indefinite
            case 7 -> { return new long[] {s | (1 + rnd.nextInt(0x7FFE)), rnd.nextLong() >>> 1}; }  // unnormal
            case 8 -> { return new long[] {s | 0x7FFF, rnd.nextLong() >>> 1}; }                     // pseudo-NaN/inf
            case 9 -> e = 1 + rnd.nextInt(4);
            case 10 -> e = 0x7FFE - rnd.nextInt(4);
            case 11 -> {   // a small integer or half-integer
                long v = rnd.nextInt(2000) + 1;
                int lz = Long.numberOfLeadingZeros(v);
                return new long[] {s | (16383 + 63 - lz - (rnd.nextBoolean() ? 1 : 0)), v << lz};
            }
            case 12 -> {   // few significant bits: exact sums and halfway cases
                m = 0x8000000000000000L | (rnd.nextLong() & (-1L << (64 - 1 - rnd.nextInt(64))));
                e = 16383 + rnd.nextInt(140) - 70;
            }
            case 13 -> {   // all ones below a random point: carries out of the rounding
                m = -1L << rnd.nextInt(41);
                e = 16383 + rnd.nextInt(80) - 40;
            }
            case 14 -> e = 16383 - 16382 + rnd.nextInt(80);   // near the bottom of the range
            case 15 -> e = 16383 + 16383 - rnd.nextInt(80);   // near the top
            case 16 -> e = rnd.nextInt(0x7FFE) + 1;
            default -> e = 16383 + rnd.nextInt(130) - 65;
        }
        return new long[] {s | e, m};
    }

    private int f32() {
        int s = rnd.nextBoolean() ? 0x80000000 : 0;
        return switch (rnd.nextInt(12)) {
            case 0 -> s;
            case 1 -> s | (rnd.nextInt() & 0x7FFFFF);                    // denormal (or zero)
            case 2 -> s | 0x7F800000;
            case 3 -> s | 0x7FC00000 | (rnd.nextInt() & 0x3FFFFF);
            case 4 -> s | 0x7F800000 | (1 + rnd.nextInt(0x3FFFFF));      // SNaN
            case 5 -> s | (0x7F7FFFFF - rnd.nextInt(4));
            case 6 -> s | (0x00800000 + rnd.nextInt(4));
            case 7 -> Float.floatToRawIntBits(rnd.nextInt(200) - 100);
            case 8 -> s | ((127 + rnd.nextInt(60) - 30) << 23) | (rnd.nextInt() & (0x7FFFFF << rnd.nextInt(23)) & 0x7FFFFF);
            default -> s | ((127 + rnd.nextInt(100) - 50) << 23) | (rnd.nextInt() & 0x7FFFFF);
        };
    }

    private long f64() {
        long s = rnd.nextBoolean() ? 0x8000000000000000L : 0;
        return switch (rnd.nextInt(12)) {
            case 0 -> s;
            case 1 -> s | (rnd.nextLong() & 0xFFFFFFFFFFFFFL);
            case 2 -> s | 0x7FF0000000000000L;
            case 3 -> s | 0x7FF8000000000000L | (rnd.nextLong() & 0x7FFFFFFFFFFFFL);
            case 4 -> s | 0x7FF0000000000000L | (1 + (rnd.nextLong() & 0x7FFFFFFFFFFL));
            case 5 -> s | (0x7FEFFFFFFFFFFFFFL - rnd.nextInt(4));
            case 6 -> s | (0x0010000000000000L + rnd.nextInt(4));
            case 7 -> Double.doubleToRawLongBits(rnd.nextInt(200) - 100);
            case 8 -> s | ((long) (1023 + rnd.nextInt(60) - 30) << 52) | (rnd.nextLong() & (0xFFFFFFFFFFFFFL << rnd.nextInt(52)) & 0xFFFFFFFFFFFFFL);
            default -> s | ((long) (1023 + rnd.nextInt(200) - 100) << 52) | (rnd.nextLong() & 0xFFFFFFFFFFFFFL);
        };
    }

    private long integer(int bits) {
        long v = switch (rnd.nextInt(6)) {
            case 0 -> 1L << (bits - 1);
            case 1 -> (1L << (bits - 1)) - 1 - rnd.nextInt(3);
            case 2 -> rnd.nextInt(21) - 10;
            default -> rnd.nextLong() >> rnd.nextInt(64);
        };
        return v;
    }

    private static void put(byte[] b, int off, long v, int n) {
        for (int i = 0; i < n; i++) b[off + i] = (byte) (v >>> (8 * i));
    }

    // ---- instructions ----

    /** CC effects per instruction: for C0, C1, C2, C3: D defined, U undefined, N not affected. */
    private record Gen(String name, String cc, int kind) {}

    // Operand kinds for memory forms.
    private static final int REG = 0, M32 = 1, M64 = 2, M80 = 3, I16 = 4, I32 = 5, I64 = 6, BCD = 7, CW = 8, OUT = 9, ENV = 10;

    private record Made(byte[] code, String cc) {}

    private Made make(int slot, byte[] mem) {
        int i = rnd.nextInt(8);
        int addrOff = OPS + SLOT * slot;
        int r = rnd.nextInt(120);
        int esc, b2 = -1, digit = -1, kind = REG;
        String cc = "UDUU";
        if (r < 30) {   // register arithmetic
            int k = rnd.nextInt(8);
            switch (rnd.nextInt(3)) {
                case 0 -> { esc = 0xD8; if (k == 2 || k == 3) cc = "DDDD"; }
                case 1 -> { esc = 0xDC; if (k == 2 || k == 3) k += 2; }
                default -> { esc = 0xDE; if (k == 2 || k == 3) k += 2; }
            }
            b2 = 0xC0 | k << 3 | i;
        } else if (r < 50) {   // memory arithmetic
            esc = new int[] {0xD8, 0xDC, 0xDA, 0xDE}[rnd.nextInt(4)];
            digit = rnd.nextInt(8);
            if (digit == 2 || digit == 3) cc = "DDDD";
            kind = esc == 0xD8 ? M32 : esc == 0xDC ? M64 : esc == 0xDA ? I32 : I16;
        } else if (r < 62) {   // loads and stores
            int[][] forms = {{0xD9, 0, M32}, {0xDD, 0, M64}, {0xDB, 5, M80}, {0xDF, 0, I16}, {0xDB, 0, I32}, {0xDF, 5, I64},
                {0xDF, 4, BCD}, {0xD9, 2, OUT}, {0xD9, 3, OUT}, {0xDD, 2, OUT}, {0xDD, 3, OUT}, {0xDB, 7, OUT}, {0xDF, 2, OUT},
                {0xDF, 3, OUT}, {0xDB, 2, OUT}, {0xDB, 3, OUT}, {0xDF, 7, OUT}, {0xDF, 6, OUT}, {0xD9, 7, OUT}, {0xDD, 7, OUT},
                {0xD9, 5, CW}, {0xD9, 6, ENV}};
            int[] f = forms[rnd.nextInt(forms.length)];
            esc = f[0];
            digit = f[1];
            kind = f[2];
            if (esc == 0xD9 && digit == 7 || esc == 0xDD && digit == 7 || esc == 0xD9 && digit == 6) cc = "NNNN";
            if (kind == CW) cc = "UUUU";
        } else {
            int[][] regForms = {
                {0xD9, 0xC0, 8, 0}, {0xD9, 0xC8, 8, 0}, {0xD9, 0xE0, 1, 0}, {0xD9, 0xE1, 1, 0}, {0xD9, 0xE4, 1, 1}, {0xD9, 0xE5, 1, 1},
                {0xD9, 0xE8, 7, 0}, {0xD9, 0xFA, 1, 0}, {0xD9, 0xFC, 1, 0}, {0xD9, 0xF6, 2, 0}, {0xDD, 0xC0, 8, 2}, {0xDD, 0xD0, 8, 0},
                {0xDD, 0xD8, 8, 0}, {0xDD, 0xE0, 8, 1}, {0xDD, 0xE8, 8, 1}, {0xDA, 0xE9, 1, 1}, {0xDE, 0xD9, 1, 1},
                {0xDA, 0xC0, 32, 0}, {0xDB, 0xC0, 32, 0}, {0xDB, 0xE8, 8, 3}, {0xDB, 0xF0, 8, 3}, {0xDF, 0xE8, 8, 3}, {0xDF, 0xF0, 8, 3},
                {0xDB, 0xE2, 1, 2}, {0xD9, 0xD0, 1, 2}, {0xDF, 0xE0, 1, 4}, {0xDF, 0xC0, 8, 2},
                {0xD9, 0xF4, 1, 0}, {0xD9, 0xFD, 1, 0}, {0xD9, 0xF8, 1, 1}, {0xD9, 0xF5, 1, 1}, {0xD9, 0xF7, 1, 0}};
            int[] f = regForms[rnd.nextInt(regForms.length)];
            esc = f[0];
            b2 = f[1] + rnd.nextInt(f[2]);
            cc = switch (f[3]) {
                case 1 -> "DDDD";
                case 2 -> "UUUU";
                case 3 -> "NDNN";
                case 4 -> "NNNN";
                default -> "UDUU";
            };
        }
        if (b2 >= 0) return new Made(new byte[] {(byte) esc, (byte) b2}, cc);
        // Memory operand at its slot.
        byte[] code = new byte[6];
        code[0] = (byte) esc;
        code[1] = (byte) (digit << 3 | 5);
        put(code, 2, NativeRef.SCRATCH + addrOff, 4);
        int o = addrOff - MEM_BASE;
        switch (kind) {
            case M32 -> put(mem, o, f32(), 4);
            case M64 -> put(mem, o, f64(), 8);
            case M80 -> {
                long[] v = ext();
                put(mem, o, v[1], 8);
                put(mem, o + 8, v[0], 2);
            }
            case I16 -> put(mem, o, integer(16), 2);
            case I32 -> put(mem, o, integer(32), 4);
            case I64 -> put(mem, o, integer(64), 8);
            case BCD -> {
                for (int k = 0; k < 9; k++) mem[o + k] = (byte) (rnd.nextInt(10) << 4 | rnd.nextInt(10));
                mem[o + 9] = (byte) (rnd.nextBoolean() ? 0x80 : 0);
            }
            case CW -> put(mem, o, 0x3F | rnd.nextInt(4) << 10 | new int[] {0, 2, 3}[rnd.nextInt(3)] << 8 | rnd.nextInt(2) << 12, 2);
            default -> {
                for (int k = 0; k < SLOT; k++) mem[o + k] = (byte) 0xA5;
            }
        }
        return new Made(code, cc);
    }

    private static final int MEM_BASE = 0;

    /** A random FSAVE image: all exceptions masked, random PC/RC, TOP, tags, flags and registers. */
    private byte[] state() {
        byte[] b = new byte[108];
        int pc = new int[] {0, 2, 3}[rnd.nextInt(3)];
        int cw = 0x3F | pc << 8 | rnd.nextInt(4) << 10 | 0x40;
        int sw = (rnd.nextInt() & (0x7F | 0x4700)) | rnd.nextInt(8) << 11;
        int tw = 0;
        for (int p = 0; p < 8; p++) if (rnd.nextInt(3) == 0) tw |= 3 << (2 * p);
        if (rnd.nextInt(8) == 0) tw = 0xFFFF;
        put(b, 0, cw, 2);
        put(b, 4, sw, 2);
        put(b, 8, tw, 2);
        for (int i = 0; i < 8; i++) {
            long[] v = ext();
            put(b, 28 + 10 * i, v[1], 8);
            put(b, 28 + 10 * i + 8, v[0], 2);
        }
        return b;
    }

    // ---- the run ----

    private record X87Case(NativeRef.Snip snip, int ccUndefined, String text, int envSlot) {}

    private X87Case generate() {
        byte[] mem = new byte[OPS + SLOT * 4];
        System.arraycopy(state(), 0, mem, STATE, 108);
        List<byte[]> parts = new ArrayList<>();
        parts.add(new byte[] {(byte) 0xDD, 0x25, 0, 0, 0, 0});   // frstor [SCRATCH]
        put(parts.get(0), 2, NativeRef.SCRATCH + STATE, 4);
        int n = ONLY == null ? 1 + rnd.nextInt(4) : 1;
        int undef = 0;
        int envSlot = -1;
        int[] ccBits = {0x100, 0x200, 0x400, 0x4000};
        for (int k = 0; k < n; k++) {
            Made m = ONLY == null ? make(k, mem) : new Made(HexFormat.of().parseHex(ONLY), "DDDD");
            if (ONLY != null) make(k, mem);
            parts.add(m.code);
            if (m.code.length == 6 && (m.code[0] & 0xFF) == 0xD9 && (m.code[1] & 0x38) == 0x30) envSlot = k;
            for (int c = 0; c < 4; c++) {
                switch (m.cc.charAt(c)) {
                    case 'D' -> undef &= ~ccBits[c];
                    case 'U' -> undef |= ccBits[c];
                    default -> { }
                }
            }
        }
        byte[] save = {(byte) 0xDD, 0x35, 0, 0, 0, 0};   // fnsave [SCRATCH + SAVE]
        put(save, 2, NativeRef.SCRATCH + SAVE, 4);
        parts.add(save);
        int len = 0;
        for (byte[] p : parts) len += p.length;
        byte[] code = new byte[len];
        int k = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, code, k, p.length);
            k += p.length;
        }
        NativeRef.Snip s = new NativeRef.Snip(code);
        s.regs(rnd.nextInt(), rnd.nextInt(), rnd.nextInt(), rnd.nextInt(), 0, rnd.nextInt(), rnd.nextInt(), rnd.nextInt());
        int fl = 0;
        for (int bit : new int[] {1, 4, 0x10, 0x40, 0x80, 0x800}) if (rnd.nextBoolean()) fl |= bit;
        s.flags(fl);
        s.mem(MEM_BASE, mem);
        s.undef = 0;
        return new X87Case(s, undef, HexFormat.of().formatHex(code), envSlot);
    }

    @Test
    void randomX87SequencesAgreeWithTheHostFpu() {
        NativeRef.runner();
        List<X87Case> cases = new ArrayList<>();
        for (int i = 0; i < CASES; i++) cases.add(generate());
        List<NativeRef.Snip> snips = new ArrayList<>();
        for (X87Case c : cases) snips.add(c.snip);
        List<NativeRef.Out> nat = NativeRef.runNative(snips);
        Eval eval = new Eval();
        List<String> bad = new ArrayList<>();
        int badCount = 0;
        for (int i = 0; i < cases.size(); i++) {
            String d = diff(eval, cases.get(i), nat.get(i));
            if (d != null) {
                badCount++;
                if (bad.size() < 30) bad.add(d);
            }
        }
        System.out.printf("native x87 %d cases, %d disagree%n", cases.size(), badCount);
        if (badCount > 0) fail(badCount + " of " + cases.size() + " x87 cases differ from the host FPU:\n  " + String.join("\n  ", bad));
    }

    private static String diff(Eval eval, X87Case c, NativeRef.Out o) {
        NativeRef.Snip s = c.snip;
        Eval.Result r;
        try {
            r = NativeRef.runNtgate(eval, s);
        } catch (RuntimeException e) {
            return c.text + ": ntgate threw " + e;
        }
        StringBuilder d = new StringBuilder();
        if (o.sig != 0 || r.fault != null) {
            d.append(" native signal ").append(o.sig).append(", ntgate ").append(r.fault == null ? "no fault" : r.fault.getMessage()).append(';');
        }
        for (int i = 0; i < 8; i++) {
            if (i == 4) continue;
            if (r.gpr[i] != o.regs[i]) d.append(String.format(" %s ntgate %08x native %08x;", Eval.REG_NAMES[i], r.gpr[i], o.regs[i]));
        }
        int mask = NativeRef.COMPARED_FLAGS;
        if (((r.eflags ^ o.eflags) & mask) != 0) d.append(" eflags ntgate ").append(NativeRef.flagText(r.eflags)).append(" native ").append(NativeRef.flagText(o.eflags)).append(';');
        byte[] nt = s.mem.clone();
        for (Map.Entry<Integer, byte[]> e : r.written.entrySet()) {
            byte[] b = e.getValue();
            for (int k = 0; k < b.length; k++) {
                long a = (e.getKey() & 0xFFFFFFFFL) + k - NativeRef.SCRATCH;
                if (a >= 0 && a < nt.length) nt[(int) a] = b[k];
            }
        }
        byte[] na = o.mem;
        // The FNSAVE image: pointers (bytes 12..27) not compared, undefined condition codes masked.
        for (int k = 0; k < 108; k++) {
            if (k >= 12 && k < 28) continue;
            int a = nt[SAVE + k] & 0xFF, b = na[SAVE + k] & 0xFF;
            if (k == 4) {
                a &= ~c.ccUndefined & 0xFF;
                b &= ~c.ccUndefined & 0xFF;
            } else if (k == 5) {
                a &= ~(c.ccUndefined >>> 8) & 0xFF;
                b &= ~(c.ccUndefined >>> 8) & 0xFF;
            }
            if (a != b) {
                d.append(" fsave image differs:\n      ntgate ").append(image(nt, c.ccUndefined)).append("\n      native ").append(image(na, c.ccUndefined));
                break;
            }
        }
        for (int k = OPS; k < nt.length; k++) {
            if (c.envSlot >= 0 && k >= OPS + SLOT * c.envSlot + 12 && k < OPS + SLOT * c.envSlot + 28) continue;   // FNSTENV pointers
            if (nt[k] != na[k]) {
                d.append(" memory at +").append(Integer.toHexString(k)).append(" ntgate ")
                        .append(HexFormat.of().formatHex(nt, OPS, nt.length)).append(" native ").append(HexFormat.of().formatHex(na, OPS, na.length)).append(';');
                break;
            }
        }
        if (d.length() == 0) return null;
        return "[" + c.text + "] in: " + image(s.mem, 0) + " ops " + HexFormat.of().formatHex(s.mem, OPS, s.mem.length) + " fl=" + NativeRef.flagText(s.eflags) + "\n   " + d;
    }

    /** CW SW TW and ST0..ST7 of an image at SAVE (or the input state at 0 when ccMask is 0 and it is the input). */
    private static String image(byte[] m, int ccUndefined) {
        int base = ccUndefined == 0 && m.length > 0 && (m[SAVE] | m[SAVE + 1]) == 0 ? STATE : SAVE;
        StringBuilder b = new StringBuilder();
        int cw = (m[base] & 0xFF) | (m[base + 1] & 0xFF) << 8;
        int sw = (m[base + 4] & 0xFF) | (m[base + 5] & 0xFF) << 8;
        int tw = (m[base + 8] & 0xFF) | (m[base + 9] & 0xFF) << 8;
        b.append(String.format("cw=%04x sw=%04x(undef %04x) tw=%04x rsv=%02x%02x", cw, sw, ccUndefined, tw, m[base + 3] & 0xFF, m[base + 2] & 0xFF));
        for (int i = 0; i < 8; i++) {
            int o = base + 28 + 10 * i;
            long mm = 0;
            for (int k = 7; k >= 0; k--) mm = mm << 8 | (m[o + k] & 0xFF);
            int se = (m[o + 8] & 0xFF) | (m[o + 9] & 0xFF) << 8;
            b.append(String.format(" %04x:%016x", se, mm));
        }
        return b.toString();
    }
}
