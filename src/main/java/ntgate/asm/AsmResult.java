package ntgate.asm;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;

/**
 * The outcome of assembling one source: the laid-out sections, the symbol table (labels and {@code equ}
 * names → value; locals under their full name {@code Global.local}), one record per instruction or data
 * line, and every error found. When {@link #errors()} is not empty the bytes are incomplete.
 */
public final class AsmResult {
    private final long base;
    private final List<AsmSection> sections;
    private final Map<String, Long> symbols;
    private final Set<String> globals;
    private final List<AsmRecord> records;
    private final List<AsmError> errors;

    AsmResult(long base, List<AsmSection> sections, Map<String, Long> symbols, Set<String> globals,
              List<AsmRecord> records, List<AsmError> errors) {
        this.base = base;
        this.sections = List.copyOf(sections);
        this.symbols = Collections.unmodifiableMap(symbols);
        this.globals = Collections.unmodifiableSet(globals);
        this.records = List.copyOf(records);
        this.errors = List.copyOf(errors);
    }

    public boolean ok() {
        return errors.isEmpty();
    }

    public List<AsmError> errors() {
        return errors;
    }

    /** Returns this result, or throws {@link AsmException} listing every error. */
    public AsmResult orThrow() {
        if (!ok()) throw new AsmException(errors);
        return this;
    }

    /** The address of the first section. */
    public long base() {
        return base;
    }

    /** Sections in layout order: .text, the other progbits sections as first declared, then nobits ones. */
    public List<AsmSection> sections() {
        return sections;
    }

    /** The section called {@code name}, or null. */
    public AsmSection section(String name) {
        for (AsmSection s : sections) if (s.name().equals(name)) return s;
        return null;
    }

    /** The bytes of {@code .text}. */
    public byte[] text() {
        AsmSection s = section(".text");
        return s == null ? new byte[0] : s.bytes();
    }

    public Map<String, Long> symbols() {
        return symbols;
    }

    public OptionalLong symbol(String name) {
        Long v = symbols.get(name);
        return v == null ? OptionalLong.empty() : OptionalLong.of(v);
    }

    /** Names declared {@code global}. */
    public Set<String> globals() {
        return globals;
    }

    /** One record per instruction (per repetition under {@code times}) and per data line, in address order per section. */
    public List<AsmRecord> records() {
        return records;
    }

    /** The instruction records only. */
    public List<AsmRecord> instructions() {
        return records.stream().filter(AsmRecord::isInstruction).toList();
    }

    /**
     * The flat image from {@link #base()} to the end of the last progbits section, gaps filled with zeros,
     * as {@code nasm -f bin} writes it.
     */
    public byte[] image() {
        long end = base;
        for (AsmSection s : sections) if (!s.nobits() && s.size() > 0) end = Math.max(end, s.end());
        byte[] img = new byte[(int) (end - base)];
        for (AsmSection s : sections) {
            if (s.nobits()) continue;
            byte[] b = s.bytes();
            System.arraycopy(b, 0, img, (int) (s.address() - base), b.length);
        }
        return img;
    }

    /** A listing: one line per record, address, bytes, source and annotation. */
    public String listing() {
        StringBuilder sb = new StringBuilder();
        for (AsmRecord r : records) sb.append(r.listing()).append('\n');
        return sb.toString();
    }
}
