package ntgate.debug;

import ntgate.asm.Disassembler;
import ntgate.cpu.Cpu;
import ntgate.cpu.decode.Insn;
import ntgate.cpu.decode.Op;
import ntgate.nt.NtStatus;
import ntgate.nt.NtSystem;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Execution control: {@code t}, {@code p}, {@code g}, {@code gu}, {@code ta}, {@code pa}, {@code wt}, {@code gc},
 * {@code gh}, {@code gn}, and the stop conditions the CPU's hooks test before and after each instruction
 * (breakpoints, one-shot addresses, the end of a step, a Ctrl-C break-in). In user mode {@code t} and {@code p}
 * take {@code sysenter} and {@code int 2Eh} as one step, as WinDbg does debugging a user-mode process: the step
 * ends at the first instruction back in ring 3 (breakpoints in the kernel still stop it). A guest {@code int 3}
 * stops the machine before it executes ("Break instruction exception"); {@code g} and {@code gh} then go on after
 * it (the debugger handled it), {@code gn} lets the guest's own KiTrap03 take it.
 */
final class Execution {
    private final Debugger d;

    // Armed for one resume, read by the hooks.
    private boolean first, stepOne, stopNext, oneShotSet, oneShotEspCheck, stepOut, untilUser;
    private int oneShot, oneShotEsp, stepOutEsp, stepOutCpl;
    /** The breakpoint that stopped the machine, or -1. */
    int hit = -1;
    volatile boolean breakRequested;
    private boolean brokeIn, int3Event;
    /** The address of the guest int 3 the machine is stopped at, or -1. */
    private long int3At = -1;
    private WatchTrace wt;

    /** Why the machine cannot run any more (the process exited, a bug check, ...), or null. */
    String ended;
    NtSystem.End endKind;
    private boolean lastWasGo;

    /** Breakpoint commands run at this depth; an execution command there is deferred to the top level. */
    int commandDepth;
    private String continuation;

