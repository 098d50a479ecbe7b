package ntgate.debug;

import ntgate.asm.Disassembler;
import ntgate.cpu.Cpu;
import ntgate.cpu.CpuHooks;
import ntgate.cpu.CpuState;
import ntgate.cpu.decode.Insn;
import ntgate.cpu.decode.Op;
import ntgate.nt.NtStatus;
import ntgate.nt.NtSystem;
import ntgate.nt.layout.Dt;
import ntgate.nt.layout.GuestReader;
import ntgate.nt.layout.Layouts;
import ntgate.nt.layout.Struct;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A WinDbg-style kernel debugger attached to a booted machine: execution control through the CPU's execution
 * hooks ({@code t}, {@code p}, {@code g}, {@code gu}, {@code bp}), and views of registers, memory, structures
 * and NT state ({@code r}, {@code u}, {@code d*}, {@code dt}, {@code k}, {@code !pcr}, {@code !thread},
 * {@code !idt}). Memory is read and written without side effects on the machine (no faults, no A/D bits, no CR2).
 * A command that fails prints one line and the session goes on.
 */
public final class Debugger implements CpuHooks, Expr.Context {
    /** KPCR of processor 0 (NT-FACTS §2.3). */
    public static final int KPCR_ADDRESS = ntgate.nt.layout.Nt.KIP0PCRADDRESS;
    private static final int MAX_FRAMES = 32;

    private final NtSystem sys;
    private final Cpu cpu;
    private final PrintStream out;
    private final long budget;
    private final Disassembler dis;
    private final List<Breakpoint> breakpoints = new ArrayList<>();

    /** A breakpoint slot; a cleared slot is null so that numbers stay stable, as in WinDbg. */
    private static final class Breakpoint {
        final int address;
        final String expression;
        boolean enabled = true;

        Breakpoint(int address, String expression) {
            this.address = address;
            this.expression = expression;
        }
    }

    // Execution control, read by the hooks during one resume.
    private boolean first, stepOne, stopNext, oneShotSet, oneShotEspCheck, stepOut;
    private int oneShot, oneShotEsp, stepOutEsp, stepOutCpl;
    private int hit = -1;
    /** Why the machine cannot run any more (the process exited, a bug check, ...), or null. */
    private String ended;

    private int nextUnassemble, nextDump;
    /** The language of the annotations {@code u} shows. */
    private ntgate.asm.Lang lang = ntgate.asm.Lang.EN;
    private String lastDump = "dd";

    public Debugger(NtSystem sys, PrintStream out, long budget) {
        this.sys = sys;
        this.cpu = sys.cpu;
        this.out = out;
        this.budget = budget;
        this.dis = new Disassembler(true, sys::symbolAt);
        setLanguage(ntgate.asm.Lang.EN);
        cpu.setHooks(this);
        nextUnassemble = cpu.st.eip;
    }

    /** Chooses the language of the annotations {@code u} shows beside the kernel's and ntdll's instructions. */
    public void setLanguage(ntgate.asm.Lang lang) {
        this.lang = lang;
    }

    /** Prints the registers as the session opens (stopped before the first instruction). */
    public void attach() {
        out.println("ntgate debugger: stopped before the first instruction (" + sys.symbolize(cpu.st.eip) + ")");
        registers();
    }

    /** Runs a script: commands separated by ';' or newlines, each echoed after the prompt. Stops at {@code q}. */
    public boolean script(String text) {
        for (String cmd : text.split("[;\n]")) {
            String c = cmd.strip();
            if (c.isEmpty()) continue;
            out.println("kd> " + c);
            if (!execute(c)) return false;
        }
        return true;
    }

    /** Reads commands line by line until {@code q} or end of input; {@code echo} repeats them after the prompt. */
    public void interactive(BufferedReader in, boolean echo) throws IOException {
        while (true) {
            out.print("kd> ");
            out.flush();
            String line = in.readLine();
            if (line == null) {
                out.println();
                return;
            }
            if (echo) out.println(line);
            boolean go = true;
            for (String cmd : line.split(";")) {
                if (!cmd.isBlank() && !execute(cmd.strip())) go = false;
                if (!go) break;
            }
            out.flush();
            if (!go) return;
        }
    }

