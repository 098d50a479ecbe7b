package ntgate.nt;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * NTSTATUS values used by the gate and its services. Values are from NT-FACTS.md §13 or, for the
 * rest, ntstatus.h (ReactOS {@code sdk/include/psdk/ntstatus.h}, the same numbers as the WRK's
 * {@code public/sdk/inc/ntstatus.h}). Each constant is declared once; {@link #name} finds it by
 * reflection, so a new status needs only its line here.
 */
public final class NtStatus {

    private NtStatus() {
    }

    // Success and informational.
    public static final int STATUS_SUCCESS = 0x00000000;
    public static final int STATUS_WAIT_1 = 0x00000001;
    public static final int STATUS_ABANDONED = 0x00000080;
    public static final int STATUS_USER_APC = 0x000000C0;
    public static final int STATUS_KERNEL_APC = 0x00000100;
    public static final int STATUS_ALERTED = 0x00000101;
    public static final int STATUS_TIMEOUT = 0x00000102;
    public static final int STATUS_PENDING = 0x00000103;
    public static final int STATUS_MORE_ENTRIES = 0x00000105;
    public static final int STATUS_OBJECT_NAME_EXISTS = 0x40000000;
    public static final int STATUS_THREAD_WAS_SUSPENDED = 0x40000001;
    public static final int STATUS_IMAGE_NOT_AT_BASE = 0x40000003;
    public static final int STATUS_ALREADY_WIN32 = 0x4000001B;
    /** NtYieldExecution found no other thread ready to run (WRK ntstatus.h). */
    public static final int STATUS_NO_YIELD_PERFORMED = 0x40000024;

    // Warnings.
    public static final int STATUS_GUARD_PAGE_VIOLATION = 0x80000001;
    public static final int STATUS_DATATYPE_MISALIGNMENT = 0x80000002;
    public static final int STATUS_BREAKPOINT = 0x80000003;
    public static final int STATUS_SINGLE_STEP = 0x80000004;
    public static final int STATUS_BUFFER_OVERFLOW = 0x80000005;
    public static final int STATUS_NO_MORE_FILES = 0x80000006;
    public static final int STATUS_PARTIAL_COPY = 0x8000000D;
    public static final int STATUS_NO_MORE_ENTRIES = 0x8000001A;

    // Errors.
    public static final int STATUS_UNSUCCESSFUL = 0xC0000001;
    public static final int STATUS_NOT_IMPLEMENTED = 0xC0000002;
    public static final int STATUS_INVALID_INFO_CLASS = 0xC0000003;
    public static final int STATUS_INFO_LENGTH_MISMATCH = 0xC0000004;
    public static final int STATUS_ACCESS_VIOLATION = 0xC0000005;
    public static final int STATUS_IN_PAGE_ERROR = 0xC0000006;
    public static final int STATUS_INVALID_HANDLE = 0xC0000008;
    public static final int STATUS_BAD_INITIAL_STACK = 0xC0000009;
    public static final int STATUS_BAD_INITIAL_PC = 0xC000000A;
    public static final int STATUS_INVALID_CID = 0xC000000B;
    public static final int STATUS_INVALID_PARAMETER = 0xC000000D;
    public static final int STATUS_NO_SUCH_FILE = 0xC000000F;
    public static final int STATUS_INVALID_DEVICE_REQUEST = 0xC0000010;
    public static final int STATUS_END_OF_FILE = 0xC0000011;
    public static final int STATUS_NO_MEMORY = 0xC0000017;
    public static final int STATUS_CONFLICTING_ADDRESSES = 0xC0000018;
    public static final int STATUS_NOT_MAPPED_VIEW = 0xC0000019;
    public static final int STATUS_UNABLE_TO_FREE_VM = 0xC000001A;
    public static final int STATUS_INVALID_SYSTEM_SERVICE = 0xC000001C;
    public static final int STATUS_ILLEGAL_INSTRUCTION = 0xC000001D;
    public static final int STATUS_INVALID_VIEW_SIZE = 0xC000001F;
    public static final int STATUS_ALREADY_COMMITTED = 0xC0000021;
    public static final int STATUS_ACCESS_DENIED = 0xC0000022;
    public static final int STATUS_BUFFER_TOO_SMALL = 0xC0000023;
    public static final int STATUS_OBJECT_TYPE_MISMATCH = 0xC0000024;
    public static final int STATUS_NONCONTINUABLE_EXCEPTION = 0xC0000025;
    public static final int STATUS_INVALID_DISPOSITION = 0xC0000026;
    public static final int STATUS_UNWIND = 0xC0000027;
    public static final int STATUS_BAD_STACK = 0xC0000028;
    public static final int STATUS_INVALID_UNWIND_TARGET = 0xC0000029;
    public static final int STATUS_NOT_COMMITTED = 0xC000002D;
    public static final int STATUS_INVALID_PARAMETER_MIX = 0xC0000030;
    public static final int STATUS_OBJECT_NAME_INVALID = 0xC0000033;
    public static final int STATUS_OBJECT_NAME_NOT_FOUND = 0xC0000034;
    public static final int STATUS_OBJECT_NAME_COLLISION = 0xC0000035;
    public static final int STATUS_OBJECT_PATH_INVALID = 0xC0000039;
    public static final int STATUS_OBJECT_PATH_NOT_FOUND = 0xC000003A;
    public static final int STATUS_OBJECT_PATH_SYNTAX_BAD = 0xC000003B;
    public static final int STATUS_SHARING_VIOLATION = 0xC0000043;
    public static final int STATUS_QUOTA_EXCEEDED = 0xC0000044;
    public static final int STATUS_INVALID_PAGE_PROTECTION = 0xC0000045;
    public static final int STATUS_MUTANT_NOT_OWNED = 0xC0000046;
    public static final int STATUS_SEMAPHORE_LIMIT_EXCEEDED = 0xC0000047;
    public static final int STATUS_SUSPEND_COUNT_EXCEEDED = 0xC000004A;
    public static final int STATUS_THREAD_IS_TERMINATING = 0xC000004B;
    public static final int STATUS_SECTION_PROTECTION = 0xC000004E;
    public static final int STATUS_PRIVILEGE_NOT_HELD = 0xC0000061;
    public static final int STATUS_INVALID_IMAGE_FORMAT = 0xC000007B;
    public static final int STATUS_ARRAY_BOUNDS_EXCEEDED = 0xC000008C;
    public static final int STATUS_FLOAT_DIVIDE_BY_ZERO = 0xC000008E;
    public static final int STATUS_INTEGER_DIVIDE_BY_ZERO = 0xC0000094;
    public static final int STATUS_INTEGER_OVERFLOW = 0xC0000095;
    public static final int STATUS_PRIVILEGED_INSTRUCTION = 0xC0000096;
    public static final int STATUS_INSUFFICIENT_RESOURCES = 0xC000009A;
    public static final int STATUS_FREE_VM_NOT_AT_BASE = 0xC000009F;
    public static final int STATUS_MEMORY_NOT_ALLOCATED = 0xC00000A0;
    public static final int STATUS_NOT_SUPPORTED = 0xC00000BB;
    public static final int STATUS_INTERNAL_ERROR = 0xC00000E5;
    public static final int STATUS_INVALID_USER_BUFFER = 0xC00000E8;
    public static final int STATUS_INVALID_PARAMETER_1 = 0xC00000EF;
    public static final int STATUS_INVALID_PARAMETER_2 = 0xC00000F0;
    public static final int STATUS_INVALID_PARAMETER_3 = 0xC00000F1;
    public static final int STATUS_INVALID_PARAMETER_4 = 0xC00000F2;
    public static final int STATUS_INVALID_PARAMETER_5 = 0xC00000F3;
    public static final int STATUS_INVALID_PARAMETER_6 = 0xC00000F4;
    public static final int STATUS_STACK_OVERFLOW = 0xC00000FD;
    public static final int STATUS_PROCESS_IS_TERMINATING = 0xC000010A;
    public static final int STATUS_NO_EVENT_PAIR = 0xC000014E;
    public static final int STATUS_COMMITMENT_LIMIT = 0xC000012D;
    public static final int STATUS_INVALID_ADDRESS = 0xC0000141;
    public static final int STATUS_NO_CALLBACK_ACTIVE = 0xC0000258;
    /** A 2003+ mechanism (NT-FACTS §13); XP does not return it. */
    public static final int STATUS_CALLBACK_POP_STACK = 0xC0000423;
    /** Drivers: DriverEntry failures the examples return (ntstatus.h). */
    public static final int STATUS_DEVICE_CONFIGURATION_ERROR = 0xC0000182;
    public static final int STATUS_NOT_FOUND = 0xC0000225;

    /** Internal exception code of KiTrap0E, turned into STATUS_ACCESS_VIOLATION (NT-FACTS §10.3). */
    public static final int KI_EXCEPTION_ACCESS_VIOLATION = 0x10000004;

    private static final Map<Integer, String> NAMES = collect();

    private static Map<Integer, String> collect() {
        Map<Integer, String> m = new LinkedHashMap<>();
        for (Field f : NtStatus.class.getDeclaredFields()) {
            int mod = f.getModifiers();
            if (Modifier.isPublic(mod) && Modifier.isStatic(mod) && f.getType() == int.class) {
                try {
                    String prev = m.putIfAbsent(f.getInt(null), f.getName());
                    if (prev != null) {
                        throw new IllegalStateException("two names for one status: " + prev + ", " + f.getName());
                    }
                } catch (IllegalAccessException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        return Collections.unmodifiableMap(m);
    }

    /** All known statuses, value to name. */
    public static Map<Integer, String> all() {
        return NAMES;
    }

    /** {@code STATUS_INVALID_HANDLE}, or {@code 0x%08X} when the value is not declared here. */
    public static String name(int status) {
        String n = NAMES.get(status);
        return n != null ? n : String.format("0x%08X", status);
    }

    /** {@code 0xC0000008 STATUS_INVALID_HANDLE}, or just the hex value when unknown. */
    public static String describe(int status) {
        String hex = String.format("0x%08X", status);
        String n = NAMES.get(status);
        return n != null ? hex + " " + n : hex;
    }

    /** NT_SUCCESS: severity success or informational (the top bit clear). */
    public static boolean isSuccess(int status) {
        return status >= 0;
    }

    /** NT_ERROR: severity error (top two bits set). */
    public static boolean isError(int status) {
        return (status >>> 30) == 3;
    }
}
