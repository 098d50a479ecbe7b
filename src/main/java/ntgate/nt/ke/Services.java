package ntgate.nt.ke;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The one declared list of system services (STYLE.md §8). Everything else — KiServiceTable,
 * KiArgumentTable, W32pServiceTable, W32pArgumentTable, the ntdll and ntoskrnl stubs, the tracer's names — is
 * derived from these rows; no raw service number appears anywhere else.
 *
 * <p>The rows are the whole XP SP3 tables: 284 native services (ntoskrnl 5.1.2600.5512, {@code ntoskrnl.services})
 * and 667 win32k services (win32k.sys 5.1.2600.5512, {@code win32k.services}), declared in this package's
 * resources as {@code index name argc}. ServicesTest pins both to the public dump of XP SP3's tables
 * (tinysec/windows-syscall-table) kept in the test resources. A service ntgate does not implement still has its
 * row, its own entry point and its argument bytes; its body returns STATUS_NOT_IMPLEMENTED.
 */
public final class Services {

    /** One system service: table 0 = native (KiServiceTable), 1 = win32k (W32pServiceTable). */
    public record Service(String name, int table, int index, int argCount) {

        public Service {
            if (!name.startsWith("Nt")) {
                throw new IllegalArgumentException("service names start with Nt: " + name);
            }
            if (table < 0 || table > 3 || index < 0 || index > 0xFFF || argCount < 0 || argCount > 63) {
                throw new IllegalArgumentException("bad service row " + name);
            }
        }

        /** The EAX value: {@code table << 12 | index}. */
        public int number() {
            return table << 12 | index;
        }

        /** The KiArgumentTable byte: 4 bytes per DWORD argument. */
        public int argBytes() {
            return 4 * argCount;
        }

        /** The Zw alias exported by ntdll and ntoskrnl. */
        public String zwName() {
            return "Zw" + name.substring(2);
        }
    }

    /** KeServiceDescriptorTable[0].Limit on XP SP3: 284 services, 0x000..0x11B (NT-FACTS §4.2, §12). */
    public static final int NATIVE_LIMIT = 0x11C;
    /** KeServiceDescriptorTableShadow[1].Limit on XP SP3: 667 services, 0x1000..0x129A (NT-FACTS §4.2). */
    public static final int WIN32K_LIMIT = 0x29B;

    private static final List<Service> NATIVE = load("ntoskrnl.services", 0, NATIVE_LIMIT);
    private static final List<Service> WIN32K = load("win32k.services", 1, WIN32K_LIMIT);

    /** Reads a declaration resource: one row per index from 0 to {@code limit - 1}, in order. */
    private static List<Service> load(String resource, int table, int limit) {
        List<Service> rows = new ArrayList<>(limit);
        try (InputStream in = Services.class.getResourceAsStream(resource)) {
            if (in == null) throw new ExceptionInInitializerError("missing resource " + resource);
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                String l = line.strip();
                if (l.isEmpty() || l.startsWith("#")) continue;
                String[] f = l.split("\\s+");
                int index = Integer.parseInt(f[0], 16);
                if (f.length != 3 || index != rows.size()) throw new ExceptionInInitializerError(resource + ": bad row " + l);
                rows.add(new Service(f[1], table, index, Integer.parseInt(f[2])));
            }
        } catch (IOException e) {
            throw new ExceptionInInitializerError(e);
        }
        if (rows.size() != limit) throw new ExceptionInInitializerError(resource + ": " + rows.size() + " rows, not " + limit);
        return List.copyOf(rows);
    }

    private static final Map<String, Service> BY_NAME;
    private static final Map<Integer, Service> BY_NUMBER;

    static {
        Map<String, Service> names = new HashMap<>();
        Map<Integer, Service> numbers = new HashMap<>();
        for (List<Service> table : List.of(NATIVE, WIN32K)) {
            for (Service s : table) {
                int limit = s.table() == 0 ? NATIVE_LIMIT : WIN32K_LIMIT;
                if (s.index() >= limit) {
                    throw new ExceptionInInitializerError(s.name() + " lies beyond its table's limit");
                }
                // A name seen again (win32k's 0x299 is NtGdiUnmapMemFont, as 0x12C) is the same routine: the
                // first row keeps the name.
                names.putIfAbsent(s.name(), s);
                if (numbers.put(s.number(), s) != null) throw new ExceptionInInitializerError("duplicate number " + s.name());
            }
        }
        BY_NAME = Collections.unmodifiableMap(names);
        BY_NUMBER = Collections.unmodifiableMap(numbers);
    }

    private Services() {
    }

    /** The native services, in number order. */
    public static List<Service> nativeServices() {
        return NATIVE;
    }

    /** Same as {@link #nativeServices()}; {@code native} itself is a Java keyword. */
    public static List<Service> ntoskrnl() {
        return NATIVE;
    }

    /** The win32k services of the shadow table (table 1), in number order. */
    public static List<Service> win32k() {
        return WIN32K;
    }

    /** Native then win32k services. */
    public static List<Service> all() {
        return java.util.stream.Stream.concat(NATIVE.stream(), WIN32K.stream()).toList();
    }

    /**
     * The service of that name; {@code NtClose} and {@code ZwClose} both work.
     *
     * @throws IllegalArgumentException when no such service is declared
     */
    public static Service byName(String name) {
        Service s = find(name);
        if (s == null) {
            throw new IllegalArgumentException("no system service " + name);
        }
        return s;
    }

    /** Like {@link #byName} but null when unknown. */
    public static Service find(String name) {
        String n = name.startsWith("Zw") ? "Nt" + name.substring(2) : name;
        return BY_NAME.get(n);
    }

    /**
     * The service dispatched for EAX = {@code number}, or null when none is declared there.
     * Bits 14-31 are ignored as the XP dispatcher ignores them (NT-FACTS §4.1: 0x4019 is NtClose).
     */
    public static Service byNumber(int number) {
        return BY_NUMBER.get(number & 0x3FFF);
    }
}
