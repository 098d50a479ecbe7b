package ntgate.cpu.mem;

import ntgate.cpu.CpuFault;
import ntgate.cpu.CpuState;

/**
 * Linear-to-physical translation and linear memory access: 2-level and PAE 3-level page walks with 4 KiB,
 * 4 MiB and 2 MiB pages, U/S, R/W (with CR0.WP), NX (EFER.NXE), Accessed and Dirty bits, #PF with CR2 and
 * the error code, and a software TLB flushed by CR3 loads and INVLPG (global entries kept per CR4.PGE).
 * SDM Vol.3A chapter 4.
 *
 * <p>The TLB is direct-mapped and kept separately for user and supervisor accesses and for reads, writes and
 * instruction fetches, so a hit needs one tag compare. A write entry is made only once the Dirty bit is set,
 * and never for a physical page that holds decoded code: such writes take the slow path, which tells the
 * {@link CodeWatcher}.
 */
public final class Mmu {
    /** Told when guest code writes a physical page that holds decoded instructions. */
    public interface CodeWatcher {
        void codeWritten(int physicalPage);
    }

    /** Told of every write when write logging is on (used by {@code eval} to report written ranges). */
    public interface WriteLog {
        void written(int linear, int size);
    }

    /** Told of every data read when read logging is on (tracers that record what an instruction read). */
    public interface ReadLog {
        void read(int linear, int size);
    }

    private static final int TLB_BITS = 11;
    private static final int TLB_SIZE = 1 << TLB_BITS;
    private static final int TLB_MASK = TLB_SIZE - 1;

    // Kinds of access, also the index of the TLB set (plus 3 for user).
    public static final int READ = 0, WRITE = 1, EXEC = 2;

    // #PF error code bits (SDM Vol.3A 4.7).
    public static final int PF_P = 1, PF_W = 2, PF_U = 4, PF_RSVD = 8, PF_I = 16;

    private final CpuState st;
    private final PhysicalMemory mem;
    /** The RAM array (replaced when RAM grows; see PhysicalMemory). */
    private byte[] ram;

    /** tags[set][i] = linear page number cached in entry i, or -1. Sets: READ, WRITE, EXEC, then user ones. */
    private final int[][] tags = new int[6][TLB_SIZE];
    private final int[][] phys = new int[6][TLB_SIZE];
    private final boolean[][] global = new boolean[6][TLB_SIZE];

    // The sets for the current privilege level.
    private int[] rTag, wTag, xTag, rPhys, wPhys, xPhys;
    private boolean userMode;

    /** Per physical page: holds decoded code. */
    private final boolean[] codePage;
    private CodeWatcher codeWatcher;
    private WriteLog writeLog;
    private ReadLog readLog;

    // Data breakpoints (DR0-DR3 with R/W = 01 or 11): while any is set, reads and writes bypass the TLB.
    private int watchMask, watchWritesOnly, watchHits;
    /** Slots 0-3: the guest's DR0-DR3; slots 4-7: a debugger's own watches ({@link #setMonitorWatch}). */
    private final int[] watchLo = new int[8];
    private final int[] watchLen = new int[8];

    // PAE PDPTE registers, loaded with CR3 (SDM Vol.3A 4.4.1).
    private final long[] pdpte = new long[4];

    /** Physical address width reported and enforced: 36 bits (PAE). */
    public static final int MAXPHYADDR = 36;

    public Mmu(CpuState st, PhysicalMemory mem) {
        this.st = st;
        this.mem = mem;
        this.ram = mem.ram;
        mem.onGrow(() -> this.ram = mem.ram);
        this.codePage = new boolean[mem.pages()];
        flushAll();
        setUserMode(false);
    }

    /**
     * Software use of not-present PAE PTEs (an operating system's demand-zero pages): called, before a #PF is
     * raised, for a not-present PTE whose value is not zero. It may make the PTE present (the walk then goes on
     * as if it had been) and returns whether it did. Tools' walks never call it.
     */
    public interface NotPresentHandler {
        boolean makePresent(int linear, long pte);
    }

