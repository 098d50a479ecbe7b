package ntgate.nt;

import ntgate.cpu.CpuFault;
import ntgate.nt.layout.Layouts;
import ntgate.nt.layout.Nt;
import ntgate.nt.layout.Struct;

/**
 * Moving thread state between a KTRAP_FRAME and a CONTEXT, as KeContextFromKframes and KeContextToKframes do for
 * user-mode frames, and KiInitializeUserApc (NT-FACTS §8.3), which builds the APC's record on the user stack.
 */
final class ContextFrames {
    private ContextFrames() {}

    static final int CONTEXT_CONTROL = 0x10001, CONTEXT_INTEGER = 0x10002, CONTEXT_SEGMENTS = 0x10004,
            CONTEXT_DEBUG_REGISTERS = 0x10010;

    private static final String[] INTEGER = {"Edi", "Esi", "Ebx", "Edx", "Ecx", "Eax"};
    private static final String[] DEBUG = {"Dr0", "Dr1", "Dr2", "Dr3", "Dr6", "Dr7"};

    /** Writes the CONTEXT of a user-mode trap frame at {@code context} (flags say which parts). */
    static void trapFrameToContext(Kernel k, int trapFrame, int context, int flags) {
        GuestMemory m = k.mem;
        Struct f = Layouts.KTRAP_FRAME, c = Layouts.CONTEXT;
        m.put(c, context, "ContextFlags", flags);
        if ((flags & CONTEXT_CONTROL) == CONTEXT_CONTROL) {
            m.put(c, context, "Ebp", m.get(f, trapFrame, "Ebp"));
            m.put(c, context, "Eip", m.get(f, trapFrame, "Eip"));
            m.put(c, context, "SegCs", m.get(f, trapFrame, "SegCs") & 0xFFFF);
            m.put(c, context, "EFlags", m.get(f, trapFrame, "EFlags"));
            m.put(c, context, "Esp", m.get(f, trapFrame, "HardwareEsp"));
            m.put(c, context, "SegSs", m.get(f, trapFrame, "HardwareSegSs") & 0xFFFF);
        }
        if ((flags & CONTEXT_INTEGER) == CONTEXT_INTEGER) {
            for (String r : INTEGER) m.put(c, context, r, m.get(f, trapFrame, r));
        }
        if ((flags & CONTEXT_SEGMENTS) == CONTEXT_SEGMENTS) {
            for (String s : new String[] {"SegGs", "SegFs", "SegEs", "SegDs"}) {
                m.put(c, context, s, m.get(f, trapFrame, s) & 0xFFFF);
            }
        }
        if ((flags & CONTEXT_DEBUG_REGISTERS) == CONTEXT_DEBUG_REGISTERS) {
            boolean active = m.get(Layouts.KTHREAD, k.currentThread(), "DebugActive") != 0;
            for (String r : DEBUG) m.put(c, context, r, active ? m.get(f, trapFrame, r) : 0);
        }
    }

