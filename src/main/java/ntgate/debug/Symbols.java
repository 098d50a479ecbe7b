package ntgate.debug;

import ntgate.nt.ModuleList;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Symbols and modules, read from the machine's {@link ModuleList}: {@code x module!pattern}, {@code ln addr}
 * (the symbols around an address), {@code lm [n] [k|u] [m pattern]}.
 */
final class Symbols {
    private final Debugger d;

    Symbols(Debugger d) {
        this.d = d;
    }

    void register() {
        d.command("x", "x module!pattern  symbols matching a pattern (* and ?)", this::examine);
        d.command("ln", "ln [addr]  the nearest symbols around an address", this::nearest);
        d.command("lm", "lm [n] [k|u] [m pattern]  loaded modules with their start and end", this::modules);
    }

    /** A WinDbg wildcard ({@code *} any run, {@code ?} one character), case-insensitive. */
    static Pattern wildcard(String w) {
        StringBuilder sb = new StringBuilder();
        for (char c : w.toCharArray()) {
            if (c == '*') sb.append(".*");
            else if (c == '?') sb.append('.');
            else sb.append(Pattern.quote(String.valueOf(c)));
        }
        return Pattern.compile(sb.toString(), Pattern.CASE_INSENSITIVE);
    }

    private void examine(String args, String line) {
        if (args.isEmpty()) throw DebugError.syntax(line);
        String a = args.strip();
        int bang = a.indexOf('!');
        Pattern mod = wildcard(bang < 0 ? "*" : a.substring(0, bang));
        Pattern name = wildcard(bang < 0 ? a : a.substring(bang + 1));
        record Hit(long address, String name) {
        }
        List<Hit> hits = new ArrayList<>();
        for (ModuleList.Module m : d.sys.modules.all()) {
            if (!mod.matcher(m.name()).matches() && !(m.name().equals("nt") && mod.matcher("ntkrnlpa").matches())) continue;
            for (Map.Entry<String, Long> s : m.symbols().entrySet()) {
                if (name.matcher(s.getKey()).matches()) hits.add(new Hit(s.getValue(), m.name() + "!" + s.getKey()));
            }
        }
        hits.sort((x, y) -> x.address != y.address ? Long.compare(x.address, y.address) : x.name.compareTo(y.name));
        for (Hit h : hits) d.out.printf(Locale.ROOT, "%08x          %s (<no parameter info>)%n", h.address, h.name);
    }

    private void nearest(String args, String line) {
        int a = args.isEmpty() ? d.cpu.st.eip : d.eval(args);
        var m = d.sys.modules.at(a);
        if (m.isEmpty()) {
            d.out.println("No symbol found near " + Debugger.hex(a));
            return;
        }
        long at = Integer.toUnsignedLong(a);
        String below = null, above = null;
        long belowAt = -1, aboveAt = -1;
        for (Map.Entry<String, Long> s : m.get().symbols().entrySet()) {
            long v = s.getValue();
            if (v <= at && (v > belowAt || v == belowAt && s.getKey().compareTo(below) < 0)) {
                belowAt = v;
                below = s.getKey();
            }
            if (v > at && (aboveAt < 0 || v < aboveAt || v == aboveAt && s.getKey().compareTo(above) < 0)) {
                aboveAt = v;
                above = s.getKey();
            }
        }
        String mod = m.get().name();
        StringBuilder sb = new StringBuilder();
        if (below != null) {
            sb.append(String.format(Locale.ROOT, "(%08x)   %s!%s", belowAt, mod, below));
            if (at != belowAt) sb.append(String.format(Locale.ROOT, "+0x%x", at - belowAt));
        }
        if (above != null) sb.append(String.format(Locale.ROOT, "   |  (%08x)   %s!%s", aboveAt, mod, above));
        if (sb.length() == 0) {
            d.out.println("No symbol found near " + Debugger.hex(a));
            return;
        }
        d.out.println(sb);
        if (below != null && at == belowAt) {
            d.out.println("Exact matches:");
            for (Map.Entry<String, Long> s : m.get().symbols().entrySet()) {
                if (s.getValue() == at) d.out.println("    " + mod + "!" + s.getKey() + " (<no parameter info>)");
            }
        }
    }

    private void modules(String args, String line) {
        String[] t = args.strip().isEmpty() ? new String[0] : args.strip().split("\\s+");
        boolean brief = false, kernelOnly = false, userOnly = false;
        Pattern match = null;
        for (int i = 0; i < t.length; i++) {
            switch (t[i].toLowerCase(Locale.ROOT)) {
                case "n" -> brief = true;
                case "k" -> kernelOnly = true;
                case "u" -> userOnly = true;
                case "m" -> {
                    if (i + 1 >= t.length) throw DebugError.syntax(line);
                    match = wildcard(t[++i]);
                }
                default -> throw DebugError.syntax(line);
            }
        }
        d.out.println("start    end        module name");
        for (ModuleList.Module m : d.sys.modules.all()) {
            if (kernelOnly && !m.kernel() || userOnly && m.kernel()) continue;
            if (match != null && !match.matcher(m.name()).matches()) continue;
            if (brief) {
                d.out.printf(Locale.ROOT, "%08x %08x   %-8s %s%n", m.base(), (int) m.end(), m.name(), m.file());
            } else {
                d.out.printf(Locale.ROOT, "%08x %08x   %-10s %-22s %s%n", m.base(), (int) m.end(), m.name(), "(export symbols)", m.file());
            }
        }
    }
}
