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

    private int batch(Eval eval) throws IOException {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        BufferedWriter out = new BufferedWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8), 1 << 16);
        String line;
        int lineNo = 0;
        while ((line = in.readLine()) != null) {
            lineNo++;
            if (line.isBlank()) continue;
            String result;
            try {
                Eval.Case c = caseFromJson(line);
                result = toJson(eval.run(c), c.kernel);
            } catch (IllegalArgumentException | Json.JsonException | ClassCastException e) {
                result = "{\"line\":" + lineNo + ",\"error\":" + Json.quote(String.valueOf(e.getMessage())) + "}";
            }
            out.write(result);
            out.write('\n');
        }
        out.flush();
        return 0;
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
                case "hex" -> c.code = parseHex((String) v);
                case "regs" -> {
                    if (!(v instanceof Map<?, ?> rm)) throw new IllegalArgumentException("\"regs\" must be an object");
                    for (Map.Entry<?, ?> re : rm.entrySet()) c.regs.put((String) re.getKey(), num(re.getValue()));
                }
                case "eflags" -> c.eflags = num(v);
                case "mem" -> {
                    if (!(v instanceof Map<?, ?> mm)) throw new IllegalArgumentException("\"mem\" must be an object");
                    for (Map.Entry<?, ?> me : mm.entrySet()) c.mem.put(parseInt((String) me.getKey()), parseHex((String) me.getValue()));
                }
                case "steps" -> {
                    if (v != null) {
                        c.steps = num(v) & 0xFFFFFFFFL;
                    }
                }
                case "maxInsns" -> c.maxInsns = ((Number) v).longValue();
                case "mode" -> c.kernel = "kernel".equals(v);
                case "fsave" -> c.fsave = fsaveImage((String) v);
                default -> throw new IllegalArgumentException("unknown key \"" + k + "\"");
            }
        }
        return c;
    }

    private static int num(Object v) {
        if (v instanceof Number n) return (int) n.longValue();
        if (v instanceof String s) return parseInt(s);
        throw new IllegalArgumentException("expected a number, got " + v);
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
