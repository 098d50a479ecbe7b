package ntgate.asm;

/**
 * Internal signal for one error at a column of the line being assembled. It is always caught by the
 * assembler and turned into an {@link AsmError}; it never reaches a caller. Stackless, as it is control flow.
 */
final class AsmFail extends RuntimeException {
    final int col;

    AsmFail(int col, String message) {
        super(message, null, false, false);
        this.col = col;
    }
}
