package ntgate.cpu.sys;

import ntgate.cpu.Cpu;
import ntgate.cpu.CpuFault;
import ntgate.cpu.CpuState;
import ntgate.cpu.Seg;
import org.junit.jupiter.api.Test;

import static ntgate.cpu.sys.SysMachine.*;
import static org.junit.jupiter.api.Assertions.*;

/** Virtual-8086 mode: entry by IRETD, real-mode addressing, IOPL-sensitive instructions, the V86 frame (SDM Vol.3A 20). */
class V86Test {
    static final int V86_CS = 0x1000, V86_SS = 0x2000, V86_DS = 0x2000, V86_ES = 0x3000, V86_FS = 0x4000, V86_GS = 0x5000;

    /** Ring 0 at CODE with an IRETD whose frame enters V86 at 1000:0000 with the given EFLAGS. */
    private static SysMachine enteringV86(int eflags, int... v86Code) {
        SysMachine m = new SysMachine(true);
        m.ring0(CODE);
        m.put(CODE, 0xCF);                             // iretd
        int[] frame = {0x0000, V86_CS, eflags, 0x0FFE, V86_SS, V86_ES, V86_DS, V86_FS, V86_GS};
        int esp = m.cpu.gpr[4] - 4 * frame.length;
        for (int i = 0; i < frame.length; i++) m.put32(esp + 4 * i, frame[i]);
        m.cpu.gpr[4] = esp;
        m.put(V86_CS << 4, v86Code);
        return m;
    }

    @Test
    void iretdEntersV86AndRunsRealModeAddressedCode() {
        SysMachine m = enteringV86(0x20202,
                0xB8, 0x34, 0x12,                      // mov ax, 0x1234
                0xA3, 0x10, 0x00);                     // mov [0x10], ax   -> 0x2000:0x0010 = 0x20010
        assertEquals(Cpu.Stop.BUDGET, m.run(3));
        assertTrue(m.st.v86());
        assertEquals(3, m.st.cpl);
        assertEquals(0x1234, m.cpu.mem.read16(0x20010));
        assertEquals(V86_CS << 4, m.st.segBase[Seg.CS]);
        assertEquals(V86_FS << 4, m.st.segBase[Seg.FS]);
        assertEquals(0x0FFE, m.cpu.gpr[4]);
        assertEquals(6, m.st.eip);
    }

    @Test
    void int21WithIoplBelow3ArrivesAtTheRing0GpHandlerWithTheV86Frame() {
        SysMachine m = enteringV86(0x20202,
                0xB8, 0x34, 0x12,                      // mov ax, 0x1234
                0xCD, 0x21);                           // int 0x21
        m.haltingHandler(13);
        assertEquals(Cpu.Stop.HALT, m.run(10));
        assertFalse(m.st.v86());
        assertEquals(0, m.st.cpl);
        assertEquals(KSTACK - 40, m.cpu.gpr[4]);
        assertEquals(0, m.stack(0), "error code");
        assertEquals(3, m.stack(1), "EIP of the INT");
        assertEquals(V86_CS, m.stack(2));
        assertEquals(0x20202 | CpuState.RF, m.stack(3), "EFLAGS with VM (and RF: a fault)");
        assertEquals(0x0FFE, m.stack(4), "ESP");
        assertEquals(V86_SS, m.stack(5));
        assertEquals(V86_ES, m.stack(6));
        assertEquals(V86_DS, m.stack(7));
        assertEquals(V86_FS, m.stack(8));
        assertEquals(V86_GS, m.stack(9));
        for (int s : new int[] {Seg.DS, Seg.ES, Seg.FS, Seg.GS}) assertEquals(0, m.st.segSel[s], Seg.name(s));
        assertEquals(0x10, m.st.segSel[Seg.SS]);
        assertEquals(0x08, m.st.segSel[Seg.CS]);
    }

    @Test
    void int21WithIopl3GoesThroughItsDpl3GateWithoutAnErrorCode() {
        SysMachine m = enteringV86(0x23202,
                0xCD, 0x21);                           // int 0x21
        m.gate(0x21, INT32, 0x08, HANDLERS, 3);
        m.put(HANDLERS, 0xF4);
        assertEquals(Cpu.Stop.HALT, m.run(10));
        assertEquals(KSTACK - 36, m.cpu.gpr[4]);
        assertEquals(2, m.stack(0), "EIP after the INT");
        assertEquals(V86_CS, m.stack(1));
        assertEquals(0x23202, m.stack(2));
    }

    @Test
    void ring0HandlerCanSkipTheIntAndReturnToV86() {
        SysMachine m = enteringV86(0x20202,
                0xCD, 0x21,                            // int 0x21   -> #GP, skipped by the handler
                0xB8, 0x34, 0x12,                      // mov ax, 0x1234
                0xF4);                                 // hlt        -> #GP again, this time halting
        int h = HANDLERS + 13 * 0x100;
        m.gate(13, INT32, 0x08, h, 0);
        m.put(h, 0x83, 0x3C, 0x24, 0x00,              // cmp dword [esp], 0   (error code)... always 0 here
                0x83, 0x7C, 0x24, 0x04, 0x00,          // cmp dword [esp+4], 0 (first #GP at IP 0)
                0x75, 0x09,                            // jnz +9 -> hlt
                0x83, 0xC4, 0x04,                      // add esp, 4
                0x83, 0x04, 0x24, 0x02,                // add dword [esp], 2
                0xCF,                                  // iretd
                0xF4,                                  // (unused)
                0xF4);                                 // hlt
        assertEquals(Cpu.Stop.HALT, m.run(50));
        assertEquals(0x1234, m.cpu.gpr[0] & 0xFFFF);
        assertEquals(5, m.stack(1), "second #GP: the HLT at 1000:0005");
    }

    @Test
    void ioplSensitiveInstructionsFaultWithIoplBelow3() {
        int[][] codes = {{0xFA}, {0xFB}, {0x9C}, {0x9D}, {0xCF}, {0xCD, 0x10}};   // cli sti pushf popf iret int 0x10
        for (int[] c : codes) {
            SysMachine m = enteringV86(0x20202, c);
            m.cpu.delivery = null;
            assertEquals(Cpu.Stop.FAULT, m.run(10));
            assertEquals(CpuFault.GP, m.cpu.lastFault.vector);
            assertEquals(0, m.cpu.lastFault.errorCode);
            assertTrue(m.st.v86());
            assertEquals(0, m.st.eip);
        }
    }

    @Test
    void interruptFromV86ThroughARing3GateIsGp() {
        SysMachine m = enteringV86(0x23202, 0xCD, 0x21);
        m.gate(0x21, INT32, 0x18, HANDLERS, 3);        // CS 0x18 is DPL 3
        m.haltingHandler(13);
        assertEquals(Cpu.Stop.HALT, m.run(10));
        assertEquals(0x18, m.stack(0), "#GP(code selector); INT n is software, so EXT = 0");
    }
}
