package ntgate.nt.layout;

/**
 * The WinDbg {@code dt nt!_TYPE address} formatter over a declared {@link Struct}:
 * <pre>
 * nt!_KTRAP_FRAME
 *    +0x068 Eip              : 0x7c90e4f4
 * </pre>
 * Embedded structures are shown as their type line followed by their members, indented by three
 * spaces per level (as {@code dt -r}). Unreadable memory shows {@code ????????} and never throws.
 */
public final class Dt {

    /** Name column width, as WinDbg pads field names. */
    private static final int NAME_WIDTH = 16;
    /** How many bytes a {@code BYTES} field shows before "...". */
    private static final int BYTES_SHOWN = 8;

    private Dt() {
    }

    /** The layout alone, without memory ({@code dt nt!_KTRAP_FRAME}). */
    public static String format(Struct s) {
        StringBuilder sb = new StringBuilder("nt!_").append(s.name()).append('\n');
        for (Field f : s.fields()) {
            sb.append(prefix(s, f)).append(typeName(s, f)).append('\n');
        }
        return sb.toString();
    }

    /** The layout with the values read at {@code address}. */
    public static String format(Struct s, long address, GuestReader r) {
        StringBuilder sb = new StringBuilder("nt!_").append(s.name())
                .append(String.format(" @ 0x%08x", address & 0xFFFFFFFFL)).append('\n');
        for (Field f : s.fields()) {
            sb.append(prefix(s, f));
            if (f.type() == Field.Type.STRUCT) {
                sb.append(typeName(s, f));
            } else {
                sb.append(value(f, address + f.offset(), r));
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    /** One field's value as {@code dt} prints it, or {@code ????????} when unreadable. */
    public static String value(Field f, long linear, GuestReader r) {
        try {
            return switch (f.type()) {
                case U8 -> String.format("0x%02x", r.u8(linear));
                case U16 -> String.format("0x%04x", r.u16(linear));
                case U32, PTR -> String.format("0x%08x", r.u32(linear));
                case U64 -> String.format("0x%016x",
                        Integer.toUnsignedLong(r.u32(linear)) | (long) r.u32(linear + 4) << 32);
                case BYTES -> bytes(f, linear, r);
                case STRUCT -> "_" + f.simpleName();
            };
        } catch (GuestReader.Unreadable e) {
            return "????????";
        }
    }

    private static String bytes(Field f, long linear, GuestReader r) {
        int n = Math.min(BYTES_SHOWN, f.size());
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            if (i > 0) {
                sb.append(' ');
            }
            sb.append(String.format("%02x", r.u8(linear + i)));
        }
        if (f.size() > n) {
            sb.append(" ...");
        }
        return sb.toString();
    }

    private static String prefix(Struct s, Field f) {
        return "   ".repeat(f.depth() + 1)
                + String.format("+0x%03x %-" + NAME_WIDTH + "s : ", f.offset() - parentOffset(s, f), f.simpleName());
    }

    /** WinDbg prints nested members at offsets relative to their enclosing structure. */
    private static int parentOffset(Struct s, Field f) {
        int dot = f.name().lastIndexOf('.');
        return dot < 0 ? 0 : s.offset(f.name().substring(0, dot));
    }

    private static String typeName(Struct s, Field f) {
        return switch (f.type()) {
            case U8 -> "UChar";
            case U16 -> "Uint2B";
            case U32 -> "Uint4B";
            case U64 -> "Uint8B";
            case PTR -> "Ptr32 Void";
            case BYTES -> "[" + f.size() + "] UChar";
            case STRUCT -> "_" + s.nestedType(f.name()).name();
        };
    }
}
