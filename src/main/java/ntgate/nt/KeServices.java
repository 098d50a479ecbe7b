package ntgate.nt;

import ntgate.cpu.CpuFault;
import ntgate.nt.layout.Layouts;
import ntgate.nt.layout.Nt;
import ntgate.nt.layout.Struct;

import java.time.LocalDate;
import java.time.ZoneOffset;

/**
 * Host routines of the kernel's time, event and wait services (WRK {@code base/ntos/ke/wait.c},
 * {@code ex/event.c}, {@code ex/sysinfo.c}, {@code ob/obwait.c}), and the helpers the other service files share:
 * handle references, ProbeForWrite, the DATATYPE_MISALIGNMENT mapping.
 *
 * <p><b>Time.</b> ntgate's clock derives from the instruction count, so runs are deterministic (DESIGN.md): one
 * 100 ns tick every {@link #INSNS_PER_TICK} retired instructions (a 100 MIPS machine), plus the time the only
 * thread spent waiting: a delay or a wait that times out advances the clock by its interval instead of spinning.
 * The system time starts at {@link #BOOT_SYSTEM_TIME}.
 *
 * <p><b>Waits with one thread.</b> Nothing but the waiting thread can signal an object, so a wait on an
 * unsignaled object either times out at once (the clock jumps to the timeout) or, without a timeout, never ends:
 * the kernel then records a deadlock ({@link Kernel#deadlock}) and the run stops with {@link NtSystem.End#DEADLOCK}.
 */
final class KeServices {
    private KeServices() {}

    /** Retired instructions per 100 ns tick of the virtual clock. */
    static final long INSNS_PER_TICK = 10;
    /** The system time at boot: 2008-04-21 00:00 UTC (XP SP3's release), in 100 ns units since 1601-01-01. */
    static final long BOOT_SYSTEM_TIME = java.time.Duration.between(
            LocalDate.of(1601, 1, 1).atStartOfDay(ZoneOffset.UTC),
            LocalDate.of(2008, 4, 21).atStartOfDay(ZoneOffset.UTC)).toSeconds() * 10_000_000L;
    /** The performance counter frequency: the ACPI PM timer's 3.579545 MHz, which XP's ACPI HAL reports. */
    static final long PERFORMANCE_FREQUENCY = 3_579_545L;
    /** KeMaximumIncrement of a uniprocessor ACPI XP machine: 15.625 ms (SYSTEM_BASIC_INFORMATION.TimerResolution). */
    static final int TIMER_RESOLUTION = 156_250;

    /** EVENT_TYPE (WRK ntkeapi.h). */
    static final int NotificationEvent = 0, SynchronizationEvent = 1;
    /** SystemInformationClass 0 (WRK ntexapi.h). */
    static final int SystemBasicInformation = 0;

    /** An event object: notification (manual reset) or synchronization (auto reset). */
    static final class Event {
        final boolean notification;
        boolean signaled;

        Event(boolean notification, boolean signaled) {
            this.notification = notification;
            this.signaled = signaled;
        }
    }

    /** The object NtCurrentProcess() = -1 refers to. */
    record ProcessRef() {}

    /** The virtual clock: ticks added by waits on top of the instruction count. */
    static final class Clock {
        long waited;

        long interruptTime(Kernel k) {
            return k.cpu.icount / INSNS_PER_TICK + waited;
        }

        long systemTime(Kernel k) {
            return BOOT_SYSTEM_TIME + interruptTime(k);
        }
    }

