package ntgate.nt;

import ntgate.cpu.CpuFault;
import ntgate.nt.layout.Layouts;
import ntgate.nt.layout.Nt;
import ntgate.nt.mm.PageTables;
import ntgate.nt.mm.VirtualMemory;
import ntgate.nt.mm.VirtualMemory.Region;

import java.util.Map;

/**
 * Host routines of the memory manager's services: NtAllocateVirtualMemory, NtFreeVirtualMemory,
 * NtProtectVirtualMemory and NtQueryVirtualMemory, after WRK {@code base/ntos/mm/allocvm.c}, {@code freevm.c},
 * {@code protect.c} and {@code queryvm.c} (same validation order and statuses). The region map
 * ({@link VirtualMemory}) plays the VADs; the page tables hold what the CPU sees.
 *
 * <p>Page protections map onto PTEs as follows: PAGE_NOACCESS and PAGE_GUARD pages keep their frame (the commit
 * and the contents stay) in a not-present PTE, so any access faults; read-only and execute(-read) pages are
 * present without R/W; the writable and write-copy protections are present and writable. NX is not enabled
 * (CR4/EFER), so execute permission is not enforced: PAGE_READONLY code runs. A guard page faults as an access
 * violation, not STATUS_GUARD_PAGE_VIOLATION (MmAccessFault does not model guard pages).
 */
final class MmServices {
    private MmServices() {}

    static final int MEM_COMMIT = VirtualMemory.MEM_COMMIT, MEM_RESERVE = VirtualMemory.MEM_RESERVE,
            MEM_DECOMMIT = 0x4000, MEM_RELEASE = 0x8000, MEM_RESET = 0x80000, MEM_TOP_DOWN = 0x100000,
            MEM_WRITE_WATCH = 0x200000, MEM_PHYSICAL = 0x400000;
    static final int PAGE_NOACCESS = 0x01, PAGE_GUARD = 0x100, PAGE_NOCACHE = 0x200, PAGE_WRITECOMBINE = 0x400;
    /** MM_LOWEST_USER_ADDRESS, and MM_HIGHEST_VAD_ADDRESS = MM_HIGHEST_USER_ADDRESS - 64 KiB (WRK mi.h). */
    static final int MM_LOWEST_USER_ADDRESS = 0x10000, MM_HIGHEST_VAD_ADDRESS = Nt.MM_HIGHEST_USER_ADDRESS - 0x10000;
    /** MM_MAXIMUM_ZERO_BITS (WRK mi.h). */
    static final int MM_MAXIMUM_ZERO_BITS = 21;
    static final int X64K = 0x10000, PAGE = 0x1000;

    static void register(Kernel k, HostCallTable t) {
        k.service(t, "NtAllocateVirtualMemory", () -> allocate(k));
        k.service(t, "NtFreeVirtualMemory", () -> free(k));
        k.service(t, "NtProtectVirtualMemory", () -> protect(k));
        k.service(t, "NtQueryVirtualMemory", () -> query(k));
    }

    // ---- protections -----------------------------------------------------------------------------------------

    /**
     * MiMakeProtectionMask's validity rules: exactly one of the eight base protections (one bit in one of the two
     * nibbles), optionally PAGE_GUARD or PAGE_NOCACHE (not both, not with PAGE_NOACCESS); PAGE_WRITECOMBINE alone.
     */
    static boolean validProtection(int protect) {
        if ((protect & ~(0xFF | PAGE_GUARD | PAGE_NOCACHE | PAGE_WRITECOMBINE)) != 0) return false;
        int lo = protect & 0xF, hi = (protect >>> 4) & 0xF;
        if ((lo == 0) == (hi == 0)) return false;
        int field = lo != 0 ? lo : hi;
        if (Integer.bitCount(field) != 1) return false;
        int mods = protect & (PAGE_GUARD | PAGE_NOCACHE | PAGE_WRITECOMBINE);
        if (Integer.bitCount(mods) > 1) return false;
        return mods == 0 || (protect & 0xFF) != PAGE_NOACCESS;
    }

