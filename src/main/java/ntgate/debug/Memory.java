package ntgate.debug;

import ntgate.asm.AsmError;
import ntgate.asm.AsmOptions;
import ntgate.asm.AsmResult;
import ntgate.asm.Assembler;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;

/**
 * Memory and values: {@code db dw dd dq dc da du dps dds}, {@code eb ew ed ea eu eza ezu},
 * {@code s -b|-w|-d|-a|-u range pattern}, {@code a [addr]} (assemble with ntgate's assembler, one line at a time
 * until an empty one), {@code ? expr} and {@code .formats expr}.
 */
final class Memory {
    private final Debugger d;
    private int nextDump;
    private String lastDump = "dd";
    /** The address {@code a} assembles the next line at, or -1 when not assembling. */
    long assembling = -1;

    Memory(Debugger d) {
        this.d = d;
    }

    void register() {
        for (String k : new String[] {"db", "dw", "dd", "dq", "dc", "da", "du", "dps", "dds"}) {
            d.command(k, k.equals("db") ? "db|dw|dd|dq|dc|da|du|dps [addr] [L n]  display memory" : null, (a, l) -> dump(k, a));
        }
        d.command("d", null, (a, l) -> dump(lastDump, a));
        for (String k : new String[] {"eb", "ew", "ed"}) {
            d.command(k, k.equals("eb") ? "eb|ew|ed addr value...  enter bytes, words, dwords" : null, (a, l) -> enter(k, a, l));
        }
        for (String k : new String[] {"ea", "eu", "eza", "ezu"}) {
            d.command(k, k.equals("ea") ? "ea|eu|eza|ezu addr \"text\"  enter a string (z: with its terminator)" : null,
                    (a, l) -> enterString(k, a, l));
        }
        d.command("s", "s -b|-w|-d|-a|-u range pattern  search memory", this::search);
        d.command("a", "a [addr]  assemble lines at addr (ntgate's assembler) until an empty line", this::assemble);
        d.command("?", "? expr  evaluate a MASM expression", (a, l) -> {
            int v = d.eval(a);
            d.regs.lastExpression = v;
            d.out.printf(Locale.ROOT, "Evaluate expression: %d = %08x%n", v, v);
        });
        d.command(".formats", ".formats expr  a value in every format", this::formats);
    }

    // ---- ranges -------------------------------------------------------------------------------------------------

    record Range(int address, int count) {
    }

    /**
     * {@code addr [L n]} or {@code addr1 addr2}: the address (or {@code dflt}) and the count in {@code unit}-byte
     * elements (or {@code dfltCount}).
     */
    Range range(String args, int dfltCount, int dflt, int unit) {
        String[] parts = args.strip().split("\\s+");
        List<String> addr = new ArrayList<>();
        int count = dfltCount;
        for (int i = 0; i < parts.length; i++) {
            String p = parts[i];
            if (p.isEmpty()) continue;
            if ((p.charAt(0) == 'L' || p.charAt(0) == 'l') && (p.length() > 1 ? Expr.number(p.substring(p.startsWith("L?") || p.startsWith("l?") ? 2 : 1)) != null : i + 1 < parts.length)) {
                String num = p.length() > 1 ? p.substring(p.charAt(1) == '?' ? 2 : 1) : parts[++i];
                Integer n = Expr.number(num);
                if (n == null || n <= 0 || (n > 0x100000 && p.charAt(1) != '?')) throw new DebugError("^ Range error in '" + args + "'");
                count = n;
            } else {
                addr.add(p);
            }
        }
        if (addr.isEmpty()) return new Range(dflt, count);
        if (addr.size() == 2 && plain(addr.get(0)) && plain(addr.get(1))) {
            int lo = d.eval(addr.get(0)), hi = d.eval(addr.get(1));
            if (Integer.compareUnsigned(hi, lo) < 0) throw new DebugError("^ Range error in '" + args + "'");
            return new Range(lo, Math.max(1, (int) ((Integer.toUnsignedLong(hi) - Integer.toUnsignedLong(lo)) / unit) + 1));
        }
        return new Range(d.eval(String.join(" ", addr)), count);
    }

    /** A token that is a whole operand (no operator at either end), so two of them are a start and an end. */
    private static boolean plain(String t) {
        String ops = "+-*/%&|^<>=(";
        return ops.indexOf(t.charAt(0)) < 0 && ops.indexOf(t.charAt(t.length() - 1)) < 0 && !t.endsWith("(") ;
    }

    // ---- display ------------------------------------------------------------------------------------------------

