package ntgate.nt.robust;

import ntgate.nt.NtHarness;
import ntgate.nt.NtStatus;
import ntgate.nt.NtSystem;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Found by the random-code fuzzer: a user's INT n to a DPL-0 gate whose vector is a contributory exception or #PF
 * (INT 0Dh, INT 0Eh, INT 08h) was taken for an exception during exception delivery and became a double fault,
 * which KiTrapXX (no error code expected) turned into bug check 0x7F. INT n is no exception: its gate-DPL check
 * is an ordinary #GP(n*8+2) (SDM Vol.3A 6.12.1.1, 6.15), an access violation in user mode.
 */
class UserInterruptTest {
    @ParameterizedTest
    @ValueSource(ints = {0x00, 0x01, 0x02, 0x08, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x10, 0x11, 0x12, 0x13, 0x20, 0x2F, 0xFF})
    void aUserIntToAKernelGateIsAnAccessViolation(int vector) {
        NtHarness h = NtHarness.run("section .text\nglobal start\nstart:\n    int " + vector + "\n    xor eax, eax\n    ret\n");
        assertEquals(NtSystem.End.EXITED, h.end, h.sys.k.bugCheck == null ? "" : h.sys.k.bugCheck.toString());
        assertEquals(NtStatus.STATUS_ACCESS_VIOLATION, h.exitStatus());
    }
}
