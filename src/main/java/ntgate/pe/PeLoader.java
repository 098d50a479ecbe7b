package ntgate.pe;

import ntgate.nt.NtSystem;
import ntgate.nt.ProgramImage;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Loads a PE32 executable as XP's loader would (MiCreateImageFileMap, LdrpInitializeProcess): the headers and
 * sections are laid out at the image base, base relocations are applied when that base is taken, and the import
 * address table is bound to ntgate's ntdll.
 *
 * <p>Imports: only {@code ntdll.dll} (any case, with or without the extension). By name, through the hint/name
 * table; by ordinal, where ntgate defines ordinal N as the N-th export in the list of ntdll's exports sorted by
 * name (ordinal base 1), which is how a real export table built from that list would number them. ntgate's
 * {@code exports --def} prints the list with these ordinals.
 */
public final class PeLoader implements ProgramImage.Source {
    private static final int IMAGE_REL_BASED_ABSOLUTE = 0, IMAGE_REL_BASED_HIGHLOW = 3;

    private final PeFile pe;
    private final String name;
    private final Integer forcedBase;

    /**
     * @param forcedBase when non-null, load there instead of the preferred base (relocating): a test option
     */
    private PeLoader(PeFile pe, String name, Integer forcedBase) {
        this.pe = pe;
        this.name = name;
        this.forcedBase = forcedBase;
    }

    /** Parses and validates the file's headers. */
    public static PeLoader of(byte[] file, String moduleName, Integer forcedBase) throws PeFormatException {
        if (forcedBase != null && (forcedBase & 0xFFFF) != 0) {
            throw new PeFormatException(String.format(Locale.ROOT, "image base 0x%08X is not 64 KiB aligned", forcedBase));
        }
        return new PeLoader(PeFile.parse(file), moduleName, forcedBase);
    }

    public PeFile file() {
        return pe;
    }

    @Override
    public int stackReserve() {
        int r = pe.stackReserve == 0 ? NtSystem.USER_STACK_SIZE : pe.stackReserve;
        return (int) PeFile.align(Integer.toUnsignedLong(r), 0x10000);
    }

    /** ntdll's exports numbered as {@code ntgate exports --def} does: ordinal N = N-th name in sorted order. */
    public static List<String> ordinalOrder(Iterable<String> exports) {
        List<String> l = new ArrayList<>();
        for (String s : exports) l.add(s);
        l.sort(null);
        return l;
    }

    @Override
    public ProgramImage load(Map<String, Integer> exports, ProgramImage.Placement placement) throws NtSystem.LoadError {
        int size = (int) PeFile.align(pe.sizeOfImage, 0x1000);
        int base = pe.imageBase;
        if (forcedBase != null) {
            if (!placement.free(forcedBase, size)) throw err(String.format(Locale.ROOT, "the image does not fit at 0x%08X", forcedBase));
            base = forcedBase;
        } else if (!placement.free(base, size)) {
            base = 0;
            for (long b = 0x01000000L; b + size <= 0x7C000000L; b += 0x10000) {
                if (placement.free((int) b, size)) {
                    base = (int) b;
                    break;
                }
            }
            if (base == 0) throw err("no free range of the address space holds the image");
        }
        byte[] mem = new byte[size];
        System.arraycopy(pe.data, 0, mem, 0, pe.sizeOfHeaders);
        List<ProgramImage.Range> ranges = new ArrayList<>();
        ranges.add(new ProgramImage.Range("headers", 0, (int) PeFile.align(pe.sizeOfHeaders, 0x1000), false, false));
        for (PeFile.Section s : pe.sections) {
            int n = Math.min(s.sizeOfRawData(), s.mappedSize());
            if (n > 0) System.arraycopy(pe.data, s.pointerToRawData(), mem, s.virtualAddress(), n);
            if (s.mappedSize() == 0) continue;
            ranges.add(new ProgramImage.Range(s.name(), s.virtualAddress(),
                    (int) PeFile.align(Integer.toUnsignedLong(s.mappedSize()), pe.sectionAlignment), s.writable(), s.executable()));
        }
        if (base != pe.imageBase) relocate(pe, mem, base - pe.imageBase);
        bindImports(mem, exports);
        boolean tls = checkTls(mem, base);
        // Keep the loader's view of the headers consistent with where the image now lives.
        put32(mem, pe.peOffset + 4 + 20 + 28, base);
        return new ProgramImage(name, base, mem, List.copyOf(ranges), base + pe.entryRva, stackReserve(),
                pe.stackCommit, tls, symbols(pe, base));
    }

