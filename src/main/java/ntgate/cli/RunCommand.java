package ntgate.cli;

import ntgate.nt.NtStatus;
import ntgate.nt.NtSystem;
import ntgate.trace.GateTracer;
import ntgate.trace.SyscallTracer;
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
            description = "What to trace on stderr: syscalls (one line per call), gate (every instruction from SYSENTER/INT 2Eh to SYSEXIT/IRETD).")
    java.util.List<String> trace = new java.util.ArrayList<>();

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
        for (String t : trace) {
            if (!t.equals("syscalls") && !t.equals("gate")) {
                System.err.println("ntgate run: unknown --trace '" + t + "' (expected syscalls or gate)");
                return ExitCodes.USAGE;
            }
        }
        if (maxInsns <= 0) {
            System.err.println("ntgate run: --max-insns must be positive");
            return ExitCodes.USAGE;
        }
        ProgramFile program = ProgramFile.open("run", file, imageBase);
        if (program == null) return ExitCodes.LOAD_ERROR;
        PrintStream out = new PrintStream(new BufferedOutputStream(System.out, 1 << 16), false);
        PrintStream err = new PrintStream(new BufferedOutputStream(System.err, 1 << 16), false);
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
        int code = execute(sys, trace.contains("syscalls"), trace.contains("gate"), maxInsns, out, err);
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


    private NtSystem.Options options(java.io.OutputStream out, java.io.OutputStream err, java.io.InputStream in) {
        NtSystem.Options o = new NtSystem.Options();
        o.int2e = int2e;
        o.commandLine = file.toString();
        o.stdout = out;
        o.stderr = err;
        o.stdin = in;
        if (memory != null) o.memory = memory;
        return o;
    }

    /** Runs a booted machine with the chosen tracers and reports how it ended; returns the exit code. */
    static int execute(NtSystem sys, boolean syscalls, boolean gate, long budget, PrintStream out, PrintStream err) {
        SyscallTracer st = syscalls ? new SyscallTracer(err) : null;
        GateTracer gt = gate ? new GateTracer(sys, err) : null;
        sys.cpu.setHooks(ntgate.trace.Hooks.combine(st, gt));
        NtSystem.End end;
        try {
            end = sys.run(budget);
            if (st != null) st.finish();
        } finally {
            // Even when ntgate itself fails, what the guest wrote and the trace so far reach the user.
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
