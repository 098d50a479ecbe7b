package ntgate.debug;

import java.util.Locale;

/**
 * WinDbg's MASM expressions over 32-bit values. Numbers are hex by default ({@code 804d709e}, {@code 0x3a};
 * {@code 0n10} decimal, {@code 0y101} binary, {@code 0t17} octal); symbols ({@code nt!KiFastCallEntry},
 * {@code ntdll!NtClose}, {@code program!start}, a bare name searched module by module); registers and
 * pseudo-registers ({@code esp}, {@code @eip}, {@code $teb}, {@code @$t0}). Operators by precedence, highest
 * first, as WinDbg's "MASM Numbers and Operators" lists them:
 * <ul>
 * <li>unary {@code + - not hi low by wo dwo poi} and {@code ( )}</li>
 * <li>{@code * / % mod}</li>
 * <li>{@code + -}</li>
 * <li>{@code << >> >>>} ({@code >>} logical, {@code >>>} arithmetic)</li>
 * <li>{@code = == != < > <= >=} (1 or 0)</li>
 * <li>{@code & and}</li>
 * <li>{@code ^ xor}</li>
 * <li>{@code | or}</li>
 * </ul>
 * {@code not} gives 1 for 0 and 0 otherwise; {@code hi}/{@code low} the high/low 16 bits; division is unsigned.
 */
final class Expr {
    /** The machine an expression reads: registers, symbols, memory. */
    interface Context {
        /** A register or pseudo-register's value ({@code eax}, {@code zf}, {@code $teb}), or null. */
        Integer register(String name);

        /** The address of {@code module!name} (module null: any module), or null. */
        Long symbol(String module, String name);

        /** The byte at a linear address, or -1 when not mapped. */
        int peek8(int linear);
    }

    private final String text;
    private final Context ctx;
    private int pos;

    private Expr(String text, Context ctx) {
        this.text = text;
        this.ctx = ctx;
    }

    /** Evaluates the whole of {@code text}. */
    static int eval(String text, Context ctx) {
        String t = text.strip();
        if (t.isEmpty()) throw DebugError.syntax(text);
        Expr e = new Expr(t, ctx);
        int v = e.or();
        e.skipSpaces();
        if (e.pos != t.length()) throw DebugError.syntax(t.substring(e.pos));
        return v;
    }

    private int or() {
        int v = xor();
        while (true) {
            skipSpaces();
            if (peekIs("||")) return v;
            if (eat("|") || eatWord("or")) v |= xor();
            else return v;
        }
    }

    private int xor() {
        int v = and();
        while (true) {
            skipSpaces();
            if (eat("^") || eatWord("xor")) v ^= and();
            else return v;
        }
    }

    private int and() {
        int v = compare();
        while (true) {
            skipSpaces();
            if (peekIs("&&")) return v;
            if (eat("&") || eatWord("and")) v &= compare();
            else return v;
        }
    }

    private int compare() {
        int v = shift();
        while (true) {
            skipSpaces();
            if (eat("==") || eat("=")) v = v == shift() ? 1 : 0;
            else if (eat("!=")) v = v != shift() ? 1 : 0;
            else if (eat("<=")) v = Integer.compareUnsigned(v, shift()) <= 0 ? 1 : 0;
            else if (eat(">=")) v = Integer.compareUnsigned(v, shift()) >= 0 ? 1 : 0;
            else if (!peekIs("<<") && eat("<")) v = Integer.compareUnsigned(v, shift()) < 0 ? 1 : 0;
            else if (!peekIs(">>") && eat(">")) v = Integer.compareUnsigned(v, shift()) > 0 ? 1 : 0;
            else return v;
        }
    }

    private int shift() {
        int v = sum();
        while (true) {
            skipSpaces();
            if (eat("<<")) v <<= sum();
            else if (eat(">>>")) v >>= sum();
            else if (eat(">>")) v >>>= sum();
            else return v;
        }
    }

    private int sum() {
        int v = product();
        while (true) {
            skipSpaces();
            if (eat("+")) v += product();
            else if (eat("-")) v -= product();
            else return v;
        }
    }

