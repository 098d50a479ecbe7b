package ntgate.nt.drv;

import ntgate.nt.GuestMemory;
import ntgate.nt.HostCallTable;
import ntgate.nt.Kernel;
import ntgate.nt.NtStatus;
import ntgate.nt.NtSystem;
import ntgate.nt.layout.Layouts;
import ntgate.nt.layout.Nt;
import ntgate.nt.layout.Struct;
import ntgate.nt.mm.PageTables;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The host routines behind the kernel's exports to drivers ({@code drv/exports.asm} wraps each in XP's calling
 * convention): debug output, the pool, Rtl strings, MmGetSystemRoutineAddress, MDLs and their system-PTE mappings,
 * devices and symbolic links, object references, process attach, probes. Arguments are read at [ESP+4+4i] (stdcall
 * and cdecl; the wrapper's return address is at [ESP]) or in ECX/EDX (fastcall); guest memory is read and written
 * through the MMU, so a driver's bad pointer faults in kernel mode as it would on XP.
 */
final class DriverServices {
    /** System PTEs for MmMapLockedPages: ntgate's choice of range, below the driver images. */
    static final int SYSTEM_PTE_START = 0xF7000000, SYSTEM_PTE_END = 0xF7800000;
    /** MDL flags (wdm.h). */
    static final int MDL_MAPPED_TO_SYSTEM_VA = 0x0001, MDL_SOURCE_IS_NONPAGED_POOL = 0x0004, MDL_ALLOCATED_FIXED_SIZE = 0x0008;
    /** DEVICE_OBJECT.Flags (wdm.h). */
    static final int DO_EXCLUSIVE = 0x0008, DO_DEVICE_INITIALIZING = 0x0080;
    /** ExAllocatePool's tag: 'None'. */
    static final int TAG_NONE = 0x656E6F4E;

    private final Drivers drivers;
    private final NtSystem sys;
    private final GuestMemory mem;
    private int nextSystemPte = SYSTEM_PTE_START;
    /** The object namespace's \Device names and \DosDevices (\??) symbolic links, case-insensitive. */
    private final Map<String, Integer> devices = new HashMap<>();
    private final Map<String, String> links = new HashMap<>();
    /** Reference counts of the objects drivers reference (EPROCESS, ETHREAD). */
    private final Map<Integer, Integer> references = new HashMap<>();

    DriverServices(Drivers drivers) {
        this.drivers = drivers;
        this.sys = drivers.sys;
        this.mem = drivers.sys.mem;
    }

    private Kernel k() {
        return sys.k;
    }

    private int arg(int i) {
        return k().arg(i);
    }

    private static long u(int v) {
        return Integer.toUnsignedLong(v);
    }

    void register(HostCallTable t) {
        // Debug output: each call's text to stderr as the debugger shows it.
        t.register("DbgPrint", c -> c.gpr[0] = print(DbgFormat.format(mem, arg(0), c.gpr[4] + 8)));
        t.register("DbgPrintEx", c -> c.gpr[0] = filtered(arg(1), () -> DbgFormat.format(mem, arg(2), c.gpr[4] + 16)));
        t.register("vDbgPrintEx", c -> c.gpr[0] = filtered(arg(1), () -> DbgFormat.format(mem, arg(2), arg(3))));
        t.register("vDbgPrintExWithPrefix", c -> c.gpr[0] = filtered(arg(2),
                () -> DbgFormat.ansi(mem, arg(0), 512) + DbgFormat.format(mem, arg(3), arg(4))));

        // Pool.
        t.register("ExAllocatePool", c -> c.gpr[0] = drivers.pool.allocate(arg(0), arg(1), TAG_NONE));
        t.register("ExAllocatePoolWithTag", c -> c.gpr[0] = drivers.pool.allocate(arg(0), arg(1), arg(2)));
        t.register("ExFreePool", c -> freePool(arg(0)));
        t.register("ExFreePoolWithTag", c -> freePool(arg(0)));

        // Rtl strings.
        t.register("RtlInitUnicodeString", c -> initString(arg(0), arg(1), true));
        t.register("RtlInitAnsiString", c -> initString(arg(0), arg(1), false));
        t.register("RtlCopyUnicodeString", c -> copyUnicodeString(arg(0), arg(1)));
        t.register("RtlEqualUnicodeString", c -> c.gpr[0] = compareUnicode(arg(0), arg(1), arg(2) & 0xFF) == 0 ? 1 : 0);
        t.register("RtlCompareUnicodeString", c -> c.gpr[0] = compareUnicode(arg(0), arg(1), arg(2) & 0xFF));

        // Mm.
        t.register("MmGetSystemRoutineAddress", c -> {
            String name = unicode(arg(0));
            Integer a = drivers.export("ntoskrnl.exe", name);
            if (a == null) a = drivers.export("hal.dll", name);
            c.gpr[0] = a == null ? 0 : a;
        });
        t.register("MmIsAddressValid", c -> c.gpr[0] = (sys.pages.pte(arg(0)) & PageTables.P) != 0 ? 1 : 0);
        t.register("ProbeForRead", c -> probe(arg(0), arg(1), arg(2), false));
        t.register("ProbeForWrite", c -> probe(arg(0), arg(1), arg(2), true));

        // MDLs.
        t.register("IoAllocateMdl", c -> c.gpr[0] = allocateMdl(0, arg(0), arg(1), MDL_ALLOCATED_FIXED_SIZE));
        t.register("MmCreateMdl", c -> c.gpr[0] = allocateMdl(arg(0), arg(1), arg(2), 0));
        t.register("IoFreeMdl", c -> freePool(arg(0)));
        t.register("MmBuildMdlForNonPagedPool", c -> buildMdl(arg(0)));
        t.register("MmMapLockedPages", c -> c.gpr[0] = mapLockedPages(arg(0), arg(1)));
        t.register("MmMapLockedPagesSpecifyCache", c -> c.gpr[0] = mapLockedPages(arg(0), arg(1)));
        t.register("MmUnmapLockedPages", c -> unmapLockedPages(arg(0), arg(1)));

        // Io.
        t.register("IoCreateDevice", c -> c.gpr[0] = createDevice());
        t.register("IoDeleteDevice", c -> deleteDevice(arg(0)));
        t.register("IoCreateSymbolicLink", c -> {
            String link = unicode(arg(0)).toUpperCase(Locale.ROOT), target = unicode(arg(1));
            if (links.containsKey(link) || devices.containsKey(link)) {
                c.gpr[0] = NtStatus.STATUS_OBJECT_NAME_COLLISION;
                return;
            }
            links.put(link, target);
            c.gpr[0] = NtStatus.STATUS_SUCCESS;
        });
        t.register("IoDeleteSymbolicLink", c -> c.gpr[0] = links.remove(unicode(arg(0)).toUpperCase(Locale.ROOT)) != null
                ? NtStatus.STATUS_SUCCESS : NtStatus.STATUS_OBJECT_NAME_NOT_FOUND);
        // No IRP is ever sent to a driver in ntgate (DeviceIoControl is not routed to drivers), so there is none
        // to complete; the call returns.
        t.register("IofCompleteRequest", c -> { });

        // Ps, Ob, Ke.
        t.register("PsLookupProcessByProcessId", c -> {
            if (arg(0) != ntgate.nt.Kernel.PROCESS_ID) {
                c.gpr[0] = NtStatus.STATUS_INVALID_PARAMETER;
                return;
            }
            mem.w32(u(arg(1)), NtSystem.EPROCESS_ADDRESS);
            references.merge(NtSystem.EPROCESS_ADDRESS, 1, Integer::sum);
            c.gpr[0] = NtStatus.STATUS_SUCCESS;
        });
        t.register("ObReferenceObjectByHandle", c -> c.gpr[0] = referenceByHandle(arg(0), arg(2), arg(4), arg(5)));
        t.register("ObfReferenceObject", c -> c.gpr[0] = references.merge(c.gpr[1], 1, Integer::sum));
        t.register("ObfDereferenceObject", c -> c.gpr[0] = references.merge(c.gpr[1], -1, Integer::sum));
        // KeStackAttachProcess(Process, ApcState): ntgate has one process, so the thread is always attached to
        // it already; XP then marks the KAPC_STATE with Process = 1 and attaches nothing, as here.
        t.register("KeStackAttachProcess", c -> {
            int current = mem.get(Layouts.KTHREAD, k().currentThread(), "ApcState.Process");
            if (arg(0) != current) {
                k().bugCheck(INVALID_PROCESS_ATTACH_ATTEMPT, arg(0), current, 0, 0);
                return;
            }
            mem.w32(u(arg(1)) + Layouts.KAPC_STATE.offset("Process"), 1);
        });
        t.register("KeUnstackDetachProcess", c -> { });
    }

    /** INVALID_PROCESS_ATTACH_ATTEMPT (bugcodes.h): an attach to a process that does not exist here. */
    static final int INVALID_PROCESS_ATTACH_ATTEMPT = 0x05;

    // ---- debug output ----------------------------------------------------------------------------------------

    private int print(String s) {
        try {
            sys.options.stderr.write(s.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            // the host's stream is gone
        }
        return NtStatus.STATUS_SUCCESS;
    }

    /**
     * DbgPrintEx's filter with XP's default masks: a Level of 0..31 is a bit number, a larger Level is a mask; only
     * DPFLTR_ERROR_LEVEL (bit 0) is enabled by default, so error messages print and the others do not.
     */
    private int filtered(int level, java.util.function.Supplier<String> text) {
        int mask = Integer.compareUnsigned(level, 31) <= 0 ? 1 << level : level;
        return (mask & 1) != 0 ? print(text.get()) : NtStatus.STATUS_SUCCESS;
    }

    // ---- pool ------------------------------------------------------------------------------------------------

    private void freePool(int address) {
        if (!drivers.pool.free(address)) {
            k().bugCheck(Nt.BAD_POOL_CALLER, 7, 0, drivers.pool.header(address), address);
        }
    }

    // ---- strings ---------------------------------------------------------------------------------------------

    /** RtlInitUnicodeString / RtlInitAnsiString: Length without the terminator, MaximumLength with it. */
    private void initString(int dest, int source, boolean wide) {
        if (source == 0) {
            mem.w32(u(dest), 0);
            mem.w32(u(dest) + 4, 0);
            return;
        }
        int n = 0, unit = wide ? 2 : 1, max = wide ? 0xFFFC : 0xFFFE;
        while (n < max && (wide ? mem.u16(u(source + n)) : mem.u8(u(source + n))) != 0) n += unit;
        mem.w16(u(dest), n);
        mem.w16(u(dest) + 2, n + unit);
        mem.w32(u(dest) + 4, source);
    }

    /** RtlCopyUnicodeString: as much as fits, NUL-terminated when there is room. */
    private void copyUnicodeString(int dest, int source) {
        if (source == 0) {
            mem.w16(u(dest), 0);
            return;
        }
        int len = mem.u16(u(source)), max = mem.u16(u(dest) + 2);
        int n = Math.min(len, max) & ~1;
        byte[] b = mem.read(u(mem.u32(u(source) + 4)), n);
        int buf = mem.u32(u(dest) + 4);
        mem.write(u(buf), b);
        if (n < max) mem.w16(u(buf + n), 0);
        mem.w16(u(dest), n);
    }

    private int compareUnicode(int a, int b, int caseInsensitive) {
        String x = unicode(a), y = unicode(b);
        int n = Math.min(x.length(), y.length());
        for (int i = 0; i < n; i++) {
            char p = x.charAt(i), q = y.charAt(i);
            if (caseInsensitive != 0) {
                p = Character.toUpperCase(p);
                q = Character.toUpperCase(q);
            }
            if (p != q) return p - q;
        }
        return x.length() - y.length();
    }

    /** The text of a UNICODE_STRING. */
    private String unicode(int us) {
        if (us == 0) return "";
        int len = mem.u16(u(us)), buf = mem.u32(u(us) + 4);
        return buf == 0 ? "" : mem.utf16(u(buf), len / 2);
    }

    // ---- probes ----------------------------------------------------------------------------------------------

    /**
     * ProbeForRead / ProbeForWrite: a misaligned address raises STATUS_DATATYPE_MISALIGNMENT and a range that
     * reaches MmUserProbeAddress (or wraps) STATUS_ACCESS_VIOLATION; ProbeForWrite then touches every page for
     * writing. ntgate has no kernel-mode exception dispatch, so a raised status is a bug check 0x8E
     * (KERNEL_MODE_EXCEPTION_NOT_HANDLED) with the caller's return address.
     */
    private void probe(int address, int length, int alignment, boolean write) {
        if (length == 0) return;
        int caller = mem.u32(u(sys.cpu.gpr[4]));
        if (alignment != 0 && (address & (alignment - 1)) != 0) {
            k().bugCheck(Nt.KERNEL_MODE_EXCEPTION_NOT_HANDLED, NtStatus.STATUS_DATATYPE_MISALIGNMENT, caller, 0, 0);
            return;
        }
        long end = u(address) + u(length);
        if (end > u(Nt.MM_USER_PROBE_ADDRESS)) {
            k().bugCheck(Nt.KERNEL_MODE_EXCEPTION_NOT_HANDLED, NtStatus.STATUS_ACCESS_VIOLATION, caller, 0, 0);
            return;
        }
        if (write) {
            for (long p = u(address); p < end; p = (p & ~0xFFFL) + 0x1000) mem.w8(p, mem.u8(p));
        }
    }

    // ---- MDLs --------------------------------------------------------------------------------------------------

    private static int pages(int va, int length) {
        return (int) ((u(va & 0xFFF) + u(length) + 0xFFF) >>> 12);
    }

    /** IoAllocateMdl / MmCreateMdl (an existing MDL buffer when {@code mdl} is not 0): MmInitializeMdl's header. */
    private int allocateMdl(int mdl, int va, int length, int flags) {
        if (length == 0 || Integer.compareUnsigned(length, 0x10000 * 0x1000 - 0x1000) > 0) return 0;
        Struct m = Layouts.MDL;
        int size = m.size() + 4 * pages(va, length);
        if (mdl == 0) {
            mdl = drivers.pool.allocate(0, size, Drivers.tag("Mdl "));
            if (mdl == 0) return 0;
        }
        mem.put(m, mdl, "Next", 0);
        mem.put(m, mdl, "Size", size);
        mem.put(m, mdl, "MdlFlags", flags);
        mem.put(m, mdl, "Process", 0);
        mem.put(m, mdl, "MappedSystemVa", 0);
        mem.put(m, mdl, "StartVa", va & ~0xFFF);
        mem.put(m, mdl, "ByteCount", length);
        mem.put(m, mdl, "ByteOffset", va & 0xFFF);
        return mdl;
    }

    /** MmBuildMdlForNonPagedPool: the page frame numbers of the (resident) pages, MappedSystemVa = the buffer. */
    private void buildMdl(int mdl) {
        Struct m = Layouts.MDL;
        int start = mem.get(m, mdl, "StartVa"), offset = mem.get(m, mdl, "ByteOffset"), count = mem.get(m, mdl, "ByteCount");
        int n = pages(offset, count);
        for (int i = 0; i < n; i++) {
            long pte = sys.pages.pte(start + 0x1000 * i);
            mem.w32(u(mdl) + m.size() + 4L * i, (int) ((pte & 0xFFFFFF000L) >>> 12));
        }
        mem.put(m, mdl, "MappedSystemVa", start + offset);
        mem.put(m, mdl, "MdlFlags", mem.get(m, mdl, "MdlFlags") | MDL_SOURCE_IS_NONPAGED_POOL);
    }

    /**
     * MmMapLockedPages(SpecifyCache) for KernelMode: a new run of system PTEs, writable, onto the MDL's frames (the
     * MDL route to writing a read-only page). UserMode mappings are not supported (0 is returned).
     */
    private int mapLockedPages(int mdl, int accessMode) {
        if ((accessMode & 0xFF) != Nt.KernelMode) return 0;
        Struct m = Layouts.MDL;
        int offset = mem.get(m, mdl, "ByteOffset"), count = mem.get(m, mdl, "ByteCount");
        int n = pages(offset, count);
        if (Integer.toUnsignedLong(nextSystemPte) + 0x1000L * (n + 1) > u(SYSTEM_PTE_END)) return 0;
        int va = nextSystemPte;
        nextSystemPte += 0x1000 * (n + 1);                        // a guard page between mappings
        for (int i = 0; i < n; i++) {
            long pfn = u(mem.u32(u(mdl) + m.size() + 4L * i));
            sys.pages.map(va + 0x1000 * i, pfn << 12, PageTables.RW);
        }
        sys.cpu.mmu.flushAll();
        mem.put(m, mdl, "MappedSystemVa", va + offset);
        mem.put(m, mdl, "MdlFlags", mem.get(m, mdl, "MdlFlags") | MDL_MAPPED_TO_SYSTEM_VA);
        return va + offset;
    }

    /** MmUnmapLockedPages: the system PTEs are cleared (the frames stay with their owner). */
    private void unmapLockedPages(int base, int mdl) {
        Struct m = Layouts.MDL;
        int n = pages(base, mem.get(m, mdl, "ByteCount"));
        for (int i = 0; i < n; i++) sys.pages.setPte((base & ~0xFFF) + 0x1000 * i, 0);
        sys.cpu.mmu.flushAll();
        mem.put(m, mdl, "MdlFlags", mem.get(m, mdl, "MdlFlags") & ~MDL_MAPPED_TO_SYSTEM_VA);
    }

    // ---- devices -----------------------------------------------------------------------------------------------

    /** IoCreateDevice(DriverObject, ExtensionSize, DeviceName, DeviceType, Characteristics, Exclusive, DeviceObject*). */
    private int createDevice() {
        int driver = arg(0), extSize = arg(1), nameUs = arg(2), type = arg(3), chars = arg(4), exclusive = arg(5) & 0xFF, out = arg(6);
        String name = nameUs == 0 ? null : unicode(nameUs).toUpperCase(Locale.ROOT);
        if (name != null && (devices.containsKey(name) || links.containsKey(name))) return NtStatus.STATUS_OBJECT_NAME_COLLISION;
        if (Integer.compareUnsigned(extSize, 0x10000) > 0) return NtStatus.STATUS_INSUFFICIENT_RESOURCES;
        Struct d = Layouts.DEVICE_OBJECT, dob = Layouts.DRIVER_OBJECT;
        int dev = drivers.pool.allocate(0, d.size() + extSize, Drivers.tag("Devi"));
        if (dev == 0) return NtStatus.STATUS_INSUFFICIENT_RESOURCES;
        mem.put(d, dev, "Type", 3);
        mem.put(d, dev, "Size", d.size() + extSize);
        mem.put(d, dev, "DriverObject", driver);
        mem.put(d, dev, "NextDevice", mem.get(dob, driver, "DeviceObject"));
        mem.put(d, dev, "Flags", DO_DEVICE_INITIALIZING | (exclusive != 0 ? DO_EXCLUSIVE : 0));
        mem.put(d, dev, "Characteristics", chars);
        mem.put(d, dev, "DeviceExtension", extSize == 0 ? 0 : dev + d.size());
        mem.put(d, dev, "DeviceType", type);
        mem.put(d, dev, "StackSize", 1);
        mem.put(dob, driver, "DeviceObject", dev);
        if (name != null) devices.put(name, dev);
        mem.w32(u(out), dev);
        return NtStatus.STATUS_SUCCESS;
    }

    /** IoDeleteDevice: unlinked from its driver's list, its name removed, its memory freed. */
    private void deleteDevice(int dev) {
        Struct d = Layouts.DEVICE_OBJECT, dob = Layouts.DRIVER_OBJECT;
        int driver = mem.get(d, dev, "DriverObject");
        int link = driver + dob.offset("DeviceObject");
        for (int p = mem.u32(u(link)); p != 0; link = p + d.offset("NextDevice"), p = mem.u32(u(link))) {
            if (p == dev) {
                mem.w32(u(link), mem.get(d, dev, "NextDevice"));
                break;
            }
        }
        devices.values().removeIf(v -> v == dev);
        freePool(dev);
    }

    // ---- objects -----------------------------------------------------------------------------------------------

    /**
     * ObReferenceObjectByHandle(Handle, DesiredAccess, ObjectType, AccessMode, Object*, HandleInformation): the
     * current process (-1) and thread (-2) have guest objects; the process's other handles name objects that live
     * only on the host side, which drivers cannot reference yet (STATUS_NOT_IMPLEMENTED).
     */
    private int referenceByHandle(int handle, int type, int out, int info) {
        int object, objectType;
        if (handle == -1) {
            object = NtSystem.EPROCESS_ADDRESS;
            objectType = mem.u32(u(sys.kernelSymbol("PsProcessType")));
        } else if (handle == -2) {
            object = NtSystem.ETHREAD_ADDRESS;
            objectType = mem.u32(u(sys.kernelSymbol("PsThreadType")));
        } else {
            return k().handleObject(handle) == null ? NtStatus.STATUS_INVALID_HANDLE : NtStatus.STATUS_NOT_IMPLEMENTED;
        }
        if (type != 0 && type != objectType) return NtStatus.STATUS_OBJECT_TYPE_MISMATCH;
        references.merge(object, 1, Integer::sum);
        mem.w32(u(out), object);
        if (info != 0) {
            mem.w32(u(info), 0);           // HandleAttributes
            mem.w32(u(info) + 4, handle == -1 ? 0x1F0FFF : 0x1F03FF);   // GrantedAccess: PROCESS_/THREAD_ALL_ACCESS
        }
        return NtStatus.STATUS_SUCCESS;
    }
}
