package ntgate.cpu.sys;

import ntgate.cpu.Cpu;
import ntgate.cpu.CpuFault;
import ntgate.cpu.CpuState;
import ntgate.cpu.FlatMachine;
import org.junit.jupiter.api.Test;

import static ntgate.cpu.sys.SysMachine.*;
import static org.junit.jupiter.api.Assertions.*;

/** Paging: #PF error codes, WP, A/D bits, the TLB, global pages, PAE with 2 MiB pages and NX (SDM Vol.3A 4). */
class PagingTest {
    /** The 2-level PTE of a linear address below 16 MiB on the flat machine. */
    static int pte(int linear) {
        return FlatMachine.PAGE_TABLES + (linear >>> 12) * 4;
    }

    /** A machine that stops at the first fault (no delivery), like {@code eval}. */
    private static SysMachine stopping(boolean kernel) {
        SysMachine m = new SysMachine(kernel);
        m.cpu.delivery = null;
        if (kernel) m.ring0(CODE);
        else m.ring3(CODE);
        return m;
    }

    private static void assertPf(SysMachine m, int errorCode, int cr2) {
        assertEquals(Cpu.Stop.FAULT, m.run(10));
        assertEquals(CpuFault.PF, m.cpu.lastFault.vector);
        assertEquals(errorCode, m.cpu.lastFault.errorCode, "error code");
        assertEquals(cr2, m.st.cr2, "CR2");
        assertEquals(CODE, m.st.eip);
    }

    @Test
    void ring3ReadOfSupervisorPageIsPf5() {
        SysMachine m = stopping(false);
        m.put(CODE, 0xA1, 0x00, 0x00, 0x00, 0x01);    // mov eax, [0x01000000]
        assertPf(m, 0x5, 0x01000000);
    }

    @Test
    void ring3WriteToReadOnlyUserPageIsPf7() {
        SysMachine m = stopping(false);
        m.put32(pte(DATA), DATA | 0x5);                // user, read-only
        m.put(CODE, 0xC7, 0x05, 0x00, 0x00, 0x30, 0x00, 0x01, 0x00, 0x00, 0x00);  // mov dword [0x300000], 1
        assertPf(m, 0x7, DATA);
    }

    @Test
    void ring3WriteToNotPresentPageIsPf6() {
        SysMachine m = stopping(false);
        m.put32(pte(DATA), 0);
        m.put(CODE, 0xC6, 0x05, 0x00, 0x00, 0x30, 0x00, 0x01);                    // mov byte [0x300000], 1
        assertPf(m, 0x6, DATA);
    }

    @Test
    void ring0WriteToReadOnlyPageSucceedsWithWp0AndFaults3WithWp1() {
        SysMachine m = stopping(true);
        m.put32(pte(DATA), DATA | 0x5);
        m.put(CODE, 0xC7, 0x05, 0x00, 0x00, 0x30, 0x00, 0x01, 0x00, 0x00, 0x00);  // mov dword [0x300000], 1
        assertEquals(Cpu.Stop.BUDGET, m.run(1));
        assertEquals(1, m.read32(DATA));
        m.st.eip = CODE;
        m.st.cr0 |= CpuState.CR0_WP;
        m.cpu.mmu.flushAll();
        assertPf(m, 0x3, DATA);
    }

    @Test
    void accessedAndDirtyBitsAreSetByReadAndWrite() {
        SysMachine m = stopping(false);
        m.put32(pte(DATA), DATA | 0x7);
        m.put32(pte(DATA + 0x1000), (DATA + 0x1000) | 0x7);
        m.put(CODE, 0xA1, 0x00, 0x00, 0x30, 0x00,     // mov eax, [0x300000]
                0xC6, 0x05, 0x00, 0x10, 0x30, 0x00, 0x01);  // mov byte [0x301000], 1
        assertEquals(Cpu.Stop.BUDGET, m.run(2));
        assertEquals(0x27, m.read32(pte(DATA)) & 0x67, "read: A set, D clear");
        assertEquals(0x67, m.read32(pte(DATA + 0x1000)) & 0x67, "write: A and D set");
        assertNotEquals(0, m.read32(FlatMachine.PAGE_DIR) & 0x20, "PDE accessed");
    }

