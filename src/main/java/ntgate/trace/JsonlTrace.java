package ntgate.trace;

import ntgate.nt.NtStatus;

import java.io.PrintStream;
import java.util.Locale;

/**
 * {@code --trace-format jsonl}: one JSON object per line and per event, for scripts and tools. Every object has
 * {@code "event"} ({@code call}, {@code return}, {@code gate-entry}, {@code gate-exit}, {@code insn}) and
 * {@code "icount"} (instructions retired before it); addresses and register values are hex strings
 * ({@code "0x7c90e4f0"}). A call's entry carries the service number and name and its argument dwords as read from
 * the user stack (null where unreadable); its {@code return} the status and its name ({@code "returned": false}
 * when it never came back). An instruction carries its address, symbol, bytes, text, annotation, the registers it
 * changed and the memory it wrote (address, size, bytes in memory order), or the fault it raised.
 */
public final class JsonlTrace implements TraceListener {
    private final PrintStream out;
    private final java.util.function.IntFunction<String> symbols;

    /** @param symbols names an address ({@code ntdll!KiFastSystemCallRet}) or returns null */
    public JsonlTrace(PrintStream out, java.util.function.IntFunction<String> symbols) {
        this.out = out;
        this.symbols = symbols;
    }

    @Override
    public void event(TraceEvent e) {
        StringBuilder sb = new StringBuilder(160);
        if (e instanceof TraceEvent.CallEntry c) {
            head(sb, "call", c.icount());
            hexField(sb, "eip", c.eip());
            hexField(sb, "number", c.number());
            strField(sb, "service", c.service());
            strField(sb, "entry", c.sysenter() ? "sysenter" : "int 2Eh");
            hexField(sb, "argPointer", c.argPointer());
            sb.append(",\"args\":[");
            for (int i = 0; i < c.args().size(); i++) {
                if (i > 0) sb.append(',');
                Integer v = c.args().get(i);
                if (v == null) sb.append("null");
                else hex(sb, v);
            }
            sb.append(']');
            if (c.decoded() != null) {
                sb.append(",\"decoded\":[");
                for (int i = 0; i < c.decoded().size(); i++) {
                    if (i > 0) sb.append(',');
                    String d = c.decoded().get(i);
                    int eq = d.indexOf('=');
                    sb.append('{');
                    if (eq > 0 && d.substring(0, eq).matches("\\w+")) {
                        sb.append("\"name\":");
                        quoted(sb, d.substring(0, eq));
                        sb.append(',');
                        d = d.substring(eq + 1);
                    }
                    sb.append("\"value\":");
                    quoted(sb, d);
                    sb.append('}');
                }
                sb.append(']');
            }
        } else if (e instanceof TraceEvent.CallExit x) {
            head(sb, "return", x.icount());
            hexField(sb, "number", x.number());
            strField(sb, "service", x.service());
            sb.append(",\"returned\":").append(x.returned());
            if (x.returned()) {
                hexField(sb, "status", x.status());
                strField(sb, "statusName", NtStatus.all().get(x.status()));
            }
        } else if (e instanceof TraceEvent.GateEntry g) {
            head(sb, "gate-entry", g.icount());
            hexField(sb, "eip", g.eip());
            strField(sb, "entry", g.sysenter() ? "sysenter" : "int 2Eh");
            hexField(sb, "number", g.number());
            strField(sb, "service", g.service());
            hexField(sb, "eax", g.eax());
            hexField(sb, "edx", g.edx());
        } else if (e instanceof TraceEvent.GateExit g) {
            head(sb, "gate-exit", g.icount());
            hexField(sb, "eip", g.eip());
            strField(sb, "symbol", symbols.apply(g.eip()));
            hexField(sb, "eax", g.eax());
            strField(sb, "statusName", NtStatus.all().get(g.eax()));
        } else if (e instanceof TraceEvent.Step s) {
            step(sb, s);
        }
        out.append(sb.append('}')).append('\n');
    }

    private static void step(StringBuilder sb, TraceEvent.Step s) {
        head(sb, "insn", s.icount());
        hexField(sb, "eip", s.eip());
        sb.append(",\"cpl\":").append(s.cpl());
        strField(sb, "symbol", s.symbol().isEmpty() ? null : s.symbol());
        strField(sb, "bytes", TextTrace.hex(s.bytes()));
        strField(sb, "text", s.text());
        if (s.annotation() != null) strField(sb, "annotation", s.annotation());
        if (s.fault() != null) {
            strField(sb, "fault", s.fault());
            return;
        }
        sb.append(",\"regs\":{");
        boolean first = true;
        for (int r = 0; r < s.after().length; r++) {
            if (r == 8 || s.after()[r] == s.before()[r]) continue;   // EIP always moves
            if (!first) sb.append(',');
            sb.append('"').append(TraceEvent.Step.REGS[r]).append("\":");
            hex(sb, s.after()[r]);
            first = false;
        }
        sb.append("},\"writes\":[");
        for (int i = 0; i < s.writes().size(); i++) {
            TraceEvent.Access w = s.writes().get(i);
            if (i > 0) sb.append(',');
            sb.append("{\"addr\":");
            hex(sb, w.linear());
            sb.append(",\"size\":").append(w.data().length).append(",\"bytes\":\"").append(TextTrace.hex(w.data())).append("\"}");
        }
        sb.append(']');
        hexField(sb, "next", s.after()[8]);
    }

    private static void head(StringBuilder sb, String event, long icount) {
        sb.append("{\"event\":\"").append(event).append("\",\"icount\":").append(icount);
    }

    private static void hex(StringBuilder sb, int v) {
        sb.append(String.format(Locale.ROOT, "\"0x%08x\"", v));
    }

    private static void hexField(StringBuilder sb, String name, int v) {
        sb.append(",\"").append(name).append("\":");
        hex(sb, v);
    }

    private static void strField(StringBuilder sb, String name, String v) {
        sb.append(",\"").append(name).append("\":");
        if (v == null) sb.append("null");
        else quoted(sb, v);
    }

    private static void quoted(StringBuilder sb, String v) {
        sb.append('"');
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) sb.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                    else sb.append(c);
                }
            }
        }
        sb.append('"');
    }

    @Override
    public void finish() {
        out.flush();
    }
}
