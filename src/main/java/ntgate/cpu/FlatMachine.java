package ntgate.cpu;

import ntgate.cpu.mem.PhysicalMemory;

/**
 * A flat 32-bit protected-mode machine for running raw instruction bytes: the environment of {@code ntgate
 * eval}, the benchmarks and the CPU tests.
 *
 * <ul>
 *   <li>16 MiB of user memory, linear = physical 0x00000000..0x00FFFFFF, present, user, writable (2-level
 *       paging, 4 KiB pages). Everything above is not present, so a wild access is #PF.</li>
 *   <li>A system area at 0x01000000 (supervisor-only): the GDT with NT's selectors (0x08/0x10 ring-0 code and
 *       data, 0x1B/0x23 ring-3 code and data, 0x3B a ring-3 data segment based at 0) and the page tables.</li>
 *   <li>User mode: CPL 3, CS = 0x1B, SS = DS = ES = FS = GS = 0x23, all flat. Kernel mode: CPL 0, CS = 0x08,
 *       the data segments 0x10.</li>
 *   <li>CR0 = PE | PG | ET | NE | MP (the FPU present, as an OS leaves it for a thread that owns it), the FPU in
 *       its FNINIT state with all registers +0, EFLAGS = 0x202, ESP = {@link #STACK_TOP}.</li>
 * </ul>
 */
public final class FlatMachine {
    public static final int USER_SIZE = 16 << 20;
    public static final int SYS_BASE = USER_SIZE;
    public static final int GDT = SYS_BASE;
    public static final int PAGE_DIR = SYS_BASE + 0x1000;
    public static final int PAGE_TABLES = SYS_BASE + 0x2000;
    public static final int SYS_SIZE = 0x10000;
    public static final int CODE_BASE = 0x00100000;
    public static final int STACK_TOP = 0x00F00000;

    public static final int USER_CS = 0x1B, USER_DS = 0x23, KERNEL_CS = 0x08, KERNEL_DS = 0x10;

    private FlatMachine() {}

    /** Builds a flat machine; {@code kernel} selects CPL 0 instead of CPL 3. */
    public static Cpu create(boolean kernel) {
        PhysicalMemory mem = new PhysicalMemory(USER_SIZE + SYS_SIZE);
        Cpu cpu = new Cpu(mem);
        reset(cpu, kernel);
        return cpu;
    }

    /** Restores the initial state of a machine made by {@link #create}: tables rebuilt, registers reset. */
    public static void reset(Cpu cpu, boolean kernel) {
        PhysicalMemory mem = cpu.mem;
        CpuState st = cpu.st;
        // GDT: null, 08 R0 code, 10 R0 data, 18 R3 code, 20 R3 data, 28 unused, 30 unused, 38 R3 data.
        long[] gdt = {
            0,
            0x00CF9B000000FFFFL,
            0x00CF93000000FFFFL,
            0x00CFFB000000FFFFL,
            0x00CFF3000000FFFFL,
            0,
            0,
            0x00CFF3000000FFFFL,
        };
        for (int i = 0; i < gdt.length; i++) mem.write64(GDT + 8L * i, gdt[i]);
        // Page directory: 4 user page tables for 0..16 MiB, one supervisor table for the system area.
        for (int i = 0; i < 1024; i++) mem.write32(PAGE_DIR + 4L * i, 0);
        for (int t = 0; t < 4; t++) {
            int pt = PAGE_TABLES + t * 0x1000;
            mem.write32(PAGE_DIR + 4L * t, pt | 0x7);
            for (int i = 0; i < 1024; i++) mem.write32(pt + 4L * i, ((t << 22) + (i << 12)) | 0x7);
        }
        int sysPt = PAGE_TABLES + 4 * 0x1000;
        mem.write32(PAGE_DIR + 4L * (SYS_BASE >>> 22), sysPt | 0x3);
        for (int i = 0; i < 1024; i++) {
            int page = SYS_BASE + (i << 12);
            mem.write32(sysPt + 4L * i, page < SYS_BASE + SYS_SIZE ? page | 0x3 : 0);
        }
        java.util.Arrays.fill(st.gpr, 0);
        st.gdtrBase = GDT;
        st.gdtrLimit = gdt.length * 8 - 1;
        st.idtrBase = 0;
        st.idtrLimit = 0;
        st.cr0 = CpuState.CR0_PE | CpuState.CR0_PG | CpuState.CR0_ET | CpuState.CR0_NE | CpuState.CR0_MP;
        st.fpu.reset();
        st.cr2 = 0;
        st.cr3 = PAGE_DIR;
        st.cr4 = 0;
        st.efer = 0;
        java.util.Arrays.fill(st.dr, 0);
        st.dr[6] = 0xFFFF0FF0;
        st.dr[7] = 0x400;
        st.setEflags(0x202);
        st.halted = false;
        cpu.mmu.flushAll();
        int cs = kernel ? KERNEL_CS : USER_CS;
        int ds = kernel ? KERNEL_DS : USER_DS;
        int codeAttr = kernel ? 0xCF9B00 : 0xCFFB00;
        int dataAttr = kernel ? 0xCF9300 : 0xCFF300;
        cpu.loadSegment(Seg.CS, cs, 0, 0xFFFFFFFF, codeAttr);
        for (int s : new int[] {Seg.SS, Seg.DS, Seg.ES, Seg.FS, Seg.GS}) cpu.loadSegment(s, ds, 0, 0xFFFFFFFF, dataAttr);
        cpu.setCpl(kernel ? 0 : 3);
        st.gpr[4] = STACK_TOP;
        st.eip = CODE_BASE;
        cpu.refreshAll();
    }
}
