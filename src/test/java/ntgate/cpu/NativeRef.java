package ntgate.cpu;

import ntgate.cpu.decode.Decoder;
import ntgate.cpu.decode.Insn;
import ntgate.cpu.decode.OpcodeTable;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The independent reference of the conformance tests: instruction snippets executed natively by this machine's
 * processor (gcc -m32 builds {@code snippet_runner.c} once per test run), then the same bytes executed by ntgate
 * through {@link Eval}, and the two final states compared.
 *
 * <p>Registers and the scratch memory must agree exactly. EFLAGS is compared on the six arithmetic flags and DF,
 * minus the flags the SDM leaves undefined for the form (the opcode table's {@code u=} mask, refined per case by
 * the generator), because this processor is an AMD one and its undefined flags differ from Intel's.
 */
final class NativeRef {
    private NativeRef() {}

    /** The scratch area both sides map: snippets address memory here. */
    static final int SCRATCH = 0x00400000;
    static final int SCRATCH_SIZE = 0x2000;
    static final int COMPARED_FLAGS = CpuState.ARITH | CpuState.DF;

    /** One snippet and its initial state. ESP is not settable (native runs on the harness's stack). */
    static final class Snip {
        final byte[] code;
        final int[] regs = new int[8];
        int eflags = 0x202;
        int memOff;
        byte[] mem;
        /** Arithmetic flags not compared (undefined for this case). */
        int undef;

        Snip(byte[] code) {
            this.code = code;
            this.undef = tableUndefined(code);
        }

        Snip regs(int... v) {
            System.arraycopy(v, 0, regs, 0, v.length);
            return this;
        }

        Snip flags(int arith) {
            eflags = 0x202 | (arith & COMPARED_FLAGS);
            return this;
        }

        Snip mem(int off, byte[] bytes) {
            memOff = off;
            mem = bytes;
            return this;
        }

        String hex() {
            return HexFormat.of().formatHex(code);
        }
    }

    /** The u= mask of the row the snippet's first instruction decodes to (0 when it has no row). */
    static int tableUndefined(byte[] code) {
        Insn in = decode(code);
        return in.row == null ? 0 : in.row.flagsUndefined();
    }

    /** The first instruction of the snippet; an empty record when it does not decode (over 15 bytes). */
    static Insn decode(byte[] code) {
        try {
            return Decoder.decode(off -> off < code.length ? code[off] & 0xFF : 0x90, true);
        } catch (CpuFault f) {
            return new Insn();
        }
    }

    /** Native outcome. */
    static final class Out {
        int sig;
        final int[] regs = new int[8];   // regs[4] is the ESP delta
        int eflags;
        byte[] mem;
    }

    private static Path binary;
    private static String unavailable;

    /** Builds the native runner once; skips the calling test with the reason when gcc -m32 cannot. */
    static synchronized Path runner() {
        if (binary == null && unavailable == null) build();
        assumeTrue(unavailable == null, () -> "native reference unavailable: " + unavailable);
        return binary;
    }

