package ntgate.asm;

import java.util.List;
import java.util.stream.Collectors;

/**
 * Thrown by {@link AsmResult#orThrow()} when a source had errors: for code the program itself generates
 * (kernel routines at boot, tests), where an error is a bug in ntgate. Its message lists every error.
 */
public final class AsmException extends RuntimeException {
    private final transient List<AsmError> errors;

    public AsmException(List<AsmError> errors) {
        super(errors.stream().map(AsmError::toString).collect(Collectors.joining("\n")));
        this.errors = List.copyOf(errors);
    }

    public List<AsmError> errors() {
        return errors;
    }
}