    /** Executes one command; false when it was {@code q}. */
    public boolean execute(String command) {
        try {
            return dispatch(command.strip());
        } catch (DebugError e) {
            out.println(e.getMessage());
        }
        return true;
    }

    private boolean dispatch(String line) {
        if (line.isEmpty()) return true;
        int sp = 0;
        while (sp < line.length() && !Character.isWhitespace(line.charAt(sp))) sp++;
        String verb = line.substring(0, sp).toLowerCase(Locale.ROOT);
        String args = line.substring(sp).strip();
        if (verb.startsWith("?") && verb.length() > 1) {
            args = (verb.substring(1) + " " + args).strip();
            verb = "?";
        }
        switch (verb) {
            case "q", "qq" -> {
                return false;
            }
            case "r" -> reg(args);
            case "t" -> step(count(args, line), false);
            case "p" -> step(count(args, line), true);
            case "g" -> go(args);
            case "gu" -> goUp(args, line);
            case "bp", "bu" -> setBreakpoint(args, line);
            case "bl" -> listBreakpoints();
            case "bc" -> breakpointIds(args, line, id -> breakpoints.set(id, null));
            case "bd" -> breakpointIds(args, line, id -> breakpoints.get(id).enabled = false);
            case "be" -> breakpointIds(args, line, id -> breakpoints.get(id).enabled = true);
            case "u" -> unassemble(args);
            case "db", "dw", "dd", "dq", "dps", "dc" -> dump(verb, args);
            case "d" -> dump(lastDump, args);
            case "eb", "ew", "ed" -> enter(verb, args, line);
            case "dt" -> dt(args, line);
            case "k", "kb", "kv" -> stack();
            case "!pcr" -> pcr();
            case "!thread" -> thread();
            case "!idt" -> idt();
            case "?" -> {
                int v = eval(args);
                out.printf(Locale.ROOT, "Evaluate expression: %d = %08x%n", v, v);
            }
            default -> throw DebugError.syntax(line);
        }
        return true;
    }

    // ---- execution control ------------------------------------------------------------------------------------

    @Override
    public boolean beforeInsn(Cpu c, Insn insn) {
        if (first) {
            // The instruction the session is stopped at runs even when a breakpoint is set on it.
            first = false;
            if (stepOne) stopNext = true;
            return true;
        }
        if (stopNext) return false;
        int eip = c.st.eip;
        if (oneShotSet && eip == oneShot && (!oneShotEspCheck || Integer.compareUnsigned(c.gpr[4], oneShotEsp) >= 0)) {
            return false;
        }
        for (int i = 0; i < breakpoints.size(); i++) {
            Breakpoint b = breakpoints.get(i);
            if (b != null && b.enabled && b.address == eip) {
                hit = i;
                return false;
            }
        }
        return true;
    }

    @Override
    public void afterInsn(Cpu c, Insn insn, int eip) {
        if (stepOut && c.st.cpl == stepOutCpl && (insn.op == Op.RET || insn.op == Op.RET_Iw) && Integer.compareUnsigned(c.gpr[4], stepOutEsp) > 0) {
            stopNext = true;
        }
    }

    private void step(int n, boolean over) {
        for (int i = 0; i < n; i++) {
            stepOne = true;
            if (over) {
                Disassembler.Line l = disassemble(cpu.st.eip);
                String t = l.text();
                if (t.startsWith("call") || t.startsWith("rep") || t.startsWith("int ")) {
                    stepOne = false;
                    oneShotSet = true;
                    oneShot = cpu.st.eip + l.length();
                    oneShotEspCheck = true;
                    oneShotEsp = cpu.gpr[4];
                }
            }
            if (!resume(true)) return;
        }
    }

    private void go(String args) {
        if (!args.isEmpty()) {
            oneShotSet = true;
            oneShot = eval(args);
        }
        resume(true);
    }

    private void goUp(String args, String line) {
        if (!args.isEmpty()) throw DebugError.syntax(line);
        stepOut = true;
        stepOutEsp = cpu.gpr[4];
        stepOutCpl = cpu.st.cpl;
        resume(true);
    }

