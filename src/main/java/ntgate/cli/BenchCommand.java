package ntgate.cli;

import ntgate.cpu.Cpu;
import ntgate.cpu.FlatMachine;
import ntgate.nt.NtSystem;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code ntgate bench}: the standard workloads. Each runs on a fresh flat machine for a fixed instruction
 * count after a warm-up, several times; the median is reported.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Run the standard workloads and print per-workload speed (median of --runs runs).")
public final class BenchCommand implements Callable<Integer> {
    @Option(names = "--json", description = "Print the figures as one JSON object.")
    boolean json;

    @Option(names = "--insns", description = "Instructions per measured run (default ${DEFAULT-VALUE}).", defaultValue = "200000000")
    long insns;

    @Option(names = "--runs", description = "Measured runs per workload (default ${DEFAULT-VALUE}).", defaultValue = "5")
    int runs;

    @Option(names = "--only", description = "Run only the workloads whose name contains this text.")
    String only;

    @Option(names = "--calls", description = "System calls per measured run of the gate workloads (default ${DEFAULT-VALUE}).",
            defaultValue = "2000000")
    int calls;

    /** A workload: code bytes run at the flat machine's code base; {@code unit} says how to report it. */
    record Workload(String name, String what, byte[] code, int insnsPerIter, long bytesPerIter, int divisor) {
        Workload(String name, String what, byte[] code, int insnsPerIter, long bytesPerIter) {
            this(name, what, code, insnsPerIter, bytesPerIter, 1);
        }
    }

    static List<Workload> workloads() {
        List<Workload> w = new ArrayList<>();
        // L: add eax,ebx / xor edx,eax / sub ebx,3 / inc esi / cmp eax,esi / jl +2 / not edi / dec ecx / jnz L
        w.add(new Workload("alu-branch", "ALU and conditional branches (9-instruction loop)", hex(
                "01 D8 31 C2 83 EB 03 46 39 F0 7C 02 F7 D7 49 75 EF"), 0, 0));
        // start: mov esi,0x200000 / mov edi,0x400000 / mov ecx,0x4000 / L: mov eax,[esi] / mov [edi],eax /
        //        add esi,4 / add edi,4 / dec ecx / jnz L / jmp start      (64 KiB per outer iteration)
        w.add(new Workload("copy-loop", "memory copy, hand-written dword loop", hex(
                "BE 00 00 20 00 BF 00 00 40 00 B9 00 40 00 00 8B 06 89 07 83 C6 04 83 C7 04 49 75 F3 EB E2"),
                4 + 6 * 0x4000, 0x10000));
        // start: mov esi,0x200000 / mov edi,0x400000 / mov ecx,0x4000 / rep movsd / jmp start
        w.add(new Workload("rep-movsd", "memory copy, REP MOVSD of 64 KiB", hex(
                "BE 00 00 20 00 BF 00 00 40 00 B9 00 40 00 00 F3 A5 EB ED"), 5, 0x10000, 4096));
        // (a REP MOVSD of 16384 dwords retires as one instruction, so this workload runs --insns/4096)
        // L: call f / dec ecx / jmp L / f: ret
        w.add(new Workload("call-ret", "CALL/RET-heavy loop", hex("E8 03 00 00 00 49 EB F8 C3"), 0, 0));
        return w;
    }

    @Override
    public Integer call() {
        if (insns <= 0 || runs <= 0) {
            System.err.println("ntgate bench: --insns and --runs must be positive");
            return 2;
        }
        if (calls <= 0) {
            System.err.println("ntgate bench: --calls must be positive");
            return 2;
        }
        List<String> rows = new ArrayList<>();
        StringBuilder js = new StringBuilder("{\"machine\":").append(Json.quote(machine())).append(",\"workloads\":{");
        boolean first = true;
        for (GateWorkload g : GATE_WORKLOADS) {
            if (only != null && !g.name().contains(only)) continue;
            String row;
            try {
                row = gate(g, js, first);
            } catch (NtSystem.LoadError e) {
                System.err.println("ntgate bench: " + e.getMessage());
                return 70;
            }
            if (row == null) {
                System.err.println("ntgate bench: " + g.name() + ": the guest loop did not finish");
                return 70;
            }
            rows.add(row);
            first = false;
        }
        for (Workload w : workloads()) {
            if (only != null && !w.name().contains(only)) continue;
            double[] mips = new double[runs];
            long n = Math.max(1, insns / w.divisor());
            Cpu cpu = FlatMachine.create(false);
            load(cpu, w);
            cpu.run(Math.min(n, 50_000_000L));   // warm-up: let HotSpot compile the loop
            for (int r = 0; r < runs; r++) {
                load(cpu, w);
                long t0 = System.nanoTime();
                cpu.run(n);
                long dt = System.nanoTime() - t0;
                mips[r] = n / (dt / 1e3);
            }
            Arrays.sort(mips);
            double med = mips[runs / 2];
            String extra = "";
            if (w.bytesPerIter() > 0) {
                double mbps = med * 1e6 / w.insnsPerIter() * w.bytesPerIter() / 1e6;
                extra = String.format(Locale.ROOT, ",\"MBps\":%.0f", mbps);
                // A REP retires as one instruction, so MIPS says nothing about a divided workload: MB/s only.
                String rate = w.divisor() > 1 ? String.format(Locale.ROOT, "%13s", "") : String.format(Locale.ROOT, "%8.1f MIPS", med);
                rows.add(String.format(Locale.ROOT, "%-12s %s %8.0f MB/s   %s", w.name(), rate, mbps, w.what()));
            } else {
                rows.add(String.format(Locale.ROOT, "%-12s %8.1f MIPS              %s", w.name(), med, w.what()));
            }
            if (!first) js.append(',');
            first = false;
            js.append(String.format(Locale.ROOT, "\"%s\":{\"MIPS\":%.1f%s,\"runs\":%d,\"insns\":%d}", w.name(), med, extra, runs, n));
        }
        js.append("}}");
        if (json) {
            System.out.println(js);
        } else {
            System.out.println("ntgate bench (" + machine() + "; median of " + runs + " runs of " + insns
                    + " instructions, or " + calls + " system calls for the gate workloads)");
            rows.forEach(System.out::println);
        }
        return 0;
    }