    @Test
    void tlbIsStaleUntilInvlpgAndCr3Load() {
        SysMachine m = new SysMachine(true);
        m.ring0(CODE);
        m.put32(0x500000, 0x1111);
        m.put32(0x600000, 0x2222);
        m.put32(pte(0x400000), 0x500000 | 0x7);
        m.cpu.mmu.flushAll();
        m.put(CODE, 0xA1, 0x00, 0x00, 0x40, 0x00,     // mov eax, [0x400000]
                0xA1, 0x00, 0x00, 0x40, 0x00,          // mov eax, [0x400000]   (after the PTE changed: stale)
                0x0F, 0x01, 0x3D, 0x00, 0x00, 0x40, 0x00,  // invlpg [0x400000]
                0xA1, 0x00, 0x00, 0x40, 0x00);         // mov eax, [0x400000]   (fresh)
        assertEquals(Cpu.Stop.BUDGET, m.run(1));
        assertEquals(0x1111, m.cpu.gpr[0]);
        m.put32(pte(0x400000), 0x600000 | 0x7);        // behind the TLB's back
        assertEquals(Cpu.Stop.BUDGET, m.run(1));
        assertEquals(0x1111, m.cpu.gpr[0], "the TLB still holds the old translation");
        assertEquals(Cpu.Stop.BUDGET, m.run(2));
        assertEquals(0x2222, m.cpu.gpr[0]);

        m.put32(pte(0x400000), 0x500000 | 0x7);
        m.cpu.gpr[0] = m.st.cr3;
        m.put(CODE + 0x100, 0x0F, 0x22, 0xD8,          // mov cr3, eax
                0xA1, 0x00, 0x00, 0x40, 0x00);         // mov eax, [0x400000]
        m.st.eip = CODE + 0x100;
        assertEquals(Cpu.Stop.BUDGET, m.run(2));
        assertEquals(0x1111, m.cpu.gpr[0], "a CR3 load flushes the TLB");
    }

    @Test
    void globalPagesSurviveCr3LoadsWithPge() {
        SysMachine m = new SysMachine(true);
        m.ring0(CODE);
        m.put32(0x500000, 0x1111);
        m.put32(0x600000, 0x2222);
        m.put32(pte(0x400000), 0x500000 | 0x107);      // G
        m.st.cr4 |= CpuState.CR4_PGE;
        m.cpu.mmu.flushAll();
        m.put(CODE, 0xA1, 0x00, 0x00, 0x40, 0x00,     // mov eax, [0x400000]
                0x0F, 0x20, 0xD8,                      // mov eax, cr3
                0x0F, 0x22, 0xD8,                      // mov cr3, eax
                0xA1, 0x00, 0x00, 0x40, 0x00);         // mov eax, [0x400000]
        assertEquals(Cpu.Stop.BUDGET, m.run(1));
        m.put32(pte(0x400000), 0x600000 | 0x107);
        assertEquals(Cpu.Stop.BUDGET, m.run(3));
        assertEquals(0x1111, m.cpu.gpr[0], "a global entry is kept over a CR3 load");
    }

    @Test
    void codePatchedThroughASecondMappingRunsTheNewBytes() {
        SysMachine m = new SysMachine(true);
        m.ring0(CODE);
        m.put32(pte(0x700000), CODE | 0x7);            // 0x700000 aliases the code page
        m.cpu.mmu.flushAll();
        m.put(CODE, 0x90,                              // nop  (patched below to inc eax)
                0xF4);                                 // hlt
        assertEquals(Cpu.Stop.HALT, m.run(10));       // decodes and caches the nop
        assertEquals(0, m.cpu.gpr[0]);
        m.put(CODE + 0x1000, 0xC6, 0x05, 0x00, 0x00, 0x70, 0x00, 0x40,  // mov byte [0x700000], 0x40
                0xFF, 0xE3);                                              // jmp ebx
        m.cpu.gpr[3] = CODE;
        m.st.eip = CODE + 0x1000;
        assertEquals(Cpu.Stop.HALT, m.run(10));
        assertEquals(1, m.cpu.gpr[0], "inc eax ran");
    }

