package ntgate.nt;

import ntgate.cpu.CpuFault;
import ntgate.nt.layout.Layouts;
import ntgate.nt.layout.Nt;
import ntgate.nt.layout.Struct;

import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * KiDispatchException for user-mode exceptions (NT-FACTS §10.3) and KiRaiseException, the body of
 * NtRaiseException.
 *
 * <p>First chance, no debugger: the CONTEXT and the EXCEPTION_RECORD go onto the user stack exactly as XP lays them
 * out (WRK {@code base/ntos/ke/i386/exceptn.c}, KiDispatchException, the {@code repeat:} block; ReactOS
 * {@code ntoskrnl/ke/i386/exp.c} does the same), and the trap frame is edited to enter
 * {@code ntdll!KiUserExceptionDispatcher}:
 * <pre>
 *   U1 = (Esp &amp; ~3) - 0x2CC        CONTEXT (CONTEXT_FULL | CONTEXT_DEBUG_REGISTERS)
 *   U2 = U1 - ((0x14 + 4 * NumberParameters + 3) &amp; ~3)   EXCEPTION_RECORD, trimmed to its parameters
 *   [U2 - 4] = U1                 ContextRecord*    ([ESP+4] at KiUserExceptionDispatcher)
 *   [U2 - 8] = U2                 ExceptionRecord*  ([ESP] at KiUserExceptionDispatcher; HardwareEsp)
 * </pre>
 * If the user stack cannot take that (not mapped, above MmUserProbeAddress, SS not flat), the exception goes to
 * second chance. Second chance with no debugger and no exception port ends the process with the exception code
 * (WRK: ZwTerminateProcess(NtCurrentProcess(), ExceptionCode)); ntgate also prints one line on the process's
 * standard error saying what happened.
 */
final class ExceptionDispatch {
    private ExceptionDispatch() {}

    static final int EXCEPTION_MAXIMUM_PARAMETERS = 15;
    /** The bit that marks KI_EXCEPTION_xxx internal codes; KiRaiseException clears it (WRK KI_EXCEPTION_INTERNAL). */
    static final int KI_EXCEPTION_INTERNAL = 0x10000000;

    /** An EXCEPTION_RECORD as the kernel holds it while dispatching (only the used parameters). */
    record ExceptionRecord(int code, int flags, int nested, int address, int[] information) {
        int length() {
            return (Layouts.EXCEPTION_RECORD.offset("ExceptionInformation") + 4 * information.length + 3) & ~3;
        }

        int info(int i) {
            return i < information.length ? information[i] : 0;
        }
    }

    /** Services of this component: KiRaiseException, called by ntoskrnl.asm's NtRaiseException. */
    static void register(Kernel k, HostCallTable t) {
        // KiRaiseException(ExceptionRecord, ContextRecord, ExceptionFrame, TrapFrame, FirstChance) -> NTSTATUS.
        t.register("KiRaiseException", c -> c.gpr[0] = raise(k, k.arg(0), k.arg(1), k.arg(3), k.arg(4) != 0));
    }

    /** HC_KiDispatchException: (ExceptionRecord*, ExceptionFrame, TrapFrame, PreviousMode, FirstChance). */
    static void dispatch(Kernel k) {
        int recordAddress = k.arg(0), trapFrame = k.arg(2), firstChance = k.arg(4);
        ExceptionRecord r;
        try {
            r = read(k, recordAddress);
        } catch (CpuFault f) {
            throw new IllegalStateException("KiDispatchException: the kernel's own EXCEPTION_RECORD is unreadable", f);
        }
        dispatch(k, r, trapFrame, firstChance != 0);
    }

    /**
     * KiDispatchException(Record, NULL, TrapFrame, UserMode, FirstChance) with no debugger attached.
     */
    static void dispatch(Kernel k, ExceptionRecord r, int trapFrame, boolean firstChance) {
        // KI_EXCEPTION_ACCESS_VIOLATION (KiTrap0E's internal code) becomes STATUS_ACCESS_VIOLATION (§10.3 step 1).
        if (r.code() == NtStatus.KI_EXCEPTION_ACCESS_VIOLATION) {
            r = new ExceptionRecord(NtStatus.STATUS_ACCESS_VIOLATION, r.flags(), r.nested(), r.address(), r.information());
        }
        if (firstChance && debugServiceConsumed(r)) return;
        if (firstChance && toUserStack(k, r, trapFrame)) return;
        secondChance(k, r);
    }

