package ntgate.nt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Values from NT-FACTS.md §13. */
class NtStatusTest {

    @Test
    void namesKnownStatuses() {
        assertEquals("STATUS_INVALID_HANDLE", NtStatus.name(0xC0000008));
        assertEquals("STATUS_SUCCESS", NtStatus.name(0));
        assertEquals("STATUS_USER_APC", NtStatus.name(0xC0));
        assertEquals("STATUS_INVALID_SYSTEM_SERVICE", NtStatus.name(0xC000001C));
        assertEquals("STATUS_ALREADY_WIN32", NtStatus.name(0x4000001B));
        assertEquals("STATUS_NO_CALLBACK_ACTIVE", NtStatus.name(0xC0000258));
        assertEquals("0xC0001234", NtStatus.name(0xC0001234));
    }

    @Test
    void describesWithHexAndName() {
        assertEquals("0xC0000008 STATUS_INVALID_HANDLE", NtStatus.describe(NtStatus.STATUS_INVALID_HANDLE));
        assertEquals("0xC0000005 STATUS_ACCESS_VIOLATION", NtStatus.describe(0xC0000005));
        assertEquals("0xDEADBEEF", NtStatus.describe(0xDEADBEEF));
    }

    @Test
    void severity() {
        assertTrue(NtStatus.isSuccess(NtStatus.STATUS_PENDING));
        assertFalse(NtStatus.isSuccess(NtStatus.STATUS_BREAKPOINT));
        assertTrue(NtStatus.isError(NtStatus.STATUS_ACCESS_DENIED));
        assertFalse(NtStatus.isError(NtStatus.STATUS_SINGLE_STEP));
    }
}
