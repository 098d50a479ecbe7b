package ntgate.nt.drv;

import ntgate.nt.GuestMemory;

import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * The kernel's printf (DbgPrint, DbgPrintEx, vDbgPrintEx): the format and its arguments read from guest memory.
 * Conversions as the Microsoft C runtime defines them: {@code d i u x X o c C s S p %}, flags {@code - + space # 0},
 * width and precision ({@code *} too), sizes {@code h l ll w I64 I32}; the kernel's {@code %Z} (ANSI_STRING*) and
 * {@code %wZ} (UNICODE_STRING*); {@code %p} is eight upper-case hex digits; {@code %ws}/{@code %ls}/{@code %S} wide
 * strings. A NULL string prints {@code (null)}. XP's DbgPrint keeps at most 512 bytes of output per call.
 */
final class DbgFormat {
    private DbgFormat() {}

    /** XP's DbgPrint buffer (512 bytes): longer output is cut there. */
    static final int LIMIT = 512;

    /** Reads the next argument dword at {@code ap} and advances it. */
    private static final class Args {
        final GuestMemory mem;
        int ap;

        Args(GuestMemory mem, int ap) {
            this.mem = mem;
            this.ap = ap;
        }

        int next() {
            int v = mem.u32(Integer.toUnsignedLong(ap));
            ap += 4;
            return v;
        }
    }

    /** Formats {@code format} (a guest char*) with the arguments starting at {@code ap}. */
    static String format(GuestMemory mem, int format, int ap) {
        String f = ansi(mem, format, 4096);
        Args a = new Args(mem, ap);
        StringBuilder out = new StringBuilder();
        int i = 0;
        while (i < f.length() && out.length() < LIMIT) {
            char c = f.charAt(i++);
            if (c != '%') {
                out.append(c);
                continue;
            }
            if (i >= f.length()) break;
            boolean left = false, plus = false, space = false, alt = false, zero = false;
            for (; i < f.length(); i++) {
                char g = f.charAt(i);
                if (g == '-') left = true;
                else if (g == '+') plus = true;
                else if (g == ' ') space = true;
                else if (g == '#') alt = true;
                else if (g == '0') zero = true;
                else break;
            }
            int width = -1, precision = -1;
            if (i < f.length() && f.charAt(i) == '*') {
                width = a.next();
                if (width < 0) {
                    left = true;
                    width = -width;
                }
                i++;
            } else {
                while (i < f.length() && Character.isDigit(f.charAt(i))) width = Math.max(width, 0) * 10 + (f.charAt(i++) - '0');
            }
            if (i < f.length() && f.charAt(i) == '.') {
                i++;
                precision = 0;
                if (i < f.length() && f.charAt(i) == '*') {
                    precision = a.next();
                    i++;
                } else {
                    while (i < f.length() && Character.isDigit(f.charAt(i))) precision = precision * 10 + (f.charAt(i++) - '0');
                }
            }
            boolean wide = false, longLong = false, shortArg = false;
            while (i < f.length()) {
                char g = f.charAt(i);
                if (g == 'l' && i + 1 < f.length() && f.charAt(i + 1) == 'l') {
                    longLong = true;
                    i += 2;
                } else if (g == 'I' && f.startsWith("I64", i)) {
                    longLong = true;
                    i += 3;
                } else if (g == 'I' && f.startsWith("I32", i)) {
                    i += 3;
                } else if (g == 'l' || g == 'w') {
                    wide = true;
                    i++;
                } else if (g == 'h') {
                    shortArg = true;
                    i++;
                } else {
                    break;
                }
            }
            if (i >= f.length()) break;
            char conv = f.charAt(i++);
            String body;
            switch (conv) {
                case '%' -> body = "%";
                case 'c', 'C' -> body = String.valueOf((char) ((conv == 'C' || wide) ? a.next() & 0xFFFF : a.next() & 0xFF));
                case 's', 'S' -> {
                    int p = a.next();
                    boolean w = conv == 'S' ? !shortArg : wide;
                    body = p == 0 ? "(null)" : w ? utf16z(mem, p, precision < 0 ? 4096 : precision) : ansi(mem, p, precision < 0 ? 4096 : precision);
                    if (precision >= 0 && body.length() > precision) body = body.substring(0, precision);
                }
                case 'Z' -> {
                    int p = a.next();
                    if (p == 0) {
                        body = "(null)";
                    } else {
                        int len = mem.u16(Integer.toUnsignedLong(p)), buf = mem.u32(Integer.toUnsignedLong(p) + 4);
                        body = buf == 0 ? "(null)" : wide ? mem.utf16(Integer.toUnsignedLong(buf), len / 2) : ansiCounted(mem, buf, len);
                    }
                }
                case 'p' -> body = String.format(Locale.ROOT, "%08X", a.next());
                case 'd', 'i', 'u', 'x', 'X', 'o' -> {
                    long v;
                    if (longLong) {
                        long lo = Integer.toUnsignedLong(a.next()), hi = a.next();
                        v = hi << 32 | lo;
                    } else {
                        int x = a.next();
                        if (shortArg) x = conv == 'd' || conv == 'i' ? (short) x : x & 0xFFFF;
                        v = conv == 'd' || conv == 'i' ? x : Integer.toUnsignedLong(x);
                    }
                    body = integer(v, conv, longLong, plus, space, alt, precision);
                    if (zero && !left && precision < 0 && width > body.length()) {
                        int sign = body.startsWith("-") || body.startsWith("+") || body.startsWith(" ") ? 1
                                : body.startsWith("0x") || body.startsWith("0X") ? 2 : 0;
                        body = body.substring(0, sign) + "0".repeat(width - body.length()) + body.substring(sign);
                    }
                }
                default -> body = "%" + conv;       // not a conversion the kernel's printf knows: printed as written
            }
            if (width > body.length()) {
                String pad = " ".repeat(width - body.length());
                body = left ? body + pad : pad + body;
            }
            out.append(body);
        }
        return out.length() > LIMIT ? out.substring(0, LIMIT) : out.toString();
    }

    private static String integer(long v, char conv, boolean longLong, boolean plus, boolean space, boolean alt, int precision) {
        String digits;
        boolean negative = false;
        switch (conv) {
            case 'd', 'i' -> {
                negative = v < 0;
                digits = Long.toUnsignedString(negative ? -v : v);
            }
            case 'u' -> digits = Long.toUnsignedString(v);
            case 'x' -> digits = Long.toHexString(v);
            case 'X' -> digits = Long.toHexString(v).toUpperCase(Locale.ROOT);
            default -> digits = Long.toOctalString(v);
        }
        if (precision >= 0) {
            if (precision == 0 && v == 0) digits = "";
            else if (digits.length() < precision) digits = "0".repeat(precision - digits.length()) + digits;
        }
        String prefix = "";
        if (conv == 'd' || conv == 'i') prefix = negative ? "-" : plus ? "+" : space ? " " : "";
        else if (alt && v != 0) prefix = conv == 'x' ? "0x" : conv == 'X' ? "0X" : conv == 'o' ? "0" : "";
        return prefix + digits;
    }

    /** A NUL-terminated char string (bytes as Latin-1), at most {@code max} characters. */
    static String ansi(GuestMemory mem, int p, int max) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < max; i++) {
            int b = mem.u8(Integer.toUnsignedLong(p + i));
            if (b == 0) break;
            sb.append((char) b);
        }
        return sb.toString();
    }

    private static String ansiCounted(GuestMemory mem, int p, int len) {
        byte[] b = mem.read(Integer.toUnsignedLong(p), Math.min(len, 4096));
        return new String(b, StandardCharsets.ISO_8859_1);
    }

    /** A NUL-terminated WCHAR string, at most {@code max} characters. */
    static String utf16z(GuestMemory mem, int p, int max) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < max; i++) {
            int w = mem.u16(Integer.toUnsignedLong(p) + 2L * i);
            if (w == 0) break;
            sb.append((char) w);
        }
        return sb.toString();
    }
}
