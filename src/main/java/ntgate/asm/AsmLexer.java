package ntgate.asm;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits one source line into tokens, NASM style. The text after the first {@code ;} that is not inside a
 * string is the line's comment, kept as the instruction's annotation.
 *
 * <p>Numbers follow NASM: {@code 0x1F}, {@code 0h1F}, {@code 1Fh}, {@code 0b1010}, {@code 1010b},
 * {@code 0o17}, {@code 17o}, {@code 17q}, {@code 0d99}, {@code 99d}, decimal; underscores may separate
 * digits. With {@code hexDefault} (the WinDbg dialect) a number with neither a {@code 0x} prefix nor an
 * {@code h} suffix is hexadecimal too ({@code 00401000}, {@code 8053e5cd}), as in WinDbg. Strings are quoted with {@code '}, {@code "} or {@code `} (the last with C escapes).
 */
final class AsmLexer {
    private AsmLexer() {}

    enum Kind { IDENT, NUMBER, STRING, PUNCT, EOL }

    /** One token; {@code col} is 1-based. {@code text} is the identifier, punctuation or string contents. */
    record Token(Kind kind, String text, long value, int col) {
        boolean is(String punct) {
            return kind == Kind.PUNCT && text.equals(punct);
        }

        boolean isIdent(String lowerName) {
            return kind == Kind.IDENT && text.equalsIgnoreCase(lowerName);
        }

        @Override
        public String toString() {
            return switch (kind) {
                case EOL -> "end of line";
                case STRING -> "string";
                default -> "'" + text + "'";
            };
        }
    }

    /** The tokens of a line, the comment (without the {@code ;}, stripped, or "") and lexical errors. */
    record Lexed(List<Token> tokens, String comment, int commentCol, List<String> errors, List<Integer> errorCols) {}

    static boolean identStart(char c) {
        return Character.isLetter(c) || c == '_' || c == '.' || c == '?' || c == '@';
    }

    static boolean identPart(char c) {
        return Character.isLetterOrDigit(c) || c == '_' || c == '$' || c == '#' || c == '@' || c == '~'
                || c == '.' || c == '?';
    }

    static Lexed lex(String line) {
        return lex(line, false);
    }

    static Lexed lex(String line, boolean hexDefault) {
        List<Token> out = new ArrayList<>();
        List<String> errs = new ArrayList<>();
        List<Integer> errCols = new ArrayList<>();
        String comment = "";
        int commentCol = 0;
        int i = 0, n = line.length();
        while (i < n) {
            char c = line.charAt(i);
            int col = i + 1;
            if (c == ';') {
                comment = line.substring(i + 1).strip();
                commentCol = col;
                break;
            }
            if (Character.isWhitespace(c)) {
                i++;
                continue;
            }
            if (identStart(c) || (c == '$' && i + 1 < n && identStart(line.charAt(i + 1)))) {
                int s = c == '$' ? i + 1 : i;   // "$name" escapes a name that is also a keyword
                int j = s;
                while (j < n && identPart(line.charAt(j))) j++;
                out.add(new Token(Kind.IDENT, line.substring(s, j), 0, col));
                i = j;
                continue;
            }
            if (Character.isDigit(c)) {
                int j = i;
                while (j < n && (Character.isLetterOrDigit(line.charAt(j)) || line.charAt(j) == '_')) j++;
                String text = line.substring(i, j);
                Long v = parseNumber(text, hexDefault);
                if (v == null) {
                    errs.add("invalid number '" + text + "'");
                    errCols.add(col);
                    v = 0L;
                }
                out.add(new Token(Kind.NUMBER, text, v, col));
                i = j;
                continue;
            }
            if (c == '\'' || c == '"' || c == '`') {
                StringBuilder sb = new StringBuilder();
                int j = i + 1;
                boolean closed = false;
                while (j < n) {
                    char d = line.charAt(j);
                    if (d == c) {
                        closed = true;
                        j++;
                        break;
                    }
                    if (c == '`' && d == '\\' && j + 1 < n) {
                        char e = line.charAt(j + 1);
                        j += 2;
                        switch (e) {
                            case 'n' -> sb.append('\n');
                            case 't' -> sb.append('\t');
                            case 'r' -> sb.append('\r');
                            case '0' -> sb.append('\0');
                            case 'a' -> sb.append('\007');
                            case 'b' -> sb.append('\b');
                            case 'f' -> sb.append('\f');
                            case 'v' -> sb.append('\013');
                            case 'e' -> sb.append('\033');
                            case 'x' -> {
                                int k = j, val = 0;
                                while (k < n && k < j + 2 && Character.digit(line.charAt(k), 16) >= 0) {
                                    val = val * 16 + Character.digit(line.charAt(k), 16);
                                    k++;
                                }
                                sb.append((char) val);
                                j = k;
                            }
                            default -> sb.append(e);
                        }
                        continue;
                    }
                    sb.append(d);
                    j++;
                }
                if (!closed) {
                    errs.add("unterminated string");
                    errCols.add(col);
                }
                out.add(new Token(Kind.STRING, sb.toString(), 0, col));
                i = j;
                continue;
            }
            String two = i + 1 < n ? line.substring(i, i + 2) : "";
            if (two.equals("<<") || two.equals(">>") || two.equals("//") || two.equals("%%") || two.equals("$$")) {
                out.add(new Token(Kind.PUNCT, two, 0, col));
                i += 2;
                continue;
            }
            if ("+-*/%&|^~!()[],:${}=".indexOf(c) >= 0) {    // '=' appears only in section attributes (align=, start=)
                out.add(new Token(Kind.PUNCT, String.valueOf(c), 0, col));
                i++;
                continue;
            }
            errs.add("unexpected character '" + (c < 32 || c > 126 ? String.format("\\u%04x", (int) c) : c) + "'");
            errCols.add(col);
            i++;
        }
        out.add(new Token(Kind.EOL, "", 0, Math.min(i, n) + 1));
        return new Lexed(out, comment, commentCol, errs, errCols);
    }

    /** Parses a NASM number, or returns null when it is not one (or does not fit 64 bits). */
    static Long parseNumber(String raw) {
        return parseNumber(raw, false);
    }

    /** As {@link #parseNumber(String)}; with {@code hexDefault} a number without a radix mark is hexadecimal. */
    static Long parseNumber(String raw, boolean hexDefault) {
        String t = raw.replace("_", "").toLowerCase();
        if (t.isEmpty()) return null;
        if (hexDefault && !t.startsWith("0x") && !(t.endsWith("h") && isDigits(t.substring(0, t.length() - 1), 16))) {
            if (!isDigits(t, 16)) return null;
            try {
                return Long.parseUnsignedLong(t, 16);
            } catch (NumberFormatException e) {
                return null;
            }
        }
        int radix = 10;
        String digits = t;
        if (t.length() > 2 && t.charAt(0) == '0' && "xhbyoqdt".indexOf(t.charAt(1)) >= 0 && isDigits(t.substring(2), radixOf(t.charAt(1)))) {
            radix = radixOf(t.charAt(1));
            digits = t.substring(2);
        } else {
            char last = t.charAt(t.length() - 1);
            String body = t.substring(0, t.length() - 1);
            if (!body.isEmpty() && "hxbyoqdt".indexOf(last) >= 0 && isDigits(body, radixOf(last))) {
                radix = radixOf(last);
                digits = body;
            }
        }
        if (!isDigits(digits, radix)) return null;
        try {
            return Long.parseUnsignedLong(digits, radix);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static int radixOf(char c) {
        return switch (c) {
            case 'x', 'h' -> 16;
            case 'b', 'y' -> 2;
            case 'o', 'q' -> 8;
            default -> 10;
        };
    }

    private static boolean isDigits(String s, int radix) {
        if (s.isEmpty()) return false;
        for (int k = 0; k < s.length(); k++) {
            if (Character.digit(s.charAt(k), radix) < 0) return false;
        }
        return true;
    }
}
