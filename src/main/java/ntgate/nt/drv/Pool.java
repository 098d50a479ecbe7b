package ntgate.nt.drv;

import ntgate.nt.NtSystem;
import ntgate.nt.mm.PageTables;

import java.util.Map;
import java.util.TreeMap;

/**
 * The non-paged pool that ExAllocatePool(WithTag) hands out (every pool type is non-paged here: nothing in ntgate
 * is paged out). Small blocks carry XP's 8-byte POOL_HEADER in front (BlockSize and PoolType + 1 in the first
 * dword, in 8-byte units as XP keeps them; the tag in the second) and never cross a page; a request of a page or
 * more (PAGE_SIZE minus the header) gets whole pages, page-aligned and without a header, as XP's big-pool
 * allocations are. Pages are mapped (kernel, writable) when first used. The range is ntgate's choice.
 */
final class Pool {
    static final int START = 0x81100000, END = 0x81900000;
    private static final int HEADER = 8;

    private final NtSystem sys;
    /** Allocated blocks: the address returned to the caller → the bytes it owns (header excluded). */
    private final TreeMap<Integer, Integer> allocated = new TreeMap<>(Integer::compareUnsigned);
    /** Freed small blocks: header address → block size including the header (reused first fit). */
    private final TreeMap<Integer, Integer> free = new TreeMap<>(Integer::compareUnsigned);
    private int next = START;

    Pool(NtSystem sys) {
        this.sys = sys;
    }

    /** ExAllocatePoolWithTag: the block's address, or 0 when the pool is exhausted. */
    int allocate(int poolType, int bytes, int tag) {
        long n = Integer.toUnsignedLong(bytes);
        if (n >= 0x1000 - HEADER) {
            long pages = (n + 0xFFF) >>> 12;
            int at = (next + 0xFFF) & ~0xFFF;
            if (Integer.toUnsignedLong(at) + (pages << 12) > Integer.toUnsignedLong(END)) return 0;
            map(at, (int) (pages << 12));
            next = at + (int) (pages << 12);
            allocated.put(at, (int) (pages << 12));
            return at;
        }
        int block = (int) ((n + 7) & ~7L) + HEADER;
        Integer header = null;
        for (Map.Entry<Integer, Integer> e : free.entrySet()) {
            if (e.getValue() >= block) {
                header = e.getKey();
                int rest = e.getValue() - block;
                free.remove(header);
                if (rest >= HEADER + 8) free.put(header + block, rest);
                else block = e.getValue();
                break;
            }
        }
        if (header == null) {
            int at = next;
            if (((at & 0xFFF) + block) > 0x1000) at = (at + 0xFFF) & ~0xFFF;    // a small block never crosses a page
            if (Integer.toUnsignedLong(at) + block > Integer.toUnsignedLong(END)) return 0;
            map(at & ~0xFFF, ((at & 0xFFF) + block + 0xFFF) & ~0xFFF);
            next = at + block;
            header = at;
        }
        sys.mem.w32(header, (block / 8) << 16 | ((poolType & 0x7F) + 1) << 25);   // BlockSize, PoolType + 1
        sys.mem.w32(header + 4, tag);                                            // PoolTag
        for (int i = HEADER; i < block; i += 4) sys.mem.w32(header + i, 0);
        allocated.put(header + HEADER, block - HEADER);
        return header + HEADER;
    }

    /** ExFreePool(WithTag): false when {@code address} is not an allocated block (the caller bug-checks). */
    boolean free(int address) {
        Integer size = allocated.remove(address);
        if (size == null) return false;
        if ((address & 0xFFF) == 0 && size >= 0x1000) return true;   // whole pages: kept mapped, not reused
        int header = address - HEADER;
        sys.mem.w32(header, ((size + HEADER) / 8) << 16);              // PoolType 0: free
        free.put(header, size + HEADER);
        return true;
    }

    /** The POOL_HEADER dword of a block (for the bug check's parameter), or 0 for a page allocation. */
    int header(int address) {
        if ((address & 0xFFF) == 0) return 0;
        try {
            return sys.mem.u32(address - HEADER);
        } catch (RuntimeException e) {
            return 0;
        }
    }

    private void map(int va, int size) {
        boolean mapped = false;
        for (int p = va; Integer.compareUnsigned(p, va + size) < 0; p += 0x1000) {
            if ((sys.pages.pte(p) & PageTables.P) == 0) {
                sys.pages.mapNew(p, 0x1000, PageTables.RW);
                mapped = true;
            }
        }
        if (mapped) sys.cpu.mmu.flushAll();
    }
}
