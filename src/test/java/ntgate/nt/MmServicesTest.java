package ntgate.nt;

import ntgate.nt.mm.PageTables;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/**
 * NtAllocateVirtualMemory, NtFreeVirtualMemory, NtProtectVirtualMemory and NtQueryVirtualMemory through the real
 * gate (SYSENTER). Statuses: NT-FACTS §13 and WRK ntstatus.h; structure: MEMORY_BASIC_INFORMATION (winnt.h).
 */
class MmServicesTest {
    static final int MEM_COMMIT = 0x1000, MEM_RESERVE = 0x2000, MEM_DECOMMIT = 0x4000, MEM_RELEASE = 0x8000,
            MEM_FREE = 0x10000, MEM_PRIVATE = 0x20000;

    /** A program: {@code body} runs, each call's status is stored with {@code st N} (status[N] = EAX); data follows. */
    static NtHarness run(String body, String data) {
        String src = """
                extern NtAllocateVirtualMemory
                extern NtFreeVirtualMemory
                extern NtProtectVirtualMemory
                extern NtQueryVirtualMemory
                section .text
                global start
                start:
                """ + body + """
                    xor eax, eax
                    ret
                section .data
                align 4
                status: times 16 dd 0xEEEEEEEE
                base:   dd 0
                size:   dd 0
                old:    dd 0
                mbi:    times 8 dd 0xEEEEEEEE
                retlen: dd 0xEEEEEEEE
                """ + data;
        NtHarness h = NtHarness.run(src.replaceAll("(?m)^\\s*st (\\d+)$", "    mov [status + 4*$1], eax"));
        assertEquals(0, h.exitStatus(), "program status");
        return h;
    }

    static String alloc(String base, String size, int type, int protect) {
        return "    mov dword [base], " + base + "\n    mov dword [size], " + size + "\n"
                + "    push " + protect + "\n    push " + type + "\n    push size\n    push 0\n    push base\n    push -1\n"
                + "    call NtAllocateVirtualMemory\n";
    }

    static String query(String address, int length) {
        return "    push retlen\n    push " + length + "\n    push mbi\n    push 0\n    push " + address + "\n    push -1\n"
                + "    call NtQueryVirtualMemory\n";
    }

    int status(NtHarness h, int i) {
        return h.u32(h.symbol("status") + 4 * i);
    }

    int mbi(NtHarness h, int field) {
        return h.u32(h.symbol("mbi") + field);
    }

    @Test
    void aNullBaseReservesAndCommitsZeroedPagesAtTheFirstFree64KiBBoundary() {
        NtHarness h = run(alloc("0", "0x2800", MEM_RESERVE | MEM_COMMIT, 4) + """
                    st 0
                    mov esi, [base]
                    mov eax, [esi + 0x1FFC]     ; zero-filled
                    mov [old], eax
                    mov dword [esi + 0x2FFC], 0x12345678
                """, "");
        assertEquals(NtStatus.STATUS_SUCCESS, status(h, 0));
        assertEquals(0x00010000, h.u32(h.symbol("base")));   // MM_LOWEST_USER_ADDRESS, free in ntgate's map
        assertEquals(0x3000, h.u32(h.symbol("size")));       // rounded up to pages
        assertEquals(0, h.u32(h.symbol("old")));
        assertEquals(0x12345678, h.u32(0x00012FFC));
    }

    @Test
    void aGivenBaseRoundsDownTo64KiBAndAnOverlapConflicts() {
        NtHarness h = run(alloc("0x00500123", "0x100", MEM_RESERVE, 4) + "    st 0\n    mov eax, [base]\n    mov [old], eax\n"
                + alloc("0x00500000", "0x1000", MEM_RESERVE, 4) + "    st 1\n"
                + alloc("0x00500010", "0x10", MEM_COMMIT, 2) + "    st 2\n"
                + query("0x00500000", 28) + "    st 3\n", "");
        assertEquals(NtStatus.STATUS_SUCCESS, status(h, 0));
        assertEquals(0x00500000, h.u32(h.symbol("old")));
        assertEquals(NtStatus.STATUS_CONFLICTING_ADDRESSES, status(h, 1));
        assertEquals(NtStatus.STATUS_SUCCESS, status(h, 2));
        assertEquals(0x00500000, h.u32(h.symbol("base")));   // commits round to pages
        assertEquals(0x1000, h.u32(h.symbol("size")));
        assertEquals(NtStatus.STATUS_SUCCESS, status(h, 3));
        assertEquals(0x00500000, mbi(h, 0));       // BaseAddress
        assertEquals(0x00500000, mbi(h, 4));       // AllocationBase
        assertEquals(4, mbi(h, 8));                // AllocationProtect
        assertEquals(0x1000, mbi(h, 12));          // RegionSize: the committed run
        assertEquals(MEM_COMMIT, mbi(h, 16));
        assertEquals(2, mbi(h, 20));               // PAGE_READONLY
        assertEquals(MEM_PRIVATE, mbi(h, 24));
        assertEquals(28, h.u32(h.symbol("retlen")));
        assertEquals(0, h.sys.pages.pte(0x00500000) & PageTables.RW);
    }

