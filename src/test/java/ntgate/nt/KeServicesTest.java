package ntgate.nt;

import org.junit.jupiter.api.Test;

import static ntgate.nt.StatusProgram.status;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The time, system-information, event and wait services through the real gate. Statuses from NT-FACTS §8.1 and
 * §13; SYSTEM_BASIC_INFORMATION from WRK ntexapi.h.
 */
class KeServicesTest {
    static final String EXTERNS = "NtQuerySystemTime NtQueryPerformanceCounter NtQuerySystemInformation NtDelayExecution "
            + "NtCreateEvent NtSetEvent NtResetEvent NtClearEvent NtWaitForSingleObject NtClose NtQueueApcThread";
    /** An APC routine (stdcall, 3 arguments) recording its first argument. */
    static final String APC = """
            apc:
                mov eax, [esp + 4]
                mov [apcArg], eax
                ret 12
            """;
    static final String DATA = """
            t0:     dd 0, 0
            t1:     dd 0, 0
            freq:   dd 0, 0
            ival:   dd 0, 0
            ev:     dd 0
            prev:   dd 0xEEEEEEEE
            apcArg: dd 0
            retlen: dd 0
            sbi:    times 12 dd 0xEEEEEEEE
            """;

    static long u64(NtHarness h, String symbol) {
        int a = h.symbol(symbol);
        return Integer.toUnsignedLong(h.u32(a)) | (long) h.u32(a + 4) << 32;
    }

    static NtHarness run(String body) {
        return StatusProgram.run(EXTERNS, body + "    xor eax, eax\n    ret\n" + APC, DATA);
    }

    @Test
    void systemTimeStartsAtTheBootTimeAndFollowsTheInstructionCount() {
        NtHarness h = run("""
                    push t0
                    call NtQuerySystemTime
                    st 0
                    push t1
                    call NtQuerySystemTime
                    st 1
                    push 0x80000000
                    call NtQuerySystemTime
                    st 2
                    push 0x00300000
                    call NtQuerySystemTime
                    st 3
                """);
        assertEquals(NtStatus.STATUS_SUCCESS, status(h, 0));
        assertEquals(NtStatus.STATUS_SUCCESS, status(h, 1));
        assertEquals(NtStatus.STATUS_ACCESS_VIOLATION, status(h, 2));
        assertEquals(NtStatus.STATUS_ACCESS_VIOLATION, status(h, 3));
        long t0 = u64(h, "t0"), t1 = u64(h, "t1");
        // 2008-04-21 00:00 UTC: Unix time 1208736000 s, plus the FILETIME of the Unix epoch (116444736000000000).
        assertEquals(116_444_736_000_000_000L + 1_208_736_000L * 10_000_000L, KeServices.BOOT_SYSTEM_TIME);
        assertTrue(t0 > KeServices.BOOT_SYSTEM_TIME && t0 - KeServices.BOOT_SYSTEM_TIME < h.sys.cpu.icount / 10, "t0 " + t0);
        assertTrue(t1 > t0 && t1 - t0 < 100, "one system call takes a few hundred instructions: " + (t1 - t0));
    }

    @Test
    void performanceCounterRunsAtTheAcpiTimerFrequency() {
        NtHarness h = run("""
                    push freq
                    push t0
                    call NtQueryPerformanceCounter
                    st 0
                    push 0
                    push t1
                    call NtQueryPerformanceCounter
                    st 1
                    push 0
                    push t0 + 1
                    call NtQueryPerformanceCounter
                    st 2
                    push 0xFFFF0000
                    push t1
                    call NtQueryPerformanceCounter
                    st 3
                """);
        assertEquals(NtStatus.STATUS_SUCCESS, status(h, 0));
        assertEquals(NtStatus.STATUS_SUCCESS, status(h, 1));
        assertEquals(NtStatus.STATUS_DATATYPE_MISALIGNMENT, status(h, 2));
        assertEquals(NtStatus.STATUS_ACCESS_VIOLATION, status(h, 3));
        assertEquals(3_579_545L, u64(h, "freq"));
        assertTrue(u64(h, "t1") >= u64(h, "t0"));
    }

