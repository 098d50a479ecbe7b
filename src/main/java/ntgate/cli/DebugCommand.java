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
            "ring 0) and debug it with WinDbg's commands: r, t, p, g, gu, bp/bl/bc/bd/be, u, db/dw/dd/dq/dps/dc,",
            "eb/ew/ed, dt nt!_TYPE [addr], k, !pcr, !thread, !idt, ? expr, q.",
            "Commands come from -c (separated by ';' or newlines), else from standard input (prompt 'kd> ').",
            "Exit code: 0; 2 = the program could not be loaded."})
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

    @Option(names = "--lang", paramLabel = "en|zh", converter = LangOption.class,
            description = "Language of the annotations 'u' shows: en (default) or zh (Chinese).")
    ntgate.asm.Lang lang = ntgate.asm.Lang.EN;

    @Override
    public Integer call() throws IOException {
        if (maxInsns <= 0) {
            System.err.println("ntgate debug: --max-insns must be positive");
            return 2;
        }
        ProgramFile program = ProgramFile.open("debug", file, null);
        if (program == null) return 2;
        PrintStream out = LangOption.stream(System.out, lang);
        NtSystem.Options o = new NtSystem.Options();
        o.int2e = int2e;
        o.commandLine = file.toString();
        o.stdout = out;
        o.stderr = out;
        o.stdin = java.io.InputStream.nullInputStream();
        NtSystem sys = program.boot("debug", o);
        if (sys == null) return 2;
        Debugger d = new Debugger(sys, out, maxInsns);
        d.setLanguage(lang);
        d.attach();
        if (commands != null) {
            d.script(commands);
        } else {
            d.interactive(new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)), System.console() == null);
        }
        out.flush();
        return 0;
    }
}
