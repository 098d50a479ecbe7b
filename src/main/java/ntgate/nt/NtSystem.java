package ntgate.nt;

import ntgate.asm.AsmError;
import ntgate.asm.AsmOptions;
import ntgate.asm.AsmResult;
import ntgate.asm.AsmSection;
import ntgate.asm.Assembler;
import ntgate.cpu.Cpu;
import ntgate.cpu.CpuState;
import ntgate.cpu.Seg;
import ntgate.cpu.exec.Interrupts;
import ntgate.cpu.mem.PhysicalMemory;
import ntgate.nt.ke.ServiceTableSource;
import ntgate.nt.ke.Win32kSource;
import ntgate.nt.layout.Layouts;
import ntgate.nt.layout.Nt;
import ntgate.nt.layout.Struct;
import ntgate.nt.mm.PageTables;
import ntgate.ntdll.NtdllSource;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One booted XP SP3 PAE machine with one process and its thread (issue 5, DESIGN.md): the CPU in protected mode
 * with PAE paging, NT's GDT, IDT and KTSS, the KPCR at 0xFFDFF000, KUSER_SHARED_DATA, the kernel's guest code
 * (ntoskrnl.asm plus the generated service part) at 0x804D7000, ntdll at 0x7C900000, the program at 0x00400000,
 * and the thread's kernel stack with its first trap frame, from which the kernel's exit path enters user mode.
 */
public final class NtSystem {
    /**
     * Guest physical memory unless {@code --memory} says otherwise: 512 MiB, what a typical XP SP3 machine of 2008
     * had (XP's own minimum was 64 MiB, 128 MiB recommended; the netbooks that shipped XP SP3 had 512 MiB to
     * 1 GiB). RAM is allocated lazily ({@link PhysicalMemory}), so the size costs nothing until touched.
     */
    public static final int DEFAULT_MEMORY = 512 << 20;
    /** The smallest RAM ntgate boots in: the kernel, ntdll, stacks and page tables need about 4 MiB. */
    public static final int MIN_MEMORY = 16 << 20;
    public static final int GDT_BASE = 0x8003F000, GDT_LIMIT = 0x3FF;
    public static final int IDT_BASE = 0x8003F400, IDT_LIMIT = 0x7FF;
    /** KTHREAD.InitialStack of the one thread; the stack is KERNEL_STACK_SIZE below, with an unmapped guard page. */
    public static final int INITIAL_STACK = 0xF8A40000;
    /** KPRCB.DpcStack, the SYSENTER_ESP value (XP observed 0xF8AC2000, NT-FACTS §3.3). */
    public static final int DPC_STACK = 0xF8AC2000;
    /** Nonpaged pool: EPROCESS, ETHREAD, KAPCs. */
    public static final int POOL_BASE = 0x81000000, POOL_SIZE = 0x10000;
    public static final int EPROCESS_ADDRESS = POOL_BASE, ETHREAD_ADDRESS = POOL_BASE + 0x400;
    /** The user stack: StackBase and the committed size below it (1 MiB, the PE default reserve). */
    public static final int USER_STACK_BASE = 0x00130000, USER_STACK_SIZE = 0x00100000;
    /** RTL_USER_PROCESS_PARAMETERS, where XP puts them. */
    public static final int PROCESS_PARAMETERS = 0x00020000;
    /** PEB_LDR_DATA, the two LDR_DATA_TABLE_ENTRYs and their name strings (XP keeps them in the process heap). */
    public static final int LOADER_DATA = 0x00021000;
    /** The lowest user stack address: the stack occupies [STACK_BOTTOM, STACK_BOTTOM + reserve), as on XP. */
    public static final int STACK_BOTTOM = 0x00030000;
    /** The console handles in the process parameters. */
    public static final int STD_INPUT = 0x0C, STD_OUTPUT = 0x10, STD_ERROR = 0x14;

    public final Cpu cpu;
    public final PageTables pages;
    public final GuestMemory mem;
    public final HostCallTable hostCalls = new HostCallTable();
    public final AsmResult kernel;
    public final AsmResult ntdll;
    /** win32k.sys: the win32k services' entry points and W32pServiceTable / W32pArgumentTable (Win32kSource). */
    public final AsmResult win32k;
    /** The assembled program when booted from a .asm source, else null. */
    public final AsmResult program;
    /** The program image as mapped (from a PE file or the assembled program). */
    public final ProgramImage image;
    /** The user stack: TEB.NtTib.StackBase and the size below it (the whole reserve is committed). */
    public final int userStackBase, userStackSize;
    public final Options options;
    /** Services whose body the hand-written ntoskrnl.asm defines (NtContinue, NtRaiseException). */
    private final Set<String> guestDefined;
    /** The kernel objects, handles, APC queue and process state that host routines keep. */
    public final Kernel k;
    /** The kernel drivers (--driver) and the kernel's exports to them. */
    public final ntgate.nt.drv.Drivers drivers;
    /** The loaded modules (nt, ntdll, the program, and what loaders add): read by the debugger and tracers. */
    public final ModuleList modules = new ModuleList();

    /** How the machine is built and run. */
    public static final class Options {
        /** ntdll enters the kernel with INT 2Eh (KiIntSystemCall) instead of SYSENTER. */
        public boolean int2e;
        public String commandLine = "program";
        public java.io.OutputStream stdout = System.out;
        public java.io.OutputStream stderr = System.err;
        public InputStream stdin = InputStream.nullInputStream();
        /** Load the program image here instead of its preferred base (forces base relocation); null = preferred. */
        public Integer imageBase;
        /** Guest RAM in bytes (a multiple of 4 KiB between MIN_MEMORY and PhysicalMemory.MAX_SIZE). */
        public int memory = DEFAULT_MEMORY;
        /** Kernel drivers to load before the program starts, in this order. */
        public List<ntgate.nt.drv.Drivers.DriverFile> drivers = List.of();
    }