    private static void build() {
        try {
            String os = System.getProperty("os.name", "").toLowerCase();
            String arch = System.getProperty("os.arch", "");
            if (!os.contains("linux") || !(arch.equals("amd64") || arch.equals("x86_64") || arch.equals("x86"))) {
                unavailable = "needs Linux on x86 (have " + os + "/" + arch + ")";
                return;
            }
            Path dir = Paths.get("target", "native-ref");
            Files.createDirectories(dir);
            Path src = dir.resolve("snippet_runner.c");
            try (InputStream s = NativeRef.class.getResourceAsStream("snippet_runner.c")) {
                if (s == null) {
                    unavailable = "snippet_runner.c missing from the test resources";
                    return;
                }
                Files.copy(s, src, StandardCopyOption.REPLACE_EXISTING);
            }
            Path exe = dir.resolve("snippet_runner");
            Process p = new ProcessBuilder("gcc", "-m32", "-O0", "-no-pie", "-fno-pie", "-o", exe.toString(), src.toString())
                    .redirectErrorStream(true).start();
            String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
                unavailable = "gcc -m32 failed (is gcc-multilib installed?): " + log.strip();
                return;
            }
            binary = exe.toAbsolutePath();
        } catch (IOException e) {
            unavailable = "cannot run gcc: " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            unavailable = "interrupted";
        }
    }

    /** Runs the snippets natively in one process. */
    static List<Out> runNative(List<Snip> snips) {
        Path exe = runner();
        List<Out> outs = new ArrayList<>(snips.size());
        try {
            Process p = new ProcessBuilder(exe.toString()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            Thread feeder = new Thread(() -> {
                try (Writer w = new java.io.BufferedWriter(new java.io.OutputStreamWriter(p.getOutputStream(), StandardCharsets.US_ASCII))) {
                    StringBuilder sb = new StringBuilder();
                    for (Snip s : snips) {
                        sb.setLength(0);
                        sb.append(s.hex());
                        for (int r : new int[] {0, 1, 2, 3, 5, 6, 7}) sb.append(' ').append(Integer.toHexString(s.regs[r]));
                        sb.append(' ').append(Integer.toHexString(s.eflags));
                        sb.append(' ').append(Integer.toHexString(s.mem == null ? 0 : s.memOff));
                        sb.append(' ').append(s.mem == null || s.mem.length == 0 ? "-" : HexFormat.of().formatHex(s.mem));
                        sb.append('\n');
                        w.write(sb.toString());
                    }
                } catch (IOException e) {
                    // The reader reports the short output.
                }
            });
            feeder.start();
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.US_ASCII))) {
                String line;
                while ((line = r.readLine()) != null) {
                    String[] t = line.split(" ");
                    Out o = new Out();
                    o.sig = Integer.parseInt(t[0]);
                    for (int i = 0; i < 8; i++) o.regs[i] = Integer.parseUnsignedInt(t[1 + i], 16);
                    o.eflags = Integer.parseUnsignedInt(t[9], 16);
                    o.mem = t[10].equals("-") ? new byte[0] : HexFormat.of().parseHex(t[10]);
                    outs.add(o);
                }
            }
            feeder.join();
            p.waitFor(60, TimeUnit.SECONDS);
        } catch (IOException e) {
            fail("native runner: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            fail("interrupted");
        }
        if (outs.size() != snips.size()) fail("native runner produced " + outs.size() + " results for " + snips.size() + " cases");
        return outs;
    }

    /** The signal Linux raises for an exception vector. */
    static boolean signalMatches(int vector, int sig) {
        return switch (vector) {
            case CpuFault.DE -> sig == 8;             // SIGFPE
            case CpuFault.UD -> sig == 4;             // SIGILL
            case CpuFault.DB, CpuFault.BP -> sig == 5; // SIGTRAP
            default -> sig == 11 || sig == 7;         // SIGSEGV, SIGBUS
        };
    }

    /**
     * Runs the snippets natively and in ntgate and fails listing the first disagreements. Returns the number of
     * cases compared.
     */
    static int compare(String family, List<Snip> snips) {
        List<Out> nat = runNative(snips);
        Eval eval = new Eval();
        List<String> bad = new ArrayList<>();
        int badCount = 0;
        for (int i = 0; i < snips.size(); i++) {
            Snip s = snips.get(i);
            Out o = nat.get(i);
            String diff = diff(eval, s, o);
            if (diff != null) {
                badCount++;
                if (bad.size() < 25) bad.add(diff);
            }
        }
        System.out.printf("native %-10s %6d cases, %d disagree%n", family, snips.size(), badCount);
        if (badCount > 0) fail(family + ": " + badCount + " of " + snips.size() + " cases differ from native execution:\n  "
                + String.join("\n  ", bad));
        return snips.size();
    }

    static Eval.Result runNtgate(Eval eval, Snip s) {
        Eval.Case c = new Eval.Case();
        c.code = s.code;
        for (int r = 0; r < 8; r++) if (r != 4) c.regs.put(Eval.REG_NAMES[r], s.regs[r]);
        c.eflags = s.eflags;
        if (s.mem != null) c.mem.put(SCRATCH + s.memOff, s.mem);
        c.maxInsns = 1000;
        return eval.run(c);
    }

    private static String diff(Eval eval, Snip s, Out o) {
        Eval.Result r;
        try {
            r = runNtgate(eval, s);
        } catch (RuntimeException e) {
            return describe(s) + ": ntgate threw " + e;
        }
        StringBuilder d = new StringBuilder();
        boolean ntFault = r.fault != null;
        if (o.sig != 0 || ntFault) {
            if (!ntFault) d.append(" native signal ").append(o.sig).append(", ntgate no fault;");
            else if (o.sig == 0) d.append(" ntgate ").append(r.fault.getMessage()).append(", native no fault;");
            else if (!signalMatches(r.fault.vector, o.sig)) d.append(" ntgate ").append(r.fault.getMessage()).append(", native signal ").append(o.sig).append(';');
        } else if (!"left".equals(r.stop)) {
            d.append(" ntgate stopped: ").append(r.stop).append(';');
        }
        for (int i = 0; i < 8; i++) {
            int nt = i == 4 ? r.gpr[4] - FlatMachine.STACK_TOP : r.gpr[i];
            if (nt != o.regs[i]) d.append(String.format(" %s ntgate %08x native %08x;", i == 4 ? "espDelta" : Eval.REG_NAMES[i], nt, o.regs[i]));
        }
        int mask = COMPARED_FLAGS & ~s.undef;
        if (((r.eflags ^ o.eflags) & mask) != 0) {
            d.append(String.format(" eflags ntgate %s native %s (compared %s);", flagText(r.eflags), flagText(o.eflags), flagText(mask)));
        }
        if (s.mem != null && s.mem.length > 0) {
            byte[] nt = s.mem.clone();
            int base = SCRATCH + s.memOff;
            for (Map.Entry<Integer, byte[]> e : r.written.entrySet()) {
                byte[] b = e.getValue();
                for (int k = 0; k < b.length; k++) {
                    long a = (e.getKey() & 0xFFFFFFFFL) + k - base;
                    if (a >= 0 && a < nt.length) nt[(int) a] = b[k];
                }
            }
            if (!java.util.Arrays.equals(nt, o.mem)) {
                d.append(" memory ntgate ").append(HexFormat.of().formatHex(nt)).append(" native ").append(HexFormat.of().formatHex(o.mem)).append(';');
            }
        }
        return d.length() == 0 ? null : describe(s) + ":" + d;
    }

    static String describe(Snip s) {
        Insn in = decode(s.code);
        StringBuilder b = new StringBuilder();
        b.append('[').append(s.hex()).append("] ").append(in.row == null ? "(bad)" : in.row.mnemonic(in.opsize == 2));
        b.append(" in:");
        for (int i = 0; i < 8; i++) if (i != 4) b.append(' ').append(Eval.REG_NAMES[i]).append('=').append(Integer.toHexString(s.regs[i]));
        b.append(" fl=").append(flagText(s.eflags));
        if (s.mem != null) b.append(" mem@+").append(Integer.toHexString(s.memOff)).append('=').append(HexFormat.of().formatHex(s.mem));
        return b.toString();
    }

    static String flagText(int f) {
        StringBuilder b = new StringBuilder();
        b.append((f & OpcodeTable.OF) != 0 ? 'O' : '-');
        b.append((f & CpuState.DF) != 0 ? 'D' : '-');
        b.append((f & OpcodeTable.SF) != 0 ? 'S' : '-');
        b.append((f & OpcodeTable.ZF) != 0 ? 'Z' : '-');
        b.append((f & OpcodeTable.AF) != 0 ? 'A' : '-');
        b.append((f & OpcodeTable.PF) != 0 ? 'P' : '-');
        b.append((f & OpcodeTable.CF) != 0 ? 'C' : '-');
        return b.toString();
    }
}
