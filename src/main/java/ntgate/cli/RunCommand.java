package ntgate.cli;

import ntgate.nt.NtStatus;
import ntgate.nt.NtSystem;
import ntgate.trace.DrcovCoverage;
import ntgate.trace.JsonlTrace;
import ntgate.trace.ModuleMap;
import ntgate.trace.TenetTrace;
import ntgate.trace.TextTrace;
import ntgate.trace.TraceFilter;
import ntgate.trace.TraceListener;
import ntgate.trace.Tracer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code ntgate run FILE}: boots the machine and runs one program through the real gate. */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = {
            "Boot the XP SP3 kernel and run a program through the real system-call gate.",
            "The program is a PE32 i386 executable (.exe, or any file starting with MZ)",
            "importing only ntdll.dll, or a NASM-syntax .asm file (extern names bind to ntdll exports;",
            "execution starts at the global label 'start', else at the start of .text, and returning ends the process",
            "with EAX as its status).",
            "Exit codes: 0 and 1-111 = the guest's exit status; 112 = any other guest status (full NTSTATUS on stderr);",
            "113 = unhandled exception; 114 = bug check, triple fault or halt; 115 = deadlock; 116 = instruction budget",
            "used up; 117 = the program could not be loaded; 118 = usage error; 119 = internal error in ntgate."})