    /** Runs the machine under the armed stop conditions; false when it can no longer run. */
    private boolean resume(boolean show) {
        try {
            if (ended != null) throw new DebugError(ended);
            first = true;
            stopNext = false;
            hit = -1;
            NtSystem.End end = sys.run(budget);
            switch (end) {
                case BREAK -> {
                    if (hit >= 0) out.println("Breakpoint " + hit + " hit");
                    if (show) registers();
                    return true;
                }
                case BUDGET -> {
                    out.printf(Locale.ROOT, "instruction budget used up (%d instructions)%n", budget);
                    registers();
                    return false;
                }
                case EXITED -> ended = "the process exited with status " + NtStatus.describe(sys.k.exitStatus);
                case BUG_CHECK -> ended = String.format(Locale.ROOT, "bug check 0x%08X (0x%08x, 0x%08x, 0x%08x, 0x%08x)",
                        sys.k.bugCheck.code(), sys.k.bugCheck.p1(), sys.k.bugCheck.p2(), sys.k.bugCheck.p3(), sys.k.bugCheck.p4());
                case TRIPLE_FAULT -> ended = "triple fault: the processor shut down";
                case HALTED -> ended = "the processor halted at " + sys.symbolize(cpu.st.eip);
                case DEADLOCK -> ended = String.valueOf(sys.k.deadlock);
                default -> ended = "stopped: " + end;
            }
            out.println("ntgate: " + ended + " (" + cpu.icount + " instructions); memory can still be inspected");
            return false;
        } finally {
            stepOne = false;
            stopNext = false;
            oneShotSet = false;
            oneShotEspCheck = false;
            stepOut = false;
            nextUnassemble = cpu.st.eip;
        }
    }

    private static int count(String args, String line) {
        if (args.isEmpty()) return 1;
        Integer n = Expr.number(args);
        if (n == null || n <= 0) throw DebugError.syntax(line);
        return n;
    }

    // ---- breakpoints ------------------------------------------------------------------------------------------

    private void setBreakpoint(String args, String line) {
        if (args.isEmpty()) throw DebugError.syntax(line);
        int a = eval(args);
        for (int i = 0; i < breakpoints.size(); i++) {
            Breakpoint b = breakpoints.get(i);
            if (b != null && b.address == a) {
                out.println("breakpoint " + i + " redefined");
                b.enabled = true;
                return;
            }
        }
        int id = breakpoints.indexOf(null);
        Breakpoint b = new Breakpoint(a, args);
        if (id < 0) {
            breakpoints.add(b);
        } else {
            breakpoints.set(id, b);
        }
    }

    private void listBreakpoints() {
        for (int i = 0; i < breakpoints.size(); i++) {
            Breakpoint b = breakpoints.get(i);
            if (b != null) {
                out.printf(Locale.ROOT, "%2d %s %08x     %s%n", i, b.enabled ? "e" : "d", b.address, sys.symbolize(b.address));
            }
        }
    }

    private void breakpointIds(String args, String line, java.util.function.IntConsumer action) {
        if (args.isEmpty()) throw DebugError.syntax(line);
        if (args.equals("*")) {
            for (int i = 0; i < breakpoints.size(); i++) if (breakpoints.get(i) != null) action.accept(i);
            return;
        }
        for (String t : args.split("[\\s,]+")) {
            Integer id = Expr.number(t);
            if (id == null || id < 0 || id >= breakpoints.size() || breakpoints.get(id) == null) {
                throw new DebugError("Invalid breakpoint ID '" + t + "'");
            }
            action.accept(id);
        }
    }

    // ---- registers --------------------------------------------------------------------------------------------

    private void reg(String args) {
        if (args.isEmpty()) {
            registers();
            return;
        }
        for (String assignment : args.split(",")) {
            String a = assignment.strip();
            int eq = a.indexOf('=');
            String name = (eq < 0 ? a : a.substring(0, eq)).strip().toLowerCase(Locale.ROOT);
            if (name.startsWith("@")) name = name.substring(1);
            Integer cur = Expr.register(cpu, name);
            if (cur == null) throw DebugError.syntax(a);
            if (eq < 0) {
                out.printf(Locale.ROOT, "%s=%08x%n", name, cur);
                continue;
            }
            int v = eval(a.substring(eq + 1));
            int g = java.util.Arrays.asList(Expr.GPR).indexOf(name);
            if (g >= 0) cpu.gpr[g] = v;
            else if (name.equals("eip")) cpu.st.eip = v;
            else if (name.equals("efl")) cpu.st.setEflags(v);
            else throw new DebugError("register " + name + " cannot be set from the debugger");
            if (name.equals("eip")) nextUnassemble = v;
        }
    }

