package ntgate.asm;

/**
 * A laid-out section: its name, linear address, size in bytes and contents. A {@code nobits} section
 * ({@code .bss}) has a size but no bytes in the image.
 */
public record AsmSection(String name, long address, int size, boolean nobits, byte[] bytes) {
    /** The contents (zero-length for nobits sections). */
    @Override
    public byte[] bytes() {
        return bytes.clone();
    }

    public long end() {
        return address + size;
    }

    @Override
    public String toString() {
        return String.format("%s 0x%08X size 0x%X%s", name, address, size, nobits ? " nobits" : "");
    }
}