    /** Write-copy protections are not valid on private memory (WRK allocvm.c MM_COPY_ON_WRITE_MASK check). */
    static boolean isWriteCopy(int protect) {
        int b = protect & 0xFF;
        return b == 0x08 || b == 0x80;
    }

    /** PTE flags for a committed page of that protection, without P; -1 when the CPU must not see the page. */
    static long pteFlags(int protect) {
        int b = protect & 0xFF;
        if (b == PAGE_NOACCESS || (protect & PAGE_GUARD) != 0) return -1;
        long f = PageTables.US;
        if (b == 0x04 || b == 0x08 || b == 0x40 || b == 0x80) f |= PageTables.RW;
        if ((protect & PAGE_NOCACHE) != 0) f |= PageTables.PCD;
        return f;
    }

    private static final long FRAME = 0xFFFFFF000L;

    /**
     * Commits one page as NT does: a demand-zero PTE that records the protection; the frame comes with the first
     * touch (PageTables.demandZero, the MMU's not-present handler). The commitment was charged by the caller.
     */
    private static void commitPage(Kernel k, int va, int protect) {
        setDemandZero(k.sys.pages, va, protect);
    }

    private static void setDemandZero(PageTables pt, int va, int protect) {
        long f = pteFlags(protect);
        pt.setPte(va, PageTables.DEMAND_ZERO | (f < 0 ? PageTables.NO_ACCESS | PageTables.US : f));
    }

    private static void setPage(PageTables pt, int va, long pa, int protect) {
        long f = pteFlags(protect);
        pt.setPte(va, f < 0 ? (pa & FRAME) | PageTables.US : (pa & FRAME) | f | PageTables.P);
    }

    /** Changes the protection of a committed page, keeping its frame. */
    private static void reprotectPage(Kernel k, int va, int protect) {
        PageTables pt = k.sys.pages;
        long pa = pt.pte(va) & FRAME;
        if (pa == 0) {
            setDemandZero(pt, va, protect);   // not touched yet: still demand-zero
            return;
        }
        setPage(pt, va, pa, protect);
    }

    /** Decommits one page: its frame goes back to the allocator. */
    private static void decommitPage(Kernel k, int va) {
        PageTables pt = k.sys.pages;
        long e = pt.pte(va);
        if ((e & FRAME) == 0) {
            if (e != 0) pt.setPte(va, 0);   // a demand-zero page had no frame
            return;
        }
        if ((e & PageTables.P) == 0) pt.setPte(va, (e & FRAME) | PageTables.P);
        pt.unmap(va);
    }

    private static long u(int v) {
        return Integer.toUnsignedLong(v);
    }

    /** The region (VAD) containing {@code va}; KUSER_SHARED_DATA's page has no VAD the caller may change. */
    private static Region vad(Kernel k, int va) {
        Region r = k.vm.find(va);
        return r == null || r.base == Nt.MM_SHARED_USER_DATA_VA ? null : r;
    }

    // ---- NtAllocateVirtualMemory -------------------------------------------------------------------------------

