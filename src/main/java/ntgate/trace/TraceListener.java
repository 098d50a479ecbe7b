package ntgate.trace;

/** A consumer of {@link TraceEvent}s. */
public interface TraceListener {
    void event(TraceEvent e);

    /** True when the listener needs the bytes each instruction read (a slower trace: every read is logged). */
    default boolean wantsReads() {
        return false;
    }

    /** The run is over: write what is pending and flush. */
    default void finish() {
    }
}
