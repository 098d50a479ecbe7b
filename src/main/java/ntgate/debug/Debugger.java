package ntgate.debug;

import ntgate.asm.Disassembler;
import ntgate.cpu.Cpu;
import ntgate.cpu.CpuHooks;
import ntgate.cpu.decode.Insn;
import ntgate.nt.NtSystem;
import ntgate.nt.layout.Layouts;
import ntgate.nt.layout.Struct;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A WinDbg-style kernel debugger attached to a booted machine. This class holds the session (output, the
 * command table, the parsing of command lines) and is the CPU's hook; the commands live in families:
 * {@link Execution} (t, p, g, gu, ta, pa, wt, gc, gh, gn), {@link Breakpoints} (bp, bu, bm, ba, bl, bc, bd, be),
 * {@link Registers} (r, rdmsr, wrmsr), {@link Memory} (d*, e*, s, a, .formats), {@link Code} (u, ub, uf),
 * {@link Symbols} (x, ln, lm), {@link Machine} (dg, !pte, !vtop, !idt, !pcr, !thread, !process, .trap, .cxr,
 * .exr), {@link Stack} (k, kb, kv, kn, kp), {@link DtCommand} (dt) and {@link Scripting} (j, .if, $$&lt;,
 * .logopen, help). Memory is read and written without side effects on the machine (no faults, no A/D bits,
 * no CR2). A command that fails prints one line and the session goes on.
 *
 * <p>{@link #monitor(String)} is the one entry point for other front ends (the GDB stub's {@code monitor CMD}):
 * it executes one command line and returns what it printed.
 */
public final class Debugger implements CpuHooks, Expr.Context {
    /** KPCR of processor 0 (NT-FACTS §2.3). */
    public static final int KPCR_ADDRESS = ntgate.nt.layout.Nt.KIP0PCRADDRESS;

    final NtSystem sys;
    final Cpu cpu;
    final PrintStream out;
    final long budget;
    final Disassembler dis;
    /** The language of the annotations {@code u} shows. */
    ntgate.asm.Lang lang = ntgate.asm.Lang.EN;
    private final Sink sink;
    private final Map<String, Command> commands = new LinkedHashMap<>();
    private final Map<String, String> help = new LinkedHashMap<>();

    final Execution exec;
    final Breakpoints bps;
    final Registers regs;
    final Memory memory;
    final Code code;
    final Symbols symbols;
    final Machine machine;
    final Stack stack;
    final Scripting scripting;

    /** One command: its arguments (the text after the verb) and the whole command for error messages. */
    @FunctionalInterface
    interface Command {
        void run(String args, String line);
    }

    /** What the console's Enter repeats: the last stepping or dumping command, or null. */
    private String repeatable;

    public Debugger(NtSystem sys, PrintStream target, long budget) {
        this.sys = sys;
        this.cpu = sys.cpu;
        this.sink = new Sink(target);
        this.out = new PrintStream(sink, true, StandardCharsets.UTF_8);
        this.budget = budget;
        this.dis = new Disassembler(true, sys::symbolAt);
        this.exec = new Execution(this);
        this.bps = new Breakpoints(this);
        this.regs = new Registers(this);
        this.memory = new Memory(this);
        this.code = new Code(this);
        this.symbols = new Symbols(this);
        this.machine = new Machine(this);
        this.stack = new Stack(this);
        this.scripting = new Scripting(this);
        DtCommand dt = new DtCommand(this);
        command("dt", "dt [-r[n]] [-b] nt!_TYPE [addr] [field...]  a structure, nested types as types", dt::run);
        exec.register();
        bps.register();
        regs.register();
        memory.register();
        code.register();
        symbols.register();
        machine.register();
        stack.register();
        scripting.register();
        command("q", "q  leave the debugger", (a, l) -> {
        });
        command("qq", null, (a, l) -> {
        });
        cpu.setHooks(this);
        code.nextUnassemble = cpu.st.eip;
    }

    /** Chooses the language of the annotations {@code u} shows beside the kernel's and ntdll's instructions. */
    public void setLanguage(ntgate.asm.Lang lang) {
        this.lang = lang;
    }

    /** Adds a command; {@code helpLine} (null: none) is what {@code help} prints for it. */
    void command(String verb, String helpLine, Command c) {
        commands.put(verb, c);
        if (helpLine != null) help.put(verb, helpLine);
    }

    Map<String, String> helpLines() {
        return help;
    }

    /** Prints the registers as the session opens (stopped before the first instruction). */
    public void attach() {
        out.println("ntgate debugger: stopped before the first instruction (" + sys.symbolize(cpu.st.eip) + ")");
        regs.show();
    }

    /** Runs a script: commands separated by ';' (outside quotes and braces) or newlines, each echoed after the prompt. */
    public boolean script(String text) {
        for (String line : text.split("\n")) {
            List<String> parts = split(line);
            if (parts.isEmpty()) parts = List.of("");
            for (String c : parts) {
                if (!c.isEmpty() && memory.assembling < 0) out.println("kd> " + c);
                if (!executeOne(c)) return false;
            }
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
            if (!consoleLine(line)) return;
        }
    }

    /**
     * One line typed at the console: an empty line repeats the last stepping or dumping command (as WinDbg's
     * Enter does); false when the session should end ({@code q}).
     */
    public boolean consoleLine(String line) {
        if (line.isBlank() && memory.assembling >= 0) {
            memory.assembleLine("");
            return true;
        }
        if (line.isBlank()) {
            return repeatable == null || execute(repeatable);
        }
        return execute(line);
    }

    /**
     * Executes one command line (commands separated by ';' outside quotes and braces), printing to the session's
     * output; false when it held {@code q}.
     */
    public boolean execute(String line) {
        for (String c : split(line)) {
            if (!executeOne(c)) return false;
        }
        out.flush();
        return true;
    }

    /**
     * Executes one command line as {@link #execute} does and returns what it printed (the GDB stub's
     * {@code monitor CMD}); {@code q} is refused there, the session goes on.
     */
    public synchronized String monitor(String line) {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream saved = sink.swap(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            for (String c : split(line)) {
                String v = verb(c);
                if (v.equals("q") || v.equals("qq")) {
                    out.println("q is not available here: detach the client to end the session");
                    break;
                }
                executeOne(c);
            }
            out.flush();
        } finally {
            sink.swap(saved);
        }
        return buf.toString(StandardCharsets.UTF_8);
    }

    /** Why the session can no longer run the machine, or null. */
    public String ended() {
        return exec.ended;
    }

    /** How the machine stopped for good (a bug check, a triple fault, ...), or null while it can run. */
    public NtSystem.End end() {
        return exec.endKind;
    }

    /** Asks the running guest to stop at the next instruction (Ctrl-C); safe from another thread. */
    public void requestBreak() {
        exec.breakRequested = true;
    }

    /** Executes one command; false when it was {@code q}. */
    boolean executeOne(String command) {
        String c = command.strip();
        if (memory.assembling >= 0) {
            try {
                memory.assembleLine(c);
            } catch (DebugError e) {
                out.println(e.getMessage());
            }
            return true;
        }
        if (c.isEmpty()) return true;
        try {
            String v = verb(c);
            if (v.equals("q") || v.equals("qq")) return false;
            dispatch(c);
            if (exec.commandDepth == 0) {
                // Execution commands that breakpoint commands deferred run here, one after another, not nested.
                for (String next = exec.takeContinuation(); next != null; next = exec.takeContinuation()) dispatch(next);
            }
        } catch (DebugError e) {
            out.println(e.getMessage());
        }
        return true;
    }

    private static String verb(String line) {
        if (line.startsWith("$$<")) return "$$<";
        if (line.startsWith("??")) return "??";
        if (line.startsWith("?")) return "?";
        int sp = 0;
        while (sp < line.length() && !Character.isWhitespace(line.charAt(sp)) && line.charAt(sp) != '"') sp++;
        return line.substring(0, sp).toLowerCase(Locale.ROOT);
    }

    private void dispatch(String line) {
        String verb = verb(line);
        String args = line.substring(verb.length()).strip();
        Command c = commands.get(verb);
        if (c == null) {
            // WinDbg's r and d accept the first argument glued to the verb: "reax", "dd" is a command of its own.
            if (verb.startsWith("r") && verb.length() > 1 && regs.known(verb.substring(1).split("=")[0])) {
                c = commands.get("r");
                args = line.substring(1).strip();
            } else {
                throw DebugError.syntax(line);
            }
        }
        c.run(args, line);
        repeatable = switch (verb) {
            case "t", "p", "ta", "pa", "tc", "pc" -> line;
            case "u", "db", "dw", "dd", "dq", "dc", "da", "du", "dps", "dds", "d", "ub" -> verb;
            default -> repeatable;
        };
    }

    /**
     * Splits a command line at ';' outside "double", 'single' quotes and {braces}; a {@code j} command keeps
     * its else branch ({@code j (cond) 'a' ; 'b'}).
     */
    static List<String> split(String line) {
        List<String> parts = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        char quote = 0;
        int braces = 0;
        for (int i = 0; i < line.length(); i++) {
            char ch = line.charAt(i);
            if (quote != 0) {
                if (ch == quote) quote = 0;
                cur.append(ch);
                continue;
            }
            if (ch == '"' || ch == '\'') quote = ch;
            if (ch == '{') braces++;
            if (ch == '}') braces = Math.max(0, braces - 1);
            if (ch == ';' && braces == 0) {
                parts.add(cur.toString().strip());
                cur.setLength(0);
                continue;
            }
            cur.append(ch);
        }
        parts.add(cur.toString().strip());
        List<String> joined = new ArrayList<>();
        for (int i = 0; i < parts.size(); i++) {
            String p = parts.get(i);
            if (p.isEmpty() && parts.size() == 1) continue;
            if (verb(p).equals("j") && i + 1 < parts.size()) {
                p = p + " ; " + parts.get(++i);
            }
            joined.add(p);
        }
        return joined;
    }

    // ---- the CPU's hooks --------------------------------------------------------------------------------------

    @Override
    public boolean beforeInsn(Cpu c, Insn insn) {
        return exec.before(c, insn);
    }

    @Override
    public void afterInsn(Cpu c, Insn insn, int eip) {
        exec.after(c, insn, eip);
    }

    // ---- helpers the families share ---------------------------------------------------------------------------

    int eval(String text) {
        return Expr.eval(text, this);
    }

    boolean readable(int a, int size) {
        for (int i = 0; i < size; i++) if (cpu.mmu.peek8(a + i) < 0) return false;
        return true;
    }

    /** A little-endian value of 1..4 bytes (unreadable bytes read as 0; check {@link #readable}). */
    int peek(int a, int size) {
        int v = 0;
        for (int i = 0; i < size; i++) v |= Math.max(0, cpu.mmu.peek8(a + i)) << (8 * i);
        return v;
    }

    /** A dword the command needs: a memory error when it cannot be read. */
    int need32(int a) {
        if (!readable(a, 4)) throw DebugError.memory(hex(a));
        return peek(a, 4);
    }

    /** Writes bytes through the page tables, without faults; a memory error at the first unmapped byte. */
    void poke(int a, byte[] b) {
        for (int k = 0; k < b.length; k++) {
            long p = cpu.mmu.peekTranslate(a + k);
            if (p < 0) throw DebugError.memory(hex(a + k));
            cpu.hostWrite(p, b, k, 1);
        }
    }

    /** A field of a structure at {@code base} (1, 2 or 4 bytes). */
    int field(Struct s, int base, String name) {
        return switch (s.field(name).size()) {
            case 1 -> peek(base + s.offset(name), 1);
            case 2 -> peek(base + s.offset(name), 2);
            default -> need32(base + s.offset(name));
        };
    }

    int currentThread() {
        return need32(KPCR_ADDRESS + Layouts.KPCR.offset("PrcbData.CurrentThread"));
    }

    Disassembler.Line disassemble(int address) {
        return dis.disassemble(cpu.mmu::peek8, address);
    }

    static String hex(int v) {
        return String.format(Locale.ROOT, "%08x", v);
    }

    String programModule() {
        String n = sys.image.name();
        int dot = n.lastIndexOf('.');
        return dot > 0 ? n.substring(0, dot) : n;
    }

    /** Starts or stops copying the session's output to a log ({@code .logopen}); null stops. */
    void log(OutputStream log) throws IOException {
        sink.log(log);
    }

    // ---- expressions ------------------------------------------------------------------------------------------

    @Override
    public Integer register(String name) {
        return regs.value(name);
    }

    @Override
    public int peek8(int linear) {
        return cpu.mmu.peek8(linear);
    }

    @Override
    public Long symbol(String module, String name) {
        if (module != null && module.equalsIgnoreCase("program")) module = programModule();
        Long v = sys.modules.symbol(module, name);
        if (v == null && module == null) {
            // A module's name stands for its base address, as in WinDbg ("u nt", "s -d hello L100 0").
            String m = name.equalsIgnoreCase("program") ? programModule() : name;
            v = sys.modules.byName(m).map(x -> Integer.toUnsignedLong(x.base())).orElse(null);
        }
        return v;
    }

    /** The session's output: the console (or a monitor's buffer), and a log when one is open. */
    private static final class Sink extends OutputStream {
        private PrintStream target;
        private OutputStream log;

        Sink(PrintStream target) {
            this.target = target;
        }

        PrintStream swap(PrintStream t) {
            PrintStream old = target;
            target = t;
            return old;
        }

        void log(OutputStream l) throws IOException {
            if (log != null) log.close();
            log = l;
        }

        @Override
        public void write(int b) {
            target.write(b);
            if (log != null) {
                try {
                    log.write(b);
                } catch (IOException e) {
                    log = null;
                }
            }
        }

        @Override
        public void write(byte[] b, int off, int len) {
            target.write(b, off, len);
            if (log != null) {
                try {
                    log.write(b, off, len);
                } catch (IOException e) {
                    log = null;
                }
            }
        }

        @Override
        public void flush() throws IOException {
            target.flush();
            if (log != null) log.flush();
        }
    }
}
