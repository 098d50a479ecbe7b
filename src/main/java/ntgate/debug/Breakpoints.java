package ntgate.debug;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.IntConsumer;
import java.util.regex.Pattern;

/**
 * Breakpoints: {@code bp [/1] addr ["cmds"]}, {@code bu} (deferred: kept as an expression and resolved when a
 * module loads), {@code bm pattern} (one per matching symbol), {@code ba [/1] e|r|w 1|2|4 addr} (through the
 * debugger's own watch slots in the MMU, not the guest's DR0-DR3), {@code bl}, {@code bc}, {@code bd},
 * {@code be}. Numbers stay stable as in WinDbg: a cleared slot is reused by the next breakpoint.
 */
final class Breakpoints {
    /** WinDbg's limit on processor (data) breakpoints on x86. */
    private static final int DATA_SLOTS = 4;

    private final Debugger d;
    private final List<Bp> list = new ArrayList<>();
    private final Bp[] dataSlots = new Bp[DATA_SLOTS];

    private static final class Bp {
        final int id;
        /** The address, or null while a {@code bu} is unresolved. */
        Integer address;
        final String expression;
        final String commands;
        final boolean oneShot, deferred;
        boolean enabled = true;
        /** {@code ba}: e, r or w; 0 for a software breakpoint. */
        char access;
        int size;
        int slot = -1;

        Bp(int id, Integer address, String expression, String commands, boolean oneShot, boolean deferred) {
            this.id = id;
            this.address = address;
            this.expression = expression;
            this.commands = commands;
            this.oneShot = oneShot;
            this.deferred = deferred;
        }
    }

    Breakpoints(Debugger d) {
        this.d = d;
        d.sys.modules.onLoad(m -> resolveDeferred());
    }

    void register() {
        d.command("bp", "bp [/1] [addr] [\"cmds\"]  breakpoint (cmds run when hit)", (a, l) -> software(a, l, false));
        d.command("bu", "bu [/1] expr [\"cmds\"]  deferred breakpoint: resolved when its module loads", (a, l) -> software(a, l, true));
        d.command("bm", "bm [/1] module!pattern [\"cmds\"]  a breakpoint on every matching symbol", this::match);
        d.command("ba", "ba [/1] e|r|w 1|2|4 addr [\"cmds\"]  processor breakpoint (the debugger's own watch)", this::access);
        d.command("bl", "bl  list breakpoints", (a, l) -> list());
        d.command("bc", "bc id|range|*  clear breakpoints", (a, l) -> ids(a, l, this::clear));
        d.command("bd", "bd id|range|*  disable breakpoints", (a, l) -> ids(a, l, id -> enable(id, false)));
        d.command("be", "be id|range|*  enable breakpoints", (a, l) -> ids(a, l, id -> enable(id, true)));
    }

    // ---- what the hooks ask ---------------------------------------------------------------------------------

    /** The breakpoint that stops execution at {@code linear}, or -1. */
    int executeHit(int linear) {
        for (int i = 0; i < list.size(); i++) {
            Bp b = list.get(i);
            if (b == null || !b.enabled || b.address == null) continue;
            if (b.access == 0 ? b.address == linear
                    : b.access == 'e' && Integer.compareUnsigned(linear - b.address, b.size) < 0) {
                return i;
            }
        }
        return -1;
    }

    /** The data breakpoint hit by the instruction that just retired, or -1. */
    int dataHit() {
        int h = d.cpu.mmu.takeMonitorHits();
        if (h == 0) return -1;
        for (int s = 0; s < DATA_SLOTS; s++) {
            if ((h & (1 << s)) != 0 && dataSlots[s] != null && dataSlots[s].enabled) return dataSlots[s].id;
        }
        return -1;
    }

    /** The commands of the breakpoint that was hit (null: none); a one-shot breakpoint is cleared here. */
    String hitCommands(int id) {
        Bp b = id < list.size() ? list.get(id) : null;
        if (b == null) return null;
        if (b.oneShot) clear(id);
        return b.commands;
    }

    // ---- the commands ---------------------------------------------------------------------------------------

    /** The arguments with /1 and a quoted command string taken off. */
    private record Parsed(String rest, String commands, boolean oneShot) {
    }

    private static Parsed parse(String args) {
        String a = args.strip();
        boolean once = false;
        if (a.startsWith("/1")) {
            once = true;
            a = a.substring(2).strip();
        }
        String cmds = null;
        int q = a.indexOf('"');
        if (q >= 0) {
            int end = a.lastIndexOf('"');
            if (end <= q) throw DebugError.syntax(args);
            cmds = a.substring(q + 1, end);
            a = a.substring(0, q).strip();
        }
        return new Parsed(a, cmds, once);
    }

    private void software(String args, String line, boolean deferred) {
        Parsed p = parse(args);
        String expr = p.rest().isEmpty() ? null : p.rest();
        if (deferred && expr == null) throw DebugError.syntax(line);
        Integer address;
        if (expr == null) {
            address = d.cpu.st.eip;
        } else if (deferred) {
            address = tryEval(expr);
        } else {
            address = d.eval(expr);
        }
        if (address != null) {
            for (Bp b : list) {
                if (b != null && b.access == 0 && address.equals(b.address)) {
                    d.out.println("breakpoint " + b.id + " redefined");
                    b.enabled = true;
                    return;
                }
            }
        }
        add(address, expr, p.commands(), p.oneShot(), deferred);
    }

    private Integer tryEval(String expr) {
        try {
            return d.eval(expr);
        } catch (DebugError e) {
            return null;
        }
    }