    private static NtSystem.LoadError err(String what) {
        return new NtSystem.LoadError(what);
    }

    /** Applies IMAGE_REL_BASED_HIGHLOW fixups (PE Format, ".reloc Section"). */
    static void relocate(PeFile pe, byte[] mem, int delta) throws NtSystem.LoadError {
        int rva = pe.dirRva[PeFile.DIR_BASERELOC], size = pe.dirSize[PeFile.DIR_BASERELOC];
        if (pe.relocsStripped() || rva == 0 || size == 0) {
            throw err(String.format(Locale.ROOT,
                    "ImageBase 0x%08X is not available and the image has no base relocations to move it", pe.imageBase));
        }
        int p = rva, end = rva + size;
        while (p + 8 <= end) {
            int page = get32(mem, p), block = get32(mem, p + 4);
            if (block < 8 || block > end - p || (block & 1) != 0) {
                throw err(String.format(Locale.ROOT, "base relocation block at RVA 0x%X has a bad size 0x%X", p, block));
            }
            for (int q = p + 8; q < p + block; q += 2) {
                int e = (mem[q] & 0xFF) | (mem[q + 1] & 0xFF) << 8;
                int type = e >>> 12, target = page + (e & 0xFFF);
                if (type == IMAGE_REL_BASED_ABSOLUTE) continue;
                if (type != IMAGE_REL_BASED_HIGHLOW) throw err("base relocation type " + type + " is not supported (only HIGHLOW and ABSOLUTE)");
                if (target < 0 || target > mem.length - 4) {
                    throw err(String.format(Locale.ROOT, "base relocation at RVA 0x%X lies outside the image", target));
                }
                put32(mem, target, get32(mem, target) + delta);
            }
            p += block;
        }
    }

    /** Binds each import descriptor's thunks (PE Format, "The .idata Section"). */
    private void bindImports(byte[] mem, Map<String, Integer> exports) throws NtSystem.LoadError {
        int rva = pe.dirRva[PeFile.DIR_IMPORT];
        if (rva == 0) return;
        List<String> byOrdinal = ordinalOrder(exports.keySet());
        for (int d = rva; ; d += 20) {
            if (d < 0 || d > mem.length - 20) throw err("the import directory runs past the end of the image");
            int oft = get32(mem, d), nameRva = get32(mem, d + 12), ft = get32(mem, d + 16);
            if (oft == 0 && nameRva == 0 && ft == 0) break;
            String dll = cString(mem, nameRva, "import DLL name");
            String lower = dll.toLowerCase(Locale.ROOT);
            boolean ntdll = lower.equals("ntdll.dll") || lower.equals("ntdll");
            int lookup = oft != 0 ? oft : ft;
            for (int i = 0; ; i++) {
                int t = lookup + 4 * i, slot = ft + 4 * i;
                if (t < 0 || t > mem.length - 4 || slot < 0 || slot > mem.length - 4) {
                    throw err(dll + ": the import lookup table runs past the end of the image");
                }
                int entry = get32(mem, t);
                if (entry == 0) break;
                String sym;
                Integer address;
                if (entry < 0) {
                    int ord = entry & 0xFFFF;
                    sym = "#" + ord;
                    address = ord >= 1 && ord <= byOrdinal.size() ? exports.get(byOrdinal.get(ord - 1)) : null;
                } else {
                    sym = cString(mem, entry + 2, "import name");
                    address = exports.get(sym);
                }
                if (!ntdll) throw err("imports " + PeFile.printable(dll) + "!" + PeFile.printable(sym) + ": ntgate provides only ntdll.dll");
                if (address == null) {
                    throw err("imports " + PeFile.printable(dll) + "!" + PeFile.printable(sym) + ", which ntgate's ntdll does not export");
                }
                put32(mem, slot, address);
            }
        }
    }