    /**
     * KiContinue / KeContextToKframes for a user-mode target: probes and applies the CONTEXT to the trap frame,
     * sanitising the selectors (RPL 3) and EFLAGS (XP's user mask, IF forced on), and loading the debug
     * registers (which sets KTHREAD.DebugActive from DR7).
     *
     * @return the NTSTATUS
     */
    static int contextToTrapFrame(Kernel k, int context, int trapFrame, int previousMode) throws CpuFault {
        GuestMemory m = k.mem;
        Struct f = Layouts.KTRAP_FRAME, c = Layouts.CONTEXT;
        k.probe(context, Nt.CONTEXT_LENGTH, 4);
        int flags = m.get(c, context, "ContextFlags");
        boolean user = (m.get(f, trapFrame, "SegCs") & 1) != 0;
        if ((flags & CONTEXT_CONTROL) == CONTEXT_CONTROL) {
            m.put(f, trapFrame, "Ebp", m.get(c, context, "Ebp"));
            m.put(f, trapFrame, "Eip", m.get(c, context, "Eip"));
            int efl = m.get(c, context, "EFlags");
            if (user) {
                m.put(f, trapFrame, "SegCs", m.get(c, context, "SegCs") & 0xFFFF | 3);
                m.put(f, trapFrame, "HardwareSegSs", m.get(c, context, "SegSs") & 0xFFFF | 3);
                int iopl = m.get(Layouts.KTHREAD, k.currentThread(), "Iopl") != 0 ? Nt.EFLAGS_IOPL : 0;
                m.put(f, trapFrame, "EFlags", efl & Nt.EFLAGS_USER_SANITIZE | Nt.EFLAGS_IF | iopl);
                m.put(f, trapFrame, "HardwareEsp", m.get(c, context, "Esp"));
            } else {
                m.put(f, trapFrame, "EFlags", efl & Nt.EFLAGS_KERNEL_SANITIZE);
            }
        }
        if ((flags & CONTEXT_INTEGER) == CONTEXT_INTEGER) {
            for (String r : INTEGER) m.put(f, trapFrame, r, m.get(c, context, r));
        }
        if ((flags & CONTEXT_SEGMENTS) == CONTEXT_SEGMENTS && user) {
            // User segments: RPL 3; GS may be null. FS is the TEB selector and DS/ES the flat data selector.
            m.put(f, trapFrame, "SegGs", sanitize(m.get(c, context, "SegGs")));
            m.put(f, trapFrame, "SegFs", sanitize(m.get(c, context, "SegFs")));
            m.put(f, trapFrame, "SegEs", sanitize(m.get(c, context, "SegEs")));
            m.put(f, trapFrame, "SegDs", sanitize(m.get(c, context, "SegDs")));
        }
        if ((flags & CONTEXT_DEBUG_REGISTERS) == CONTEXT_DEBUG_REGISTERS) {
            for (int i = 0; i < 4; i++) {
                int a = m.get(c, context, DEBUG[i]);
                // A user thread may not watch kernel addresses.
                m.put(f, trapFrame, DEBUG[i], user && Integer.compareUnsigned(a, Nt.MM_USER_PROBE_ADDRESS) >= 0 ? 0 : a);
            }
            m.put(f, trapFrame, "Dr6", m.get(c, context, "Dr6") & Nt.DR6_LEGAL);
            int dr7 = m.get(c, context, "Dr7") & Nt.DR7_LEGAL & ~Nt.DR7_RESERVED_MASK;
            m.put(f, trapFrame, "Dr7", dr7);
            int active = (dr7 & 0xFF) != 0 ? 1 : 0;
            m.put(Layouts.KTHREAD, k.currentThread(), "DebugActive", active);
            // KiServiceExit tests XP's per-processor copy of the running thread's flag (KPCR.DebugActive).
            m.put(Layouts.KPCR, Nt.KIP0PCRADDRESS, "DebugActive", active);
        }
        return NtStatus.STATUS_SUCCESS;
    }

    private static int sanitize(int sel) {
        sel &= 0xFFFF;
        return sel == 0 ? 0 : sel | 3;
    }

    /** KiInitializeUserApc (NT-FACTS §8.3). */
    static void initializeUserApc(Kernel k, int trapFrame, Kernel.UserApc apc) {
        GuestMemory m = k.mem;
        Struct f = Layouts.KTRAP_FRAME;
        if ((m.get(f, trapFrame, "EFlags") & Nt.EFLAGS_VM) != 0) return;
        int esp = m.get(f, trapFrame, "HardwareEsp");
        int userStack = (esp & ~3) - Nt.USER_APC_FRAME_LENGTH;
        try {
            k.probe(userStack, Nt.USER_APC_FRAME_LENGTH, 4);
            int context = userStack + 0x10;
            trapFrameToContext(k, trapFrame, context, Nt.CONTEXT_FULL | CONTEXT_DEBUG_REGISTERS);
            m.put(f, trapFrame, "SegCs", Nt.USER_CS);
            m.put(f, trapFrame, "HardwareSegSs", Nt.USER_DS);
            m.put(f, trapFrame, "SegDs", Nt.USER_DS);
            m.put(f, trapFrame, "SegEs", Nt.USER_DS);
            m.put(f, trapFrame, "SegFs", Nt.USER_FS);
            m.put(f, trapFrame, "SegGs", 0);
            int efl = m.get(Layouts.CONTEXT, context, "EFlags") & Nt.EFLAGS_USER_SANITIZE | Nt.EFLAGS_IF;
            if (m.get(Layouts.KTHREAD, k.currentThread(), "Iopl") != 0) efl |= Nt.EFLAGS_IOPL;
            m.put(f, trapFrame, "EFlags", efl);
            m.put(f, trapFrame, "HardwareEsp", userStack);
            m.put(f, trapFrame, "Eip", k.sys.ntdllSymbol("KiUserApcDispatcher"));
            m.put(f, trapFrame, "ErrCode", 0);
            m.w32(userStack, apc.normalRoutine());
            m.w32(userStack + 4, apc.normalContext());
            m.w32(userStack + 8, apc.systemArgument1());
            m.w32(userStack + 12, apc.systemArgument2());
        } catch (CpuFault | Kernel.Misaligned e) {
            // XP raises the fault in the thread (KiDispatchException); the user stack is unusable, so the
            // process ends with the access violation.
            k.exit(NtStatus.STATUS_ACCESS_VIOLATION);
        }
    }
}
