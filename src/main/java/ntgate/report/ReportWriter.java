package ntgate.report;

import ntgate.asm.AsmRecord;
import ntgate.asm.AsmResult;
import ntgate.asm.Disassembler;
import ntgate.asm.Lang;
import ntgate.nt.NtStatus;
import ntgate.nt.NtSystem;
import ntgate.nt.ke.Services;
import ntgate.nt.layout.Field;
import ntgate.nt.layout.Layouts;
import ntgate.nt.layout.Nt;
import ntgate.nt.layout.Struct;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Writes the HTML report of a captured run: one self-contained page (the styles, the script and the data inline;
 * nothing is fetched). The data is one JSON object the page's script reads: the summary, every call for the
 * timeline, the kept trips with their steps, the listing of the routines they ran (with each line's annotation in
 * English and Chinese) and the KTRAP_FRAME layout from {@link Layouts}.
 */
public final class ReportWriter {
    private static final String TEMPLATE = "/ntgate/report/report.html";
    private static final String DATA_MARK = "/*@DATA@*/";

    /** What the summary says about the run besides what the capture saw. */
    public record Summary(String program, String commandLine, String end, int exitStatus, boolean exited, long instructions,
                          String version, String output) {}

    private final NtSystem sys;
    private final Capture capture;
    private final Lang lang;
    private final Disassembler dis;
    private final Map<Integer, AsmRecord> records = new HashMap<>();

    public ReportWriter(NtSystem sys, Capture capture, Lang lang) {
        this.sys = sys;
        this.capture = capture;
        this.lang = lang;
        this.dis = new Disassembler(true, sys::symbolAt);
        for (AsmResult r : sys.images().values()) {
            for (AsmRecord rec : r.instructions()) records.put((int) rec.address(), rec);
        }
    }

    /** The whole page. */
    public String html(Summary summary) {
        String t = template();
        int at = t.indexOf(DATA_MARK);
        if (at < 0) throw new IllegalStateException("the report template has no data mark");
        StringBuilder sb = new StringBuilder(t.length() + (1 << 20));
        sb.append(t, 0, at);
        sb.append("const DATA = ");
        data(summary, sb);
        sb.append(';');
        sb.append(t, at + DATA_MARK.length(), t.length());
        return sb.toString();
    }

