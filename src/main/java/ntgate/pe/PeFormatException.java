package ntgate.pe;

/** The file is not a PE32 image ntgate can load: one line naming what is wrong (no stack trace). */
public final class PeFormatException extends Exception {
    public PeFormatException(String message) {
        super(message, null, false, false);
    }
}
