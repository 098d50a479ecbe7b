package ntgate.trace;

import ntgate.nt.ModuleList;
import ntgate.nt.NtSystem;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The machine's modules ({@link NtSystem#modules}: nt, ntdll, the program, and drivers or DLLs as loaders add
 * them) as tools outside the debugger want them: with the path Windows would show and the entry point. Read when
 * asked, so a module loaded later is in the next answer. Used by trace filters, drcov's module table and the GDB
 * stub's library list.
 */
public final class ModuleMap {
    /**
     * One image: {@code name} as symbols show it ({@code nt}, {@code ntdll}, {@code hello}), {@code fileName} as
     * a tool knows the file ({@code ntkrnlpa.exe}), {@code path} as Windows names it, [{@code base}, {@code end}).
     */
    public record Module(String name, String fileName, String path, int base, long end, int entry) {
        public boolean contains(int linear) {
            long a = Integer.toUnsignedLong(linear);
            return a >= Integer.toUnsignedLong(base) && a < end;
        }
    }

    private final NtSystem sys;

    public ModuleMap(NtSystem sys) {
        this.sys = sys;
    }

    public List<Module> all() {
        List<Module> l = new ArrayList<>();
        for (ModuleList.Module m : sys.modules.all()) {
            boolean program = m.base() == sys.image.base() && !m.kernel();
            String path;
            if (program) path = "C:\\" + m.file();
            else if (m.kernel() && !m.name().equals("nt")) path = "C:\\WINDOWS\\system32\\drivers\\" + m.file();
            else path = "C:\\WINDOWS\\system32\\" + m.file();
            l.add(new Module(m.name(), m.file(), path, m.base(), m.end(), program ? sys.image.entry() : 0));
        }
        return l;
    }

    /** The module holding {@code linear}, or null. */
    public Module at(int linear) {
        for (Module m : all()) if (m.contains(linear)) return m;
        return null;
    }

    /** The module of that name (as symbols show it, or its file name), case-insensitive; null when none. */
    public Module named(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        if (n.equals("ntoskrnl") || n.equals("ntkrnlpa")) n = "nt";
        for (Module m : all()) {
            if (m.name().toLowerCase(Locale.ROOT).equals(n) || m.fileName().toLowerCase(Locale.ROOT).equals(n)) return m;
        }
        return null;
    }
}
