package ntgate.nt.robust;

import ntgate.nt.NtHarness;
import ntgate.nt.NtStatus;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Issue 17: a .asm program's sections get a PE's protections (.text read-execute, .rdata read-only, .data/.bss
 * read-write), so it behaves as the same layout in a PE. Before, every section was writable: the program could
 * write its own .text and the kernel's writes into its .rdata succeeded.
 */
class AsmSectionProtectionTest {
    @Test
    void writingTheProgramsOwnTextIsAnAccessViolation() {
        NtHarness h = NtHarness.run("""
                section .text
                global start
                start:
                    mov byte [start], 0x90
                    xor eax, eax
                    ret
                """);
        assertEquals(NtStatus.STATUS_ACCESS_VIOLATION, h.exitStatus());
        assertEquals(true, h.sys.k.unhandledException);
    }

    @Test
    void theKernelCannotWriteIntoRdataButCanIntoDataAndBss() {
        NtHarness h = NtHarness.run("""
                extern NtQuerySystemTime
                section .text
                global start
                start:
                    push ro
                    call NtQuerySystemTime
                    mov [status0], eax
                    push rw
                    call NtQuerySystemTime
                    mov [status1], eax
                    push zero
                    call NtQuerySystemTime
                    mov [status2], eax
                    mov eax, [ro]               ; .rdata is readable
                    ret
                section .rdata
                ro: dd 0x600DF00D, 0
                section .data
                rw: dd 0, 0
                status0: dd -1
                status1: dd -1
                status2: dd -1
                section .bss
                zero: resd 2
                """);
        assertEquals(0x600DF00D, h.exitStatus());
        assertEquals(NtStatus.STATUS_ACCESS_VIOLATION, h.u32(h.symbol("status0")));
        assertEquals(NtStatus.STATUS_SUCCESS, h.u32(h.symbol("status1")));
        assertEquals(NtStatus.STATUS_SUCCESS, h.u32(h.symbol("status2")));
    }

    @Test
    void aUserWriteToRdataIsAnAccessViolation() {
        NtHarness h = NtHarness.run("""
                section .text
                global start
                start:
                    mov dword [ro], 1
                    xor eax, eax
                    ret
                section .rdata
                ro: dd 0
                """);
        assertEquals(NtStatus.STATUS_ACCESS_VIOLATION, h.exitStatus());
    }
}
