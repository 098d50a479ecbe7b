package ntgate.nt.gate;

import static ntgate.nt.gate.Gate.STATUS_INVALID_SYSTEM_SERVICE;
import static ntgate.nt.gate.Gate.hex;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import ntgate.nt.NtHarness;
import ntgate.nt.NtSystem;
import ntgate.nt.ke.XpServiceTablesTest;
import org.junit.jupiter.api.Test;

/**
 * Issue 17, first defect: a win32k number past the table's limit (0x129B..0x1FFF) went to KiBBTUnexpectedRange,
 * whose failure-byte read ({@code movsx eax,byte ptr [edx+eax]} at W32pServiceTable + Limit*4 + index, NT-FACTS
 * §4.3) ran off the mapped tables for indexes 0xE40 and up and bug-checked with 0x50. On XP that read lands inside
 * win32k's image. Now every such number returns to user mode with what the byte there says.
 *
 * <p>Expected values: XP SP3's W32pServiceTable is at 0xBF999B80 and W32pArgumentTable at 0xBF99A890 (the shadow
 * descriptor as XP SP3 dumps it), so an index's failure byte is W32pArgumentTable's byte (4 x argc, from the public
 * XP SP3 table) where the read falls inside that table, and otherwise win32k data that ntgate makes zero
 * (Win32kSource's documented choice). Rule (§4.3): 0 returns 0, a positive byte returns STATUS_INVALID_SYSTEM_SERVICE.
 */
class Win32kPastLimitTest {
    private static final int LIMIT = 0x29B, SERVICE_TABLE = 0xBF999B80, ARGUMENT_TABLE = 0xBF99A890;

    static int expected(int index, List<XpServiceTablesTest.Row> win32k) {
        int at = SERVICE_TABLE + 4 * LIMIT + index;
        int b = 0;
        if (at - ARGUMENT_TABLE >= 0 && at - ARGUMENT_TABLE < win32k.size()) b = 4 * win32k.get(at - ARGUMENT_TABLE).argc();
        return b == 0 ? 0 : STATUS_INVALID_SYSTEM_SERVICE;
    }

    @Test
    void everyNumberPastTheWin32kLimitReturnsToUserMode() {
        NtHarness h = NtHarness.run("""
                section .text
                global start
                start:
                    mov esi, 0x129B               ; first number past W32pServiceTable's limit
                    mov edi, results
                next:
                    mov eax, esi
                    mov edx, 0x7FFE0300
                    call [edx]                    ; KiFastSystemCall
                    stosd
                    inc esi
                    cmp esi, 0x2000
                    jb next
                    xor eax, eax
                    ret
                section .bss
                results: resd 0xD65
                """);
        assertEquals(NtSystem.End.EXITED, h.end, "no bug check: " + h.sys.k.bugCheck);
        assertEquals(0, h.exitStatus());
        List<XpServiceTablesTest.Row> win32k = XpServiceTablesTest.publicWin32k();
        int results = h.symbol("results");
        int invalid = 0;
        for (int index = LIMIT; index <= 0xFFF; index++) {
            int got = h.u32(results + 4 * (index - LIMIT));
            assertEquals(hex(expected(index, win32k)), hex(got), "service 0x" + Integer.toHexString(0x1000 + index));
            if (got == STATUS_INVALID_SYSTEM_SERVICE) invalid++;
        }
        // The numbers whose byte is one of W32pArgumentTable's non-zero bytes.
        assertEquals(win32k.stream().filter(r -> r.argc() != 0).count(), invalid);
    }

    @Test
    void theIssuesExampleThroughSysenterAndInt2e() {
        for (boolean int2e : new boolean[] {false, true}) {
            NtHarness h = NtHarness.boot("""
                    section .text
                    global start
                    start:
                        mov eax, 0x1E40
                        call [0x7FFE0300]
                        mov [s1], eax
                        mov eax, 0x1FFF
                        call [0x7FFE0300]
                        mov [s2], eax
                        mov eax, 0x12A4               ; reads W32pArgumentTable[0]: NtGdiAbortDoc's 4 bytes
                        call [0x7FFE0300]
                        mov [s3], eax
                        xor eax, eax
                        ret
                    section .data
                    s1: dd 1
                    s2: dd 1
                    s3: dd 1
                    """, o -> o.int2e = int2e);
            h.run();
            assertEquals(NtSystem.End.EXITED, h.end, "int2e=" + int2e + ": " + h.sys.k.bugCheck);
            assertEquals(0, h.u32(h.symbol("s1")));
            assertEquals(0, h.u32(h.symbol("s2")));
            assertEquals(hex(STATUS_INVALID_SYSTEM_SERVICE), hex(h.u32(h.symbol("s3"))));
        }
    }
}
