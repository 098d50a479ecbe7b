package ntgate.trace;

import java.util.List;

/**
 * What a traced run reports (STYLE.md habit 10): typed events produced by {@link Tracer} from the CPU's execution
 * hooks and consumed by the writers ({@link TextTrace}, {@link JsonlTrace}, {@link TenetTrace}) or by any other
 * tool. Events are values; a writer decides how they look.
 */
public sealed interface TraceEvent {
    /** Instructions retired before the event. */
    long icount();

    /**
     * A ring-3 SYSENTER or INT 2Eh: the call as the kernel will see it. {@code service} is null for a number the
     * service list does not declare; {@code args} holds the argument dwords the service declares (null where the
     * user stack could not be read); {@code decoded}, when the tracer has a decoder, one text per argument
     * ({@code Name=value} for a known prototype, else the hex value), else null.
     */
    record CallEntry(long icount, int eip, int number, String service, boolean sysenter, int argPointer,
                     List<Integer> args, List<String> decoded) implements TraceEvent {}

    /**
     * The call came back to ring 3 with {@code status} in EAX, or ({@code returned} false) it never did: the
     * process ended in it or it continued elsewhere (NtContinue).
     */
    record CallExit(long icount, int number, String service, boolean returned, int status) implements TraceEvent {}

    /** The gate opens: a ring-3 SYSENTER or INT 2Eh with these EAX and EDX. */
    record GateEntry(long icount, int eip, int number, String service, boolean sysenter, int eax, int edx)
            implements TraceEvent {}

    /** The gate closes: SYSEXIT or IRETD landed in ring 3 at {@code eip} with {@code eax}. */
    record GateExit(long icount, int eip, int eax) implements TraceEvent {}

    /** One memory access of an instruction: the bytes at {@code linear} after it executed. */
    record Access(int linear, byte[] data) {}

    /**
     * One executed instruction. {@code before} and {@code after} are EAX ECX EDX EBX ESP EBP ESI EDI, EIP and
     * EFLAGS around it; {@code reads} is empty unless the trace asked for reads; {@code fault} names the exception
     * it raised instead of completing (then {@code after} is the state at the fault), else null.
     */
    record Step(long icount, int eip, int cpl, String symbol, byte[] bytes, String text, String annotation,
                int[] before, int[] after, List<Access> reads, List<Access> writes, String fault) implements TraceEvent {
        /** Register names in the order of {@link #before} and {@link #after}. */
        public static final String[] REGS = {"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi", "eip", "eflags"};
    }
}
