package ntgate.trace;

import java.io.PrintStream;
import java.util.List;
import java.util.Locale;

/**
 * {@code --trace-format tenet}: a trace for IDA's Tenet plugin, as its format description (the {@code tracers}
 * README of gaasedelen/tenet) gives it: one line per executed instruction, comma-separated; first the general
 * registers whose value changed since the previous line ({@code eax=0x1}, all nine on the first line), then
 * {@code eip=} the instruction's address, last, on every line; then the memory the previous instruction read and
 * wrote, {@code mr=ADDR:HEXBYTES} and {@code mw=ADDR:HEXBYTES}, bytes in memory order. Registers are Tenet's x86
 * set: EAX EBX ECX EDX EBP ESP ESI EDI EIP. An instruction that faulted is left out (it did not execute); the
 * registers of the handler it entered show on the next line as changes.
 */
public final class TenetTrace implements TraceListener {
    /** Tenet's x86 registers, as indexes of {@link TraceEvent.Step#REGS}. */
    private static final int[] ORDER = {0, 3, 1, 2, 5, 4, 6, 7};
    private final PrintStream out;
    private int[] last;
    private List<TraceEvent.Access> pendingReads = List.of(), pendingWrites = List.of();

    public TenetTrace(PrintStream out) {
        this.out = out;
    }

    @Override
    public boolean wantsReads() {
        return true;
    }

    @Override
    public void event(TraceEvent e) {
        if (!(e instanceof TraceEvent.Step s) || s.fault() != null) return;
        StringBuilder sb = new StringBuilder(96);
        for (int r : ORDER) {
            if (last == null || last[r] != s.before()[r]) {
                sb.append(TraceEvent.Step.REGS[r]).append("=0x").append(Integer.toHexString(s.before()[r])).append(',');
            }
        }
        sb.append("eip=0x").append(Integer.toHexString(s.eip()));
        memory(sb, "mr", pendingReads);
        memory(sb, "mw", pendingWrites);
        out.append(sb).append('\n');
        last = s.before();
        pendingReads = s.reads();
        pendingWrites = s.writes();
    }

    private static void memory(StringBuilder sb, String kind, List<TraceEvent.Access> l) {
        for (TraceEvent.Access a : l) {
            sb.append(',').append(kind).append("=0x").append(Integer.toHexString(a.linear())).append(':')
                    .append(TextTrace.hex(a.data()).toUpperCase(Locale.ROOT));
        }
    }

    @Override
    public void finish() {
        out.flush();
    }
}
