package ntgate.pe;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The validated headers of a PE32 (i386) executable: DOS header, PE signature, IMAGE_FILE_HEADER,
 * IMAGE_OPTIONAL_HEADER32 and the section table (Microsoft PE/COFF specification, "PE Format"). Parsing checks
 * everything the loader later relies on, so a file that parses can be mapped without reading outside it.
 */
public final class PeFile {
    public static final int IMAGE_FILE_MACHINE_I386 = 0x14C;
    public static final int IMAGE_FILE_RELOCS_STRIPPED = 0x0001, IMAGE_FILE_EXECUTABLE_IMAGE = 0x0002,
            IMAGE_FILE_DLL = 0x2000;
    public static final int IMAGE_SCN_CNT_CODE = 0x20, IMAGE_SCN_MEM_EXECUTE = 0x20000000,
            IMAGE_SCN_MEM_READ = 0x40000000, IMAGE_SCN_MEM_WRITE = 0x80000000;
    /** Data directory indexes (PE Format, "Optional Header Data Directories"). */
    public static final int DIR_IMPORT = 1, DIR_SECURITY = 4, DIR_BASERELOC = 5, DIR_TLS = 9, DIR_CLR = 14;
    /** ntgate's limits: the guest has 64 MiB of physical memory. */
    public static final int MAX_IMAGE = 32 << 20, MAX_STACK = 16 << 20;

    /** One section header. */
    public record Section(String name, int virtualSize, int virtualAddress, int sizeOfRawData, int pointerToRawData,
                          int characteristics) {
        public boolean executable() {
            return (characteristics & IMAGE_SCN_MEM_EXECUTE) != 0;
        }

        public boolean writable() {
            return (characteristics & IMAGE_SCN_MEM_WRITE) != 0;
        }

        /** The section's extent in memory: VirtualSize, or SizeOfRawData when VirtualSize is 0. */
        public int mappedSize() {
            return virtualSize != 0 ? virtualSize : sizeOfRawData;
        }
    }

    public final byte[] data;
    public final int peOffset, machine, characteristics, imageBase, entryRva, sectionAlignment, fileAlignment,
            sizeOfImage, sizeOfHeaders, stackReserve, stackCommit, pointerToSymbolTable, numberOfSymbols, subsystem;
    /** IMAGE_SUBSYSTEM_NATIVE: a kernel driver (or a native program such as smss.exe). */
    public static final int IMAGE_SUBSYSTEM_NATIVE = 1;
    /** Parsed as a kernel driver: a DLL-flagged image is allowed, the base need not lie in user space. */
    public final boolean driver;
    public final int[] dirRva = new int[16], dirSize = new int[16];
    public final List<Section> sections;