    /** A system-call workload: NtTestAlert (nothing pending) in a counted loop, through the real gate. */
    record GateWorkload(String name, String what, boolean int2e) {}

    static final List<GateWorkload> GATE_WORKLOADS = List.of(
            new GateWorkload("gate-sysenter", "NtTestAlert round trips via ntdll, SYSENTER/SYSEXIT", false),
            new GateWorkload("gate-int2e", "NtTestAlert round trips via ntdll, INT 2Eh/IRETD", true));

    /** The guest loop: ESI counts the calls down; the process ends with status 0 when it reaches zero. */
    public static String gateProgram(int calls) {
        return "extern NtTestAlert\nsection .text\nglobal start\nstart:\n"
                + "    mov esi, " + calls + "\n"
                + "again:\n    call NtTestAlert\n    dec esi\n    jnz again\n    xor eax, eax\n    ret\n";
    }

    private NtSystem bootGate(GateWorkload g, int n) throws NtSystem.LoadError {
        NtSystem.Options o = new NtSystem.Options();
        o.int2e = g.int2e();
        o.commandLine = g.name();
        o.stdout = java.io.OutputStream.nullOutputStream();
        o.stderr = java.io.OutputStream.nullOutputStream();
        return NtSystem.boot(gateProgram(n), g.name() + ".asm", o);
    }

    /** Runs one gate workload (warm-up, then --runs measured runs on fresh machines); null if the loop never ended. */
    private String gate(GateWorkload g, StringBuilder js, boolean first) throws NtSystem.LoadError {
        long budget = 1_000L * calls + 10_000_000L;
        NtSystem warm = bootGate(g, Math.min(calls, 1_000_000));
        if (warm.run(budget) != NtSystem.End.EXITED) return null;
        double[] rate = new double[runs];
        double[] mips = new double[runs];
        long insnsPerCall = 0;
        // Thread CPU time as well as wall time: on a loaded machine the wall figure measures the other processes too.
        java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
        boolean cpuTime = mx.isCurrentThreadCpuTimeSupported();
        double[] cpuRate = new double[runs];
        for (int r = 0; r < runs; r++) {
            NtSystem sys = bootGate(g, calls);
            long i0 = sys.cpu.icount;
            long c0 = cpuTime ? mx.getCurrentThreadCpuTime() : 0;
            long t0 = System.nanoTime();
            NtSystem.End end = sys.run(budget);
            long dt = System.nanoTime() - t0;
            long dc = cpuTime ? mx.getCurrentThreadCpuTime() - c0 : dt;
            if (end != NtSystem.End.EXITED) return null;
            long insns = sys.cpu.icount - i0;
            insnsPerCall = Math.round((double) insns / calls);
            rate[r] = calls / (dt / 1e9);
            mips[r] = insns / (dt / 1e3);
            cpuRate[r] = calls / (Math.max(dc, 1) / 1e9);
        }
        Arrays.sort(rate);
        Arrays.sort(mips);
        Arrays.sort(cpuRate);
        double med = rate[runs / 2], medMips = mips[runs / 2], medCpu = cpuRate[runs / 2];
        if (!first) js.append(',');
        js.append(String.format(Locale.ROOT, "\"%s\":{\"roundTripsPerSecond\":%.0f,\"roundTripsPerCpuSecond\":%.0f,"
                + "\"MIPS\":%.1f,\"insnsPerRoundTrip\":%d,\"runs\":%d,\"calls\":%d}",
                g.name(), med, medCpu, medMips, insnsPerCall, runs, calls));
        return String.format(Locale.ROOT, "%-13s %8.1f MIPS %10.0f round trips/s (%.0f per CPU second; %d insns each)   %s",
                g.name(), medMips, med, medCpu, insnsPerCall, g.what());
    }

    private static void load(Cpu cpu, Workload w) {
        FlatMachine.reset(cpu, false);
        cpu.hostWrite(FlatMachine.CODE_BASE, w.code(), 0, w.code().length);
        cpu.gpr[1] = -1;   // ECX: the counted loops run far longer than any measurement
    }

    static String machine() {
        return Runtime.getRuntime().availableProcessors() + " cores, Java " + System.getProperty("java.version")
                + ", " + System.getProperty("os.arch");
    }

    static byte[] hex(String s) {
        return EvalCommand.parseHex(s);
    }
}