    @Test
    void committingOutsideAReservationConflicts() {
        NtHarness h = run(alloc("0x00600000", "0x1000", MEM_COMMIT, 4) + "    st 0\n", "");
        assertEquals(NtStatus.STATUS_CONFLICTING_ADDRESSES, status(h, 0));
    }

    @Test
    void parametersAreCheckedInWrkOrder() {
        NtHarness h = run(alloc("0", "0x1000", MEM_COMMIT, 3) + "    st 0\n"          // two protections
                + alloc("0", "0x1000", MEM_COMMIT, 0x101) + "    st 1\n"               // guard + noaccess
                + alloc("0", "0x1000", MEM_COMMIT, 8) + "    st 2\n"                   // write-copy, private
                + alloc("0", "0x1000", 0x4000, 4) + "    st 3\n"                        // not an allocation type
                + alloc("0", "0", MEM_COMMIT, 4) + "    st 4\n"                         // size 0
                + alloc("0x7FFE0000", "0x1000", MEM_RESERVE, 4) + "    st 5\n"          // above MM_HIGHEST_VAD_ADDRESS
                + """
                    mov dword [base], 0
                    push 4
                    push 0x3000
                    push size
                    push 0
                    push base
                    push 0x1234
                    call NtAllocateVirtualMemory
                    st 6
                """, "");
        assertEquals(NtStatus.STATUS_INVALID_PAGE_PROTECTION, status(h, 0));
        assertEquals(NtStatus.STATUS_INVALID_PAGE_PROTECTION, status(h, 1));
        assertEquals(NtStatus.STATUS_INVALID_PAGE_PROTECTION, status(h, 2));
        assertEquals(NtStatus.STATUS_INVALID_PARAMETER_5, status(h, 3));
        assertEquals(NtStatus.STATUS_INVALID_PARAMETER_4, status(h, 4));
        assertEquals(NtStatus.STATUS_INVALID_PARAMETER_2, status(h, 5));
        assertEquals(NtStatus.STATUS_INVALID_HANDLE, status(h, 6));
    }

    @Test
    void badBaseAddressPointersAreAccessViolations() {
        NtHarness h = run("""
                    push 4
                    push 0x3000
                    push size
                    push 0
                    push 0x80000000          ; a kernel address
                    push -1
                    call NtAllocateVirtualMemory
                    st 0
                    push 4
                    push 0x3000
                    push size
                    push 0
                    push 0x00300000          ; unmapped user address
                    push -1
                    call NtAllocateVirtualMemory
                    st 1
                    push 4
                    push 0x3000
                    push 0x7FFFFFFE          ; RegionSize straddles MmUserProbeAddress
                    push 0
                    push base
                    push -1
                    call NtAllocateVirtualMemory
                    st 2
                """ + query("0x00400000", 28).replace("push mbi", "push 0xC0000000") + "    st 3\n", "");
        assertEquals(NtStatus.STATUS_ACCESS_VIOLATION, status(h, 0));
        assertEquals(NtStatus.STATUS_ACCESS_VIOLATION, status(h, 1));
        assertEquals(NtStatus.STATUS_ACCESS_VIOLATION, status(h, 2));
        assertEquals(NtStatus.STATUS_ACCESS_VIOLATION, status(h, 3));
    }

    @Test
    void queryReportsFreeRangesAndChecksLengthClassAndAddress() {
        NtHarness h = run(query("0x00600010", 27) + "    st 0\n"
                + query("0x00600010", 28).replace("push 0\n", "push 9\n") + "    st 1\n"
                + query("0x80000000", 28) + "    st 2\n"
                + query("0x00600010", 28) + "    st 3\n", "");
        assertEquals(NtStatus.STATUS_INFO_LENGTH_MISMATCH, status(h, 0));
        assertEquals(NtStatus.STATUS_INVALID_INFO_CLASS, status(h, 1));
        assertEquals(NtStatus.STATUS_INVALID_PARAMETER, status(h, 2));
        assertEquals(NtStatus.STATUS_SUCCESS, status(h, 3));
        assertEquals(0x00600000, mbi(h, 0));
        assertEquals(0, mbi(h, 4));
        assertEquals(0, mbi(h, 8));
        assertEquals(MEM_FREE, mbi(h, 16));
        assertEquals(1, mbi(h, 20));      // PAGE_NOACCESS
        assertEquals(0, mbi(h, 24));
        // The next region above 0x600000 is ntdll's image at 0x7C900000.
        assertEquals(0x7C900000 - 0x00600000, mbi(h, 12));
    }

