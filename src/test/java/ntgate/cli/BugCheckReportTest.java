package ntgate.cli;

import ntgate.nt.NtSystem;
import ntgate.nt.ke.Services;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A kernel that cannot go on stops with a bug-check report. The fault is an SSDT hook gone wrong: NtClose's
 * KiServiceTable entry points at an unmapped system address, so the dispatcher's CALL lands on a not-present
 * page in ring 0 and KiTrap0E finds no fixup.
 */
class BugCheckReportTest {
    static final String PROGRAM = "extern NtClose\nstart:\n    push 4\n    call NtClose\n    ret\n";
    static final int BAD_TARGET = 0xC1000000;

    static NtSystem bootHooked() throws NtSystem.LoadError {
        NtSystem.Options o = new NtSystem.Options();
        o.stdout = new ByteArrayOutputStream();
        o.stderr = new ByteArrayOutputStream();
        NtSystem sys = NtSystem.boot(PROGRAM, "hooked.asm", o);
        int table = sys.kernelSymbol("KiServiceTable");
        // KiServiceTable is read-only to the CPU (CR0.WP): the wild entry is written into the frame, as a
        // debugger's `ed` would.
        int entry = table + 4 * Services.byName("NtClose").index();
        for (int i = 0; i < 4; i++) sys.cpu.mem.write8(sys.pages.translate(entry + i), BAD_TARGET >>> (8 * i));
        return sys;
    }

    @Test
    void aWildSsdtEntryBugChecksWithPageFaultInNonpagedArea() throws Exception {
        NtSystem sys = bootHooked();
        assertEquals(NtSystem.End.BUG_CHECK, sys.run(1_000_000));
        // PAGE_FAULT_IN_NONPAGED_AREA (0x50): P1 = the address referenced, P2 = 0 for a read (an instruction fetch).
        assertEquals(0x50, sys.k.bugCheck.code());
        assertEquals(BAD_TARGET, sys.k.bugCheck.p1());
        String report = BugCheckReport.format(sys);
        assertTrue(report.startsWith("*** STOP: 0x00000050 (0xC1000000,"), report);
        assertTrue(report.contains("PAGE_FAULT_IN_NONPAGED_AREA"), report);
        assertTrue(report.contains("+0x068 Eip"), report);
    }

    @Test
    void theReplayListsTheInstructionsThatLedToTheFault() throws Exception {
        NtSystem first = bootHooked();
        first.run(1_000_000);
        String last = BugCheckReport.lastInstructions(bootHooked(), 1_000_000);
        assertTrue(last.contains("#PF"), last);
        assertTrue(last.contains("call ebx"), "the dispatcher's call of the service:\n" + last);
        assertTrue(last.contains("<-- faulted"), last);
    }

    @Test
    void aPageFaultAtDispatchLevelIsIrqlNotLessOrEqual() throws Exception {
        NtSystem sys = bootHooked();
        // The same wild SSDT entry, taken while the processor runs at DISPATCH_LEVEL (KPCR.Irql, NT-FACTS §2.3).
        sys.mem.w8(0xFFDFF000L + 0x24, 2);
        assertEquals(NtSystem.End.BUG_CHECK, sys.run(1_000_000));
        // IRQL_NOT_LESS_OR_EQUAL (0x0A): the address, the IRQL, 0 = a read, the faulting EIP.
        assertEquals(0x0A, sys.k.bugCheck.code());
        assertEquals(BAD_TARGET, sys.k.bugCheck.p1());
        assertEquals(2, sys.k.bugCheck.p2());
        assertEquals(0, sys.k.bugCheck.p3());
        assertEquals(BAD_TARGET, sys.k.bugCheck.p4());
        assertTrue(BugCheckReport.format(sys).contains("IRQL_NOT_LESS_OR_EQUAL"));
    }
}
