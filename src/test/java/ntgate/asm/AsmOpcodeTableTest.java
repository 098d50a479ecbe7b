package ntgate.asm;

import ntgate.cpu.decode.Decoder;
import ntgate.cpu.decode.Op;
import ntgate.cpu.decode.OpcodeTable;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The table fixes the assembler needed: the table loads (the a|b mnemonic column no longer splits the
 * row), each row's Op id is the constant of that name, and 91+r (XCHG) stops before 98 (CBW).
 */
class AsmOpcodeTableTest {

    @Test
    void everyRowNamesAnOpConstantAndSpellsBothSizes() {
        for (OpcodeTable.Row r : OpcodeTable.rows()) {
            assertEquals(OpcodeTable.opId(r.opName()), r.op(), r.toString());
        }
        OpcodeTable.Row pusha = OpcodeTable.rows().stream().filter(r -> r.op() == Op.PUSHA).findFirst().orElseThrow();
        assertEquals("pusha", pusha.mnemonic16());
        assertEquals("pushad", pusha.mnemonic32());
        assertTrue(OpcodeTable.rows().stream().anyMatch(r -> r.op() == Op.MOVSV && r.mnemonic16().equals("movsw")));
    }

    @Test
    void plusRegisterRowsStayInsideTheirGroupOfEight() {
        assertEquals("NOP", Decoder.decode(o -> 0x90, true).row.opName());
        for (int b = 0x91; b <= 0x97; b++) {
            int x = b;
            assertEquals("XCHG_ZveAX", Decoder.decode(o -> x, true).row.opName());
            assertEquals(b & 7, Decoder.decode(o -> x, true).reg);
        }
        assertEquals("CBW", Decoder.decode(o -> 0x98, true).row.opName());
        assertEquals("CWD", Decoder.decode(o -> 0x99, true).row.opName());
    }
}
