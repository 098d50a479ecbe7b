package ntgate.cpu.sys;

import ntgate.cpu.CpuFault;
import ntgate.cpu.Eval;
import ntgate.cpu.Seg;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/** {@code ntgate eval --mode kernel}: CPL 0, flat, with segments, control and debug registers in the result. */
class EvalKernelModeTest {
    @Test
    void kernelModeRunsPrivilegedCodeAndReportsSystemState() {
        Eval.Case c = new Eval.Case();
        c.kernel = true;
        c.code = new byte[] {0x0F, 0x20, (byte) 0xC0,  // mov eax, cr0
            0x0F, 0x21, (byte) 0xF9};                   // mov ecx, dr7
        Eval.Result r = new Eval().run(c);
        assertEquals("left", r.stop);
        assertEquals(0, r.cpl);
        assertEquals(0x08, r.segSel[Seg.CS]);
        assertEquals(0x10, r.segSel[Seg.SS]);
        assertEquals(r.cr0, r.gpr[0]);
        assertEquals(0x400, r.gpr[1]);
        assertEquals(0xFFFF0FF0, r.dr6);
    }

    @Test
    void evalStillStopsAtTheFirstFaultAndAtASingleStepTrap() {
        Eval eval = new Eval();
        Eval.Case c = new Eval.Case();
        c.code = new byte[] {(byte) 0xFA};              // cli in user mode
        Eval.Result r = eval.run(c);
        assertEquals("fault", r.stop);
        assertEquals(CpuFault.GP, r.fault.vector);
        Eval.Case t = new Eval.Case();
        t.kernel = true;
        t.eflags = 0x302;
        t.code = new byte[] {(byte) 0x90, (byte) 0x90};
        Eval.Result s = eval.run(t);
        assertEquals(CpuFault.DB, s.fault.vector);
        assertTrue(s.faultIsTrap);
        assertEquals(0x4000, s.dr6 & 0x4000, "DR6.BS");
    }
}
