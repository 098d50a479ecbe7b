package ntgate.nt.layout;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * NT constants of the XP SP3 x86 gate: selectors, addresses, MSRs, modes, IRQLs, masks and
 * stack geometry. Every value is from NT-FACTS.md (section cited) or DESIGN.md's memory map.
 * Each {@code public static final int} here is also an assembler symbol of the same name
 * ({@link #symbols()}, merged into {@link Layouts#symbols()}), so it is declared exactly once.
 * Values are guest dwords: read them unsigned.
 */
public final class Nt {

    private Nt() {
    }

    // GDT selectors, NT-FACTS §2.1.
    public static final int KGDT_NULL = 0x00;
    public static final int KGDT_R0_CODE = 0x08;
    public static final int KGDT_R0_DATA = 0x10;
    public static final int KGDT_R3_CODE = 0x18;
    public static final int KGDT_R3_DATA = 0x20;
    public static final int KGDT_TSS = 0x28;
    public static final int KGDT_R0_PCR = 0x30;
    public static final int KGDT_R3_TEB = 0x38;
    public static final int KGDT_VDM_TILE = 0x40;
    public static final int KGDT_LDT = 0x48;
    public static final int KGDT_DF_TSS = 0x50;
    public static final int KGDT_NMI_TSS = 0x58;
    public static final int RPL_MASK = 3;
    public static final int MODE_MASK = 1;
    /** User code selector as loaded: KGDT_R3_CODE | 3. */
    public static final int USER_CS = KGDT_R3_CODE | 3;
    /** User data/stack selector: KGDT_R3_DATA | 3 (the kernel also runs with DS=ES=0x23). */
    public static final int USER_DS = KGDT_R3_DATA | 3;
    /** User FS: KGDT_R3_TEB | 3. */
    public static final int USER_FS = KGDT_R3_TEB | 3;
    /** GDT base of the TSS descriptor (busy 386 TSS, NT-FACTS §2.1). */
    public static final int KGDT_TSS_BASE = 0x80042000;
    public static final int KGDT_TSS_LIMIT = 0x20AB;

    // The debug-service requests of int 2Dh, in EAX (BREAKPOINT_* of WRK ke.h); BREAKPOINT_BREAK is int 3's.
    public static final int BREAKPOINT_BREAK = 0, BREAKPOINT_PRINT = 1, BREAKPOINT_PROMPT = 2;
    public static final int BREAKPOINT_LOAD_SYMBOLS = 3, BREAKPOINT_UNLOAD_SYMBOLS = 4;

    // IDT vectors, NT-FACTS §2.2.
    public static final int IDT_GET_TICK_COUNT = 0x2A;
    public static final int IDT_CALLBACK_RETURN = 0x2B;
    /** XP's 2Ch is KiSetLowWaitHighThread (KiRaiseAssertion took the vector in Server 2003). */
    public static final int IDT_SET_LOW_WAIT_HIGH_THREAD = 0x2C;
    public static final int IDT_DEBUG_SERVICE = 0x2D;
    public static final int IDT_SYSTEM_SERVICE = 0x2E;

    // Memory map, DESIGN.md and NT-FACTS §2.3, §2.7, §13.
    public static final int IMAGE_BASE = 0x00400000;
    public static final int NTDLL_BASE = 0x7C900000;
    public static final int TEB_ADDRESS = 0x7FFDE000;
    public static final int PEB_ADDRESS = 0x7FFDF000;
    public static final int MM_SHARED_USER_DATA_VA = 0x7FFE0000;
    public static final int MM_USER_PROBE_ADDRESS = 0x7FFF0000;
    public static final int MM_HIGHEST_USER_ADDRESS = 0x7FFEFFFF;
    public static final int MM_SYSTEM_RANGE_START = 0x80000000;
    public static final int NTOSKRNL_BASE = 0x804D7000;
    public static final int PTE_BASE = 0xC0000000;
    public static final int PDE_BASE = 0xC0600000;
    public static final int KI_USER_SHARED_DATA = 0xFFDF0000;
    public static final int KIP0PCRADDRESS = 0xFFDFF000;
    /** User view of SharedUserData->SystemCall (the ntdll stubs' {@code mov edx,7FFE0300h}). */
    public static final int USER_SHARED_SYSTEM_CALL = MM_SHARED_USER_DATA_VA + 0x300;
    /** Kernel view of SharedUserData->SystemCallReturn (KiFastCallEntry's {@code push [0FFDF0304h]}). */
    public static final int KERNEL_SHARED_SYSTEM_CALL_RETURN = KI_USER_SHARED_DATA + 0x304;

    // MSRs, NT-FACTS §3.1.
    public static final int MSR_SYSENTER_CS = 0x174;
    public static final int MSR_SYSENTER_ESP = 0x175;
    public static final int MSR_SYSENTER_EIP = 0x176;

    // Processor modes and IRQLs, NT-FACTS §2.1, §13.
    public static final int KernelMode = 0;
    public static final int UserMode = 1;
    public static final int PASSIVE_LEVEL = 0;
    public static final int APC_LEVEL = 1;
    public static final int DISPATCH_LEVEL = 2;

    // Kernel stack geometry, NT-FACTS §2.4, §2.9.
    public static final int NPX_FRAME_LENGTH = 0x210;
    public static final int KTRAP_FRAME_LENGTH = 0x8C;
    /** TSS.Esp0 = InitialStack − 0x220 (NPX area + 0x10 V86 bias) for non-V86 threads. */
    public static final int ESP0_BIAS = NPX_FRAME_LENGTH + 0x10;
    /** First trap frame = InitialStack − 0x29C (KiFastCallEntry's {@code sub ebp,29Ch}). */
    public static final int INITIAL_TRAP_FRAME_BIAS = NPX_FRAME_LENGTH + KTRAP_FRAME_LENGTH;
    public static final int KERNEL_STACK_SIZE = 0x3000;
    public static final int KERNEL_LARGE_STACK_SIZE = 0xF000;
    public static final int KERNEL_LARGE_STACK_COMMIT = 0x3000;
    public static final int CONTEXT_LENGTH = 0x2CC;
    /** KiInitializeUserApc's user-stack block: CONTEXT + 4 dwords (NT-FACTS §8.3). */
    public static final int USER_APC_FRAME_LENGTH = CONTEXT_LENGTH + 0x10;

    // Markers and masks, NT-FACTS §1, §4.1, §13.
    public static final int TRAP_FRAME_MARKER = 0xBADB0D00;
    public static final int EXCEPTION_CHAIN_END = 0xFFFFFFFF;
    public static final int FRAME_EDITED = 0xFFF8;
    public static final int SERVICE_NUMBER_MASK = 0xFFF;
    /** XP SP3 uses {@code and edi,30h} (WRK: 0x10), NT-FACTS §4.1 and open question 8. */
    public static final int SERVICE_TABLE_MASK = 0x30;
    public static final int SERVICE_TABLE_SHIFT = 8;
    public static final int SERVICE_TABLE_TEST = 0x10;
    public static final int KI_SERVICE_LIMIT = 0x11C;
    public static final int W32P_SERVICE_LIMIT = 0x29B;
    /** KeServiceDescriptorTableShadow sits this far below KeServiceDescriptorTable on XP SP3 (§4.2). */
    public static final int SHADOW_TABLE_DISPLACEMENT = 0x40;

    // EFLAGS bits and masks, NT-FACTS §13.
    public static final int EFLAGS_TF = 0x100;
    public static final int EFLAGS_IF = 0x200;
    public static final int EFLAGS_IOPL = 0x3000;
    public static final int EFLAGS_NT = 0x4000;
    public static final int EFLAGS_RF = 0x10000;
    public static final int EFLAGS_VM = 0x20000;
    public static final int EFLAGS_AC = 0x40000;
    public static final int EFLAGS_USER_SANITIZE = 0x003E0DD7;
    public static final int EFLAGS_KERNEL_SANITIZE = 0x003F0FD7;
    public static final int DR7_RESERVED_MASK = 0xDC00;
    public static final int DR7_LEGAL = 0xFFFF0155;
    public static final int DR6_LEGAL = 0xE00F;

    // CONTEXT flags, NT-FACTS §2.8.
    public static final int CONTEXT_FULL = 0x10007;
    public static final int CONTEXT_DEBUG_REGISTERS = 0x10010;

    // Bugcheck codes, NT-FACTS §13.
    public static final int APC_INDEX_MISMATCH = 0x01;
    public static final int SET_OF_INVALID_CONTEXT = 0x30;
    public static final int IRQL_GT_ZERO_AT_SYSTEM_SERVICE = 0x4A;
    /*
     * The trap handlers' stop codes. NT-FACTS does not list them (§10 only says "bugcheck"); the values
     * are XP's bugcodes.h: 0x50 for an unresolvable kernel-mode fault on a system address, 0x7F for a
     * trap the kernel never expects (parameter 1 = vector), 0x8E for a kernel-mode exception no handler took.
     */
    public static final int PAGE_FAULT_IN_NONPAGED_AREA = 0x50;
    /** A page fault at IRQL DISPATCH_LEVEL or above (XP bugcodes.h; WRK KiTrap0E: address, IRQL, write, EIP). */
    public static final int IRQL_NOT_LESS_OR_EQUAL = 0x0A;
    public static final int UNEXPECTED_KERNEL_MODE_TRAP = 0x7F;
    public static final int KERNEL_MODE_EXCEPTION_NOT_HANDLED = 0x8E;
    /** A kernel-mode write to a read-only system page (bugcodes.h; P1 = address, P2 = the PTE). */
    public static final int ATTEMPTED_WRITE_TO_READONLY_MEMORY = 0xBE;
    /** A bad pool request: P1 = 7 for a free of a block that is not allocated (bugcodes.h). */
    public static final int BAD_POOL_CALLER = 0xC2;
    /** CR0.WP (SDM Vol.3A 2.5): supervisor writes honour read-only pages. */
    public static final int CR0_WP = 0x10000;

    private static final Map<String, Long> SYMBOLS = collect();

    private static Map<String, Long> collect() {
        Map<String, Long> m = new LinkedHashMap<>();
        for (Field f : Nt.class.getDeclaredFields()) {
            int mod = f.getModifiers();
            if (Modifier.isPublic(mod) && Modifier.isStatic(mod) && Modifier.isFinal(mod) && f.getType() == int.class) {
                try {
                    m.put(f.getName(), Integer.toUnsignedLong(f.getInt(null)));
                } catch (IllegalAccessException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        return Collections.unmodifiableMap(m);
    }

    /** Every constant above by its Java name, as an unsigned 32-bit value. */
    public static Map<String, Long> symbols() {
        return SYMBOLS;
    }
}