    private NotPresentHandler notPresent;

    public void setNotPresentHandler(NotPresentHandler h) {
        this.notPresent = h;
    }

    public PhysicalMemory physical() {
        return mem;
    }

    public void setCodeWatcher(CodeWatcher w) {
        this.codeWatcher = w;
    }

    /** Turns write logging on (null: off). While on, every write takes the slow path. */
    public void setWriteLog(WriteLog log) {
        this.writeLog = log;
        flushAll();
    }

    /** Turns read logging on (null: off). While on, every data read takes the slow path. */
    public void setReadLog(ReadLog log) {
        this.readLog = log;
        flushAll();
    }

    /** Selects the TLB sets for CPL 3 (true) or CPL 0-2 (false); call whenever CPL changes. */
    public void setUserMode(boolean user) {
        userMode = user;
        int b = user ? 3 : 0;
        rTag = tags[b + READ];
        wTag = tags[b + WRITE];
        xTag = tags[b + EXEC];
        rPhys = phys[b + READ];
        wPhys = phys[b + WRITE];
        xPhys = phys[b + EXEC];
    }

    public boolean userMode() {
        return userMode;
    }

    // ---------------------------------------------------------------- TLB management

    /** Flushes every entry, global ones included (CR4.PGE/PAE/PSE or CR0.PG/WP changes). */
    public void flushAll() {
        for (int s = 0; s < 6; s++) {
            java.util.Arrays.fill(tags[s], -1);
            java.util.Arrays.fill(global[s], false);
        }
    }

    /** A CR3 load: flushes the non-global entries and reloads the PAE PDPTEs. */
    public void cr3Loaded() {
        for (int s = 0; s < 6; s++) {
            int[] t = tags[s];
            boolean[] g = global[s];
            for (int i = 0; i < TLB_SIZE; i++) if (!g[i]) t[i] = -1;
        }
        if ((st.cr4 & CpuState.CR4_PAE) != 0) loadPdptes();
    }

    /** Loads the four PAE PDPTEs from CR3. @return false when one has reserved bits set (MOV CR3 then #GPs). */
    public boolean loadPdptes() {
        long base = st.cr3 & 0xFFFFFFE0L;
        boolean ok = true;
        for (int i = 0; i < 4; i++) {
            long e = mem.read64(base + 8L * i);
            if ((e & 1) != 0 && (e & (0xFFF0_0000_0000_01E6L | rsvdHighMask())) != 0) ok = false;
            pdpte[i] = e;
        }
        return ok;
    }

    /** INVLPG: drops the entries for the page of {@code linear}, global or not. */
    public void invlpg(int linear) {
        // A large page may be cached under several entries; flushing everything is simple and always correct.
        flushAll();
    }

    /** Marks a physical page as holding decoded code: its writes from now on take the slow path. */
    public void markCode(int physicalPage) {
        if (physicalPage < 0 || physicalPage >= codePage.length || codePage[physicalPage]) return;
        codePage[physicalPage] = true;
        for (int s : new int[] {WRITE, WRITE + 3}) {
            int[] t = tags[s];
            int[] p = phys[s];
            int base = physicalPage << 12;
            for (int i = 0; i < TLB_SIZE; i++) if (t[i] != -1 && p[i] == base) t[i] = -1;
        }
    }

    /** Clears the code mark of a page (its decoded instructions were dropped). */
    public void unmarkCode(int physicalPage) {
        if (physicalPage >= 0 && physicalPage < codePage.length) codePage[physicalPage] = false;
    }

    // ---------------------------------------------------------------- data breakpoints

    /**
     * Sets or clears data breakpoint {@code i}: accesses at the current privilege that overlap
     * [{@code linear}, {@code linear + len}) (writes only, or reads and writes) are recorded as hits.
     */
    public void setWatch(int i, boolean on, int linear, int len, boolean writesOnly) {
        int bit = 1 << i;
        boolean was = watchMask != 0;
        watchMask = on ? watchMask | bit : watchMask & ~bit;
        watchWritesOnly = writesOnly ? watchWritesOnly | bit : watchWritesOnly & ~bit;
        watchLo[i] = linear;
        watchLen[i] = len;
        if (watchMask != 0 || was) flushAll();
    }