    static void register(Kernel k, HostCallTable t) {
        Clock clock = new Clock();
        k.service(t, "NtQuerySystemTime", () -> {
            int p = k.arg(0);
            probeForWriteSmall(k, p, 8, 4);   // WRK NtQuerySystemTime: ProbeForWriteSmallStructure(LARGE_INTEGER, ULONG)
            w64(k, p, clock.systemTime(k));
            return NtStatus.STATUS_SUCCESS;
        });
        k.service(t, "NtQueryPerformanceCounter", () -> {
            int counter = k.arg(0), frequency = k.arg(1);
            probeForWrite(k, counter, 8, 4);
            if (frequency != 0) probeForWrite(k, frequency, 8, 4);
            long ticks = clock.interruptTime(k);
            long value = ticks / 10_000_000L * PERFORMANCE_FREQUENCY
                    + ticks % 10_000_000L * PERFORMANCE_FREQUENCY / 10_000_000L;
            w64(k, counter, value);
            if (frequency != 0) w64(k, frequency, PERFORMANCE_FREQUENCY);
            return NtStatus.STATUS_SUCCESS;
        });
        k.service(t, "NtQuerySystemInformation", () -> querySystemInformation(k));
        k.service(t, "NtDelayExecution", () -> delay(k, clock));
        k.service(t, "NtCreateEvent", () -> createEvent(k));
        k.service(t, "NtSetEvent", () -> changeEvent(k, k.arg(1), e -> e.signaled = true));
        k.service(t, "NtResetEvent", () -> changeEvent(k, k.arg(1), e -> e.signaled = false));
        k.service(t, "NtClearEvent", () -> changeEvent(k, 0, e -> e.signaled = false));
        k.service(t, "NtWaitForSingleObject", () -> waitForSingleObject(k, clock));
    }

    // ---- shared helpers ------------------------------------------------------------------------------------------


    /**
     * ProbeForWrite: for a user-mode caller, the range must lie below MmUserProbeAddress and XP then writes each
     * of its pages (reading back the byte it writes), so an unmapped or read-only page faults here, before the
     * service changes anything.
     */
    static void probeForWrite(Kernel k, int address, int length, int alignment) throws CpuFault {
        k.probe(address, length, alignment);
        if (length == 0 || k.previousMode() != Nt.UserMode) return;
        long end = Integer.toUnsignedLong(address) + Integer.toUnsignedLong(length);
        for (long p = Integer.toUnsignedLong(address); p < end; p = (p & ~0xFFFL) + 0x1000) {
            k.mem.w8(p, k.mem.u8(p));
        }
    }

    /** ProbeForRead for a user-mode caller (alignment and range only, nothing is touched, as XP does). */
    static void probeForRead(Kernel k, int address, int length, int alignment) {
        k.probe(address, length, alignment);
    }

    /**
     * The probes of one value a service writes back: ProbeForWriteHandle, -Ulong, -Long, -Pointer, -Ulong_ptr,
     * -IoStatus (WRK {@code ex.h}). For a user-mode caller only the start is checked against MmUserProbeAddress (a
     * start at or above it touches MmUserProbeAddress itself, which faults), then the {@code size} bytes are read
     * and written back, so an unmapped or read-only value faults here. No alignment check.
     */
    static void probeForWriteValue(Kernel k, int address, int size) throws CpuFault {
        if (k.previousMode() != Nt.UserMode) return;
        probeStart(address);
        for (int i = 0; i < size; i++) k.mem.w8(Integer.toUnsignedLong(address + i), k.mem.u8(Integer.toUnsignedLong(address + i)));
    }

    /**
     * ProbeAndReadUlong / ProbeAndReadLargeInteger / ProbeAndReadUnicodeString (WRK {@code ex.h}): for a user-mode
     * caller a start at or above MmUserProbeAddress reads MmUserProbeAddress instead, which faults; no alignment
     * check. The caller then captures the value.
     */
    static void probeAndRead(Kernel k, int address) throws CpuFault {
        if (k.previousMode() == Nt.UserMode) probeStart(address);
    }

    /**
     * ProbeForWriteSmallStructure (WRK {@code ex.h}): alignment first (STATUS_DATATYPE_MISALIGNMENT), then a start at
     * or above MmUserProbeAddress faults, then the first and the last byte are read and written back.
     */
    static void probeForWriteSmall(Kernel k, int address, int size, int alignment) throws CpuFault {
        if (k.previousMode() != Nt.UserMode) return;
        if ((address & (alignment - 1)) != 0) throw new Kernel.Misaligned();
        probeStart(address);
        long first = Integer.toUnsignedLong(address), last = Integer.toUnsignedLong(address + size - 1);
        k.mem.w8(first, k.mem.u8(first));
        k.mem.w8(last, k.mem.u8(last));
    }

