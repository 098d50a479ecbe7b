package ntgate.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code ntgate} command: the only place that wires the packages together. */
@Command(name = "ntgate", mixinStandardHelpOptions = true, version = "ntgate 0.1.0",
        description = "Instruction-level emulator of the Windows XP SP3 x86 system-call gate.",
        subcommands = {
            CommandLine.HelpCommand.class,
            EvalCommand.class,
            BenchCommand.class,
            BareCommand.class,
            RunCommand.class,
            DebugCommand.class,
            DemoCommand.class,
            ReportCommand.class,
            DisasmCommand.class,
            AsmCommand.class,
            ExportsCommand.class,
        })
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs the command line and returns the exit code; bad usage is one line on stderr and exit code 2. */
    public static int execute(String... args) {
        CommandLine cl = new CommandLine(new Main());
        cl.setParameterExceptionHandler((ex, a) -> {
            ex.getCommandLine().getErr().println("ntgate: " + ex.getMessage());
            ex.getCommandLine().getErr().println("Try 'ntgate " + qualified(ex.getCommandLine()) + "--help' for usage.");
            return 2;
        });
        cl.setExecutionExceptionHandler((ex, c, parsed) -> {
            c.getErr().println("ntgate: internal error: " + ex);
            return 70;
        });
        return cl.execute(args);
    }

    private static String qualified(CommandLine cl) {
        String n = cl.getCommandSpec().qualifiedName();
        int sp = n.indexOf(' ');
        return sp < 0 ? "" : n.substring(sp + 1) + " ";
    }
}
