package ntgate.cpu;

import ntgate.cpu.NativeRef.Snip;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static ntgate.cpu.NativeRef.SCRATCH;
import static ntgate.cpu.decode.OpcodeTable.AF;
import static ntgate.cpu.decode.OpcodeTable.CF;
import static ntgate.cpu.decode.OpcodeTable.OF;
import static ntgate.cpu.decode.OpcodeTable.OSZAPC;
import static ntgate.cpu.decode.OpcodeTable.PF;
import static ntgate.cpu.decode.OpcodeTable.SF;
import static ntgate.cpu.decode.OpcodeTable.ZF;

/**
 * The integer instruction set against this machine's processor: random and edge-case inputs (fixed seeds) for
 * every family, executed natively and by ntgate, compared by {@link NativeRef}. Register forms mostly; memory
 * forms address the shared scratch area with a disp32.
 */
class NativeConformanceTest {
    private static final int[] REGS32 = {0, 1, 2, 3, 5, 6, 7};   // no ESP: the native side runs on its own stack
    private static final int[] EDGE = {0, 1, 2, 0x7F, 0x80, 0xFF, 0x100, 0x7FFF, 0x8000, 0xFFFF, 0x10000,
        0x7FFFFFFF, 0x80000000, 0x80000001, 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFF80, 0xFFFF8000, 0x0F, 0x10, 0x99, 0x9A};

    private final Random rnd = new Random(0x5EED_1A32L);

    // ---- value generators ----

    private int val() {
        return switch (rnd.nextInt(6)) {
            case 0, 1 -> EDGE[rnd.nextInt(EDGE.length)];
            case 2 -> EDGE[rnd.nextInt(EDGE.length)] + rnd.nextInt(5) - 2;
            case 3 -> rnd.nextInt(256) * 0x01010101 ^ (rnd.nextInt(8) << rnd.nextInt(29));
            default -> rnd.nextInt();
        };
    }

    private int[] regs() {
        int[] r = new int[8];
        for (int i = 0; i < 8; i++) r[i] = val();
        return r;
    }

    private int randomArith() {
        int f = 0;
        for (int b : new int[] {CF, PF, AF, ZF, SF, OF}) if (rnd.nextBoolean()) f |= b;
        return f;
    }

    private int reg(int size) {
        return size == 1 ? rnd.nextInt(8) : REGS32[rnd.nextInt(REGS32.length)];
    }

    private static byte[] bytes(int... b) {
        byte[] out = new byte[b.length];
        for (int i = 0; i < b.length; i++) out[i] = (byte) b[i];
        return out;
    }