    /** The macros' bound: a pointer at or above MmUserProbeAddress is redirected to it, which is never mapped. */
    private static void probeStart(int address) {
        if (Integer.compareUnsigned(address, Nt.MM_USER_PROBE_ADDRESS) >= 0) {
            throw new CpuFault(CpuFault.PF, 0, Nt.MM_USER_PROBE_ADDRESS);
        }
    }

    static void w64(Kernel k, int address, long v) throws CpuFault {
        k.mem.w32(address, (int) v);
        k.mem.w32(address + 4, (int) (v >>> 32));
    }

    static long r64(Kernel k, int address) throws CpuFault {
        return Integer.toUnsignedLong(k.mem.u32(address)) | (long) k.mem.u32(address + 4) << 32;
    }

    /**
     * ObReferenceObjectByHandle's lookup: NtCurrentProcess() (-1) and NtCurrentThread() (-2) name the current
     * process and thread; a user caller may not use a kernel handle (high bit set); the two low tag bits are
     * ignored. Returns the object, or null for STATUS_INVALID_HANDLE.
     */
    static Object reference(Kernel k, int handle) {
        if (handle == -1) return new ProcessRef();
        if (handle == -2) return new Kernel.ThreadRef();
        if (handle < 0 && k.previousMode() == Nt.UserMode) return null;
        return k.handles.get(handle & ~3);
    }

    /** References a process handle: SUCCESS, INVALID_HANDLE or OBJECT_TYPE_MISMATCH. */
    static int referenceProcess(Kernel k, int handle) {
        Object o = reference(k, handle);
        if (o == null) return NtStatus.STATUS_INVALID_HANDLE;
        return o instanceof ProcessRef ? NtStatus.STATUS_SUCCESS : NtStatus.STATUS_OBJECT_TYPE_MISMATCH;
    }

    /** References a thread handle: SUCCESS, INVALID_HANDLE or OBJECT_TYPE_MISMATCH. */
    static int referenceThread(Kernel k, int handle) {
        Object o = reference(k, handle);
        if (o == null) return NtStatus.STATUS_INVALID_HANDLE;
        return o instanceof Kernel.ThreadRef ? NtStatus.STATUS_SUCCESS : NtStatus.STATUS_OBJECT_TYPE_MISMATCH;
    }

    // ---- NtQuerySystemInformation --------------------------------------------------------------------------------

    /**
     * NtQuerySystemInformation(SystemInformationClass, Buffer, Length, *ReturnLength): probes the buffer and
     * ReturnLength first, then SystemBasicInformation requires exactly 44 bytes. ntgate implements only class 0;
     * every other class returns STATUS_INVALID_INFO_CLASS (XP's default case).
     */
    static int querySystemInformation(Kernel k) throws CpuFault {
        int infoClass = k.arg(0), buffer = k.arg(1), length = k.arg(2), pReturn = k.arg(3);
        probeForWrite(k, buffer, length, 4);
        if (pReturn != 0) probeForWriteValue(k, pReturn, 4);
        if (infoClass != SystemBasicInformation) return NtStatus.STATUS_INVALID_INFO_CLASS;
        Struct s = Layouts.SYSTEM_BASIC_INFORMATION;
        if (length != s.size()) return NtStatus.STATUS_INFO_LENGTH_MISMATCH;
        int pages = k.sys.cpu.mem.pages();
        k.mem.put(s, buffer, "Reserved", 0);
        k.mem.put(s, buffer, "TimerResolution", TIMER_RESOLUTION);
        k.mem.put(s, buffer, "PageSize", 0x1000);
        k.mem.put(s, buffer, "NumberOfPhysicalPages", pages);
        k.mem.put(s, buffer, "LowestPhysicalPageNumber", 1);
        k.mem.put(s, buffer, "HighestPhysicalPageNumber", pages - 1);
        k.mem.put(s, buffer, "AllocationGranularity", MmServices.X64K);
        k.mem.put(s, buffer, "MinimumUserModeAddress", MmServices.MM_LOWEST_USER_ADDRESS);
        k.mem.put(s, buffer, "MaximumUserModeAddress", Nt.MM_HIGHEST_USER_ADDRESS);
        k.mem.put(s, buffer, "ActiveProcessorsAffinityMask", 1);
        k.mem.put(s, buffer, "NumberOfProcessors", 1);
        for (int i = 0x29; i < 0x2C; i++) k.mem.w8(buffer + i, 0);
        if (pReturn != 0) k.mem.w32(pReturn, s.size());
        return NtStatus.STATUS_SUCCESS;
    }

