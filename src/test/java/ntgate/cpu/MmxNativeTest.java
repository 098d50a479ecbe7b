package ntgate.cpu;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * MMX against this machine's processor, bit for bit: random sequences of one to four MMX instructions (register
 * and memory forms, the shifts by register and by immediate, MOVD to and from general registers, EMMS) from a
 * random FPU state loaded with FRSTOR, ending with FNSAVE. Compared: the whole saved image but the pointers
 * (TOP and tag effects, the exponent bits set by MMX writes), memory results and the general registers.
 *
 * <p>{@code -Dntgate.mmx.cases=N} sets the number of cases (the long run uses 20000).
 */
class MmxNativeTest {
    private static final int STATE = 0, SAVE = 0x100, OPS = 0x200, SLOT = 0x10;
    private static final int CASES = Integer.getInteger("ntgate.mmx.cases", 3000);
    private final Random rnd = new Random(Long.getLong("ntgate.mmx.seed", 0x3D_2026L));

    private static final int[] BINARY = {0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6A, 0x6B, 0x6F, 0x74, 0x75, 0x76,
        0xD1, 0xD2, 0xD3, 0xD5, 0xD8, 0xD9, 0xDB, 0xDC, 0xDD, 0xDF, 0xE1, 0xE2, 0xE5, 0xE8, 0xE9, 0xEB, 0xEC, 0xED, 0xEF,
        0xF1, 0xF2, 0xF3, 0xF5, 0xF8, 0xF9, 0xFA, 0xFC, 0xFD, 0xFE};

    private long value() {
        return switch (rnd.nextInt(8)) {
            case 0 -> 0;
            case 1 -> -1L;
            case 2 -> 0x8000800080008000L ^ (rnd.nextLong() & 0x0101010101010101L);
            case 3 -> 0x7FFF7FFF7FFF7FFFL - (rnd.nextLong() & 0x0003000300030003L);
            case 4 -> rnd.nextInt(80);   // shift counts
            case 5 -> 0x00FF00FF80007FFFL;
            default -> rnd.nextLong();
        };
    }

    private static void put(byte[] b, int off, long v, int n) {
        for (int i = 0; i < n; i++) b[off + i] = (byte) (v >>> (8 * i));
    }

    private byte[] instruction(int slot, byte[] mem) {
        int reg = rnd.nextInt(8), rm = rnd.nextInt(8);
        int off = OPS + SLOT * slot;
        put(mem, off, value(), 8);
        byte[] memForm = new byte[6];
        memForm[0] = 0x0F;
        int r = rnd.nextInt(20);
        if (r == 0) return new byte[] {0x0F, 0x77};   // EMMS
        if (r < 3) {   // shifts by immediate
            int[][] g = {{0x71, 2}, {0x71, 4}, {0x71, 6}, {0x72, 2}, {0x72, 4}, {0x72, 6}, {0x73, 2}, {0x73, 6}};
            int[] s = g[rnd.nextInt(g.length)];
            int imm = rnd.nextBoolean() ? rnd.nextInt(16) : rnd.nextInt(256);
            return new byte[] {0x0F, (byte) s[0], (byte) (0xC0 | s[1] << 3 | rm), (byte) imm};
        }
        if (r < 5) {   // MOVD with a general register (not ESP) or memory
            int gpr = new int[] {0, 1, 2, 3, 5, 6, 7}[rnd.nextInt(7)];
            int opc = rnd.nextBoolean() ? 0x6E : 0x7E;
            if (rnd.nextBoolean()) return new byte[] {0x0F, (byte) opc, (byte) (0xC0 | reg << 3 | gpr)};
            return memOp(opc, reg, off);
        }
        if (r < 6) return rnd.nextBoolean() ? new byte[] {0x0F, 0x7F, (byte) (0xC0 | reg << 3 | rm)} : memOp(0x7F, reg, off);
        int opc = BINARY[rnd.nextInt(BINARY.length)];
        if (rnd.nextBoolean()) return new byte[] {0x0F, (byte) opc, (byte) (0xC0 | reg << 3 | rm)};
        return memOp(opc, reg, off);
    }

    private static byte[] memOp(int opc, int reg, int off) {
        byte[] b = new byte[7];
        b[0] = 0x0F;
        b[1] = (byte) opc;
        b[2] = (byte) (reg << 3 | 5);
        put(b, 3, NativeRef.SCRATCH + off, 4);
        return b;
    }