    /** Returns the DR6 B0-B3 bits of the data breakpoints hit since the last call, and clears them. */
    public int takeWatchHits() {
        int h = watchHits & 0xF;
        watchHits &= ~0xF;
        return h;
    }

    /**
     * Sets or clears a debugger's watch {@code i} (0-3), apart from the guest's debug registers: the same
     * access check as a data breakpoint, seen only through {@link #takeMonitorHits}.
     */
    public void setMonitorWatch(int i, boolean on, int linear, int len, boolean writesOnly) {
        setWatch(4 + i, on, linear, len, writesOnly);
    }

    /** The debugger watches (bits 0-3) hit since the last call, cleared. */
    public int takeMonitorHits() {
        int h = watchHits >>> 4;
        watchHits &= 0xF;
        return h;
    }

    private void watchCheck(int linear, int size, boolean write) {
        long a = linear & 0xFFFFFFFFL;
        for (int i = 0; i < 8; i++) {
            int bit = 1 << i;
            if ((watchMask & bit) == 0 || (!write && (watchWritesOnly & bit) != 0)) continue;
            long lo = watchLo[i] & 0xFFFFFFFFL;
            if (a < lo + watchLen[i] && lo < a + size) watchHits |= bit;
        }
    }

    private int watchedRead(int linear, int size) {
        int v = slowRead(linear, size, READ, userMode);
        if (watchMask != 0) watchCheck(linear, size, false);
        return v;
    }

    private void watchedWrite(int linear, int size, int v) {
        slowWrite(linear, size, v, userMode);
        if (watchMask != 0) watchCheck(linear, size, true);
    }

    // ---------------------------------------------------------------- fast linear access (current privilege)

    public int read8(int linear) {
        int i = (linear >>> 12) & TLB_MASK;
        if (rTag[i] == (linear >>> 12)) return ram[rPhys[i] | (linear & 0xFFF)] & 0xFF;
        return watchedRead(linear, 1);
    }

    public int read16(int linear) {
        int i = (linear >>> 12) & TLB_MASK;
        if (rTag[i] == (linear >>> 12) && (linear & 0xFFF) <= 0xFFE) return mem.fastRead16(rPhys[i] | (linear & 0xFFF));
        return watchedRead(linear, 2);
    }

    public int read32(int linear) {
        int i = (linear >>> 12) & TLB_MASK;
        if (rTag[i] == (linear >>> 12) && (linear & 0xFFF) <= 0xFFC) return mem.fastRead32(rPhys[i] | (linear & 0xFFF));
        return watchedRead(linear, 4);
    }

    public void write8(int linear, int v) {
        int i = (linear >>> 12) & TLB_MASK;
        if (wTag[i] == (linear >>> 12)) {
            ram[wPhys[i] | (linear & 0xFFF)] = (byte) v;
            return;
        }
        watchedWrite(linear, 1, v);
    }

    public void write16(int linear, int v) {
        int i = (linear >>> 12) & TLB_MASK;
        if (wTag[i] == (linear >>> 12) && (linear & 0xFFF) <= 0xFFE) {
            mem.fastWrite16(wPhys[i] | (linear & 0xFFF), v);
            return;
        }
        watchedWrite(linear, 2, v);
    }

    public void write32(int linear, int v) {
        int i = (linear >>> 12) & TLB_MASK;
        if (wTag[i] == (linear >>> 12) && (linear & 0xFFF) <= 0xFFC) {
            mem.fastWrite32(wPhys[i] | (linear & 0xFFF), v);
            return;
        }
        watchedWrite(linear, 4, v);
    }

    /** Access of {@code size} bytes (1, 2, 4) at the current privilege. */
    public int read(int linear, int size) {
        return switch (size) {
            case 1 -> read8(linear);
            case 2 -> read16(linear);
            default -> read32(linear);
        };
    }