    private PeFile(byte[] data, boolean driver) throws PeFormatException {
        this.data = data;
        this.driver = driver;
        if (data.length == 0) throw new PeFormatException("the file is empty");
        if (data.length < 2 || data[0] != 'M' || data[1] != 'Z') {
            throw new PeFormatException("not a PE executable (no MZ signature)");
        }
        if (data.length < 0x40) throw new PeFormatException("truncated: the DOS header needs 64 bytes, the file has " + data.length);
        peOffset = u32(0x3C);
        if (peOffset < 0 || peOffset > data.length - 24) {
            throw new PeFormatException(String.format(Locale.ROOT,
                    "e_lfanew 0x%X points outside the file (%d bytes)", peOffset, data.length));
        }
        if (u32(peOffset) != 0x00004550) {
            throw new PeFormatException(String.format(Locale.ROOT, "not a PE executable (no PE signature at 0x%X)", peOffset));
        }
        int fh = peOffset + 4;
        machine = u16(fh);
        switch (machine) {
            case IMAGE_FILE_MACHINE_I386 -> { }
            case 0x8664 -> throw new PeFormatException("PE32+ (x64) image: ntgate runs 32-bit x86 programs only");
            case 0x1C0, 0x1C2 -> throw new PeFormatException("ARM image (machine 0x" + hex4(machine) + "): ntgate runs 32-bit x86 programs only");
            case 0x1C4 -> throw new PeFormatException("ARM Thumb-2 (ARMNT) image (machine 0x01C4): ntgate runs 32-bit x86 programs only");
            case 0xAA64 -> throw new PeFormatException("ARM64 image (machine 0xAA64): ntgate runs 32-bit x86 programs only");
            case 0x200 -> throw new PeFormatException("Itanium (IA-64) image (machine 0x0200): ntgate runs 32-bit x86 programs only");
            default -> throw new PeFormatException("machine 0x" + hex4(machine) + " is not i386 (0x014C)");
        }
        int nsec = u16(fh + 2);
        pointerToSymbolTable = u32(fh + 8);
        numberOfSymbols = u32(fh + 12);
        int optSize = u16(fh + 16);
        characteristics = u16(fh + 18);
        int oh = fh + 20;
        if (optSize < 2 || oh + 2 > data.length) throw new PeFormatException("truncated: no optional header");
        int magic = u16(oh);
        if (magic == 0x20B) throw new PeFormatException("PE32+ (64-bit) optional header: ntgate runs PE32 programs only");
        if (magic != 0x10B) throw new PeFormatException("bad optional header magic 0x" + hex4(magic) + " (PE32 is 0x010B)");
        if (optSize < 0x60 || oh + optSize > data.length) {
            throw new PeFormatException(String.format(Locale.ROOT,
                    "truncated optional header (SizeOfOptionalHeader 0x%X, file %d bytes)", optSize, data.length));
        }
        entryRva = u32(oh + 16);
        imageBase = u32(oh + 28);
        sectionAlignment = u32(oh + 32);
        fileAlignment = u32(oh + 36);
        sizeOfImage = u32(oh + 56);
        sizeOfHeaders = u32(oh + 60);
        subsystem = u16(oh + 68);
        stackReserve = u32(oh + 72);
        stackCommit = u32(oh + 76);
        int ndirs = u32(oh + 92);
        if (ndirs < 0 || 0x60 + 8L * Math.min(ndirs, 16) > optSize) {
            throw new PeFormatException("NumberOfRvaAndSizes " + Integer.toUnsignedString(ndirs) + " does not fit the optional header");
        }
        for (int i = 0; i < Math.min(ndirs, 16); i++) {
            dirRva[i] = u32(oh + 0x60 + 8 * i);
            dirSize[i] = u32(oh + 0x64 + 8 * i);
        }

        if (dirRva[DIR_CLR] != 0 || dirSize[DIR_CLR] != 0) {
            throw new PeFormatException(".NET assembly (CLR header present): managed code needs the CLR, which ntgate does not have");
        }
        if (!driver && (characteristics & IMAGE_FILE_DLL) != 0) throw new PeFormatException("is a DLL, not an executable");
        if ((characteristics & IMAGE_FILE_EXECUTABLE_IMAGE) == 0) {
            throw new PeFormatException("not an executable image (IMAGE_FILE_EXECUTABLE_IMAGE is clear: an object file?)");
        }
        if (!pow2(sectionAlignment) || sectionAlignment < 0x1000) {
            throw new PeFormatException("SectionAlignment 0x" + Integer.toHexString(sectionAlignment)
                    + " is not a power of two of at least the 4 KiB page size");
        }
        if (!pow2(fileAlignment) || fileAlignment < 0x200 || Integer.compareUnsigned(fileAlignment, sectionAlignment) > 0) {
            throw new PeFormatException("FileAlignment 0x" + Integer.toHexString(fileAlignment)
                    + " is not a power of two between 0x200 and SectionAlignment");
        }
        if ((imageBase & 0xFFFF) != 0) throw new PeFormatException(String.format(Locale.ROOT, "ImageBase 0x%08X is not 64 KiB aligned", imageBase));
        if (sizeOfImage <= 0 || sizeOfImage > MAX_IMAGE) {
            throw new PeFormatException(String.format(Locale.ROOT, "SizeOfImage 0x%X is not between 1 and ntgate's 32 MiB limit", sizeOfImage));
        }
        if (!driver && Integer.toUnsignedLong(imageBase) + sizeOfImage > 0x7FFF0000L) {
            throw new PeFormatException(String.format(Locale.ROOT, "the image 0x%08X + 0x%X does not fit in user space", imageBase, sizeOfImage));
        }
        int secTable = oh + optSize;
        if (nsec == 0 || nsec > 96) throw new PeFormatException("NumberOfSections " + nsec + " is not between 1 and 96");
        if (secTable + 40L * nsec > data.length) throw new PeFormatException("truncated: the section table runs past the end of the file");
        if (sizeOfHeaders < secTable + 40 * nsec || sizeOfHeaders > data.length || sizeOfHeaders > sizeOfImage) {
            throw new PeFormatException(String.format(Locale.ROOT,
                    "SizeOfHeaders 0x%X does not cover the section table or lies outside the file/image", sizeOfHeaders));
        }
        if (Integer.compareUnsigned(stackReserve, MAX_STACK) > 0) {
            throw new PeFormatException(String.format(Locale.ROOT, "SizeOfStackReserve 0x%X is above ntgate's 16 MiB limit", stackReserve));
        }
        if (Integer.compareUnsigned(stackCommit, stackReserve) > 0) {
            throw new PeFormatException(String.format(Locale.ROOT, "SizeOfStackCommit 0x%X is larger than the reserve 0x%X", stackCommit, stackReserve));
        }

        List<Section> secs = new ArrayList<>();
        long prevEnd = align(sizeOfHeaders, sectionAlignment);
        for (int i = 0; i < nsec; i++) {
            int s = secTable + 40 * i;
            int n = 0;
            while (n < 8 && data[s + n] != 0) n++;
            String name = new String(data, s, n, StandardCharsets.ISO_8859_1);
            Section sec = new Section(name, u32(s + 8), u32(s + 12), u32(s + 16), u32(s + 20), u32(s + 36));
            String what = "section " + (i + 1) + " '" + printable(name) + "'";
            long va = Integer.toUnsignedLong(sec.virtualAddress()), vs = Integer.toUnsignedLong(sec.mappedSize());
            long raw = Integer.toUnsignedLong(sec.sizeOfRawData()), ptr = Integer.toUnsignedLong(sec.pointerToRawData());
            if (va % sectionAlignment != 0) throw new PeFormatException(what + ": VirtualAddress 0x" + Long.toHexString(va) + " is not section-aligned");
            if (va < prevEnd) throw new PeFormatException(what + ": overlaps the headers or the previous section");
            if (va + vs > sizeOfImage) throw new PeFormatException(what + ": extends past SizeOfImage");
            if (raw != 0 && ptr + raw > data.length) throw new PeFormatException(what + ": raw data 0x" + Long.toHexString(ptr) + "+0x" + Long.toHexString(raw) + " lies outside the file");
            prevEnd = va + align(vs, sectionAlignment);
            secs.add(sec);
        }
        sections = List.copyOf(secs);

        Section entrySec = sectionAt(entryRva);
        if (entryRva == 0 || entrySec == null) {
            throw new PeFormatException(String.format(Locale.ROOT, "entry point RVA 0x%X is not inside a section", entryRva));
        }
        if (!entrySec.executable()) {
            throw new PeFormatException(String.format(Locale.ROOT, "entry point RVA 0x%X is in section '%s', which is not executable",
                    entryRva, printable(entrySec.name())));
        }
        String[] dirNames = {"export", "import", "resource", "exception", "security", "base relocation", "debug",
            "architecture", "global pointer", "TLS", "load config", "bound import", "IAT", "delay import", "CLR", "reserved"};
        for (int i = 0; i < 16; i++) {
            if (dirRva[i] == 0 && dirSize[i] == 0) continue;
            long end = Integer.toUnsignedLong(dirRva[i]) + Integer.toUnsignedLong(dirSize[i]);
            // The security directory is the one that holds a file offset, not an RVA.
            long limit = i == DIR_SECURITY ? data.length : sizeOfImage;
            if (end > limit) {
                throw new PeFormatException(String.format(Locale.ROOT, "%s directory 0x%X+0x%X lies outside the %s",
                        dirNames[i], dirRva[i], dirSize[i], i == DIR_SECURITY ? "file" : "image"));
            }
        }
    }