    @Test
    void delayAdvancesTheVirtualClockByTheInterval() {
        NtHarness h = run("""
                    push t0
                    call NtQuerySystemTime
                    mov dword [ival], -10000000     ; 1 s, relative
                    mov dword [ival + 4], -1
                    push ival
                    push 0
                    call NtDelayExecution
                    st 0
                    push t1
                    call NtQuerySystemTime
                    push ival + 2
                    push 0
                    call NtDelayExecution
                    st 1
                    push 0x7FFF0000
                    push 0
                    call NtDelayExecution
                    st 2
                """);
        assertEquals(NtStatus.STATUS_SUCCESS, status(h, 0));
        assertEquals(NtStatus.STATUS_DATATYPE_MISALIGNMENT, status(h, 1));
        assertEquals(NtStatus.STATUS_ACCESS_VIOLATION, status(h, 2));
        long d = u64(h, "t1") - u64(h, "t0");
        assertTrue(d >= 10_000_000 && d < 10_000_200, "elapsed " + d);
    }

    @Test
    void anAlertableDelayWithAQueuedUserApcReturnsUserApcAfterTheApcRuns() {
        NtHarness h = run("""
                    push 0
                    push 0
                    push 0x1234
                    push apc
                    push -2
                    call NtQueueApcThread
                    st 0
                    mov dword [ival], -10000
                    mov dword [ival + 4], -1
                    push ival
                    push 0
                    call NtDelayExecution          ; not alertable: the APC stays queued
                    st 1
                    mov eax, [apcArg]
                    st 2
                    push ival
                    push 1
                    call NtDelayExecution          ; alertable: STATUS_USER_APC, delivered by KiServiceExit
                    st 3
                    mov eax, [apcArg]
                    st 4
                """);
        assertEquals(NtStatus.STATUS_SUCCESS, status(h, 0));
        assertEquals(NtStatus.STATUS_SUCCESS, status(h, 1));
        assertEquals(0, status(h, 2));
        assertEquals(NtStatus.STATUS_USER_APC, status(h, 3));
        assertEquals(0x1234, status(h, 4));
    }

    @Test
    void systemBasicInformationIs44BytesOfMachineFacts() {
        NtHarness h = run("""
                    push retlen
                    push 44
                    push sbi
                    push 0
                    call NtQuerySystemInformation
                    st 0
                    push 0
                    push 43
                    push sbi
                    push 0
                    call NtQuerySystemInformation
                    st 1
                    push 0
                    push 44
                    push sbi
                    push 0x7777
                    call NtQuerySystemInformation
                    st 2
                    push 0
                    push 44
                    push 0x80001000
                    push 0
                    call NtQuerySystemInformation
                    st 3
                    push 0
                    push 44
                    push sbi + 2
                    push 0
                    call NtQuerySystemInformation
                    st 4
                """);
        assertEquals(NtStatus.STATUS_SUCCESS, status(h, 0));
        assertEquals(NtStatus.STATUS_INFO_LENGTH_MISMATCH, status(h, 1));
        assertEquals(NtStatus.STATUS_INVALID_INFO_CLASS, status(h, 2));
        assertEquals(NtStatus.STATUS_ACCESS_VIOLATION, status(h, 3));
        assertEquals(NtStatus.STATUS_DATATYPE_MISALIGNMENT, status(h, 4));
        assertEquals(44, h.u32(h.symbol("retlen")));
        int s = h.symbol("sbi");
        assertEquals(0, h.u32(s));
        assertEquals(156_250, h.u32(s + 4));
        assertEquals(0x1000, h.u32(s + 8));
        assertEquals(0x20000, h.u32(s + 0xC));         // 512 MiB of guest RAM, the default --memory
        assertEquals(0x10000, h.u32(s + 0x18));
        assertEquals(0x10000, h.u32(s + 0x1C));
        assertEquals(0x7FFEFFFF, h.u32(s + 0x20));
        assertEquals(1, h.u32(s + 0x24));
        assertEquals(1, h.u32(s + 0x28));               // NumberOfProcessors and padding
        assertEquals(0xEEEEEEEE, h.u32(s + 0x2C));      // nothing past 44 bytes
    }