    /**
     * NtAllocateVirtualMemory(ProcessHandle, *BaseAddress, ZeroBits, *RegionSize, AllocationType, Protect).
     * Reservations start on a 64 KiB boundary, commits on a page; a NULL base lets the memory manager pick the
     * lowest (or, with MEM_TOP_DOWN, highest) free 64 KiB-aligned range. Returns NTSTATUS.
     */
    static int allocate(Kernel k) throws CpuFault {
        int process = k.arg(0), pBase = k.arg(1), zeroBits = k.arg(2), pSize = k.arg(3), type = k.arg(4),
                protect = k.arg(5);
        if (Integer.compareUnsigned(zeroBits, MM_MAXIMUM_ZERO_BITS) > 0) return NtStatus.STATUS_INVALID_PARAMETER_3;
        if ((type & ~(MEM_COMMIT | MEM_RESERVE | MEM_TOP_DOWN | MEM_RESET | MEM_WRITE_WATCH | MEM_PHYSICAL)) != 0) {
            return NtStatus.STATUS_INVALID_PARAMETER_5;
        }
        if ((type & (MEM_COMMIT | MEM_RESERVE | MEM_RESET)) == 0) return NtStatus.STATUS_INVALID_PARAMETER_5;
        if ((type & MEM_RESET) != 0 && type != MEM_RESET) return NtStatus.STATUS_INVALID_PARAMETER_5;
        if ((type & MEM_WRITE_WATCH) != 0 && (type & MEM_RESERVE) == 0) return NtStatus.STATUS_INVALID_PARAMETER_5;
        if ((type & MEM_PHYSICAL) != 0 && (type & ~(MEM_PHYSICAL | MEM_TOP_DOWN)) != MEM_RESERVE) {
            return NtStatus.STATUS_INVALID_PARAMETER_5;
        }
        if (!validProtection(protect)) return NtStatus.STATUS_INVALID_PAGE_PROTECTION;

        KeServices.probeForWriteValue(k, pBase, 4);
        KeServices.probeForWriteValue(k, pSize, 4);
        int base = k.mem.u32(pBase), size = k.mem.u32(pSize);
        if (u(base) > u(MM_HIGHEST_VAD_ADDRESS)) return NtStatus.STATUS_INVALID_PARAMETER_2;
        if (u(MM_HIGHEST_VAD_ADDRESS) - u(base) + 1 < u(size)) return NtStatus.STATUS_INVALID_PARAMETER_4;
        if (size == 0) return NtStatus.STATUS_INVALID_PARAMETER_4;
        int st = KeServices.referenceProcess(k, process);
        if (st != NtStatus.STATUS_SUCCESS) return st;
        if ((type & (MEM_WRITE_WATCH | MEM_PHYSICAL)) != 0) return NtStatus.STATUS_NOT_IMPLEMENTED;

        int start, end;   // end is exclusive
        if (base == 0 || (type & MEM_RESERVE) != 0) {
            if (isWriteCopy(protect)) return NtStatus.STATUS_INVALID_PAGE_PROTECTION;
            if (type == MEM_RESET) return NtStatus.STATUS_SUCCESS;   // nothing to discard in a zero-filled map
            int length;
            if (base == 0) {
                length = (int) ((u(size) + PAGE - 1) & ~(long) (PAGE - 1));
                start = (type & MEM_TOP_DOWN) != 0 ? findFreeTopDown(k, length) : findFree(k, length);
                if (start == 0) return NtStatus.STATUS_NO_MEMORY;
            } else {
                start = base & -X64K;
                long last = (u(base) + u(size) - 1) | (PAGE - 1);
                length = (int) (last + 1 - u(start));
                if (!k.vm.isFree(start, length)) return NtStatus.STATUS_CONFLICTING_ADDRESSES;
            }
            end = start + length;
            if ((type & MEM_COMMIT) != 0 && !charge(k, length >>> 12)) return NtStatus.STATUS_COMMITMENT_LIMIT;
            Region r = k.vm.add(start, length, VirtualMemory.MEM_PRIVATE, protect);
            if ((type & MEM_COMMIT) != 0) {
                for (int i = 0; i < r.protect.length; i++) {
                    r.protect[i] = protect;
                    commitPage(k, start + i * PAGE, protect);
                }
            }
        } else {
            if (type == MEM_RESET) return NtStatus.STATUS_SUCCESS;
            start = base & -PAGE;
            long last = (u(base) + u(size) - 1) | (PAGE - 1);
            end = (int) (last + 1);
            Region r = vad(k, start);
            if (r == null || last >= u(r.base) + r.size) return NtStatus.STATUS_CONFLICTING_ADDRESSES;
            if (r.type != VirtualMemory.MEM_PRIVATE) return NtStatus.STATUS_CONFLICTING_ADDRESSES;
            if (isWriteCopy(protect)) return NtStatus.STATUS_INVALID_PAGE_PROTECTION;
            long fresh = 0;
            for (int va = start; va != end; va += PAGE) if (r.protect[(va - r.base) >>> 12] == 0) fresh++;
            if (!charge(k, fresh)) return NtStatus.STATUS_COMMITMENT_LIMIT;
            // Pages already committed take the new protection too (WRK allocvm.c: ChangeProtection).
            for (int va = start; va != end; va += PAGE) {
                int i = (va - r.base) >>> 12;
                if (r.protect[i] == 0) commitPage(k, va, protect);
                else reprotectPage(k, va, protect);
                r.protect[i] = protect;
            }
        }
        k.cpu.mmu.flushAll();
        try {
            // WRK: the results are written back in a try/except that ignores a failure.
            k.mem.w32(pSize, end - start);
            k.mem.w32(pBase, start);
        } catch (CpuFault ignored) {
            // the allocation stands
        }
        return NtStatus.STATUS_SUCCESS;
    }