    private static byte[] cat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) n += p.length;
        byte[] out = new byte[n];
        int k = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, k, p.length);
            k += p.length;
        }
        return out;
    }

    private static byte[] le(int v, int size) {
        byte[] b = new byte[size];
        for (int i = 0; i < size; i++) b[i] = (byte) (v >>> (8 * i));
        return b;
    }

    /** The operand-size prefix for 16-bit forms. */
    private static byte[] osz(int size) {
        return size == 2 ? bytes(0x66) : new byte[0];
    }

    private static int modrmReg(int reg, int rm) {
        return 0xC0 | reg << 3 | rm;
    }

    /** ModRM + disp32 addressing SCRATCH + off. */
    private static byte[] memOperand(int reg, int off) {
        return cat(bytes(reg << 3 | 5), le(SCRATCH + off, 4));
    }

    private Snip snip(byte[] code) {
        return new Snip(code).regs(regs()).flags(randomArith());
    }

    private byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) b[i] = (byte) val();
        return b;
    }

    // ---- families ----

    @Test
    void aluAddAdcSubSbbCmpAndOrXor() {
        List<Snip> s = new ArrayList<>();
        for (int kind = 0; kind < 8; kind++) {
            for (int n = 0; n < 60; n++) {
                for (int size : new int[] {1, 2, 4}) {
                    int w = size == 1 ? 0 : 1;
                    int g = reg(size), e = reg(size);
                    s.add(snip(cat(osz(size), bytes(kind << 3 | w, modrmReg(g, e)))));            // Ex,Gx
                    s.add(snip(cat(osz(size), bytes(kind << 3 | 2 | w, modrmReg(g, e)))));        // Gx,Ex
                    s.add(snip(cat(osz(size), bytes(kind << 3 | 4 | w), le(val(), size))));       // acc,imm
                    s.add(snip(cat(osz(size), bytes(0x80 | w, modrmReg(kind, e)), le(val(), size))));   // 80/81
                    if (size > 1) s.add(snip(cat(osz(size), bytes(0x83, modrmReg(kind, e), val()))));  // 83 Ibs
                    else s.add(snip(bytes(0x82, modrmReg(kind, e), val())));                            // 82 alias
                    // Memory destination and source.
                    s.add(snip(cat(osz(size), bytes(kind << 3 | w), memOperand(g, 0x10))).mem(0x10, randomBytes(4)));
                    s.add(snip(cat(osz(size), bytes(kind << 3 | 2 | w), memOperand(g, 0x13))).mem(0x10, randomBytes(8)));
                }
            }
        }
        NativeRef.compare("alu", s);
    }

    @Test
    void testIncDecNegNot() {
        List<Snip> s = new ArrayList<>();
        for (int n = 0; n < 150; n++) {
            for (int size : new int[] {1, 2, 4}) {
                int w = size == 1 ? 0 : 1;
                int g = reg(size), e = reg(size);
                s.add(snip(cat(osz(size), bytes(0x84 | w, modrmReg(g, e)))));                 // TEST Ex,Gx
                s.add(snip(cat(osz(size), bytes(0xA8 | w), le(val(), size))));               // TEST acc,imm
                s.add(snip(cat(osz(size), bytes(0xF6 | w, modrmReg(0, e)), le(val(), size)))); // TEST Ex,imm
                s.add(snip(cat(osz(size), bytes(0xFE | w, modrmReg(0, e)))));                 // INC Ex
                s.add(snip(cat(osz(size), bytes(0xFE | w, modrmReg(1, e)))));                 // DEC Ex
                s.add(snip(cat(osz(size), bytes(0xF6 | w, modrmReg(2, e)))));                 // NOT Ex
                s.add(snip(cat(osz(size), bytes(0xF6 | w, modrmReg(3, e)))));                 // NEG Ex
                s.add(snip(cat(osz(size), bytes(0xF6 | w, modrmReg(3, 0)))).regs(EDGE[n % EDGE.length]));
                if (size > 1) {
                    s.add(snip(cat(osz(size), bytes(0x40 | e))));                             // INC Zv
                    s.add(snip(cat(osz(size), bytes(0x48 | e))));                             // DEC Zv
                }
                s.add(snip(cat(osz(size), bytes(0xFE | w), memOperand(0, 0x20))).mem(0x20, randomBytes(4)));
                s.add(snip(cat(osz(size), bytes(0xF6 | w), memOperand(3, 0x21))).mem(0x20, randomBytes(4)));
            }
        }
        NativeRef.compare("incdecneg", s);
    }

    @Test
    void mulImul() {
        List<Snip> s = new ArrayList<>();
        for (int n = 0; n < 250; n++) {
            for (int size : new int[] {1, 2, 4}) {
                int w = size == 1 ? 0 : 1;
                int e = reg(size);
                s.add(snip(cat(osz(size), bytes(0xF6 | w, modrmReg(4, e)))));                 // MUL
                s.add(snip(cat(osz(size), bytes(0xF6 | w, modrmReg(5, e)))));                 // IMUL one operand
                if (size > 1) {
                    int g = reg(size);
                    s.add(snip(cat(osz(size), bytes(0x0F, 0xAF, modrmReg(g, e)))));            // IMUL Gv,Ev
                    s.add(snip(cat(osz(size), bytes(0x69, modrmReg(g, e)), le(val(), size))));  // IMUL Gv,Ev,Iz
                    s.add(snip(cat(osz(size), bytes(0x6B, modrmReg(g, e), val()))));            // IMUL Gv,Ev,Ibs
                }
            }
        }
        NativeRef.compare("mul", s);
    }

    @Test
    void divIdivIncludingFaults() {
        List<Snip> s = new ArrayList<>();
        for (int n = 0; n < 300; n++) {
            for (int size : new int[] {1, 2, 4}) {
                int w = size == 1 ? 0 : 1;
                for (int digit = 6; digit <= 7; digit++) {
                    int e = size == 1 ? new int[] {1, 2, 3, 5, 6, 7}[rnd.nextInt(6)] : new int[] {1, 3, 5, 6, 7}[rnd.nextInt(5)];
                    Snip sn = snip(cat(osz(size), bytes(0xF6 | w, modrmReg(digit, e))));
                    int[] r = sn.regs;
                    // Mostly dividends whose quotient fits: for DIV a high half below the divisor, for IDIV the
                    // sign extension of the low half. The rest overflow or divide by zero: #DE on both sides.
                    if (rnd.nextInt(4) != 0) {
                        if (size == 1) {
                            int divisor = e < 4 ? r[e] & 0xFF : r[e - 4] >>> 8 & 0xFF;
                            int ah = digit == 6 ? (r[0] >>> 8 & 0xFF) % Math.max(1, divisor) : ((byte) r[0]) >> 7 & 0xFF;
                            r[0] = (r[0] & 0xFFFF00FF) | ah << 8;
                        } else if (size == 2) {
                            int dx = digit == 6 ? (r[2] & 0xFFFF) % Math.max(1, r[e] & 0xFFFF) : ((short) r[0]) >> 15 & 0xFFFF;
                            r[2] = (r[2] & 0xFFFF0000) | dx;
                        } else {
                            r[2] = digit == 6 ? Integer.remainderUnsigned(r[2], r[e] == 0 ? 1 : r[e]) : r[0] >> 31;
                        }
                    }
                    s.add(sn);
                }
            }
        }
        // IDIV's most negative quotient overflow: 0x80000000:0 / -1 and its smaller forms.
        s.add(new Snip(bytes(0xF7, 0xF9)).regs(0, -1, 0x80000000, 0));
        s.add(new Snip(bytes(0xF7, 0xF9)).regs(0x80000000, -1, 0xFFFFFFFF, 0));
        s.add(new Snip(bytes(0x66, 0xF7, 0xF9)).regs(0x8000, 0xFFFF, 0xFFFF, 0));
        s.add(new Snip(bytes(0xF6, 0xF9)).regs(0xFF80, 0xFF, 0, 0));
        s.add(new Snip(bytes(0xF7, 0xF1)).regs(5, 0, 0, 0));
        NativeRef.compare("div", s);
    }

    @Test
    void shiftsAndRotates() {
        List<Snip> s = new ArrayList<>();
        for (int kind = 0; kind < 8; kind++) {
            for (int size : new int[] {1, 2, 4}) {
                int w = size == 1 ? 0 : 1;
                int bits = size * 8;
                for (int count = 0; count < 70; count++) {
                    for (int rep = 0; rep < 3; rep++) {
                        int e = reg(size);
                        if (e == 1 || (size == 1 && e == 5)) e = 3;   // keep CL (and CH) the count only
                        Snip viaCl = snip(cat(osz(size), bytes(0xD2 | w, modrmReg(kind, e))));
                        viaCl.regs[1] = (viaCl.regs[1] & ~0xFF) | (count < 64 ? count : rnd.nextInt(256));
                        s.add(refineShift(viaCl, kind, viaCl.regs[1] & 0xFF, bits));
                        int imm = count < 64 ? count : rnd.nextInt(256);
                        s.add(refineShift(snip(cat(osz(size), bytes(0xC0 | w, modrmReg(kind, e), imm))), kind, imm, bits));
                    }
                }
                for (int n = 0; n < 40; n++) {
                    s.add(refineShift(snip(cat(osz(size), bytes(0xD0 | w, modrmReg(kind, reg(size))))), kind, 1, bits));
                    s.add(refineShift(snip(cat(osz(size), bytes(0xD0 | w), memOperand(kind, 0x30))).mem(0x30, randomBytes(4)), kind, 1, bits));
                }
            }
        }
        NativeRef.compare("shift", s);
    }

    /**
     * The SDM's count-dependent flag rules for group 2: a masked count of 0 changes no flag (all compared);
     * OF is defined only for a count of 1; SHL/SHR leave CF undefined when the count reaches the operand size.
     */
    private static Snip refineShift(Snip s, int kind, int count, int bits) {
        int c = count & 0x1F;
        if (c == 0) {
            s.undef = 0;
            return s;
        }
        if (kind >= 4) {
            s.undef = AF | (c == 1 ? 0 : OF);
            if ((kind == 4 || kind == 5 || kind == 6) && c >= bits) s.undef |= CF;
        } else {
            s.undef = c == 1 ? 0 : OF;
        }
        return s;
    }

    @Test
    void shldShrd() {
        List<Snip> s = new ArrayList<>();
        for (int size : new int[] {2, 4}) {
            for (int count = 0; count < 40; count++) {
                for (int n = 0; n < 12; n++) {
                    int c = count & 0x1F;
                    if (size == 2 && c > 16) continue;   // result undefined when the count exceeds the operand size
                    int g = reg(size), e = reg(size);
                    if (g == 1) g = 3;
                    if (e == 1) e = 6;
                    for (int left = 0; left < 2; left++) {
                        Snip imm = snip(cat(osz(size), bytes(0x0F, left == 1 ? 0xA4 : 0xAC, modrmReg(g, e), count)));
                        Snip cl = snip(cat(osz(size), bytes(0x0F, left == 1 ? 0xA5 : 0xAD, modrmReg(g, e))));
                        cl.regs[1] = (cl.regs[1] & ~0xFF) | count;
                        for (Snip x : new Snip[] {imm, cl}) {
                            x.undef = c == 0 ? 0 : AF | (c == 1 ? 0 : OF);
                            s.add(x);
                        }
                    }
                }
            }
        }
        NativeRef.compare("shld", s);
    }

    @Test
    void bitTestScanSwap() {
        List<Snip> s = new ArrayList<>();
        int[] btOps = {0xA3, 0xAB, 0xB3, 0xBB};
        for (int n = 0; n < 120; n++) {
            for (int size : new int[] {2, 4}) {
                for (int k = 0; k < 4; k++) {
                    int g = reg(size), e = reg(size);
                    s.add(snip(cat(osz(size), bytes(0x0F, btOps[k], modrmReg(g, e)))));
                    s.add(snip(cat(osz(size), bytes(0x0F, 0xBA, modrmReg(4 + k, e), rnd.nextInt(256)))));
                    // Memory bit strings: a signed offset reaching 0x100 bytes either side of SCRATCH+0x800.
                    Snip m = snip(cat(osz(size), bytes(0x0F, btOps[k]), memOperand(g, 0x800)));
                    m.regs[g] = rnd.nextInt(0x1000) - 0x800;
                    m.mem(0x700, randomBytes(0x200));
                    s.add(m);
                    s.add(snip(cat(osz(size), bytes(0x0F, 0xBA), memOperand(4 + k, 0x40), bytes(rnd.nextInt(256)))).mem(0x40, randomBytes(4)));
                }
                for (int op : new int[] {0xBC, 0xBD}) {
                    int g = reg(size), e = reg(size);
                    Snip b = snip(cat(osz(size), bytes(0x0F, op, modrmReg(g, e))));
                    if ((b.regs[e] & (size == 2 ? 0xFFFF : -1)) == 0) b.regs[e] |= 1 << rnd.nextInt(size * 8);
                    s.add(b);
                }
            }
            s.add(snip(bytes(0x0F, 0xC8 | reg(4))));   // BSWAP
        }
        NativeRef.compare("bits", s);
    }

    @Test
    void decimalAdjust() {
        List<Snip> s = new ArrayList<>();
        for (int op : new int[] {0x27, 0x2F, 0x37, 0x3F}) {
            for (int al = 0; al < 256; al++) {
                for (int fl = 0; fl < 4; fl++) {
                    int f = ((fl & 1) != 0 ? CF : 0) | ((fl & 2) != 0 ? AF : 0) | (rnd.nextInt(64) & (SF | ZF | PF | OF));
                    Snip x = new Snip(bytes(op)).regs(rnd.nextInt() & 0xFFFF0000 | rnd.nextInt(256) << 8 | al, val(), val(), val()).flags(f);
                    s.add(x);
                }
            }
        }
        for (int n = 0; n < 600; n++) {
            int base = n < 40 ? n : (n % 3 == 0 ? 10 : rnd.nextInt(256));
            s.add(snip(bytes(0xD4, base)));   // AAM (base 0: #DE)
            s.add(snip(bytes(0xD5, base)));   // AAD
        }
        NativeRef.compare("bcd", s);
    }

    @Test
    void conversionsAndExtensions() {
        List<Snip> s = new ArrayList<>();
        for (int n = 0; n < 200; n++) {
            s.add(snip(bytes(0x98)));
            s.add(snip(bytes(0x66, 0x98)));
            s.add(snip(bytes(0x99)));
            s.add(snip(bytes(0x66, 0x99)));
            for (int size : new int[] {2, 4}) {
                for (int op : new int[] {0xB6, 0xB7, 0xBE, 0xBF}) {
                    s.add(snip(cat(osz(size), bytes(0x0F, op, modrmReg(reg(size), op == 0xB6 || op == 0xBE ? rnd.nextInt(8) : reg(2))))));
                }
                s.add(snip(cat(osz(size), bytes(0x0F, 0xBE), memOperand(reg(size), 0x50))).mem(0x50, randomBytes(2)));
                s.add(snip(cat(osz(size), bytes(0x0F, 0xB7), memOperand(reg(size), 0x50))).mem(0x50, randomBytes(2)));
            }
            s.add(snip(bytes(0x9F)));   // LAHF
            s.add(snip(bytes(0x9E)));   // SAHF
        }
        NativeRef.compare("convert", s);
    }

    @Test
    void setccCmovccAllConditions() {
        List<Snip> s = new ArrayList<>();
        for (int cc = 0; cc < 16; cc++) {
            for (int f = 0; f < 64; f++) {
                int fl = ((f & 1) != 0 ? CF : 0) | ((f & 2) != 0 ? PF : 0) | ((f & 4) != 0 ? AF : 0)
                        | ((f & 8) != 0 ? ZF : 0) | ((f & 16) != 0 ? SF : 0) | ((f & 32) != 0 ? OF : 0);
                s.add(new Snip(bytes(0x0F, 0x90 | cc, modrmReg(0, rnd.nextInt(8)))).regs(regs()).flags(fl));
                s.add(new Snip(bytes(0x0F, 0x40 | cc, modrmReg(reg(4), reg(4)))).regs(regs()).flags(fl));
                s.add(new Snip(bytes(0x66, 0x0F, 0x40 | cc, modrmReg(reg(2), reg(2)))).regs(regs()).flags(fl));
            }
            // Flags left by a real compare, then the condition read from them (the lazy-flag fast path).
            for (int n = 0; n < 64; n++) {
                int size = new int[] {1, 2, 4}[n % 3];
                s.add(snip(cat(osz(size), bytes(size == 1 ? 0x38 : 0x39, modrmReg(reg(size), reg(size))), bytes(0x0F, 0x90 | cc, 0xC0 | 2))));
                s.add(snip(cat(osz(size), bytes(size == 1 ? 0x28 : 0x29, modrmReg(reg(size), reg(size))), bytes(0x0F, 0x40 | cc, 0xC0 | 5 << 3 | 6))));
            }
        }
        NativeRef.compare("cc", s);
    }

    @Test
    void xaddCmpxchg() {
        List<Snip> s = new ArrayList<>();
        for (int n = 0; n < 200; n++) {
            for (int size : new int[] {1, 2, 4}) {
                int w = size == 1 ? 0 : 1;
                int g = reg(size), e = reg(size);
                s.add(snip(cat(osz(size), bytes(0x0F, 0xC0 | w, modrmReg(g, e)))));
                Snip c = snip(cat(osz(size), bytes(0x0F, 0xB0 | w, modrmReg(g, e))));
                if (rnd.nextBoolean()) c.regs[0] = size == 1 ? c.regs[e & 3] >>> (e >= 4 ? 8 : 0) : c.regs[e];   // make them equal often
                s.add(c);
                s.add(snip(cat(osz(size), bytes(0x0F, 0xC0 | w), memOperand(g, 0x60))).mem(0x60, randomBytes(4)));
                Snip cm = snip(cat(osz(size), bytes(0x0F, 0xB0 | w), memOperand(g, 0x60)));
                byte[] m = randomBytes(4);
                if (rnd.nextBoolean()) cm.regs[0] = (m[0] & 0xFF) | (m[1] & 0xFF) << 8 | (m[2] & 0xFF) << 16 | (m[3] & 0xFF) << 24;
                s.add(cm.mem(0x60, m));
                s.add(snip(cat(osz(size), bytes(0xF0, 0x0F, 0xC0 | w), memOperand(g, 0x60))).mem(0x60, randomBytes(4)));
            }
            Snip c8 = snip(cat(bytes(0x0F, 0xC7), memOperand(1, 0x70)));
            byte[] m = randomBytes(8);
            if (rnd.nextBoolean()) {
                c8.regs[0] = (m[0] & 0xFF) | (m[1] & 0xFF) << 8 | (m[2] & 0xFF) << 16 | (m[3] & 0xFF) << 24;
                c8.regs[2] = (m[4] & 0xFF) | (m[5] & 0xFF) << 8 | (m[6] & 0xFF) << 16 | (m[7] & 0xFF) << 24;
            }
            s.add(c8.mem(0x70, m));
        }
        NativeRef.compare("xchg", s);
    }

    /** Mnemonics left out of the sweep of all rows: stack, I/O, system, and CPUID (ntgate reports Intel); x87 and MMX rows too. */
    private static final java.util.Set<String> NOT_IN_SWEEP = java.util.Set.of("push", "pop", "pusha", "popa", "pushad", "popad",
            "pushf", "popf", "pushfd", "popfd", "enter", "leave", "in", "out", "hlt", "cli", "sti", "bound", "arpl", "lar", "lsl",
            "verr", "verw", "sldt", "str", "smsw", "rdtsc", "rdpmc", "cpuid", "wait", "into", "int", "int3", "int1", "xlatb",
            "lea", "les", "lds", "lss", "lfs", "lgs", "nop", "ud2", "sysenter", "sysexit", "cld", "std");

    /**
     * Every computational row of the opcode table in its register form (both operand sizes where the row has
     * one), random registers, immediates and flags: rows the family tests above do not name (aliases such as 82
     * and F6 /1, CMC/CLC/STC, SALC, XCHG, MOV) are covered by the same reference.
     */
    @Test
    void everyComputationalRowInRegisterForm() {
        List<Snip> s = new ArrayList<>();
        for (ntgate.cpu.decode.OpcodeTable.Row row : ntgate.cpu.decode.OpcodeTable.rows()) {
            if ((row.attrs() & (ntgate.cpu.decode.OpcodeTable.BRANCH | ntgate.cpu.decode.OpcodeTable.PRIVILEGED
                    | ntgate.cpu.decode.OpcodeTable.REPEATABLE | ntgate.cpu.decode.OpcodeTable.MMX)) != 0
                    || NOT_IN_SWEEP.contains(row.mnemonic32())) continue;
            if (row.opcode()[0] >= 0xD8 && row.opcode()[0] <= 0xDF) continue;   // x87: X87NativeTest, from a known FPU state
            String ops = String.join(",", row.operands());
            if (ops.matches(".*\\b(M\\w*|S\\w|C\\w|D\\w|O\\w|X\\w|Y\\w|ES|CS|SS|DS|FS|GS|Ap)\\b.*")) continue;
            boolean hasV = ops.matches(".*(v|z|eAX|Ibs).*") && !row.opName().startsWith("BSWAP");
            for (int n = 0; n < 40; n++) {
                int size = hasV && n % 2 == 1 ? 2 : 4;
                java.io.ByteArrayOutputStream o = new java.io.ByteArrayOutputStream();
                if (size == 2) o.write(0x66);
                int[] opc = row.opcode();
                int plus = row.plusReg() ? reg(ops.contains("Zb") ? 1 : 4) : 0;
                for (int i = 0; i < opc.length; i++) o.write(i == opc.length - 1 ? opc[i] | plus : opc[i]);
                int regField = row.modrmDigit() >= 0 && row.modrmDigit() < 8 ? row.modrmDigit() : reg(ops.contains("Gb") ? 1 : 4);
                int rmField = reg(ops.contains("Eb") ? 1 : 4);
                if (row.hasModrm()) o.write(modrmReg(regField, rmField));
                int count = -1;
                for (String op : row.operands()) {
                    int len = switch (op) {
                        case "Ib", "Ibs" -> 1;
                        case "Iw" -> 2;
                        case "Iz", "Iv" -> size;
                        default -> 0;
                    };
                    int v = len == 1 && rnd.nextBoolean() ? rnd.nextInt(40) : val();
                    if (len == 1) count = v & 0xFF;
                    for (int i = 0; i < len; i++) o.write(v >>> (8 * i));
                }
                Snip x = snip(o.toByteArray());
                if (ops.endsWith("CL")) count = x.regs[1] & 0xFF;
                if (ops.endsWith(",1")) count = 1;
                int bits = ops.startsWith("Eb") ? 8 : size * 8;
                String name = row.opName();
                int c = count & 0x1F;
                if (name.matches("(ROL|ROR|RCL|RCR|SHL|SHR|SAL|SAR)_.*")) refineShift(x, row.modrmDigit(), count, bits);
                if (name.startsWith("SHLD") || name.startsWith("SHRD")) {
                    if (size == 2 && c > 16) continue;   // undefined result
                    x.undef = c == 0 ? 0 : AF | (c == 1 ? 0 : OF);
                }
                if (name.startsWith("BSF") || name.startsWith("BSR")) {
                    int src = x.regs[rmField] & (size == 2 ? 0xFFFF : -1);
                    if (src == 0) x.regs[rmField] |= 1 << rnd.nextInt(size * 8);
                }
                s.add(x);
            }
        }
        NativeRef.compare("all-rows", s);
    }

    @Test
    void lockAndLengthLimit() {
        List<Snip> s = new ArrayList<>();
        byte[] mem = cat(memOperand(0, 0x90));
        for (int n = 0; n < 20; n++) {
            // LOCK on register destinations and on non-lockable forms: #UD (SIGILL) with nothing changed.
            for (int op : new int[] {0x01, 0x09, 0x11, 0x19, 0x21, 0x29, 0x31, 0x87}) {
                s.add(snip(bytes(0xF0, op, modrmReg(reg(4), reg(4)))));
                s.add(snip(cat(bytes(0xF0, op), mem)).mem(0x90, randomBytes(4)));   // lockable: runs
            }
            for (int op : new int[] {0x39, 0x3B, 0x8B, 0x89, 0x85, 0x03}) s.add(snip(cat(bytes(0xF0, op), mem)).mem(0x90, randomBytes(4)));
            s.add(snip(bytes(0xF0, 0x90)));
            s.add(snip(cat(bytes(0xF0, 0x0F, 0xA3), mem)).mem(0x90, randomBytes(4)).regs(rnd.nextInt(32)));   // BT is not lockable
            s.add(snip(cat(bytes(0xF0, 0x0F, 0xAB), mem)).mem(0x90, randomBytes(4)).regs(rnd.nextInt(32)));   // BTS is
            // 15 bytes run, 16 bytes are #GP (SIGSEGV): DS/ES/SS overrides are flat on Linux as in ntgate.
            int[] pfx = {0x3E, 0x26, 0x36, 0x66, 0xF3};
            for (int total = 14; total <= 17; total++) {
                byte[] p = new byte[total - 2];
                for (int i = 0; i < p.length; i++) p[i] = (byte) (pfx[rnd.nextInt(3)]);
                s.add(snip(cat(p, bytes(0x01, modrmReg(reg(4), reg(4))))));
            }
            byte[] p = new byte[10];
            for (int i = 0; i < p.length; i++) p[i] = (byte) 0x3E;
            s.add(snip(cat(p, bytes(0x81, modrmReg(0, reg(4))), le(val(), 4))));   // 16 bytes with the immediate
            s.add(snip(cat(p, bytes(0x83, modrmReg(0, reg(4)), val()))));         // 13 bytes
        }
        NativeRef.compare("prefix", s);
    }

    @Test
    void stringOpsBothDirections() {
        List<Snip> s = new ArrayList<>();
        int[] ops = {0xA4, 0xA5, 0xA6, 0xA7, 0xAA, 0xAB, 0xAC, 0xAD, 0xAE, 0xAF};
        for (int n = 0; n < 120; n++) {
            for (int op : ops) {
                for (int rep : new int[] {0, 0xF3, 0xF2}) {
                    boolean cmp = op == 0xA6 || op == 0xA7 || op == 0xAE || op == 0xAF;
                    if (rep == 0xF2 && !cmp) continue;
                    boolean word = rnd.nextInt(3) == 0;
                    byte[] code = rep == 0 ? bytes(op) : bytes(rep, op);
                    if (word && (op & 1) != 0) code = cat(bytes(0x66), code);
                    Snip x = snip(code);
                    boolean down = rnd.nextBoolean();
                    x.flags(randomArith() | (down ? CpuState.DF : 0));
                    x.regs[1] = rnd.nextInt(4) == 0 ? 0 : rnd.nextInt(24);   // ECX, 0 included
                    x.regs[6] = SCRATCH + 0x400 + rnd.nextInt(64);             // ESI
                    x.regs[7] = SCRATCH + 0x600 + rnd.nextInt(64);             // EDI
                    // Mostly equal buffers so REPE runs on; a differing byte somewhere ends it.
                    byte[] mem = new byte[0x300];
                    byte[] pattern = randomBytes(0x100);
                    for (int i = 0; i < 0x300; i++) mem[i] = pattern[i & 0xFF];
                    if (rnd.nextBoolean()) mem[rnd.nextInt(0x300)] ^= 1;
                    x.regs[0] = rnd.nextBoolean() ? (pattern[0x40] & 0xFF) * 0x01010101 : val();
                    x.mem(0x380, mem);
                    s.add(x);
                }
            }
            // XLAT through EBX.
            Snip xl = snip(bytes(0xD7));
            xl.regs[3] = SCRATCH + 0x100;
            s.add(xl.mem(0x100, randomBytes(256)));
        }
        NativeRef.compare("string", s);
    }
}