    static String create(int type, int initial) {
        return "    push " + initial + "\n    push " + type + "\n    push 0\n    push 0x1F0003\n    push ev\n    call NtCreateEvent\n";
    }

    static String waitEv(int alertable, String timeout) {
        return "    push " + timeout + "\n    push " + alertable + "\n    push dword [ev]\n    call NtWaitForSingleObject\n";
    }

    @Test
    void aNotificationEventStaysSignaledUntilReset() {
        NtHarness h = run(create(0, 0) + "    st 0\n"
                + "    mov dword [ival], 0\n" + waitEv(0, "ival") + "    st 1\n"
                + "    push prev\n    push dword [ev]\n    call NtSetEvent\n    st 2\n    mov eax, [prev]\n    st 3\n"
                + waitEv(0, "0") + "    st 4\n" + waitEv(0, "0") + "    st 5\n"
                + "    push prev\n    push dword [ev]\n    call NtResetEvent\n    st 6\n    mov eax, [prev]\n    st 7\n"
                + "    mov dword [ival], -100\n    mov dword [ival + 4], -1\n" + waitEv(0, "ival") + "    st 8\n"
                + "    push dword [ev]\n    call NtClose\n    st 9\n"
                + "    push 0\n    push dword [ev]\n    call NtSetEvent\n    st 10\n"
                + "    push dword [ev]\n    call NtClose\n    st 11\n");
        assertEquals(NtStatus.STATUS_SUCCESS, status(h, 0));
        assertEquals(NtStatus.STATUS_TIMEOUT, status(h, 1));
        assertEquals(NtStatus.STATUS_SUCCESS, status(h, 2));
        assertEquals(0, status(h, 3));
        assertEquals(NtStatus.STATUS_SUCCESS, status(h, 4));
        assertEquals(NtStatus.STATUS_SUCCESS, status(h, 5));
        assertEquals(NtStatus.STATUS_SUCCESS, status(h, 6));
        assertEquals(1, status(h, 7));
        assertEquals(NtStatus.STATUS_TIMEOUT, status(h, 8));
        assertEquals(NtStatus.STATUS_SUCCESS, status(h, 9));
        assertEquals(NtStatus.STATUS_INVALID_HANDLE, status(h, 10));
        assertEquals(NtStatus.STATUS_INVALID_HANDLE, status(h, 11));
    }

    @Test
    void aSynchronizationEventResetsWhenAWaitIsSatisfied() {
        NtHarness h = run(create(1, 1) + "    st 0\n"
                + "    mov dword [ival], 0\n" + waitEv(0, "ival") + "    st 1\n" + waitEv(0, "ival") + "    st 2\n"
                + "    push 0\n    push dword [ev]\n    call NtSetEvent\n    st 3\n"
                + "    push dword [ev]\n    call NtClearEvent\n    st 4\n" + waitEv(0, "ival") + "    st 5\n");
        assertEquals(NtStatus.STATUS_SUCCESS, status(h, 0));
        assertEquals(NtStatus.STATUS_SUCCESS, status(h, 1));
        assertEquals(NtStatus.STATUS_TIMEOUT, status(h, 2));
        assertEquals(NtStatus.STATUS_SUCCESS, status(h, 3));
        assertEquals(NtStatus.STATUS_SUCCESS, status(h, 4));
        assertEquals(NtStatus.STATUS_TIMEOUT, status(h, 5));
    }