    /** {@code r}: the registers, the flags, the selectors, and the instruction about to execute. */
    public void registers() {
        int[] r = cpu.gpr;
        int fl = cpu.st.eflags();
        out.printf(Locale.ROOT, "eax=%08x ebx=%08x ecx=%08x edx=%08x esi=%08x edi=%08x%n", r[0], r[3], r[1], r[2], r[6], r[7]);
        out.printf(Locale.ROOT, "eip=%08x esp=%08x ebp=%08x iopl=%d         %s%n", cpu.st.eip, r[4], r[5], (fl >>> 12) & 3, flags(fl));
        int[] s = cpu.st.segSel;
        out.printf(Locale.ROOT, "cs=%04x  ss=%04x  ds=%04x  es=%04x  fs=%04x  gs=%04x             efl=%08x%n",
                s[1], s[2], s[3], s[0], s[4], s[5], fl);
        listing(cpu.st.eip, 1, true);
    }

    /** EFLAGS as WinDbg names them: {@code nv up ei pl zr na pe nc}. */
    static String flags(int fl) {
        return String.join(" ",
                (fl & CpuState.OF) != 0 ? "ov" : "nv",
                (fl & CpuState.DF) != 0 ? "dn" : "up",
                (fl & CpuState.IF) != 0 ? "ei" : "di",
                (fl & CpuState.SF) != 0 ? "ng" : "pl",
                (fl & CpuState.ZF) != 0 ? "zr" : "nz",
                (fl & CpuState.AF) != 0 ? "ac" : "na",
                (fl & CpuState.PF) != 0 ? "pe" : "po",
                (fl & CpuState.CF) != 0 ? "cy" : "nc");
    }

    // ---- disassembly ------------------------------------------------------------------------------------------

    private Disassembler.Line disassemble(int address) {
        return dis.disassemble(cpu.mmu::peek8, address);
    }

    private void unassemble(String args) {
        Range range = range(args, 8, nextUnassemble);
        nextUnassemble = listing(range.address, range.count, true);
    }

    /** Lists {@code n} instructions from {@code address}, each symbol start labelled; returns the next address. */
    private int listing(int address, int n, boolean labels) {
        int a = address;
        for (int i = 0; i < n; i++) {
            java.util.Optional<String> sym = sys.symbolAt(a);
            if (labels && sym.isPresent() && (i == 0 || !sym.get().contains("+0x"))) out.println(sym.get() + ":");
            Disassembler.Line l = disassemble(a);
            String ann = sys.annotations().at(a, lang, cpu.mmu::peek8);   // none for overwritten bytes
            String text = String.format(Locale.ROOT, "%08x %-15s %s", a, l.hexBytes(), l.text());
            out.println(ann == null ? text : String.format(Locale.ROOT, "%-60s ; %s", text, ann));
            a += l.length();
        }
        return a;
    }

    // ---- memory -----------------------------------------------------------------------------------------------

    private record Range(int address, int count) {
    }

    /** {@code [addr] [L n]}: the address (or {@code dflt}) and the count (or {@code dfltCount}). */
    private Range range(String args, int dfltCount, int dflt) {
        String[] parts = args.split("\\s+");
        StringBuilder addr = new StringBuilder();
        int count = dfltCount;
        for (int i = 0; i < parts.length; i++) {
            String p = parts[i];
            if (p.isEmpty()) continue;
            if ((p.charAt(0) == 'L' || p.charAt(0) == 'l') && (p.length() > 1 ? Expr.number(p.substring(1)) != null : i + 1 < parts.length)) {
                String num = p.length() > 1 ? p.substring(1) : parts[++i];
                Integer n = Expr.number(num);
                if (n == null || n <= 0 || n > 0x10000) throw DebugError.syntax(args);
                count = n;
            } else {
                addr.append(p);
            }
        }
        return new Range(addr.length() == 0 ? dflt : eval(addr.toString()), count);
    }

