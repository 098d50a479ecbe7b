package ntgate.nt;

import ntgate.cpu.Cpu;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * The Java host routines reachable from guest code as {@code hostcall HC_Name}: numbered in registration order,
 * and exposed to the assembler as the symbols {@code HC_Name}.
 */
public final class HostCallTable implements Cpu.HostCalls {
    /** A host routine: reads its stdcall arguments at [ESP+4+4i] and leaves its result in EAX. */
    public interface Routine {
        void run(Cpu cpu);
    }

    private final List<String> names = new ArrayList<>();
    private final List<Routine> routines = new ArrayList<>();
    private final Map<String, Integer> ids = new HashMap<>();
    private Routine[] fast = new Routine[0];

    public void register(String name, Routine r) {
        if (ids.containsKey(name)) throw new IllegalArgumentException("host routine registered twice: " + name);
        ids.put(name, names.size());
        names.add(name);
        routines.add(r);
        fast = routines.toArray(new Routine[0]);
    }

    public boolean has(String name) {
        return ids.containsKey(name);
    }

    /** Every registered name in id order, one per line: what the {@code HC_Name} symbols resolve to. */
    public String names() {
        return String.join("\n", names);
    }

    public String name(int id) {
        return id >= 0 && id < names.size() ? names.get(id) : null;
    }

    /** The assembler symbols {@code HC_Name} = id. */
    public OptionalLong resolve(String symbol) {
        if (!symbol.startsWith("HC_")) return OptionalLong.empty();
        Integer id = ids.get(symbol.substring(3));
        return id == null ? OptionalLong.empty() : OptionalLong.of(id);
    }

    @Override
    public void call(Cpu cpu, int n) {
        Routine[] f = fast;
        if (n >= f.length) throw ntgate.cpu.CpuFault.ud();
        f[n].run(cpu);
    }
}