    private static String template() {
        try (InputStream in = ReportWriter.class.getResourceAsStream(TEMPLATE)) {
            if (in == null) throw new IllegalStateException("missing resource " + TEMPLATE);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ---- the data -----------------------------------------------------------------------------------------------

    private void data(Summary s, StringBuilder out) {
        JsonOut j = new JsonOut(out);
        List<Capture.Call> calls = capture.calls();
        j.begin('{');
        j.key("lang").str(lang.code());
        j.key("summary").begin('{');
        j.key("program").str(s.program());
        j.key("commandLine").str(s.commandLine());
        j.key("end").str(s.end());
        j.key("exited").bool(s.exited());
        j.key("exitStatus").num(s.exitStatus());
        j.key("exitStatusName").str(NtStatus.describe(s.exitStatus()));
        j.key("instructions").num(s.instructions());
        long kernel = 0;
        for (Capture.Call c : calls) if (c.returned() && c.entry != Capture.Entry.KERNEL) kernel += c.icountEnd - c.icountStart;
        j.key("callInstructions").num(kernel);
        j.key("calls").num(calls.size());
        j.key("version").str(s.version());
        j.key("output").str(s.output());
        j.end('}');

        // Symbols of the user call stacks, shared.
        Map<Integer, Integer> symIndex = new HashMap<>();
        List<String> syms = new ArrayList<>();
        j.key("calls").begin('[');
        int pickIndex = calls.isEmpty() ? 0 : 1;
        for (Capture.Call c : calls) {
            if (capture.isPicked(c)) pickIndex = c.index;
            Services.Service sv = c.service();
            j.begin('[');
            j.num(c.index);
            j.str(sv == null ? String.format(Locale.ROOT, "<service 0x%X>", c.number) : sv.name());
            j.num(c.number);
            j.str(c.entry.name());
            j.str(c.exit.name());
            if (c.returned()) j.num(Integer.toUnsignedLong(c.status));
            else j.nul();
            j.str(c.returned() ? NtStatus.name(c.status) : "");
            j.num(c.returned() ? c.icountEnd - c.icountStart : 0);
            j.begin('[');
            for (String a : c.argText) j.str(a);
            j.end(']');
            j.begin('[');
            for (int a : c.userStack) {
                Integer k = symIndex.get(a);
                if (k == null) {
                    k = syms.size();
                    symIndex.put(a, k);
                    syms.add(sys.symbolize(a));
                }
                j.num(k);
            }
            j.end(']');
            j.num(c.trip != null ? 1 : 0);
            j.str(c.returned() ? sys.symbolize(c.returnEip) : "");
            j.str(c.delivered == null ? "" : c.delivered);
            j.end(']');
        }
        j.end(']');
        j.key("syms").begin('[');
        for (String x : syms) j.str(x);
        j.end(']');
        j.key("pick").num(pickIndex);

        // Trips, and the listing of every routine they ran.
        Set<String> routines = new LinkedHashSet<>();
        j.key("trips").begin('{');
        for (Capture.Call c : calls) {
            if (c.trip == null) continue;
            j.key(Integer.toString(c.index));
            trip(j, c, routines);
        }
        j.end('}');
        listing(j, routines);

        j.key("frameLayout").begin('[');
        for (Field f : Layouts.KTRAP_FRAME.topLevelFields()) {
            j.begin('[').str(f.name()).num(f.offset()).num(f.size()).str(f.comment()).end(']');
        }
        j.end(']');
        j.key("frameSize").num(Layouts.KTRAP_FRAME.size());
        j.key("nonV86End").num(Layouts.KTRAP_FRAME.field("V86Es").offset());
        j.key("descriptorLayout").begin('[');
        for (Field f : Layouts.KSERVICE_TABLE_DESCRIPTOR.topLevelFields()) j.begin('[').str(f.name()).num(f.offset()).end(']');
        j.end(']');
        j.end('}');
    }

    private void trip(JsonOut j, Capture.Call c, Set<String> routines) {
        Capture.Trip t = c.trip;
        int frame = t.frame != -1 ? t.frame : t.esp0 - Layouts.KTRAP_FRAME.field("V86Es").offset();
        j.begin('{');
        j.key("esp0").num(u(t.esp0));
        j.key("frame").num(u(frame));
        j.key("frameFound").bool(t.frame != -1);
        j.key("thread").num(u(t.thread));
        j.key("serviceTable").num(u(t.serviceTable));
        j.key("serviceTableSym").str(sys.symbolize(t.serviceTable));
        j.key("number").num(u(c.number));
        j.key("table").num((c.number >>> 12) & 3);
        j.key("index").num(c.number & 0xFFF);
        j.key("descriptor").num(u(t.descriptor));
        j.key("descriptorSym").str(sys.symbolize(t.descriptor));
        j.key("base").num(u(t.base));
        j.key("baseSym").str(sys.symbolize(t.base));
        j.key("limit").num(u(t.limit));
        j.key("numberTable").num(u(t.numberTable));
        j.key("numberTableSym").str(sys.symbolize(t.numberTable));
        j.key("routine").num(t.routine == -1 ? -1 : u(t.routine));
        j.key("routineSym").str(t.routine == -1 ? "" : sys.symbolize(t.routine));
        j.key("argBytes").num(t.argBytes);
        j.key("cut").bool(t.cut);
        j.key("entry").str(c.entry.name());
        j.key("exit").str(c.exit.name());

        // Labels of every address the trip wrote.
        Map<Integer, Integer> labelIndex = new HashMap<>();
        List<String> labels = new ArrayList<>();
        Map<String, Integer> phases = new LinkedHashMap<>();
        int exitStart = -1;
        Integer kiServiceExit = sym("KiServiceExit"), kiServiceExit2 = sym("KiServiceExit2"), kiExceptionExit = sym("KiExceptionExit");
        j.key("steps").begin('[');
        for (int s = 0; s < t.steps(); s++) {
            int eip = t.eip(s);
            rememberRoutine(eip, routines);
            if (exitStart < 0 && (eq(eip, kiServiceExit) || eq(eip, kiServiceExit2) || eq(eip, kiExceptionExit))) exitStart = s;
            phase(phases, "dispatch", eip, "KiSystemServiceRepeat", s);
            phase(phases, "copy", eip, "KiSystemServiceCopyArguments", s);
            if (t.routine != -1 && eip == t.routine) phases.putIfAbsent("service", s);
            j.begin('[');
            int at = t.stepAt(s);
            int[] d = t.data();
            for (int k = 0; k < Capture.STEP_HEAD - 1; k++) j.num(k < 9 || k == 9 ? u(d[at + k]) : d[at + k]);
            for (int w = 0; w < t.writes(s); w++) {
                int[] wr = t.write(s, w);
                Integer li = labelIndex.get(wr[0]);
                if (li == null) {
                    li = labels.size();
                    labelIndex.put(wr[0], li);
                    labels.add(label(wr[0], frame, t));
                }
                j.num(u(wr[0])).num(wr[1]).num(u(wr[2])).num(li);
            }
            j.end(']');
        }
        j.end(']');
        if (exitStart >= 0) phases.put("exit", exitStart);
        j.key("phases").begin('{');
        for (Map.Entry<String, Integer> e : phases.entrySet()) j.key(e.getKey()).num(e.getValue());
        j.end('}');
        j.key("labels").begin('[');
        for (String l : labels) j.str(l);
        j.end(']');

        // The exit decision: every conditional branch from KiServiceExit on, taken or not.
        j.key("branches").begin('[');
        for (int s = Math.max(exitStart, 0); exitStart >= 0 && s + 1 < t.steps(); s++) {
            int eip = t.eip(s);
            Disassembler.Line l = line(eip);
            String m = l.text().split(" ")[0];
            if (m.startsWith("j") && !m.equals("jmp")) {
                boolean taken = t.eip(s + 1) != eip + l.length();
                j.begin('[').num(s).bool(taken).end(']');
            }
        }
        j.end(']');

        // Deliveries: the KTRAP_FRAME fields a delivery wrapper's host routine changed.
        j.key("deliveries").begin('[');
        Map<Integer, Integer> bytes = new HashMap<>();
        for (int s = 0; s < t.steps(); s++) {
            String name = deliveryAt(t.eip(s));
            Map<String, long[]> changed = new LinkedHashMap<>();
            boolean insideWrapper = name != null;
            for (int w = 0; w < t.writes(s); w++) {
                int[] wr = t.write(s, w);
                for (int b = 0; b < wr[1]; b++) {
                    int a = wr[0] + b;
                    int off = a - frame;
                    if (insideWrapper && off >= 0 && off < Layouts.KTRAP_FRAME.size()) {
                        Field f = Layouts.KTRAP_FRAME.fieldAt(off);
                        if (f != null) changed.computeIfAbsent(f.name(), k -> new long[] {fieldValue(bytes, frame, f), 0});
                    }
                    bytes.put(a, (wr[2] >>> (8 * b)) & 0xFF);
                }
            }
            if (!insideWrapper) continue;
            List<Object[]> diffs = new ArrayList<>();
            for (Map.Entry<String, long[]> e : changed.entrySet()) {
                long after = fieldValue(bytes, frame, Layouts.KTRAP_FRAME.field(e.getKey()));
                if (after != e.getValue()[0]) diffs.add(new Object[] {e.getKey(), e.getValue()[0], after});
            }
            if (diffs.isEmpty()) continue;
            j.begin('[').num(s).str(name).begin('[');
            for (Object[] d : diffs) j.begin('[').str((String) d[0]).num((Long) d[1]).num((Long) d[2]).end(']');
            j.end(']').end(']');
        }
        j.end(']');
        j.end('}');
    }

    private static long u(int v) {
        return Integer.toUnsignedLong(v);
    }

    private static boolean eq(int eip, Integer sym) {
        return sym != null && eip == sym;
    }

    private Integer sym(String name) {
        Long v = sys.kernel.symbols().get(name);
        return v == null ? null : (int) (long) v;
    }

    private void phase(Map<String, Integer> phases, String key, int eip, String symbol, int step) {
        Integer a = sym(symbol);
        if (a != null && eip == a) phases.putIfAbsent(key, step);
    }

    private String deliveryAt(int eip) {
        AsmRecord r = records.get(eip);
        if (r == null || !r.source().strip().startsWith("hostcall")) return null;
        String s = sys.symbolAt(eip).orElse("");
        for (String n : Capture.DELIVERY) {
            if (s.equals("nt!" + n) || s.startsWith("nt!" + n + "+")) return n;
        }
        return null;
    }

    private static long fieldValue(Map<Integer, Integer> bytes, int frame, Field f) {
        long v = 0;
        for (int b = 0; b < Math.min(f.size(), 4); b++) {
            Integer x = bytes.get(frame + f.offset() + b);
            if (x == null) return -1;
            v |= (long) x << (8 * b);
        }
        return v;
    }

    /** What a written address is: a KTRAP_FRAME, KTHREAD/ETHREAD or KPCR field, a symbol, or nothing known. */
    private String label(int a, int frame, Capture.Trip t) {
        String s = fieldLabel(Layouts.KTRAP_FRAME, frame, a);
        if (s != null) return s;
        if (t.thread != 0) {
            s = fieldLabel(Layouts.KTHREAD, t.thread, a);
            if (s == null) s = fieldLabel(Layouts.ETHREAD, t.thread, a);
            if (s != null) return s;
        }
        s = fieldLabel(Layouts.KPCR, Nt.KIP0PCRADDRESS, a);
        if (s != null) return s;
        if (Integer.compareUnsigned(a, frame) < 0 && Integer.compareUnsigned(frame - a, 0x1000) <= 0) return "kernel stack";
        return sys.symbolAt(a).orElse(Integer.compareUnsigned(a, Nt.MM_SYSTEM_RANGE_START) < 0 ? "user memory" : "");
    }

    private static String fieldLabel(Struct s, int base, int a) {
        long off = Integer.toUnsignedLong(a) - Integer.toUnsignedLong(base);
        if (off < 0 || off >= s.size()) return null;
        Field f = s.fieldAt((int) off);
        if (f == null) return s.name() + String.format(Locale.ROOT, "+0x%X", off);
        return s.name() + "." + f.name() + (off == f.offset() ? "" : String.format(Locale.ROOT, "+%d", off - f.offset()));
    }

    private void rememberRoutine(int eip, Set<String> routines) {
        String s = sys.symbolAt(eip).orElse(null);
        if (s == null) return;
        int plus = s.indexOf('+');
        routines.add(plus < 0 ? s : s.substring(0, plus));
    }

    private Disassembler.Line line(int eip) {
        return dis.disassemble(a -> sys.cpu.mmu.peek8(a), eip);
    }

    /** Every instruction of the touched routines, in address order, with both languages' annotations. */
    private void listing(JsonOut j, Set<String> routines) {
        TreeMap<Long, AsmRecord> rows = new TreeMap<>();
        for (AsmRecord r : records.values()) {
            if (!r.isInstruction()) continue;
            String s = sys.symbolAt((int) r.address()).orElse("");
            int plus = s.indexOf('+');
            if (routines.contains(plus < 0 ? s : s.substring(0, plus))) rows.put(Integer.toUnsignedLong((int) r.address()), r);
        }
        j.key("listing").begin('[');
        for (AsmRecord r : rows.values()) {
            int a = (int) r.address();
            Disassembler.Line l = line(a);
            StringBuilder hex = new StringBuilder();
            for (byte b : l.bytes()) hex.append(String.format(Locale.ROOT, "%02x", b & 0xFF));
            j.begin('[').num(u(a)).str(sys.symbolize(a)).str(hex.toString()).str(l.text()).str(r.annotation(Lang.EN)).str(zhOnly(r)).end(']');
        }
        j.end(']');
    }

    private static String zhOnly(AsmRecord r) {
        ntgate.asm.Annotation a = ntgate.asm.Annotation.parse(r.comment());
        return a.has(Lang.ZH) ? a.text(Lang.ZH) : "";
    }

    /** A minimal JSON writer (commas placed by nesting state). */
    private static final class JsonOut {
        private final StringBuilder sb;
        private final boolean[] first = new boolean[64];
        private int depth;
        private boolean afterKey;

        JsonOut(StringBuilder sb) {
            this.sb = sb;
        }

        private void sep() {
            if (afterKey) {
                afterKey = false;
                return;
            }
            if (depth > 0) {
                if (!first[depth]) sb.append(',');
                first[depth] = false;
            }
        }

        JsonOut begin(char c) {
            sep();
            sb.append(c);
            first[++depth] = true;
            return this;
        }

        JsonOut end(char c) {
            depth--;
            sb.append(c);
            return this;
        }

        JsonOut key(String k) {
            sep();
            string(k);
            sb.append(':');
            afterKey = true;
            return this;
        }

        JsonOut num(long v) {
            sep();
            sb.append(v);
            return this;
        }

        JsonOut bool(boolean v) {
            sep();
            sb.append(v);
            return this;
        }

        JsonOut nul() {
            sep();
            sb.append("null");
            return this;
        }

        JsonOut str(String v) {
            sep();
            string(v == null ? "" : v);
            return this;
        }

        private void string(String v) {
            sb.append('"');
            for (int i = 0; i < v.length(); i++) {
                char c = v.charAt(i);
                switch (c) {
                    case '"' -> sb.append("\\\"");
                    case '\\' -> sb.append("\\\\");
                    case '\n' -> sb.append("\\n");
                    case '\r' -> sb.append("\\r");
                    case '\t' -> sb.append("\\t");
                    case '<' -> sb.append("\\u003c");   // never "</script>" inside the page's script
                    case '>' -> sb.append("\\u003e");
                    case '&' -> sb.append("\\u0026");
                    case '\u2028' -> sb.append("\\u2028");
                    case '\u2029' -> sb.append("\\u2029");
                    default -> {
                        if (c < 0x20) sb.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                        else sb.append(c);
                    }
                }
            }
            sb.append('"');
        }
    }
}
