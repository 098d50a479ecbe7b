package ntgate.cpu.sys;

import ntgate.cpu.Cpu;
import ntgate.cpu.CpuFault;
import ntgate.cpu.CpuState;
import ntgate.cpu.IoBus;
import ntgate.cpu.Seg;
import org.junit.jupiter.api.Test;

import static ntgate.cpu.sys.SysMachine.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Privilege rules, SYSENTER/SYSEXIT and segment-register loads, on a machine that stops at the first fault
 * (SDM Vol.2B SYSENTER, SYSEXIT, POPF, CLI, IN/OUT, MOV Sreg; Vol.3A 5).
 */
class PrivilegeTest {
    private static SysMachine stopping(boolean kernel, int... code) {
        SysMachine m = new SysMachine(kernel);
        m.cpu.delivery = null;
        if (kernel) m.ring0(CODE);
        else m.ring3(CODE);
        m.put(CODE, code);
        return m;
    }

    private static void assertFault(SysMachine m, int vector, int errorCode) {
        assertEquals(Cpu.Stop.FAULT, m.run(10));
        assertEquals(vector, m.cpu.lastFault.vector, () -> "got " + m.cpu.lastFault.getMessage());
        assertEquals(errorCode, m.cpu.lastFault.errorCode, () -> "got " + m.cpu.lastFault.getMessage());
    }

    // ---- SYSENTER / SYSEXIT

    @Test
    void ring3SysenterLandsAtTheMsrsWithFlatRing0SegmentsAndIfClear() {
        SysMachine m = stopping(false, 0x0F, 0x34);   // sysenter
        m.st.sysenterCs = 0x08;
        m.st.sysenterEsp = KSTACK;
        m.st.sysenterEip = 0x00400000;
        m.st.setEflags(0x202 | CpuState.RF);
        assertEquals(Cpu.Stop.BUDGET, m.run(1));
        assertEquals(0x00400000, m.st.eip);
        assertEquals(0x08, m.st.segSel[Seg.CS]);
        assertEquals(0x10, m.st.segSel[Seg.SS]);
        assertEquals(KSTACK, m.cpu.gpr[4]);
        assertEquals(0, m.st.cpl);
        assertEquals(0, m.st.eflags() & (CpuState.IF | CpuState.RF | CpuState.VM));
        assertEquals(0xFFFFFFFF, m.st.segLimit[Seg.CS]);
        assertEquals(0, m.st.segBase[Seg.SS]);
    }

    @Test
    void sysexitReturnsToRing3WithSelectorsDerivedFromSysenterCs() {
        SysMachine m = stopping(true, 0x0F, 0x35);    // sysexit
        m.st.sysenterCs = 0x08;
        m.cpu.gpr[1] = 0x00EFFFF0;                     // ECX -> ESP
        m.cpu.gpr[2] = 0x00101234;                     // EDX -> EIP
        assertEquals(Cpu.Stop.BUDGET, m.run(1));
        assertEquals(0x1B, m.st.segSel[Seg.CS]);
        assertEquals(0x23, m.st.segSel[Seg.SS]);
        assertEquals(3, m.st.cpl);
        assertEquals(0x00EFFFF0, m.cpu.gpr[4]);
        assertEquals(0x00101234, m.st.eip);
    }

    @Test
    void sysexitFromRing3IsGp0() {
        SysMachine m = stopping(false, 0x0F, 0x35);
        m.st.sysenterCs = 0x08;
        assertFault(m, CpuFault.GP, 0);
    }

    @Test
    void sysenterWithNullSysenterCsIsGp0() {
        SysMachine m = stopping(false, 0x0F, 0x34);
        m.st.sysenterCs = 0;
        assertFault(m, CpuFault.GP, 0);
        assertEquals(3, m.st.cpl);
    }

    @Test
    void sysenterMsrsAreWrittenAndReadThroughWrmsrRdmsr() {
        SysMachine m = stopping(true, 0x0F, 0x30, 0x31, 0xC0, 0x0F, 0x32);  // wrmsr; xor eax, eax; rdmsr
        m.cpu.gpr[1] = 0x176;
        m.cpu.gpr[0] = 0x804DE6F0;
        assertEquals(Cpu.Stop.BUDGET, m.run(3));
        assertEquals(0x804DE6F0, m.st.sysenterEip);
        assertEquals(0x804DE6F0, m.cpu.gpr[0]);
    }

