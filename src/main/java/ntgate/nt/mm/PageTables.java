package ntgate.nt.mm;

import ntgate.cpu.mem.PhysicalMemory;

/**
 * The PAE page tables of the one address space, built in guest physical memory as the XP PAE kernel keeps them:
 * a PDPT of four entries, four page directories, page tables allocated on demand, and the self map (the four
 * directories appear as page tables at PTE_BASE 0xC0000000, so the PTE of a VA is at
 * {@code 0xC0000000 + (VA >> 12) * 8} and its PDE at {@code 0xC0600000 + (VA >> 21) * 8}).
 *
 * <p>Physical pages come from a bump allocator starting at {@code firstFree}; pages freed by unmapping are kept on
 * a free list. Callers flush the CPU's TLB after changing a mapping the CPU may have cached.
 */
public final class PageTables {
    /** PTE bits (SDM Vol.3A 4.4.2). */
    public static final long P = 1, RW = 2, US = 4, PWT = 8, PCD = 0x10, A = 0x20, D = 0x40, PS = 0x80, G = 0x100;

    private final PhysicalMemory mem;
    private final long pdpt;
    private final long[] pd = new long[4];
    private long nextFree;
    private final java.util.ArrayDeque<Long> freeList = new java.util.ArrayDeque<>();

    /**
     * Lays out the PDPT and the four directories at {@code firstFree} (page aligned) and takes later pages
     * from there on demand.
     */
    public PageTables(PhysicalMemory mem, long firstFree) {
        this.mem = mem;
        this.nextFree = firstFree;
        this.pdpt = allocPage();
        for (int i = 0; i < 4; i++) {
            pd[i] = allocPage();
            mem.write64(pdpt + 8L * i, pd[i] | P);     // PAE PDPTEs hold only P, PWT, PCD (SDM 4.4.1)
        }
        // Self map: PD 3 entries 0..3 (VA 0xC0000000..0xC07FFFFF) point at the four directories.
        for (int i = 0; i < 4; i++) mem.write64(pd[3] + 8L * i, pd[i] | P | RW);
    }

    /** The value for CR3: the PDPT's physical address. */
    public int cr3() {
        return (int) pdpt;
    }

    /**
     * Software bits of a not-present PTE (bits 1-11 are ignored by the CPU when P = 0, SDM Vol.3A 4.4.2): a
     * committed page that has no frame yet (NT's demand-zero PTE), with the flags its frame will get in bits 1-4;
     * {@link #NO_ACCESS} marks one the CPU must not see even then (PAGE_NOACCESS, PAGE_GUARD).
     */
    public static final long DEMAND_ZERO = 0x400, NO_ACCESS = 0x200;

    /** No physical page is left: the machine's RAM (the {@code --memory} option) is used up. */
    public static final class Exhausted extends RuntimeException {
        public Exhausted() {
            super("guest physical memory exhausted", null, false, false);
        }
    }

    /** A zeroed physical page; {@link Exhausted} when RAM is used up. */
    public long allocPage() {
        Long f = freeList.poll();
        long page;
        if (f != null) {
            page = f;
            mem.zeroPage(page);
        } else {
            page = nextFree;
            if (page + 0x1000 > mem.size()) throw new Exhausted();
            nextFree += 0x1000;
            mem.zeroPage(page);   // a page never handed out is zero unless a loader wrote it directly
        }
        return page;
    }

    /** Physical pages not yet handed out. */
    public long freePages() {
        return freeList.size() + ((mem.size() - nextFree) >>> 12);
    }

    /**
     * Resolves a first touch of a demand-zero page (the MMU's not-present handler): gives it a zeroed frame and
     * the flags recorded in its PTE. False for any other not-present PTE, or when RAM is used up.
     */
    public boolean demandZero(int va) {
        long a = pteAddress(va, false);
        if (a < 0) return false;
        long e = mem.read64(a);
        if ((e & P) != 0 || (e & DEMAND_ZERO) == 0 || (e & NO_ACCESS) != 0 || (e & 0xFFFFFF000L) != 0) return false;
        long pa;
        try {
            pa = allocPage();
        } catch (Exhausted x) {
            return false;
        }
        mem.write64(a, pa | (e & (RW | US | PWT | PCD)) | P);
        return true;
    }

    /** Physical memory in use so far (for reports). */
    public long physicalTop() {
        return nextFree;
    }

    private long pteAddress(int va, boolean create) {
        long dir = pd[va >>> 30];
        long pdeAddr = dir + 8L * ((va >>> 21) & 0x1FF);
        long pde = mem.read64(pdeAddr);
        if ((pde & P) == 0) {
            if (!create) return -1;
            long pt = allocPage();
            // The directory entry is as permissive as any page below it; the PTE decides.
            mem.write64(pdeAddr, pt | P | RW | US);
            pde = mem.read64(pdeAddr);
        }
        return (pde & 0xFFFFFF000L) + 8L * ((va >>> 12) & 0x1FF);
    }

    /** Maps the 4 KiB page at {@code va} to {@code pa} with the PTE {@code flags} (P is added). */
    public void map(int va, long pa, long flags) {
        mem.write64(pteAddress(va, true), (pa & 0xFFFFFF000L) | flags | P);
    }

    /** Maps {@code size} bytes at {@code va} to fresh zeroed pages; returns the first page's physical address. */
    public long mapNew(int va, int size, long flags) {
        long first = -1;
        for (int off = 0; off < size; off += 0x1000) {
            long pa = allocPage();
            if (first < 0) first = pa;
            map(va + off, pa, flags);
        }
        return first;
    }

    /** The PTE of {@code va}, or 0 when no page table covers it. */
    public long pte(int va) {
        long a = pteAddress(va, false);
        return a < 0 ? 0 : mem.read64(a);
    }

    /** Replaces the flag bits of a present page (keeps the frame); returns false when not present. */
    public boolean protect(int va, long flags) {
        long a = pteAddress(va, false);
        if (a < 0) return false;
        long e = mem.read64(a);
        if ((e & P) == 0) return false;
        mem.write64(a, (e & 0xFFFFFF000L) | flags | P);
        return true;
    }

    /**
     * Writes the PTE of {@code va} as given, present or not (a not-present entry may keep its frame, as NT's
     * PAGE_NOACCESS and guard pages keep their commit); creates the page table when needed.
     */
    public void setPte(int va, long entry) {
        mem.write64(pteAddress(va, true), entry);
    }

    /** Unmaps {@code va}, returning its frame to the free list; false when it was not mapped. */
    public boolean unmap(int va) {
        long a = pteAddress(va, false);
        if (a < 0) return false;
        long e = mem.read64(a);
        if ((e & P) == 0) return false;
        mem.write64(a, 0);
        freeList.push(e & 0xFFFFFF000L);
        return true;
    }

    /** The physical address of {@code va}, or -1 when not mapped. */
    public long translate(int va) {
        long e = pte(va);
        return (e & P) == 0 ? -1 : (e & 0xFFFFFF000L) | (va & 0xFFF);
    }
}
