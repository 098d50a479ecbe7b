package ntgate.nt;

import ntgate.cpu.Cpu;
import ntgate.cpu.CpuFault;
import ntgate.nt.layout.Layouts;
import ntgate.nt.layout.Nt;
import ntgate.nt.layout.Struct;
import ntgate.nt.mm.VirtualMemory;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * The kernel's host side (DESIGN.md: service bodies and deeper helpers may be Java): the handle table, the user
 * APC queue, the process's end, bug checks, and the host routines that guest stubs reach with
 * {@code hostcall HC_Name}. Each routine reads its stdcall arguments from the guest stack and guest memory through
 * the MMU, so a bad user pointer behaves as in NT: the service's exception handler turns the fault into
 * STATUS_ACCESS_VIOLATION.
 */
public final class Kernel {
    public static final int PROCESS_ID = 0x7C4, THREAD_ID = 0x7C8;

    final NtSystem sys;
    final Cpu cpu;
    final GuestMemory mem;
    public final VirtualMemory vm;
    /**
     * Commitment (MmTotalCommittedPages / MmTotalCommitLimit): pages committed by NtAllocateVirtualMemory, and
     * the limit, the RAM left free after boot less a reserve for page tables (ntgate has no paging file, so
     * the limit is RAM). Committing past it is STATUS_COMMITMENT_LIMIT, as on XP with its paging file full.
     */
    public long commitCharge, commitLimit;
    /** Pages of RAM held back from the commit limit: page tables for the whole 2 GiB user space (1024 pages). */
    static final int PAGE_TABLE_RESERVE = 1024;
    int initialTrapFrame;

    /** Set when the process has ended; {@link #exitStatus} is its status. */
    public boolean exited;
    public int exitStatus;
    /** The process ended on an unhandled exception, already reported in one line. */
    public boolean unhandledException;
    /** Set when the only thread waits forever (an infinite wait nothing can satisfy): why. */
    public String deadlock;
    /** Set when the kernel stopped with KeBugCheckEx. */
    public BugCheck bugCheck;

    /** A user APC as KeInsertQueueApc queued it. */
    public record UserApc(int normalRoutine, int normalContext, int systemArgument1, int systemArgument2) {}

    final ArrayDeque<UserApc> userApcs = new ArrayDeque<>();
    /** Open handles → object; the console handles are there from the start. */
    final Map<Integer, Object> handles = new HashMap<>();
    private int nextHandle = 0x7F8;

    /** The stop code and parameters of a bug check, and where the kernel stood. */
    public record BugCheck(int code, int p1, int p2, int p3, int p4, int eip, int trapFrame) {
        public String name() {
            return switch (code) {
                case Nt.APC_INDEX_MISMATCH -> "APC_INDEX_MISMATCH";
                case Nt.IRQL_NOT_LESS_OR_EQUAL -> "IRQL_NOT_LESS_OR_EQUAL";
                case Nt.SET_OF_INVALID_CONTEXT -> "SET_OF_INVALID_CONTEXT";
                case Nt.IRQL_GT_ZERO_AT_SYSTEM_SERVICE -> "IRQL_GT_ZERO_AT_SYSTEM_SERVICE";
                case Nt.PAGE_FAULT_IN_NONPAGED_AREA -> "PAGE_FAULT_IN_NONPAGED_AREA";
                case Nt.UNEXPECTED_KERNEL_MODE_TRAP -> "UNEXPECTED_KERNEL_MODE_TRAP";
                case Nt.KERNEL_MODE_EXCEPTION_NOT_HANDLED -> "KERNEL_MODE_EXCEPTION_NOT_HANDLED";
                case Nt.ATTEMPTED_WRITE_TO_READONLY_MEMORY -> "ATTEMPTED_WRITE_TO_READONLY_MEMORY";
                case Nt.BAD_POOL_CALLER -> "BAD_POOL_CALLER";
                default -> "BUGCHECK";
            };
        }
    }

    /** Console streams behind the standard handles. */
    enum Console { STDIN, STDOUT, STDERR }