    private void dump(String kind, String args) {
        lastDump = kind;
        int unit = switch (kind) {
            case "db", "dc" -> 1;
            case "dw" -> 2;
            case "dq" -> 8;
            default -> 4;
        };
        int perLine = switch (kind) {
            case "db" -> 16;
            case "dw" -> 8;
            case "dq" -> 2;
            case "dps" -> 1;
            default -> 4;
        };
        if (kind.equals("dc")) {
            unit = 4;
            perLine = 4;
        }
        Range r = range(args, kind.equals("dps") ? 16 : 128 / unit, nextDump);
        int a = r.address;
        for (int done = 0; done < r.count; ) {
            StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%08x ", a));
            StringBuilder ascii = new StringBuilder();
            int lineStart = a;
            for (int j = 0; j < perLine && done < r.count; j++, done++) {
                int v = peek(a, Math.min(unit, 4));
                boolean ok = readable(a, Math.min(unit, 4));
                switch (unit) {
                    case 1 -> sb.append(j == 8 ? '-' : ' ').append(ok ? String.format(Locale.ROOT, "%02x", v) : "??");
                    case 2 -> sb.append(' ').append(ok ? String.format(Locale.ROOT, "%04x", v) : "????");
                    case 8 -> {
                        boolean ok2 = readable(a + 4, 4);
                        sb.append(' ').append(ok2 ? String.format(Locale.ROOT, "%08x", peek(a + 4, 4)) : "????????")
                                .append('`').append(ok ? String.format(Locale.ROOT, "%08x", v) : "????????");
                    }
                    default -> {
                        sb.append(' ').append(ok ? String.format(Locale.ROOT, "%08x", v) : "????????");
                        if (kind.equals("dps") && ok) sys.symbolAt(v).ifPresent(s -> sb.append(' ').append(s));
                    }
                }
                a += unit;
            }
            if (kind.equals("db") || kind.equals("dc")) {
                for (int b = lineStart; b != a; b++) {
                    int v = cpu.mmu.peek8(b);
                    ascii.append(v >= 0x20 && v < 0x7F ? (char) v : '.');
                }
                int pad = (kind.equals("db") ? 16 * 3 : 4 * 9) - (sb.length() - 9);
                sb.append(" ".repeat(Math.max(0, pad))).append("  ").append(ascii);
            }
            out.println(sb.toString().stripTrailing());
        }
        nextDump = a;
    }

    private void enter(String kind, String args, String line) {
        String[] parts = args.split("\\s+");
        if (parts.length < 2 || parts[0].isEmpty()) throw DebugError.syntax(line);
        int size = kind.equals("eb") ? 1 : kind.equals("ew") ? 2 : 4;
        int a = eval(parts[0]);
        for (int i = 1; i < parts.length; i++, a += size) {
            int v = eval(parts[i]);
            if (size == 1 && (v & ~0xFF) != 0 && (v | 0xFF) != -1) throw DebugError.syntax(parts[i]);
            byte[] b = new byte[size];
            for (int k = 0; k < size; k++) b[k] = (byte) (v >>> (8 * k));
            for (int k = 0; k < size; k++) {
                long p = cpu.mmu.peekTranslate(a + k);
                if (p < 0) throw DebugError.memory(String.format(Locale.ROOT, "%08x", a + k));
                cpu.hostWrite(p, b, k, 1);
            }
        }
    }

    private boolean readable(int a, int size) {
        for (int i = 0; i < size; i++) if (cpu.mmu.peek8(a + i) < 0) return false;
        return true;
    }

    /** A little-endian value of 1..4 bytes (unreadable bytes read as 0; check {@link #readable}). */
    private int peek(int a, int size) {
        int v = 0;
        for (int i = 0; i < size; i++) v |= Math.max(0, cpu.mmu.peek8(a + i)) << (8 * i);
        return v;
    }

    /** A dword the command needs: a memory error when it cannot be read. */
    private int need32(int a) {
        if (!readable(a, 4)) throw DebugError.memory(String.format(Locale.ROOT, "%08x", a));
        return peek(a, 4);
    }

