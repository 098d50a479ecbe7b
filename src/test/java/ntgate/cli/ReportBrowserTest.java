package ntgate.cli;

import ntgate.asm.AsmRecord;
import ntgate.nt.NtSystem;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The report of {@code examples/hello.exe} opened in a real browser (headless Chromium over the DevTools protocol):
 * it renders without console errors, stepping with the keyboard to the instruction after KiFastCallEntry's
 * {@code push edx} shows KTRAP_FRAME.HardwareEsp holding the user ESP that {@code --trace gate} shows for the same
 * run, and every step's instruction, registers and memory writes on the page equal the trace's lines. A screenshot
 * of the trip with the frame half built is kept as target/report-trip.png.
 */
class ReportBrowserTest {
    private static final Path OUT = Path.of("target", "report-test");
    private static Chromium browser;
    private static Path page;
    private static List<TraceLine> trace;
    private static String traceHeader;
    /** KiFastCallEntry's {@code push edx} and the instruction after it, from the assembled kernel. */
    private static int pushEdx, afterPushEdx, afterPushEdi;

    record TraceLine(int eip, Map<String, String> regs, List<String> writes) {}

    @BeforeAll
    static void setUp() throws Exception {
        Assumptions.assumeTrue(Chromium.available(), "headless Chromium is not installed at " + Chromium.BINARY
                + " (.ci/run installs Debian's chromium): the report's browser test is skipped");
        Files.createDirectories(OUT);
        page = OUT.resolve("hello.html").toAbsolutePath();
        CliRun r = CliRun.of("report", "examples/hello.exe", "-o", page.toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("wrote " + page), r.out());
        CliRun t = CliRun.of("run", "examples/hello.exe", "--trace", "gate");
        trace = firstGateBlock(t.err());
        NtSystem sys = NtSystem.boot("section .text\nglobal start\nstart:\n    ret\n", "k.asm", new NtSystem.Options());
        pushEdx = kernelInsn(sys, "KiFastCallEntry", "push edx", 0);
        afterPushEdx = kernelInsn(sys, "KiFastCallEntry", "push edx", 1);
        afterPushEdi = kernelInsn(sys, "KiFastCallEntry", "push edi", 1);
        browser = new Chromium();
        browser.viewport(1600, 1300);
        browser.navigate(page.toUri().toString());
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (browser != null) browser.close();
    }

    /** The address of the {@code skip}-th instruction from the first one in {@code routine} whose source is {@code source}. */
    private static int kernelInsn(NtSystem sys, String routine, String source, int skip) {
        int start = sys.kernelSymbol(routine);
        List<AsmRecord> insns = sys.kernel.instructions();
        for (int i = 0; i < insns.size(); i++) {
            AsmRecord r = insns.get(i);
            if (Integer.compareUnsigned((int) r.address(), start) >= 0 && r.source().replaceAll("\\s+", " ").strip().equals(source)) {
                return (int) insns.get(i + skip).address();
            }
        }
        throw new AssertionError("no '" + source + "' in " + routine);
    }

    private static List<TraceLine> firstGateBlock(String err) {
        List<TraceLine> out = new ArrayList<>();
        boolean in = false;
        for (String line : err.split("\n")) {
            if (line.startsWith("---- gate:")) {
                if (in) break;
                in = true;
                traceHeader = line;
                continue;
            }
            if (!in) continue;
            if (line.startsWith("---- back")) break;
            int eip = Integer.parseUnsignedInt(line.substring(0, 8), 16);
            Map<String, String> regs = new java.util.LinkedHashMap<>();
            List<String> writes = new ArrayList<>();
            int at = line.indexOf("  => ");
            if (at >= 0) {
                for (String item : line.substring(at + 5).trim().split(" ")) {
                    if (item.startsWith("[")) writes.add(item);
                    else regs.put(item.substring(0, item.indexOf('=')), item.substring(item.indexOf('=') + 1));
                }
            }
            out.add(new TraceLine(eip, regs, writes));
        }
        assertTrue(out.size() > 50, "the trace has a gate block: " + err);
        return out;
    }

    private static String hex(int v) {
        return String.format(Locale.ROOT, "%08x", v);
    }

    @Test
    void thePageRendersWithoutConsoleErrors() throws Exception {
        Object title = browser.eval("document.getElementById('h-title').textContent");
        assertEquals("ntgate report", title);
        Object rows = browser.eval("document.querySelectorAll('#tl-body tr').length");
        assertEquals(2L, ((Number) rows).longValue(), "hello.exe makes two calls: NtWriteFile and NtTerminateProcess");
        Thread.sleep(300);
        assertEquals(List.of(), browser.errors);
    }

