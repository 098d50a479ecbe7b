package ntgate.report;

import ntgate.nt.NtStatus;
import ntgate.nt.NtSystem;
import ntgate.nt.ke.Services;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The arguments of a system call as the report's timeline shows them: named and decoded by type for the services
 * ntgate implements (handles, NTSTATUS, BOOLEAN, page protections, a LARGE_INTEGER or a size read through its
 * pointer, the start of a buffer written), as hex dwords for the others. Values behind pointers are read at entry
 * with the MMU's tool accesses, as the caller left them.
 */
public final class ArgDecoder {
    /** How a parameter is shown. */
    private enum T {
        HANDLE, PTR, ULONG, BOOL, STATUS, LARGE_IN, SIZE_IN, PTR_IN, BUFFER, USTRING, PROTECT, ALLOC, ACCESS,
        SYSINFO, PROCINFO, EVENT_TYPE
    }

    private record Param(T type, String name) {}

    private static final Map<String, Param[]> PROTOTYPES = new HashMap<>();

    private static void proto(String service, Object... typeName) {
        Param[] p = new Param[typeName.length / 2];
        for (int i = 0; i < p.length; i++) p[i] = new Param((T) typeName[2 * i], (String) typeName[2 * i + 1]);
        PROTOTYPES.put(service, p);
    }

    static {
        proto("NtClose", T.HANDLE, "Handle");
        proto("NtWriteFile", T.HANDLE, "FileHandle", T.HANDLE, "Event", T.PTR, "ApcRoutine", T.PTR, "ApcContext",
                T.PTR, "IoStatusBlock", T.BUFFER, "Buffer", T.ULONG, "Length", T.LARGE_IN, "ByteOffset", T.PTR, "Key");
        proto("NtReadFile", T.HANDLE, "FileHandle", T.HANDLE, "Event", T.PTR, "ApcRoutine", T.PTR, "ApcContext",
                T.PTR, "IoStatusBlock", T.PTR, "Buffer", T.ULONG, "Length", T.LARGE_IN, "ByteOffset", T.PTR, "Key");
        proto("NtDisplayString", T.USTRING, "String");
        proto("NtAllocateVirtualMemory", T.HANDLE, "ProcessHandle", T.PTR_IN, "BaseAddress", T.ULONG, "ZeroBits",
                T.SIZE_IN, "RegionSize", T.ALLOC, "AllocationType", T.PROTECT, "Protect");
        proto("NtFreeVirtualMemory", T.HANDLE, "ProcessHandle", T.PTR_IN, "BaseAddress", T.SIZE_IN, "RegionSize", T.ALLOC, "FreeType");
        proto("NtProtectVirtualMemory", T.HANDLE, "ProcessHandle", T.PTR_IN, "BaseAddress", T.SIZE_IN, "NumberOfBytesToProtect",
                T.PROTECT, "NewAccessProtection", T.PTR, "OldAccessProtection");
        proto("NtQueryVirtualMemory", T.HANDLE, "ProcessHandle", T.PTR, "BaseAddress", T.ULONG, "MemoryInformationClass",
                T.PTR, "MemoryInformation", T.ULONG, "MemoryInformationLength", T.PTR, "ReturnLength");
        proto("NtTerminateProcess", T.HANDLE, "ProcessHandle", T.STATUS, "ExitStatus");
        proto("NtTerminateThread", T.HANDLE, "ThreadHandle", T.STATUS, "ExitStatus");
        proto("NtDelayExecution", T.BOOL, "Alertable", T.LARGE_IN, "DelayInterval");
        proto("NtYieldExecution");
        proto("NtTestAlert");
        proto("NtGdiFlush");
        proto("NtQuerySystemInformation", T.SYSINFO, "SystemInformationClass", T.PTR, "SystemInformation",
                T.ULONG, "SystemInformationLength", T.PTR, "ReturnLength");
        proto("NtQueryPerformanceCounter", T.PTR, "PerformanceCounter", T.PTR, "PerformanceFrequency");
        proto("NtQuerySystemTime", T.PTR, "SystemTime");
        proto("NtCreateEvent", T.PTR, "EventHandle", T.ACCESS, "DesiredAccess", T.PTR, "ObjectAttributes",
                T.EVENT_TYPE, "EventType", T.BOOL, "InitialState");
        proto("NtSetEvent", T.HANDLE, "EventHandle", T.PTR, "PreviousState");
        proto("NtResetEvent", T.HANDLE, "EventHandle", T.PTR, "PreviousState");
        proto("NtClearEvent", T.HANDLE, "EventHandle");
        proto("NtWaitForSingleObject", T.HANDLE, "Handle", T.BOOL, "Alertable", T.LARGE_IN, "Timeout");
        proto("NtQueryInformationProcess", T.HANDLE, "ProcessHandle", T.PROCINFO, "ProcessInformationClass",
                T.PTR, "ProcessInformation", T.ULONG, "ProcessInformationLength", T.PTR, "ReturnLength");
        proto("NtGetContextThread", T.HANDLE, "ThreadHandle", T.PTR, "ThreadContext");
        proto("NtSetContextThread", T.HANDLE, "ThreadHandle", T.PTR, "ThreadContext");
        proto("NtContinue", T.PTR, "ContextRecord", T.BOOL, "TestAlert");
        proto("NtQueueApcThread", T.HANDLE, "ThreadHandle", T.PTR, "ApcRoutine", T.PTR, "ApcArgument1",
                T.PTR, "ApcArgument2", T.PTR, "ApcArgument3");
        proto("NtRaiseException", T.PTR, "ExceptionRecord", T.PTR, "ContextRecord", T.BOOL, "FirstChance");
        proto("NtUserGetThreadState", T.ULONG, "Routine");
    }

