package ntgate.cpu;

import ntgate.cpu.decode.Decoder;
import ntgate.cpu.decode.Insn;
import org.junit.jupiter.api.Test;

import java.util.HexFormat;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Guest input never escapes as a Java exception (STYLE habit 4): random byte sequences run through {@link Eval}
 * from random registers, and random bytes through the decoder alone, may only end normally or in a
 * {@link CpuFault}. Fixed seeds, so a failure reproduces.
 */
class RandomBytesPropertyTest {
    /**
     * Most pointers stay in the low 2 MiB: Eval tracks written bytes in a bit set whose scans grow with the highest
     * address written, and the property does not depend on where memory is.
     */
    private static final int LOW = 0x00200000;
    private static final int[] BIASED = {0x0F, 0x66, 0x67, 0xF0, 0xF2, 0xF3, 0x26, 0x2E, 0x36, 0x3E, 0x64, 0x65};

    private static byte[] randomCode(Random rnd) {
        byte[] b = new byte[1 + rnd.nextInt(16)];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) (rnd.nextInt(8) == 0 ? BIASED[rnd.nextInt(BIASED.length)] : rnd.nextInt(256));
        }
        return b;
    }

    private static void runRandom(long seed, int count, boolean kernel) {
        Random rnd = new Random(seed);
        Eval eval = new Eval();
        int faults = 0;
        for (int n = 0; n < count; n++) {
            Eval.Case c = new Eval.Case();
            c.code = randomCode(rnd);
            c.kernel = kernel;
            for (int r = 0; r < 8; r++) {
                int v;
                switch (rnd.nextInt(4)) {
                    case 0 -> v = rnd.nextInt();
                    case 1 -> v = rnd.nextInt(rnd.nextInt(8) == 0 ? FlatMachine.USER_SIZE : LOW);   // a mapped address
                    case 2 -> v = rnd.nextInt(64) - 32;
                    default -> v = FlatMachine.CODE_BASE + rnd.nextInt(0x100);
                }
                if (r == 1) v &= 0x3FF;   // ECX: keeps REP string instructions short
                if (r == 4 && rnd.nextInt(4) != 0) v = (rnd.nextInt(8) == 0 ? FlatMachine.STACK_TOP : LOW) - rnd.nextInt(64) * 4;
                c.regs.put(Eval.REG_NAMES[r], v);
            }
            c.eflags = 0x202 | (rnd.nextInt() & 0x8D5) | (rnd.nextInt(4) == 0 ? CpuState.DF : 0);
            c.maxInsns = 64;
            Eval.Result res;
            try {
                res = eval.run(c);
            } catch (Throwable t) {
                AssertionError e = new AssertionError((kernel ? "kernel" : "user") + " mode, bytes " + HexFormat.of().formatHex(c.code)
                        + " regs " + c.regs + " eflags " + Integer.toHexString(c.eflags) + ": " + t, t);
                throw e;
            }
            if (res.fault != null) {
                faults++;
                int v = res.fault.vector;
                assertTrue(v >= 0 && v < 256, () -> "vector " + v + " for " + HexFormat.of().formatHex(c.code));
            }
        }
        assertTrue(faults > 0 && faults < count, "a mix of faulting and completing sequences: " + faults + " faults");
    }

    @Test
    void randomSequencesAtCpl3() {
        runRandom(0xC0FFEEL, 200_000, false);
    }

    @Test
    void randomSequencesAtCpl0() {
        runRandom(0xBADC0DEL, 20_000, true);
    }

    @Test
    void decoderAloneOnRandomBytes() {
        Random rnd = new Random(0xDEC0DEL);
        byte[] buf = new byte[16];
        for (int n = 0; n < 500_000; n++) {
            for (int i = 0; i < 16; i++) buf[i] = (byte) (rnd.nextInt(6) == 0 ? BIASED[rnd.nextInt(BIASED.length)] : rnd.nextInt(256));
            boolean code32 = (n & 1) == 0;
            try {
                Insn in = Decoder.decode(off -> buf[off] & 0xFF, code32);
                if (in.len < 1 || in.len > 15) fail("length " + in.len + " for " + HexFormat.of().formatHex(buf));
            } catch (CpuFault f) {
                if (f.vector != CpuFault.GP) fail(f.getMessage() + " from the decoder for " + HexFormat.of().formatHex(buf));
            } catch (Throwable t) {
                throw new AssertionError("decoder threw for " + HexFormat.of().formatHex(buf) + " (code32=" + code32 + "): " + t, t);
            }
        }
    }
}
