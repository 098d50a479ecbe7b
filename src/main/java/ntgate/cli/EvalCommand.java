package ntgate.cli;

import ntgate.cpu.CpuFault;
import ntgate.cpu.Eval;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code ntgate eval}: the CPU conformance interface. */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = {
            "Execute raw instruction bytes from a given register and memory state and print the final state as JSON.",
            "The bytes run at 0x00100000 in a flat 32-bit protected-mode machine with paging: 16 MiB of user memory at",
            "0x00000000-0x00FFFFFF (everything above faults), ESP = 0x00F00000, EFLAGS = 0x202, CR0 = PE|MP|ET|NE|PG, the FPU",
            "in its FNINIT state with all registers +0 unless --fsave gives a 108-byte FSAVE image (32-bit protected-mode",
            "layout, SDM Vol.1 Figure 8-9; loaded as FRSTOR would). Every result carries \"fsave\": the image FNSAVE would",
            "store after the run (216 hex digits, without FNSAVE's reinitialisation).",
            "--mode user (default) runs at CPL 3 with CS=0x1B, DS=ES=FS=GS=SS=0x23; --mode kernel at CPL 0 (CS=0x08, 0x10)."},
        footer = {"", "Example: ntgate eval --hex \"0f af c3\" --reg eax=0x12345678 --reg ebx=9 --eflags 0x202 --steps 1",
            "Batch: one JSON case per line on stdin, e.g. {\"hex\":\"01d8\",\"regs\":{\"eax\":1,\"ebx\":2},\"eflags\":514,\"mem\":{\"0x2000\":\"aabb\"},\"steps\":1}"})
public final class EvalCommand implements Callable<Integer> {
    @Option(names = "--hex", description = "Instruction bytes in hex (spaces allowed).")
    String hex;

    @Option(names = "--reg", description = "Initial register: NAME=VALUE (eax..edi, eip, eflags). Repeatable.")
    List<String> regs;

    @Option(names = "--eflags", description = "Initial EFLAGS (default 0x202).")
    String eflags;

    @Option(names = "--fsave", description = "Initial FPU state: a 108-byte FSAVE image in hex (216 digits).")
    String fsave;

    @Option(names = "--mem", description = "Initial memory: ADDR=HEXBYTES. Repeatable.")
    List<String> mems;

    @Option(names = "--steps", description = "Execute exactly this many instructions (stops earlier on a fault).")
    Long steps;

    @Option(names = "--max-insns", description = "Instruction budget when --steps is absent (default ${DEFAULT-VALUE}).",
            defaultValue = "10000000000")
    long maxInsns;

    @Option(names = "--mode", description = "user (CPL 3, default) or kernel (CPL 0).", defaultValue = "user")
    String mode;

    @Option(names = "--batch", description = "Read one JSON case per line from stdin; write one JSON result per line.")
    boolean batch;

    @Override
    public Integer call() throws IOException {
        if (!mode.equals("user") && !mode.equals("kernel")) {
            System.err.println("ntgate eval: --mode must be 'user' or 'kernel', not '" + mode + "'");
            return 2;
        }
        Eval eval = new Eval();
        if (batch) return batch(eval);
        if (hex == null) {
            System.err.println("ntgate eval: give the instruction bytes with --hex, or use --batch");
            return 2;
        }
        Eval.Case c;
        try {
            c = new Eval.Case();
            c.code = parseHex(hex);
            if (regs != null) for (String r : regs) {
                int eq = r.indexOf('=');
                if (eq < 0) throw new IllegalArgumentException("--reg wants NAME=VALUE, not '" + r + "'");
                c.regs.put(r.substring(0, eq).trim(), parseInt(r.substring(eq + 1)));
            }
            if (eflags != null) c.eflags = parseInt(eflags);
            if (fsave != null) c.fsave = fsaveImage(fsave);
            if (mems != null) for (String m : mems) {
                int eq = m.indexOf('=');
                if (eq < 0) throw new IllegalArgumentException("--mem wants ADDR=HEXBYTES, not '" + m + "'");
                c.mem.put(parseInt(m.substring(0, eq)), parseHex(m.substring(eq + 1)));
            }
            if (steps != null) {
                if (steps < 0) throw new IllegalArgumentException("--steps must not be negative");
                c.steps = steps;
            }
            if (maxInsns < 0) throw new IllegalArgumentException("--max-insns must not be negative");
            c.maxInsns = maxInsns;
            c.kernel = mode.equals("kernel");
        } catch (IllegalArgumentException e) {
            System.err.println("ntgate eval: " + e.getMessage());
            return 2;
        }
        Eval.Result r;
        try {
            r = eval.run(c);
        } catch (IllegalArgumentException e) {
            System.err.println("ntgate eval: " + e.getMessage());
            return 2;
        }
        PrintStream out = System.out;
        out.println(toJson(r, c.kernel));
        return 0;
    }

    /** The longest batch line read (characters): a case is a few KiB; 4 Mi allows 2 MiB of code or memory. */
    static final int MAX_LINE = 4 << 20;