    private void dump(String kind, String args) {
        lastDump = kind;
        if (kind.equals("da") || kind.equals("du")) {
            string(kind, args);
            return;
        }
        if (kind.equals("dds")) kind = "dps";
        int unit = switch (kind) {
            case "db" -> 1;
            case "dw" -> 2;
            case "dq" -> 8;
            default -> 4;
        };
        int perLine = switch (kind) {
            case "db" -> 16;
            case "dw" -> 8;
            case "dq" -> 2;
            case "dps" -> 1;
            default -> 4;
        };
        Range r = range(args, kind.equals("dps") ? 16 : 128 / unit, nextDump, unit);
        nextDump = lines(kind, r.address, r.count, unit, perLine);
    }

    /** Prints {@code count} elements from {@code a} as {@code kind} does; returns the next address. */
    int lines(String kind, int a, int count, int unit, int perLine) {
        for (int done = 0; done < count; ) {
            StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%08x ", a));
            StringBuilder ascii = new StringBuilder();
            int lineStart = a;
            for (int j = 0; j < perLine && done < count; j++, done++) {
                int v = d.peek(a, Math.min(unit, 4));
                boolean ok = d.readable(a, Math.min(unit, 4));
                switch (unit) {
                    case 1 -> sb.append(j == 8 ? '-' : ' ').append(ok ? String.format(Locale.ROOT, "%02x", v) : "??");
                    case 2 -> sb.append(' ').append(ok ? String.format(Locale.ROOT, "%04x", v) : "????");
                    case 8 -> {
                        boolean ok2 = d.readable(a + 4, 4);
                        sb.append(' ').append(ok2 ? String.format(Locale.ROOT, "%08x", d.peek(a + 4, 4)) : "????????")
                                .append('`').append(ok ? String.format(Locale.ROOT, "%08x", v) : "????????");
                    }
                    default -> {
                        sb.append(' ').append(ok ? String.format(Locale.ROOT, "%08x", v) : "????????");
                        if (kind.equals("dps") && ok) d.sys.symbolAt(v).ifPresent(s -> sb.append(' ').append(s));
                    }
                }
                a += unit;
            }
            if (kind.equals("db") || kind.equals("dc")) {
                for (int b = lineStart; b != a; b++) {
                    int v = d.cpu.mmu.peek8(b);
                    ascii.append(v >= 0x20 && v < 0x7F ? (char) v : v < 0 ? '?' : '.');
                }
                int pad = (kind.equals("db") ? 16 * 3 : 4 * 9) - (sb.length() - 9);
                sb.append(" ".repeat(Math.max(0, pad))).append("  ").append(ascii);
            }
            d.out.println(sb.toString().stripTrailing());
        }
        return a;
    }

    /** {@code da}/{@code du}: a string up to its terminator (at most {@code L} characters, default 0x100 bytes). */
    private void string(String kind, String args) {
        boolean wide = kind.equals("du");
        Range r = range(args, wide ? 0x80 : 0x100, nextDump, wide ? 2 : 1);
        int a = r.address;
        StringBuilder sb = new StringBuilder();
        boolean unreadable = false;
        for (int i = 0; i < r.count; i++) {
            int unit = wide ? 2 : 1;
            if (!d.readable(a, unit)) {
                unreadable = true;
                break;
            }
            int c = d.peek(a, unit);
            a += unit;
            if (c == 0) break;
            sb.append(c >= 0x20 && c < 0x7F ? (char) c : '.');
        }
        String line = String.format(Locale.ROOT, "%08x  ", r.address) + (unreadable && sb.length() == 0 ? "????" : "\"" + sb + "\"");
        d.out.println(line);
        nextDump = a;
    }

    // ---- entering -----------------------------------------------------------------------------------------------

    private void enter(String kind, String args, String line) {
        String[] parts = args.split("\\s+");
        if (parts.length < 2 || parts[0].isEmpty()) throw DebugError.syntax(line);
        int size = kind.equals("eb") ? 1 : kind.equals("ew") ? 2 : 4;
        int a = d.eval(parts[0]);
        for (int i = 1; i < parts.length; i++, a += size) {
            int v = d.eval(parts[i]);
            if (size == 1 && (v & ~0xFF) != 0 && (v | 0xFF) != -1) throw DebugError.syntax(parts[i]);
            if (size == 2 && (v & ~0xFFFF) != 0 && (v | 0xFFFF) != -1) throw DebugError.syntax(parts[i]);
            byte[] b = new byte[size];
            for (int k = 0; k < size; k++) b[k] = (byte) (v >>> (8 * k));
            d.poke(a, b);
        }
    }