    public void write(int linear, int size, int v) {
        switch (size) {
            case 1 -> write8(linear, v);
            case 2 -> write16(linear, v);
            default -> write32(linear, v);
        }
    }

    /** Checks that a write of {@code size} bytes would succeed, faulting as the write would (no write made). */
    public void probeWrite(int linear, int size) {
        translate(linear, WRITE, userMode);
        if (((linear & 0xFFF) + size) > 0x1000) translate(linear + size - 1, WRITE, userMode);
    }

    /** Checks that a read would succeed, faulting as the read would. */
    public void probeRead(int linear, int size) {
        translate(linear, READ, userMode);
        if (((linear & 0xFFF) + size) > 0x1000) translate(linear + size - 1, READ, userMode);
    }

    /** Instruction fetch of one byte (current privilege, NX checked). */
    public int fetch8(int linear) {
        int i = (linear >>> 12) & TLB_MASK;
        if (xTag[i] == (linear >>> 12)) return ram[xPhys[i] | (linear & 0xFFF)] & 0xFF;
        long p = translate(linear, EXEC, userMode);
        return mem.read8(p);
    }

    /** Translates an instruction fetch; returns the physical address (faults as the fetch would). */
    public long translateFetch(int linear) {
        int i = (linear >>> 12) & TLB_MASK;
        if (xTag[i] == (linear >>> 12)) return (xPhys[i] | (linear & 0xFFF)) & 0xFFFFFFFFL;
        return translate(linear, EXEC, userMode);
    }

    // ---------------------------------------------------------------- supervisor (implicit) access

    /** Supervisor-privilege accesses: descriptor tables, the TSS, the IDT, interrupt stack frames in ring 0. */
    public int readSys(int linear, int size) {
        return slowOrFastRead(linear, size, false);
    }

    public void writeSys(int linear, int size, int v) {
        slowWrite(linear, size, v, false);
    }

    /** Access at an explicit privilege (user = CPL 3 rules). */
    public int readAs(int linear, int size, boolean user) {
        return slowOrFastRead(linear, size, user);
    }

    public void writeAs(int linear, int size, int v, boolean user) {
        slowWrite(linear, size, v, user);
    }

    private int slowOrFastRead(int linear, int size, boolean user) {
        return slowRead(linear, size, READ, user);
    }

    // ---------------------------------------------------------------- debugger access (no faults, no A/D)

    /**
     * Translates without side effects for tools (debugger, tracer). Returns the physical address, or -1 when
     * the page is not present (permissions are not checked).
     */
    public long peekTranslate(int linear) {
        if ((st.cr0 & CpuState.CR0_PG) == 0) return linear & 0xFFFFFFFFL;
        try {
            return walk(linear, READ, false, false);
        } catch (CpuFault f) {
            return -1;
        }
    }

    /** Reads a byte for a tool; -1 when not mapped. */
    public int peek8(int linear) {
        long p = peekTranslate(linear);
        return p < 0 ? -1 : mem.read8(p);
    }

    // ---------------------------------------------------------------- slow paths

    private int slowRead(int linear, int size, int kind, boolean user) {
        int off = linear & 0xFFF;
        if (readLog != null && kind == READ) readLog.read(linear, size);
        if (off + size <= 0x1000) {
            long p = translate(linear, kind, user);
            return switch (size) {
                case 1 -> mem.read8(p);
                case 2 -> mem.read16(p);
                default -> mem.read32(p);
            };
        }
        // Split across pages: translate both halves before reading.
        long p0 = translate(linear, kind, user);
        long p1 = translate((linear | 0xFFF) + 1, kind, user);
        int v = 0;
        for (int k = 0; k < size; k++) {
            int b = off + k < 0x1000 ? mem.read8(p0 + k) : mem.read8(p1 + (off + k - 0x1000));
            v |= b << (8 * k);
        }
        return v;
    }

