package ntgate.cpu.sys;

import ntgate.asm.Assembler;
import ntgate.asm.Disassembler;
import ntgate.cpu.CpuFault;
import ntgate.cpu.Eval;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The reserved host-call encoding 0F 3F iw: assembled, disassembled, and #UD wherever no routine may run. */
class HostCallTest {
    @Test
    void assemblesToOf3fWithALittleEndianWordAndDisassemblesBack() {
        byte[] b = Assembler.assembleLines(0x1000, "hostcall 0x1234").orThrow().image();
        assertArrayEquals(new byte[] {0x0F, 0x3F, 0x34, 0x12}, b);
        String text = new Disassembler(true, Disassembler.Symbolizer.NONE).disassemble(b, 0, 0x1000).text();
        assertTrue(text.startsWith("hostcall"), text);
    }

    @Test
    void withoutAHandlerItIsUndefinedInBothRings() {
        for (boolean kernel : new boolean[] {false, true}) {
            Eval.Case c = new Eval.Case();
            c.code = new byte[] {0x0F, 0x3F, 0x01, 0x00};
            c.kernel = kernel;
            c.steps = 1;
            Eval.Result r = new Eval().run(c);
            assertEquals(CpuFault.UD, r.fault.vector);
        }
    }
}