    /**
     * MiChargeCommitment: takes {@code pages} from the commit limit, or returns false (nothing charged) when they
     * do not fit.
     */
    private static boolean charge(Kernel k, long pages) {
        if (k.commitCharge + pages > k.commitLimit) return false;
        k.commitCharge += pages;
        return true;
    }

    /** The lowest free 64 KiB-aligned range of {@code length} bytes at or above MM_LOWEST_USER_ADDRESS, or 0. */
    private static int findFree(Kernel k, int length) {
        long a = MM_LOWEST_USER_ADDRESS;
        while (a + length <= u(MM_HIGHEST_VAD_ADDRESS) + 1) {
            Region c = overlap(k, a, length);
            if (c == null) return (int) a;
            a = (u(c.base) + c.size + X64K - 1) & ~(long) (X64K - 1);
        }
        return 0;
    }

    /** MEM_TOP_DOWN: the highest free 64 KiB-aligned range, or 0. */
    private static int findFreeTopDown(Kernel k, int length) {
        long a = (u(MM_HIGHEST_VAD_ADDRESS) + 1 - length) & ~(long) (X64K - 1);
        while (a >= MM_LOWEST_USER_ADDRESS) {
            Region c = overlap(k, a, length);
            if (c == null) return (int) a;
            a = (u(c.base) - length) & ~(long) (X64K - 1);
        }
        return 0;
    }

    private static Region overlap(Kernel k, long lo, int length) {
        long hi = lo + u(length);
        for (Region r : k.vm.regions.values()) {
            if (u(r.base) < hi && lo < u(r.base) + r.size) return r;
        }
        return null;
    }

    // ---- NtFreeVirtualMemory -----------------------------------------------------------------------------------