    // ---- events --------------------------------------------------------------------------------------------------

    /**
     * NtCreateEvent(*EventHandle, DesiredAccess, ObjectAttributes, EventType, InitialState): the handle pointer is
     * probed first, then the type (STATUS_INVALID_PARAMETER unless Notification or Synchronization). Named events
     * are not supported (STATUS_NOT_IMPLEMENTED).
     */
    static int createEvent(Kernel k) throws CpuFault {
        int pHandle = k.arg(0), attributes = k.arg(2), type = k.arg(3), initial = k.arg(4) & 0xFF;
        probeForWriteValue(k, pHandle, 4);   // ProbeForWriteHandle
        if (type != NotificationEvent && type != SynchronizationEvent) return NtStatus.STATUS_INVALID_PARAMETER;
        if (attributes != 0) {
            // ObCreateObject captures OBJECT_ATTRIBUTES: Length must be 24.
            probeForRead(k, attributes, 24, 4);
            if (k.mem.u32(attributes) != 24) return NtStatus.STATUS_INVALID_PARAMETER;
            if (k.mem.u32(attributes + 8) != 0) return NtStatus.STATUS_NOT_IMPLEMENTED;
        }
        int h = k.newHandle(new Event(type == NotificationEvent, initial != 0));
        try {
            k.mem.w32(pHandle, h);
        } catch (CpuFault ignored) {
            // XP ignores a failure to store the handle after the object is inserted
        }
        return NtStatus.STATUS_SUCCESS;
    }

    /**
     * NtSetEvent / NtResetEvent (EventHandle, *PreviousState OPTIONAL) and NtClearEvent(EventHandle): the
     * previous-state pointer is probed before the handle is referenced; the state is written afterwards, a
     * failure ignored.
     */
    static int changeEvent(Kernel k, int pPrevious, java.util.function.Consumer<Event> change) throws CpuFault {
        int handle = k.arg(0);
        if (pPrevious != 0) probeForWriteValue(k, pPrevious, 4);   // ProbeForWriteLong
        Object o = reference(k, handle);
        if (o == null) return NtStatus.STATUS_INVALID_HANDLE;
        if (!(o instanceof Event e)) return NtStatus.STATUS_OBJECT_TYPE_MISMATCH;
        int previous = e.signaled ? 1 : 0;
        change.accept(e);
        if (pPrevious != 0) {
            try {
                k.mem.w32(pPrevious, previous);
            } catch (CpuFault ignored) {
                // the event changed; XP ignores the failed store
            }
        }
        return NtStatus.STATUS_SUCCESS;
    }

    // ---- waits ---------------------------------------------------------------------------------------------------

    /**
     * TestForAlertPending (WRK wait.c, NT-FACTS §8.1) for a wait in {@code mode}: STATUS_ALERTED,
     * STATUS_USER_APC (setting UserApcPending, so KiServiceExit delivers the APC) or -1 when the wait goes on.
     */
    static int testForAlertPending(Kernel k, boolean alertable, int mode) {
        int thread = k.currentThread();
        Struct kt = Layouts.KTHREAD;
        int alerted = thread + kt.offset("Alerted");
        if (alertable) {
            if (k.mem.u8(alerted + mode) != 0) {
                k.mem.w8(alerted + mode, 0);
                return NtStatus.STATUS_ALERTED;
            }
            if (mode != Nt.KernelMode && !k.userApcs.isEmpty()) {
                k.mem.put(kt, thread, "ApcState.UserApcPending", 1);
                return NtStatus.STATUS_USER_APC;
            }
            if (k.mem.u8(alerted + Nt.KernelMode) != 0) {
                k.mem.w8(alerted + Nt.KernelMode, 0);
                return NtStatus.STATUS_ALERTED;
            }
        } else if (mode != Nt.KernelMode && k.mem.get(kt, thread, "ApcState.UserApcPending") != 0) {
            return NtStatus.STATUS_USER_APC;
        }
        return -1;
    }

