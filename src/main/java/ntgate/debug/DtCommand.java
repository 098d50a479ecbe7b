package ntgate.debug;

import ntgate.nt.layout.Field;
import ntgate.nt.layout.Layouts;
import ntgate.nt.layout.Struct;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * {@code dt [-r[n]] [-b] [nt!]_TYPE [addr] [field ...]}, over the layouts of {@code nt.layout} (each offset is
 * declared there once). As WinDbg prints it: the members of the type, an embedded structure shown as its type
 * ({@code +0x034 ApcState : _KAPC_STATE}) and expanded under it with {@code -r} (n levels; no n: all) or
 * {@code -b} (all levels, arrays element by element); field names (wildcards allowed, dotted paths into embedded
 * structures) select members. Integers print in hex without padding, pointers as eight digits, as WinDbg does.
 */
final class DtCommand {
    private static final int NAME_WIDTH = 16;
    private final Debugger d;

    DtCommand(Debugger d) {
        this.d = d;
    }

    void run(String args, String line) {
        int depth = 0;
        boolean blocks = false;
        String type = null;
        Integer address = null;
        List<String> filters = new ArrayList<>();
        for (String t : args.strip().split("\\s+")) {
            if (t.isEmpty()) continue;
            if (t.startsWith("-r")) {
                depth = t.length() == 2 ? Integer.MAX_VALUE : parseDepth(t.substring(2), line);
            } else if (t.equals("-b")) {
                blocks = true;
                depth = Integer.MAX_VALUE;
            } else if (type == null) {
                type = t;
            } else if (address == null && filters.isEmpty() && !isFieldName(type, t)) {
                address = d.eval(t);
            } else {
                filters.add(t);
            }
        }
        if (type == null) throw DebugError.syntax(line);
        Struct s = Layouts.find(type);
        if (s == null) {
            String n = type.contains("!") ? type : "nt!" + type;
            throw new DebugError("Symbol " + n + " not found.");
        }
        print(s, address, depth, blocks, filters);
    }

    private static int parseDepth(String t, String line) {
        try {
            return Integer.parseInt(t);
        } catch (NumberFormatException e) {
            throw DebugError.syntax(line);
        }
    }

    /** A word that names a member of the type (so "dt _KTHREAD Teb" filters and does not evaluate Teb). */
    private static boolean isFieldName(String type, String word) {
        Struct s = Layouts.find(type);
        if (s == null) return false;
        // Field names are case-sensitive, so "dt _KTRAP_FRAME ebp" reads the register and "Ebp" names the field.
        Pattern p = Pattern.compile(Symbols.wildcard(word.replaceAll("\\.$", "")).pattern());
        for (Field f : s.fields()) if (p.matcher(f.name()).matches() || p.matcher(f.simpleName()).matches() && f.depth() == 0) return true;
        return false;
    }

    private void print(Struct s, Integer address, int depth, boolean blocks, List<String> filters) {
        for (Field f : s.fields()) {
            int level = f.depth();
            if (!selected(f, filters)) continue;
            boolean explicitPath = filters.stream().anyMatch(x -> x.contains(".") && f.name().toLowerCase(Locale.ROOT)
                    .startsWith(x.toLowerCase(Locale.ROOT).replaceAll("\\.$", "")));
            if (level > depth && !explicitPath) continue;
            StringBuilder sb = new StringBuilder("   ".repeat(level + 1))
                    .append(String.format(Locale.ROOT, "+0x%03x %-" + NAME_WIDTH + "s : ", f.offset() - parentOffset(s, f), f.simpleName()));
            if (f.type() == Field.Type.STRUCT) {
                sb.append('_').append(s.nestedType(f.name()).name());
            } else if (address == null) {
                sb.append(typeName(f));
            } else {
                sb.append(value(f, address + f.offset()));
            }
            d.out.println(sb);
            if (blocks && address != null && f.type() == Field.Type.BYTES) {
                for (int i = 0; i < Math.min(f.size(), 0x100); i++) {
                    int v = d.cpu.mmu.peek8(address + f.offset() + i);
                    d.out.printf(Locale.ROOT, "%s[%02d] %s%n", "   ".repeat(level + 2), i, v < 0 ? "??" : String.format(Locale.ROOT, "0x%x", v));
                }
            }
        }
    }

    /** True when no filter is given, or the field (or the structure it is in, or one in it) is named. */
    private static boolean selected(Field f, List<String> filters) {
        if (filters.isEmpty()) return true;
        String name = f.name();
        for (String x : filters) {
            String path = x.replaceAll("\\.$", "");
            Pattern p = Symbols.wildcard(path);
            if (path.contains(".")) {
                // "ApcState.Process": the path itself and the structures on the way to it
                if (p.matcher(name).matches() || path.toLowerCase(Locale.ROOT).startsWith(name.toLowerCase(Locale.ROOT) + ".")) return true;
                if (x.endsWith(".") && name.toLowerCase(Locale.ROOT).startsWith(path.toLowerCase(Locale.ROOT) + ".")) return true;
            } else {
                String top = name.contains(".") ? name.substring(0, name.indexOf('.')) : name;
                if (p.matcher(top).matches()) return true;
            }
        }
        return false;
    }

    private static int parentOffset(Struct s, Field f) {
        int dot = f.name().lastIndexOf('.');
        return dot < 0 ? 0 : s.offset(f.name().substring(0, dot));
    }

    private static String typeName(Field f) {
        return switch (f.type()) {
            case U8 -> "UChar";
            case U16 -> "Uint2B";
            case U32 -> "Uint4B";
            case U64 -> "Uint8B";
            case PTR -> "Ptr32 Void";
            case BYTES -> "[" + f.size() + "] UChar";
            case STRUCT -> "";
        };
    }

    private String value(Field f, int a) {
        if (!d.readable(a, Math.min(f.size(), 8))) return "????";
        return switch (f.type()) {
            case U8 -> {
                int v = d.peek(a, 1);
                yield String.format(Locale.ROOT, "0x%x '%s'", v, v >= 0x20 && v < 0x7F ? String.valueOf((char) v) : "");
            }
            case U16 -> String.format(Locale.ROOT, "0x%x", d.peek(a, 2));
            case U32 -> String.format(Locale.ROOT, "0x%x", d.peek(a, 4));
            case PTR -> String.format(Locale.ROOT, "0x%08x", d.peek(a, 4));
            case U64 -> String.format(Locale.ROOT, "0x%08x`%08x", d.peek(a + 4, 4), d.peek(a, 4));
            case BYTES -> "[" + f.size() + "] UChar";
            case STRUCT -> "";
        };
    }
}