    /**
     * KiDebugRoutine with no debugger attached (KdpStub, WRK {@code kd64/kdtrap.c}): a breakpoint whose first
     * parameter is a debug print or a symbol load/unload request (int 2Dh, KiDebugService) is handled by moving the
     * context one byte on: the caller resumes past the byte after the int 2Dh, at the trap frame's Eip as
     * KiDebugService left it (KiDispatchException's Eip-- and KdpStub's Eip++ cancel out), and sees no exception.
     */
    static boolean debugServiceConsumed(ExceptionRecord r) {
        if (r.code() != NtStatus.STATUS_BREAKPOINT || r.information().length == 0) return false;
        int service = r.information()[0];
        return service == Nt.BREAKPOINT_PRINT || service == Nt.BREAKPOINT_LOAD_SYMBOLS || service == Nt.BREAKPOINT_UNLOAD_SYMBOLS;
    }

    /** Builds the dispatcher's frame on the user stack and points the trap frame at KiUserExceptionDispatcher. */
    private static boolean toUserStack(Kernel k, ExceptionRecord r, int trapFrame) {
        GuestMemory m = k.mem;
        Struct f = Layouts.KTRAP_FRAME, ctx = Layouts.CONTEXT, er = Layouts.EXCEPTION_RECORD;
        // A non-flat SS or V86 mode: no frame-based dispatch (WRK raises STATUS_ACCESS_VIOLATION here, which its
        // except clause turns into second-chance processing of the original exception).
        if ((m.get(f, trapFrame, "HardwareSegSs") & 0xFFFF) != Nt.USER_DS) return false;
        if ((m.get(f, trapFrame, "EFlags") & Nt.EFLAGS_VM) != 0) return false;
        int esp = m.get(f, trapFrame, "HardwareEsp");
        int u1 = (esp & ~3) - Nt.CONTEXT_LENGTH;
        int length = r.length();
        int u2 = u1 - length;
        try {
            probeForWrite(u1, Nt.CONTEXT_LENGTH);
            ContextFrames.trapFrameToContext(k, trapFrame, u1, Nt.CONTEXT_FULL | Nt.CONTEXT_DEBUG_REGISTERS);
            // The breakpoint trap leaves EIP after the INT 3; the context names the INT 3 itself.
            if (r.code() == NtStatus.STATUS_BREAKPOINT) m.put(ctx, u1, "Eip", m.get(ctx, u1, "Eip") - 1);
            probeForWrite(u2 - 8, length + 8);
            m.put(er, u2, "ExceptionCode", r.code());
            m.put(er, u2, "ExceptionFlags", r.flags());
            m.put(er, u2, "ExceptionRecord", r.nested());
            m.put(er, u2, "ExceptionAddress", r.address());
            m.put(er, u2, "NumberParameters", r.information().length);
            int info = u2 + er.offset("ExceptionInformation");
            for (int i = 0; i < r.information().length; i++) m.w32(info + 4L * i, r.information()[i]);
            m.w32(u2 - 4, u1);   // ContextRecord*
            m.w32(u2 - 8, u2);   // ExceptionRecord*
        } catch (CpuFault | Kernel.Misaligned e) {
            return false;   // the user stack is unusable: second chance (a stack overflow is not modelled)
        }
        // Enter ntdll!KiUserExceptionDispatcher with R3 selectors (WRK: KiSegSsToTrapFrame, KiEspToTrapFrame,
        // SANITIZE_SEG) and the user EFLAGS as KiInitializeUserApc leaves them (XP mask, IF on; a frame that
        // came from user mode already satisfies this, so it changes nothing there).
        m.put(f, trapFrame, "HardwareSegSs", Nt.USER_DS);
        m.put(f, trapFrame, "HardwareEsp", u2 - 8);
        m.put(f, trapFrame, "SegCs", Nt.USER_CS);
        m.put(f, trapFrame, "SegDs", Nt.USER_DS);
        m.put(f, trapFrame, "SegEs", Nt.USER_DS);
        m.put(f, trapFrame, "SegFs", Nt.USER_FS);
        m.put(f, trapFrame, "SegGs", 0);
        int efl = m.get(f, trapFrame, "EFlags") & Nt.EFLAGS_USER_SANITIZE | Nt.EFLAGS_IF;
        if (m.get(Layouts.KTHREAD, k.currentThread(), "Iopl") != 0) efl |= Nt.EFLAGS_IOPL;
        m.put(f, trapFrame, "EFlags", efl);
        m.put(f, trapFrame, "Eip", k.sys.ntdllSymbol("KiUserExceptionDispatcher"));
        return true;
    }

