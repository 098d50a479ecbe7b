package ntgate.trace;

import ntgate.nt.NtStatus;

import java.io.PrintStream;
import java.util.ArrayDeque;
import java.util.Locale;

/**
 * {@code --trace-format text}, the default: a call is one strace-style line printed when it returns
 * ({@code NtClose(0x00000004) = 0xC0000008 STATUS_INVALID_HANDLE}, {@code = ?} when it never returned); the gate
 * opens with a header naming the service and closes with the status; an instruction is one line: address,
 * {@code module!symbol+offset}, disassembly, the source line's annotation, and what it wrote (changed registers,
 * then memory as {@code [address]=value}), or {@code !! #PF(0x...)} when it faulted.
 */
public final class TextTrace implements TraceListener {
    private final PrintStream out;
    private final ArrayDeque<String> calls = new ArrayDeque<>();

    public TextTrace(PrintStream out) {
        this.out = out;
    }

    @Override
    public void event(TraceEvent e) {
        if (e instanceof TraceEvent.CallEntry c) {
            String line = call(c);
            if (c.service() != null && !implemented.test(c.service())) line += " [not implemented in ntgate]";
            calls.push(line);
        } else if (e instanceof TraceEvent.CallExit x) {
            String c = calls.isEmpty() ? serviceName(x.number(), x.service()) + "(...)" : calls.pop();
            out.println(c + " = " + (x.returned() ? NtStatus.describe(x.status()) : "?"));
        } else if (e instanceof TraceEvent.GateEntry g) {
            out.println(String.format(Locale.ROOT, "---- gate: %s %s (0x%X) eax=%08x edx=%08x",
                    g.sysenter() ? "sysenter" : "int 2Eh", g.service() == null ? "<unknown service>" : g.service(), g.number(),
                    g.eax(), g.edx()));
        } else if (e instanceof TraceEvent.GateExit g) {
            out.println(String.format(Locale.ROOT, "---- back in user mode at %s, eax=%08x %s",
                    symbolOrHex(g.eip()), g.eax(), NtStatus.name(g.eax())));
        } else if (e instanceof TraceEvent.Step s) {
            out.println(step(s));
        }
    }

    private String symbolOrHex(int eip) {
        return symbolizer == null ? String.format(Locale.ROOT, "%08x", eip) : symbolizer.apply(eip);
    }

    private java.util.function.IntFunction<String> symbolizer;
    private java.util.function.Predicate<String> implemented = name -> true;

    /** Says which services have a body in ntgate: a call to one without is marked {@code [not implemented in ntgate]}. */
    public TextTrace implemented(java.util.function.Predicate<String> p) {
        this.implemented = p;
        return this;
    }

    /** Names addresses in the gate's closing line ({@code ntdll!KiFastSystemCallRet}). */
    public TextTrace symbols(java.util.function.IntFunction<String> s) {
        this.symbolizer = s;
        return this;
    }

    static String serviceName(int number, String service) {
        return service != null ? service : String.format(Locale.ROOT, "<service 0x%X>", number);
    }

    static String call(TraceEvent.CallEntry c) {
        StringBuilder sb = new StringBuilder(serviceName(c.number(), c.service())).append('(');
        for (int i = 0; i < c.args().size(); i++) {
            if (i > 0) sb.append(", ");
            Integer v = c.args().get(i);
            sb.append(v == null ? "????????" : String.format(Locale.ROOT, "0x%08X", v));
        }
        return sb.append(')').toString();
    }

    static String step(TraceEvent.Step s) {
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%08x %-34s %-44s%s", s.eip(), s.symbol(), s.text(),
                s.annotation() == null ? "" : " ; " + s.annotation()));
        if (s.fault() != null) return sb.append("  !! ").append(s.fault()).toString();
        boolean first = true;
        for (int r = 0; r < 8; r++) {
            if (s.after()[r] != s.before()[r]) {
                sb.append(first ? "  => " : " ").append(TraceEvent.Step.REGS[r]).append('=')
                        .append(String.format(Locale.ROOT, "%08x", s.after()[r]));
                first = false;
            }
        }
        for (TraceEvent.Access w : s.writes()) {
            sb.append(first ? "  => " : " ").append(String.format(Locale.ROOT, "[%08x]=", w.linear())).append(value(w.data()));
            first = false;
        }
        return sb.toString();
    }

    /** A 1-, 2- or 4-byte access as a little-endian hex number; other sizes as bytes in memory order. */
    static String value(byte[] d) {
        if (d.length == 1 || d.length == 2 || d.length == 4) {
            long v = 0;
            for (int i = d.length - 1; i >= 0; i--) v = v << 8 | (d[i] & 0xFF);
            return String.format(Locale.ROOT, "%0" + (2 * d.length) + "x", v);
        }
        return hex(d);
    }

    static String hex(byte[] d) {
        StringBuilder sb = new StringBuilder(2 * d.length);
        for (byte b : d) sb.append(Character.forDigit((b >>> 4) & 0xF, 16)).append(Character.forDigit(b & 0xF, 16));
        return sb.toString();
    }

    @Override
    public void finish() {
        out.flush();
    }
}