    private void slowWrite(int linear, int size, int v, boolean user) {
        int off = linear & 0xFFF;
        long p0 = translate(linear, WRITE, user);
        long p1 = off + size > 0x1000 ? translate((linear | 0xFFF) + 1, WRITE, user) : -1;
        if (writeLog != null) writeLog.written(linear, size);
        for (int k = 0; k < size; k++) {
            long p = off + k < 0x1000 ? p0 + k : p1 + (off + k - 0x1000);
            mem.write8(p, v >>> (8 * k));
        }
        codeCheck(p0);
        if (p1 >= 0) codeCheck(p1);
    }

    private void codeCheck(long physical) {
        int page = (int) (physical >>> 12);
        if (page >= 0 && page < codePage.length && codePage[page]) {
            codePage[page] = false;
            if (codeWatcher != null) codeWatcher.codeWritten(page);
        }
    }

    /**
     * Translates one access, filling the TLB. Paging off: identity. Throws #PF with CR2 semantics (the fault
     * carries the linear address; the CPU loads CR2 when it delivers the fault).
     */
    public long translate(int linear, int kind, boolean user) {
        int tagSet = (user ? 3 : 0) + kind;
        int i = (linear >>> 12) & TLB_MASK;
        if (tags[tagSet][i] == (linear >>> 12)) return (phys[tagSet][i] | (linear & 0xFFF)) & 0xFFFFFFFFL;
        long p;
        boolean g = false;
        if ((st.cr0 & CpuState.CR0_PG) == 0) {
            p = linear & 0xFFFFFFFFL;
        } else {
            p = walk(linear, kind, user, true);
            g = lastGlobal;
        }
        long page = p & ~0xFFFL;
        if (page < mem.size()) {
            mem.ensure(page);   // the fast paths index the array directly
            int pp = (int) (page >>> 12);
            boolean cacheable = !(kind == WRITE && (writeLog != null || codePage[pp])) && !(watchMask != 0 && kind != EXEC)
                    && !(kind == READ && readLog != null);
            if (cacheable) {
                tags[tagSet][i] = linear >>> 12;
                phys[tagSet][i] = (int) page;
                global[tagSet][i] = g;
            }
        }
        return p;
    }

    private boolean lastGlobal;

    private long rsvdHighMask() {
        return ((1L << 52) - 1) & ~((1L << MAXPHYADDR) - 1);
    }

