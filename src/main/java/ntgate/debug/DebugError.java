package ntgate.debug;

/** A command that cannot be carried out: its message is the one line the debugger prints, as WinDbg does. */
public final class DebugError extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public DebugError(String message) {
        super(message, null, false, false);
    }

    /** {@code ^ Syntax error in 'text'}. */
    static DebugError syntax(String text) {
        return new DebugError("^ Syntax error in '" + text + "'");
    }

    /** {@code Couldn't resolve error at 'text'}. */
    static DebugError unresolved(String text) {
        return new DebugError("Couldn't resolve error at '" + text + "'");
    }

    /** {@code Memory access error at 'text'}. */
    static DebugError memory(String text) {
        return new DebugError("Memory access error at '" + text + "'");
    }
}