    private NativeRef.Snip generate() {
        byte[] mem = new byte[OPS + SLOT * 4];
        int cw = 0x037F;
        put(mem, STATE, cw, 2);
        put(mem, STATE + 4, (rnd.nextInt() & 0x4700) | rnd.nextInt(8) << 11 | (rnd.nextInt() & 0x3F & ~0), 2);
        int tw = rnd.nextInt(0x10000);
        put(mem, STATE + 8, tw, 2);
        for (int i = 0; i < 8; i++) {
            put(mem, STATE + 28 + 10 * i, value(), 8);
            put(mem, STATE + 28 + 10 * i + 8, rnd.nextInt(0x10000), 2);
        }
        List<byte[]> parts = new ArrayList<>();
        byte[] frstor = {(byte) 0xDD, 0x25, 0, 0, 0, 0};
        put(frstor, 2, NativeRef.SCRATCH + STATE, 4);
        parts.add(frstor);
        int n = 1 + rnd.nextInt(4);
        for (int k = 0; k < n; k++) parts.add(instruction(k, mem));
        byte[] save = {(byte) 0xDD, 0x35, 0, 0, 0, 0};
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
        s.mem(0, mem);
        s.undef = 0;
        return s;
    }

    @Test
    void randomMmxSequencesAgreeWithTheHostProcessor() {
        NativeRef.runner();
        // The pending-exception check would turn a random status word with ES into #MF: keep ES clear.
        List<NativeRef.Snip> snips = new ArrayList<>();
        for (int i = 0; i < CASES; i++) {
            NativeRef.Snip s = generate();
            s.mem[STATE + 4] &= 0x3F;   // exception flags below ES only; all masked by CW 037F
            snips.add(s);
        }
        List<NativeRef.Out> nat = NativeRef.runNative(snips);
        Eval eval = new Eval();
        List<String> bad = new ArrayList<>();
        int badCount = 0;
        for (int i = 0; i < snips.size(); i++) {
            String d = diff(eval, snips.get(i), nat.get(i));
            if (d != null) {
                badCount++;
                if (bad.size() < 20) bad.add(d);
            }
        }
        System.out.printf("native mmx %d cases, %d disagree%n", snips.size(), badCount);
        if (badCount > 0) fail(badCount + " of " + snips.size() + " MMX cases differ from the host:\n  " + String.join("\n  ", bad));
    }

    private static String diff(Eval eval, NativeRef.Snip s, NativeRef.Out o) {
        Eval.Result r;
        try {
            r = NativeRef.runNtgate(eval, s);
        } catch (RuntimeException e) {
            return s.hex() + ": ntgate threw " + e;
        }
        StringBuilder d = new StringBuilder();
        if (o.sig != 0 || r.fault != null) d.append(" native signal ").append(o.sig).append(", ntgate ").append(r.fault == null ? "none" : r.fault.getMessage()).append(';');
        for (int i = 0; i < 8; i++) {
            if (i != 4 && r.gpr[i] != o.regs[i]) d.append(String.format(" %s ntgate %08x native %08x;", Eval.REG_NAMES[i], r.gpr[i], o.regs[i]));
        }
        byte[] nt = s.mem.clone();
        for (Map.Entry<Integer, byte[]> e : r.written.entrySet()) {
            byte[] b = e.getValue();
            for (int k = 0; k < b.length; k++) {
                long a = (e.getKey() & 0xFFFFFFFFL) + k - NativeRef.SCRATCH;
                if (a >= 0 && a < nt.length) nt[(int) a] = b[k];
            }
        }
        for (int k = 0; k < nt.length; k++) {
            if (k >= SAVE + 12 && k < SAVE + 28) continue;   // instruction and data pointers
            if (nt[k] != o.mem[k]) {
                d.append(" memory from +").append(Integer.toHexString(k)).append("\n      ntgate ").append(HexFormat.of().formatHex(nt, SAVE, SAVE + 108))
                        .append("\n      native ").append(HexFormat.of().formatHex(o.mem, SAVE, SAVE + 108));
                break;
            }
        }
        return d.length() == 0 ? null : "[" + s.hex() + "] state " + HexFormat.of().formatHex(s.mem, 0, 108) + " ops "
                + HexFormat.of().formatHex(s.mem, OPS, s.mem.length) + d;
    }
}