    /** Validates the TLS directory's callback array; true when there is at least one callback. */
    private boolean checkTls(byte[] mem, int base) throws NtSystem.LoadError {
        int rva = pe.dirRva[PeFile.DIR_TLS];
        if (rva == 0) return false;
        if (rva < 0 || rva > mem.length - 24) throw err("the TLS directory lies outside the image");
        int callbacks = get32(mem, rva + 12);
        if (callbacks == 0) return false;
        long a = Integer.toUnsignedLong(callbacks) - Integer.toUnsignedLong(base);
        for (int n = 0; ; n++) {
            if (a < 0 || a > mem.length - 4) throw err("the TLS callback array lies outside the image");
            int cb = get32(mem, (int) a);
            if (cb == 0) return n > 0;
            PeFile.Section s = pe.sectionAt(cb - base);
            if (s == null || !s.executable()) {
                throw err(String.format(Locale.ROOT, "TLS callback 0x%08X is not in an executable section", cb));
            }
            a += 4;
        }
    }

    /** Function names from the COFF symbol table MinGW leaves in unstripped images (for the tracer). */
    static Map<String, Long> symbols(PeFile pe, int base) {
        Map<String, Long> out = new TreeMap<>();
        long p = Integer.toUnsignedLong(pe.pointerToSymbolTable);
        long n = Integer.toUnsignedLong(pe.numberOfSymbols);
        byte[] d = pe.data;
        if (p == 0 || n == 0 || n > 1_000_000 || p + 18 * n + 4 > d.length) return out;
        long strings = p + 18 * n;
        for (long i = 0; i < n; i++) {
            int e = (int) (p + 18 * i);
            int value = get32(d, e + 8);
            int sec = (short) ((d[e + 12] & 0xFF) | (d[e + 13] & 0xFF) << 8);
            int type = (d[e + 14] & 0xFF) | (d[e + 15] & 0xFF) << 8;
            int cls = d[e + 16] & 0xFF, aux = d[e + 17] & 0xFF;
            i += aux;
            if (sec < 1 || sec > pe.sections.size() || (type >> 4) != 2 || (cls != 2 && cls != 3)) continue;
            String name;
            if (get32(d, e) == 0) {
                long s = strings + Integer.toUnsignedLong(get32(d, e + 4));
                if (s >= d.length) continue;
                int end = (int) s;
                while (end < d.length && d[end] != 0) end++;
                name = new String(d, (int) s, end - (int) s, StandardCharsets.ISO_8859_1);
            } else {
                int len = 0;
                while (len < 8 && d[e + len] != 0) len++;
                name = new String(d, e, len, StandardCharsets.ISO_8859_1);
            }
            if (name.startsWith("_")) name = name.substring(1);
            int at = name.indexOf('@');
            if (at > 0) name = name.substring(0, at);
            if (name.isEmpty() || name.indexOf('.') >= 0) continue;
            long va = Integer.toUnsignedLong(base) + Integer.toUnsignedLong(pe.sections.get(sec - 1).virtualAddress())
                    + Integer.toUnsignedLong(value);
            out.putIfAbsent(name, va);
        }
        return new LinkedHashMap<>(out);
    }

    static String cString(byte[] mem, int rva, String what) throws NtSystem.LoadError {
        if (rva <= 0 || rva >= mem.length) throw err(String.format(Locale.ROOT, "%s at RVA 0x%X lies outside the image", what, rva));
        int end = rva;
        while (end < mem.length && mem[end] != 0 && end - rva < 512) end++;
        if (end >= mem.length || mem[end] != 0) throw err(String.format(Locale.ROOT, "%s at RVA 0x%X is not terminated", what, rva));
        return new String(mem, rva, end - rva, StandardCharsets.ISO_8859_1);
    }

    static int get32(byte[] b, int off) {
        return (b[off] & 0xFF) | (b[off + 1] & 0xFF) << 8 | (b[off + 2] & 0xFF) << 16 | (b[off + 3] & 0xFF) << 24;
    }

    static void put32(byte[] b, int off, int v) {
        for (int i = 0; i < 4; i++) b[off + i] = (byte) (v >>> (8 * i));
    }
}
