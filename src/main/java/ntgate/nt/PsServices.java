package ntgate.nt;

import ntgate.cpu.CpuFault;
import ntgate.nt.layout.Layouts;
import ntgate.nt.layout.Nt;
import ntgate.nt.layout.Struct;

/**
 * Host routines of the process manager's services: NtQueryInformationProcess (ProcessBasicInformation),
 * NtGetContextThread and NtSetContextThread on the current thread (WRK {@code base/ntos/ps/psquery.c},
 * {@code psctx.c}). The thread's context is its user-mode trap frame, KTHREAD.TrapFrame during the call.
 */
final class PsServices {
    private PsServices() {}

    /** PROCESSINFOCLASS 0 (WRK ntpsapi.h). */
    static final int ProcessBasicInformation = 0;
    /** The base priority of a normal-class process (NORMAL_PRIORITY_CLASS, KPROCESS.BasePriority 8). */
    static final int NORMAL_BASE_PRIORITY = 8;

    static void register(Kernel k, HostCallTable t) {
        k.service(t, "NtQueryInformationProcess", () -> queryInformationProcess(k));
        k.service(t, "NtGetContextThread", () -> getContextThread(k));
        k.service(t, "NtSetContextThread", () -> setContextThread(k));
    }

    /**
     * NtQueryInformationProcess(ProcessHandle, ProcessInformationClass, Buffer, Length, *ReturnLength): the buffer
     * (ULONG-aligned) and ReturnLength are probed first; ProcessBasicInformation wants exactly 24 bytes, then the
     * handle is referenced. Only class 0 is implemented; the others return STATUS_INVALID_INFO_CLASS.
     */
    static int queryInformationProcess(Kernel k) throws CpuFault {
        int process = k.arg(0), infoClass = k.arg(1), buffer = k.arg(2), length = k.arg(3), pReturn = k.arg(4);
        KeServices.probeForWrite(k, buffer, length, 4);
        if (pReturn != 0) KeServices.probeForWriteValue(k, pReturn, 4);
        if (infoClass != ProcessBasicInformation) return NtStatus.STATUS_INVALID_INFO_CLASS;
        Struct s = Layouts.PROCESS_BASIC_INFORMATION;
        if (length != s.size()) return NtStatus.STATUS_INFO_LENGTH_MISMATCH;
        int st = KeServices.referenceProcess(k, process);
        if (st != NtStatus.STATUS_SUCCESS) return st;
        k.mem.put(s, buffer, "ExitStatus", NtStatus.STATUS_PENDING);
        k.mem.put(s, buffer, "PebBaseAddress", Nt.PEB_ADDRESS);
        k.mem.put(s, buffer, "AffinityMask", 1);
        k.mem.put(s, buffer, "BasePriority", NORMAL_BASE_PRIORITY);
        k.mem.put(s, buffer, "UniqueProcessId", Kernel.PROCESS_ID);
        k.mem.put(s, buffer, "InheritedFromUniqueProcessId", 0);   // ntgate's process has no parent
        if (pReturn != 0) k.mem.w32(pReturn, s.size());
        return NtStatus.STATUS_SUCCESS;
    }

    /** KTHREAD.TrapFrame: the user-mode frame of the service being run. */
    private static int trapFrame(Kernel k) {
        return k.mem.get(Layouts.KTHREAD, k.currentThread(), "TrapFrame");
    }

    /**
     * NtGetContextThread(ThreadHandle, *Context): references the thread (only the current one exists), probes the
     * CONTEXT for write (0x2CC bytes, ULONG-aligned), reads ContextFlags and fills the requested parts from the
     * trap frame (KeContextFromKframes). Floating-point and extended registers are not filled.
     */
    static int getContextThread(Kernel k) throws CpuFault {
        int thread = k.arg(0), context = k.arg(1);
        int st = KeServices.referenceThread(k, thread);
        if (st != NtStatus.STATUS_SUCCESS) return st;
        KeServices.probeForWrite(k, context, Nt.CONTEXT_LENGTH, 4);
        int flags = k.mem.get(Layouts.CONTEXT, context, "ContextFlags");
        ContextFrames.trapFrameToContext(k, trapFrame(k), context, flags);
        return NtStatus.STATUS_SUCCESS;
    }

    /**
     * NtSetContextThread(ThreadHandle, *Context): references the thread, then probes, captures and applies the
     * CONTEXT to the trap frame (KeContextToKframes: selectors get RPL 3, EFLAGS the user mask, kernel addresses
     * in DR0-3 are dropped, DR7 sets KTHREAD.DebugActive and its per-processor copy KPCR.DebugActive, which
     * KiServiceExit tests before restoring the debug registers).
     * The SYSEXIT return restores EIP, ESP, EFLAGS and the nonvolatile registers from the frame; EAX is the status.
     */
    static int setContextThread(Kernel k) throws CpuFault {
        int thread = k.arg(0), context = k.arg(1);
        int st = KeServices.referenceThread(k, thread);
        if (st != NtStatus.STATUS_SUCCESS) return st;
        return ContextFrames.contextToTrapFrame(k, context, trapFrame(k), k.previousMode());
    }
}