    /** The program could not be built: one line per error, ready for the user. */
    public static class LoadError extends Exception {
        public LoadError(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * Boots the machine with an assembly program ({@code extern} names bind to ntdll exports).
     *
     * @throws LoadError when the program does not assemble or has no code
     */
    public static NtSystem boot(String programSource, String fileName, Options options) throws LoadError {
        return new NtSystem(programSource, null, fileName, options);
    }

    /**
     * Boots the machine with a program image (a loaded PE file): nothing of the machine is visible before the
     * image has loaded, so a load error leaves no half-started process.
     *
     * @throws LoadError when the image cannot be placed, relocated or bound
     */
    public static NtSystem boot(ProgramImage.Source image, String fileName, Options options) throws LoadError {
        return new NtSystem(null, image, fileName, options);
    }

    private NtSystem(String programSource, ProgramImage.Source source, String fileName, Options options) throws LoadError {
        this.options = options;
        if (options.memory < MIN_MEMORY || options.memory > PhysicalMemory.MAX_SIZE || (options.memory & 0xFFF) != 0) {
            throw new LoadError(String.format(Locale.ROOT, "--memory %d MiB: the guest RAM must be between %d and %d MiB",
                    options.memory >>> 20, MIN_MEMORY >>> 20, PhysicalMemory.MAX_SIZE >>> 20));
        }
        PhysicalMemory phys = new PhysicalMemory(options.memory);
        this.cpu = new Cpu(phys);
        this.pages = new PageTables(phys, 0x00100000);
        cpu.mmu.setNotPresentHandler((linear, pte) -> pages.demandZero(linear));
        this.mem = new GuestMemory(cpu);
        this.k = new Kernel(this);
        k.registerHostRoutines(hostCalls);
        this.drivers = new ntgate.nt.drv.Drivers(this);
        drivers.registerHostRoutines(hostCalls);

        // ntdll first: the kernel caches its entry points (PspLookupKernelUserEntryPoints), the program imports it.
        this.ntdll = assembleSystem(NtdllSource.source(), "ntdll.asm", NtdllSource.BASE, Layouts.resolver(), "");
        String kernelHand = resource("/ntgate/nt/ntoskrnl.asm");
        Set<String> guestDefined = new HashSet<>();
        Matcher m = Pattern.compile("(?m)^(Nt\\w+):").matcher(kernelHand);
        while (m.find()) guestDefined.add(m.group(1));
        this.guestDefined = Set.copyOf(guestDefined);
        String kernelSource = kernelHand + "\n" + resource("/ntgate/nt/kiint2x.asm") + "\n"
                + ServiceTableSource.generate(hostCalls::has, guestDefined)
                + "\n" + resource("/ntgate/nt/drv/exports.asm") + bootSource(options);
        AsmOptions.Resolver hres = name -> {
            OptionalLong v = hostCalls.resolve(name);
            return v.isPresent() ? v : Layouts.resolver().resolve(name);
        };
        String hostNames = hostCalls.names();
        this.win32k = assembleSystem(Win32kSource.generate(hostCalls::has), "win32k.asm", Win32kSource.BASE, hres, hostNames);
        // The kernel's shadow table names win32k's tables, as KeAddSystemServiceTable fills them in on XP.
        AsmOptions.Resolver kres = name -> {
            Long w = win32k.globals().contains(name) ? win32k.symbols().get(name) : null;
            return w != null ? OptionalLong.of(w) : hres.resolve(name);
        };
        this.kernel = assembleSystem(kernelSource, "ntoskrnl.asm", Nt.NTOSKRNL_BASE, kres, hostNames);

        Map<String, Integer> exports = new LinkedHashMap<>();
        for (String g : ntdll.globals()) {
            Long v = ntdll.symbols().get(g);
            if (v != null) exports.put(g, (int) (long) v);
        }
        if (source == null) {
            AsmOptions.Resolver pres = name -> {
                Integer v = exports.get(name);
                return v == null ? OptionalLong.empty() : OptionalLong.of(Integer.toUnsignedLong(v));
            };
            AsmResult p = Assembler.assemble(programSource, fileName,
                    AsmOptions.defaults().withBase(Nt.IMAGE_BASE).withResolver(pres).withSectionAlign(0x1000));
            if (!p.ok()) {
                StringBuilder sb = new StringBuilder();
                for (AsmError e : p.errors()) sb.append(sb.length() == 0 ? "" : "\n").append(e);
                throw new LoadError(sb.toString());
            }
            if (p.text().length == 0) throw new LoadError(fileName + ": the program has no code (.text is empty)");
            this.program = p;
            source = asmImage(p, moduleName(fileName));
        } else {
            this.program = null;
        }
        int reserve = source.stackReserve();
        if (reserve <= 0 || reserve > 16 << 20) {
            throw new LoadError(String.format(Locale.ROOT, "stack reserve 0x%X is not between 1 and 16 MiB", reserve));
        }
        this.userStackSize = reserve;
        this.userStackBase = STACK_BOTTOM + reserve;
        long ntdllEnd = ntdll.base();
        for (AsmSection sec : ntdll.sections()) ntdllEnd = Math.max(ntdllEnd, sec.end());
        long[][] taken = {
            {0, 0x10000},                                           // the first 64 KiB are never allocated
            {PROCESS_PARAMETERS, STACK_BOTTOM},                      // process parameters, loader data
            {STACK_BOTTOM, Integer.toUnsignedLong(userStackBase)},
            {ntdll.base(), (ntdllEnd + 0xFFFF) & ~0xFFFFL},
            {Nt.TEB_ADDRESS, 0x80000000L},                           // TEB, PEB, shared data, the probe page
        };
        ProgramImage.Placement free = (b, size) -> {
            long lo = Integer.toUnsignedLong(b), hi = lo + Integer.toUnsignedLong(size);
            if (hi > Nt.TEB_ADDRESS) return false;
            for (long[] t : taken) if (lo < t[1] && t[0] < hi) return false;
            return true;
        };
        this.image = source.load(java.util.Collections.unmodifiableMap(exports), free);
        registerModule("nt", "ntkrnlpa.exe", kernel, true);
        modules.interior("nt", NT_INTERIOR_LABELS);
        registerModule("win32k", "win32k.sys", win32k, true);
        registerModule("ntdll", "ntdll.dll", ntdll, false);
        String pname = image.name();
        int pdot = pname.lastIndexOf('.');
        modules.add(pdot > 0 ? pname.substring(0, pdot) : pname, pdot > 0 ? pname : pname + ".exe", image.base(),
                image.memory().length, false, image.symbols());
        try {
            build();
            drivers.load(options.drivers);
        } catch (PageTables.Exhausted e) {
            throw new LoadError(String.format(Locale.ROOT, "%s: %d MiB of guest RAM (--memory) is not enough to load the program",
                    fileName, options.memory >>> 20));
        }
        k.commitLimit = Math.max(0, pages.freePages() - Kernel.PAGE_TABLE_RESERVE);
    }

    private void registerModule(String name, String file, AsmResult r, boolean kernelMode) {
        long hi = r.base();
        for (AsmSection sec : r.sections()) hi = Math.max(hi, sec.end());
        modules.add(name, file, (int) r.base(), (int) (hi - r.base()), kernelMode, r.symbols());
    }

    /** The module name of a program file, as symbols show it: {@code hello} for {@code examples/hello.asm}. */
    static String moduleName(String fileName) {
        String n = java.nio.file.Path.of(fileName).getFileName().toString();
        int dot = n.lastIndexOf('.');
        if (dot > 0) n = n.substring(0, dot);
        n = n.replaceAll("[^A-Za-z0-9_]", "_");
        return n.isEmpty() || n.equalsIgnoreCase("nt") || n.equalsIgnoreCase("ntdll") ? "program" : n;
    }

    /** The assembled program as an image, sections page-aligned with a PE's protections. */
    private static ProgramImage.Source asmImage(AsmResult p, String module) {
        return (exports, placement) -> {
            long lo = p.base(), hi = lo;
            for (AsmSection sec : p.sections()) hi = Math.max(hi, sec.end());
            byte[] mem = new byte[(int) (((hi - lo) + 0xFFF) & ~0xFFFL)];
            List<ProgramImage.Range> ranges = new java.util.ArrayList<>();
            for (AsmSection sec : p.sections()) {
                if (sec.size() == 0) continue;
                if (!sec.nobits()) System.arraycopy(sec.bytes(), 0, mem, (int) (sec.address() - lo), sec.bytes().length);
                int start = (int) ((sec.address() - lo) & ~0xFFFL);
                int end = (int) (((sec.end() - lo) + 0xFFF) & ~0xFFFL);
                // A PE's protections (what a linker gives these sections): .text read-execute, .rdata/.rodata
                // read-only, everything else read-write. Each section starts on its own page.
                String n = sec.name();
                boolean text = n.equals(".text"), readOnly = text || n.equals(".rdata") || n.equals(".rodata");
                ranges.add(new ProgramImage.Range(n, start, end - start, !readOnly, text));
            }
            int entry = (int) p.symbol("start").orElse(p.section(".text").address());
            Map<String, Long> syms = new LinkedHashMap<>();
            for (Map.Entry<String, Long> e : p.symbols().entrySet()) {
                if (e.getKey().indexOf('.') < 0 && e.getValue() >= lo && e.getValue() < hi) syms.put(e.getKey(), e.getValue());
            }
            return new ProgramImage(module, (int) lo, mem, List.copyOf(ranges), entry, USER_STACK_SIZE, USER_STACK_SIZE,
                    false, syms);
        };
    }

    /**
     * ntgate's boot path in guest code: KiRestoreFastSyscallReturnState's last step (NT-FACTS §3.3, §7) when the
     * CPU has SEP, then the first thread leaves for user mode.
     */
    private static String bootSource(Options o) {
        return "\nsection .text\nglobal KiSystemStartup\nKiSystemStartup:\n"
                + (o.int2e ? "    ; --int2e: no fast system calls, so returns stay on IRETD\n"
                           : "    call KiEnableFastSyscallReturn    ; SEP present: services return through SYSEXIT |zh| 有 SEP：服务经 SYSEXIT 返回\n")
                + (o.drivers.isEmpty() ? "" : "    call IopInitializeDrivers    ; DriverEntry of each --driver, at PASSIVE_LEVEL |zh| 在 PASSIVE_LEVEL 调用每个 --driver 的 DriverEntry\n")
                + "    jmp KiStartUserThread    ; EBP = the first trap frame |zh| EBP = 第一个陷阱帧\n"
                + "    align 4096    ; .data starts on a page of its own: every code page is read-only\n";
    }

    /**
     * The system images assembled so far in this JVM, by source, base and host-routine numbering: an image is a
     * function of those (the resolvers add only the layouts' constants, the host routines' numbers and win32k's
     * symbols, itself assembled from its source), so a second machine reuses it instead of assembling again.
     * AsmResult is immutable. A few entries cover the variants (SYSENTER or INT 2Eh boot code).
     */
    private static final Map<String, AsmResult> ASSEMBLED = java.util.Collections.synchronizedMap(
            new LinkedHashMap<>(8, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, AsmResult> e) {
                    return size() > 8;
                }
            });

