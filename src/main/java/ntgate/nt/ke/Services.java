package ntgate.nt.ke;

import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The one declared list of system services (STYLE.md §8). Everything else — KiServiceTable,
 * KiArgumentTable, the ntdll stubs, the tracer's names — is derived from these rows; no raw
 * service number appears anywhere else.
 *
 * <p>Native rows: NT-FACTS.md §12 (numbers: j00ru/windows-syscalls {@code x86/csv/nt.csv},
 * column "Windows XP (SP3)"; argument counts: WRK {@code services.tab}). The native table has
 * {@link #NATIVE_LIMIT} = 0x11C entries on XP SP3 (§4.2, §12); only the rows the gate implements
 * are declared, the other indexes stay unassigned.
 *
 * <p>Win32k rows (table 1): numbers from NT-FACTS.md §12's "Win32k samples (XP SP3)", which cites
 * j00ru/windows-syscalls {@code x86/csv/win32k.csv}. Their argument counts are not in NT-FACTS;
 * they are the prototypes' parameter counts (ReactOS {@code win32ss/include/ntgdityp.h} /
 * {@code ntuser.h}) [?, not checked against an XP W32pArgumentTable].
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

    private static final List<Service> NATIVE = List.of(
            new Service("NtAlertResumeThread", 0, 0x00C, 2),
            new Service("NtAlertThread", 0, 0x00D, 1),
            new Service("NtAllocateVirtualMemory", 0, 0x011, 6),
            new Service("NtCallbackReturn", 0, 0x014, 3),
            // Not in NT-FACTS §12; number and argument count from the XP SP3 KiServiceTable dump of
            // tinysec/windows-syscall-table (5.1.2600-sp3-windows-xp/i386/ssdt.c), which agrees with §12 on
            // every row §12 has. NtClearEvent 0x018 (1 argument); NtDisplayString 0x043 (1 argument).
            new Service("NtClearEvent", 0, 0x018, 1),
            new Service("NtClose", 0, 0x019, 1),
            new Service("NtContinue", 0, 0x020, 2),
            new Service("NtCreateEvent", 0, 0x023, 5),
            new Service("NtCreateFile", 0, 0x025, 11),
            new Service("NtCreateIoCompletion", 0, 0x026, 4),
            new Service("NtCreateKey", 0, 0x029, 7),
            new Service("NtCreateMutant", 0, 0x02B, 4),
            new Service("NtCreateSection", 0, 0x032, 7),
            new Service("NtCreateSemaphore", 0, 0x033, 5),
            new Service("NtCreateThread", 0, 0x035, 8),
            new Service("NtDelayExecution", 0, 0x03B, 2),
            new Service("NtDeviceIoControlFile", 0, 0x042, 10),
            new Service("NtDisplayString", 0, 0x043, 1),
            new Service("NtDuplicateObject", 0, 0x044, 7),
            new Service("NtFlushInstructionCache", 0, 0x04E, 3),
            new Service("NtFreeVirtualMemory", 0, 0x053, 4),
            new Service("NtGetContextThread", 0, 0x055, 2),
            new Service("NtMapViewOfSection", 0, 0x06C, 10),
            new Service("NtOpenFile", 0, 0x074, 6),
            new Service("NtOpenKey", 0, 0x077, 3),
            new Service("NtOpenProcess", 0, 0x07A, 4),
            new Service("NtOpenThread", 0, 0x080, 4),
            new Service("NtProtectVirtualMemory", 0, 0x089, 5),
            new Service("NtQueryAttributesFile", 0, 0x08B, 2),
            new Service("NtQueryInformationFile", 0, 0x097, 5),
            new Service("NtQueryInformationProcess", 0, 0x09A, 5),
            new Service("NtQueryInformationThread", 0, 0x09B, 5),
            new Service("NtQueryPerformanceCounter", 0, 0x0A5, 2),
            new Service("NtQuerySystemInformation", 0, 0x0AD, 4),
            new Service("NtQuerySystemTime", 0, 0x0AE, 1),
            new Service("NtQueryValueKey", 0, 0x0B1, 6),
            new Service("NtQueryVirtualMemory", 0, 0x0B2, 6),
            new Service("NtQueueApcThread", 0, 0x0B4, 5),
            new Service("NtRaiseException", 0, 0x0B5, 3),
            new Service("NtRaiseHardError", 0, 0x0B6, 6),
            new Service("NtReadFile", 0, 0x0B7, 9),
            new Service("NtReleaseMutant", 0, 0x0BC, 2),
            new Service("NtReleaseSemaphore", 0, 0x0BD, 3),
            new Service("NtRemoveIoCompletion", 0, 0x0BE, 5),
            new Service("NtRequestWaitReplyPort", 0, 0x0C8, 3),
            new Service("NtResetEvent", 0, 0x0CA, 2),
            new Service("NtResumeThread", 0, 0x0CE, 2),
            new Service("NtSetContextThread", 0, 0x0D5, 2),
            new Service("NtSetEvent", 0, 0x0DB, 2),
            new Service("NtSetInformationFile", 0, 0x0E0, 5),
            new Service("NtSetInformationThread", 0, 0x0E5, 4),
            new Service("NtSetLdtEntries", 0, 0x0E9, 6),
            new Service("NtSetValueKey", 0, 0x0F7, 6),
            new Service("NtSignalAndWaitForSingleObject", 0, 0x0FA, 4),
            new Service("NtSuspendThread", 0, 0x0FE, 2),
            new Service("NtTerminateProcess", 0, 0x101, 2),
            new Service("NtTerminateThread", 0, 0x102, 2),
            new Service("NtTestAlert", 0, 0x103, 0),
            new Service("NtUnmapViewOfSection", 0, 0x10B, 2),
            new Service("NtVdmControl", 0, 0x10C, 2),
            new Service("NtWaitForMultipleObjects", 0, 0x10E, 5),
            new Service("NtWaitForSingleObject", 0, 0x10F, 3),
            new Service("NtWriteFile", 0, 0x112, 9),
            new Service("NtYieldExecution", 0, 0x116, 0));

    private static final List<Service> WIN32K = List.of(
            new Service("NtGdiBitBlt", 1, 0x00D, 11),
            new Service("NtGdiFlush", 1, 0x097, 0),
            new Service("NtUserCallNoParam", 1, 0x142, 1),
            new Service("NtUserGetMessage", 1, 0x1A5, 4),
            // Not in NT-FACTS: j00ru/windows-syscalls x86/csv/win32k.csv, column "Windows XP (SP3)" = 0x11b3.
            new Service("NtUserGetThreadState", 1, 0x1B3, 1),
            new Service("NtUserMessageCall", 1, 0x1CC, 7),
            new Service("NtUserPeekMessage", 1, 0x1DA, 5));

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
                if (names.put(s.name(), s) != null || numbers.put(s.number(), s) != null) {
                    throw new ExceptionInInitializerError("duplicate service " + s.name());
                }
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
