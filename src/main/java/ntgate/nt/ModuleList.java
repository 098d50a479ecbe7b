package ntgate.nt;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * The modules loaded in the machine, kernel and user: nt, ntdll, the program and whatever a loader adds later
 * (kernel drivers, DLLs). One list read by the debugger ({@code lm}, {@code x}, {@code ln}, {@code bu}), the
 * tracers' {@code module!symbol} names and anything else that names addresses; loaders {@link #add} to it and
 * listeners hear of each module as it arrives (a deferred breakpoint resolves then).
 */
public final class ModuleList {
    /**
     * One loaded module.
     *
     * @param name    the module name symbols use: {@code nt}, {@code ntdll}, {@code hello}
     * @param file    the image file name: {@code ntkrnlpa.exe}, {@code ntdll.dll}, {@code hello.exe}
     * @param base    the linear address of its first byte
     * @param size    its extent in bytes (SizeOfImage)
     * @param kernel  a kernel-mode module (nt, drivers)
     * @param symbols its names, absolute addresses inside {@code [base, base+size)}
     */
    public record Module(String name, String file, int base, int size, boolean kernel, Map<String, Long> symbols) {
        public Module {
            symbols = Collections.unmodifiableMap(new TreeMap<>(symbols));
        }

        /** The first address past the module. */
        public long end() {
            return Integer.toUnsignedLong(base) + Integer.toUnsignedLong(size);
        }

        /** True when {@code linear} lies inside the module. */
        public boolean contains(int linear) {
            long a = Integer.toUnsignedLong(linear);
            return a >= Integer.toUnsignedLong(base) && a < end();
        }
    }

    private final List<Module> modules = new ArrayList<>();
    private final List<Consumer<Module>> listeners = new ArrayList<>();
    /** Address to "module!name", built on first use and dropped when a module arrives. */
    private TreeMap<Long, String> index;
    /** Per module, labels that resolve but never name an address (they sit inside a routine). */
    private final Map<String, java.util.Set<String>> interior = new java.util.HashMap<>();

    /**
     * Marks labels of {@code module} that lie inside a routine: {@link #symbolAt} names an address there after
     * the routine ({@code nt!KiFastCallEntry+0xfc}), while {@link #symbol} still resolves them.
     */
    public void interior(String module, java.util.Set<String> labels) {
        interior.put(module, java.util.Set.copyOf(labels));
        index = null;
    }

    /**
     * Adds a module that has just been mapped and tells the listeners. Only symbols inside the module's range
     * and without a '.' (assembler locals, equ constants) are kept.
     */
    public void add(String name, String file, int base, int size, boolean kernel, Map<String, Long> symbols) {
        Map<String, Long> kept = new TreeMap<>();
        long lo = Integer.toUnsignedLong(base), hi = lo + Integer.toUnsignedLong(size);
        for (Map.Entry<String, Long> e : symbols.entrySet()) {
            long v = e.getValue();
            if (e.getKey().indexOf('.') < 0 && v >= lo && v < hi) kept.put(e.getKey(), v);
        }
        Module m = new Module(name, file, base, size, kernel, kept);
        modules.add(m);
        index = null;
        for (Consumer<Module> l : List.copyOf(listeners)) l.accept(m);
    }

    /** Removes the module named {@code name} (a driver whose DriverEntry failed is unloaded). */
    public void remove(String name) {
        if (modules.removeIf(m -> m.name().equals(name))) index = null;
    }

    /** Calls {@code listener} for every module added from now on. */
    public void onLoad(Consumer<Module> listener) {
        listeners.add(listener);
    }

    /** The modules in load order. */
    public List<Module> all() {
        return Collections.unmodifiableList(modules);
    }

    /**
     * The module named {@code name} (case-insensitive; {@code nt} also answers to ntoskrnl and ntkrnlpa, as in
     * WinDbg), or empty.
     */
    public Optional<Module> byName(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        if (n.equals("ntoskrnl") || n.equals("ntkrnlpa")) n = "nt";
        for (Module m : modules) if (m.name().toLowerCase(Locale.ROOT).equals(n)) return Optional.of(m);
        return Optional.empty();
    }

    /** The module holding {@code linear}, or empty. */
    public Optional<Module> at(int linear) {
        for (Module m : modules) if (m.contains(linear)) return Optional.of(m);
        return Optional.empty();
    }

    /** {@code module!name}'s address, or null ({@code module} null: the first module defining it). */
    public Long symbol(String module, String name) {
        if (module != null) return byName(module).map(m -> m.symbols().get(name)).orElse(null);
        for (Module m : modules) {
            Long v = m.symbols().get(name);
            if (v != null) return v;
        }
        return null;
    }

    /** {@code nt!KiServiceExit+0x2c}: the nearest symbol at or below an address inside its module, or empty. */
    public Optional<String> symbolAt(int linear) {
        if (index == null) {
            index = new TreeMap<>();
            for (Module m : modules) {
                java.util.Set<String> hidden = interior.getOrDefault(m.name(), java.util.Set.of());
                for (Map.Entry<String, Long> s : m.symbols().entrySet()) {
                    if (hidden.contains(s.getKey())) continue;
                    index.merge(s.getValue(), m.name() + "!" + s.getKey(), ModuleList::preferredName);
                }
            }
        }
        Optional<Module> m = at(linear);
        if (m.isEmpty()) return Optional.empty();
        long a = Integer.toUnsignedLong(linear);
        Map.Entry<Long, String> e = index.floorEntry(a);
        if (e == null || e.getKey() < Integer.toUnsignedLong(m.get().base())) return Optional.empty();
        long off = a - e.getKey();
        return Optional.of(off == 0 ? e.getValue() : e.getValue() + String.format(Locale.ROOT, "+0x%x", off));
    }

    /**
     * Of two names at one address, the one an address is shown by: ntdll's ZwXxx over its NtXxx alias, as WinDbg
     * shows XP's stubs ({@code ntdll!ZwClose+0xc}); otherwise the first in alphabetical order.
     */
    static String preferredName(String a, String b) {
        int ia = a.indexOf('!'), ib = b.indexOf('!');
        String na = a.substring(ia + 1), nb = b.substring(ib + 1);
        if (na.length() == nb.length() && na.length() > 2 && na.substring(2).equals(nb.substring(2))) {
            if (na.startsWith("Zw") && nb.startsWith("Nt")) return a;
            if (nb.startsWith("Zw") && na.startsWith("Nt")) return b;
        }
        return a.compareTo(b) <= 0 ? a : b;
    }
}
