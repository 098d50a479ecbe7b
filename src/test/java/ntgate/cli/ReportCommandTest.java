package ntgate.cli;

import ntgate.nt.NtSystem;
import ntgate.nt.ke.Services;
import ntgate.nt.layout.Layouts;
import ntgate.nt.layout.Nt;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code ntgate report}: the page is self-contained, its timeline and trips hold what the gate did (values from
 * NT-FACTS and the declared service list, addresses from the assembled kernel's symbols), and bad input is one
 * line with a non-zero exit code.
 */
class ReportCommandTest {
    private static final Path DIR = Path.of("target", "report-test");
    private static NtSystem sys;

    @BeforeAll
    static void boot() throws Exception {
        Files.createDirectories(DIR);
        sys = NtSystem.boot("section .text\nglobal start\nstart:\n    ret\n", "k.asm", new NtSystem.Options());
    }

    /** The page's data object. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> data(Path page) throws Exception {
        String html = Files.readString(page, StandardCharsets.UTF_8);
        int at = html.indexOf("const DATA = ") + "const DATA = ".length();
        int end = html.indexOf(";\n(function", at);
        return (Map<String, Object>) Json.parse(html.substring(at, end));
    }

    private static long n(Object o) {
        return ((Number) o).longValue();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> trip(Map<String, Object> d, int call) {
        return (Map<String, Object>) ((Map<String, Object>) d.get("trips")).get(Integer.toString(call));
    }

    @SuppressWarnings("unchecked")
    private static List<Object> call(Map<String, Object> d, int call) {
        return (List<Object>) ((List<Object>) d.get("calls")).get(call - 1);
    }

    @Test
    void helloGivesASelfContainedPageWithItsTwoCalls() throws Exception {
        Path page = DIR.resolve("hello-cmd.html");
        CliRun r = CliRun.of("report", "examples/hello.exe", "-o", page.toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().startsWith("Hello from a PE32 program"), "the program's output still reaches stdout: " + r.out());
        assertTrue(r.out().contains("ntgate report: wrote " + page + " (2 system calls"), r.out());
        String html = Files.readString(page, StandardCharsets.UTF_8);
        assertFalse(html.contains("http://") || html.contains("https://"), "nothing is fetched");
        assertFalse(html.contains("<script src") || html.contains("<link") || html.contains("@import"), "no external script or style");
        Map<String, Object> d = data(page);
        assertEquals(2, ((List<?>) d.get("calls")).size());
        List<Object> write = call(d, 1), term = call(d, 2);
        assertEquals("NtWriteFile", write.get(1));
        assertEquals((long) Services.byName("NtWriteFile").number(), n(write.get(2)));
        assertEquals("SYSENTER", write.get(3));
        assertEquals("SYSEXIT", write.get(4), "NT-FACTS §6: with SEP the exit is SYSEXIT");
        assertEquals(0L, n(write.get(5)));
        assertEquals("STATUS_SUCCESS", write.get(6));
        assertEquals("NtTerminateProcess", term.get(1));
        assertEquals("NONE", term.get(4), "NtTerminateProcess does not return");
        assertTrue(((List<?>) term.get(8)).get(0).equals("ProcessHandle=NtCurrentProcess()"), term.toString());
    }

    @Test
    void theTripOfNtWriteFileShowsTheFrameAndTheTableLookupAtXpsOffsets() throws Exception {
        Path page = DIR.resolve("hello-trip.html");
        assertEquals(0, CliRun.of("report", "examples/hello.exe", "-o", page.toString()).exit());
        Map<String, Object> t = trip(data(page), 1);
        assertNotNull(t, "call 1 has its steps");
        int initialStack = sys.mem.get(Layouts.KTHREAD, sys.k.currentThread(), "InitialStack");
        // NT-FACTS §5.1: Esp0 = InitialStack - 220h, the frame at InitialStack - 29Ch, HardwareSegSs just below Esp0.
        assertEquals(Integer.toUnsignedLong(initialStack - Nt.ESP0_BIAS), n(t.get("esp0")));
        assertEquals(Integer.toUnsignedLong(initialStack - Nt.INITIAL_TRAP_FRAME_BIAS), n(t.get("frame")));
        assertEquals(Boolean.TRUE, t.get("frameFound"), "found as the KTHREAD.TrapFrame the gate wrote");
        Services.Service sv = Services.byName("NtWriteFile");
        assertEquals(0L, n(t.get("table")));
        assertEquals((long) sv.index(), n(t.get("index")));
        assertEquals((long) sv.argBytes(), n(t.get("argBytes")), "KiArgumentTable: 9 arguments = 24h bytes");
        assertEquals(Integer.toUnsignedLong(sys.kernelSymbol("NtWriteFile")), n(t.get("routine")));
        assertEquals("nt!NtWriteFile", t.get("routineSym"));
        assertEquals(Integer.toUnsignedLong(sys.kernelSymbol("KeServiceDescriptorTable")), n(t.get("descriptor")));
        assertEquals(Integer.toUnsignedLong(sys.kernelSymbol("KiServiceTable")), n(t.get("base")));
        // The exit decision: the patched KiSystemCallExitBranch jumps (to KiSystemCallExit2 and SYSEXIT).
        List<?> steps = (List<?>) t.get("steps");
        boolean branchTaken = false;
        for (Object b : (List<?>) t.get("branches")) {
            List<?> br = (List<?>) b;
            long eip = n(((List<?>) steps.get((int) n(br.get(0)))).get(0));
            if (eip == Integer.toUnsignedLong(sys.kernelSymbol("KiSystemCallExitBranch"))) branchTaken = (Boolean) br.get(1);
        }
        assertTrue(branchTaken, "the branch at KiSystemCallExitBranch was taken");
        assertEquals(List.of(), t.get("deliveries"), "nothing was delivered on NtWriteFile's way out");
    }

    @Test
    void withoutFastSystemCallsTheCallEntersByInt2eAndLeavesByIretd() throws Exception {
        Path page = DIR.resolve("hello-int2e.html");
        assertEquals(0, CliRun.of("report", "examples/hello.exe", "--int2e", "-o", page.toString()).exit());
        List<Object> write = call(data(page), 1);
        assertEquals("INT2E", write.get(3));
        // NT-FACTS §7: KiSystemCallExitBranch is patched to KiSystemCallExit2 only where fast system calls are on.
        assertEquals("IRETD", write.get(4), "unpatched, the branch goes to KiSystemCallExit's IRETD");
    }

    @Test
    @SuppressWarnings("unchecked")
    void theApcExampleShowsKiDeliverApcEditingTheFrameForKiUserApcDispatcher() throws Exception {
        Path page = DIR.resolve("apc.html");
        CliRun r = CliRun.of("report", "examples/apc.exe", "--service", "NtTestAlert", "-o", page.toString());
        assertEquals(0, r.exit(), r.err());
        Map<String, Object> d = data(page);
        long pick = n(d.get("pick"));
        assertEquals("NtTestAlert", call(d, (int) pick).get(1));
        Map<String, Object> t = trip(d, (int) pick);
        List<Object> deliveries = (List<Object>) t.get("deliveries");
        assertEquals(1, deliveries.size(), t.get("deliveries").toString());
        List<Object> del = (List<Object>) deliveries.get(0);
        assertEquals("KiDeliverApc", del.get(1));
        long dispatcher = Integer.toUnsignedLong(sys.ntdllSymbol("KiUserApcDispatcher"));
        boolean eipChanged = false;
        for (Object f : (List<Object>) del.get(2)) {
            List<Object> field = (List<Object>) f;
            if (field.get(0).equals("Eip")) eipChanged = n(field.get(2)) == dispatcher;
        }
        assertTrue(eipChanged, "KTRAP_FRAME.Eip now points at KiUserApcDispatcher: " + del);
        assertEquals("ntdll!KiUserApcDispatcher", call(d, (int) pick).get(11), "the call returned into the dispatcher");
    }

    @Test
    void anSsdtHookShowsInTheLookupAsTheRoutineKiServiceTableNowHolds() throws Exception {
        Path page = DIR.resolve("ssdt.html");
        CliRun r = CliRun.of("report", "examples/drivers/closer.exe", "--driver", "examples/drivers/ssdt.sys", "--service", "NtClose",
                "-o", page.toString());
        assertEquals(0, r.exit(), r.err());
        Map<String, Object> d = data(page);
        Map<String, Object> t = trip(d, (int) n(d.get("pick")));
        // ssdt.c replaces NtClose's KiServiceTable entry with its HookNtClose: the dispatcher reads the driver's routine.
        assertEquals((long) Services.byName("NtClose").index(), n(t.get("index")));
        assertTrue(n(t.get("routine")) != Integer.toUnsignedLong(sys.kernelSymbol("NtClose")), t.get("routineSym").toString());
        assertTrue(t.get("routineSym").toString().startsWith("ssdt"), "the routine is in the driver: " + t.get("routineSym"));
    }

    @Test
    void badInputIsOneLineAndANonZeroExitCode() throws Exception {
        CliRun r = CliRun.of("report", "examples/hello.exe", "--service", "NtNoSuchThing", "-o", DIR.resolve("x.html").toString());
        assertEquals(2, r.exit());
        assertEquals("ntgate report: --service NtNoSuchThing: no such service in the XP SP3 tables\n", r.err());
        r = CliRun.of("report", "no-such-file.exe");
        assertEquals(2, r.exit());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        r = CliRun.of("report", "examples/hello.exe", "--lang", "fr");
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("unknown language 'fr' (expected en or zh)"), r.err());
        Path page = DIR.resolve("call5.html");
        Files.deleteIfExists(page);
        r = CliRun.of("report", "examples/hello.exe", "--call", "5", "-o", page.toString());
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("--call 5: the run made 2 calls; the page opens on the first call"), r.err());
        assertTrue(Files.exists(page), "the page is still written");
    }

    @Test
    void demoHtmlWritesTheDemosReportOpenOnItsNtTestAlert() throws Exception {
        Path page = DIR.resolve("demo.html");
        CliRun r = CliRun.of("demo", "--html", page.toString(), "--lang", "zh");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("ntgate demo: wrote " + page), r.out());
        Map<String, Object> d = data(page);
        assertEquals("zh", d.get("lang"));
        assertEquals("NtTestAlert", call(d, (int) n(d.get("pick"))).get(1));
        assertNotNull(trip(d, (int) n(d.get("pick"))));
    }
}