    private void enterString(String kind, String args, String line) {
        int q = args.indexOf('"');
        int end = args.lastIndexOf('"');
        if (q <= 0 || end <= q) throw DebugError.syntax(line);
        int a = d.eval(args.substring(0, q));
        String text = args.substring(q + 1, end);
        boolean wide = kind.endsWith("u");
        byte[] b = (text + (kind.startsWith("ez") ? "\0" : "")).getBytes(wide ? StandardCharsets.UTF_16LE : StandardCharsets.ISO_8859_1);
        d.poke(a, b);
    }

    // ---- searching ----------------------------------------------------------------------------------------------

    private void search(String args, String line) {
        String a = args.strip();
        if (!a.startsWith("-") || a.length() < 2) throw DebugError.syntax(line);
        char kind = Character.toLowerCase(a.charAt(1));
        a = a.substring(2).strip();
        int unit = switch (kind) {
            case 'b', 'a' -> 1;
            case 'w', 'u' -> 2;
            case 'd' -> 4;
            default -> throw DebugError.syntax(line);
        };
        byte[] pattern;
        String rangeText;
        if (kind == 'a' || kind == 'u') {
            int q = a.indexOf('"');
            int end = a.lastIndexOf('"');
            if (q < 0 || end <= q) throw DebugError.syntax(line);
            rangeText = a.substring(0, q);
            pattern = a.substring(q + 1, end).getBytes(kind == 'u' ? StandardCharsets.UTF_16LE : StandardCharsets.ISO_8859_1);
        } else {
            // The range is "addr L n" or "addr1 addr2"; the values follow it.
            String[] t = a.split("\\s+");
            int valuesFrom;
            if (t.length >= 3 && (t[1].startsWith("L") || t[1].startsWith("l"))) {
                valuesFrom = 2;
            } else if (t.length >= 3 && t[1].length() > 0) {
                valuesFrom = 2;
            } else {
                throw DebugError.syntax(line);
            }
            if ((t[1].equalsIgnoreCase("L") || t[1].equalsIgnoreCase("L?")) && t.length >= 4) valuesFrom = 3;
            rangeText = String.join(" ", java.util.Arrays.copyOfRange(t, 0, valuesFrom));
            pattern = new byte[(t.length - valuesFrom) * unit];
            for (int i = valuesFrom; i < t.length; i++) {
                int v = d.eval(t[i]);
                for (int k = 0; k < unit; k++) pattern[(i - valuesFrom) * unit + k] = (byte) (v >>> (8 * k));
            }
        }
        if (pattern.length == 0) throw DebugError.syntax(line);
        Range r = range(rangeText, 0, 0, unit);
        if (r.count == 0) throw DebugError.syntax(line);
        long start = Integer.toUnsignedLong(r.address);
        long end = Math.min(start + (long) r.count * unit, 0x100000000L);
        String show = switch (kind) {
            case 'w' -> "dw";
            case 'd' -> "dd";
            default -> "db";
        };
        int step = kind == 'd' || kind == 'w' ? unit : 1;
        for (long p = start; p + pattern.length <= end; p += step) {
            if (matches((int) p, pattern)) {
                lines(show, (int) p, show.equals("db") ? 16 : show.equals("dw") ? 8 : 4, unit, show.equals("db") ? 16 : show.equals("dw") ? 8 : 4);
            }
        }
    }

    private boolean matches(int a, byte[] pattern) {
        for (int i = 0; i < pattern.length; i++) {
            int b = d.cpu.mmu.peek8(a + i);
            if (b < 0 || (byte) b != pattern[i]) return false;
        }
        return true;
    }

    // ---- assembling ---------------------------------------------------------------------------------------------

    private void assemble(String args, String line) {
        assembling = Integer.toUnsignedLong(args.isEmpty() ? d.cpu.st.eip : d.eval(args));
    }

    /** One line typed after {@code a}: assembled at the current address; an empty line ends the mode. */
    void assembleLine(String text) {
        if (text.isBlank()) {
            assembling = -1;
            return;
        }
        int at = (int) assembling;
        AsmOptions.Resolver res = name -> {
            Long v = d.symbol(name.contains("!") ? name.substring(0, name.indexOf('!')) : null,
                    name.contains("!") ? name.substring(name.indexOf('!') + 1) : name);
            return v == null ? OptionalLong.empty() : OptionalLong.of(v);
        };
        AsmResult r = Assembler.assemble(windbgNumbers(text.strip()) + "\n", "a", AsmOptions.defaults()
                .withBase(Integer.toUnsignedLong(at)).withWindbg(true).withResolver(res).withSectionAlign(1));
        if (!r.ok()) {
            AsmError e = r.errors().get(0);
            d.out.println(String.format(Locale.ROOT, "%08x ", at) + text.strip());
            d.out.println("^ " + e.message() + " in '" + text.strip() + "'");
            return;
        }
        byte[] bytes = r.text();
        d.poke(at, bytes);
        d.out.println(String.format(Locale.ROOT, "%08x ", at) + text.strip());
        assembling = Integer.toUnsignedLong(at + bytes.length);
    }

