package ntgate.trace;

import ntgate.asm.Disassembler;
import ntgate.cpu.Cpu;
import ntgate.cpu.CpuFault;
import ntgate.cpu.CpuHooks;
import ntgate.cpu.decode.Insn;
import ntgate.cpu.decode.Op;
import ntgate.cpu.mem.Mmu;
import ntgate.nt.NtSystem;
import ntgate.nt.ke.Services;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Turns the CPU's execution hooks into {@link TraceEvent}s for one listener: the system calls
 * ({@code --trace syscalls}: where user mode leaves with SYSENTER or INT 2Eh in ring 3, arguments read at EDX+8
 * or EDX as the kernel reads them, and where the call comes back to ring 3 after SYSEXIT or IRETD), the gate
 * ({@code --trace gate}: every instruction from that SYSENTER or INT 2Eh to the SYSEXIT or IRETD that returns),
 * and every instruction ({@code --trace insns}). Installed only when a trace is asked for, so an untraced run
 * keeps the CPU's fast loop.
 */
public final class Tracer implements CpuHooks, Mmu.WriteLog, Mmu.ReadLog {
    /** What to report. */
    public enum Scope { SYSCALLS, GATE, INSNS }

    private final NtSystem sys;
    private final TraceListener out;
    private final TraceFilter filter;
    private final boolean calls, gate, insns, reads;
    private final Disassembler dis;
    /** The language of the annotations shown (none for an instruction whose bytes were overwritten). */
    private ntgate.asm.Lang lang = ntgate.asm.Lang.EN;

    /** Calls that left ring 3 and have not come back, innermost first. */
    private final ArrayDeque<TraceEvent.CallEntry> pending = new ArrayDeque<>();
    private boolean returning;
    /** Inside the gate of a call the filter passes. */
    private boolean inGate;
    /** Inside a call the filter passes (ring 0 side). */
    private boolean inCall;

    // The instruction being recorded.
    private boolean recording;
    private int[] before;
    private final int[] writes = new int[128];
    private int nWrites;
    private final int[] readsLog = new int[128];
    private int nReads;
    private Insn current;

    public Tracer(NtSystem sys, java.util.Set<Scope> scopes, TraceFilter filter, TraceListener out) {
        this.sys = sys;
        this.out = out;
        this.filter = filter == null ? TraceFilter.ALL : filter;
        this.calls = scopes.contains(Scope.SYSCALLS);
        this.gate = scopes.contains(Scope.GATE);
        this.insns = scopes.contains(Scope.INSNS);
        this.reads = (gate || insns) && out.wantsReads();
        this.dis = new Disassembler(true, sys::symbolAt);
        if (gate || insns) {
            sys.cpu.mmu.setWriteLog(this);
            if (reads) sys.cpu.mmu.setReadLog(this);
        }
    }

    /** Shows the annotations in {@code lang} (English where a line has no text in it); returns this tracer. */
    public Tracer language(ntgate.asm.Lang lang) {
        this.lang = lang;
        return this;
    }

    /**
     * Decodes each call's arguments at entry ({@code decoder} gets the service, null when undeclared, and the
     * argument dwords, -1 where unreadable); returns this tracer.
     */
    public Tracer decodeArguments(java.util.function.BiFunction<Services.Service, long[], String[]> decoder) {
        this.argDecoder = decoder;
        return this;
    }

    private java.util.function.BiFunction<Services.Service, long[], String[]> argDecoder;

    /** A text trace ({@link TextTrace}) of these scopes to {@code out}, unfiltered. */
    public static Tracer text(NtSystem sys, java.io.PrintStream out, Scope first, Scope... more) {
        return new Tracer(sys, java.util.EnumSet.of(first, more), TraceFilter.ALL, new TextTrace(out).symbols(sys::symbolize).implemented(sys::implemented));
    }

    @Override
    public void written(int linear, int size) {
        if (recording && nWrites + 2 <= writes.length) {
            writes[nWrites++] = linear;
            writes[nWrites++] = size;
        }
    }

    @Override
    public void read(int linear, int size) {
        if (recording && nReads + 2 <= readsLog.length) {
            readsLog[nReads++] = linear;
            readsLog[nReads++] = size;
        }
    }

    @Override
    public boolean beforeInsn(Cpu cpu, Insn in) {
        if (returning && cpu.st.cpl == 3) {
            returning = false;
            inCall = false;
            if (!pending.isEmpty()) {
                TraceEvent.CallEntry c = pending.pop();
                if (calls && filter.call(c.number())) {
                    out.event(new TraceEvent.CallExit(cpu.icount, c.number(), c.service(), true, cpu.gpr[0]));
                }
            }
        }
        if (cpu.st.cpl == 3) {
            boolean sysenter = in.op == Op.SYSENTER;
            if (sysenter || in.op == Op.INT_Ib && (in.imm & 0xFF) == 0x2E) enter(cpu, sysenter);
        }
        boolean wanted = insns ? filter.address(cpu.st.eip) && (!filter.hasServices() || inCall) : inGate && filter.address(cpu.st.eip);
        if (wanted) {
            recording = true;
            current = in;
            before = registers(cpu, cpu.st.eip);
            nWrites = 0;
            nReads = 0;
        }
        return true;
    }

