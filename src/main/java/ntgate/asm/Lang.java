package ntgate.asm;

import java.util.Locale;

/**
 * The languages an annotation is written in. A source line holds all of them in its one comment (see
 * {@link Annotation}); the tracer, the debugger's {@code u}, the demo and the HTML report show the one asked for.
 */
public enum Lang {
    /** English: the text before any language marker. */
    EN("en"),
    /** Simplified Chinese: the text after the {@code |zh|} marker. */
    ZH("zh");

    private final String code;

    Lang(String code) {
        this.code = code;
    }

    /** The ISO 639-1 code ({@code en}, {@code zh}): what {@code --lang} takes and what marks the text in a comment. */
    public String code() {
        return code;
    }

    /** The language of that code (case-insensitive), or null when there is none. */
    public static Lang of(String code) {
        if (code == null) return null;
        String c = code.strip().toLowerCase(Locale.ROOT);
        for (Lang l : values()) if (l.code.equals(c)) return l;
        return null;
    }
}
