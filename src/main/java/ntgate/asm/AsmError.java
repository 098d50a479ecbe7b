package ntgate.asm;

/**
 * One error in a source file, at a 1-based line and column, printed as {@code file:line:col: message}
 * ({@code hello.asm:12:9: unknown register 'exz'}).
 */
public record AsmError(String file, int line, int column, String message) {
    @Override
    public String toString() {
        return file + ":" + line + ":" + column + ": " + message;
    }
}