    /** No timeout: the wait can only end by a signal. */
    static final long INFINITE = Long.MIN_VALUE;

    /**
     * Lets the virtual clock run out a timeout (negative: relative 100 ns units; positive: absolute system time).
     * Returns false when the timeout is infinite or beyond the clock's range.
     */
    static boolean sleepUntil(Kernel k, Clock clock, long timeout) {
        if (timeout == INFINITE) return false;
        if (timeout < 0) {
            long d = -timeout;
            if (clock.waited > Long.MAX_VALUE / 2 - d) return false;
            clock.waited += d;
        } else {
            long now = clock.systemTime(k);
            if (timeout > now) clock.waited += timeout - now;
        }
        return true;
    }

    /** The only thread waits forever: the run stops with End.DEADLOCK and this message. */
    static void deadlock(Kernel k, String what) {
        k.deadlock = "deadlock: the only thread waits forever (" + what + ")";
        k.flushConsole();
        k.cpu.pendingStop = ntgate.cpu.Cpu.Stop.SHUTDOWN;
    }

    /**
     * NtDelayExecution(Alertable, *DelayInterval): the interval is probed and captured, then KeDelayExecutionThread
     * tests for a pending alert or user APC (alertable: STATUS_ALERTED / STATUS_USER_APC) and lets the clock run.
     * Returns STATUS_SUCCESS when the interval has passed.
     */
    static int delay(Kernel k, Clock clock) throws CpuFault {
        boolean alertable = (k.arg(0) & 0xFF) != 0;
        int pInterval = k.arg(1);
        int mode = k.previousMode();
        if (mode != Nt.KernelMode) probeForRead(k, pInterval, 8, 4);
        long interval = r64(k, pInterval);
        int st = testForAlertPending(k, alertable, mode);
        if (st >= 0) return st;
        if (interval == 0) return NtStatus.STATUS_SUCCESS;
        if (!sleepUntil(k, clock, interval)) {
            deadlock(k, "NtDelayExecution with an infinite interval");
        }
        return NtStatus.STATUS_SUCCESS;
    }

    /**
     * NtWaitForSingleObject(Handle, Alertable, *Timeout OPTIONAL): the timeout is captured first, then the handle
     * referenced (SYNCHRONIZE). KeWaitForSingleObject: a signaled object satisfies the wait (a synchronization
     * event resets); then TestForAlertPending; then a zero or finite timeout expires (STATUS_TIMEOUT) and no
     * timeout is a deadlock. The current process and thread never signal while the thread runs; a console handle
     * (a file object with no I/O in progress) is signaled.
     */
    static int waitForSingleObject(Kernel k, Clock clock) throws CpuFault {
        int handle = k.arg(0), pTimeout = k.arg(2);
        boolean alertable = (k.arg(1) & 0xFF) != 0;
        int mode = k.previousMode();
        long timeout = INFINITE;
        if (pTimeout != 0) {
            probeAndRead(k, pTimeout);   // ProbeAndReadLargeInteger: no alignment check
            timeout = r64(k, pTimeout);
        }
        Object o = reference(k, handle);
        if (o == null) return NtStatus.STATUS_INVALID_HANDLE;
        boolean signaled;
        if (o instanceof Event e) {
            signaled = e.signaled;
            if (signaled && !e.notification) e.signaled = false;
        } else if (o instanceof Kernel.Console) {
            signaled = true;
        } else if (o instanceof ProcessRef || o instanceof Kernel.ThreadRef) {
            signaled = false;
        } else {
            return NtStatus.STATUS_OBJECT_TYPE_MISMATCH;
        }
        if (signaled) return NtStatus.STATUS_SUCCESS;
        int st = testForAlertPending(k, alertable, mode);
        if (st >= 0) return st;
        if (timeout == 0) return NtStatus.STATUS_TIMEOUT;
        if (sleepUntil(k, clock, timeout)) return NtStatus.STATUS_TIMEOUT;
        deadlock(k, String.format("NtWaitForSingleObject(0x%08X) with no timeout on an object nothing can signal", handle));
        return NtStatus.STATUS_TIMEOUT;
    }
}
