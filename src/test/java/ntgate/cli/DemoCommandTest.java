package ntgate.cli;

import ntgate.nt.NtSystem;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code ntgate demo}: the bundled program's statuses, the one traced round trip and the KTRAP_FRAME it built. */
class DemoCommandTest {
    private static String output;
    private static int exitCode;

    @BeforeAll
    static void runTheDemo() {
        output = run();
    }

    private static String run() {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        PrintStream ps = new PrintStream(b, true, StandardCharsets.UTF_8);
        exitCode = DemoCommand.run(ps);
        ps.flush();
        return b.toString(StandardCharsets.UTF_8);
    }

    @Test
    void theDemoExitsWithZero() {
        assertEquals(0, exitCode, output);
        assertTrue(output.contains("The program exited with status 0x00000000"), output);
    }

    @Test
    void anInvalidServiceNumberReturnsStatusInvalidSystemService() {
        assertTrue(output.contains("(no such service)    status 0xC000001C"), output);
        assertTrue(output.contains("<service 0xFFF>() = 0xC000001C STATUS_INVALID_SYSTEM_SERVICE"), output);
    }

    @Test
    void aKernelAddressArgumentReturnsStatusAccessViolation() {
        assertTrue(output.contains("Buffer = 0x80000000 (kernel)       status 0xC0000005"), output);
        assertTrue(output.contains("0x80000000, 0x00000010, 0x00000000, 0x00000000) = 0xC0000005 STATUS_ACCESS_VIOLATION"), output);
    }

    @Test
    void theInt2eCallAndTheNullCallReturnTheirStatuses() {
        assertTrue(output.contains("NtYieldExecution via INT 2Eh                    status 0x40000024"), output);
        assertTrue(output.contains("NtTestAlert, nothing pending (null call)        status 0x00000000"), output);
    }

    @Test
    void theQueuedApcRunsInUserModeWithItsContext() {
        assertTrue(output.contains("APC routine runs in user mode, NormalContext =        0x11111111"), output);
        assertTrue(output.contains("NtQueueApcThread(0xFFFFFFFE, "), output);
        int apc = output.indexOf("APC routine runs");
        int queued = output.indexOf("6. NtQueueApcThread");
        int alert = output.indexOf("7. NtTestAlert, after the APC was delivered        status 0x00000000");
        assertTrue(queued >= 0 && queued < apc && apc < alert, output);
    }

    @Test
    void theGateTraceRunsFromSysenterToSysexit() {
        int start = output.indexOf("---- gate: sysenter NtTestAlert (0x103) eax=00000103");   // the header names the service
        int exit = output.indexOf("sysexit", start);
        int back = output.indexOf("---- back in user mode at ntdll!KiFastSystemCallRet, eax=00000000 STATUS_SUCCESS");
        assertTrue(start >= 0 && start < exit && exit < back, output);
        assertTrue(output.contains("nt!KiFastCallEntry "), output);
        assertTrue(output.contains("hostcall"), output);
        assertEquals(1, count(output, "---- gate:"), "only one round trip is traced");
    }

    @Test
    void theTrapFrameShowsEipAsSharedUserDataSystemCallReturn() throws Exception {
        NtSystem sys = NtSystem.boot("start: ret\n", "x.asm", new NtSystem.Options());
        int systemCallReturn = sys.mem.u32(0xFFDF0304L);   // KUSER_SHARED_DATA.SystemCallReturn
        assertEquals(sys.ntdllSymbol("KiFastSystemCallRet"), systemCallReturn);
        assertTrue(output.contains(String.format(Locale.ROOT, "   +0x068 Eip              : 0x%08x%n", systemCallReturn)), output);
        assertTrue(output.contains("   +0x06c SegCs            : 0x0000001b"), output);
        assertTrue(output.contains("   +0x078 HardwareSegSs    : 0x00000023"), output);
        assertTrue(output.contains("   +0x008 DbgArgMark       : 0xbadb0d00"), output);
        assertTrue(output.contains("nt!_KTRAP_FRAME @ 0x"), output);
    }

    @Test
    void theOutputIsTheSameEveryRunAndFitsA160ColumnTerminal() {
        assertEquals(output, run());
        for (String line : output.split("\n")) assertTrue(line.length() <= DemoCommand.WIDTH, line);
    }

    @Test
    void theCommandIsRegistered() {
        PrintStream saved = System.out;
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        System.setOut(new PrintStream(b, true, StandardCharsets.UTF_8));
        int rc;
        try {
            rc = Main.execute("demo");
        } finally {
            System.setOut(saved);
        }
        assertEquals(0, rc);
        assertEquals(output, b.toString(StandardCharsets.UTF_8));
    }

    private static int count(String s, String what) {
        int n = 0;
        for (int i = s.indexOf(what); i >= 0; i = s.indexOf(what, i + 1)) n++;
        return n;
    }
}
