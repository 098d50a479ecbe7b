package ntgate.asm;

import java.util.EnumMap;
import java.util.Map;

/**
 * One source line's annotation in every language it is written in. The comment of a kernel or ntdll line holds
 * English first and then each other language after a marker {@code |code|}, all on the one line so that the
 * source exists once and an edit stays line-local:
 *
 * <pre>
 * push edx   ; KTRAP_FRAME.HardwareEsp = user ESP |zh| 陷阱帧.HardwareEsp = 用户态 ESP
 * </pre>
 *
 * A comment without a marker is English only. Text of a language a line does not have falls back to English.
 */
public final class Annotation {
    private final Map<Lang, String> text;

    private Annotation(Map<Lang, String> text) {
        this.text = text;
    }

    /** The marker that starts the text of {@code lang} inside a comment ({@code |zh|}). */
    public static String marker(Lang lang) {
        return "|" + lang.code() + "|";
    }

    /** Splits a comment (the text after {@code ;}) at its language markers. */
    public static Annotation parse(String comment) {
        Map<Lang, String> m = new EnumMap<>(Lang.class);
        String c = comment == null ? "" : comment;
        // Find every marker, then cut the comment between consecutive ones.
        int[] at = new int[Lang.values().length];
        Lang[] order = new Lang[at.length];
        int n = 0;
        for (Lang l : Lang.values()) {
            if (l == Lang.EN) continue;
            int i = c.indexOf(marker(l));
            if (i >= 0) {
                int k = n++;
                while (k > 0 && at[k - 1] > i) {
                    at[k] = at[k - 1];
                    order[k] = order[k - 1];
                    k--;
                }
                at[k] = i;
                order[k] = l;
            }
        }
        m.put(Lang.EN, (n == 0 ? c : c.substring(0, at[0])).strip());
        for (int j = 0; j < n; j++) {
            int from = at[j] + marker(order[j]).length();
            int to = j + 1 < n ? at[j + 1] : c.length();
            m.put(order[j], c.substring(from, to).strip());
        }
        return new Annotation(m);
    }

    /** The text in {@code lang}, else the English text ("" when the line has no annotation). */
    public String text(Lang lang) {
        String t = text.get(lang);
        return t == null || t.isEmpty() ? text.get(Lang.EN) : t;
    }

    /** Whether the line has its own (non-empty) text in {@code lang}, without falling back to English. */
    public boolean has(Lang lang) {
        String t = text.get(lang);
        return t != null && !t.isEmpty();
    }
}
