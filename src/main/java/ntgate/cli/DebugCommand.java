package ntgate.cli;

import ntgate.debug.Debugger;
import ntgate.debug.gdb.GdbServer;
import ntgate.debug.gdb.GdbStub;
import ntgate.nt.NtSystem;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code ntgate debug FILE}: boots the machine stopped before its first instruction, under a WinDbg-style debugger. */
@Command(name = "debug", mixinStandardHelpOptions = true,
        description = {
            "Debug a program with WinDbg-style commands, from boot.",
            "The program (.exe or .asm, as for 'run') stops before the first instruction (nt!KiSystemStartup,",
            "ring 0) and debug it with WinDbg's commands ('help' lists them): r, t, p, g, gu, wt, bp/bu/bm/ba,",
            "u/ub/uf, d*, e*, s, a, x, ln, lm, dg, !pte, !vtop, !idt, !pcr, !thread, !process, .trap, .cxr, .exr,",
            "k/kb/kv/kn/kp, dt, ? expr, .formats, $$<file, .logopen, q.",
            "Commands come from -c (separated by ';' outside quotes, or newlines), else from the terminal (line",
            "editing, history, Enter repeats t/p/d*/u, Ctrl-C breaks in) or standard input (prompt 'kd> ').",
            "With --gdb [HOST:]PORT the machine is served to gdb, IDA or Ghidra over the GDB remote protocol instead.",
            "Exit code: 0; 3 = the machine stopped with a bug check, a triple fault or a deadlock;",
            "2 = the program could not be loaded."})
public final class DebugCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "FILE", description = "The program (.exe or .asm).")
    Path file;

    @Option(names = "-c", paramLabel = "COMMANDS", description = "Commands to run, separated by ';' or newlines.")
    String commands;

    @Option(names = "--int2e", description = "Make ntdll enter the kernel with INT 2Eh (KiIntSystemCall) instead of SYSENTER.")
    boolean int2e;

    @Option(names = "--driver", paramLabel = "FILE.sys",
            description = "Load a kernel driver before the program starts (repeatable).")
    java.util.List<java.nio.file.Path> driverFiles = new java.util.ArrayList<>();

    @Option(names = "--lang", paramLabel = "en|zh", converter = LangOption.class,
            description = "Language of the annotations 'u' shows: en (default) or zh (Chinese).")
    ntgate.asm.Lang lang = ntgate.asm.Lang.EN;

    @Option(names = "--max-insns", defaultValue = "2000000000", paramLabel = "N",
            description = "Instruction budget of each g/p/t (default ${DEFAULT-VALUE}).")
    long maxInsns;

    @Option(names = "--gdb", paramLabel = "[HOST:]PORT",
            description = "Serve the GDB remote protocol on PORT (loopback unless HOST is named) instead of taking commands:"
                    + " gdb -ex 'target remote :PORT', IDA, Ghidra.")
    String gdb;

    @Override
    public Integer call() throws IOException {
        if (maxInsns <= 0) {
            System.err.println("ntgate debug: --max-insns must be positive");
            return 2;
        }
        java.net.InetSocketAddress address = null;
        if (gdb != null) {
            if (commands != null) {
                System.err.println("ntgate debug: --gdb and -c cannot be used together (use gdb's 'monitor CMD')");
                return 2;
            }
            try {
                address = GdbServer.address(gdb);
            } catch (GdbServer.BadAddress e) {
                System.err.println("ntgate debug: --gdb: " + e.getMessage());
                return 2;
            }
        }
        ProgramFile program = ProgramFile.open("debug", file, null);
        if (program == null) return 2;
        var drivers = ProgramFile.drivers("debug", driverFiles);
        if (drivers == null) return 2;
        PrintStream out = LangOption.stream(System.out, lang);
        NtSystem.Options o = new NtSystem.Options();
        o.drivers = drivers;
        o.int2e = int2e;
        o.commandLine = file.toString();
        o.stdout = out;
        o.stderr = out;
        o.stdin = java.io.InputStream.nullInputStream();
        NtSystem sys = program.boot("debug", o);
        if (sys == null) return 2;
        if (gdb != null) return serveGdb(sys, address);
        Debugger d = new Debugger(sys, out, maxInsns);
        d.setLanguage(lang);
        d.attach();
        if (commands != null) {
            d.script(commands);
        } else if (System.console() != null) {
            ntgate.debug.Console.run(d);
        } else {
            d.interactive(new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)), true);
        }
        out.flush();
        NtSystem.End end = d.end();
        return end == NtSystem.End.BUG_CHECK || end == NtSystem.End.TRIPLE_FAULT || end == NtSystem.End.DEADLOCK ? 3 : 0;
    }

    /** {@code --gdb}: the machine under the GDB stub; {@code monitor CMD} runs a WinDbg-style command. */
    private int serveGdb(NtSystem sys, java.net.InetSocketAddress address) throws IOException {
        java.io.ByteArrayOutputStream buf = new java.io.ByteArrayOutputStream();
        PrintStream ps = new PrintStream(buf, true, StandardCharsets.UTF_8);
        Debugger d = new Debugger(sys, ps, maxInsns);
        d.setLanguage(lang);
        java.util.function.Function<String, String> monitor = line -> {
            ntgate.cpu.CpuHooks stub = sys.cpu.hooks();
            sys.cpu.setHooks(d);
            try {
                return d.monitor(line);   // splits at ';' outside quotes, as -c does, and returns the output
            } finally {
                sys.cpu.setHooks(stub);
            }
        };
        GdbStub stub = new GdbStub(sys, maxInsns, monitor);
        GdbServer server;
        try {
            server = new GdbServer(address);
        } catch (IOException e) {
            System.err.println("ntgate debug: --gdb: cannot listen on " + address + ": " + e.getMessage());
            return 2;
        }
        try (server) {
            java.net.InetSocketAddress at = server.bound();
            String where = at.getAddress().getHostAddress() + ":" + at.getPort();
            System.err.println("ntgate: waiting for gdb on " + where + " (in gdb: target remote " + where + ")");
            System.err.flush();
            GdbStub.Outcome o = server.serve(stub, System.err);
            System.out.flush();
            if (o == GdbStub.Outcome.DETACHED && !stub.ended()) {
                NtSystem.End end = stub.runFree();
                System.out.flush();
                return RunCommand.report(sys, end);
            }
            if (stub.endedMessage() != null) System.err.println("ntgate: " + stub.endedMessage());
            return sys.k.bugCheck != null || stub.endedMessage() != null && stub.endedMessage().startsWith("triple") ? 3 : 0;
        }
    }
}
