package ntgate.asm;

import ntgate.cpu.decode.Decoder;
import ntgate.cpu.decode.Insn;
import ntgate.cpu.decode.Op;
import ntgate.cpu.decode.OpcodeTable;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Pins the decoder and table fixes the disassembler's cross-check needed. */
class DisasmDecoderFixesTest {

    private static Insn decode(int... b) {
        return Decoder.decode(o -> b[o], true);
    }

    @Test
    void tableRowsWithTwoSpellingsParse() {
        OpcodeTable.Row cbw = decode(0x98).row;
        assertEquals("cbw", cbw.mnemonic16());
        assertEquals("cwde", cbw.mnemonic32());
        assertEquals(Op.CBW, cbw.op());
        assertEquals(Op.PUSHA, decode(0x60).op);
        assertEquals(Op.MOVSV, decode(0xA5).op);
        assertEquals(Op.IRET, decode(0xCF).op);
    }

    @Test
    void everyTableRowHasItsOwnOp() {
        java.util.Set<Integer> seen = new java.util.HashSet<>();
        for (OpcodeTable.Row r : OpcodeTable.rows()) {
            assertEquals(r.op(), OpcodeTable.opId(r.opName()), r.toString());
            assertEquals(true, seen.add(r.op()), "two rows share Op." + r.opName());
        }
    }

    @Test
    void xchgWithEaxCoversNinetyOneToNinetySevenOnly() {
        assertEquals(Op.NOP, decode(0x90).op);
        for (int b = 0x91; b <= 0x97; b++) {
            Insn d = decode(b);
            assertEquals(Op.XCHG_ZveAX, d.op);
            assertEquals(b & 7, d.reg);
        }
        assertEquals(Op.CBW, decode(0x98).op);
    }

    @Test
    void movControlAndDebugRegistersIgnoreModrmMod() {
        // SDM Vol.2B MOV (control/debug registers): the mod bits are ignored; no SIB, no displacement.
        Insn cr = decode(0x0F, 0x20, 0x1D, 0xE3, 0xC8, 0x18, 0x0C);   // mod=00 rm=101 would take a disp32
        assertEquals(3, cr.len);
        assertEquals(5, cr.rm);
        assertEquals(3, cr.reg);
        Insn dr = decode(0x0F, 0x23, 0x4C, 0x24, 0x10);               // mod=01 rm=100 would take SIB + disp8
        assertEquals(3, dr.len);
        assertEquals(4, dr.rm);
        assertEquals(Op.MOV_DdRd, dr.op);
    }
}