public final class RunCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "FILE", description = "The program (.exe or .asm).")
    Path file;

    @Option(names = "--trace", paramLabel = "WHAT", split = ",",
            description = "What to trace (on stderr unless --trace-file): syscalls (one line per call), gate (every instruction"
                    + " from SYSENTER/INT 2Eh to SYSEXIT/IRETD), insns (every instruction).")
    java.util.List<String> trace = new java.util.ArrayList<>();

    @Option(names = "--trace-file", paramLabel = "FILE", description = "Write the trace to FILE instead of stderr.")
    Path traceFile;

    @Option(names = "--trace-format", paramLabel = "FORMAT", defaultValue = "text",
            description = "text (default), jsonl (one JSON object per event) or tenet (IDA Tenet's trace format; implies --trace insns).")
    String traceFormat;

    @Option(names = "--trace-filter", paramLabel = "TERMS",
            description = "Keep only these services (NtWriteFile, Nt*), modules (nt, ntdll, the program) or address ranges"
                    + " (401000-401fff), comma-separated.")
    java.util.List<String> traceFilter = new java.util.ArrayList<>();

    @Option(names = "--coverage", paramLabel = "FILE", description = "Write the basic blocks executed to FILE as drcov coverage (Lighthouse).")
    Path coverage;

    @Option(names = "--int2e", description = "Make ntdll enter the kernel with INT 2Eh (KiIntSystemCall) instead of SYSENTER.")
    boolean int2e;

    @Option(names = "--image-base", paramLabel = "ADDR", converter = HexInt.class,
            description = "Load the .exe at ADDR (hex, 64 KiB aligned) instead of its preferred base: applies its base relocations.")
    Integer imageBase;

    /** Parses 0x-prefixed or plain hexadecimal. */
    static final class HexInt implements picocli.CommandLine.ITypeConverter<Integer> {
        @Override
        public Integer convert(String v) {
            String h = v.startsWith("0x") || v.startsWith("0X") ? v.substring(2) : v;
            return (int) Long.parseLong(h, 16);
        }
    }

    @Option(names = "--driver", paramLabel = "FILE.sys",
            description = "Load a kernel driver before the program starts (repeatable; loaded in order, DriverEntry at PASSIVE_LEVEL, DriverUnload at the end).")
    java.util.List<Path> driverFiles = new java.util.ArrayList<>();

    @Option(names = "--lang", paramLabel = "en|zh", converter = LangOption.class, description = LangOption.DESCRIPTION)
    ntgate.asm.Lang lang = ntgate.asm.Lang.EN;

    @Option(names = "--max-insns", defaultValue = "2000000000", paramLabel = "N",
            description = "Instruction budget (default ${DEFAULT-VALUE}).")
    long maxInsns;

    @Option(names = "--memory", paramLabel = "SIZE", converter = MemorySize.class,
            description = "Guest RAM: a size in bytes with K, M or G (default 512M, what an XP SP3 machine of 2008 had; "
                    + "16M to 2047M). Allocated as the guest touches it; committing more than it holds is "
                    + "STATUS_COMMITMENT_LIMIT.")
    Integer memory;

    /** Parses 512M, 1G, 65536K or a byte count. */
    static final class MemorySize implements picocli.CommandLine.ITypeConverter<Integer> {
        @Override
        public Integer convert(String v) {
            String t = v.trim().toUpperCase(java.util.Locale.ROOT);
            if (t.endsWith("IB")) t = t.substring(0, t.length() - 2);
            else if (t.endsWith("B")) t = t.substring(0, t.length() - 1);
            long mul = 1;
            if (t.endsWith("K")) mul = 1L << 10;
            else if (t.endsWith("M")) mul = 1L << 20;
            else if (t.endsWith("G")) mul = 1L << 30;
            if (mul != 1) t = t.substring(0, t.length() - 1);
            long n;
            try {
                n = Long.parseLong(t);
            } catch (NumberFormatException e) {
                throw new picocli.CommandLine.TypeConversionException("'" + v + "' is not a size (e.g. 512M, 1G)");
            }
            if (n <= 0 || n > (1L << 40) / mul) throw new picocli.CommandLine.TypeConversionException("'" + v + "' is not a size (e.g. 512M, 1G)");
            long bytes = n * mul;
            if (bytes < NtSystem.MIN_MEMORY || bytes > ntgate.cpu.mem.PhysicalMemory.MAX_SIZE) {
                throw new picocli.CommandLine.TypeConversionException("'" + v + "': the guest RAM must be between 16M and 2047M");
            }
            if ((bytes & 0xFFF) != 0) throw new picocli.CommandLine.TypeConversionException("'" + v + "' is not a multiple of 4K");
            return (int) bytes;
        }
    }

    @Override
    public Integer call() {
        java.util.EnumSet<Tracer.Scope> scopes = java.util.EnumSet.noneOf(Tracer.Scope.class);
        for (String t : trace) {
            switch (t) {
                case "syscalls" -> scopes.add(Tracer.Scope.SYSCALLS);
                case "gate" -> scopes.add(Tracer.Scope.GATE);
                case "insns" -> scopes.add(Tracer.Scope.INSNS);
                default -> {
                    System.err.println("ntgate run: unknown --trace '" + t + "' (expected syscalls, gate or insns)");
                    return ExitCodes.USAGE;
                }
            }
        }
        if (!traceFormat.equals("text") && !traceFormat.equals("jsonl") && !traceFormat.equals("tenet")) {
            System.err.println("ntgate run: unknown --trace-format '" + traceFormat + "' (expected text, jsonl or tenet)");
            return ExitCodes.USAGE;
        }
        if (scopes.isEmpty() && (traceFile != null || !traceFilter.isEmpty() || !traceFormat.equals("text"))) {
            scopes.add(traceFormat.equals("tenet") ? Tracer.Scope.INSNS : Tracer.Scope.SYSCALLS);
        }
        if (traceFormat.equals("tenet") && !scopes.contains(Tracer.Scope.INSNS) && !scopes.contains(Tracer.Scope.GATE)) {
            System.err.println("ntgate run: a tenet trace records instructions: use --trace insns or --trace gate");
            return ExitCodes.USAGE;
        }
        if (maxInsns <= 0) {
            System.err.println("ntgate run: --max-insns must be positive");
            return ExitCodes.USAGE;
        }
        ProgramFile program = ProgramFile.open("run", file, imageBase);
        if (program == null) return ExitCodes.LOAD_ERROR;
        drivers = ProgramFile.drivers("run", driverFiles);
        if (drivers == null) return ExitCodes.LOAD_ERROR;
        PrintStream out = new PrintStream(new BufferedOutputStream(System.out, 1 << 16), false);
        PrintStream err = new PrintStream(new BufferedOutputStream(System.err, 1 << 16), false, java.nio.charset.StandardCharsets.UTF_8);
        java.io.ByteArrayOutputStream stdinSeen = new java.io.ByteArrayOutputStream();
        NtSystem.Options o = options(out, err, new java.io.FilterInputStream(System.in) {
            @Override
            public int read() throws IOException {
                int b = super.read();
                if (b >= 0) stdinSeen.write(b);
                return b;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                int n = super.read(b, off, len);
                if (n > 0) stdinSeen.write(b, off, n);
                return n;
            }
        });
        NtSystem sys = program.boot("run", o);
        if (sys == null) return ExitCodes.LOAD_ERROR;
        TraceFilter filter;
        try {
            filter = TraceFilter.parse(traceFilter, new ModuleMap(sys));
        } catch (TraceFilter.BadFilter e) {
            System.err.println("ntgate run: --trace-filter: " + e.getMessage());
            return ExitCodes.USAGE;
        }
        PrintStream traceOut = err;
        if (traceFile != null) {
            try {
                traceOut = new PrintStream(new BufferedOutputStream(java.nio.file.Files.newOutputStream(traceFile), 1 << 16), false,
                        java.nio.charset.StandardCharsets.UTF_8);
            } catch (IOException | RuntimeException e) {
                System.err.println("ntgate run: cannot write the trace file " + traceFile + ": " + e.getMessage());
                return ExitCodes.USAGE;
            }
        }
        Tracer tracer = null;
        if (!scopes.isEmpty()) {
            TraceListener l = switch (traceFormat) {
                case "jsonl" -> new JsonlTrace(traceOut, a -> sys.symbolAt(a).orElse(null));
                case "tenet" -> new TenetTrace(traceOut);
                default -> new TextTrace(traceOut).symbols(sys::symbolize).implemented(sys::implemented);
            };
            tracer = new Tracer(sys, scopes, filter, l).language(lang);
            if (traceFormat.equals("jsonl")) tracer.decodeArguments(new ntgate.report.ArgDecoder(sys)::decode);
        }
        DrcovCoverage cov = coverage == null ? null : new DrcovCoverage(new ModuleMap(sys));
        int code;
        try {
            code = execute(sys, tracer, cov, maxInsns, out, err);
        } finally {
            // Kept even when ntgate fails internally: the trace so far is the user's best clue.
            if (traceFile != null) traceOut.close();
        }
        if (traceFile != null && traceOut.checkError()) System.err.println("ntgate run: error writing the trace file " + traceFile);
        if (cov != null) {
            try (java.io.OutputStream covOut = new BufferedOutputStream(java.nio.file.Files.newOutputStream(coverage))) {
                cov.write(covOut);
            } catch (IOException | RuntimeException e) {
                System.err.println("ntgate run: cannot write the coverage file " + coverage + ": " + e.getMessage());
            }
        }
        if (sys.k.bugCheck != null) {
            // The machine is deterministic: boot it again with the same input and record the instructions
            // that led to the stop (no recording cost on the first run).
            try {
                NtSystem again = program.booter.boot(options(java.io.OutputStream.nullOutputStream(), java.io.OutputStream.nullOutputStream(),
                        new java.io.ByteArrayInputStream(stdinSeen.toByteArray())));
                System.err.print(BugCheckReport.lastInstructions(again, maxInsns));
            } catch (NtSystem.LoadError e) {
                // it loaded the first time
            }
        }
        return code;
    }


    private java.util.List<ntgate.nt.drv.Drivers.DriverFile> drivers;

    private NtSystem.Options options(java.io.OutputStream out, java.io.OutputStream err, java.io.InputStream in) {
        NtSystem.Options o = new NtSystem.Options();
        o.drivers = drivers;
        o.int2e = int2e;
        o.commandLine = file.toString();
        o.stdout = out;
        o.stderr = err;
        o.stdin = in;
        if (memory != null) o.memory = memory;
        return o;
    }

    /** Runs a booted machine with the chosen tracer and coverage (either may be null); returns the exit code. */
    static int execute(NtSystem sys, Tracer tracer, DrcovCoverage coverage, long budget, PrintStream out, PrintStream err) {
        sys.cpu.setHooks(ntgate.trace.Hooks.combine(tracer, coverage));
        NtSystem.End end;
        try {
            end = sys.run(budget);
        } finally {
            // Even when ntgate itself fails, what the guest wrote and the trace so far reach the user.
            if (tracer != null) tracer.finish();
            sys.k.flushConsole();
            out.flush();
            err.flush();
        }
        return report(sys, end);
    }

    static int report(NtSystem sys, NtSystem.End end) {
        switch (end) {
            case EXITED -> {
                int s = sys.k.exitStatus;
                if (sys.k.unhandledException) return ExitCodes.UNHANDLED_EXCEPTION;
                if (s != 0) System.err.println("ntgate: the process exited with status " + NtStatus.describe(s));
                return ExitCodes.guest(s);
            }
            case BUG_CHECK -> {
                System.err.print(BugCheckReport.format(sys));
                return ExitCodes.BUG_CHECK;
            }
            case TRIPLE_FAULT -> {
                System.err.println("ntgate: triple fault: the processor shut down"
                        + (sys.cpu.note != null ? " (" + sys.cpu.note + ")" : ""));
                System.err.print(BugCheckReport.registers(sys));
                return ExitCodes.BUG_CHECK;
            }
            case DEADLOCK -> {
                System.err.println("ntgate: " + sys.k.deadlock + " at " + sys.symbolize(sys.cpu.st.eip));
                return ExitCodes.DEADLOCK;
            }
            case HALTED -> {
                System.err.println("ntgate: the processor halted at " + sys.symbolize(sys.cpu.st.eip));
                return ExitCodes.BUG_CHECK;
            }
            default -> {
                System.err.printf("ntgate: instruction budget used up (%d instructions) at %s%n",
                        sys.cpu.icount, sys.symbolize(sys.cpu.st.eip));
                return ExitCodes.BUDGET;
            }
        }
    }
}