    Kernel(NtSystem sys) {
        this.sys = sys;
        this.cpu = sys.cpu;
        this.mem = sys.mem;
        this.vm = new VirtualMemory(sys);
        handles.put(NtSystem.STD_INPUT, Console.STDIN);
        handles.put(NtSystem.STD_OUTPUT, Console.STDOUT);
        handles.put(NtSystem.STD_ERROR, Console.STDERR);
    }

    /** The object behind a handle of the process's table, or null. */
    public Object handleObject(int handle) {
        return handles.get(handle);
    }

    int newHandle(Object o) {
        int h = nextHandle;
        nextHandle += 4;
        handles.put(h, o);
        return h;
    }

    // ---- calling conventions -------------------------------------------------------------------------------

    /** The i-th stdcall argument of the routine being run ([ESP+4+4i]). */
    public int arg(int i) {
        return mem.u32(cpu.gpr[4] + 4 + 4 * i);
    }

    // Offsets read on every system call, looked up once (a layout lookup by name is a hash-map probe).
    private static final int PCR_CURRENT_THREAD = Layouts.KPCR.offset("PrcbData.CurrentThread");
    private static final int KTHREAD_PREVIOUS_MODE = Layouts.KTHREAD.offset("PreviousMode");
    private static final int KTHREAD_ALERTED = Layouts.KTHREAD.offset("Alerted");

    /** KPRCB.CurrentThread. */
    public int currentThread() {
        return mem.u32(Nt.KIP0PCRADDRESS + PCR_CURRENT_THREAD);
    }

    /** KTHREAD.PreviousMode of the current thread. */
    public int previousMode() {
        return mem.u8(Integer.toUnsignedLong(currentThread() + KTHREAD_PREVIOUS_MODE));
    }

    /** A service body: returns its NTSTATUS. */
    interface Body {
        int call() throws CpuFault;
    }

    /**
     * Registers a service body: a fault while it touches memory becomes STATUS_ACCESS_VIOLATION, and a probe of a
     * misaligned pointer STATUS_DATATYPE_MISALIGNMENT, as the service's try/except returns them in NT
     * (NT-FACTS §10.2).
     */
    void service(HostCallTable t, String name, Body body) {
        t.register(name, c -> {
            int status;
            try {
                status = body.call();
            } catch (CpuFault f) {
                status = NtStatus.STATUS_ACCESS_VIOLATION;
            } catch (Misaligned e) {
                status = NtStatus.STATUS_DATATYPE_MISALIGNMENT;
            }
            c.gpr[0] = status;
        });
    }

    /**
     * ProbeForRead/ProbeForWrite's checks for a user-mode caller: a zero length checks nothing; the address must be
     * aligned (STATUS_DATATYPE_MISALIGNMENT), then the range must end at or below MmUserProbeAddress. A kernel-mode
     * caller is not probed (the services probe only when PreviousMode is UserMode).
     */
    void probe(int address, int length, int alignment) {
        if (length == 0 || previousMode() != Nt.UserMode) return;
        if ((address & (alignment - 1)) != 0) throw new Misaligned();
        long end = Integer.toUnsignedLong(address) + Integer.toUnsignedLong(length);
        if (end > Integer.toUnsignedLong(Nt.MM_USER_PROBE_ADDRESS)) {
            throw new CpuFault(CpuFault.PF, 0, Nt.MM_USER_PROBE_ADDRESS);
        }
    }

    /** ProbeFor* found a misaligned pointer: STATUS_DATATYPE_MISALIGNMENT. */
    static final class Misaligned extends RuntimeException {
        Misaligned() {
            super(null, null, false, false);
        }
    }

    // ---- the routines ----------------------------------------------------------------------------------------

