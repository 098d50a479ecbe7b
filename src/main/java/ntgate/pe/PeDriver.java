package ntgate.pe;

import ntgate.nt.NtSystem;
import ntgate.nt.ProgramImage;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A kernel driver image (.sys) as XP's I/O manager takes it (IopLoadDriver, MmLoadSystemImage): a PE32 i386 image
 * of the native subsystem with base relocations, laid out at whatever kernel address the loader chooses, relocated
 * there, its imports bound by name to ntoskrnl.exe and hal.dll.
 */
public final class PeDriver {
    public final PeFile pe;

    /** Resolves an import: {@code dll} in lower case ({@code ntoskrnl.exe}, {@code hal.dll}); null when absent. */
    public interface Exports {
        Integer resolve(String dll, String name);
    }

    /**
     * The image as mapped at {@code base}: its bytes, the ranges to map (writable and executable as the sections
     * say), the entry point and the names of its COFF symbol table and export directory.
     */
    public record Mapped(int base, byte[] memory, List<ProgramImage.Range> ranges, int entry, Map<String, Long> symbols) {}

    private PeDriver(PeFile pe) {
        this.pe = pe;
    }

    /**
     * Validates the headers of a driver file.
     *
     * @throws PeFormatException with the one line that says what is wrong
     */
    public static PeDriver parse(byte[] data) throws PeFormatException {
        PeFile pe = PeFile.parseDriver(data);
        if (pe.subsystem != PeFile.IMAGE_SUBSYSTEM_NATIVE) {
            throw new PeFormatException("subsystem " + pe.subsystem + " is not native (1): not a kernel driver"
                    + " (link with -Wl,--subsystem,native)");
        }
        if (pe.relocsStripped() || pe.dirRva[PeFile.DIR_BASERELOC] == 0 || pe.dirSize[PeFile.DIR_BASERELOC] == 0) {
            throw new PeFormatException("has no base relocations: a driver runs wherever the kernel loads it, so it must be relocatable");
        }
        return new PeDriver(pe);
    }

    /** The image size rounded up to whole pages. */
    public int size() {
        return (int) PeFile.align(Integer.toUnsignedLong(pe.sizeOfImage), 0x1000);
    }

    /**
     * Lays the image out at {@code base}, applies its base relocations and binds its imports.
     *
     * @throws NtSystem.LoadError for a bad relocation block, an import from another DLL, by ordinal, or a name the
     *                            kernel does not export ({@code imports ntoskrnl.exe!Name, ...})
     */
    public Mapped map(int base, Exports exports) throws NtSystem.LoadError {
        byte[] mem = new byte[size()];
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
        if (base != pe.imageBase) PeLoader.relocate(pe, mem, base - pe.imageBase);
        Map<String, Long> slots = new LinkedHashMap<>();
        bind(mem, exports, base, slots);
        PeLoader.put32(mem, pe.peOffset + 4 + 20 + 28, base);
        Map<String, Long> symbols = new LinkedHashMap<>(PeLoader.symbols(pe, base));
        slots.forEach(symbols::putIfAbsent);
        exportNames(mem, base).forEach(symbols::putIfAbsent);
        return new Mapped(base, mem, List.copyOf(ranges), base + pe.entryRva, symbols);
    }

    /** Binds the imports; each import address table slot is named {@code _imp__Name}, as WinDbg names it. */
    private void bind(byte[] mem, Exports exports, int base, Map<String, Long> slots) throws NtSystem.LoadError {
        int rva = pe.dirRva[PeFile.DIR_IMPORT];
        if (rva == 0) return;
        for (int d = rva; ; d += 20) {
            if (d < 0 || d > mem.length - 20) throw new NtSystem.LoadError("the import directory runs past the end of the image");
            int oft = PeLoader.get32(mem, d), nameRva = PeLoader.get32(mem, d + 12), ft = PeLoader.get32(mem, d + 16);
            if (oft == 0 && nameRva == 0 && ft == 0) break;
            String dll = PeFile.printable(PeLoader.cString(mem, nameRva, "import DLL name")).toLowerCase(Locale.ROOT);
            if (!dll.contains(".")) dll = dll.equals("hal") ? "hal.dll" : dll + ".exe";
            int lookup = oft != 0 ? oft : ft;
            for (int i = 0; ; i++) {
                int t = lookup + 4 * i, slot = ft + 4 * i;
                if (t < 0 || t > mem.length - 4 || slot < 0 || slot > mem.length - 4) {
                    throw new NtSystem.LoadError(dll + ": the import lookup table runs past the end of the image");
                }
                int entry = PeLoader.get32(mem, t);
                if (entry == 0) break;
                if (entry < 0) {
                    throw new NtSystem.LoadError("imports " + dll + "!#" + (entry & 0xFFFF) + " by ordinal: ntgate binds drivers' imports by name");
                }
                String sym = PeFile.printable(PeLoader.cString(mem, entry + 2, "import name"));
                if (!dll.equals("ntoskrnl.exe") && !dll.equals("hal.dll")) {
                    throw new NtSystem.LoadError("imports " + dll + "!" + sym + ": ntgate gives drivers ntoskrnl.exe and hal.dll only");
                }
                Integer address = exports.resolve(dll, sym);
                if (address == null) throw new NtSystem.LoadError("imports " + dll + "!" + sym + ", which ntgate's kernel does not export");
                PeLoader.put32(mem, slot, address);
                slots.putIfAbsent("_imp__" + sym, Integer.toUnsignedLong(base) + slot);
            }
        }
    }

    /** The export directory's names (undecorated: {@code DriverEntry@8} is {@code DriverEntry}). */
    private Map<String, Long> exportNames(byte[] mem, int base) {
        Map<String, Long> out = new LinkedHashMap<>();
        int rva = pe.dirRva[0];
        if (rva <= 0 || rva > mem.length - 40) return out;
        int n = PeLoader.get32(mem, rva + 0x18), functions = PeLoader.get32(mem, rva + 0x1C);
        int names = PeLoader.get32(mem, rva + 0x20), ordinals = PeLoader.get32(mem, rva + 0x24);
        for (int i = 0; i < n && i < 4096; i++) {
            int np = names + 4 * i, op = ordinals + 2 * i;
            if (np < 0 || np > mem.length - 4 || op < 0 || op > mem.length - 2) break;
            int nameRva = PeLoader.get32(mem, np), ord = (mem[op] & 0xFF) | (mem[op + 1] & 0xFF) << 8;
            int fp = functions + 4 * ord;
            if (nameRva <= 0 || nameRva >= mem.length || fp < 0 || fp > mem.length - 4) continue;
            int end = nameRva;
            while (end < mem.length && mem[end] != 0 && end - nameRva < 256) end++;
            String name = new String(mem, nameRva, end - nameRva, StandardCharsets.ISO_8859_1);
            if (name.startsWith("_")) name = name.substring(1);
            int at = name.indexOf('@');
            if (at > 0) name = name.substring(0, at);
            if (name.isEmpty()) continue;
            out.put(name, Integer.toUnsignedLong(base) + Integer.toUnsignedLong(PeLoader.get32(mem, fp)));
        }
        return out;
    }
}
