package ntgate.report;

import ntgate.cpu.Cpu;
import ntgate.cpu.CpuFault;
import ntgate.cpu.CpuHooks;
import ntgate.cpu.decode.Insn;
import ntgate.cpu.decode.Op;
import ntgate.cpu.mem.Mmu;
import ntgate.nt.NtSystem;
import ntgate.nt.ke.Services;
import ntgate.nt.layout.Layouts;
import ntgate.nt.layout.Nt;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Records a run for the HTML report, as a subscriber to the execution hooks: one {@link Call} for every system
 * call (where user mode left and came back, the arguments as the kernel will read them, the status), and for
 * the calls worth stepping through a {@link Trip}: every instruction from {@code sysenter} / {@code int 2Eh} to
 * {@code sysexit} / {@code iretd}, with the registers before it and the memory it wrote.
 *
 * <p>A trip is recorded only for the picked call and the first call of each service (up to {@link #MAX_TRIPS}):
 * the page holds the timeline of all calls but the step data of a few, and the calls in between run with the
 * write log off and nothing but two tests per instruction. Guest memory is read with the MMU's tool accesses (no
 * faults, no accessed bits), so recording does not change the run.
 */
public final class Capture implements CpuHooks, Mmu.WriteLog {
    /** How many trips the page keeps at most (besides the picked call). */
    public static final int MAX_TRIPS = 40;
    /** A trip longer than this many instructions is cut (a call that ran away in the kernel). */
    public static final int MAX_STEPS = 20_000;
    /** Ints per step before its writes: EIP, the eight GPRs, EFLAGS, CS SS DS ES FS GS, CPL, write count. */
    static final int STEP_HEAD = 18;

    public enum Entry { SYSENTER, INT2E, KERNEL }

    public enum Exit { SYSEXIT, IRETD, JMP_EDX, NONE }

    /** What picks the call shown first: its 1-based number in the run, or the first call of a service. */
    public record Pick(int call, String service) {
        public static Pick first() {
            return new Pick(1, null);
        }
    }

    /** One system call of the run. */
    public static final class Call {
        public int index;
        public int number;
        public Entry entry;
        public Exit exit = Exit.NONE;
        public int status;
        public long icountStart, icountEnd;
        /** The arguments as dwords read from the caller's argument block (null entries: unreadable). */
        public long[] args;
        /** The decoded argument text, one per argument. */
        public String[] argText;
        /** User-mode return addresses at entry, innermost first. */
        public int[] userStack;
        public int callerEsp, returnEip;
        public Trip trip;
        /** The delivery wrapper (KiDeliverApc, KiDispatchException, ...) the call ran, or null. */
        public String delivered;

        public boolean returned() {
            return exit != Exit.NONE;
        }

        public Services.Service service() {
            return Services.byNumber(number);
        }
    }

    /** The instruction-level record of one call. */
    public static final class Trip {
        /** Steps: {@link #STEP_HEAD} ints then (address, size, value) per write; see {@link #stepAt}. */
        int[] data = new int[4096];
        int size;
        int[] starts = new int[256];
        int steps;
        public int esp0, thread, frame = -1;
        /** KTHREAD.ServiceTable, and the descriptor's fields for the call's table, at entry. */
        public int serviceTable, descriptor, base, limit, numberTable;
        public int routine = -1, argBytes = -1;
        public boolean cut;

        public int steps() {
            return steps;
        }

        public int stepAt(int i) {
            return starts[i];
        }

        public int[] data() {
            return data;
        }

        public int eip(int step) {
            return data[starts[step]];
        }

        public int reg(int step, int r) {
            return data[starts[step] + 1 + r];
        }

        public int eflags(int step) {
            return data[starts[step] + 9];
        }

        public int writes(int step) {
            return data[starts[step] + STEP_HEAD - 1];
        }

        /** Write {@code w} of step {@code step}: {address, size, value}. */
        public int[] write(int step, int w) {
            int at = starts[step] + STEP_HEAD + 3 * w;
            return new int[] {data[at], data[at + 1], data[at + 2]};
        }

        void clear() {
            size = 0;
            steps = 0;
            frame = -1;
            routine = -1;
            argBytes = -1;
            cut = false;
        }

        void ensure(int n) {
            if (size + n > data.length) data = Arrays.copyOf(data, Math.max(data.length * 2, size + n));
        }

        Trip copy() {
            Trip t = new Trip();
            t.data = Arrays.copyOf(data, size);
            t.size = size;
            t.starts = Arrays.copyOf(starts, steps);
            t.steps = steps;
            t.esp0 = esp0;
            t.thread = thread;
            t.frame = frame;
            t.serviceTable = serviceTable;
            t.descriptor = descriptor;
            t.base = base;
            t.limit = limit;
            t.numberTable = numberTable;
            t.routine = routine;
            t.argBytes = argBytes;
            t.cut = cut;
            return t;
        }
    }

    private final NtSystem sys;
    private final Pick pick;
    private final ArgDecoder decoder;
    private final List<Call> calls = new ArrayList<>();
    private final List<Call> open = new ArrayList<>();
    private final Set<Integer> tripServices = new HashSet<>();
    private int kept;
    private final int kiSystemService, jmpEdx;
    /** The host-call wrappers that deliver an APC or an exception by editing the trap frame. */
    private final int[] deliveries;
    private final int trapFrameOffset, kpcrThread;
    private final Trip scratch = new Trip();
    /** The call whose trip is being recorded, or null. */
    private Call recording;
    private boolean lastWasInt2e;

    public Capture(NtSystem sys, Pick pick) {
        this.sys = sys;
        this.pick = pick == null ? Pick.first() : pick;
        this.decoder = new ArgDecoder(sys);
        this.kiSystemService = sys.kernelSymbol("KiSystemService");
        this.jmpEdx = findJmpEdx(sys);
        this.deliveries = deliveryWrappers(sys);
        this.trapFrameOffset = Layouts.KTHREAD.offset("TrapFrame");
        this.kpcrThread = Nt.KIP0PCRADDRESS + Layouts.KPCR.offset("PrcbData.CurrentThread");
    }

    /** The kernel-caller exit's {@code jmp edx} (after KiSystemCallExitBranch), or 0. */
    private static int findJmpEdx(NtSystem sys) {
        long branch = sys.kernel.symbols().getOrDefault("KiSystemCallExitBranch", -1L);
        for (ntgate.asm.AsmRecord r : sys.kernel.instructions()) {
            if (r.address() > branch && r.source().replaceAll("\\s+", " ").strip().equalsIgnoreCase("jmp edx")) return (int) r.address();
        }
        return 0;
    }

    /** The names of the host-call wrappers that deliver an APC or an exception by editing the trap frame. */
    public static final List<String> DELIVERY = List.of("KiDeliverApc", "KiDispatchException", "KiRaiseException", "KiContinue");

    private static int[] deliveryWrappers(NtSystem sys) {
        return DELIVERY.stream().map(n -> sys.kernel.symbols().get(n)).filter(java.util.Objects::nonNull).mapToInt(v -> (int) (long) v).toArray();
    }

    public List<Call> calls() {
        return calls;
    }

    /** Ends the capture: calls still open never returned; the write log is turned off. */
    public void finish() {
        if (recording != null) keepOrDrop(recording);
        recording = null;
        open.clear();
        sys.cpu.mmu.setWriteLog(null);
    }

    // ---- hooks ------------------------------------------------------------------------------------------------

    @Override
    public boolean beforeInsn(Cpu cpu, Insn in) {
        int eip = cpu.st.eip;
        // An INT 2Eh enters KiSystemService by the IDT (a kernel caller calls it); the INT may fault instead.
        boolean afterInt2e = lastWasInt2e;
        lastWasInt2e = in.op == Op.INT_Ib && (in.imm & 0xFF) == 0x2E;
        if (cpu.st.cpl == 3) {
            boolean sysenter = in.op == Op.SYSENTER;
            if (sysenter || in.op == Op.INT_Ib && (in.imm & 0xFF) == 0x2E) {
                if (recording != null) keepOrDrop(recording);   // the previous call never came back
                recording = null;
                open.clear();
                begin(cpu, sysenter ? Entry.SYSENTER : Entry.INT2E, sysenter ? cpu.gpr[2] + 8 : cpu.gpr[2]);
            }
        } else {
            if (eip == kiSystemService && !afterInt2e) begin(cpu, Entry.KERNEL, cpu.gpr[2]);
            if (!open.isEmpty()) {
                for (int i = 0; i < deliveries.length; i++) {
                    if (eip == deliveries[i]) open.get(open.size() - 1).delivered = DELIVERY.get(i);
                }
            }
        }
        if (recording != null) step(cpu);
        return true;
    }

    @Override
    public void afterInsn(Cpu cpu, Insn in, int eip) {
        if (open.isEmpty()) return;
        Call top = open.get(open.size() - 1);
        if ((in.op == Op.SYSEXIT || in.op == Op.IRET) && cpu.st.cpl == 3 && top.entry != Entry.KERNEL) {
            end(cpu, top, in.op == Op.SYSEXIT ? Exit.SYSEXIT : Exit.IRETD);
        } else if (eip == jmpEdx && top.entry == Entry.KERNEL) {
            end(cpu, top, Exit.JMP_EDX);
        }
    }

    @Override
    public void onFault(Cpu cpu, CpuFault fault, int eip) {
        // The fault's delivery writes (the exception frame) are logged to the faulting step.
    }

    @Override
    public void written(int linear, int size) {
        if (recording == null) return;
        Trip t = scratch;
        if (t.steps == 0) return;
        t.ensure(3);
        t.data[t.size++] = linear;
        t.data[t.size++] = size;
        t.data[t.size++] = 0;   // read when the step ends (the value after the instruction)
        t.data[t.starts[t.steps - 1] + STEP_HEAD - 1]++;
    }

    // ---- calls ------------------------------------------------------------------------------------------------

    private void begin(Cpu cpu, Entry entry, int argPointer) {
        Call c = new Call();
        c.index = calls.size() + 1;
        c.number = cpu.gpr[0];
        c.entry = entry;
        c.icountStart = cpu.icount;
        c.callerEsp = cpu.gpr[4];
        Services.Service sv = Services.byNumber(c.number);
        int n = sv == null ? 0 : sv.argCount();
        c.args = new long[n];
        for (int i = 0; i < n; i++) c.args[i] = peek32(argPointer + 4 * i);
        c.argText = decoder.decode(sv, c.args);
        c.userStack = entry == Entry.KERNEL ? new int[0] : userStack(cpu);
        calls.add(c);
        open.add(c);
        if (recording == null && wanted(c)) {
            recording = c;
            startTrip(cpu, c);
            sys.cpu.mmu.setWriteLog(this);
        }
    }

    private void end(Cpu cpu, Call c, Exit exit) {
        c.exit = exit;
        c.status = cpu.gpr[0];
        c.icountEnd = cpu.icount;
        c.returnEip = cpu.st.eip;
        open.remove(c);
        if (c == recording) {
            step(cpu);   // the state back in the caller
            keepOrDrop(c);
            recording = null;
        }
    }

    private boolean picked(Call c) {
        if (pick.service() != null) {
            Services.Service sv = c.service();
            return sv != null && sv.name().equalsIgnoreCase(pick.service()) && !pickedDone;
        }
        return c.index == pick.call();
    }

    private boolean pickedDone;

    /** Whether a trip is recorded for {@code c}: the picked call, and the first call of each service. */
    private boolean wanted(Call c) {
        if (picked(c)) {
            pickedDone = true;
            return true;
        }
        if (kept < MAX_TRIPS && tripServices.add(c.number)) {
            kept++;
            return true;
        }
        return false;
    }

    private void keepOrDrop(Call c) {
        Trip t = scratch;
        finishStep(t);
        c.trip = t.copy();
        t.clear();
        sys.cpu.mmu.setWriteLog(null);
    }

    /** Whether {@code c} is the call the page opens on. */
    public boolean isPicked(Call c) {
        if (pick.service() != null) {
            for (Call x : calls) {
                Services.Service sv = x.service();
                if (sv != null && sv.name().equalsIgnoreCase(pick.service())) return x == c;
            }
            return false;
        }
        return c.index == pick.call();
    }

    private void startTrip(Cpu cpu, Call c) {
        Trip t = scratch;
        t.clear();
        t.thread = peek32(kpcrThread) == -1L ? 0 : (int) peek32(kpcrThread);
        int tss = (int) peek32(Nt.KIP0PCRADDRESS + Layouts.KPCR.offset("TSS"));
        t.esp0 = (int) peek32(tss + Layouts.KTSS.offset("Esp0"));
        t.serviceTable = (int) peek32(t.thread + Layouts.KTHREAD.offset("ServiceTable"));
        int table = (c.number >>> 12) & 3;
        int index = c.number & 0xFFF;
        t.descriptor = t.serviceTable + table * Layouts.KSERVICE_TABLE_DESCRIPTOR.size();
        t.base = (int) peek32(t.descriptor + Layouts.KSERVICE_TABLE_DESCRIPTOR.offset("Base"));
        t.limit = (int) peek32(t.descriptor + Layouts.KSERVICE_TABLE_DESCRIPTOR.offset("Limit"));
        t.numberTable = (int) peek32(t.descriptor + Layouts.KSERVICE_TABLE_DESCRIPTOR.offset("Number"));
        if (Integer.compareUnsigned(index, t.limit) < 0) {
            t.routine = (int) peek32(t.base + 4 * index);
            t.argBytes = sys.cpu.mmu.peek8(t.numberTable + index);
        }
    }

    private void step(Cpu cpu) {
        Trip t = scratch;
        finishStep(t);
        if (t.steps >= MAX_STEPS) {
            t.cut = true;
            return;
        }
        int eip = cpu.st.eip;
        if (t.frame == -1 && t.thread != 0 && t.steps > 0) {
            // The first trap frame the call publishes in KTHREAD.TrapFrame is the one it built.
            int f = (int) peek32(t.thread + trapFrameOffset);
            if (t.steps > 2 && f != 0 && Integer.compareUnsigned(f, t.esp0) < 0 && Integer.compareUnsigned(t.esp0 - f, 0x1000) < 0
                    && frameJustWritten(t)) {
                t.frame = f;
            }
        }
        if (t.steps == t.starts.length) t.starts = Arrays.copyOf(t.starts, t.steps * 2);
        t.ensure(STEP_HEAD);
        t.starts[t.steps++] = t.size;
        int[] d = t.data;
        int at = t.size;
        d[at] = eip;
        System.arraycopy(cpu.gpr, 0, d, at + 1, 8);
        d[at + 9] = cpu.st.eflags();
        for (int s = 0; s < 6; s++) d[at + 10 + s] = cpu.st.segSel[SEG_ORDER[s]];
        d[at + 16] = cpu.st.cpl;
        d[at + 17] = 0;
        t.size += STEP_HEAD;
    }

    /** CS SS DS ES FS GS in the CPU's segment numbering. */
    private static final int[] SEG_ORDER = {ntgate.cpu.Seg.CS, ntgate.cpu.Seg.SS, ntgate.cpu.Seg.DS, ntgate.cpu.Seg.ES, ntgate.cpu.Seg.FS, ntgate.cpu.Seg.GS};

    /** Whether the step just finished wrote KTHREAD.TrapFrame. */
    private boolean frameJustWritten(Trip t) {
        int s = t.steps - 1;
        int a = t.thread + trapFrameOffset;
        for (int w = 0; w < t.writes(s); w++) {
            int at = t.starts[s] + STEP_HEAD + 3 * w;
            if (t.data[at] == a) return true;
        }
        return false;
    }

    /** Reads the values the last step wrote (now that it has retired). */
    private void finishStep(Trip t) {
        if (t.steps == 0) return;
        int s = t.steps - 1;
        int n = t.data[t.starts[s] + STEP_HEAD - 1];
        for (int w = 0; w < n; w++) {
            int at = t.starts[s] + STEP_HEAD + 3 * w;
            int a = t.data[at], size = t.data[at + 1];
            int v = 0;
            for (int b = 0; b < size; b++) v |= (sys.cpu.mmu.peek8(a + b) & 0xFF) << (8 * b);
            t.data[at + 2] = v;
        }
    }

    private int[] userStack(Cpu cpu) {
        int[] out = new int[16];
        int n = 0;
        int esp = cpu.gpr[4];
        // [ESP] returns into the ntdll stub, [ESP+4] into its caller; then the caller's EBP chain.
        for (int i = 0; i < 2; i++) {
            long v = peek32(esp + 4 * i);
            if (v > 0) out[n++] = (int) v;
        }
        int ebp = cpu.gpr[5];
        for (int i = 0; i < 12 && n < out.length; i++) {
            if (ebp == 0 || Integer.compareUnsigned(ebp, esp) < 0 || Integer.compareUnsigned(ebp, Nt.MM_SYSTEM_RANGE_START) >= 0) break;
            long ret = peek32(ebp + 4), next = peek32(ebp);
            if (ret <= 0 || next < 0) break;
            if (n == 0 || out[n - 1] != (int) ret) out[n++] = (int) ret;
            if (Integer.compareUnsigned((int) next, ebp) <= 0) break;
            ebp = (int) next;
        }
        return Arrays.copyOf(out, n);
    }

    /** A dword read for a tool: no fault, no accessed bit; -1 when a byte of it is not mapped. */
    long peek32(int a) {
        long v = 0;
        for (int b = 0; b < 4; b++) {
            int x = sys.cpu.mmu.peek8(a + b);
            if (x < 0) return -1;
            v |= (long) x << (8 * b);
        }
        return v;
    }
}
