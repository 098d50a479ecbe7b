package ntgate.debug;

import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.UserInterruptException;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;

import java.io.IOException;

/**
 * The interactive console of {@code ntgate debug} on a terminal (JLine): line editing and history (the arrow
 * keys, Ctrl-R), Enter on an empty line repeats the last stepping or dumping command as WinDbg does, Ctrl-C while
 * the guest runs breaks into the debugger at the next instruction (at the prompt it gives a new prompt), and
 * {@code q} or end of input leaves.
 */
public final class Console {
    private Console() {
    }

    /** Runs the console until {@code q} or end of input. */
    public static void run(Debugger d) throws IOException {
        try (Terminal terminal = TerminalBuilder.builder().system(true).nativeSignals(true)
                .signalHandler(Terminal.SignalHandler.SIG_IGN).build()) {
            terminal.handle(Terminal.Signal.INT, s -> d.requestBreak());
            LineReader reader = LineReaderBuilder.builder().terminal(terminal).appName("ntgate")
                    .variable(LineReader.HISTORY_SIZE, 1000)
                    .option(LineReader.Option.DISABLE_EVENT_EXPANSION, true)   // '!' starts extension commands
                    .build();
            while (true) {
                String line;
                try {
                    line = reader.readLine("kd> ");
                } catch (UserInterruptException e) {
                    continue;
                } catch (EndOfFileException e) {
                    return;
                }
                if (!d.consoleLine(line)) return;
                d.out.flush();
            }
        }
    }
}