    /** NtFreeVirtualMemory(ProcessHandle, *BaseAddress, *RegionSize, FreeType): MEM_RELEASE or MEM_DECOMMIT. */
    static int free(Kernel k) throws CpuFault {
        int process = k.arg(0), pBase = k.arg(1), pSize = k.arg(2), type = k.arg(3);
        if ((type & ~(MEM_DECOMMIT | MEM_RELEASE)) != 0) return NtStatus.STATUS_INVALID_PARAMETER_4;
        if (type != MEM_DECOMMIT && type != MEM_RELEASE) return NtStatus.STATUS_INVALID_PARAMETER_4;
        KeServices.probeForWriteValue(k, pBase, 4);
        KeServices.probeForWriteValue(k, pSize, 4);
        int base = k.mem.u32(pBase), size = k.mem.u32(pSize);
        if (u(base) > u(Nt.MM_HIGHEST_USER_ADDRESS)) return NtStatus.STATUS_INVALID_PARAMETER_2;
        if (u(Nt.MM_HIGHEST_USER_ADDRESS) - u(base) < u(size)) return NtStatus.STATUS_INVALID_PARAMETER_3;
        int st = KeServices.referenceProcess(k, process);
        if (st != NtStatus.STATUS_SUCCESS) return st;

        int start = base & -PAGE;
        Region r = vad(k, start);
        if (r == null) return NtStatus.STATUS_MEMORY_NOT_ALLOCATED;
        long regionEnd = u(r.base) + r.size;
        long last = size == 0 ? regionEnd - 1 : (u(base) + u(size) - 1) | (PAGE - 1);
        if (last >= regionEnd) return NtStatus.STATUS_UNABLE_TO_FREE_VM;
        if (r.type != VirtualMemory.MEM_PRIVATE) return NtStatus.STATUS_UNABLE_TO_FREE_VM;
        if (size == 0 && start != r.base) return NtStatus.STATUS_FREE_VM_NOT_AT_BASE;
        int end = (int) (last + 1);

        for (int va = start; va != end; va += PAGE) {
            int i = (va - r.base) >>> 12;
            if (r.protect[i] != 0) {
                decommitPage(k, va);
                if (r.type == VirtualMemory.MEM_PRIVATE && k.commitCharge > 0) k.commitCharge--;
            }
            r.protect[i] = 0;
        }
        if (type == MEM_RELEASE) {
            // Releasing part of a reservation splits it: what stays on either side becomes its own region.
            k.vm.regions.remove(r.base);
            if (start != r.base) split(k, r, r.base, start);
            if (u(end) != regionEnd) split(k, r, end, (int) regionEnd);
        }
        k.cpu.mmu.flushAll();
        try {
            k.mem.w32(pSize, end - start);
            k.mem.w32(pBase, start);
        } catch (CpuFault ignored) {
            // WRK ignores a failure to write the results
        }
        return NtStatus.STATUS_SUCCESS;
    }

    private static void split(Kernel k, Region r, int lo, int hi) {
        Region n = k.vm.add(lo, hi - lo, r.type, r.allocationProtect);
        System.arraycopy(r.protect, (lo - r.base) >>> 12, n.protect, 0, n.protect.length);
    }

    // ---- NtProtectVirtualMemory --------------------------------------------------------------------------------

    /** NtProtectVirtualMemory(ProcessHandle, *BaseAddress, *RegionSize, NewProtect, *OldProtect). */
    static int protect(Kernel k) throws CpuFault {
        int process = k.arg(0), pBase = k.arg(1), pSize = k.arg(2), newProtect = k.arg(3), pOld = k.arg(4);
        if (!validProtection(newProtect)) return NtStatus.STATUS_INVALID_PAGE_PROTECTION;
        KeServices.probeForWriteValue(k, pBase, 4);
        KeServices.probeForWriteValue(k, pSize, 4);
        KeServices.probeForWriteValue(k, pOld, 4);
        int base = k.mem.u32(pBase), size = k.mem.u32(pSize);
        if (u(base) > u(Nt.MM_HIGHEST_USER_ADDRESS)) return NtStatus.STATUS_INVALID_PARAMETER_2;
        if (u(Nt.MM_HIGHEST_USER_ADDRESS) - u(base) < u(size)) return NtStatus.STATUS_INVALID_PARAMETER_3;
        if (size == 0) return NtStatus.STATUS_INVALID_PARAMETER_3;
        int st = KeServices.referenceProcess(k, process);
        if (st != NtStatus.STATUS_SUCCESS) return st;

        int start = base & -PAGE;
        long last = (u(base) + u(size) - 1) | (PAGE - 1);
        int end = (int) (last + 1);
        Region r = vad(k, start);
        if (r == null || last >= u(r.base) + r.size) return NtStatus.STATUS_CONFLICTING_ADDRESSES;
        if (r.type == VirtualMemory.MEM_PRIVATE && isWriteCopy(newProtect)) return NtStatus.STATUS_INVALID_PAGE_PROTECTION;
        for (int va = start; va != end; va += PAGE) {
            if (r.protect[(va - r.base) >>> 12] == 0) return NtStatus.STATUS_NOT_COMMITTED;
        }
        int old = r.protect[(start - r.base) >>> 12];
        for (int va = start; va != end; va += PAGE) {
            reprotectPage(k, va, newProtect);
            r.protect[(va - r.base) >>> 12] = newProtect;
        }
        k.cpu.mmu.flushAll();
        try {
            k.mem.w32(pOld, old);
            k.mem.w32(pSize, end - start);
            k.mem.w32(pBase, start);
        } catch (CpuFault ignored) {
            // WRK ignores a failure to write the results
        }
        return NtStatus.STATUS_SUCCESS;
    }