    // ---- IOPL-sensitive and privileged instructions

    @Test
    void popfInRing3WithIopl0CannotChangeIfOrIopl() {
        SysMachine m = stopping(false,
                0x68, 0x02, 0x30, 0x00, 0x00,          // push 0x3002  (IF = 0, IOPL = 3)
                0x9D,                                  // popf
                0x9C,                                  // pushfd
                0x58);                                 // pop eax
        assertEquals(Cpu.Stop.BUDGET, m.run(4));
        assertEquals(0x202, m.cpu.gpr[0] & ~CpuState.ARITH);
    }

    @Test
    void cliInRing3WithIopl0IsGp0AndAllowedWithIopl3() {
        SysMachine m = stopping(false, 0xFA);         // cli
        assertFault(m, CpuFault.GP, 0);
        SysMachine n = stopping(false, 0xFA);
        n.st.setEflags(0x3202);
        assertEquals(Cpu.Stop.BUDGET, n.run(1));
        assertEquals(0, n.st.eflags() & CpuState.IF);
    }

    @Test
    void privilegedInstructionsInRing3AreGp0() {
        int[][] codes = {
            {0xF4},                                    // hlt
            {0x0F, 0x01, 0x15, 0x00, 0x00, 0x30, 0x00},// lgdt [0x300000]
            {0x0F, 0x22, 0xC0},                        // mov cr0, eax
            {0x0F, 0x20, 0xC0},                        // mov eax, cr0
            {0x0F, 0x30},                              // wrmsr
            {0x0F, 0x32},                              // rdmsr
            {0x0F, 0x06},                              // clts
            {0x0F, 0x09},                              // wbinvd
            {0x0F, 0x01, 0x3D, 0x00, 0x00, 0x40, 0x00},// invlpg [0x400000]
            {0x0F, 0x00, 0xD8},                        // ltr ax
        };
        for (int[] c : codes) {
            SysMachine m = stopping(false, c);
            assertFault(m, CpuFault.GP, 0);
        }
    }

    @Test
    void ioInRing3FollowsTheTssBitmap() {
        int[] seen = new int[1];
        SysMachine m = stopping(false, 0xE4, 0x40,    // in al, 0x40   (allowed)
                0xE4, 0x41);                           // in al, 0x41   (denied)
        m.cpu.setIo(new IoBus() {
            @Override
            public int in(int port, int size) {
                seen[0]++;
                return 0x5A;
            }

            @Override
            public void out(int port, int size, int value) {
            }
        });
        m.put(TSS + IOMAP + (0x40 >>> 3), 0xFE);      // port 0x40's bit clear
        assertFault(m, CpuFault.GP, 0);
        assertEquals(CODE + 2, m.st.eip);
        assertEquals(0x5A, m.cpu.gpr[0] & 0xFF);
        assertEquals(1, seen[0]);
    }

    // ---- segment registers

    @Test
    void fsAndGsBasesComeFromTheirDescriptors() {
        SysMachine m = stopping(true, 0x8E, 0xE0,     // mov fs, ax
                0x64, 0xA1, 0x00, 0x00, 0x00, 0x00);   // mov eax, [fs:0]
        m.cpu.gpr[0] = PCR_SEL;
        m.put32(PCR, 0xFFDFF000);
        assertEquals(Cpu.Stop.BUDGET, m.run(2));
        assertEquals(0xFFDFF000, m.cpu.gpr[0]);
        assertEquals(PCR, m.st.segBase[Seg.FS]);
    }

    @Test
    void accessBeyondTheFsLimitIsGp0() {
        SysMachine m = stopping(false, 0x64, 0xA1, 0xFE, 0x0F, 0x00, 0x00);  // mov eax, [fs:0xffe]
        assertFault(m, CpuFault.GP, 0);
    }