    @Test
    void protectReturnsTheOldProtectionAndNoAccessKeepsTheContents() {
        NtHarness h = run(alloc("0x00700000", "0x2000", MEM_RESERVE | MEM_COMMIT, 4) + """
                    st 0
                    mov dword [0x00701000], 0xCAFEF00D
                    mov dword [base], 0x00701000
                    mov dword [size], 0x1000
                    push old
                    push 1                   ; PAGE_NOACCESS
                    push size
                    push base
                    push -1
                    call NtProtectVirtualMemory
                    st 1
                    mov eax, [old]
                    mov [status + 4*8], eax
                """ + query("0x00700000", 28) + "    st 2\n    mov eax, [mbi + 12]\n    mov [status + 4*9], eax\n"
                + """
                    push old
                    push 4
                    push size
                    push base
                    push -1
                    call NtProtectVirtualMemory
                    st 3
                    mov eax, [0x00701000]
                    mov [status + 4*10], eax
                    mov dword [base], 0x00800000
                    push old
                    push 4
                    push size
                    push base
                    push -1
                    call NtProtectVirtualMemory
                    st 4
                """, "");
        assertEquals(NtStatus.STATUS_SUCCESS, status(h, 0));
        assertEquals(NtStatus.STATUS_SUCCESS, status(h, 1));
        assertEquals(4, status(h, 8));                 // old protection PAGE_READWRITE
        assertEquals(0x1000, status(h, 9));            // the RW run ends where NOACCESS begins
        assertEquals(NtStatus.STATUS_SUCCESS, status(h, 3));
        assertEquals(0xCAFEF00D, status(h, 10));       // the commit survived PAGE_NOACCESS
        assertEquals(NtStatus.STATUS_CONFLICTING_ADDRESSES, status(h, 4));
    }

    @Test
    void writingANoAccessPageEndsTheProcessWithAnAccessViolation() {
        NtHarness h = NtHarness.run("""
                extern NtAllocateVirtualMemory
                section .text
                global start
                start:
                    push 1
                    push 0x3000
                    push size
                    push 0
                    push base
                    push -1
                    call NtAllocateVirtualMemory
                    test eax, eax
                    jnz .out
                    mov esi, [base]
                    mov dword [esi], 1
                .out:
                    ret
                section .data
                base: dd 0
                size: dd 0x1000
                """);
        assertEquals(NtStatus.STATUS_ACCESS_VIOLATION, h.exitStatus());
        assertEquals(0, h.sys.pages.pte(0x00010000) & PageTables.P);
        // Committed but never given a frame: a not-present demand-zero PTE that records the commitment, as NT keeps
        // a committed page before its first touch.
        assertNotEquals(0, h.sys.pages.pte(0x00010000) & PageTables.DEMAND_ZERO);
    }

    @Test
    void freeDecommitsAndReleases() {
        NtHarness h = run(alloc("0x00700000", "0x3000", MEM_RESERVE | MEM_COMMIT, 4) + """
                    st 0
                    mov dword [base], 0x00701000
                    mov dword [size], 0x1000
                    push MEM_DECOMMIT
                    push size
                    push base
                    push -1
                    call NtFreeVirtualMemory
                    st 1
                """ + query("0x00701000", 28) + """
                    mov eax, [mbi + 16]
                    mov [status + 4*8], eax
                    mov dword [base], 0x00701000
                    mov dword [size], 0
                    push MEM_RELEASE
                    push size
                    push base
                    push -1
                    call NtFreeVirtualMemory
                    st 2
                    mov dword [base], 0x00700000
                    mov dword [size], 0
                    push MEM_RELEASE
                    push size
                    push base
                    push -1
                    call NtFreeVirtualMemory
                    st 3
                    mov eax, [size]
                    mov [status + 4*9], eax
                """ + query("0x00700000", 28) + """
                    mov eax, [mbi + 16]
                    mov [status + 4*10], eax
                    push MEM_RELEASE
                    push size
                    push base
                    push -1
                    call NtFreeVirtualMemory
                    st 4
                    push MEM_RELEASE | MEM_DECOMMIT
                    push size
                    push base
                    push -1
                    call NtFreeVirtualMemory
                    st 5
                    mov dword [base], 0x00400000
                    push MEM_RELEASE
                    push size
                    push base
                    push -1
                    call NtFreeVirtualMemory
                    st 6
                """, "MEM_DECOMMIT equ 0x4000\nMEM_RELEASE equ 0x8000\n");
        assertEquals(NtStatus.STATUS_SUCCESS, status(h, 0));
        assertEquals(NtStatus.STATUS_SUCCESS, status(h, 1));
        assertEquals(MEM_RESERVE, status(h, 8));
        assertEquals(NtStatus.STATUS_FREE_VM_NOT_AT_BASE, status(h, 2));
        assertEquals(NtStatus.STATUS_SUCCESS, status(h, 3));
        assertEquals(0x3000, status(h, 9));
        assertEquals(MEM_FREE, status(h, 10));
        assertEquals(NtStatus.STATUS_MEMORY_NOT_ALLOCATED, status(h, 4));
        assertEquals(NtStatus.STATUS_INVALID_PARAMETER_4, status(h, 5));
        assertEquals(NtStatus.STATUS_UNABLE_TO_FREE_VM, status(h, 6));   // an image is not private memory
        assertEquals(0, h.sys.pages.pte(0x00700000) & PageTables.P);
    }
}