    /**
     * Batch mode: every input line gets exactly one output line, a result or {@code {"line":N,"error":"..."}}, and
     * the batch goes on whatever a line holds (bad JSON, wrong types, nulls, lines too long or nested too deep).
     */
    private int batch(Eval eval) throws IOException {
        java.io.Reader in = new InputStreamReader(System.in, StandardCharsets.UTF_8);
        BufferedWriter out = new BufferedWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8), 1 << 16);
        batch(eval, in, out);
        out.flush();
        return 0;
    }

    void batch(Eval eval, java.io.Reader reader, java.io.Writer out) throws IOException {
        java.io.Reader in = reader instanceof BufferedReader ? reader : new BufferedReader(reader, 1 << 16);
        StringBuilder line = new StringBuilder();
        int lineNo = 0;
        while (true) {
            line.setLength(0);
            boolean tooLong = false, any = false;
            int c;
            while ((c = in.read()) >= 0 && c != '\n') {
                any = true;
                if (line.length() < MAX_LINE) line.append((char) c);
                else tooLong = true;
            }
            if (c < 0 && !any) break;
            lineNo++;
            if (line.length() > 0 && line.charAt(line.length() - 1) == '\r') line.setLength(line.length() - 1);
            String result;
            if (tooLong) {
                result = error(lineNo, "the line is longer than " + MAX_LINE + " characters");
            } else if (line.toString().isBlank()) {
                result = error(lineNo, "empty line: expected a JSON object describing a case");
            } else {
                result = oneCase(eval, lineNo, line.toString());
            }
            out.write(result);
            out.write('\n');
            if (c < 0) break;
        }
        out.flush();
    }

    private String oneCase(Eval eval, int lineNo, String line) {
        try {
            Eval.Case c = caseFromJson(line);
            return toJson(eval.run(c), c.kernel);
        } catch (IllegalArgumentException | Json.JsonException e) {
            return error(lineNo, String.valueOf(e.getMessage()));
        } catch (RuntimeException | StackOverflowError e) {
            // Not expected: ntgate's own failure, said in one line, and the batch goes on.
            return error(lineNo, "internal error in ntgate: " + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + e.getMessage().lines().findFirst().orElse("")));
        }
    }

    private static String error(int lineNo, String message) {
        return "{\"line\":" + lineNo + ",\"error\":" + Json.quote(message) + "}";
    }

    private Eval.Case caseFromJson(String line) {
        Object o = Json.parse(line);
        if (!(o instanceof Map<?, ?> m)) throw new IllegalArgumentException("a case must be a JSON object");
        Eval.Case c = new Eval.Case();
        c.kernel = mode.equals("kernel");
        c.maxInsns = maxInsns;
        for (Map.Entry<?, ?> e : m.entrySet()) {
            String k = (String) e.getKey();
            Object v = e.getValue();
            switch (k) {
                case "hex" -> c.code = parseHex(string(v, "\"hex\" must be a string of hex digits"));
                case "regs" -> {
                    if (!(v instanceof Map<?, ?> rm)) throw new IllegalArgumentException("\"regs\" must be an object, not " + describe(v));
                    for (Map.Entry<?, ?> re : rm.entrySet()) {
                        c.regs.put((String) re.getKey(), num(re.getValue(), "register \"" + re.getKey() + "\""));
                    }
                }
                case "eflags" -> c.eflags = num(v, "\"eflags\"");
                case "mem" -> {
                    if (!(v instanceof Map<?, ?> mm)) throw new IllegalArgumentException("\"mem\" must be an object, not " + describe(v));
                    for (Map.Entry<?, ?> me : mm.entrySet()) {
                        String what = "\"mem\" value at " + me.getKey();
                        c.mem.put(parseInt((String) me.getKey()), parseHex(string(me.getValue(), what + " must be a string of hex digits")));
                    }
                }
                case "steps" -> {
                    if (v != null) {
                        c.steps = num(v, "\"steps\"") & 0xFFFFFFFFL;
                    }
                }
                case "maxInsns" -> {
                    if (!(v instanceof Long n) || n < 0) {
                        throw new IllegalArgumentException("\"maxInsns\" must be a non-negative integer, not " + describe(v));
                    }
                    c.maxInsns = n;
                }
                case "mode" -> {
                    String md = string(v, "\"mode\" must be \"user\" or \"kernel\"");
                    if (!md.equals("user") && !md.equals("kernel")) {
                        throw new IllegalArgumentException("\"mode\" must be \"user\" or \"kernel\", not \"" + md + "\"");
                    }
                    c.kernel = md.equals("kernel");
                }
                case "fsave" -> c.fsave = fsaveImage(string(v, "\"fsave\" must be a string of 216 hex digits"));
                default -> throw new IllegalArgumentException("unknown key \"" + k + "\"");
            }
        }
        return c;
    }

    private static String string(Object v, String what) {
        if (v instanceof String str) return str;
        throw new IllegalArgumentException(what + ", not " + describe(v));
    }

    /** A JSON value named the way a user wrote it, for error messages. */
    private static String describe(Object v) {
        if (v == null) return "null";
        if (v instanceof String) return "a string";
        if (v instanceof Map) return "an object";
        if (v instanceof List) return "an array";
        if (v instanceof Boolean) return v.toString();
        if (v instanceof Double) return "the number " + v;
        return "the number " + v;
    }

    private static int num(Object v, String what) {
        if (v instanceof Long n) {
            if (n < Integer.MIN_VALUE || n > 0xFFFFFFFFL) throw new IllegalArgumentException(what + ": " + n + " does not fit in 32 bits");
            return (int) (long) n;
        }
        if (v instanceof String str) return parseInt(str);
        throw new IllegalArgumentException(what + " must be an integer or a string like \"0x1F\", not " + describe(v));
    }

    static int parseInt(String s) {
        String t = s.trim().toLowerCase().replace("_", "");
        try {
            boolean neg = t.startsWith("-");
            if (neg) t = t.substring(1);
            long v;
            if (t.startsWith("0x")) v = Long.parseLong(t.substring(2), 16);
            else if (t.endsWith("h")) v = Long.parseLong(t.substring(0, t.length() - 1), 16);
            else v = Long.parseLong(t);
            if (v > 0xFFFFFFFFL) throw new IllegalArgumentException("value '" + s + "' does not fit in 32 bits");
            return (int) (neg ? -v : v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a number: '" + s + "'");
        }
    }

    /** A 108-byte FSAVE image from 216 hex digits. */
    static byte[] fsaveImage(String s) {
        byte[] b = parseHex(s);
        if (b.length != 108) throw new IllegalArgumentException("fsave must be 216 hex digits (a 108-byte FSAVE image), not " + 2 * b.length);
        return b;
    }

    static byte[] parseHex(String s) {
        String t = s.replaceAll("[\\s,]", "");
        if (t.startsWith("0x")) t = t.substring(2);
        if (t.length() % 2 != 0) throw new IllegalArgumentException("odd number of hex digits in '" + s + "'");
        byte[] b = new byte[t.length() / 2];
        for (int i = 0; i < b.length; i++) {
            int hi = Character.digit(t.charAt(2 * i), 16), lo = Character.digit(t.charAt(2 * i + 1), 16);
            if (hi < 0 || lo < 0) throw new IllegalArgumentException("not hex: '" + s + "'");
            b[i] = (byte) (hi << 4 | lo);
        }
        return b;
    }

    /** The result object: registers, eip, eflags (numbers), fault, memory; kernel mode adds system state. */
    static String toJson(Eval.Result r, boolean kernel) {
        StringBuilder b = new StringBuilder(256);
        b.append('{');
        for (int i = 0; i < 8; i++) b.append('"').append(Eval.REG_NAMES[i]).append("\":").append(r.gpr[i] & 0xFFFFFFFFL).append(',');
        b.append("\"eip\":").append(r.eip & 0xFFFFFFFFL).append(',');
        b.append("\"eflags\":").append(r.eflags & 0xFFFFFFFFL).append(',');
        b.append("\"fault\":");
        if (r.fault == null) {
            b.append("null");
        } else {
            b.append("{\"vector\":").append(r.fault.vector).append(",\"errorCode\":");
            b.append(r.fault.hasErrorCode() ? Long.toString(r.fault.errorCode & 0xFFFFFFFFL) : "null");
            b.append(",\"name\":\"").append(CpuFault.mnemonic(r.fault.vector)).append('"');
            if (r.fault.vector == CpuFault.PF) b.append(",\"cr2\":").append(r.fault.linear & 0xFFFFFFFFL);
            b.append('}');
        }
        b.append(",\"memory\":{");
        boolean first = true;
        for (Map.Entry<Integer, byte[]> e : r.written.entrySet()) {
            if (!first) b.append(',');
            first = false;
            b.append(String.format("\"0x%x\":\"", e.getKey()));
            for (byte x : e.getValue()) b.append(String.format("%02x", x & 0xFF));
            b.append('"');
        }
        b.append('}');
        b.append(",\"stop\":\"").append(r.stop).append('"');
        b.append(",\"executed\":").append(r.executed);
        b.append(",\"fsave\":\"");
        for (byte x : r.fsave) b.append(String.format("%02x", x & 0xFF));
        b.append('"');
        if (kernel) {
            String[] sn = {"es", "cs", "ss", "ds", "fs", "gs"};
            for (int s = 0; s < 6; s++) b.append(",\"").append(sn[s]).append("\":").append(r.segSel[s]);
            b.append(",\"cr0\":").append(r.cr0 & 0xFFFFFFFFL).append(",\"cr2\":").append(r.cr2 & 0xFFFFFFFFL);
            b.append(",\"cr3\":").append(r.cr3 & 0xFFFFFFFFL).append(",\"cr4\":").append(r.cr4 & 0xFFFFFFFFL);
            b.append(",\"dr6\":").append(r.dr6 & 0xFFFFFFFFL).append(",\"dr7\":").append(r.dr7 & 0xFFFFFFFFL);
            b.append(",\"cpl\":").append(r.cpl);
        }
        b.append('}');
        return b.toString();
    }
}
