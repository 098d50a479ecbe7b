package ntgate.bare;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A bare-metal kernel image as the Multiboot specification (version 0.6.96) loads it: an ELF32 executable, or a
 * binary whose Multiboot header carries the a.out-kludge address fields (flags bit 16), or a flat binary loaded
 * at an address given by the user. Loading produces the physical segments to copy and the entry point.
 */
public final class BareImage {
    /** One loaded range: {@code fileLength} bytes from the file at {@code fileOffset}, zero-filled to {@code memLength}. */
    public record Segment(long physical, int fileOffset, int fileLength, int memLength) {}

    public static final int MULTIBOOT_MAGIC = 0x1BADB002;
    public static final int MULTIBOOT_BOOTLOADER_MAGIC = 0x2BADB002;

    public final byte[] file;
    public final java.util.List<Segment> segments = new java.util.ArrayList<>();
    public int entry;
    /** True when the image had a valid Multiboot header (EAX/EBX are set up as the specification says). */
    public boolean multiboot;
    /** What was loaded, for messages. */
    public String kind;

    private BareImage(byte[] file) {
        this.file = file;
    }

    /** A flat binary at {@code load}, entered at {@code entry}. */
    public static BareImage flat(byte[] file, int load, int entry) {
        BareImage im = new BareImage(file);
        im.segments.add(new Segment(load & 0xFFFFFFFFL, 0, file.length, file.length));
        im.entry = entry;
        im.kind = "flat binary";
        return im;
    }

    /**
     * Parses a Multiboot v1 image: the header must be 4-byte aligned within the first 8192 bytes with
     * magic + flags + checksum = 0. With flags bit 16 the a.out-kludge fields say where to load; otherwise the
     * file must be ELF32 and its PT_LOAD program headers are loaded at their physical addresses.
     *
     * @throws IllegalArgumentException with a one-line reason when the image is not loadable
     */
    public static BareImage multiboot(byte[] file) {
        BareImage im = new BareImage(file);
        ByteBuffer b = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
        int hdr = -1;
        for (int off = 0; off + 12 <= Math.min(file.length, 8192); off += 4) {
            if (b.getInt(off) == MULTIBOOT_MAGIC && b.getInt(off) + b.getInt(off + 4) + b.getInt(off + 8) == 0) {
                hdr = off;
                break;
            }
        }
        if (hdr < 0) throw new IllegalArgumentException("no Multiboot header in the first 8192 bytes (use --load and --entry for a flat binary)");
        im.multiboot = true;
        int flags = b.getInt(hdr + 4);
        // Bits 0 (page alignment), 1 (memory information) and 2 (video mode, ignored) can be met; other
        // requirement bits (3-15) cannot.
        if ((flags & 0xFFF8) != 0) {
            throw new IllegalArgumentException(String.format("Multiboot header requires unsupported features (flags 0x%08X)", flags));
        }
        if ((flags & 0x10000) != 0) {
            if (hdr + 32 > file.length) throw new IllegalArgumentException("truncated Multiboot a.out-kludge header");
            int headerAddr = b.getInt(hdr + 12), loadAddr = b.getInt(hdr + 16), loadEnd = b.getInt(hdr + 20);
            int bssEnd = b.getInt(hdr + 24);
            im.entry = b.getInt(hdr + 28);
            long fileOff = hdr - ((headerAddr & 0xFFFFFFFFL) - (loadAddr & 0xFFFFFFFFL));
            if (fileOff < 0 || fileOff > file.length) throw new IllegalArgumentException("Multiboot header_addr/load_addr point outside the file");
            long len = loadEnd == 0 ? file.length - fileOff : (loadEnd & 0xFFFFFFFFL) - (loadAddr & 0xFFFFFFFFL);
            if (len < 0 || fileOff + len > file.length) throw new IllegalArgumentException("Multiboot load_end_addr is beyond the file");
            long mem = bssEnd == 0 ? len : (bssEnd & 0xFFFFFFFFL) - (loadAddr & 0xFFFFFFFFL);
            if (mem < len) mem = len;
            im.segments.add(new Segment(loadAddr & 0xFFFFFFFFL, (int) fileOff, (int) len, (int) mem));
            im.kind = "Multiboot (a.out kludge)";
            return im;
        }
        loadElf(im, b);
        im.kind = "Multiboot ELF32";
        return im;
    }

    private static void loadElf(BareImage im, ByteBuffer b) {
        byte[] f = im.file;
        if (f.length < 52 || f[0] != 0x7F || f[1] != 'E' || f[2] != 'L' || f[3] != 'F') {
            throw new IllegalArgumentException("not ELF and the Multiboot header has no a.out-kludge addresses (flags bit 16)");
        }
        if (f[4] != 1 || f[5] != 1) throw new IllegalArgumentException("not a little-endian ELF32 file");
        if ((b.getShort(18) & 0xFFFF) != 3) throw new IllegalArgumentException("ELF machine is not i386");
        im.entry = b.getInt(24);
        int phoff = b.getInt(28);
        int phentsize = b.getShort(42) & 0xFFFF;
        int phnum = b.getShort(44) & 0xFFFF;
        for (int i = 0; i < phnum; i++) {
            long ph = (phoff & 0xFFFFFFFFL) + (long) i * phentsize;
            if (ph + 32 > f.length) throw new IllegalArgumentException("ELF program header " + i + " is outside the file");
            if (b.getInt((int) ph) != 1) continue;   // PT_LOAD only
            int off = b.getInt((int) ph + 4), paddr = b.getInt((int) ph + 12), filesz = b.getInt((int) ph + 16),
                    memsz = b.getInt((int) ph + 20);
            if (off < 0 || filesz < 0 || (long) off + filesz > f.length) throw new IllegalArgumentException("ELF segment " + i + " is outside the file");
            if (memsz < filesz) memsz = filesz;
            im.segments.add(new Segment(paddr & 0xFFFFFFFFL, off, filesz, memsz));
        }
        if (im.segments.isEmpty()) throw new IllegalArgumentException("ELF file has no PT_LOAD segment");
    }
}