    private final GuestReader reader = linear -> {
        int v = peek8((int) linear);
        if (v < 0) throw new GuestReader.Unreadable(linear);
        return v;
    };

    // ---- structures and NT state ------------------------------------------------------------------------------

    private void dt(String args, String line) {
        String[] parts = args.split("\\s+", 2);
        if (parts[0].isEmpty()) throw DebugError.syntax(line);
        Struct s = Layouts.find(parts[0]);
        if (s == null) {
            String n = parts[0].contains("!") ? parts[0] : "nt!" + parts[0];
            throw new DebugError("Symbol " + n + " not found.");
        }
        if (parts.length < 2 || parts[1].isBlank()) {
            out.print(Dt.format(s));
        } else {
            out.print(Dt.format(s, Integer.toUnsignedLong(eval(parts[1])), reader));
        }
    }

    private int field(Struct s, int base, String name) {
        return switch (s.field(name).size()) {
            case 1 -> peek(base + s.offset(name), 1);
            case 2 -> peek(base + s.offset(name), 2);
            default -> need32(base + s.offset(name));
        };
    }

    private int currentThread() {
        return need32(KPCR_ADDRESS + Layouts.KPCR.offset("PrcbData.CurrentThread"));
    }

    private void pcr() {
        Struct p = Layouts.KPCR;
        int b = KPCR_ADDRESS;
        out.printf(Locale.ROOT, "KPCR for Processor %d at %08x:%n", field(p, b, "Number"), b);
        out.printf(Locale.ROOT, "    Major %d Minor %d%n", field(p, b, "MajorVersion"), field(p, b, "MinorVersion"));
        out.printf(Locale.ROOT, "\tNtTib.ExceptionList: %08x%n", field(p, b, "NtTib.ExceptionList"));
        out.printf(Locale.ROOT, "\t            SelfPcr: %08x%n", field(p, b, "SelfPcr"));
        out.printf(Locale.ROOT, "\t               Prcb: %08x%n", field(p, b, "Prcb"));
        out.printf(Locale.ROOT, "\t               Irql: %08x%n", field(p, b, "Irql"));
        out.printf(Locale.ROOT, "\t                IDT: %08x%n", field(p, b, "IDT"));
        out.printf(Locale.ROOT, "\t                GDT: %08x%n", field(p, b, "GDT"));
        out.printf(Locale.ROOT, "\t                TSS: %08x%n", field(p, b, "TSS"));
        out.printf(Locale.ROOT, "\t      CurrentThread: %08x%n", field(p, b, "PrcbData.CurrentThread"));
        out.printf(Locale.ROOT, "\t         NextThread: %08x%n", field(p, b, "PrcbData.NextThread"));
        out.printf(Locale.ROOT, "\t         IdleThread: %08x%n", field(p, b, "PrcbData.IdleThread"));
        out.printf(Locale.ROOT, "\t      KeSystemCalls: %d%n", field(p, b, "PrcbData.KeSystemCalls"));
    }

    private void thread() {
        Struct t = Layouts.KTHREAD;
        int th = currentThread();
        int mode = field(t, th, "PreviousMode");
        int tf = field(t, th, "TrapFrame");
        int st = field(t, th, "ServiceTable");
        out.printf(Locale.ROOT, "THREAD %08x  Teb: %08x  Process: %08x  State: %d%n", th, field(t, th, "Teb"),
                field(t, th, "ApcState.Process"), field(t, th, "State"));
        out.printf(Locale.ROOT, "    InitialStack %08x  StackLimit %08x  KernelStack %08x  StackBase %08x%n",
                field(t, th, "InitialStack"), field(t, th, "StackLimit"), field(t, th, "KernelStack"), field(t, th, "StackBase"));
        out.printf(Locale.ROOT, "    TrapFrame %08x  PreviousMode %d (%s)  ServiceTable %08x (%s)%n", tf, mode,
                mode == 0 ? "KernelMode" : "UserMode", st, sys.symbolize(st));
        out.printf(Locale.ROOT, "    KernelApcDisable %d  UserApcPending %d  CallbackStack %08x  DebugActive %d%n",
                field(t, th, "KernelApcDisable"), field(t, th, "ApcState.UserApcPending"), field(t, th, "CallbackStack"),
                field(t, th, "DebugActive"));
        if (tf != 0 && readable(tf, Layouts.KTRAP_FRAME.size())) {
            Struct k = Layouts.KTRAP_FRAME;
            int eip = field(k, tf, "Eip");
            out.printf(Locale.ROOT, "    TrapFrame: Eip %08x (%s)  HardwareEsp %08x  SegCs %04x  EFlags %08x%n", eip,
                    sys.symbolize(eip), field(k, tf, "HardwareEsp"), field(k, tf, "SegCs") & 0xFFFF, field(k, tf, "EFlags"));
        }
    }