    @Test
    void steppingPastPushEdxShowsTheUserEspInHardwareEsp() throws Exception {
        browser.press("Home", 36);
        String eip = "";
        for (int i = 0; i < 300 && !eip.equals(hex(afterPushEdx)); i++) {
            browser.press("ArrowRight", 39);
            eip = (String) browser.eval("document.getElementById('curinsn').dataset.eip");
        }
        assertEquals(hex(afterPushEdx), eip, "the arrow key reaches the instruction after push edx");
        TraceLine push = trace.stream().filter(l -> l.eip() == pushEdx).findFirst().orElseThrow();
        assertEquals(1, push.writes().size(), push.toString());
        String w = push.writes().get(0);                        // [f8a3fdd8]=0022ffa8
        String traceAddr = w.substring(1, 9), traceValue = w.substring(11);
        String userEsp = traceHeader.substring(traceHeader.indexOf("edx=") + 4).trim();
        assertEquals(userEsp, traceValue, "push edx stores the user ESP that KiFastSystemCall put in EDX");
        Object cell = browser.eval("document.querySelector('#stack tr[data-field=HardwareEsp] td.val').textContent");
        Object addr = browser.eval("Number(document.querySelector('#stack tr[data-field=HardwareEsp]').dataset.addr).toString(16).padStart(8,'0')");
        Object fresh = browser.eval("document.querySelector('#stack tr[data-field=HardwareEsp]').classList.contains('new')");
        assertEquals(traceValue, cell, "KTRAP_FRAME.HardwareEsp on the page");
        assertEquals(traceAddr, addr, "the cell is at the address the trace shows written");
        assertEquals(Boolean.TRUE, fresh, "the cell is marked as written by the previous instruction");
        Object esp = browser.eval("document.getElementById('reg-esp').textContent");
        assertEquals(push.regs().get("esp"), esp, "ESP after push edx");
        assertEquals(List.of(), browser.errors);
    }

    @Test
    @SuppressWarnings("unchecked")
    void everyStepOnThePageEqualsTheTrace() {
        String js = "(() => { const r = window.ntgateReport; r.openTrip(1); const out = [];"
                + " for (let k = 0; k < r.steps(); k++) { r.gotoStep(k); const regs = {};"
                + " for (const n of ['eax','ecx','edx','ebx','esp','ebp','esi','edi']) regs[n] = document.getElementById('reg-' + n).textContent;"
                + " const wrote = [...document.querySelectorAll('#wrote tr')].filter(tr => tr.cells.length === 3).map(tr => tr.cells[0].textContent + '=' + tr.cells[1].textContent);"
                + " out.push({eip: document.getElementById('curinsn').dataset.eip, regs, wrote}); }"
                + " return JSON.stringify(out); })()";
        List<Object> steps = (List<Object>) Json.parse((String) browser.eval(js));
        assertEquals(trace.size() + 1, steps.size(), "one step per traced instruction, and the state back in user mode");
        for (int i = 0; i < trace.size(); i++) {
            TraceLine l = trace.get(i);
            Map<String, Object> here = (Map<String, Object>) steps.get(i), next = (Map<String, Object>) steps.get(i + 1);
            assertEquals(hex(l.eip()), here.get("eip"), "step " + i);
            Map<String, Object> regs = (Map<String, Object>) next.get("regs");
            for (Map.Entry<String, String> e : l.regs().entrySet()) {
                assertEquals(e.getValue(), regs.get(e.getKey()), "step " + i + " " + hex(l.eip()) + ": " + e.getKey() + " after it");
            }
            List<Object> wrote = (List<Object>) next.get("wrote");
            // The trace lists at most 32 writes of one instruction; the page lists them all.
            assertEquals(l.writes(), wrote.subList(0, Math.min(wrote.size(), l.writes().size())), "step " + i + " " + hex(l.eip()) + ": memory written");
            if (l.writes().size() < 32) assertEquals(l.writes().size(), wrote.size(), "step " + i + ": memory written");
        }
        assertEquals(List.of(), browser.errors);
    }

    @Test
    void aScreenshotOfTheTripWithTheFrameHalfBuiltIsKept() throws Exception {
        browser.eval("(() => { const r = window.ntgateReport; r.openTrip(1); for (let k = 0; k < r.steps(); k++) { r.gotoStep(k);"
                + " if (document.getElementById('curinsn').dataset.eip === '" + hex(afterPushEdi) + "') break; }"
                + " document.getElementById('t-trip').scrollIntoView(); })()");
        assertEquals(hex(afterPushEdi), browser.eval("document.getElementById('curinsn').dataset.eip"));
        Object filled = browser.eval("[...document.querySelectorAll('#stack tr.frame td.val')].filter(td => td.textContent !== '').length");
        Object frameCells = browser.eval("document.querySelectorAll('#stack tr.frame').length");
        long f = ((Number) filled).longValue(), all = ((Number) frameCells).longValue();
        assertTrue(f > 0 && f < all, "the frame is partly built: " + f + " of " + all + " cells");
        byte[] png = browser.screenshot();
        assertTrue(png.length > 1000 && png[1] == 'P' && png[2] == 'N' && png[3] == 'G', "a PNG");
        Files.write(Path.of("target", "report-trip.png"), png);
    }
}
