package ntgate.cli;

import ntgate.debug.Debugger;
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
            "Exit code: 0; 3 = the machine stopped with a bug check, a triple fault or a deadlock;",
            "2 = the program could not be loaded."})
public final class DebugCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "FILE", description = "The program (.exe or .asm).")
    Path file;

    @Option(names = "-c", paramLabel = "COMMANDS", description = "Commands to run, separated by ';' or newlines.")
    String commands;

    @Option(names = "--int2e", description = "Make ntdll enter the kernel with INT 2Eh (KiIntSystemCall) instead of SYSENTER.")
    boolean int2e;

    @Option(names = "--max-insns", defaultValue = "2000000000", paramLabel = "N",
            description = "Instruction budget of each g/p/t (default ${DEFAULT-VALUE}).")
    long maxInsns;

    @Override
    public Integer call() throws IOException {
        if (maxInsns <= 0) {
            System.err.println("ntgate debug: --max-insns must be positive");
            return 2;
        }
        ProgramFile program = ProgramFile.open("debug", file, null);
        if (program == null) return 2;
        PrintStream out = System.out;
        NtSystem.Options o = new NtSystem.Options();
        o.int2e = int2e;
        o.commandLine = file.toString();
        o.stdout = out;
        o.stderr = out;
        o.stdin = java.io.InputStream.nullInputStream();
        NtSystem sys = program.boot("debug", o);
        if (sys == null) return 2;
        Debugger d = new Debugger(sys, out, maxInsns);
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
}