    private void idt() {
        out.println("Dumping IDT: " + String.format(Locale.ROOT, "%08x", NtSystem.IDT_BASE));
        for (int v = 0; v < (NtSystem.IDT_LIMIT + 1) / 8; v++) {
            int e = NtSystem.IDT_BASE + v * 8;
            if (!readable(e, 8)) continue;
            int lo = peek(e, 4), hi = peek(e + 4, 4);
            if ((hi & 0x8000) == 0) continue;
            int type = (hi >>> 8) & 0x1F;
            if ((type & 7) == 5) {
                out.printf(Locale.ROOT, "%02x:\tTask Selector = 0x%04X%n", v, lo >>> 16);
                continue;
            }
            int handler = (hi & 0xFFFF0000) | (lo & 0xFFFF);
            out.printf(Locale.ROOT, "%02x:\t%08x %s%s%n", v, handler, sys.symbolAt(handler).orElse(""),
                    ((hi >>> 13) & 3) == 3 ? "  (DPL 3)" : "");
        }
    }

    /** {@code k}: the EBP chain; at the thread's trap frame the walk crosses into the user-mode frames. */
    private void stack() {
        int tf = 0;
        try {
            tf = field(Layouts.KTHREAD, currentThread(), "TrapFrame");
        } catch (DebugError e) {
            // no thread yet: walk without the boundary
        }
        out.println("ChildEBP RetAddr");
        int eip = cpu.st.eip, ebp = cpu.gpr[5];
        for (int i = 0; i < MAX_FRAMES; i++) {
            if (ebp == 0 || !readable(ebp, 8)) {
                out.printf(Locale.ROOT, "%08x %8s %s%n", ebp, "", sys.symbolize(eip));
                return;
            }
            if (tf != 0 && ebp == tf) {
                Struct k = Layouts.KTRAP_FRAME;
                int uEip = field(k, tf, "Eip");
                out.printf(Locale.ROOT, "%08x %08x %s%n", ebp, uEip, sys.symbolize(eip));
                out.printf(Locale.ROOT, "--- trap frame at %08x: Eip %08x HardwareEsp %08x Ebp %08x SegCs %04x ---%n",
                        tf, uEip, field(k, tf, "HardwareEsp"), field(k, tf, "Ebp"), field(k, tf, "SegCs") & 0xFFFF);
                eip = uEip;
                ebp = field(k, tf, "Ebp");
                tf = 0;
                continue;
            }
            int ret = peek(ebp + 4, 4);
            out.printf(Locale.ROOT, "%08x %08x %s%n", ebp, ret, sys.symbolize(eip));
            int next = peek(ebp, 4);
            if (ret == 0 || Integer.compareUnsigned(next, ebp) <= 0 && !(tf != 0 && next == tf)) return;
            eip = ret;
            ebp = next;
        }
    }

    // ---- expressions ------------------------------------------------------------------------------------------

    private int eval(String text) {
        return Expr.eval(text, this);
    }

    @Override
    public Cpu cpu() {
        return cpu;
    }

    @Override
    public int peek8(int linear) {
        return cpu.mmu.peek8(linear);
    }

    @Override
    public Long symbol(String module, String name) {
        if (module != null && module.equalsIgnoreCase("program")) module = programModule();
        return sys.modules.symbol(module, name);
    }

    private String programModule() {
        String n = sys.image.name();
        int dot = n.lastIndexOf('.');
        return dot > 0 ? n.substring(0, dot) : n;
    }
}
