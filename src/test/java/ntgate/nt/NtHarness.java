package ntgate.nt;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/** Boots ntgate's NT machine around a test program (NASM syntax, externs bind to ntdll) and runs it. */
public final class NtHarness {
    public final NtSystem sys;
    public final ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    public final ByteArrayOutputStream stderr = new ByteArrayOutputStream();
    public NtSystem.End end;

    private NtHarness(String source, Consumer<NtSystem.Options> configure) {
        NtSystem.Options o = new NtSystem.Options();
        o.stdout = stdout;
        o.stderr = stderr;
        if (configure != null) configure.accept(o);
        try {
            sys = NtSystem.boot(source, "test.asm", o);
        } catch (NtSystem.LoadError e) {
            throw new AssertionError("test program does not load:\n" + e.getMessage());
        }
    }

    /** Boots without running. */
    public static NtHarness boot(String source) {
        return new NtHarness(source, null);
    }

    public static NtHarness boot(String source, Consumer<NtSystem.Options> configure) {
        return new NtHarness(source, configure);
    }

    /** Boots and runs to the end (10 million instructions at most). */
    public static NtHarness run(String source) {
        NtHarness h = new NtHarness(source, null);
        h.run();
        return h;
    }

    public NtSystem.End run() {
        end = sys.run(10_000_000);
        return end;
    }

    public String out() {
        return stdout.toString(StandardCharsets.UTF_8);
    }

    public int exitStatus() {
        if (end != NtSystem.End.EXITED) throw new AssertionError("the program did not exit: " + end + " at " + sys.symbolize(sys.cpu.st.eip));
        return sys.k.exitStatus;
    }

    /** A 32-bit read of guest virtual memory (through the page tables, at the CPU's current privilege). */
    public int u32(int address) {
        return sys.mem.u32(address);
    }

    public int symbol(String name) {
        Long v = sys.image.symbols().get(name);
        if (v == null) throw new AssertionError("no symbol " + name);
        return (int) (long) v;
    }
}