    /** PAE: 0-16 MiB as user 2 MiB pages except 0x800000-0x9FFFFF in 4 KiB pages, the first one NX. */
    private static SysMachine pae(boolean kernel) {
        SysMachine m = stopping(kernel);
        int pdpt = 0x00C00000, pd = 0x00C01000, pt = 0x00C02000;
        for (int i = 0; i < 0x3000; i += 4) m.put32(pdpt + i, 0);
        m.put32(pdpt, pd | 1);
        for (int i = 0; i < 8; i++) m.put32(pd + 8 * i, (i << 21) | 0x87);       // 2 MiB, user, RW
        m.put32(pd + 8 * 4, pt | 0x7);
        for (int i = 0; i < 512; i++) m.put32(pt + 8 * i, (0x800000 + (i << 12)) | 0x7);
        m.put32(pt + 4, 0x80000000);                   // NX on 0x800000
        m.put32(pd + 8 * 8, FlatMachine.SYS_BASE | 0x83);                        // system area: supervisor
        m.st.cr3 = pdpt;
        m.st.cr4 |= CpuState.CR4_PAE;
        m.st.efer = CpuState.EFER_NXE;
        assertTrue(m.cpu.mmu.loadPdptes());
        m.cpu.mmu.flushAll();
        m.cpu.resetFetch();
        return m;
    }

    @Test
    void paeTwoMegabytePagesSetAccessedAndDirtyInThePde() {
        SysMachine m = pae(false);
        m.put(CODE, 0xC7, 0x05, 0x00, 0x00, 0x30, 0x00, 0x01, 0x00, 0x00, 0x00);  // mov dword [0x300000], 1
        assertEquals(Cpu.Stop.BUDGET, m.run(1));
        assertEquals(1, m.read32(DATA));
        assertEquals(0xE7, m.read32(0x00C01000 + 8) & 0xE7, "PDE 1: PS, A, D");
    }

    @Test
    void paeFetchFromNxPageIsPf15AndReadsStillWork() {
        SysMachine m = pae(false);
        m.put32(0x800000, 0xC3C3C3C3);
        m.put(CODE, 0xA1, 0x00, 0x00, 0x80, 0x00,     // mov eax, [0x800000]
                0xFF, 0xE0);                           // jmp eax   (eax set to 0x800000 below)
        m.cpu.gpr[0] = 0;
        assertEquals(Cpu.Stop.BUDGET, m.run(1));
        assertEquals(0xC3C3C3C3, m.cpu.gpr[0]);
        m.cpu.gpr[0] = 0x800000;
        assertEquals(Cpu.Stop.BUDGET, m.run(1));       // jmp eax
        assertEquals(Cpu.Stop.FAULT, m.run(1));
        assertEquals(CpuFault.PF, m.cpu.lastFault.vector);
        assertEquals(0x15, m.cpu.lastFault.errorCode, "P | U | I/D");
        assertEquals(0x800000, m.st.cr2);
    }

    @Test
    void paeRing3ReadOfSupervisorLargePageIsPf5() {
        SysMachine m = pae(false);
        m.put(CODE, 0xA1, 0x00, 0x00, 0x00, 0x01);    // mov eax, [0x01000000]
        assertPf(m, 0x5, 0x01000000);
    }

    @Test
    void paeReservedBitInAPteIsPfWithRsvdEvenForASupervisorAccess() {
        SysMachine m = pae(true);
        m.put32(0x00C02000 + 8 + 4, 0x00080000);        // PTE of 0x801000: bit 51, above MAXPHYADDR
        m.cpu.mmu.flushAll();
        m.put(CODE, 0xA1, 0x00, 0x10, 0x80, 0x00);    // mov eax, [0x801000]
        assertPf(m, 0x9, 0x801000);                    // P | RSVD
    }

    @Test
    void fourMegabytePageWithReservedBitsIsPfWithRsvd() {
        SysMachine m = stopping(false);
        int pdIndex = 0x01800000 >>> 22;
        m.put32(FlatMachine.PAGE_DIR + 4 * pdIndex, 0x01800000 | 0x20000 | 0x87);  // PS, bit 17 reserved
        m.st.cr4 |= CpuState.CR4_PSE;
        m.cpu.mmu.flushAll();
        m.put(CODE, 0xA1, 0x00, 0x00, 0x80, 0x01);    // mov eax, [0x01800000]
        assertPf(m, 0xD, 0x01800000);                  // P | U | RSVD
    }
}
