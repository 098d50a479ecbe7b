package ntgate.nt;

import ntgate.asm.AsmRecord;
import ntgate.asm.AsmResult;

import java.util.HashMap;
import java.util.Map;
import java.util.function.IntUnaryOperator;

/**
 * The annotation of each assembled instruction (the comment of its source line), as the tracer and the debugger
 * show it beside the instruction. An annotation describes the bytes it was written for: once those bytes have
 * been overwritten (a user's patch, {@code eb}, a hook), the instruction at that address shows none. The one
 * patch the kernel makes to its own code, KiEnableFastSyscallReturn's change of the KiSystemCallExitBranch
 * displacement, keeps the annotation, which describes both targets.
 */
public final class Annotations {
    private record Entry(AsmRecord record, byte[] bytes, int compared) {}

    private final Map<Integer, Entry> byAddress = new HashMap<>();

    /** Collects the annotations of {@code images}; {@code selfPatched} addresses compare only their opcode byte. */
    public Annotations(Iterable<AsmResult> images, java.util.Set<Integer> selfPatched) {
        for (AsmResult r : images) {
            for (AsmRecord rec : r.instructions()) {
                if (rec.annotation().isBlank() && rec.annotation(ntgate.asm.Lang.ZH).isBlank()) continue;
                int at = (int) rec.address();
                byte[] b = rec.bytes();
                byAddress.put(at, new Entry(rec, b, selfPatched.contains(at) ? Math.min(1, b.length) : b.length));
            }
        }
    }

    /**
     * The annotation of the instruction at {@code address}, or null when there is none or the bytes there are no
     * longer the assembled ones. {@code read8} reads the current byte (or returns -1 when it cannot).
     */
    public String at(int address, IntUnaryOperator read8) {
        return at(address, ntgate.asm.Lang.EN, read8);
    }

    /** {@link #at(int, IntUnaryOperator)} in {@code lang} (English where the line has no text in it). */
    public String at(int address, ntgate.asm.Lang lang, IntUnaryOperator read8) {
        Entry e = byAddress.get(address);
        if (e == null) return null;
        for (int i = 0; i < e.compared; i++) {
            if (read8.applyAsInt(address + i) != (e.bytes[i] & 0xFF)) return null;
        }
        String a = e.record.annotation(lang).strip();
        return a.isEmpty() ? null : a;
    }
}