    /** Parses and validates the headers. */
    public static PeFile parse(byte[] data) throws PeFormatException {
        return new PeFile(data, false);
    }

    /** Parses and validates the headers of a kernel driver (.sys): the checks of {@link #parse} that apply to one. */
    public static PeFile parseDriver(byte[] data) throws PeFormatException {
        return new PeFile(data, true);
    }

    /** True when the bytes start like a DOS/PE executable. */
    public static boolean looksLikePe(byte[] data) {
        return data.length >= 2 && data[0] == 'M' && data[1] == 'Z';
    }

    /** The section holding {@code rva}, or null. */
    public Section sectionAt(int rva) {
        long r = Integer.toUnsignedLong(rva);
        for (Section s : sections) {
            long va = Integer.toUnsignedLong(s.virtualAddress());
            if (r >= va && r < va + Integer.toUnsignedLong(s.mappedSize())) return s;
        }
        return null;
    }

    public boolean relocsStripped() {
        return (characteristics & IMAGE_FILE_RELOCS_STRIPPED) != 0;
    }

    private int u16(int off) {
        return (data[off] & 0xFF) | (data[off + 1] & 0xFF) << 8;
    }

    private int u32(int off) {
        return (data[off] & 0xFF) | (data[off + 1] & 0xFF) << 8 | (data[off + 2] & 0xFF) << 16 | (data[off + 3] & 0xFF) << 24;
    }

    static long align(long v, long a) {
        return (v + a - 1) & -a;
    }

    private static boolean pow2(int v) {
        return v > 0 && (v & (v - 1)) == 0;
    }

    private static String hex4(int v) {
        return String.format(Locale.ROOT, "%04X", v);
    }

    static String printable(String s) {
        StringBuilder b = new StringBuilder();
        for (char c : s.toCharArray()) b.append(c >= 0x20 && c < 0x7F ? c : '?');
        return b.toString();
    }
}
