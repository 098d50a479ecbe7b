package ntgate.cpu;

import java.util.HexFormat;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A small builder over {@link Eval} for hand-worked tests: instruction bytes, registers, EFLAGS and memory in;
 * the final state out with assertions that read like the SDM's examples.
 */
public final class Run {
    public static final int CODE = FlatMachine.CODE_BASE;
    public static final int STACK = FlatMachine.STACK_TOP;

    private static final Eval EVAL = new Eval();

    private final Eval.Case c = new Eval.Case();
    public Eval.Result r;

    private Run(String hex) {
        c.code = HexFormat.of().parseHex(hex.replace(" ", ""));
    }

    /** The code to run (hex, spaces allowed). Runs until execution leaves the code unless {@link #steps} says. */
    public static Run code(String hex) {
        return new Run(hex);
    }

    public Run reg(String name, int value) {
        c.regs.put(name, value);
        return this;
    }

    /** EFLAGS (bit 1 and IF are added: the machine's user mode runs with IF = 1). */
    public Run flags(int value) {
        c.eflags = value | 0x202;
        return this;
    }

    public Run mem(int linear, String hex) {
        c.mem.put(linear, HexFormat.of().parseHex(hex.replace(" ", "")));
        return this;
    }

    public Run mem32(int linear, int value) {
        c.mem.put(linear, new byte[] {(byte) value, (byte) (value >>> 8), (byte) (value >>> 16), (byte) (value >>> 24)});
        return this;
    }

    public Run steps(long n) {
        c.steps = n;
        return this;
    }

    public Run go() {
        c.maxInsns = 100_000;
        r = EVAL.run(c);
        return this;
    }

    public int reg(String name) {
        return r.gpr[Eval.indexOf(name)];
    }

    public Run expect(String name, int value) {
        assertEquals(hex(value), hex(reg(name)), name);
        return this;
    }

    public Run expectEip(int value) {
        assertEquals(hex(value), hex(r.eip), "eip");
        return this;
    }

    /** The arithmetic flags selected by {@code mask} equal {@code value}. */
    public Run expectFlags(int mask, int value) {
        assertEquals(NativeRef.flagText(value & mask), NativeRef.flagText(r.eflags & mask), "flags (mask " + NativeRef.flagText(mask) + ")");
        return this;
    }

    public Run expectEflags(int value) {
        assertEquals(hex(value), hex(r.eflags), "eflags");
        return this;
    }

    public Run expectNoFault() {
        assertNull(r.fault, () -> "unexpected fault " + r.fault.getMessage() + " at " + hex(r.eip));
        return this;
    }

    public Run expectFault(int vector) {
        assertNotNull(r.fault, "expected " + CpuFault.mnemonic(vector));
        assertEquals(CpuFault.mnemonic(vector), CpuFault.mnemonic(r.fault.vector));
        return this;
    }

    public Run expectFault(int vector, int errorCode) {
        expectFault(vector);
        assertEquals(errorCode, r.fault.errorCode, "error code");
        return this;
    }

    /** The byte at {@code linear}, which the run must have written. */
    public int written8(int linear) {
        for (Map.Entry<Integer, byte[]> e : r.written.entrySet()) {
            long off = (linear & 0xFFFFFFFFL) - (e.getKey() & 0xFFFFFFFFL);
            if (off >= 0 && off < e.getValue().length) return e.getValue()[(int) off] & 0xFF;
        }
        fail("no write at " + hex(linear) + "; written: " + r.written.keySet().stream().map(Run::hex).toList());
        return 0;
    }

    public int written32(int linear) {
        return written8(linear) | written8(linear + 1) << 8 | written8(linear + 2) << 16 | written8(linear + 3) << 24;
    }

    public Run expectMem32(int linear, int value) {
        assertEquals(hex(value), hex(written32(linear)), "dword at " + hex(linear));
        return this;
    }

    public Run expectMem8(int linear, int value) {
        assertEquals(hex(value), hex(written8(linear)), "byte at " + hex(linear));
        return this;
    }

    public Run expectNothingWritten() {
        assertEquals("{}", r.written.keySet().stream().map(Run::hex).toList().toString().replace("[", "{").replace("]", "}"),
                "memory written");
        return this;
    }

    public static String hex(int v) {
        return String.format("0x%08X", v);
    }
}
