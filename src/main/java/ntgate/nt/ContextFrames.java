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
     * KiContinue / KeContextToKframes (WRK {@code ke/i386/exceptn.c}): probes the CONTEXT and applies it to the trap
     * frame the way XP sanitises it for a user-mode caller, so that no CONTEXT can make the kernel's own exit path
     * misbehave:
     * <ul>
     * <li>EFLAGS first (the selector rules depend on its VM bit): XP's user mask 0x003E0DD7 with IF forced on and
     *     IOPL 3 only for a thread granted it; VM survives the mask, so a CONTEXT may enter V86 mode.</li>
     * <li>CS: in V86 mode the raw 16-bit value; otherwise RPL 3 is forced, and a selector below 8 (null, or 3)
     *     becomes the flat user CS 1Bh: such a CS would make the exit path take the frame for an edited kernel
     *     frame (FRAME_EDITED).</li>
     * <li>SS: RPL 3 forced (raw in V86 mode); ESP as given.</li>
     * <li>DS/ES/FS/GS: stored as given (V86: into the V86 slots); GS is 0 when CS is the flat 1Bh. A bad selector
     *     is left for the exit path, whose faulting POP or IRETD KiTrap0D turns into a user-mode exception.</li>
     * <li>A change between V86 and protected mode re-biases TSS.Esp0 (Ki386AdjustEsp0): a V86 frame has four more
     *     dwords.</li>
     * <li>Debug registers: no kernel addresses, the legal DR6/DR7 bits, KTHREAD.DebugActive and its KPCR copy.</li>
     * </ul>
     * A kernel-mode caller's CONTEXT gets the kernel EFLAGS mask and keeps the frame's selectors.
     *
     * @return the NTSTATUS
     */
    static int contextToTrapFrame(Kernel k, int context, int trapFrame, int previousMode) throws CpuFault {
        GuestMemory m = k.mem;
        Struct f = Layouts.KTRAP_FRAME, c = Layouts.CONTEXT;
        k.probe(context, Nt.CONTEXT_LENGTH, 4);
        int flags = m.get(c, context, "ContextFlags");
        boolean user = previousMode != Nt.KernelMode
                || (m.get(f, trapFrame, "SegCs") & 1) != 0 || (m.get(f, trapFrame, "EFlags") & Nt.EFLAGS_VM) != 0;
        boolean iopl = m.get(Layouts.KTHREAD, k.currentThread(), "Iopl") != 0;
        if ((flags & CONTEXT_CONTROL) == CONTEXT_CONTROL) {
            int efl = m.get(c, context, "EFlags");
            m.put(f, trapFrame, "Ebp", m.get(c, context, "Ebp"));
            m.put(f, trapFrame, "Eip", m.get(c, context, "Eip"));
            if (user) {
                boolean wasV86 = (m.get(f, trapFrame, "EFlags") & Nt.EFLAGS_VM) != 0;
                efl = efl & Nt.EFLAGS_USER_SANITIZE | Nt.EFLAGS_IF | (iopl ? Nt.EFLAGS_IOPL : 0);
                boolean v86 = (efl & Nt.EFLAGS_VM) != 0;
                m.put(f, trapFrame, "EFlags", efl);
                int cs = m.get(c, context, "SegCs") & 0xFFFF;
                int ss = m.get(c, context, "SegSs") & 0xFFFF;
                if (!v86) {
                    cs |= 3;
                    if (cs < 8) cs = Nt.USER_CS;
                    ss |= 3;
                }
                m.put(f, trapFrame, "SegCs", cs);
                m.put(f, trapFrame, "HardwareSegSs", ss);
                m.put(f, trapFrame, "HardwareEsp", m.get(c, context, "Esp"));
                if (v86 != wasV86) adjustEsp0(k, v86);
            } else {
                m.put(f, trapFrame, "EFlags", efl & Nt.EFLAGS_KERNEL_SANITIZE);
            }
        }
        if ((flags & CONTEXT_INTEGER) == CONTEXT_INTEGER) {
            for (String r : INTEGER) m.put(f, trapFrame, r, m.get(c, context, r));
        }
        if ((flags & CONTEXT_SEGMENTS) == CONTEXT_SEGMENTS && user) {
            if ((m.get(f, trapFrame, "EFlags") & Nt.EFLAGS_VM) != 0) {
                for (String s : new String[] {"Gs", "Fs", "Es", "Ds"}) {
                    m.put(f, trapFrame, "V86" + s, m.get(c, context, "Seg" + s));
                }
            } else {
                m.put(f, trapFrame, "SegFs", m.get(c, context, "SegFs"));
                m.put(f, trapFrame, "SegEs", m.get(c, context, "SegEs"));
                m.put(f, trapFrame, "SegDs", m.get(c, context, "SegDs"));
                boolean flat = (m.get(f, trapFrame, "SegCs") & 0xFFFF) == Nt.USER_CS;
                m.put(f, trapFrame, "SegGs", flat ? 0 : m.get(c, context, "SegGs"));
            }
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
        // WRK: a thread granted IOPL keeps it whatever the CONTEXT said.
        if (iopl) m.put(f, trapFrame, "EFlags", m.get(f, trapFrame, "EFlags") | Nt.EFLAGS_IOPL);
        return NtStatus.STATUS_SUCCESS;
    }

    /**
     * Ki386AdjustEsp0: TSS.Esp0 for the mode the thread returns to. A V86 trap pushes four more dwords (the V86
     * segments), so a V86 thread's Esp0 is 10h higher; KiFastCallEntry compares Esp0 with the protected-mode
     * value to tell a V86 thread.
     */
    private static void adjustEsp0(Kernel k, boolean v86) {
        int initial = k.mem.get(Layouts.KTHREAD, k.currentThread(), "InitialStack");
        int esp0 = initial - Nt.NPX_FRAME_LENGTH - (v86 ? 0 : 0x10);
        k.mem.put(Layouts.KTSS, k.mem.get(Layouts.KPCR, Nt.KIP0PCRADDRESS, "TSS"), "Esp0", esp0);
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
