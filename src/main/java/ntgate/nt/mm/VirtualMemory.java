package ntgate.nt.mm;

import ntgate.asm.AsmResult;
import ntgate.asm.AsmSection;
import ntgate.nt.NtSystem;
import ntgate.nt.ProgramImage;
import ntgate.nt.layout.Nt;

import java.util.Map;
import java.util.TreeMap;

/**
 * The process's user address space as the memory manager sees it: which ranges are reserved or committed, with
 * what protection (XP's VADs, kept host-side). The page tables hold what the CPU sees; this map holds what
 * NtQueryVirtualMemory reports and what NtAllocateVirtualMemory may take.
 */
public final class VirtualMemory {
    public static final int MEM_COMMIT = 0x1000, MEM_RESERVE = 0x2000, MEM_FREE = 0x10000;
    public static final int MEM_PRIVATE = 0x20000, MEM_MAPPED = 0x40000, MEM_IMAGE = 0x1000000;
    public static final int PAGE_NOACCESS = 1, PAGE_READONLY = 2, PAGE_READWRITE = 4, PAGE_EXECUTE = 0x10,
            PAGE_EXECUTE_READ = 0x20, PAGE_EXECUTE_READWRITE = 0x40;

    /** One allocation: [base, base+size), its type, and per-page state and protection. */
    public static final class Region {
        public final int base, size, type, allocationProtect;
        /** Per page: the protection (0 = reserved only). */
        public final int[] protect;

        Region(int base, int size, int type, int allocationProtect) {
            this.base = base;
            this.size = size;
            this.type = type;
            this.allocationProtect = allocationProtect;
            this.protect = new int[size >>> 12];
        }
    }

    private final NtSystem sys;
    /** Regions by base address (unsigned order: user addresses are all below 2 GiB). */
    public final TreeMap<Integer, Region> regions = new TreeMap<>();

    public VirtualMemory(NtSystem sys) {
        this.sys = sys;
    }

    /** Records the ranges boot mapped: images, TEB, PEB, shared data, stack, process parameters. */
    public void reserveSystemRegions() {
        for (AsmResult r : new AsmResult[] {sys.ntdll}) {
            if (r == null) continue;
            long lo = r.base(), hi = lo;
            for (AsmSection s : r.sections()) hi = Math.max(hi, s.end());
            int size = (int) (((hi - lo) + 0xFFF) & ~0xFFFL);
            Region g = add((int) lo, size, MEM_IMAGE, PAGE_EXECUTE_READWRITE);
            for (AsmSection s : r.sections()) {
                int p = s.name().equals(".text") ? PAGE_EXECUTE_READ : PAGE_READWRITE;
                if (r == sys.program) p = PAGE_EXECUTE_READWRITE;
                for (long a = s.address() & ~0xFFFL; a < s.end(); a += 0x1000) g.protect[(int) ((a - lo) >>> 12)] = p;
            }
        }
        ProgramImage im = sys.image;
        Region img = add(im.base(), im.memory().length, MEM_IMAGE, PAGE_EXECUTE_READWRITE);
        for (ProgramImage.Range rg : im.ranges()) {
            int p = rg.writable() ? (rg.executable() ? PAGE_EXECUTE_READWRITE : PAGE_READWRITE)
                    : (rg.executable() ? PAGE_EXECUTE_READ : PAGE_READONLY);
            for (int off = rg.rva(); off < rg.rva() + rg.size() && (off >>> 12) < img.protect.length; off += 0x1000) {
                if (img.protect[off >>> 12] == 0 || rg.writable()) img.protect[off >>> 12] = p;
            }
        }
        commitAll(add(Nt.TEB_ADDRESS, 0x1000, MEM_PRIVATE, PAGE_READWRITE), PAGE_READWRITE);
        commitAll(add(Nt.PEB_ADDRESS, 0x1000, MEM_PRIVATE, PAGE_READWRITE), PAGE_READWRITE);
        commitAll(add(Nt.MM_SHARED_USER_DATA_VA, 0x1000, MEM_PRIVATE, PAGE_READONLY), PAGE_READONLY);
        commitAll(add(sys.userStackBase - sys.userStackSize, sys.userStackSize, MEM_PRIVATE, PAGE_READWRITE),
                PAGE_READWRITE);
        commitAll(add(NtSystem.PROCESS_PARAMETERS, 0x1000, MEM_PRIVATE, PAGE_READWRITE), PAGE_READWRITE);
        commitAll(add(NtSystem.LOADER_DATA, 0x1000, MEM_PRIVATE, PAGE_READWRITE), PAGE_READWRITE);
    }

    private static void commitAll(Region r, int protect) {
        java.util.Arrays.fill(r.protect, protect);
    }

    public Region add(int base, int size, int type, int protect) {
        Region r = new Region(base, size, type, protect);
        regions.put(base, r);
        return r;
    }

    /** The region containing {@code va}, or null. */
    public Region find(int va) {
        Map.Entry<Integer, Region> e = regions.floorEntry(va);
        if (e == null) return null;
        Region r = e.getValue();
        return Integer.toUnsignedLong(va) < Integer.toUnsignedLong(r.base) + r.size ? r : null;
    }

    /** True when no region overlaps [base, base+size). */
    public boolean isFree(int base, int size) {
        long lo = Integer.toUnsignedLong(base), hi = lo + Integer.toUnsignedLong(size);
        for (Region r : regions.values()) {
            long rlo = Integer.toUnsignedLong(r.base), rhi = rlo + r.size;
            if (rlo < hi && lo < rhi) return false;
        }
        return true;
    }
}