    private int product() {
        int v = unary();
        while (true) {
            skipSpaces();
            if (eat("*")) {
                v *= unary();
            } else if (eat("/")) {
                int d = unary();
                if (d == 0) throw new DebugError("Divide by zero error at '" + rest() + "'");
                v = Integer.divideUnsigned(v, d);
            } else if (eat("%") || eatWord("mod")) {
                int d = unary();
                if (d == 0) throw new DebugError("Divide by zero error at '" + rest() + "'");
                v = Integer.remainderUnsigned(v, d);
            } else {
                return v;
            }
        }
    }

    private int unary() {
        skipSpaces();
        if (eat("-")) return -unary();
        if (eat("+")) return unary();
        if (eat("(")) {
            int v = or();
            skipSpaces();
            if (!eat(")")) throw DebugError.syntax(rest());
            return v;
        }
        if (eatWord("not")) return unary() == 0 ? 1 : 0;
        if (eatWord("hi")) return unary() >>> 16;
        if (eatWord("low")) return unary() & 0xFFFF;
        int start = pos;
        while (pos < text.length() && isWordChar(text.charAt(pos))) pos++;
        if (start == pos) throw DebugError.syntax(rest());
        String word = text.substring(start, pos);
        skipSpaces();
        String lw = word.toLowerCase(Locale.ROOT);
        if ((lw.equals("poi") || lw.equals("dwo") || lw.equals("wo") || lw.equals("by")) && eat("(")) {
            int a = or();
            skipSpaces();
            if (!eat(")")) throw DebugError.syntax(rest());
            int size = lw.equals("by") ? 1 : lw.equals("wo") ? 2 : 4;
            int v = 0;
            for (int i = 0; i < size; i++) {
                int b = ctx.peek8(a + i);
                if (b < 0) throw DebugError.memory(String.format(Locale.ROOT, "%08x", a));
                v |= b << (8 * i);
            }
            return v;
        }
        return atom(word);
    }

    private int atom(String word) {
        if (word.startsWith("@")) {
            Integer r = ctx.register(word.substring(1));
            if (r == null) throw DebugError.syntax(word);
            return r;
        }
        // A word that reads as hex is a number (cf, af, df need @ to be flags), as in WinDbg's MASM evaluator.
        Integer n = number(word);
        if (n != null) return n;
        Integer r = ctx.register(word);
        if (r != null) return r;
        if (word.startsWith("$")) throw DebugError.syntax(word);
        int bang = word.indexOf('!');
        Long s = bang >= 0 ? ctx.symbol(word.substring(0, bang), word.substring(bang + 1)) : ctx.symbol(null, word);
        if (s == null) throw DebugError.unresolved(word);
        return (int) (long) s;
    }

    /**
     * A number in WinDbg's default radix 16, {@code 0x} hex, {@code 0n} decimal, {@code 0t} octal, {@code 0y}
     * binary, a {@code `} separator allowed ({@code 00000000`804d7000}); else null.
     */
    static Integer number(String word) {
        String w = word.toLowerCase(Locale.ROOT).replace("`", "");
        int radix = 16;
        if (w.startsWith("0x")) {
            w = w.substring(2);
        } else if (w.startsWith("0n")) {
            w = w.substring(2);
            radix = 10;
        } else if (w.startsWith("0t")) {
            w = w.substring(2);
            radix = 8;
        } else if (w.startsWith("0y")) {
            w = w.substring(2);
            radix = 2;
        }
        if (w.isEmpty() || w.length() > (radix == 2 ? 64 : 20)) return null;
        try {
            return (int) Long.parseUnsignedLong(w, radix);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static boolean isWordChar(char c) {
        return Character.isLetterOrDigit(c) || c == '_' || c == '!' || c == '@' || c == '.' || c == '`' || c == '$';
    }

    private boolean peekIs(String s) {
        return text.startsWith(s, pos);
    }

    private boolean eat(String s) {
        if (text.startsWith(s, pos)) {
            pos += s.length();
            return true;
        }
        return false;
    }

    /** An operator word ({@code and}, {@code not}) followed by something that cannot continue the word. */
    private boolean eatWord(String w) {
        if (!text.regionMatches(true, pos, w, 0, w.length())) return false;
        int end = pos + w.length();
        if (end < text.length() && isWordChar(text.charAt(end))) return false;
        if (end >= text.length() && !w.equals("not")) return false;
        pos = end;
        return true;
    }

    private void skipSpaces() {
        while (pos < text.length() && Character.isWhitespace(text.charAt(pos))) pos++;
    }

    private String rest() {
        return pos >= text.length() ? text : text.substring(pos);
    }
}
