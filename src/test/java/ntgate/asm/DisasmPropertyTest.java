package ntgate.asm;

import ntgate.cpu.decode.Decoder;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Random bytes never make the disassembler throw: every line is a clean result covering 1..15 bytes. */
class DisasmPropertyTest {

    @Test
    void randomBytesGiveCleanLinesThatCoverTheBuffer() {
        Random rnd = new Random(20240611L);
        for (boolean code32 : new boolean[] {true, false}) {
            Disassembler dis = new Disassembler(code32, a -> a % 7 == 0 ? Optional.of("m!s") : Optional.empty());
            for (int round = 0; round < 400; round++) {
                byte[] buf = new byte[1 + rnd.nextInt(256)];
                rnd.nextBytes(buf);
                // Bias some buffers towards prefixes, where length limits and odd combinations live.
                if (round % 4 == 0) for (int i = 0; i < buf.length; i += 2) buf[i] = PREFIXES[rnd.nextInt(PREFIXES.length)];
                int base = rnd.nextInt();
                List<Disassembler.Line> lines = dis.disassembleAll(buf, base);
                int covered = 0;
                for (Disassembler.Line l : lines) {
                    assertEquals(base + covered, l.address());
                    assertTrue(l.length() >= 1 && l.length() <= Decoder.MAX_LEN, l.listing());
                    assertNotNull(l.text());
                    assertFalse(l.text().isEmpty());
                    assertFalse(l.text().contains("null"), l.listing());
                    assertEquals(l.valid(), !l.text().equals("(bad)"), l.listing());
                    covered += l.length();
                }
                assertEquals(buf.length, covered);
            }
        }
    }

    @Test
    void everyStartOffsetOfRandomBytesDisassembles() {
        Random rnd = new Random(7);
        byte[] buf = new byte[4096];
        rnd.nextBytes(buf);
        Disassembler dis = new Disassembler();
        for (int off = 0; off < buf.length; off++) {
            Disassembler.Line l = dis.disassemble(buf, off, 0x1000 + off);
            assertTrue(l.length() >= 1 && l.length() <= Math.min(Decoder.MAX_LEN, buf.length - off), l.listing());
        }
    }

    @Test
    void unreadableBytesMidInstructionGiveBad() {
        Random rnd = new Random(11);
        Disassembler dis = new Disassembler();
        for (int i = 0; i < 2000; i++) {
            byte[] b = new byte[1 + rnd.nextInt(15)];
            rnd.nextBytes(b);
            Disassembler.Line l = dis.disassemble(a -> a >= 0 && a < b.length ? b[a] & 0xFF : -1, 0);
            assertTrue(l.length() >= 1 && l.length() <= b.length, l.listing());
        }
    }

    private static final byte[] PREFIXES = {0x26, 0x2E, 0x36, 0x3E, 0x64, 0x65, 0x66, 0x67, (byte) 0xF0, (byte) 0xF2,
        (byte) 0xF3, 0x0F};
}