    @Test
    void eventServicesValidateTypeHandlesAndPointers() {
        NtHarness h = run(create(2, 0) + "    st 0\n"
                + create(0, 0).replace("push ev", "push 0x80000000") + "    st 1\n"
                + create(0, 0).replace("push ev", "push 0x00300000") + "    st 2\n"
                + "    push 0\n    push -1\n    call NtSetEvent\n    st 3\n"
                + "    push 0\n    push 0x10\n    call NtSetEvent\n    st 4\n"
                + "    push 0\n    push 0x1234\n    call NtResetEvent\n    st 5\n"
                + "    push 0x1234\n    call NtClearEvent\n    st 6\n"
                + "    push 0\n    push 0\n    push 0x1234\n    call NtWaitForSingleObject\n    st 7\n"
                + create(0, 0) + "    push 0x80000000\n    push dword [ev]\n    call NtSetEvent\n    st 8\n"
                + "    push 0x80000000\n    push 0\n    push dword [ev]\n    call NtWaitForSingleObject\n    st 9\n");
        assertEquals(NtStatus.STATUS_INVALID_PARAMETER, status(h, 0));
        assertEquals(NtStatus.STATUS_ACCESS_VIOLATION, status(h, 1));
        assertEquals(NtStatus.STATUS_ACCESS_VIOLATION, status(h, 2));
        assertEquals(NtStatus.STATUS_OBJECT_TYPE_MISMATCH, status(h, 3));   // NtCurrentProcess() is no event
        assertEquals(NtStatus.STATUS_OBJECT_TYPE_MISMATCH, status(h, 4));   // a console file handle
        assertEquals(NtStatus.STATUS_INVALID_HANDLE, status(h, 5));
        assertEquals(NtStatus.STATUS_INVALID_HANDLE, status(h, 6));
        assertEquals(NtStatus.STATUS_INVALID_HANDLE, status(h, 7));
        assertEquals(NtStatus.STATUS_ACCESS_VIOLATION, status(h, 8));
        assertEquals(NtStatus.STATUS_ACCESS_VIOLATION, status(h, 9));
    }

    @Test
    void anAbsoluteTimeoutExpiresAtThatSystemTime() {
        NtHarness h = run(create(0, 0) + """
                    push ival
                    call NtQuerySystemTime
                    add dword [ival], 5000000       ; now + 0.5 s, absolute
                    adc dword [ival + 4], 0
                """ + waitEv(0, "ival") + "    st 0\n    push t1\n    call NtQuerySystemTime\n");
        assertEquals(NtStatus.STATUS_TIMEOUT, status(h, 0));
        long target = u64(h, "ival"), after = u64(h, "t1");
        assertTrue(after >= target && after - target < 200, "after " + after + " target " + target);
    }

    @Test
    void anAlertableInfiniteWaitWithAQueuedApcReturnsUserApc() {
        NtHarness h = run(create(0, 0) + """
                    push 0
                    push 0
                    push 0x77
                    push apc
                    push -2
                    call NtQueueApcThread
                """ + waitEv(1, "0") + "    st 0\n    mov eax, [apcArg]\n    st 1\n");
        assertEquals(NtStatus.STATUS_USER_APC, status(h, 0));
        assertEquals(0x77, status(h, 1));
    }

    @Test
    void anInfiniteWaitNothingCanSatisfyEndsTheRunAsADeadlock() {
        NtHarness h = NtHarness.run("""
                extern NtCreateEvent
                extern NtWaitForSingleObject
                section .text
                global start
                start:
                    push 0
                    push 0
                    push 0
                    push 0x1F0003
                    push ev
                    call NtCreateEvent
                    push 0
                    push 0
                    push dword [ev]
                    call NtWaitForSingleObject
                    ret
                section .data
                ev: dd 0
                """);
        assertEquals(NtSystem.End.DEADLOCK, h.end);
        assertTrue(h.sys.k.deadlock.contains("NtWaitForSingleObject(0x000007F8)"), h.sys.k.deadlock);
        assertTrue(h.sys.cpu.icount < 100_000, "stopped at once, not at the budget");
    }

    @Test
    void sleepingForeverIsADeadlock() {
        NtHarness h = NtHarness.run("""
                extern NtDelayExecution
                section .text
                global start
                start:
                    push forever
                    push 0
                    call NtDelayExecution
                    ret
                section .data
                forever: dd 0, 0x80000000       ; kernel32's Sleep(INFINITE) interval
                """);
        assertEquals(NtSystem.End.DEADLOCK, h.end);
        assertTrue(h.sys.k.deadlock.contains("NtDelayExecution"), h.sys.k.deadlock);
    }
}
