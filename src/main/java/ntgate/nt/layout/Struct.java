package ntgate.nt.layout;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * An NT structure layout declared once as data (STYLE.md §7): name, declared size and fields.
 * Fields of embedded structures are flattened into dotted names ({@code ApcState.UserApcPending})
 * with offsets from the start of this structure, so every offset can be looked up by one name.
 * A layout may have gaps: only fields NT-FACTS.md documents are declared.
 */
public final class Struct {

    private final String name;
    private final int size;
    private final List<Field> fields;
    private final Map<String, Field> byName;
    private final Map<String, Struct> nested;

    private Struct(String name, int size, List<Field> fields, Map<String, Struct> nested) {
        this.name = name;
        this.size = size;
        this.fields = List.copyOf(fields);
        Map<String, Field> m = new LinkedHashMap<>();
        for (Field f : this.fields) {
            m.put(f.name(), f);
        }
        this.byName = Collections.unmodifiableMap(m);
        this.nested = Collections.unmodifiableMap(new LinkedHashMap<>(nested));
    }

    /** Starts a layout named {@code name} (without the leading underscore) of {@code size} bytes. */
    public static Builder builder(String name, int size) {
        return new Builder(name, size);
    }

    /** The NT type name without the leading underscore, e.g. {@code KTRAP_FRAME}. */
    public String name() {
        return name;
    }

    /** The declared size in bytes ({@code sizeof}). */
    public int size() {
        return size;
    }

    /** All fields, nested ones flattened, in offset order (a container before its members). */
    public List<Field> fields() {
        return fields;
    }

    /** The direct members only (depth 0). */
    public List<Field> topLevelFields() {
        return fields.stream().filter(f -> f.depth() == 0).toList();
    }

    /** Whether a field of that (dotted) name exists. */
    public boolean has(String fieldName) {
        return byName.containsKey(fieldName);
    }

    /**
     * The field of that (dotted) name.
     *
     * @throws IllegalArgumentException naming the structure and the field when it is unknown
     */
    public Field field(String fieldName) {
        Field f = byName.get(fieldName);
        if (f == null) {
            throw new IllegalArgumentException("no field " + fieldName + " in " + name);
        }
        return f;
    }

    /** The byte offset of the (dotted) field. */
    public int offset(String fieldName) {
        return field(fieldName).offset();
    }

    /** The layout of an embedded {@code STRUCT} field, if it was declared with one. */
    public Struct nestedType(String fieldName) {
        Struct s = nested.get(fieldName);
        if (s == null) {
            throw new IllegalArgumentException("field " + fieldName + " of " + name + " is not an embedded structure");
        }
        return s;
    }

    /** The innermost field that covers byte {@code offset}, or null when it falls in a gap. */
    public Field fieldAt(int offset) {
        Field best = null;
        for (Field f : fields) {
            if (offset >= f.offset() && offset < f.end() && (best == null || f.depth() > best.depth())) {
                best = f;
            }
        }
        return best;
    }

    @Override
    public String toString() {
        return "_" + name + " (0x" + Integer.toHexString(size) + " bytes, " + fields.size() + " fields)";
    }

    /** Collects fields, rejecting overlaps, fields past the declared size and duplicate names. */
    public static final class Builder {
        private final String name;
        private final int size;
        private final List<Field> top = new ArrayList<>();
        private final List<Field> all = new ArrayList<>();
        private final Map<String, Struct> nested = new LinkedHashMap<>();

        private Builder(String name, int size) {
            this.name = Objects.requireNonNull(name, "name");
            if (size <= 0) {
                throw new IllegalArgumentException(name + ": size must be positive");
            }
            this.size = size;
        }

        public Builder u8(int offset, String field, String comment) {
            return add(new Field(field, offset, 1, Field.Type.U8, comment));
        }

        public Builder u16(int offset, String field, String comment) {
            return add(new Field(field, offset, 2, Field.Type.U16, comment));
        }

        public Builder u32(int offset, String field, String comment) {
            return add(new Field(field, offset, 4, Field.Type.U32, comment));
        }

        public Builder u64(int offset, String field, String comment) {
            return add(new Field(field, offset, 8, Field.Type.U64, comment));
        }

        public Builder ptr(int offset, String field, String comment) {
            return add(new Field(field, offset, 4, Field.Type.PTR, comment));
        }

        public Builder bytes(int offset, String field, int length, String comment) {
            return add(new Field(field, offset, length, Field.Type.BYTES, comment));
        }

        /** Embeds {@code type} at {@code offset}; its fields become {@code field.Member}. */
        public Builder struct(int offset, String field, Struct type, String comment) {
            add(new Field(field, offset, type.size(), Field.Type.STRUCT, comment));
            nested.put(field, type);
            for (Field f : type.fields()) {
                Field inner = new Field(field + "." + f.name(), offset + f.offset(), f.size(), f.type(), f.comment());
                checkName(inner.name());
                all.add(inner);
            }
            for (Map.Entry<String, Struct> e : type.nested.entrySet()) {
                nested.put(field + "." + e.getKey(), e.getValue());
            }
            return this;
        }

        private Builder add(Field f) {
            if (f.name().indexOf('.') >= 0) {
                throw new IllegalArgumentException(name + "." + f.name() + ": dotted names come only from struct()");
            }
            if (f.end() > size) {
                throw new IllegalArgumentException(String.format(
                        "%s.%s: +0x%x..0x%x lies beyond the size 0x%x", name, f.name(), f.offset(), f.end(), size));
            }
            for (Field g : top) {
                if (f.offset() < g.end() && g.offset() < f.end()) {
                    throw new IllegalArgumentException(String.format(
                            "%s.%s (+0x%x, %d bytes) overlaps %s (+0x%x, %d bytes)",
                            name, f.name(), f.offset(), f.size(), g.name(), g.offset(), g.size()));
                }
            }
            checkName(f.name());
            top.add(f);
            all.add(f);
            return this;
        }

        private void checkName(String n) {
            for (Field g : all) {
                if (g.name().equals(n)) {
                    throw new IllegalArgumentException(name + ": duplicate field " + n);
                }
            }
        }

        public Struct build() {
            List<Field> sorted = new ArrayList<>(all);
            // Stable sort: a container (declared first) stays before its members at the same offset.
            sorted.sort(Comparator.comparingInt(Field::offset).thenComparingInt(Field::depth));
            return new Struct(name, size, sorted, nested);
        }
    }
}