    // ---- NtQueryVirtualMemory ----------------------------------------------------------------------------------

    /** MemoryInformationClass values (WRK ntmmapi.h). */
    static final int MemoryBasicInformation = 0, MemoryWorkingSetList = 1, MemorySectionName = 2,
            MemoryBasicVlmInformation = 3;

    /**
     * NtQueryVirtualMemory(ProcessHandle, BaseAddress, MemoryInformationClass, Buffer, Length, *ReturnLength):
     * MemoryBasicInformation only (28 bytes); a free range reports MEM_FREE with PAGE_NOACCESS up to the next
     * region.
     */
    static int query(Kernel k) throws CpuFault {
        int process = k.arg(0), address = k.arg(1), infoClass = k.arg(2), buffer = k.arg(3), length = k.arg(4),
                pReturn = k.arg(5);
        int size = Layouts.MEMORY_BASIC_INFORMATION.size();
        switch (infoClass) {
            case MemoryBasicInformation:
                if (Integer.compareUnsigned(length, size) < 0) return NtStatus.STATUS_INFO_LENGTH_MISMATCH;
                break;
            case MemoryWorkingSetList, MemorySectionName, MemoryBasicVlmInformation:
                return NtStatus.STATUS_NOT_IMPLEMENTED;   // valid classes ntgate does not model
            default:
                return NtStatus.STATUS_INVALID_INFO_CLASS;
        }
        KeServices.probeForWrite(k, buffer, length, 4);
        if (pReturn != 0) KeServices.probeForWriteValue(k, pReturn, 4);
        if (u(address) > u(Nt.MM_HIGHEST_USER_ADDRESS)) return NtStatus.STATUS_INVALID_PARAMETER;
        int st = KeServices.referenceProcess(k, process);
        if (st != NtStatus.STATUS_SUCCESS) return st;

        int page = address & -PAGE;
        int allocBase = 0, allocProtect = 0, state, prot, type = 0;
        long runEnd;
        Region r = k.vm.find(page);
        if (r == null) {
            Map.Entry<Integer, Region> next = k.vm.regions.higherEntry(page);
            runEnd = next != null ? u(next.getKey()) : u(Nt.MM_USER_PROBE_ADDRESS);
            state = VirtualMemory.MEM_FREE;
            prot = PAGE_NOACCESS;
        } else {
            allocBase = r.base;
            allocProtect = r.allocationProtect;
            type = r.type;
            int i = (page - r.base) >>> 12;
            int p = r.protect[i];
            while (i < r.protect.length && r.protect[i] == p) i++;
            runEnd = u(r.base) + ((long) i << 12);
            state = p != 0 ? VirtualMemory.MEM_COMMIT : VirtualMemory.MEM_RESERVE;
            prot = p;
        }
        var mbi = Layouts.MEMORY_BASIC_INFORMATION;
        k.mem.put(mbi, buffer, "BaseAddress", page);
        k.mem.put(mbi, buffer, "AllocationBase", allocBase);
        k.mem.put(mbi, buffer, "AllocationProtect", allocProtect);
        k.mem.put(mbi, buffer, "RegionSize", (int) (runEnd - u(page)));
        k.mem.put(mbi, buffer, "State", state);
        k.mem.put(mbi, buffer, "Protect", prot);
        k.mem.put(mbi, buffer, "Type", type);
        if (pReturn != 0) k.mem.w32(pReturn, size);
        return NtStatus.STATUS_SUCCESS;
    }
}