    /**
     * Walks the page tables (SDM Vol.3A 4.3 and 4.4).
     *
     * @param update set Accessed/Dirty bits (false for tools)
     */
    private long walk(int linear, int kind, boolean user, boolean update) {
        boolean write = kind == WRITE;
        boolean wp = (st.cr0 & CpuState.CR0_WP) != 0;
        boolean pge = (st.cr4 & CpuState.CR4_PGE) != 0;
        int errBase = (write ? PF_W : 0) | (user ? PF_U : 0);
        if ((st.cr4 & CpuState.CR4_PAE) != 0) {
            boolean nxe = (st.efer & CpuState.EFER_NXE) != 0;
            if (kind == EXEC && nxe) errBase |= PF_I;
            long rsvd = rsvdHighMask() | (nxe ? 0 : 1L << 63);
            long e3 = pdpte[linear >>> 30];
            if ((e3 & 1) == 0) throw pf(linear, errBase);
            long pdeAddr = (e3 & 0x000F_FFFF_FFFF_F000L) + 8L * ((linear >>> 21) & 0x1FF);
            long pde = mem.read64(pdeAddr);
            if ((pde & 1) == 0) throw pf(linear, errBase);
            if ((pde & rsvd) != 0) throw pf(linear, errBase | PF_P | PF_RSVD);
            if ((pde & 0x80) != 0) {
                if ((pde & 0x001F_E000L) != 0) throw pf(linear, errBase | PF_P | PF_RSVD);
                check(linear, kind, user, wp, nxe, pde, pde, errBase);
                if (update) {
                    long n = pde | 0x20 | (write ? 0x40 : 0);
                    if (n != pde) mem.write64(pdeAddr, n);
                }
                lastGlobal = pge && (pde & 0x100) != 0;
                return (pde & 0x000F_FFFF_FFE0_0000L) | (linear & 0x1FFFFF);
            }
            long pteAddr = (pde & 0x000F_FFFF_FFFF_F000L) + 8L * ((linear >>> 12) & 0x1FF);
            long pte = mem.read64(pteAddr);
            if ((pte & 1) == 0) {
                if (pte == 0 || notPresent == null || !update || !notPresent.makePresent(linear, pte)) throw pf(linear, errBase);
                pte = mem.read64(pteAddr);
                if ((pte & 1) == 0) throw pf(linear, errBase);
            }
            if ((pte & rsvd) != 0) throw pf(linear, errBase | PF_P | PF_RSVD);
            check(linear, kind, user, wp, nxe, pde, pte, errBase);
            if (update) {
                if ((pde & 0x20) == 0) mem.write64(pdeAddr, pde | 0x20);
                long n = pte | 0x20 | (write ? 0x40 : 0);
                if (n != pte) mem.write64(pteAddr, n);
            }
            lastGlobal = pge && (pte & 0x100) != 0;
            return (pte & 0x000F_FFFF_FFFF_F000L) | (linear & 0xFFF);
        }
        // 32-bit paging.
        long pdeAddr = (st.cr3 & 0xFFFFF000L) + 4L * (linear >>> 22);
        int pde = mem.read32(pdeAddr);
        if ((pde & 1) == 0) throw pf(linear, errBase);
        if ((pde & 0x80) != 0 && (st.cr4 & CpuState.CR4_PSE) != 0) {
            // 4 MiB page; bits 21:13 hold physical address bits 39:32 (PSE-36), which must be 0 above MAXPHYADDR.
            // Bits 16:13 hold physical address bits 35:32 (PSE-36); bits 21:17 are reserved at MAXPHYADDR 36.
            if ((pde & 0x003E0000) != 0) throw pf(linear, errBase | PF_P | PF_RSVD);
            check(linear, kind, user, wp, false, pde, pde, errBase);
            if (update) {
                int n = pde | 0x20 | (write ? 0x40 : 0);
                if (n != pde) mem.write32(pdeAddr, n);
            }
            lastGlobal = pge && (pde & 0x100) != 0;
            long high = ((long) (pde >>> 13) & 0xFF) << 32;
            return high | ((pde & 0xFFC00000L) | (linear & 0x3FFFFF));
        }
        long pteAddr = (pde & 0xFFFFF000L) + 4L * ((linear >>> 12) & 0x3FF);
        int pte = mem.read32(pteAddr);
        if ((pte & 1) == 0) throw pf(linear, errBase);
        check(linear, kind, user, wp, false, pde, pte, errBase);
        if (update) {
            if ((pde & 0x20) == 0) mem.write32(pdeAddr, pde | 0x20);
            int n = pte | 0x20 | (write ? 0x40 : 0);
            if (n != pte) mem.write32(pteAddr, n);
        }
        lastGlobal = pge && (pte & 0x100) != 0;
        return (pte & 0xFFFFF000L) | (linear & 0xFFF);
    }

    /** Access rights: the combined U/S and R/W of both levels, CR0.WP, and NX (SDM Vol.3A 4.6). */
    private void check(int linear, int kind, boolean user, boolean wp, boolean nxe, long pde, long pte, int errBase) {
        boolean us = (pde & pte & 4) != 0;
        boolean rw = (pde & pte & 2) != 0;
        if (user && !us) throw pf(linear, errBase | PF_P);
        if (kind == WRITE && !rw && (user || wp)) throw pf(linear, errBase | PF_P);
        if (kind == EXEC && nxe && ((pde | pte) & (1L << 63)) != 0) throw pf(linear, errBase | PF_P);
    }

    private static CpuFault pf(int linear, int errorCode) {
        return new CpuFault(CpuFault.PF, errorCode, linear);
    }
}
