package ntgate.debug;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * Commands about commands: {@code j (cond) 'a' ; 'b'}, {@code .if (cond) { a } .elsif (cond) { b } .else { c }},
 * {@code $$<file} (run a script file), {@code .logopen file} / {@code .logclose}, {@code .echo}, {@code $$}
 * comments and {@code help}.
 */
final class Scripting {
    private final Debugger d;
    private String logName;
    private int scriptDepth;

    Scripting(Debugger d) {
        this.d = d;
    }

    void register() {
        d.command("j", "j (cond) 'cmds' ; 'cmds'  run the first commands when cond is non-zero, else the second", this::jump);
        d.command(".if", ".if (cond) { cmds } [.elsif (cond) { cmds }] [.else { cmds }]", this::ifCommand);
        d.command("$$<", "$$<file  run the commands of a script file", this::runFile);
        d.command(".logopen", ".logopen file  copy the session's output to a file", this::logOpen);
        d.command(".logclose", ".logclose  close the log", (a, l) -> logClose());
        d.command(".echo", ".echo text  print text", (a, l) -> d.out.println(Execution.unquote(a)));
        d.command("$$", null, (a, l) -> {
        });
        d.command("*", null, (a, l) -> {
        });
        d.command("help", "help  this list", (a, l) -> help());
        d.command(".help", null, (a, l) -> help());
    }

    private void run(String cmds) {
        for (String c : Debugger.split(Execution.unquote(cmds))) d.executeOne(c);
    }

    /** The text inside the parenthesis that opens {@code s}, and where it ends. */
    private static int closing(String s, int open) {
        int depth = 0;
        for (int i = open; i < s.length(); i++) {
            if (s.charAt(i) == '(' || s.charAt(i) == '{') depth++;
            if (s.charAt(i) == ')' || s.charAt(i) == '}') {
                depth--;
                if (depth == 0) return i;
            }
        }
        return -1;
    }

    private void jump(String args, String line) {
        String a = args.strip();
        String cond;
        String rest;
        if (a.startsWith("(")) {
            int c = closing(a, 0);
            if (c < 0) throw DebugError.syntax(line);
            cond = a.substring(1, c);
            rest = a.substring(c + 1);
        } else {
            int sp = a.indexOf(' ');
            if (sp < 0) throw DebugError.syntax(line);
            cond = a.substring(0, sp);
            rest = a.substring(sp + 1);
        }
        String yes = rest, no = "";
        char quote = 0;
        for (int i = 0; i < rest.length(); i++) {
            char ch = rest.charAt(i);
            if (quote != 0) {
                if (ch == quote) quote = 0;
            } else if (ch == '\'' || ch == '"') {
                quote = ch;
            } else if (ch == ';') {
                yes = rest.substring(0, i);
                no = rest.substring(i + 1);
                break;
            }
        }
        run(d.eval(cond) != 0 ? yes : no);
    }

    private void ifCommand(String args, String line) {
        String a = args.strip();
        while (true) {
            if (!a.startsWith("(")) throw DebugError.syntax(line);
            int c = closing(a, 0);
            if (c < 0) throw DebugError.syntax(line);
            boolean taken = d.eval(a.substring(1, c)) != 0;
            String after = a.substring(c + 1).strip();
            if (!after.startsWith("{")) throw DebugError.syntax(line);
            int b = closing(after, 0);
            if (b < 0) throw DebugError.syntax(line);
            String block = after.substring(1, b);
            String tail = after.substring(b + 1).strip();
            if (taken) {
                run(block);
                return;
            }
            String lt = tail.toLowerCase(Locale.ROOT);
            if (lt.startsWith(".elsif")) {
                a = tail.substring(6).strip();
                continue;
            }
            if (lt.startsWith(".else")) {
                String e = tail.substring(5).strip();
                if (!e.startsWith("{") || closing(e, 0) < 0) throw DebugError.syntax(line);
                run(e.substring(1, closing(e, 0)));
            } else if (!tail.isEmpty()) {
                throw DebugError.syntax(line);
            }
            return;
        }
    }

    private void runFile(String args, String line) {
        String name = args.strip();
        if (name.isEmpty()) throw DebugError.syntax(line);
        if (scriptDepth > 16) throw new DebugError("$$< nested too deeply (16 levels)");
        String text;
        try {
            text = Files.readString(Path.of(name), StandardCharsets.UTF_8);
        } catch (IOException | RuntimeException e) {
            throw new DebugError("Couldn't open script file '" + name + "'");
        }
        scriptDepth++;
        try {
            for (String l : text.split("\r?\n")) {
                for (String c : Debugger.split(l)) {
                    d.out.println("kd> " + c);
                    d.executeOne(c);
                }
            }
        } finally {
            scriptDepth--;
        }
    }

    private void logOpen(String args, String line) {
        String name = args.strip();
        if (name.equals("/t") || name.startsWith("/t ")) throw new DebugError(".logopen /t is not supported: name the file");
        if (name.isEmpty()) throw DebugError.syntax(line);
        try {
            d.log(Files.newOutputStream(Path.of(name)));
        } catch (IOException | RuntimeException e) {
            throw new DebugError("Unable to open log file '" + name + "'");
        }
        logName = name;
        d.out.println("Opened log file '" + name + "'");
    }

    private void logClose() {
        if (logName == null) {
            d.out.println("No log file open");
            return;
        }
        d.out.println("Closing open log file " + logName);
        try {
            d.log(null);
        } catch (IOException e) {
            throw new DebugError("Closing the log failed: " + e.getMessage());
        }
        logName = null;
    }

    private void help() {
        for (Map.Entry<String, String> e : d.helpLines().entrySet()) d.out.println(e.getValue());
    }
}