    /** Thrown by an execution command inside breakpoint commands: the rest of them is skipped. */
    static final class Deferred extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Deferred() {
            super(null, null, false, false);
        }
    }

    Execution(Debugger d) {
        this.d = d;
    }

    void register() {
        d.command("t", "t [count]  trace: one instruction (sysenter/int 2Eh in user mode: one step)", (a, l) -> step(count(a, l), false, l));
        d.command("p", "p [count]  step over calls, rep, int (sysenter/int 2Eh in user mode: one step)", (a, l) -> step(count(a, l), true, l));
        d.command("ta", "ta addr  trace to an address, showing each step", (a, l) -> toAddress(a, false, l));
        d.command("pa", "pa addr  step to an address, showing each step", (a, l) -> toAddress(a, true, l));
        d.command("g", "g [addr]  go (to addr)", (a, l) -> go(a, l, true));
        d.command("gh", "gh  go, the exception handled (after a guest int 3)", (a, l) -> go(a, l, true));
        d.command("gn", "gn  go, the exception not handled (the guest's handler takes it)", (a, l) -> go(a, l, false));
        d.command("gc", "gc  go on from a conditional breakpoint as the machine was going", this::goConditional);
        d.command("gu", "gu  go up: run until the current function returns", this::goUp);
        d.command("wt", "wt  watch-trace the current function: instructions per call", this::watchTrace);
    }

    /** The execution command deferred by breakpoint commands, taken. */
    String takeContinuation() {
        String c = continuation;
        continuation = null;
        return c;
    }

    private void deferIfInCommands(String line) {
        if (commandDepth > 0) {
            continuation = line;
            throw new Deferred();
        }
    }

    // ---- the hooks ----------------------------------------------------------------------------------------------

    boolean before(Cpu c, Insn insn) {
        if (first) {
            // The instruction the session is stopped at runs even when a breakpoint is set on it.
            first = false;
            if (stepOne) stopNext = true;
            return true;
        }
        if (breakRequested) {
            breakRequested = false;
            brokeIn = true;
            return false;
        }
        if (stopNext) return false;
        if (untilUser && c.st.cpl == 3) return false;
        int eip = c.st.eip;
        if (oneShotSet && eip == oneShot && (!oneShotEspCheck || Integer.compareUnsigned(c.gpr[4], oneShotEsp) >= 0)) {
            return false;
        }
        if (wt == null) {
            int b = d.bps.executeHit(c.st.segBase[1] + eip);
            if (b >= 0) {
                hit = b;
                return false;
            }
        }
        if (insn.op == Op.INT3 || insn.op == Op.INT_Ib && (insn.imm & 0xFF) == 3) {
            int3Event = true;
            return false;
        }
        return true;
    }

    void after(Cpu c, Insn insn, int eip) {
        if (wt != null) {
            wt.after(c, insn);
            return;
        }
        int data = d.bps.dataHit();
        if (data >= 0) {
            hit = data;
            stopNext = true;
        }
        if (stepOut && c.st.cpl == stepOutCpl && (insn.op == Op.RET || insn.op == Op.RET_Iw) && Integer.compareUnsigned(c.gpr[4], stepOutEsp) > 0) {
            stopNext = true;
        }
    }

    // ---- the commands -------------------------------------------------------------------------------------------

    private static int count(String args, String line) {
        if (args.isEmpty()) return 1;
        Integer n = Expr.number(args);
        if (n == null || n <= 0) throw DebugError.syntax(line);
        return n;
    }

    /** True when the instruction at EIP enters the kernel from user mode (sysenter, int 2Eh). */
    private boolean atGate() {
        if (d.cpu.st.cpl != 3) return false;
        Disassembler.Line l = d.disassemble(d.cpu.st.eip);
        String t = l.text().replaceAll("\\s+", " ");
        return t.equals("sysenter") || t.equals("int 2Eh") || t.equals("int 2eh");
    }

    private void step(int n, boolean over, String line) {
        deferIfInCommands(line);
        lastWasGo = false;
        for (int i = 0; i < n; i++) {
            armStep(over);
            if (!resume(true)) return;
        }
    }

    private void armStep(boolean over) {
        if (atGate()) {
            untilUser = true;
            return;
        }
        stepOne = true;
        if (over) {
            Disassembler.Line l = d.disassemble(d.cpu.st.eip);
            String t = l.text();
            if (t.startsWith("call") || t.startsWith("rep") || t.startsWith("int ")) {
                stepOne = false;
                oneShotSet = true;
                oneShot = d.cpu.st.eip + l.length();
                oneShotEspCheck = true;
                oneShotEsp = d.cpu.gpr[4];
            }
        }
    }

    private void toAddress(String args, boolean over, String line) {
        deferIfInCommands(line);
        if (args.isEmpty()) throw DebugError.syntax(line);
        int target = d.eval(args);
        lastWasGo = false;
        long limit = d.budget;
        for (long i = 0; i < limit && d.cpu.st.eip != target; i++) {
            armStep(over);
            if (!resume(true)) return;
            if (hit >= 0) return;
        }
    }

    private void go(String args, String line, boolean handled) {
        deferIfInCommands(line);
        lastWasGo = true;
        if (!args.isEmpty()) {
            oneShotSet = true;
            oneShot = d.eval(args);
        }
        if (handled && int3At >= 0 && Integer.toUnsignedLong(d.cpu.st.eip) == int3At) {
            d.cpu.st.eip += d.disassemble(d.cpu.st.eip).length();   // the debugger took the exception: on after the int 3
            d.code.nextUnassemble = d.cpu.st.eip;
        }
        resume(true);
    }

    private void goConditional(String args, String line) {
        deferIfInCommands(line);
        if (!args.isEmpty()) throw DebugError.syntax(line);
        if (lastWasGo) resume(true);
    }

    private void goUp(String args, String line) {
        deferIfInCommands(line);
        if (!args.isEmpty()) throw DebugError.syntax(line);
        lastWasGo = false;
        stepOut = true;
        stepOutEsp = d.cpu.gpr[4];
        stepOutCpl = d.cpu.st.cpl;
        resume(true);
    }

    private void watchTrace(String args, String line) {
        deferIfInCommands(line);
        if (!args.isEmpty()) throw DebugError.syntax(line);
        if (ended != null) throw new DebugError(ended);
        int ret = d.stack.returnAddress();
        d.out.printf(Locale.ROOT, "Tracing %s to return address %08x%n", function(d.cpu.st.eip), ret);
        wt = new WatchTrace(function(d.cpu.st.eip));
        try {
            resume(false);
            wt.finish();
        } finally {
            wt = null;
        }
        d.regs.show();
    }

    /** The function an address is in: its symbol without the offset. */
    private String function(int address) {
        String s = d.sys.symbolize(address);
        int plus = s.indexOf("+0x");
        return plus > 0 ? s.substring(0, plus) : s;
    }

    /** {@code wt}: counts instructions per function invocation and prints the call tree as WinDbg does. */
    private final class WatchTrace {
        private final class Frame {
            String name;
            long own, children, subtotal;

            Frame(String name) {
                this.name = name;
            }
        }

        private final List<Frame> frames = new ArrayList<>();
        private final Map<String, long[]> stats = new LinkedHashMap<>();   // invocations, min, max, total
        private long total;
        private boolean done;

        WatchTrace(String name) {
            frames.add(new Frame(name));
        }

        void after(Cpu c, Insn insn) {
            if (done) return;
            total++;
            Frame f = frames.get(frames.size() - 1);
            f.own++;
            f.subtotal++;
            int op = insn.op;
            String now = function(c.st.eip);
            if (op == Op.SYSENTER || op == Op.INT_Ib || op == Op.INT3 || op == Op.CALL_Jz || op == Op.CALL_Ev || op == Op.CALLF_Ap || op == Op.CALLF_Mp) {
                print(f);
                frames.add(new Frame(now));
            } else if (op == Op.RET || op == Op.RET_Iw || op == Op.RETF || op == Op.RETF_Iw || op == Op.SYSEXIT || op == Op.IRET) {
                print(f);
                record(f);
                frames.remove(frames.size() - 1);
                if (frames.isEmpty()) {
                    done = true;
                    stopNext = true;
                    return;
                }
                Frame parent = frames.get(frames.size() - 1);
                parent.children += f.subtotal;
                parent.subtotal += f.subtotal;
            } else if (!now.equals(f.name) && (op == Op.JMP_Jb || op == Op.JMP_Jz || op == Op.JMP_Ev)) {
                // A jump into another function (an import thunk): a new segment at the same depth.
                print(f);
                record(f);
                Frame g = new Frame(now);
                g.subtotal = f.subtotal;
                f.subtotal = 0;
                frames.set(frames.size() - 1, g);
            }
        }

        private void print(Frame f) {
            int depth = frames.size() - 1;
            d.out.printf(Locale.ROOT, "%5d %5d [%3d] %s%s%n", f.own, f.children, depth, "  ".repeat(depth), f.name);
        }

        private void record(Frame f) {
            long[] s = stats.computeIfAbsent(f.name, k -> new long[] {0, Long.MAX_VALUE, 0, 0});
            s[0]++;
            s[1] = Math.min(s[1], f.own);
            s[2] = Math.max(s[2], f.own);
            s[3] += f.own;
        }

        void finish() {
            if (!done) {
                for (int i = frames.size() - 1; i >= 0; i--) {
                    print(frames.get(i));
                    record(frames.get(i));
                }
            }
            d.out.println();
            d.out.printf(Locale.ROOT, "%d instructions were executed in %d events (0 from other threads)%n", total, total);
            d.out.println();
            d.out.printf(Locale.ROOT, "%-43s %11s %7s %7s %7s%n", "Function Name", "Invocations", "MinInst", "MaxInst", "AvgInst");
            stats.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> {
                long[] s = e.getValue();
                d.out.printf(Locale.ROOT, "%-43s %11d %7d %7d %7d%n", e.getKey(), s[0], s[1], s[2], s[3] / s[0]);
            });
        }
    }

    // ---- running ------------------------------------------------------------------------------------------------

    /** Runs the machine under the armed stop conditions; false when it can no longer run. */
    boolean resume(boolean show) {
        try {
            if (ended != null) throw new DebugError(ended);
            first = true;
            stopNext = false;
            hit = -1;
            brokeIn = false;
            int3Event = false;
            int3At = -1;
            NtSystem.End end = d.sys.run(d.budget);
            switch (end) {
                case BREAK -> {
                    disarm();
                    if (brokeIn || int3Event) {
                        d.out.println("Break instruction exception - code 80000003 (first chance)");
                        if (int3Event) int3At = Integer.toUnsignedLong(d.cpu.st.eip);
                    }
                    if (hit >= 0) {
                        d.out.println("Breakpoint " + hit + " hit");
                        String cmds = d.bps.hitCommands(hit);
                        if (cmds != null) {
                            runCommands(cmds);
                            return true;
                        }
                    }
                    if (show) d.regs.show();
                    return true;
                }
                case BUDGET -> {
                    d.out.printf(Locale.ROOT, "instruction budget used up (%d instructions)%n", d.budget);
                    d.regs.show();
                    return false;
                }
                case EXITED -> ended = "the process exited with status " + NtStatus.describe(d.sys.k.exitStatus);
                case BUG_CHECK -> ended = String.format(Locale.ROOT, "bug check 0x%08X (0x%08x, 0x%08x, 0x%08x, 0x%08x)",
                        d.sys.k.bugCheck.code(), d.sys.k.bugCheck.p1(), d.sys.k.bugCheck.p2(), d.sys.k.bugCheck.p3(),
                        d.sys.k.bugCheck.p4());
                case TRIPLE_FAULT -> ended = "triple fault: the processor shut down";
                case HALTED -> ended = "the processor halted at " + d.sys.symbolize(d.cpu.st.eip);
                case DEADLOCK -> ended = String.valueOf(d.sys.k.deadlock);
                default -> ended = "stopped: " + end;
            }
            endKind = end;
            d.out.println("ntgate: " + ended + " (" + d.cpu.icount + " instructions); memory can still be inspected");
            return false;
        } finally {
            disarm();
            d.code.nextUnassemble = d.cpu.st.eip;
        }
    }

    private void disarm() {
        stepOne = false;
        stopNext = false;
        oneShotSet = false;
        oneShotEspCheck = false;
        stepOut = false;
        untilUser = false;
    }

    /** A breakpoint's commands; an execution command among them is taken up by the top level afterwards. */
    private void runCommands(String cmds) {
        commandDepth++;
        try {
            for (String c : Debugger.split(unquote(cmds))) d.executeOne(c);
        } catch (Deferred e) {
            // the continuation is set: the top level runs it
        } finally {
            commandDepth--;
        }
    }

    static String unquote(String s) {
        String t = s.strip();
        if (t.length() >= 2 && (t.charAt(0) == '"' || t.charAt(0) == '\'') && t.charAt(t.length() - 1) == t.charAt(0)) {
            return t.substring(1, t.length() - 1);
        }
        return t;
    }
}