    /** ProbeForWrite as KiDispatchException uses it: always a user range, 4-byte aligned, then every page touched. */
    private static void probeForWrite(int address, int length) {
        if ((address & 3) != 0) throw new Kernel.Misaligned();
        long end = Integer.toUnsignedLong(address) + length;
        if (end > Integer.toUnsignedLong(Nt.MM_USER_PROBE_ADDRESS) || end < Integer.toUnsignedLong(address)) {
            throw new CpuFault(CpuFault.PF, 0, Nt.MM_USER_PROBE_ADDRESS);
        }
    }

    /**
     * Second chance with no debugger and no exception port: the process ends with the exception code as its exit
     * status, and one line on its standard error names the exception.
     */
    private static void secondChance(Kernel k, ExceptionRecord r) {
        String line = "ntgate: unhandled exception " + NtStatus.describe(r.code()) + " at " + where(k, r.address())
                + accessDetail(r) + "\n";
        k.console(Kernel.Console.STDERR, line.getBytes(StandardCharsets.UTF_8));
        k.unhandledException = true;
        k.exit(r.code());
    }

    private static String where(Kernel k, int address) {
        String hex = String.format(Locale.ROOT, "%08X", address);
        return k.sys.symbolAt(address).map(s -> s + " (" + hex + ")").orElse(hex);
    }

    /** {@code : write to 00000000} for an access violation that names its target. */
    static String accessDetail(ExceptionRecord r) {
        if (r.code() != NtStatus.STATUS_ACCESS_VIOLATION || r.information().length < 2 || r.info(1) == -1) return "";
        String kind = switch (r.info(0)) {
            case 1 -> "write to";
            case 8 -> "execute at";
            default -> "read from";
        };
        return String.format(Locale.ROOT, ": %s %08X", kind, r.info(1));
    }

    private static ExceptionRecord read(Kernel k, int address) {
        GuestMemory m = k.mem;
        Struct er = Layouts.EXCEPTION_RECORD;
        int n = Math.min(m.get(er, address, "NumberParameters"), EXCEPTION_MAXIMUM_PARAMETERS);
        int[] info = new int[n];
        int base = address + er.offset("ExceptionInformation");
        for (int i = 0; i < n; i++) info[i] = m.u32(base + 4L * i);
        return new ExceptionRecord(m.get(er, address, "ExceptionCode"), m.get(er, address, "ExceptionFlags"),
                m.get(er, address, "ExceptionRecord"), m.get(er, address, "ExceptionAddress"), info);
    }

    /**
     * KiRaiseException (WRK {@code ke/raise.c}): probe and capture the caller's EXCEPTION_RECORD and CONTEXT, apply
     * the CONTEXT to the trap frame (KeContextToKframes), clear the internal-code bit and dispatch.
     *
     * @return STATUS_SUCCESS (the caller leaves through KiServiceExit2), or the failure status of the capture
     */
    static int raise(Kernel k, int recordAddress, int context, int trapFrame, boolean firstChance) {
        GuestMemory m = k.mem;
        Struct er = Layouts.EXCEPTION_RECORD;
        ExceptionRecord r;
        try {
            k.probe(context, Nt.CONTEXT_LENGTH, 4);
            int header = er.offset("ExceptionInformation");
            k.probe(recordAddress, header, 4);
            int n = m.get(er, recordAddress, "NumberParameters");
            if (Integer.compareUnsigned(n, EXCEPTION_MAXIMUM_PARAMETERS) > 0) return NtStatus.STATUS_INVALID_PARAMETER;
            k.probe(recordAddress, header + 4 * n, 4);
            r = read(k, recordAddress);
            int status = ContextFrames.contextToTrapFrame(k, context, trapFrame, k.previousMode());
            if (status != NtStatus.STATUS_SUCCESS) return status;
        } catch (Kernel.Misaligned e) {
            return NtStatus.STATUS_DATATYPE_MISALIGNMENT;
        } catch (CpuFault f) {
            return NtStatus.STATUS_ACCESS_VIOLATION;
        }
        r = new ExceptionRecord(r.code() & ~KI_EXCEPTION_INTERNAL, r.flags(), r.nested(), r.address(), r.information());
        dispatch(k, r, trapFrame, firstChance);
        return NtStatus.STATUS_SUCCESS;
    }
}