    /** Forgets the assembled system images, so the next boot assembles them again (a timing that includes it). */
    public static void clearImageCache() {
        ASSEMBLED.clear();
    }

    private static AsmResult assembleSystem(String source, String file, int base, AsmOptions.Resolver r, String hostNames) {
        String key = file + '\0' + base + '\0' + hostNames + '\0' + source;
        AsmResult cached = ASSEMBLED.get(key);
        if (cached != null) return cached;
        AsmResult res = assembleSystem(source, file, base, r);
        ASSEMBLED.put(key, res);
        return res;
    }

    private static AsmResult assembleSystem(String source, String file, int base, AsmOptions.Resolver r) {
        // MASM's encodings: XP's kernel and ntdll were built with MASM/MSVC, so their bytes are XP's (2B E1 sub esp,ecx).
        AsmResult res = Assembler.assemble(source, file,
                AsmOptions.defaults().withBase(Integer.toUnsignedLong(base)).withResolver(r).withMasm(true));
        if (!res.ok()) {
            StringBuilder sb = new StringBuilder("ntgate's own " + file + " does not assemble:");
            res.errors().stream().limit(20).forEach(e -> sb.append("\n  ").append(e));
            throw new IllegalStateException(sb.toString());
        }
        return res;
    }

    static String resource(String path) {
        try (InputStream in = NtSystem.class.getResourceAsStream(path)) {
            if (in == null) throw new IllegalStateException("missing resource " + path);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Whether the service of that name has a body in ntgate (a host routine or guest code), not STATUS_NOT_IMPLEMENTED. */
    public boolean implemented(String service) {
        return hostCalls.has(service) || guestDefined.contains(service);
    }

    /** A symbol of the kernel image (throws when missing: the boot code depends on it). */
    public int kernelSymbol(String name) {
        Long v = kernel.symbols().get(name);
        if (v == null) throw new IllegalStateException("ntoskrnl.asm defines no " + name);
        return (int) (long) v;
    }

    public int ntdllSymbol(String name) {
        Long v = ntdll.symbols().get(name);
        if (v == null) throw new IllegalStateException("ntdll.asm defines no " + name);
        return (int) (long) v;
    }

    // ---- building the machine ------------------------------------------------------------------------------

    private static final long K_RO = 0, K_RW = PageTables.RW, U_RO = PageTables.US, U_RW = PageTables.US | PageTables.RW;

    private void build() {
        CpuState st = cpu.st;
        // Paging first, so that everything below is written through the MMU at its virtual address.
        // ntoskrnl's code (and KiServiceTable, which lies in it) is read-only: XP SP3 maps the kernel with small
        // pages on a machine of ntgate's 64 MiB, and write-protects its code (docs/NT-FACTS-additions.md).
        mapImage(kernel, K_RO, K_RW);
        mapImage(win32k, K_RO, K_RW);
        mapImage(ntdll, U_RO, U_RW);
        mapProgram();
        pages.mapNew(GDT_BASE, 0x1000, K_RW);
        pages.mapNew(Nt.KGDT_TSS_BASE, 0x3000, K_RW);
        pages.mapNew(Nt.KIP0PCRADDRESS, 0x1000, K_RW);
        long shared = pages.mapNew(Nt.KI_USER_SHARED_DATA, 0x1000, K_RW);
        pages.map(Nt.MM_SHARED_USER_DATA_VA, shared, U_RO);
        pages.mapNew(INITIAL_STACK - Nt.KERNEL_STACK_SIZE, Nt.KERNEL_STACK_SIZE, K_RW);
        pages.mapNew(DPC_STACK - 0x3000, 0x3000, K_RW);
        pages.mapNew(POOL_BASE, POOL_SIZE, K_RW);
        pages.mapNew(Nt.TEB_ADDRESS, 0x1000, U_RW);
        pages.mapNew(Nt.PEB_ADDRESS, 0x1000, U_RW);
        pages.mapNew(userStackBase - userStackSize, userStackSize, U_RW);
        pages.mapNew(PROCESS_PARAMETERS, 0x1000, U_RW);
        pages.mapNew(LOADER_DATA, 0x1000, U_RW);
        k.vm.reserveSystemRegions();

        st.cr3 = pages.cr3();
        st.cr4 = CpuState.CR4_PAE | CpuState.CR4_PSE;
        st.cr0 = CpuState.CR0_PE | CpuState.CR0_MP | CpuState.CR0_ET | CpuState.CR0_NE | CpuState.CR0_WP | CpuState.CR0_PG;
        cpu.mmu.flushAll();
        cpu.mmu.loadPdptes();
        cpu.setCpl(0);

        loadImages();
        buildGdt();
        buildIdt();
        buildTss();
        buildPcr();
        buildSharedUserData();
        buildProcessAndThread();

        st.gdtrBase = GDT_BASE;
        st.gdtrLimit = GDT_LIMIT;
        st.idtrBase = IDT_BASE;
        st.idtrLimit = IDT_LIMIT;
        st.ldtrSel = 0;
        st.ldtrBase = 0;
        st.ldtrLimit = 0;
        st.trSel = Nt.KGDT_TSS;
        st.trBase = Nt.KGDT_TSS_BASE;
        st.trLimit = Nt.KGDT_TSS_LIMIT;
        st.trAttr = 0x008B00;
        // KiLoadFastSyscallMachineSpecificRegisters (NT-FACTS §3.3).
        st.sysenterCs = Nt.KGDT_R0_CODE;
        st.sysenterEsp = DPC_STACK;
        st.sysenterEip = kernelSymbol("KiFastCallEntry");

        cpu.delivery = new Interrupts();
        cpu.hostCalls = hostCalls;

        // Ring 0, on the thread's kernel stack, about to leave through the exit path (KiStartUserThread).
        java.util.Arrays.fill(st.gpr, 0);
        cpu.loadSegment(Seg.CS, Nt.KGDT_R0_CODE, 0, 0xFFFFFFFF, 0xCF9B00);
        cpu.loadSegment(Seg.SS, Nt.KGDT_R0_DATA, 0, 0xFFFFFFFF, 0xCF9300);
        cpu.loadSegment(Seg.DS, Nt.USER_DS, 0, 0xFFFFFFFF, 0xCFF300);
        cpu.loadSegment(Seg.ES, Nt.USER_DS, 0, 0xFFFFFFFF, 0xCFF300);
        cpu.loadSegment(Seg.FS, Nt.KGDT_R0_PCR, Nt.KIP0PCRADDRESS, 0x1FFF, 0xC09300);
        cpu.loadSegment(Seg.GS, 0, 0, 0, 0);
        st.setEflags(0x2);
        int frame = k.initialTrapFrame;
        st.gpr[4] = frame;
        st.gpr[5] = frame;
        st.eip = kernelSymbol("KiSystemStartup");
        cpu.setCpl(0);
    }

    private void mapImage(AsmResult r, long textFlags, long dataFlags) {
        for (AsmSection s : r.sections()) {
            if (s.size() == 0) continue;
            int start = (int) (s.address() & ~0xFFFL);
            int end = (int) ((s.end() + 0xFFF) & ~0xFFFL);
            long flags = s.name().startsWith(".text") ? textFlags : dataFlags;   // .text, .texthead, .textsdt
            for (int va = start; va != end; va += 0x1000) {
                long pte = pages.pte(va);
                if ((pte & PageTables.P) != 0) {
                    if ((flags & PageTables.RW) != 0) pages.protect(va, pte & 0xFFF & ~0x60L | flags);
                    continue;
                }
                pages.mapNew(va, 0x1000, flags);
            }
        }
    }

    /**
     * Maps the program's ranges: user pages, writable only where the section says so (IMAGE_SCN_MEM_WRITE); a page
     * two ranges share gets the more permissive protection.
     */
    private void mapProgram() {
        for (ProgramImage.Range r : image.ranges()) {
            long flags = r.writable() ? U_RW : U_RO;
            for (int off = r.rva(); off < r.rva() + r.size(); off += 0x1000) {
                int va = image.base() + off;
                long pte = pages.pte(va);
                if ((pte & PageTables.P) != 0) {
                    if (r.writable()) pages.protect(va, pte & 0xFFF & ~0x60L | flags);
                    continue;
                }
                pages.mapNew(va, 0x1000, flags);
            }
        }
    }

    /** Copies section bytes through the page tables (the user images are read-only to the CPU). */
    private void loadImages() {
        byte[] mem = image.memory();
        for (int off = 0; off < mem.length; off += 0x1000) {
            if (pages.translate(image.base() + off) < 0) continue;
            for (int i = 0; i < 0x1000 && off + i < mem.length; i++) writePhysical(image.base() + off + i, mem[off + i]);
        }
        for (AsmResult r : List.of(kernel, win32k, ntdll)) {
            for (AsmSection s : r.sections()) {
                if (s.nobits()) continue;
                byte[] b = s.bytes();
                // A page at a time: the kernel image is some 0x80000 bytes (the gate sits at XP's RVA 0x6A520).
                for (int i = 0; i < b.length; ) {
                    int va = (int) s.address() + i;
                    int n = Math.min(b.length - i, 0x1000 - (va & 0xFFF));
                    long pa = pages.translate(va);
                    if (pa < 0) throw new IllegalStateException(String.format("boot: 0x%08X is not mapped", va));
                    cpu.hostWrite(pa, b, i, n);
                    i += n;
                }
            }
        }
    }

    private void writePhysical(int va, int b) {
        long pa = pages.translate(va);
        if (pa < 0) throw new IllegalStateException(String.format("boot: 0x%08X is not mapped", va));
        cpu.mem.write8(pa, b);
    }

    private void writePhysical32(int va, int v) {
        for (int i = 0; i < 4; i++) writePhysical(va + i, v >>> (8 * i));
    }

    /** Writes a field through the page tables, regardless of the page's protection. */
    void bootPut(Struct s, int base, String field, int v) {
        var f = s.field(field);
        for (int i = 0; i < f.size() && i < 4; i++) writePhysical(base + f.offset() + i, v >>> (8 * i));
    }

    private static long descriptor(int base, int limit, int accessAndFlags) {
        // accessAndFlags: bits 0-7 the access byte, bits 12-15 G, D/B, L, AVL (the descriptor's byte 6 high nibble)
        long d = (limit & 0xFFFFL) | ((base & 0xFFFFL) << 16) | (((long) (base >>> 16) & 0xFF) << 32)
                | ((long) (accessAndFlags & 0xFF) << 40) | (((long) (limit >>> 16) & 0xF) << 48)
                | ((long) ((accessAndFlags >>> 12) & 0xF) << 52) | (((long) (base >>> 24) & 0xFF) << 56);
        return d;
    }

    private void buildGdt() {
        // NT-FACTS §2.1, as dumped from a live XP machine; the TEB descriptor's base is this thread's TEB.
        long[] gdt = new long[(GDT_LIMIT + 1) / 8];
        gdt[Nt.KGDT_R0_CODE >> 3] = 0x00CF9B000000FFFFL;
        gdt[Nt.KGDT_R0_DATA >> 3] = 0x00CF93000000FFFFL;
        gdt[Nt.KGDT_R3_CODE >> 3] = 0x00CFFB000000FFFFL;
        gdt[Nt.KGDT_R3_DATA >> 3] = 0x00CFF3000000FFFFL;
        gdt[Nt.KGDT_TSS >> 3] = 0x80008B04200020ABL;
        gdt[Nt.KGDT_R0_PCR >> 3] = 0xFFC093DFF0000001L;
        gdt[Nt.KGDT_R3_TEB >> 3] = descriptor(Nt.TEB_ADDRESS, 0xFFF, 0x4F3);
        gdt[Nt.KGDT_VDM_TILE >> 3] = 0x0000F2000400FFFFL;
        gdt[Nt.KGDT_DF_TSS >> 3] = 0x8000895527000068L;
        gdt[Nt.KGDT_NMI_TSS >> 3] = 0x8000895527680068L;
        for (int i = 0; i < gdt.length; i++) {
            writePhysical32(GDT_BASE + 8 * i, (int) gdt[i]);
            writePhysical32(GDT_BASE + 8 * i + 4, (int) (gdt[i] >>> 32));
        }
    }

    private void idtGate(int vector, int handler, int dpl) {
        int lo = (Nt.KGDT_R0_CODE << 16) | (handler & 0xFFFF);
        int hi = (handler & 0xFFFF0000) | 0x8E00 | (dpl << 13);   // 32-bit interrupt gate, present
        writePhysical32(IDT_BASE + 8 * vector, lo);
        writePhysical32(IDT_BASE + 8 * vector + 4, hi);
    }

    private void buildIdt() {
        // NT-FACTS §2.2. Vectors 2 and 8 are task gates on XP; ntgate has no task switch, so they are
        // interrupt gates to the kernel's handlers (README "Not supported").
        int fallback = kernelSymbol("KiTrapXX");
        for (int v = 0; v < 0x30; v++) {
            Long h = kernel.symbols().get(String.format(Locale.ROOT, "KiTrap%02X", v));
            int dpl = v == 3 || v == 4 ? 3 : 0;
            idtGate(v, h != null ? (int) (long) h : fallback, dpl);
        }
        String[] sys = {"KiGetTickCount", "KiCallbackReturn", "KiSetLowWaitHighThread", "KiDebugService", "KiSystemService"};
        // 2Ah-2Eh: DPL 3 interrupt gates, XP's KiSetLowWaitHighThread at 2Ch (kiint2x.asm, ntoskrnl.asm).
        for (int i = 0; i < sys.length; i++) idtGate(Nt.IDT_GET_TICK_COUNT + i, kernelSymbol(sys[i]), 3);
    }

    private void buildTss() {
        Struct t = Layouts.KTSS;
        bootPut(t, Nt.KGDT_TSS_BASE, "Esp0", INITIAL_STACK - Nt.ESP0_BIAS);
        bootPut(t, Nt.KGDT_TSS_BASE, "Ss0", Nt.KGDT_R0_DATA);
        bootPut(t, Nt.KGDT_TSS_BASE, "CR3", pages.cr3());
        // No I/O permission map inside the limit: every port access from ring 3 is refused (IOPL 0).
        bootPut(t, Nt.KGDT_TSS_BASE, "IoMapBase", 0x20AC);
    }

    private void buildPcr() {
        Struct p = Layouts.KPCR;
        int pcr = Nt.KIP0PCRADDRESS;
        int prcb = pcr + p.offset("PrcbData");
        bootPut(p, pcr, "NtTib.ExceptionList", Nt.EXCEPTION_CHAIN_END);
        bootPut(p, pcr, "NtTib.StackBase", INITIAL_STACK);
        bootPut(p, pcr, "NtTib.StackLimit", INITIAL_STACK - Nt.KERNEL_STACK_SIZE);
        bootPut(p, pcr, "NtTib.Self", Nt.TEB_ADDRESS);
        bootPut(p, pcr, "SelfPcr", pcr);
        bootPut(p, pcr, "Prcb", prcb);
        bootPut(p, pcr, "Irql", Nt.PASSIVE_LEVEL);
        bootPut(p, pcr, "IDT", IDT_BASE);
        bootPut(p, pcr, "GDT", GDT_BASE);
        bootPut(p, pcr, "TSS", Nt.KGDT_TSS_BASE);
        bootPut(p, pcr, "MajorVersion", 1);
        bootPut(p, pcr, "MinorVersion", 1);
        bootPut(p, pcr, "SetMember", 1);
        bootPut(p, pcr, "PrcbData.CurrentThread", ETHREAD_ADDRESS);
        bootPut(p, pcr, "PrcbData.DpcStack", DPC_STACK);
    }

    private void buildSharedUserData() {
        Struct s = Layouts.KUSER_SHARED_DATA;
        int u = Nt.KI_USER_SHARED_DATA;
        bootPut(s, u, "TickCountMultiplier", 0x0FA00000);
        bootPut(s, u, "NtProductType", 1);
        bootPut(s, u, "NtMajorVersion", 5);
        bootPut(s, u, "NtMinorVersion", 1);
        bootPut(s, u, "TestRetInstruction", 0xC3);
        // PspLookupKernelUserEntryPoints: SystemCall -> KiFastSystemCall on a SEP CPU (NT-FACTS §2.7).
        bootPut(s, u, "SystemCall", ntdllSymbol(options.int2e ? "KiIntSystemCall" : "KiFastSystemCall"));
        bootPut(s, u, "SystemCallReturn", options.int2e ? 0 : ntdllSymbol("KiFastSystemCallRet"));
    }

    private void buildProcessAndThread() {
        Struct kt = Layouts.KTHREAD, et = Layouts.ETHREAD;
        int t = ETHREAD_ADDRESS;
        bootPut(Layouts.EPROCESS, EPROCESS_ADDRESS, "Pcb.Header", 3);    // DISPATCHER_HEADER.Type = ProcessObject
        bootPut(Layouts.EPROCESS, EPROCESS_ADDRESS, "UniqueProcessId", Kernel.PROCESS_ID);
        bootPut(kt, t, "Header", 6);                                       // ThreadObject
        bootPut(kt, t, "InitialStack", INITIAL_STACK);
        bootPut(kt, t, "StackLimit", INITIAL_STACK - Nt.KERNEL_STACK_SIZE);
        bootPut(kt, t, "StackBase", INITIAL_STACK);
        bootPut(kt, t, "Teb", Nt.TEB_ADDRESS);
        bootPut(kt, t, "State", 2);                                        // Running
        bootPut(kt, t, "ApcState.Process", EPROCESS_ADDRESS);
        bootPut(kt, t, "ApcQueueable", 1);
        bootPut(kt, t, "ServiceTable", kernelSymbol("KeServiceDescriptorTable"));
        bootPut(kt, t, "PreviousMode", Nt.UserMode);
        bootPut(et, t, "Cid.UniqueProcess", Kernel.PROCESS_ID);
        bootPut(et, t, "Cid.UniqueThread", Kernel.THREAD_ID);
        bootPut(et, t, "ThreadsProcess", EPROCESS_ADDRESS);
        // ApcListHead[KernelMode] and [UserMode] are empty lists (Flink = Blink = the head).
        int lists = t + kt.offset("ApcState.ApcListHead");
        for (int i = 0; i < 2; i++) {
            writePhysical32(lists + 8 * i, lists + 8 * i);
            writePhysical32(lists + 8 * i + 4, lists + 8 * i);
        }

        Struct teb = Layouts.TEB;
        int tb = Nt.TEB_ADDRESS;
        bootPut(teb, tb, "NtTib.ExceptionList", Nt.EXCEPTION_CHAIN_END);
        bootPut(teb, tb, "NtTib.StackBase", userStackBase);
        bootPut(teb, tb, "NtTib.StackLimit", userStackBase - userStackSize);
        bootPut(teb, tb, "NtTib.Self", tb);
        bootPut(teb, tb, "ClientId.UniqueProcess", Kernel.PROCESS_ID);
        bootPut(teb, tb, "ClientId.UniqueThread", Kernel.THREAD_ID);
        bootPut(teb, tb, "ProcessEnvironmentBlock", Nt.PEB_ADDRESS);
        bootPut(teb, tb, "DeallocationStack", userStackBase - userStackSize);

        Struct peb = Layouts.PEB;
        bootPut(peb, Nt.PEB_ADDRESS, "ImageBaseAddress", image.base());
        bootPut(peb, Nt.PEB_ADDRESS, "Ldr", LOADER_DATA);
        buildLoaderData();
        bootPut(peb, Nt.PEB_ADDRESS, "ProcessParameters", PROCESS_PARAMETERS);
        Struct pp = Layouts.RTL_USER_PROCESS_PARAMETERS;
        bootPut(pp, PROCESS_PARAMETERS, "MaximumLength", pp.size());
        bootPut(pp, PROCESS_PARAMETERS, "Length", pp.size());
        bootPut(pp, PROCESS_PARAMETERS, "Flags", 1);
        bootPut(pp, PROCESS_PARAMETERS, "StandardInput", STD_INPUT);
        bootPut(pp, PROCESS_PARAMETERS, "StandardOutput", STD_OUTPUT);
        bootPut(pp, PROCESS_PARAMETERS, "StandardError", STD_ERROR);
        byte[] cmd = options.commandLine.getBytes(StandardCharsets.UTF_16LE);
        int len = Math.min(cmd.length, 0x1000 - pp.size() - 2);
        int buf = PROCESS_PARAMETERS + pp.size();
        for (int i = 0; i < len; i++) writePhysical(buf + i, cmd[i]);
        int us = pp.offset("CommandLine");
        writePhysical32(PROCESS_PARAMETERS + us, len | ((len + 2) << 16));
        writePhysical32(PROCESS_PARAMETERS + us + 4, buf);

        // The first trap frame: the user context the exit path will load (NT-FACTS §2.9 geometry).
        Struct f = Layouts.KTRAP_FRAME;
        int frame = INITIAL_STACK - Nt.INITIAL_TRAP_FRAME_BIAS;
        k.initialTrapFrame = frame;
        // With TLS callbacks, ntdll's LdrpCallTlsInitializers runs them and then jumps to the entry point.
        int entry = image.tlsCallbacks() ? ntdllSymbol("LdrpCallTlsInitializers") : image.entry();
        bootPut(f, frame, "DbgArgMark", Nt.TRAP_FRAME_MARKER);
        bootPut(f, frame, "SegCs", Nt.USER_CS);
        bootPut(f, frame, "HardwareSegSs", Nt.USER_DS);
        bootPut(f, frame, "HardwareEsp", userStackBase);
        bootPut(f, frame, "EFlags", 0x202);
        bootPut(f, frame, "Eip", ntdllSymbol("RtlUserThreadStart"));
        bootPut(f, frame, "Eax", entry);
        bootPut(f, frame, "Ebx", Nt.PEB_ADDRESS);
        bootPut(f, frame, "SegDs", Nt.USER_DS);
        bootPut(f, frame, "SegEs", Nt.USER_DS);
        bootPut(f, frame, "SegFs", Nt.USER_FS);
        bootPut(f, frame, "SegGs", 0);
        bootPut(f, frame, "ExceptionList", Nt.EXCEPTION_CHAIN_END);
        bootPut(f, frame, "PreviousPreviousMode", Nt.UserMode);
        bootPut(kt, t, "TrapFrame", frame);
        bootPut(kt, t, "KernelStack", frame);
    }

    /**
     * PEB.Ldr: PEB_LDR_DATA and one LDR_DATA_TABLE_ENTRY each for the program and ntdll, linked in load order
     * (program, ntdll), memory order (the same) and initialization order (ntdll only: an EXE is not initialized
     * as a DLL), as LdrpInitializeProcess leaves them on XP.
     */
    private static int align16(int n) {
        return (n + 15) & ~15;
    }

    private void buildLoaderData() {
        Struct ld = Layouts.PEB_LDR_DATA, le = Layouts.LDR_DATA_TABLE_ENTRY;
        int data = LOADER_DATA;
        int exe = data + align16(ld.size()), nt = exe + align16(le.size());
        int strings = nt + align16(le.size());
        long ntdllEnd = ntdll.base();
        for (AsmSection sec : ntdll.sections()) ntdllEnd = Math.max(ntdllEnd, sec.end());
        String exeFull = options.commandLine.split(" ")[0];
        String[][] names = {{exeFull, image.name()}, {"C:\\WINDOWS\\system32\\ntdll.dll", "ntdll.dll"}};
        int[] entries = {exe, nt};
        int[] bases = {image.base(), (int) ntdll.base()};
        int[] sizes = {image.memory().length, (int) (((ntdllEnd - ntdll.base()) + 0xFFF) & ~0xFFFL)};
        int[] eps = {image.entry(), 0};
        bootPut(ld, data, "Length", ld.size());
        bootPut(ld, data, "Initialized", 1);
        for (int i = 0; i < 2; i++) {
            int e = entries[i];
            bootPut(le, e, "DllBase", bases[i]);
            bootPut(le, e, "EntryPoint", eps[i]);
            bootPut(le, e, "SizeOfImage", sizes[i]);
            bootPut(le, e, "LoadCount", 0xFFFF);                 // static imports are never unloaded
            bootPut(le, e, "TlsIndex", 0);
            for (int k = 0; k < 2; k++) {
                byte[] u = names[i][k].getBytes(StandardCharsets.UTF_16LE);
                int len = Math.min(u.length, 0x1FE);
                for (int j = 0; j < len; j++) writePhysical(strings + j, u[j]);
                writePhysical(strings + len, 0);
                writePhysical(strings + len + 1, 0);
                int us = e + le.offset(k == 0 ? "FullDllName" : "BaseDllName");
                writePhysical32(us, len | ((len + 2) << 16));
                writePhysical32(us + 4, strings);
                strings += (len + 2 + 3) & ~3;
            }
        }
        link(data + ld.offset("InLoadOrderModuleList"), le.offset("InLoadOrderLinks"), exe, nt);
        link(data + ld.offset("InMemoryOrderModuleList"), le.offset("InMemoryOrderLinks"), exe, nt);
        link(data + ld.offset("InInitializationOrderModuleList"), le.offset("InInitializationOrderLinks"), nt);
        // The program's initialization-order links point at themselves: it is on no list.
        int self = exe + le.offset("InInitializationOrderLinks");
        writePhysical32(self, self);
        writePhysical32(self + 4, self);
    }

    /** Builds a circular LIST_ENTRY list: head, then the entries' links at {@code linkOffset}, in order. */
    private void link(int head, int linkOffset, int... entries) {
        int n = entries.length;
        int[] nodes = new int[n + 1];
        nodes[0] = head;
        for (int i = 0; i < n; i++) nodes[i + 1] = entries[i] + linkOffset;
        for (int i = 0; i <= n; i++) {
            writePhysical32(nodes[i], nodes[(i + 1) % (n + 1)]);          // Flink
            writePhysical32(nodes[i] + 4, nodes[(i + n) % (n + 1)]);      // Blink
        }
    }

    // ---- running ---------------------------------------------------------------------------------------------

    /** How a run ended. */
    public enum End { EXITED, BUG_CHECK, BUDGET, TRIPLE_FAULT, HALTED, BREAK, DEADLOCK }

    /** Runs until the process ends, the kernel stops, or {@code budget} instructions have retired. */
    public End run(long budget) {
        long end = cpu.icount + budget;
        while (true) {
            long left = end - cpu.icount;
            if (left <= 0) return End.BUDGET;
            Cpu.Stop s = cpu.run(left);
            if (k.bugCheck != null) return End.BUG_CHECK;
            if (k.exited) {
                if (drivers.beginUnload()) continue;      // DriverUnload of each driver, then the machine stops
                return End.EXITED;
            }
            if (k.deadlock != null) return End.DEADLOCK;   // Kernel.deadlock says which wait
            switch (s) {
                case BUDGET: return End.BUDGET;
                case TRIPLE_FAULT: return End.TRIPLE_FAULT;
                case HALT: return End.HALTED;
                case BREAK: return End.BREAK;
                default: break;
            }
        }
    }

    /**
     * Labels inside nt's gate routines that XP's public symbols do not have (the seed listing shows them as
     * loc_xxxxxx): an address there is named after the routine, as WinDbg names it on XP
     * ({@code nt!KiFastCallEntry+0xfc}, not {@code nt!kss60}). The labels still resolve in expressions.
     */
    static final Set<String> NT_INTERIOR_LABELS = Set.of("Dr_FastCallDrReturn", "Dr_kss_t", "KiSystemServiceRepeat",
            "KiSystemServiceAccessTeb", "Kss40", "KiSystemServiceCopyArguments", "kss60", "kss61", "kss70", "kss80",
            "Kfsc90", "Kfsc91");

    /** {@code nt!KiServiceExit+0x2c}: the nearest symbol at or below an address inside one of the modules. */
    public java.util.Optional<String> symbolAt(int address) {
        return modules.symbolAt(address);
    }

    private Annotations annotations;

    /** The annotations of nt, ntdll and an assembled program (built on first use). */
    public Annotations annotations() {
        if (annotations == null) {
            List<AsmResult> images = new java.util.ArrayList<>(List.of(kernel, ntdll));
            if (program != null) images.add(program);
            annotations = new Annotations(images, Set.of(kernelSymbol("KiSystemCallExitBranch")));
        }
        return annotations;
    }

    /** {@link #symbolAt} or the address in hex. */
    public String symbolize(int address) {
        return symbolAt(address).orElse(String.format(Locale.ROOT, "%08x", address));
    }

    /** The system's assembled images (nt, ntdll, win32k); the program is {@link #image}. */
    public Map<String, AsmResult> images() {
        Map<String, AsmResult> m = new LinkedHashMap<>();
        m.put("nt", kernel);
        m.put("ntdll", ntdll);
        m.put("win32k", win32k);
        return m;
    }
}
