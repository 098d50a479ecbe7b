package ntgate.cli;

import ntgate.nt.NtSystem;
import ntgate.pe.PeFile;
import ntgate.pe.PeFormatException;
import ntgate.pe.PeLoader;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A program named on the command line (run, debug): a PE32 executable ({@code .exe} or any file starting with MZ)
 * or a NASM-syntax {@code .asm} source, read once and bootable as often as needed (the bug-check replay boots it
 * twice).
 */
final class ProgramFile {
    /** Boots the program into a fresh machine with the given options. */
    interface Booter {
        NtSystem boot(NtSystem.Options o) throws NtSystem.LoadError;
    }

    final Path file;
    final boolean pe;
    final Booter booter;

    private ProgramFile(Path file, boolean pe, Booter booter) {
        this.file = file;
        this.pe = pe;
        this.booter = booter;
    }

    /**
     * Reads {@code file}; on a problem prints one line ({@code ntgate CMD: FILE: what is wrong}) and returns null.
     *
     * @param imageBase a base to load a PE image at instead of its preferred one, or null
     */
    static ProgramFile open(String command, Path file, Integer imageBase) {
        String name = file.getFileName() == null ? file.toString() : file.getFileName().toString();
        String lower = name.toLowerCase(java.util.Locale.ROOT);
        byte[] raw;
        try {
            raw = Files.readAllBytes(file);
        } catch (java.nio.file.NoSuchFileException e) {
            System.err.println("ntgate " + command + ": " + file + ": no such file");
            return null;
        } catch (IOException e) {
            System.err.println("ntgate " + command + ": cannot read " + file + ": " + e.getMessage());
            return null;
        }
        boolean pe = lower.endsWith(".exe") || PeFile.looksLikePe(raw);
        if (!pe && !lower.endsWith(".asm")) {
            System.err.println("ntgate " + command + ": " + file + ": not a PE executable (no MZ signature) and not a .asm program");
            return null;
        }
        if (pe) {
            PeLoader loader;
            try {
                loader = PeLoader.of(raw, name, imageBase);
            } catch (PeFormatException e) {
                System.err.println("ntgate " + command + ": " + file + ": " + e.getMessage());
                return null;
            }
            return new ProgramFile(file, true, o -> NtSystem.boot(loader, file.toString(), o));
        }
        String source = new String(raw, StandardCharsets.UTF_8);
        if (source.indexOf('\0') >= 0) {
            System.err.println("ntgate " + command + ": " + file + ": not a text file (it contains NUL bytes)");
            return null;
        }
        return new ProgramFile(file, false, o -> NtSystem.boot(source, file.toString(), o));
    }

    /**
     * Reads and validates the {@code --driver} files; on a problem prints one line ({@code ntgate CMD: FILE: what is
     * wrong}) and returns null.
     */
    static java.util.List<ntgate.nt.drv.Drivers.DriverFile> drivers(String command, java.util.List<Path> files) {
        java.util.List<ntgate.nt.drv.Drivers.DriverFile> out = new java.util.ArrayList<>();
        for (Path f : files) {
            byte[] raw;
            try {
                raw = Files.readAllBytes(f);
            } catch (java.nio.file.NoSuchFileException e) {
                System.err.println("ntgate " + command + ": " + f + ": no such file");
                return null;
            } catch (IOException e) {
                System.err.println("ntgate " + command + ": cannot read " + f + ": " + e.getMessage());
                return null;
            }
            try {
                ntgate.pe.PeDriver.parse(raw);
            } catch (PeFormatException e) {
                System.err.println("ntgate " + command + ": " + f + ": " + e.getMessage());
                return null;
            }
            out.add(new ntgate.nt.drv.Drivers.DriverFile(f.toString(), raw));
        }
        return out;
    }

    /** Boots; on a load error prints it (the assembler's lines as they are, a PE error as one line) and returns null. */
    NtSystem boot(String command, NtSystem.Options o) {
        try {
            return booter.boot(o);
        } catch (ntgate.nt.drv.Drivers.LoadError e) {
            System.err.println("ntgate " + command + ": " + e.getMessage());
            return null;
        } catch (NtSystem.LoadError e) {
            System.err.println((pe ? "ntgate " + command + ": " + file + ": " : "") + e.getMessage());
            return null;
        }
    }
}