    @Test
    void loadingARing0DataSegmentInRing3IsGpSelector() {
        SysMachine m = stopping(false, 0x8E, 0xD8);   // mov ds, ax
        m.cpu.gpr[0] = 0x10 | 3;
        assertFault(m, CpuFault.GP, 0x10);
    }

    @Test
    void rplAboveDplIsGpSelector() {
        SysMachine m = stopping(true, 0x8E, 0xD8);
        m.cpu.gpr[0] = 0x13;                           // RPL 3, DPL 0
        assertFault(m, CpuFault.GP, 0x10);
    }

    @Test
    void notPresentDataSegmentIsNpAndNotPresentStackIsSs() {
        SysMachine m = stopping(true, 0x8E, 0xD8);
        m.gdt(0x48, 0, 0xFFFFF, DATA0 & ~0x8000);
        m.cpu.gpr[0] = 0x48;
        assertFault(m, CpuFault.NP, 0x48);
        SysMachine n = stopping(true, 0x8E, 0xD0);    // mov ss, ax
        n.gdt(0x48, 0, 0xFFFFF, DATA0 & ~0x8000);
        n.cpu.gpr[0] = 0x48;
        assertFault(n, CpuFault.SS, 0x48);
    }

    @Test
    void selectorBeyondTheGdtLimitIsGpSelector() {
        SysMachine m = stopping(true, 0x8E, 0xD8);
        m.st.gdtrLimit = 0x3F;
        m.cpu.gpr[0] = 0x40;
        assertFault(m, CpuFault.GP, 0x40);
    }

    @Test
    void codeSegmentIntoSsAndExecuteOnlyIntoDsAreGp() {
        SysMachine m = stopping(true, 0x8E, 0xD0);    // mov ss, ax
        m.cpu.gpr[0] = 0x08;
        assertFault(m, CpuFault.GP, 0x08);
        SysMachine n = stopping(true, 0x8E, 0xD8);    // mov ds, ax
        n.gdt(0x48, 0, 0xFFFFF, 0xC09900);             // execute-only code
        n.cpu.gpr[0] = 0x48;
        assertFault(n, CpuFault.GP, 0x48);
    }

    @Test
    void nullSelectorLoadsIntoDsButNotSsAndUseIsGp0() {
        SysMachine m = stopping(true, 0x8E, 0xD8,     // mov ds, ax    (ax = 0: allowed)
                0xA1, 0x00, 0x00, 0x30, 0x00);         // mov eax, [0x300000]: #GP(0)
        m.cpu.gpr[0] = 0;
        assertFault(m, CpuFault.GP, 0);
        assertEquals(CODE + 2, m.st.eip);
        SysMachine n = stopping(true, 0x8E, 0xD0);    // mov ss, ax
        n.cpu.gpr[0] = 0;
        assertFault(n, CpuFault.GP, 0);
    }

    @Test
    void expandDownSegmentAllowsOnlyOffsetsAboveTheLimit() {
        SysMachine m = stopping(true, 0x8E, 0xC0,     // mov es, ax
                0x26, 0xA1, 0x00, 0x10, 0x00, 0x00,    // mov eax, [es:0x1000]  ok
                0x26, 0xA1, 0x00, 0x08, 0x00, 0x00);   // mov eax, [es:0x800]   #GP(0)
        m.gdt(0x48, DATA, 0xFFF, 0x409700);            // expand-down writable data, B = 1, limit 0xFFF
        m.put32(DATA + 0x1000, 0xABCD);
        m.cpu.gpr[0] = 0x48;
        assertFault(m, CpuFault.GP, 0);
        assertEquals(0xABCD, m.cpu.gpr[0]);
        assertEquals(CODE + 8, m.st.eip);
    }

    @Test
    void pushBelowAnExpandUpStackLimitIsSs0() {
        SysMachine m = stopping(true, 0x8E, 0xD0,     // mov ss, ax
                0x50);                                 // push eax
        m.gdt(0x48, DATA, 0xFFF, 0x409300);
        m.cpu.gpr[0] = 0x48;
        m.cpu.gpr[4] = 0x1002;                         // the push would write 0xFFE..0x1001
        assertFault(m, CpuFault.SS, 0);
        assertEquals(0x1002, m.cpu.gpr[4]);
    }
}