    private final NtSystem sys;

    public ArgDecoder(NtSystem sys) {
        this.sys = sys;
    }

    /** The parameter names of a service, or null when its prototype is not declared here. */
    static String[] names(String service) {
        Param[] p = PROTOTYPES.get(service);
        if (p == null) return null;
        String[] n = new String[p.length];
        for (int i = 0; i < p.length; i++) n[i] = p[i].name;
        return n;
    }

    /** One text per argument ({@code args[i]} is -1 when unreadable); also the jsonl trace's decoded arguments. */
    public String[] decode(Services.Service sv, long[] args) {
        String[] out = new String[args.length];
        Param[] p = sv == null ? null : PROTOTYPES.get(sv.name());
        if (p != null && p.length != args.length) p = null;
        for (int i = 0; i < args.length; i++) {
            if (args[i] < 0) {
                out[i] = "????????";
                continue;
            }
            int v = (int) args[i];
            String hex = hex(v);
            if (p == null) {
                out[i] = hex;
                continue;
            }
            String d = decode(p[i].type, v, args, i);
            out[i] = p[i].name + "=" + (d == null ? hex : d);
        }
        return out;
    }

    private String decode(T t, int v, long[] args, int i) {
        switch (t) {
            case HANDLE:
                return v == -1 ? "NtCurrentProcess()" : v == -2 ? "NtCurrentThread()" : v == 0 ? "NULL" : hex(v);
            case PTR:
                return v == 0 ? "NULL" : hex(v);
            case ULONG:
                return Integer.toUnsignedString(v) + (Integer.compareUnsigned(v, 9) > 0 ? " (" + hex(v) + ")" : "");
            case BOOL:
                return v == 0 ? "FALSE" : v == 1 ? "TRUE" : hex(v);
            case STATUS:
                return NtStatus.describe(v);
            case LARGE_IN: {
                if (v == 0) return "NULL";
                long lo = peek(v), hi = peek(v + 4);
                if (lo < 0 || hi < 0) return hex(v) + " -> ?";
                return hex(v) + " -> " + ((hi << 32) | lo);
            }
            case SIZE_IN:
            case PTR_IN: {
                if (v == 0) return "NULL";
                long x = peek(v);
                return hex(v) + " -> " + (x < 0 ? "?" : hex((int) x));
            }
            case BUFFER: {
                if (v == 0) return "NULL";
                int len = i + 1 < args.length && args[i + 1] >= 0 ? (int) Math.min(args[i + 1], 48) : 0;
                return hex(v) + (len > 0 ? " " + quoted(v, len, false) : "");
            }
            case USTRING: {
                if (v == 0) return "NULL";
                long lenMax = peek(v), buf = peek(v + 4);
                if (lenMax < 0 || buf < 0) return hex(v) + " -> ?";
                int bytes = (int) (lenMax & 0xFFFF);
                return hex(v) + " -> L" + quoted((int) buf, Math.min(bytes / 2, 48), true);
            }
            case PROTECT:
                return flags(v, PROTECT_NAMES);
            case ALLOC:
                return flags(v, ALLOC_NAMES);
            case ACCESS:
                return v == 0x1F0003 ? "EVENT_ALL_ACCESS" : hex(v);
            case SYSINFO:
                return v == 0 ? "SystemBasicInformation" : Integer.toString(v);
            case PROCINFO:
                return v == 0 ? "ProcessBasicInformation" : Integer.toString(v);
            case EVENT_TYPE:
                return v == 0 ? "NotificationEvent" : v == 1 ? "SynchronizationEvent" : Integer.toString(v);
            default:
                return null;
        }
    }

