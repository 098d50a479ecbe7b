package ntgate.debug;

import ntgate.cpu.Cpu;

import java.util.Locale;
import java.util.Map;

/**
 * WinDbg's MASM expressions, the subset a gate study needs: numbers in hex by default ({@code 804d709e},
 * {@code 0x3a}, {@code 0n10} decimal), symbols ({@code nt!KiFastCallEntry}, {@code ntdll!NtClose},
 * {@code program!start}, or a bare name searched in nt, ntdll, then the program), registers ({@code esp},
 * {@code @eip}), {@code poi(expr)} (the dword there), {@code by(..)}, {@code wo(..)}, parentheses, unary minus and
 * {@code + - *}. Values are 32-bit.
 */
final class Expr {
    /** The machine an expression reads: registers, symbols, memory. */
    interface Context {
        Cpu cpu();

        /** The address of {@code module!name} (module null: any image), or null. */
        Long symbol(String module, String name);

        /** The byte at a linear address, or -1 when not mapped. */
        int peek8(int linear);
    }

    static final String[] GPR = {"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"};
    static final String[] SEG = {"es", "cs", "ss", "ds", "fs", "gs"};

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
        int v = e.sum();
        e.skipSpaces();
        if (e.pos != t.length()) throw DebugError.syntax(t.substring(e.pos));
        return v;
    }

    /** The register's value, or null when {@code name} is no register. */
    static Integer register(Cpu cpu, String name) {
        String n = name.toLowerCase(Locale.ROOT);
        if (n.startsWith("@")) n = n.substring(1);
        for (int i = 0; i < 8; i++) if (GPR[i].equals(n)) return cpu.gpr[i];
        for (int i = 0; i < 6; i++) if (SEG[i].equals(n)) return cpu.st.segSel[i];
        return switch (n) {
            case "eip" -> cpu.st.eip;
            case "efl" -> cpu.st.eflags();
            case "cr0" -> cpu.st.cr0;
            case "cr2" -> cpu.st.cr2;
            case "cr3" -> cpu.st.cr3;
            case "cr4" -> cpu.st.cr4;
            default -> null;
        };
    }

    private int sum() {
        int v = product();
        while (true) {
            skipSpaces();
            if (eat('+')) v += product();
            else if (eat('-')) v -= product();
            else return v;
        }
    }

    private int product() {
        int v = unary();
        while (true) {
            skipSpaces();
            if (eat('*')) v *= unary();
            else return v;
        }
    }

    private int unary() {
        skipSpaces();
        if (eat('-')) return -unary();
        if (eat('+')) return unary();
        if (eat('(')) {
            int v = sum();
            skipSpaces();
            if (!eat(')')) throw DebugError.syntax(rest());
            return v;
        }
        int start = pos;
        while (pos < text.length() && isWordChar(text.charAt(pos))) pos++;
        if (start == pos) throw DebugError.syntax(rest());
        String word = text.substring(start, pos);
        skipSpaces();
        String lw = word.toLowerCase(Locale.ROOT);
        if ((lw.equals("poi") || lw.equals("dwo") || lw.equals("wo") || lw.equals("by")) && eat('(')) {
            int a = sum();
            skipSpaces();
            if (!eat(')')) throw DebugError.syntax(rest());
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
        Integer r = register(ctx.cpu(), word);
        if (r != null) return r;
        if (word.startsWith("@")) throw DebugError.syntax(word);
        Integer n = number(word);
        if (n != null) return n;
        int bang = word.indexOf('!');
        Long s = bang >= 0 ? ctx.symbol(word.substring(0, bang), word.substring(bang + 1)) : ctx.symbol(null, word);
        if (s == null) throw DebugError.unresolved(word);
        return (int) (long) s;
    }

    /** A number in WinDbg's default radix 16, {@code 0x} hex, {@code 0n} decimal, {@code 0y} binary; else null. */
    static Integer number(String word) {
        String w = word.toLowerCase(Locale.ROOT).replace("`", "");
        int radix = 16;
        if (w.startsWith("0x")) w = w.substring(2);
        else if (w.startsWith("0n")) {
            w = w.substring(2);
            radix = 10;
        } else if (w.startsWith("0y")) {
            w = w.substring(2);
            radix = 2;
        }
        if (w.isEmpty() || w.length() > 16) return null;
        try {
            return (int) Long.parseUnsignedLong(w, radix);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static boolean isWordChar(char c) {
        return Character.isLetterOrDigit(c) || c == '_' || c == '!' || c == '@' || c == '.' || c == '`' || c == '$';
    }

    private boolean eat(char c) {
        if (pos < text.length() && text.charAt(pos) == c) {
            pos++;
            return true;
        }
        return false;
    }

    private void skipSpaces() {
        while (pos < text.length() && text.charAt(pos) == ' ') pos++;
    }

    private String rest() {
        return pos >= text.length() ? text : text.substring(pos);
    }

    /** Symbols of one image, by name. */
    static Long lookup(Map<String, Long> symbols, String name) {
        return symbols == null ? null : symbols.get(name);
    }
}
