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

    /**
     * Runs the command line and returns the exit code; bad usage is one line on stderr and exit code 2 (118 for
     * {@code run}, whose codes follow {@link ExitCodes}). Any unexpected Java exception or error, wherever it
     * comes from, is one line ({@code ntgate: internal error in CLASS.METHOD: message}) and exit code 119; the
     * stack trace only with {@code --debug-ntgate} (accepted anywhere on the command line).
     */
    public static int execute(String... args) {
        boolean debug = false;
        java.util.List<String> rest = new java.util.ArrayList<>();
        for (String a : args) {
            if (a.equals("--debug-ntgate")) debug = true;
            else rest.add(a);
        }
        boolean trace = debug;
        CommandLine cl = new CommandLine(new Main());
        cl.setParameterExceptionHandler((ex, a) -> {
            ex.getCommandLine().getErr().println("ntgate: " + ex.getMessage());
            ex.getCommandLine().getErr().println("Try 'ntgate " + qualified(ex.getCommandLine()) + "--help' for usage.");
            return ex.getCommandLine().getCommandName().equals("run") ? ExitCodes.USAGE : 2;
        });
        cl.setExecutionExceptionHandler((ex, c, parsed) -> internalError(ex, trace));
        try {
            return cl.execute(rest.toArray(new String[0]));
        } catch (Throwable t) {   // an Error picocli lets through (StackOverflowError, OutOfMemoryError)
            return internalError(t, trace);
        }
    }

    /** One line naming where ntgate failed; the stack trace with --debug-ntgate. */
    static int internalError(Throwable t, boolean trace) {
        System.out.flush();
        StackTraceElement[] st = t.getStackTrace();
        String where = "ntgate";
        for (StackTraceElement e : st) {
            if (e.getClassName().startsWith("ntgate.")) {
                String c = e.getClassName().substring("ntgate.".length());
                where = c.substring(c.lastIndexOf('.') + 1).replace('$', '.') + "." + e.getMethodName();
                break;
            }
        }
        String message = t.getMessage() == null ? "" : ": " + t.getMessage().lines().findFirst().orElse("");
        System.err.println("ntgate: internal error in " + where + ": " + t.getClass().getSimpleName() + message
                + (trace ? "" : " (--debug-ntgate shows the stack trace)"));
        if (trace) t.printStackTrace(System.err);
        System.err.flush();
        return ExitCodes.INTERNAL_ERROR;
    }

    private static String qualified(CommandLine cl) {
        String n = cl.getCommandSpec().qualifiedName();
        int sp = n.indexOf(' ');
        return sp < 0 ? "" : n.substring(sp + 1) + " ";
    }
}