    private Bp add(Integer address, String expr, String cmds, boolean once, boolean deferred) {
        int id = list.indexOf(null);
        if (id < 0) id = list.size();
        Bp b = new Bp(id, address, expr, cmds, once, deferred);
        if (id == list.size()) list.add(b);
        else list.set(id, b);
        return b;
    }

    private void resolveDeferred() {
        for (Bp b : list) {
            if (b != null && b.deferred) {
                Integer a = tryEval(b.expression);
                if (a != null) b.address = a;
            }
        }
    }

    private void match(String args, String line) {
        Parsed p = parse(args);
        String pat = p.rest();
        if (pat.isEmpty()) throw DebugError.syntax(line);
        int bang = pat.indexOf('!');
        Pattern mod = Symbols.wildcard(bang < 0 ? "*" : pat.substring(0, bang));
        Pattern name = Symbols.wildcard(bang < 0 ? pat : pat.substring(bang + 1));
        int n = 0;
        for (var m : d.sys.modules.all()) {
            if (!mod.matcher(m.name()).matches()) continue;
            for (Map.Entry<String, Long> s : m.symbols().entrySet()) {
                if (!name.matcher(s.getKey()).matches()) continue;
                int a = (int) (long) s.getValue();
                Bp b = add(a, m.name() + "!" + s.getKey(), p.commands(), p.oneShot(), false);
                d.out.printf(Locale.ROOT, "%3d: %08x          @!\"%s!%s\"%n", b.id, a, m.name(), s.getKey());
                n++;
            }
        }
        if (n == 0) d.out.println("No matching code symbols found, no breakpoints set.");
    }

    private void access(String args, String line) {
        Parsed p = parse(args);
        String[] t = p.rest().split("\\s+");
        int i = 0;
        if (t.length < 2) throw DebugError.syntax(line);
        String acc = t[i++].toLowerCase(Locale.ROOT);
        String sizeText;
        if (acc.length() > 1) {          // "w4"
            sizeText = acc.substring(1);
            acc = acc.substring(0, 1);
        } else {
            sizeText = t[i++];
        }
        if (i >= t.length) throw DebugError.syntax(line);
        char access = acc.charAt(0);
        if (access != 'e' && access != 'r' && access != 'w') {
            throw new DebugError("^ Bad access type '" + acc + "' in '" + line + "' (e, r or w; i/o breakpoints are not supported)");
        }
        Integer size = Expr.number(sizeText);
        if (size == null || (size != 1 && size != 2 && size != 4)) throw new DebugError("^ Bad size '" + sizeText + "' in '" + line + "' (1, 2 or 4)");
        StringBuilder ex = new StringBuilder();
        while (i < t.length) ex.append(t[i++]);
        int a = d.eval(ex.toString());
        if ((a & (size - 1)) != 0) throw new DebugError("Data breakpoint must be aligned");
        int slot = -1;
        if (access != 'e') {
            for (int s = 0; s < DATA_SLOTS; s++) if (dataSlots[s] == null) {
                slot = s;
                break;
            }
            if (slot < 0) throw new DebugError("Too many data breakpoints for processor 0, hit 5");
        }
        Bp b = add(a, ex.toString(), p.commands(), p.oneShot(), false);
        b.access = access;
        b.size = size;
        b.slot = slot;
        if (slot >= 0) {
            dataSlots[slot] = b;
            arm(b);
        }
    }

    private void arm(Bp b) {
        if (b.slot >= 0) d.cpu.mmu.setMonitorWatch(b.slot, b.enabled, b.address, b.size, b.access == 'w');
    }

    private void list() {
        for (Bp b : list) {
            if (b == null) continue;
            String state = (b.enabled ? "e" : "d") + (b.address == null ? "u" : "");
            String where = b.address == null ? "        " : String.format(Locale.ROOT, "%08x", b.address);
            String kind = b.access == 0 ? "    " : " " + b.access + " " + b.size;
            String sym = b.address == null ? "(" + b.expression + ")" : d.sys.symbolize(b.address);
            String cmds = b.commands == null ? "" : " \"" + b.commands + "\"";
            d.out.printf(Locale.ROOT, "%2d %-2s %s%s 0001 (0001) %s%s%n", b.id, state, where, kind, sym, cmds);
        }
    }

    private void clear(int id) {
        Bp b = list.get(id);
        if (b.slot >= 0) {
            d.cpu.mmu.setMonitorWatch(b.slot, false, 0, 1, false);
            dataSlots[b.slot] = null;
        }
        list.set(id, null);
    }

    private void enable(int id, boolean on) {
        Bp b = list.get(id);
        b.enabled = on;
        arm(b);
    }

    /** Breakpoint IDs are decimal, as bl prints them. */
    private static Integer decimal(String t) {
        try {
            return Integer.parseInt(t);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private void ids(String args, String line, IntConsumer action) {
        if (args.isEmpty()) throw DebugError.syntax(line);
        if (args.equals("*")) {
            for (int i = 0; i < list.size(); i++) if (list.get(i) != null) action.accept(i);
            return;
        }
        for (String t : args.split("[\\s,]+")) {
            int dash = t.indexOf('-');
            Integer lo = decimal(dash > 0 ? t.substring(0, dash) : t);
            Integer hi = dash > 0 ? decimal(t.substring(dash + 1)) : lo;
            if (lo == null || hi == null || lo < 0 || hi < lo) throw new DebugError("Invalid breakpoint ID '" + t + "'");
            for (int id = lo; id <= hi; id++) {
                if (id >= list.size() || list.get(id) == null) {
                    if (lo.equals(hi)) throw new DebugError("Invalid breakpoint ID '" + t + "'");
                    continue;
                }
                action.accept(id);
            }
        }
    }
}
