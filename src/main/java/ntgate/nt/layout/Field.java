package ntgate.nt.layout;

import java.util.Objects;

/**
 * One field of an NT structure layout: its name (dotted for fields of an embedded structure, e.g.
 * {@code ApcState.UserApcPending}), byte offset from the start of the outermost structure, size
 * in bytes, type and a one-line comment saying what the field is used for.
 */
public record Field(String name, int offset, int size, Type type, String comment) {

    /** The storage type of a field. {@code PTR} is a 32-bit guest pointer. */
    public enum Type { U8, U16, U32, U64, PTR, BYTES, STRUCT }

    public Field {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        comment = comment == null ? "" : comment;
        if (name.isEmpty()) {
            throw new IllegalArgumentException("empty field name");
        }
        if (offset < 0 || size <= 0) {
            throw new IllegalArgumentException("field " + name + ": bad offset/size " + offset + "/" + size);
        }
        int natural = naturalSize(type);
        if (natural != 0 && natural != size) {
            throw new IllegalArgumentException("field " + name + ": type " + type + " needs size " + natural);
        }
    }

    /** The size a scalar type implies, or 0 for {@code BYTES} and {@code STRUCT}. */
    public static int naturalSize(Type type) {
        return switch (type) {
            case U8 -> 1;
            case U16 -> 2;
            case U32, PTR -> 4;
            case U64 -> 8;
            case BYTES, STRUCT -> 0;
        };
    }

    /** The first byte past the field. */
    public int end() {
        return offset + size;
    }

    /** How deeply the field is nested: 0 for a direct member, 1 for {@code ApcState.Process}, ... */
    public int depth() {
        int d = 0;
        for (int i = 0; i < name.length(); i++) {
            if (name.charAt(i) == '.') {
                d++;
            }
        }
        return d;
    }

    /** The last component of the dotted name ({@code UserApcPending} for {@code ApcState.UserApcPending}). */
    public String simpleName() {
        return name.substring(name.lastIndexOf('.') + 1);
    }
}
