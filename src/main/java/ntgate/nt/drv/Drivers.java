package ntgate.nt.drv;

import ntgate.cpu.Cpu;
import ntgate.cpu.Seg;
import ntgate.nt.HostCallTable;
import ntgate.nt.NtStatus;
import ntgate.nt.NtSystem;
import ntgate.nt.ProgramImage;
import ntgate.nt.layout.Layouts;
import ntgate.nt.layout.Nt;
import ntgate.nt.layout.Struct;
import ntgate.nt.mm.PageTables;
import ntgate.pe.PeDriver;
import ntgate.pe.PeFormatException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Kernel drivers, loaded as XP's I/O manager loads them (IopLoadDriver): each image is validated, mapped into kernel
 * space, relocated and bound to the kernel's exports (DriverExports); a DRIVER_OBJECT with its DRIVER_EXTENSION and
 * the registry-path UNICODE_STRING is built in the pool; then, before the first thread leaves for user mode,
 * KiSystemStartup calls IopInitializeDrivers (guest code, {@code drv/exports.asm}), which calls each DriverEntry at
 * PASSIVE_LEVEL in ring 0 with PreviousMode = KernelMode. A DriverEntry that fails (an NTSTATUS that is not
 * NT_SUCCESS) is reported in one line and its image unmapped, as IopLoadDriver unloads it without calling
 * DriverUnload; the run goes on. When the process has ended, IopUnloadDrivers calls each DriverUnload that was set,
 * in reverse load order, before the machine stops.
 *
 * <p>Addresses (ntgate's choice, in the range XP gives drivers): images from {@link #IMAGE_START}, one page apart.
 */
public final class Drivers {
    public static final int IMAGE_START = 0xF7A00000, IMAGE_END = 0xF7F00000;

    /** A driver file named on the command line: its path (for messages and the module name) and its bytes. */
    public record DriverFile(String path, byte[] data) {}

    /** A driver load failed: the message names the file and is the whole line. */
    public static final class LoadError extends NtSystem.LoadError {
        public LoadError(String message) {
            super(message);
        }
    }

    /** One loaded driver. */
    public static final class Driver {
        /** The module name symbols use ({@code hook} for {@code hook.sys}) and the file name. */
        public final String name, file;
        public final int base, size, entry;
        /** The DRIVER_OBJECT and the RegistryPath UNICODE_STRING handed to DriverEntry. */
        public final int driverObject, registryPath;
        public final Map<String, Long> symbols;
        /** DriverEntry has been called; its status; the image was unloaded because that status was a failure. */
        boolean started, failed;
        int status;

        Driver(String name, String file, int base, int size, int entry, int driverObject, int registryPath, Map<String, Long> symbols) {
            this.name = name;
            this.file = file;
            this.base = base;
            this.size = size;
            this.entry = entry;
            this.driverObject = driverObject;
            this.registryPath = registryPath;
            this.symbols = symbols;
        }

        /** Whether the driver is loaded (DriverEntry not failed). */
        public boolean loaded() {
            return !failed;
        }

        /** The NTSTATUS DriverEntry returned (meaningful once it ran). */
        public int status() {
            return status;
        }
    }

    final NtSystem sys;
    final Pool pool;
    final DriverServices services;
    private final List<Driver> drivers = new ArrayList<>();
    private Map<String, Map<String, Integer>> exports;
    private int nextBase = IMAGE_START;
    private Driver current;
    private boolean entriesDone, unloadStarted;
    private int unloadNext;

    public Drivers(NtSystem sys) {
        this.sys = sys;
        this.pool = new Pool(sys);
        this.services = new DriverServices(this);
    }

    /** The drivers in load order (failed ones too, marked so). */
    public List<Driver> all() {
        return Collections.unmodifiableList(drivers);
    }

    /** The address of {@code dll!name} for a driver's import or MmGetSystemRoutineAddress, or null. */
    public Integer export(String dll, String name) {
        if (exports == null) exports = DriverExports.tables(sys.kernel.symbols());
        Map<String, Integer> t = exports.get(dll);
        return t == null ? null : t.get(name);
    }

    /** Registers the host routines of drivers.asm and of the exports (before the kernel is assembled). */
    public void registerHostRoutines(HostCallTable t) {
        t.register("IopNextDriverEntry", this::nextDriverEntry);
        t.register("IopDriverEntryReturned", this::driverEntryReturned);
        t.register("IopNextDriverUnload", this::nextDriverUnload);
        t.register("IopUnloadDone", c -> c.pendingStop = Cpu.Stop.SHUTDOWN);
        services.register(t);
    }

    /**
     * Maps each driver and builds its objects (the machine is built, nothing has run yet).
     *
     * @throws LoadError naming the file: a malformed image, no room, an import the kernel does not export
     */
    public void load(List<DriverFile> files) throws LoadError {
        for (DriverFile f : files) load(f);
    }

    private void load(DriverFile f) throws LoadError {
        String file = java.nio.file.Path.of(f.path()).getFileName().toString();
        PeDriver d;
        try {
            d = PeDriver.parse(f.data());
        } catch (PeFormatException e) {
            throw new LoadError(f.path() + ": " + e.getMessage());
        }
        int base = nextBase, size = d.size();
        if (Integer.toUnsignedLong(base) + size > Integer.toUnsignedLong(IMAGE_END)) {
            throw new LoadError(f.path() + ": no room for the image in the driver range");
        }
        PeDriver.Mapped m;
        try {
            m = d.map(base, this::export);
        } catch (NtSystem.LoadError e) {
            throw new LoadError(f.path() + ": " + e.getMessage());
        }
        nextBase = base + size + 0x1000;
        // The image: read-only pages unless a section says writable (kernel pages: no U/S bit).
        for (int off = 0; off < size; off += 0x1000) sys.pages.mapNew(base + off, 0x1000, 0);
        for (ProgramImage.Range r : m.ranges()) {
            if (!r.writable()) continue;
            for (int off = r.rva(); off < r.rva() + r.size() && off < size; off += 0x1000) sys.pages.protect(base + off, PageTables.RW);
        }
        sys.cpu.mmu.flushAll();
        byte[] mem = m.memory();
        for (int i = 0; i < mem.length; i++) {
            if (mem[i] != 0) sys.cpu.mem.write8(sys.pages.translate(base + i), mem[i]);
        }
        String name = moduleName(file);

        // DRIVER_OBJECT, DRIVER_EXTENSION and their strings, in the pool (IopLoadDriver / IopInitializeDriverObject).
        Struct dob = Layouts.DRIVER_OBJECT, dex = Layouts.DRIVER_EXTENSION;
        int obj = pool.allocate(0, dob.size() + dex.size(), tag("IoDr"));
        int ext = obj + dob.size();
        sys.mem.put(dob, obj, "Type", 4);
        sys.mem.put(dob, obj, "Size", dob.size());
        sys.mem.put(dob, obj, "DriverStart", base);
        sys.mem.put(dob, obj, "DriverSize", size);
        sys.mem.put(dob, obj, "DriverExtension", ext);
        sys.mem.put(dob, obj, "DriverInit", m.entry());
        writeString(obj + dob.offset("DriverName"), "\\Driver\\" + name);
        int hw = pool.allocate(0, 8, tag("IoHw"));
        writeString(hw, "\\REGISTRY\\MACHINE\\HARDWARE\\DESCRIPTION\\SYSTEM");
        sys.mem.put(dob, obj, "HardwareDatabase", hw);
        int invalid = sys.kernelSymbol("IopInvalidDeviceRequest");
        for (int i = 0; i < 28; i++) sys.mem.w32(obj + dob.offset("MajorFunction") + 4 * i, invalid);
        sys.mem.put(dex, ext, "DriverObject", obj);
        writeString(ext + dex.offset("ServiceKeyName"), name);
        int registryPath = pool.allocate(0, 8, tag("IoRp"));
        writeString(registryPath, "\\REGISTRY\\MACHINE\\SYSTEM\\CurrentControlSet\\Services\\" + name);

        drivers.add(new Driver(name, file, base, size, m.entry(), obj, registryPath, m.symbols()));
        sys.modules.add(name, file, base, size, true, m.symbols());     // lm, x, bu hook!DriverEntry, the traces
    }

    /** A UNICODE_STRING at {@code us} whose buffer (NUL-terminated) is allocated from the pool. */
    void writeString(int us, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_16LE);
        int buf = pool.allocate(0, b.length + 2, tag("Strg"));
        sys.mem.write(buf, b);
        sys.mem.w16(us, b.length);
        sys.mem.w16(us + 2, b.length + 2);
        sys.mem.w32(us + 4, buf);
    }

    /** A pool tag from its four characters, as the C literal 'gaT' would be. */
    static int tag(String s) {
        int t = 0;
        for (int i = 0; i < 4; i++) t |= (s.charAt(i) & 0xFF) << (8 * i);
        return t;
    }

    static String moduleName(String file) {
        int dot = file.lastIndexOf('.');
        String n = (dot > 0 ? file.substring(0, dot) : file).replaceAll("[^A-Za-z0-9_]", "_");
        return n.isEmpty() ? "driver" : n;
    }

    // ---- DriverEntry and DriverUnload ------------------------------------------------------------------------

    private static final int KTHREAD_PREVIOUS_MODE = Layouts.KTHREAD.offset("PreviousMode");

    private void setPreviousMode(int mode) {
        sys.mem.w8(Integer.toUnsignedLong(sys.k.currentThread() + KTHREAD_PREVIOUS_MODE), mode);
    }

    /** HC_IopNextDriverEntry: EAX = the next DriverEntry (0 when none is left), ECX = DriverObject, EDX = RegistryPath. */
    private void nextDriverEntry(Cpu c) {
        for (Driver d : drivers) {
            if (d.started) continue;
            d.started = true;
            current = d;
            setPreviousMode(Nt.KernelMode);      // a system thread: its calls come from kernel mode
            c.gpr[0] = d.entry;
            c.gpr[1] = d.driverObject;
            c.gpr[2] = d.registryPath;
            return;
        }
        entriesDone = true;
        setPreviousMode(Nt.UserMode);            // the first thread's system-call frame is a user-mode one
        c.gpr[0] = 0;
    }

    /** HC_IopDriverEntryReturned: EAX = the status of the DriverEntry just called. */
    private void driverEntryReturned(Cpu c) {
        Driver d = current;
        d.status = c.gpr[0];
        if (d.status >= 0) {
            line(String.format(Locale.ROOT, "ntgate: %s loaded at %08x: DriverEntry returned %s", d.file, d.base, NtStatus.describe(d.status)));
            return;
        }
        d.failed = true;
        line(String.format(Locale.ROOT, "ntgate: %s: DriverEntry failed with %s; the driver is unloaded", d.file, NtStatus.describe(d.status)));
        for (int off = 0; off < d.size; off += 0x1000) sys.pages.unmap(d.base + off);
        sys.cpu.mmu.flushAll();
        sys.modules.remove(d.name);
    }

    private void line(String s) {
        try {
            sys.options.stderr.write((s + "\n").getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            // the host's stream is gone: nothing to report to
        }
    }

    /** HC_IopNextDriverUnload: EAX = the next DriverUnload in reverse load order (0: none left), ECX = DriverObject. */
    private void nextDriverUnload(Cpu c) {
        while (unloadNext > 0) {
            Driver d = drivers.get(--unloadNext);
            if (d.failed) continue;
            int unload = sys.mem.get(Layouts.DRIVER_OBJECT, d.driverObject, "DriverUnload");
            if (unload == 0) continue;
            c.gpr[0] = unload;
            c.gpr[1] = d.driverObject;
            return;
        }
        c.gpr[0] = 0;
    }

    /**
     * Called when the process has ended: when a loaded driver set DriverUnload, puts the CPU at IopUnloadDrivers
     * (ring 0, PASSIVE_LEVEL, the thread's kernel stack, PreviousMode = KernelMode) and returns true; the run then
     * goes on until IopUnloadDone stops it. False when there is nothing to unload or it already ran.
     */
    public boolean beginUnload() {
        if (unloadStarted || !entriesDone) return false;
        unloadStarted = true;
        boolean any = false;
        for (Driver d : drivers) {
            if (!d.failed && sys.mem.get(Layouts.DRIVER_OBJECT, d.driverObject, "DriverUnload") != 0) any = true;
        }
        if (!any) return false;
        unloadNext = drivers.size();
        Cpu cpu = sys.cpu;
        cpu.pendingStop = null;
        cpu.loadSegment(Seg.CS, Nt.KGDT_R0_CODE, 0, 0xFFFFFFFF, 0xCF9B00);
        cpu.loadSegment(Seg.SS, Nt.KGDT_R0_DATA, 0, 0xFFFFFFFF, 0xCF9300);
        cpu.loadSegment(Seg.DS, Nt.USER_DS, 0, 0xFFFFFFFF, 0xCFF300);
        cpu.loadSegment(Seg.ES, Nt.USER_DS, 0, 0xFFFFFFFF, 0xCFF300);
        cpu.loadSegment(Seg.FS, Nt.KGDT_R0_PCR, Nt.KIP0PCRADDRESS, 0x1FFF, 0xC09300);
        cpu.setCpl(0);
        cpu.st.setEflags(0x2);
        cpu.st.gpr[4] = NtSystem.INITIAL_STACK - Nt.INITIAL_TRAP_FRAME_BIAS;
        cpu.st.gpr[5] = 0;
        cpu.st.eip = sys.kernelSymbol("IopUnloadDrivers");
        sys.mem.put(Layouts.KPCR, Nt.KIP0PCRADDRESS, "Irql", Nt.PASSIVE_LEVEL);
        sys.mem.put(Layouts.KPCR, Nt.KIP0PCRADDRESS, "NtTib.ExceptionList", Nt.EXCEPTION_CHAIN_END);
        setPreviousMode(Nt.KernelMode);
        return true;
    }
}