    private void enter(Cpu cpu, boolean sysenter) {
        while (!pending.isEmpty()) {
            // The previous call never came back to ring 3.
            TraceEvent.CallEntry c = pending.pop();
            if (calls && filter.call(c.number())) out.event(new TraceEvent.CallExit(cpu.icount, c.number(), c.service(), false, 0));
        }
        int number = cpu.gpr[0];
        Services.Service sv = Services.byNumber(number);
        String name = sv == null ? null : sv.name();
        int argPointer = sysenter ? cpu.gpr[2] + 8 : cpu.gpr[2];
        int n = sv == null ? 0 : sv.argCount();
        List<Integer> args = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            Integer v = null;
            try {
                v = cpu.mmu.read32(argPointer + 4 * i);
            } catch (CpuFault e) {
                // not readable from user mode: the kernel's probe will fail the call
            }
            args.add(v);
        }
        List<String> decoded = null;
        if (argDecoder != null) {
            long[] raw = new long[n];
            for (int i = 0; i < n; i++) raw[i] = args.get(i) == null ? -1 : Integer.toUnsignedLong(args.get(i));
            decoded = List.of(argDecoder.apply(sv, raw));
        }
        TraceEvent.CallEntry c = new TraceEvent.CallEntry(cpu.icount, cpu.st.eip, number, name, sysenter, argPointer,
                Collections.unmodifiableList(args), decoded);
        pending.push(c);
        boolean pass = filter.call(number);
        inCall = pass;
        if (calls && pass) out.event(c);
        if (gate && pass) {
            inGate = true;
            out.event(new TraceEvent.GateEntry(cpu.icount, cpu.st.eip, number, name, sysenter, cpu.gpr[0], cpu.gpr[2]));
        }
    }

    @Override
    public void afterInsn(Cpu cpu, Insn in, int eip) {
        if (recording) {
            recording = false;
            out.event(step(cpu, eip, null));
        }
        if ((in.op == Op.SYSEXIT || in.op == Op.IRET) && cpu.st.cpl == 3) {
            returning = true;
            if (inGate) {
                inGate = false;
                out.event(new TraceEvent.GateExit(cpu.icount, cpu.st.eip, cpu.gpr[0]));
            }
        }
    }

    @Override
    public void onFault(Cpu cpu, CpuFault fault, int eip) {
        if (recording) {
            recording = false;
            nWrites = 0;
            nReads = 0;
            out.event(step(cpu, eip, fault.getMessage()));
        }
    }

    /** The run is over: calls still open never returned. */
    public void finish() {
        while (!pending.isEmpty()) {
            TraceEvent.CallEntry c = pending.pop();
            if (calls && filter.call(c.number())) out.event(new TraceEvent.CallExit(sys.cpu.icount, c.number(), c.service(), false, 0));
        }
        out.finish();
    }

    private static int[] registers(Cpu cpu, int eip) {
        int[] r = new int[10];
        System.arraycopy(cpu.gpr, 0, r, 0, 8);
        r[8] = eip;
        r[9] = cpu.st.eflags();
        return r;
    }

    private TraceEvent.Step step(Cpu cpu, int eip, String fault) {
        Insn in = current;
        byte[] bytes = new byte[in.len];
        for (int i = 0; i < bytes.length; i++) bytes[i] = (byte) Math.max(0, cpu.mmu.peek8(eip + i));
        return new TraceEvent.Step(cpu.icount, eip, cpu.st.cpl, sys.symbolAt(eip).orElse(""), bytes, dis.text(in, eip),
                sys.annotations().at(eip, lang, cpu.mmu::peek8), before, registers(cpu, cpu.st.eip), accesses(cpu, readsLog, nReads),
                accesses(cpu, writes, nWrites), fault);
    }

    private static List<TraceEvent.Access> accesses(Cpu cpu, int[] log, int n) {
        if (n == 0) return List.of();
        List<TraceEvent.Access> l = new ArrayList<>(n / 2);
        for (int i = 0; i < n; i += 2) {
            int a = log[i], size = log[i + 1];
            byte[] d = new byte[size];
            boolean ok = true;
            for (int k = 0; k < size; k++) {
                int b = cpu.mmu.peek8(a + k);
                if (b < 0) ok = false;
                d[k] = (byte) b;
            }
            if (ok) l.add(new TraceEvent.Access(a, d));
        }
        return Collections.unmodifiableList(l);
    }
}