    private static final String[][] PROTECT_NAMES = {
        {"1", "PAGE_NOACCESS"}, {"2", "PAGE_READONLY"}, {"4", "PAGE_READWRITE"}, {"8", "PAGE_WRITECOPY"},
        {"16", "PAGE_EXECUTE"}, {"32", "PAGE_EXECUTE_READ"}, {"64", "PAGE_EXECUTE_READWRITE"},
        {"128", "PAGE_EXECUTE_WRITECOPY"}, {"256", "PAGE_GUARD"}, {"512", "PAGE_NOCACHE"}};
    private static final String[][] ALLOC_NAMES = {
        {"4096", "MEM_COMMIT"}, {"8192", "MEM_RESERVE"}, {"16384", "MEM_DECOMMIT"}, {"32768", "MEM_RELEASE"},
        {"524288", "MEM_RESET"}, {"1048576", "MEM_TOP_DOWN"}};

    private static String flags(int v, String[][] names) {
        StringBuilder sb = new StringBuilder();
        int rest = v;
        for (String[] n : names) {
            int bit = Integer.parseInt(n[0]);
            if ((v & bit) != 0) {
                if (sb.length() > 0) sb.append('|');
                sb.append(n[1]);
                rest &= ~bit;
            }
        }
        if (rest != 0 || sb.length() == 0) {
            if (sb.length() > 0) sb.append('|');
            sb.append(hex(rest));
        }
        return sb.toString();
    }

    private String quoted(int a, int chars, boolean wide) {
        StringBuilder sb = new StringBuilder("\"");
        for (int k = 0; k < chars; k++) {
            int c = wide ? (int) (peek16(a + 2 * k)) : sys.cpu.mmu.peek8(a + k);
            if (c < 0) {
                sb.append('?');
                break;
            }
            if (c == '\n') sb.append("\\n");
            else if (c == '\r') sb.append("\\r");
            else if (c == '\t') sb.append("\\t");
            else if (c == '"' || c == '\\') sb.append('\\').append((char) c);
            else if (c >= 0x20 && c < 0x7F) sb.append((char) c);
            else sb.append(String.format(Locale.ROOT, "\\x%02x", c & 0xFF));
        }
        return sb.append('"').toString();
    }

    private long peek16(int a) {
        int lo = sys.cpu.mmu.peek8(a), hi = sys.cpu.mmu.peek8(a + 1);
        return lo < 0 || hi < 0 ? -1 : lo | hi << 8;
    }

    private long peek(int a) {
        long v = 0;
        for (int b = 0; b < 4; b++) {
            int x = sys.cpu.mmu.peek8(a + b);
            if (x < 0) return -1;
            v |= (long) x << (8 * b);
        }
        return v;
    }

    static String hex(int v) {
        return String.format(Locale.ROOT, "0x%08X", v);
    }
}
