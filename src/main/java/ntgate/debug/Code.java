package ntgate.debug;

import ntgate.asm.Disassembler;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Locale;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Disassembly: {@code u [addr] [L n]} or {@code u addr1 addr2}, {@code ub [addr] [L n]} (the instructions before
 * an address), {@code uf addr} (the whole function: its blocks in address order, each labelled, as WinDbg's
 * {@code uf} prints them). Each line carries the source annotation of ntgate's own guest code.
 */
final class Code {
    private static final int MAX_FUNCTION = 4096;
    private final Debugger d;
    int nextUnassemble;

    Code(Debugger d) {
        this.d = d;
    }

    void register() {
        d.command("u", "u [addr] [L n] | u addr1 addr2  unassemble", (a, l) -> unassemble(a));
        d.command("ub", "ub [addr] [L n]  unassemble the instructions before addr", (a, l) -> backwards(a));
        d.command("uf", "uf addr  unassemble the whole function", this::function);
    }

    private void unassemble(String args) {
        String[] t = args.strip().split("\\s+");
        if (t.length == 2 && !t[1].toLowerCase(Locale.ROOT).startsWith("l") && !t[0].isEmpty()) {
            int lo = d.eval(t[0]), hi = d.eval(t[1]);
            int a = lo, n = 0;
            while (Integer.compareUnsigned(a, hi) <= 0 && n++ < 0x10000) a = listing(a, 1, n == 1);
            nextUnassemble = a;
            return;
        }
        Memory.Range range = d.memory.range(args, 8, nextUnassemble, 1);
        nextUnassemble = listing(range.address(), range.count(), true);
    }

    /** Lists {@code n} instructions from {@code address}, each symbol start labelled; returns the next address. */
    int listing(int address, int n, boolean labels) {
        int a = address;
        for (int i = 0; i < n; i++) {
            Optional<String> sym = d.sys.symbolAt(a);
            if (labels && sym.isPresent() && (i == 0 || !sym.get().contains("+0x"))) d.out.println(sym.get() + ":");
            a = line(a);
        }
        return a;
    }

    /** One instruction line; returns the address after it. */
    private int line(int a) {
        Disassembler.Line l = d.disassemble(a);
        String ann = d.sys.annotations().at(a, d.lang, d.cpu.mmu::peek8);   // none for overwritten bytes
        String text = String.format(Locale.ROOT, "%08x %-15s %s", a, l.hexBytes(), l.text());
        d.out.println(ann == null ? text : String.format(Locale.ROOT, "%-60s ; %s", text, ann));
        return a + l.length();
    }

    /** The start of the function holding {@code a}, by its symbol; empty when none is known. */
    Optional<Integer> functionStart(int a) {
        Optional<String> s = d.sys.symbolAt(a);
        if (s.isEmpty()) return Optional.empty();
        int plus = s.get().indexOf("+0x");
        return Optional.of(plus < 0 ? a : a - Integer.parseUnsignedInt(s.get().substring(plus + 3), 16));
    }

    private void backwards(String args) {
        Memory.Range range = d.memory.range(args, 8, nextUnassemble, 1);
        int end = range.address(), n = range.count();
        // From the function's start the decoding is exact; otherwise try starting points until one lands on end.
        int start = -1;
        Optional<Integer> fs = functionStart(end - 1);
        if (fs.isPresent() && Integer.compareUnsigned(end - fs.get(), 0x10000) < 0 && lands(fs.get(), end)) {
            start = fs.get();
        } else {
            for (int back = n * 15; back > 0; back--) {
                if (lands(end - back, end)) {
                    start = end - back;
                    break;
                }
            }
        }
        if (start == -1) throw new DebugError("No instructions found before " + Debugger.hex(end));
        int[] addrs = new int[n];
        int k = 0;
        for (int a = start; a != end; a += d.disassemble(a).length()) addrs[k++ % n] = a;
        int shown = Math.min(n, k);
        for (int i = 0; i < shown; i++) {
            int a = addrs[(k - shown + i) % n];
            if (i == 0) d.sys.symbolAt(a).ifPresent(s -> d.out.println(s + ":"));
            line(a);
        }
        nextUnassemble = shown > 0 ? addrs[(k - shown) % n] : end;
    }

    /** True when decoding from {@code from} reaches {@code to} exactly. */
    private boolean lands(int from, int to) {
        int a = from;
        for (int i = 0; i < 0x10000 && Integer.compareUnsigned(a, to) < 0; i++) {
            Disassembler.Line l = d.disassemble(a);
            if (!l.valid()) return false;
            a += l.length();
        }
        return a == to;
    }

    private void function(String args, String line) {
        if (args.isEmpty()) throw DebugError.syntax(line);
        int a = d.eval(args);
        int start = functionStart(a).orElse(a);
        // Blocks reachable from the start without leaving for another function (calls are not followed).
        TreeMap<Integer, Integer> insns = new TreeMap<>(Integer::compareUnsigned);
        TreeSet<Integer> blocks = new TreeSet<>(Integer::compareUnsigned);
        Deque<Integer> work = new ArrayDeque<>();
        work.add(start);
        blocks.add(start);
        String fn = function(start);
        while (!work.isEmpty() && insns.size() < MAX_FUNCTION) {
            int p = work.poll();
            while (!insns.containsKey(p) && insns.size() < MAX_FUNCTION) {
                Disassembler.Line l = d.disassemble(p);
                insns.put(p, l.length());
                String t = l.text().strip();
                String mn = t.split("\\s+")[0];
                Integer target = branchTarget(t);
                // Branches stay in the function while they land near it (labels inside it are symbols of their own).
                if (mn.startsWith("j") && target != null && (fn.equals(function(target))
                        || Integer.compareUnsigned(target - start, MAX_FUNCTION * 4) < 0)) {
                    if (blocks.add(target)) work.add(target);
                }
                if (!l.valid() || mn.equals("ret") || mn.equals("retf") || mn.equals("iretd") || mn.equals("iret")
                        || mn.equals("sysexit") || mn.equals("jmp") || mn.equals("hlt")) {
                    break;
                }
                p += l.length();
                if (mn.startsWith("j") && blocks.add(p)) {
                    work.add(p);
                    break;
                }
            }
        }
        for (var e : insns.entrySet()) {
            int at = e.getKey();
            if (blocks.contains(at)) d.out.println(d.sys.symbolize(at) + ":");
            line(at);
        }
    }

    private String function(int a) {
        String s = d.sys.symbolize(a);
        int plus = s.indexOf("+0x");
        return plus < 0 ? s : s.substring(0, plus);
    }

    /** The target of a direct branch as the disassembler prints it ({@code jne nt!X+0x1c (804d70b8)}), or null. */
    private static Integer branchTarget(String text) {
        int open = text.lastIndexOf('(');
        int close = text.lastIndexOf(')');
        if (open >= 0 && close == text.length() - 1) {
            Integer v = Expr.number(text.substring(open + 1, close));
            if (v != null) return v;
        }
        String[] t = text.split("\\s+");
        if (t.length == 2) return Expr.number(t[1]);
        return null;
    }
}