    private static final java.util.regex.Pattern NUMBER =
            java.util.regex.Pattern.compile("(?<![\\w$.!@])(0[nN][0-9]+|0[xX][0-9a-fA-F]+|[0-9][0-9a-fA-F]*[hH]?)(?![\\w!])");

    /** Numbers as WinDbg's {@code a} reads them, for NASM: hex by default, {@code 0n} decimal. */
    static String windbgNumbers(String line) {
        java.util.regex.Matcher m = NUMBER.matcher(line);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            String t = m.group(1);
            String n;
            if (t.startsWith("0n") || t.startsWith("0N")) n = "0x" + new java.math.BigInteger(t.substring(2)).toString(16);
            else if (t.startsWith("0x") || t.startsWith("0X") || t.endsWith("h") || t.endsWith("H")) n = t;
            else n = "0x" + t;
            m.appendReplacement(sb, java.util.regex.Matcher.quoteReplacement(n));
        }
        m.appendTail(sb);
        return sb.toString();
    }

    // ---- .formats -----------------------------------------------------------------------------------------------

    private void formats(String args, String line) {
        if (args.isEmpty()) throw DebugError.syntax(line);
        int v = d.eval(args);
        StringBuilder bin = new StringBuilder();
        for (int i = 31; i >= 0; i--) {
            bin.append((v >>> i) & 1);
            if (i % 8 == 0 && i > 0) bin.append(' ');
        }
        StringBuilder chars = new StringBuilder();
        for (int i = 3; i >= 0; i--) {
            int c = (v >>> (8 * i)) & 0xFF;
            chars.append(c >= 0x20 && c < 0x7F ? (char) c : '.');
        }
        String time = DateTimeFormatter.ofPattern("EEE MMM dd HH:mm:ss yyyy", Locale.ROOT)
                .format(Instant.ofEpochSecond(Integer.toUnsignedLong(v)).atZone(ZoneOffset.UTC));
        d.out.println("Evaluate expression:");
        d.out.printf(Locale.ROOT, "  Hex:     %08x%n", v);
        d.out.printf(Locale.ROOT, "  Decimal: %d%n", v);
        d.out.printf(Locale.ROOT, "  Octal:   %011o%n", Integer.toUnsignedLong(v));
        d.out.printf(Locale.ROOT, "  Binary:  %s%n", bin);
        d.out.printf(Locale.ROOT, "  Chars:   %s%n", chars);
        d.out.printf(Locale.ROOT, "  Time:    %s%n", time);
        d.out.printf(Locale.ROOT, "  Float:   low %s high 0%n", cFloat(Float.intBitsToFloat(v)));
        d.out.printf(Locale.ROOT, "  Double:  %s%n", cFloat(Double.longBitsToDouble(Integer.toUnsignedLong(v))));
    }

    /** A value as C's %g prints it (6 significant digits; a 3-digit exponent, as the Microsoft C runtime writes it). */
    static String cFloat(double x) {
        if (x == 0) return "0";
        if (Double.isNaN(x)) return "-1.#QNAN";
        if (Double.isInfinite(x)) return x > 0 ? "1.#INF" : "-1.#INF";
        java.math.BigDecimal b = new java.math.BigDecimal(x).round(new java.math.MathContext(6));
        int exp = b.precision() - b.scale() - 1;
        if (exp < -4 || exp >= 6) {
            String digits = b.unscaledValue().abs().toString();
            String mant = digits.charAt(0) + (digits.length() > 1 ? "." + digits.substring(1) : "");
            mant = mant.contains(".") ? mant.replaceAll("0+$", "").replaceAll("\\.$", "") : mant;
            return (x < 0 ? "-" : "") + mant + "e" + (exp < 0 ? "-" : "+") + String.format(Locale.ROOT, "%03d", Math.abs(exp));
        }
        String f = b.toPlainString();
        if (f.contains(".")) f = f.replaceAll("0+$", "").replaceAll("\\.$", "");
        return f;
    }
}
