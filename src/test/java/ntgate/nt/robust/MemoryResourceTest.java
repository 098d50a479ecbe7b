package ntgate.nt.robust;

import ntgate.nt.NtHarness;
import ntgate.nt.NtStatus;
import ntgate.nt.NtSystem;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 17: guest RAM is a resource, not a crash. Before, one 1 GiB NtAllocateVirtualMemory (or many small ones)
 * killed the JVM with OutOfMemoryError "guest physical memory exhausted". Now committing past the commit limit is
 * STATUS_COMMITMENT_LIMIT (0xC000012D, what XP's MiChargeCommitment failure returns from NtAllocateVirtualMemory)
 * and the process goes on; a reservation alone costs no commitment; committed pages get frames on first touch.
 */
class MemoryResourceTest {
    static String program(String body) {
        return """
                extern NtAllocateVirtualMemory
                extern NtFreeVirtualMemory
                section .text
                global start
                start:
                """ + body + """
                section .data
                base:   dd 0
                size:   dd 0
                status: dd 0
                count:  dd 0
                """;
    }

    static final String ALLOC = """
                    push 4                  ; PAGE_READWRITE
                    push 0x3000             ; MEM_COMMIT | MEM_RESERVE
                    push size
                    push 0
                    push base
                    push -1
                    call NtAllocateVirtualMemory
                """;

    @Test
    void aOneGibCommitIsRefusedWithTheCommitmentLimitAndTheProcessGoesOn() {
        NtHarness h = NtHarness.run(program("    mov dword [size], 0x40000000\n" + ALLOC + """
                    mov [status], eax
                    mov dword [base], 0
                    mov dword [size], 0x10000
                """ + ALLOC + """
                    mov esi, [base]
                    mov dword [esi + 0xFFFC], 0x5A5A5A5A    ; the small one works
                    mov eax, [status]
                    ret
                """));
        assertEquals(NtStatus.STATUS_COMMITMENT_LIMIT, h.exitStatus());
    }

    @Test
    void aOneGibReservationCostsNoCommitment() {
        NtHarness h = NtHarness.run(program("""
                    mov dword [size], 0x40000000
                    push 4
                    push 0x2000             ; MEM_RESERVE only
                    push size
                    push 0
                    push base
                    push -1
                    call NtAllocateVirtualMemory
                    ret
                """));
        assertEquals(NtStatus.STATUS_SUCCESS, h.exitStatus());
    }

    @Test
    void manySmallCommitsEndInTheCommitmentLimitNotACrash() {
        // 16 MiB of RAM: 1 MiB commits until the limit; every one is touched (so frames really are taken), then
        // the program frees one and commits again, which fits.
        NtHarness h = NtHarness.boot(program("""
                .again:
                    mov dword [base], 0
                    mov dword [size], 0x100000
                """ + ALLOC + """
                    test eax, eax
                    jnz .full
                    inc dword [count]
                    mov esi, [base]
                    mov ecx, 0x100
                .touch:
                    mov dword [esi], 1
                    add esi, 0x1000
                    loop .touch
                    jmp .again
                .full:
                    mov [status], eax
                    sub esi, 0x100000
                    mov [base], esi
                    mov dword [size], 0
                    push 0x8000             ; MEM_RELEASE
                    push size
                    push base
                    push -1
                    call NtFreeVirtualMemory
                    test eax, eax
                    jnz .out
                    mov dword [base], 0
                    mov dword [size], 0x100000
                """ + ALLOC + """
                .out:
                    ret
                """), o -> o.memory = 16 << 20);
        h.run();
        assertEquals(NtSystem.End.EXITED, h.end);
        assertEquals(NtStatus.STATUS_COMMITMENT_LIMIT, h.u32(h.symbol("status")));
        int n = h.u32(h.symbol("count"));
        assertTrue(n >= 4 && n < 16, "1 MiB commits that fit in 16 MiB of RAM: " + n);
        assertEquals(NtStatus.STATUS_SUCCESS, h.exitStatus());
    }

    @Test
    void theMemoryOptionIsWhatSystemBasicInformationReports() {
        NtHarness h = NtHarness.boot("""
                extern NtQuerySystemInformation
                section .text
                global start
                start:
                    push 0
                    push 44
                    push sbi
                    push 0
                    call NtQuerySystemInformation
                    ret
                section .data
                sbi: times 11 dd 0
                """, o -> o.memory = 256 << 20);
        h.run();
        assertEquals(0, h.exitStatus());
        assertEquals((256 << 20) >>> 12, h.u32(h.symbol("sbi") + 0x0C));   // NumberOfPhysicalPages
    }

    @Test
    void untouchedRamCostsNoHostMemory() {
        NtHarness h = NtHarness.boot("section .text\nglobal start\nstart:\n    xor eax, eax\n    ret\n",
                o -> o.memory = 2047 << 20);
        h.run();
        assertEquals(0, h.exitStatus());
        assertTrue(h.sys.cpu.mem.capacity() <= 32 << 20, "host bytes for a 2047 MiB guest that used little: "
                + h.sys.cpu.mem.capacity());
    }
}