    void registerHostRoutines(HostCallTable t) {
        service(t, "NtTerminateProcess", () -> {
            int h = arg(0), status = arg(1);
            if (h != -1 && h != 0) return handles.containsKey(h) ? NtStatus.STATUS_OBJECT_TYPE_MISMATCH : NtStatus.STATUS_INVALID_HANDLE;
            exit(status);
            return NtStatus.STATUS_SUCCESS;
        });
        service(t, "NtTerminateThread", () -> {
            int h = arg(0), status = arg(1);
            if (h != -2 && h != 0) return handles.containsKey(h) ? NtStatus.STATUS_OBJECT_TYPE_MISMATCH : NtStatus.STATUS_INVALID_HANDLE;
            exit(status);   // the process's only thread: terminating it ends the process
            return NtStatus.STATUS_SUCCESS;
        });
        service(t, "NtClose", () -> handles.remove(arg(0)) != null ? NtStatus.STATUS_SUCCESS : NtStatus.STATUS_INVALID_HANDLE);
        service(t, "NtWriteFile", this::ntWriteFile);
        service(t, "NtReadFile", this::ntReadFile);
        service(t, "NtDisplayString", () -> {
            int us = arg(0);
            KeServices.probeAndRead(this, us);   // ProbeAndReadUnicodeString: captured, no alignment check
            int len = mem.u16(us), buf = mem.u32(us + 4);
            probe(buf, len, 2);
            String s = mem.utf16(buf, len / 2);
            console(Console.STDOUT, s.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return NtStatus.STATUS_SUCCESS;
        });
        service(t, "NtTestAlert", () -> testAlert(previousMode()));
        // NtCallbackReturn(OutputBuffer, OutputLength, Status), NT-FACTS §9: with no callback active
        // (KTHREAD.CallbackStack == NULL) it fails with STATUS_NO_CALLBACK_ACTIVE. ntgate makes no user-mode
        // callbacks (no KeUserModeCallback), so a callback is never active.
        service(t, "NtCallbackReturn", () -> mem.get(Layouts.KTHREAD, currentThread(), "CallbackStack") == 0
                ? NtStatus.STATUS_NO_CALLBACK_ACTIVE : NtStatus.STATUS_NOT_IMPLEMENTED);
        service(t, "NtQueueApcThread", () -> {
            int h = arg(0);
            if (h != -2 && !(handles.get(h) instanceof ThreadRef)) return NtStatus.STATUS_INVALID_HANDLE;
            userApcs.add(new UserApc(arg(1), arg(2), arg(3), arg(4)));
            return NtStatus.STATUS_SUCCESS;
        });
        service(t, "NtYieldExecution", () -> NtStatus.STATUS_NO_YIELD_PERFORMED);
        service(t, "NtGdiFlush", () -> NtStatus.STATUS_SUCCESS);
        service(t, "NtUserGetThreadState", () -> 0);

        // KiDeliverApc(PreviousMode, ExceptionFrame, TrapFrame), NT-FACTS §8.2: user APCs only (no kernel APCs
        // are ever queued in ntgate).
        t.register("KiDeliverApc", c -> {
            int mode = arg(0), trapFrame = arg(2);
            int thread = currentThread();
            Struct kt = Layouts.KTHREAD;
            int savedTrapFrame = mem.get(kt, thread, "TrapFrame");
            mem.put(kt, thread, "TrapFrame", trapFrame);
            mem.put(kt, thread, "ApcState.KernelApcPending", 0);
            if (mode == Nt.UserMode && !userApcs.isEmpty() && mem.get(kt, thread, "ApcState.UserApcPending") != 0) {
                mem.put(kt, thread, "ApcState.UserApcPending", 0);
                UserApc apc = userApcs.poll();
                ContextFrames.initializeUserApc(this, trapFrame, apc);
            }
            mem.put(kt, thread, "TrapFrame", savedTrapFrame);
        });
        // KiContinue(Context, ExceptionFrame, TrapFrame) for NtContinue: probe, copy and apply the CONTEXT.
        service(t, "KiContinue", () -> ContextFrames.contextToTrapFrame(this, arg(0), arg(2), previousMode()));
        // KeTestAlertThread(AlertMode): AL = whether the thread was alerted (NT-FACTS §8.1).
        t.register("KeTestAlertThread", c -> c.gpr[0] = testAlert(arg(0)) == NtStatus.STATUS_ALERTED ? 1 : 0);
        // MmAccessFault(StoreInstruction, VirtualAddress, PreviousMode, TrapFrame): nothing in ntgate is paged
        // out or demand-zero, so every page fault that reaches the memory manager is an access violation.
        // A kernel-mode store to a present, read-only system page is bug check 0xBE, as XP's MmAccessFault makes
        // it (ntoskrnl's code and KiServiceTable are read-only, NT-FACTS additions "write protection").
        t.register("MmAccessFault", c -> {
            int store = arg(0), va = arg(1), mode = arg(2);
            long pte = sys.pages.pte(va);
            if (store != 0 && mode == Nt.KernelMode && Integer.compareUnsigned(va, Nt.MM_SYSTEM_RANGE_START) >= 0
                    && (pte & ntgate.nt.mm.PageTables.P) != 0 && (pte & ntgate.nt.mm.PageTables.RW) == 0) {
                bugCheck(Nt.ATTEMPTED_WRITE_TO_READONLY_MEMORY, va, (int) pte, arg(3), 0);
                bugCheck = new BugCheck(bugCheck.code(), va, (int) pte, arg(3), 0, bugCheck.eip(), arg(3));   // the fault's frame
                return;
            }
            c.gpr[0] = NtStatus.STATUS_ACCESS_VIOLATION;
        });
        t.register("PsConvertToGuiThread", c -> c.gpr[0] = convertToGuiThread());
        t.register("KeGdiFlushUserBatch", c -> {
            // win32k's flush: the batch is empty afterwards.
            mem.put(Layouts.TEB, mem.get(Layouts.KTHREAD, currentThread(), "Teb"), "GdiBatchCount", 0);
        });
        t.register("KeBugCheckEx", c -> bugCheck(arg(0), arg(1), arg(2), arg(3), arg(4)));
        t.register("KiDispatchException", c -> ExceptionDispatch.dispatch(this));
        MmServices.register(this, t);
        KeServices.register(this, t);
        PsServices.register(this, t);
        ExceptionDispatch.register(this, t);
    }

    /** The handle of the current thread object, for NtQueueApcThread callers that opened one. */
    record ThreadRef() {}

    /** KeTestAlertThread(mode), NT-FACTS §8.1. */
    int testAlert(int mode) {
        int thread = currentThread();
        Struct kt = Layouts.KTHREAD;
        int alerted = thread + KTHREAD_ALERTED + mode;
        if (mem.u8(alerted) != 0) {
            mem.w8(alerted, 0);
            return NtStatus.STATUS_ALERTED;
        }
        if (mode == Nt.UserMode && !userApcs.isEmpty()) mem.put(kt, thread, "ApcState.UserApcPending", 1);
        return NtStatus.STATUS_SUCCESS;
    }

    /** PsConvertToGuiThread (NT-FACTS §4.3), without the switch to a large kernel stack. */
    int convertToGuiThread() {
        int thread = currentThread();
        Struct kt = Layouts.KTHREAD;
        if (previousMode() == Nt.KernelMode) return NtStatus.STATUS_INVALID_PARAMETER;
        int nativeTable = sys.kernelSymbol("KeServiceDescriptorTable");
        if (mem.get(kt, thread, "ServiceTable") != nativeTable) return NtStatus.STATUS_ALREADY_WIN32;
        mem.put(kt, thread, "ServiceTable", sys.kernelSymbol("KeServiceDescriptorTableShadow"));
        mem.put(kt, thread, "Win32Thread", NtSystem.POOL_BASE + 0x800);   // a W32THREAD stand-in
        return NtStatus.STATUS_SUCCESS;
    }

    void exit(int status) {
        exited = true;
        exitStatus = status;
        flushConsole();
        cpu.pendingStop = Cpu.Stop.SHUTDOWN;
    }

    /** KeBugCheckEx from a host routine: stops the machine after the current instruction. */
    public void bugCheck(int code, int p1, int p2, int p3, int p4) {
        int frame = mem.get(Layouts.KTHREAD, currentThread(), "TrapFrame");
        bugCheck = new BugCheck(code, p1, p2, p3, p4, cpu.st.eip, frame);
        flushConsole();
        cpu.pendingStop = Cpu.Stop.SHUTDOWN;
    }

    // ---- console I/O -----------------------------------------------------------------------------------------

    /**
     * The probes of NtReadFile / NtWriteFile after the file handle is referenced and its access checked (WRK
     * {@code io/iomgr/read.c, write.c}): ProbeForWriteIoStatus(IoStatusBlock), which checks only the
     * MmUserProbeAddress bound, not alignment; the buffer (ProbeForWrite for a read, which touches its pages,
     * ProbeForRead for a write; byte alignment); ByteOffset, if given, ProbeForRead(LARGE_INTEGER, ULONG alignment)
     * and captured; Key, if given, ProbeAndReadUlong (no alignment check).
     */
    private void probeReadWrite(boolean read) throws ntgate.cpu.CpuFault {
        int iosb = arg(4), buffer = arg(5), length = arg(6), byteOffset = arg(7), key = arg(8);
        KeServices.probeForWriteValue(this, iosb, 8);
        if (read) KeServices.probeForWrite(this, buffer, length, 1);
        else probe(buffer, length, 1);
        if (byteOffset != 0) {
            probe(byteOffset, 8, 4);
            KeServices.r64(this, byteOffset);
        }
        if (key != 0) {
            KeServices.probeAndRead(this, key);
            mem.u32(key);
        }
    }

    private int ntWriteFile() throws ntgate.cpu.CpuFault {
        int h = arg(0), iosb = arg(4), buffer = arg(5), length = arg(6);
        Object o = handles.get(h);
        if (!(o instanceof Console c)) return o == null ? NtStatus.STATUS_INVALID_HANDLE : NtStatus.STATUS_OBJECT_TYPE_MISMATCH;
        if (c == Console.STDIN) return NtStatus.STATUS_ACCESS_DENIED;
        probeReadWrite(false);
        byte[] data = mem.read(buffer, length);
        console(c, data);
        mem.w32(iosb, NtStatus.STATUS_SUCCESS);
        mem.w32(iosb + 4, length);
        return NtStatus.STATUS_SUCCESS;
    }

    private int ntReadFile() throws ntgate.cpu.CpuFault {
        int h = arg(0), iosb = arg(4), buffer = arg(5), length = arg(6);
        Object o = handles.get(h);
        if (!(o instanceof Console c)) return o == null ? NtStatus.STATUS_INVALID_HANDLE : NtStatus.STATUS_OBJECT_TYPE_MISMATCH;
        if (c != Console.STDIN) return NtStatus.STATUS_ACCESS_DENIED;
        probeReadWrite(true);
        byte[] data;
        try {
            // One read, as a console read returns what one line (or one pipe write) delivered.
            byte[] tmp = new byte[Math.max(0, Math.min(length, 1 << 20))];
            int n = tmp.length == 0 ? 0 : sys.options.stdin.read(tmp, 0, tmp.length);
            data = n <= 0 ? new byte[0] : java.util.Arrays.copyOf(tmp, n);
        } catch (IOException e) {
            return NtStatus.STATUS_UNSUCCESSFUL;
        }
        if (data.length == 0 && length > 0) {
            mem.w32(iosb, NtStatus.STATUS_END_OF_FILE);
            mem.w32(iosb + 4, 0);
            return NtStatus.STATUS_END_OF_FILE;
        }
        mem.write(buffer, data);
        mem.w32(iosb, NtStatus.STATUS_SUCCESS);
        mem.w32(iosb + 4, data.length);
        return NtStatus.STATUS_SUCCESS;
    }

    void console(Console c, byte[] data) {
        try {
            (c == Console.STDERR ? sys.options.stderr : sys.options.stdout).write(data);
        } catch (IOException e) {
            // the host's stream is gone (a closed pipe): the guest's write still succeeded
        }
    }

    public void flushConsole() {
        try {
            sys.options.stdout.flush();
            sys.options.stderr.flush();
        } catch (IOException e) {
            // nothing to do
        }
    }
}
