package ntgate.trace;

import ntgate.asm.AsmResult;
import ntgate.asm.AsmSection;
import ntgate.nt.NtSystem;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The images mapped in a booted machine, in load order: the kernel, ntdll and the program, each with its linear
 * range. Used where a tool needs modules (trace filters, drcov's module table, the GDB stub's library list).
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

    private final List<Module> modules;

    public ModuleMap(NtSystem sys) {
        List<Module> l = new ArrayList<>();
        l.add(fromAsm("nt", "ntkrnlpa.exe", "C:\\WINDOWS\\system32\\ntkrnlpa.exe", sys.kernel, 0));
        l.add(fromAsm("ntdll", "ntdll.dll", "C:\\WINDOWS\\system32\\ntdll.dll", sys.ntdll, 0));
        String file = sys.image.name();
        String module = file;
        int dot = module.lastIndexOf('.');
        if (dot > 0) module = module.substring(0, dot);
        if (dot < 0) file = file + ".exe";
        l.add(new Module(module, file, "C:\\" + file, sys.image.base(), sys.image.end(), sys.image.entry()));
        this.modules = List.copyOf(l);
    }

    private static Module fromAsm(String name, String file, String path, AsmResult r, int entry) {
        long hi = r.base();
        for (AsmSection s : r.sections()) hi = Math.max(hi, s.end());
        hi = (hi + 0xFFF) & ~0xFFFL;
        return new Module(name, file, path, (int) r.base(), hi, entry);
    }

    public List<Module> all() {
        return modules;
    }

    /** The module holding {@code linear}, or null. */
    public Module at(int linear) {
        for (Module m : modules) if (m.contains(linear)) return m;
        return null;
    }

    /** The module of that name (as symbols show it, or its file name), case-insensitive; null when none. */
    public Module named(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        for (Module m : modules) {
            if (m.name().toLowerCase(Locale.ROOT).equals(n) || m.fileName().toLowerCase(Locale.ROOT).equals(n)) return m;
        }
        if (n.equals("ntoskrnl") || n.equals("ntkrnlpa")) return modules.get(0);
        return null;
    }
}
