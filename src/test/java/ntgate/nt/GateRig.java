package ntgate.nt;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.function.BiFunction;
import ntgate.asm.AsmOptions;
import ntgate.asm.AsmResult;
import ntgate.asm.Assembler;
import ntgate.cpu.Cpu;
import ntgate.cpu.CpuState;
import ntgate.cpu.Seg;
import ntgate.cpu.exec.Interrupts;
import ntgate.cpu.mem.PhysicalMemory;
import ntgate.nt.layout.Layouts;
import ntgate.nt.layout.Nt;

/**
 * A minimal NT-shaped machine around ntoskrnl.asm for the gate tests: 2-level paging with the XP memory map,
 * GDT/IDT/TSS, KPCR, one KTHREAD, SharedUserData, a five-entry test service table (TestAdd, NtContinue,
 * TestAdd, TestAddAndQueueUserApc, TestRead) and a user program. The thread starts through KiStartUserThread after KiEnableFastSyscallReturn.
 * Host calls are recorded; {@code host} may handle one (return true), otherwise the defaults apply
 * (KeBugCheckEx and KiDispatchException stop the run, MmAccessFault fails, PsConvertToGuiThread fails).
 */
final class GateRig {

    static final int KERNEL_PHYS = 0x800000, TABLES = 0x80600000, TABLES_PHYS = 0x180000;
    static final int SHARED_PHYS = 0x200000, PCR = Nt.KIP0PCRADDRESS, PCR_PHYS = 0x201000;
    static final int GDT = 0x80040000, IDT = GDT + 0x800, TSS = Nt.KGDT_TSS_BASE, SYS_PHYS = 0x210000;
    static final int INITIAL_STACK = 0x80A00000, STACK_PHYS = 0x220000, DPC_STACK = 0x80B00000, DPC_PHYS = 0x230000;
    static final int THREAD = 0x80C00000, THREAD_PHYS = 0x240000;
    static final int USER = 0x00400000, USER_PHYS = 0x300000, USER_STACK_TOP = 0x00130000, USER_STACK_PHYS = 0x310000;
    static final int TEB = Nt.TEB_ADDRESS, TEB_PHYS = 0x320000;

    final Cpu cpu;
    AsmResult kernel, tables, user;
    final Map<Integer, Integer> pages = new HashMap<>();
    int nextTable = 0x10000;
    final List<String> hostCalls = new ArrayList<>();
    int bugCheck = -1, exceptionCode, exceptionFrame, exceptionAddress, exceptionMode = -1;
    int[] exceptionParameters = new int[0];
    final int[] bugCheckParameters = new int[4];
    Cpu.Stop stop;

    int sym(AsmResult r, String name) {
        return (int) r.symbol(name).getAsLong();
    }

    void map(int linear, int physical, int bytes, boolean user, boolean writable) {
        for (int off = 0; off < bytes; off += 0x1000) {
            int lin = linear + off;
            int pdeAt = 0x1000 + (lin >>> 22) * 4;
            int pde = cpu.mem.read32(pdeAt);
            if ((pde & 1) == 0) {
                pde = nextTable | 7;
                for (int i = 0; i < 1024; i++) cpu.mem.write32(nextTable + 4L * i, 0);
                nextTable += 0x1000;
                cpu.mem.write32(pdeAt, pde);
            }
            int pteAt = (pde & ~0xFFF) + ((lin >>> 12) & 0x3FF) * 4;
            cpu.mem.write32(pteAt, (physical + off) | 1 | (writable ? 2 : 0) | (user ? 4 : 0));
            pages.put(lin >>> 12, (physical + off) >>> 12);
        }
    }

    long phys(int linear) {
        return ((long) pages.get(linear >>> 12) << 12) | (linear & 0xFFF);
    }

    int rd(int linear) {
        return cpu.mem.read32(phys(linear));
    }

    void wr(int linear, int v) {
        cpu.mem.write32(phys(linear), v);
    }

    void load(int linear, byte[] image) {
        cpu.hostWrite(phys(linear), image, 0, image.length);
    }

    void gdt(int sel, int base, int limit, int rights) {
        int lo = (limit & 0xFFFF) | (base << 16);
        int hi = ((base >>> 16) & 0xFF) | (rights & 0xF0FF00) | (limit & 0xF0000) | (base & 0xFF000000);
        wr(GDT + (sel & 0xFFF8), lo);
        wr(GDT + (sel & 0xFFF8) + 4, hi);
    }

    void gate(int vector, int offset, int dpl) {
        wr(IDT + vector * 8, (offset & 0xFFFF) | (Nt.KGDT_R0_CODE << 16));
        wr(IDT + vector * 8 + 4, (offset & 0xFFFF0000) | 0x8000 | (dpl << 13) | (0xE << 8));
    }

    static final String TABLES_SRC = String.join("\n",
            "KeServiceDescriptorTableShadow:",
            "    dd KiServiceTable, 0, 5, KiArgumentTable",
            "    dd W32pServiceTable, 0, 0, W32pArgumentTable",
            "    times 8 dd 0",
            "KeServiceDescriptorTable:",
            "    dd KiServiceTable, 0, 5, KiArgumentTable",
            "    times 12 dd 0",
            "KiServiceTable: dd TestAdd, NtContinue, TestAdd, TestAddAndQueueUserApc, TestRead",
            "KiArgumentTable: db 8, 8, 8, 8, 4",
            "W32pServiceTable:",
            "W32pArgumentTable: db 0xFF, 0xFF, 0xFF, 0xFF",
            "TestAdd:",
            "    mov eax, [esp + 4]",
            "    add eax, [esp + 8]",
            "    ret 8",
            "TestAddAndQueueUserApc:",
            "    mov eax, [fs:KPCR.PrcbData.CurrentThread]",
            "    mov byte [eax + KTHREAD.ApcState.UserApcPending], 1",
            "    mov eax, [esp + 4]",
            "    add eax, [esp + 8]",
            "    ret 8",
            "TestRead:",
            "    mov eax, [esp + 4]",
            "    mov eax, [eax]",
            "    ret 4",
            "Boot:",
            "    call KiEnableFastSyscallReturn",
            "    mov ebp, " + (INITIAL_STACK - Nt.INITIAL_TRAP_FRAME_BIAS),
            "    jmp KiStartUserThread");

    GateRig(String userSource, BiFunction<String, Cpu, Boolean> host) throws Exception {
        this.cpu = new Cpu(new PhysicalMemory(16 << 20));
        CpuState st = cpu.st;
        for (int i = 0; i < 1024; i++) cpu.mem.write32(0x1000 + 4L * i, 0);
        map(TABLES, TABLES_PHYS, 0x4000, false, true);
        map(Nt.KI_USER_SHARED_DATA, SHARED_PHYS, 0x1000, false, true);
        map(Nt.MM_SHARED_USER_DATA_VA, SHARED_PHYS, 0x1000, true, false);
        map(PCR, PCR_PHYS, 0x2000, false, true);
        map(GDT, SYS_PHYS, 0x5000, false, true);
        map(INITIAL_STACK - 0x3000, STACK_PHYS, 0x3000, false, true);
        map(DPC_STACK - 0x1000, DPC_PHYS, 0x1000, false, true);
        map(THREAD, THREAD_PHYS, 0x1000, false, true);
        map(USER, USER_PHYS, 0x1000, true, true);
        map(USER_STACK_TOP - 0x2000, USER_STACK_PHYS, 0x2000, true, true);
        map(TEB, TEB_PHYS, 0x1000, true, true);

        String src = new String(NtoskrnlAsmTest.class.getResourceAsStream(NtoskrnlAsmTest.RESOURCE).readAllBytes());
        AsmOptions.Resolver layouts = Layouts.resolver();
        Map<String, Long> hc = new HashMap<>();
        String[] names = {"HC_KiDeliverApc", "HC_KiDispatchException", "HC_MmAccessFault", "HC_KiContinue",
            "HC_KeTestAlertThread", "HC_KeBugCheckEx", "HC_PsConvertToGuiThread", "HC_KeGdiFlushUserBatch",
            "HC_KiRaiseException"};
        for (int i = 0; i < names.length; i++) hc.put(names[i], (long) i + 1);
        hc.put("KeServiceDescriptorTableShadow", (long) TABLES);
        kernel = Assembler.assemble(src, "ntoskrnl.asm", AsmOptions.defaults().withBase(Nt.NTOSKRNL_BASE).withMasm(true)
                .withResolver(n -> hc.containsKey(n) ? OptionalLong.of(hc.get(n)) : layouts.resolve(n))).orThrow();
        // The whole image: the gate sits at XP's RVA 0x6A520, so the image spans some 0x70000 bytes.
        map(Nt.NTOSKRNL_BASE, KERNEL_PHYS, (kernel.image().length + 0xFFF) & ~0xFFF, false, true);
        tables = Assembler.assemble(TABLES_SRC, "tables.asm", AsmOptions.defaults().withBase(TABLES).withResolver(n -> {
            OptionalLong k = kernel.symbol(n);
            return k.isPresent() ? k : layouts.resolve(n);
        })).orThrow();
        user = Assembler.assemble(userSource, "user.asm", AsmOptions.defaults().withBase(USER)).orThrow();
        assertEquals(0, sym(tables, "KeServiceDescriptorTableShadow") - TABLES);
        load(Nt.NTOSKRNL_BASE, kernel.image());
        load(TABLES, tables.image());
        load(USER, user.image());

        // GDT, IDT, TSS (NT-FACTS §2.1, §2.2, §2.4).
        gdt(0x08, 0, 0xFFFFF, 0xC09B00);
        gdt(0x10, 0, 0xFFFFF, 0xC09300);
        gdt(0x18, 0, 0xFFFFF, 0xC0FB00);
        gdt(0x20, 0, 0xFFFFF, 0xC0F300);
        gdt(Nt.KGDT_TSS, TSS, Nt.KGDT_TSS_LIMIT, 0x008B00);
        gdt(Nt.KGDT_R0_PCR, PCR, 1, 0xC09300);
        gdt(Nt.KGDT_R3_TEB, TEB, 0xFFF, 0x40F300);
        for (int v = 0; v < 256; v++) gate(v, sym(kernel, "KiTrapXX"), 0);
        gate(0x00, sym(kernel, "KiTrap00"), 0);
        gate(0x01, sym(kernel, "KiTrap01"), 0);
        gate(0x03, sym(kernel, "KiTrap03"), 3);
        gate(0x06, sym(kernel, "KiTrap06"), 0);
        gate(0x0D, sym(kernel, "KiTrap0D"), 0);
        gate(0x0E, sym(kernel, "KiTrap0E"), 0);
        gate(0x2E, sym(kernel, "KiSystemService"), 3);
        wr(TSS + 4, INITIAL_STACK - Nt.ESP0_BIAS);
        wr(TSS + 8, Nt.KGDT_R0_DATA);
        st.gdtrBase = GDT;
        st.gdtrLimit = 0x7F;
        st.idtrBase = IDT;
        st.idtrLimit = 0x7FF;
        st.trSel = Nt.KGDT_TSS;
        st.trBase = TSS;
        st.trLimit = Nt.KGDT_TSS_LIMIT;
        st.trAttr = 0x008B00;
        st.sysenterCs = Nt.KGDT_R0_CODE;
        st.sysenterEsp = DPC_STACK;
        st.sysenterEip = sym(kernel, "KiFastCallEntry");

        // KPCR, KTHREAD, TEB, SharedUserData.
        wr(PCR + 0x00, Nt.EXCEPTION_CHAIN_END);
        wr(PCR + off("KPCR.NtTib.Self"), TEB);
        wr(PCR + off("KPCR.SelfPcr"), PCR);
        wr(PCR + off("KPCR.Prcb"), PCR + off("KPCR.PrcbData"));
        wr(PCR + off("KPCR.TSS"), TSS);
        wr(PCR + off("KPCR.PrcbData.CurrentThread"), THREAD);
        wr(THREAD + off("KTHREAD.InitialStack"), INITIAL_STACK);
        wr(THREAD + off("KTHREAD.ServiceTable"), sym(tables, "KeServiceDescriptorTable"));
        wr(THREAD + off("KTHREAD.Teb"), TEB);
        if (user.symbol("KiFastSystemCall").isPresent()) {
            wr(Nt.KI_USER_SHARED_DATA + off("KUSER_SHARED_DATA.SystemCall"), sym(user, "KiFastSystemCall"));
            wr(Nt.KI_USER_SHARED_DATA + off("KUSER_SHARED_DATA.SystemCallReturn"), sym(user, "KiFastSystemCallRet"));
        }

        // The initial trap frame (the initial-thread contract of ntoskrnl.asm).
        int f = INITIAL_STACK - Nt.INITIAL_TRAP_FRAME_BIAS;
        for (int i = 0; i < Nt.KTRAP_FRAME_LENGTH; i += 4) wr(f + i, 0);
        wr(f + off("KTRAP_FRAME.Eip"), USER);
        wr(f + off("KTRAP_FRAME.SegCs"), Nt.USER_CS);
        wr(f + off("KTRAP_FRAME.EFlags"), 0x202);
        wr(f + off("KTRAP_FRAME.HardwareEsp"), USER_STACK_TOP - 0x10);
        wr(f + off("KTRAP_FRAME.HardwareSegSs"), Nt.USER_DS);
        wr(f + off("KTRAP_FRAME.SegDs"), Nt.USER_DS);
        wr(f + off("KTRAP_FRAME.SegEs"), Nt.USER_DS);
        wr(f + off("KTRAP_FRAME.SegFs"), Nt.USER_FS);
        wr(f + off("KTRAP_FRAME.ExceptionList"), Nt.EXCEPTION_CHAIN_END);
        wr(f + off("KTRAP_FRAME.PreviousPreviousMode"), Nt.UserMode);

        cpu.hostCalls = (c, n) -> {
            String name = names[n - 1];
            hostCalls.add(name);
            if (host != null && host.apply(name, c)) return;
            int esp = c.gpr[4];
            switch (name) {
                case "HC_KeBugCheckEx" -> {
                    bugCheck = c.read32(Seg.SS, esp + 4);
                    for (int i = 0; i < 4; i++) bugCheckParameters[i] = c.read32(Seg.SS, esp + 8 + 4 * i);
                    c.pendingStop = Cpu.Stop.HALT;
                }
                case "HC_KiDispatchException" -> {
                    int record = c.read32(Seg.SS, esp + 4);
                    exceptionCode = c.read32(Seg.DS, record);
                    exceptionFrame = c.gpr[5];
                    exceptionAddress = c.read32(Seg.DS, record + off("EXCEPTION_RECORD.ExceptionAddress"));
                    exceptionParameters = new int[c.read32(Seg.DS, record + off("EXCEPTION_RECORD.NumberParameters"))];
                    for (int i = 0; i < exceptionParameters.length; i++) {
                        exceptionParameters[i] = c.read32(Seg.DS, record + off("EXCEPTION_RECORD.ExceptionInformation") + 4 * i);
                    }
                    exceptionMode = c.read32(Seg.SS, esp + 16);
                    c.pendingStop = Cpu.Stop.BREAK;
                }
                case "HC_MmAccessFault" -> c.gpr[0] = 0xC0000005;
                case "HC_PsConvertToGuiThread" -> c.gpr[0] = 0xC0000022;
                default -> c.gpr[0] = 0;
            }
        };

        cpu.delivery = new Interrupts();
        st.cr3 = 0x1000;
        st.cr4 = 0;
        st.cr0 = CpuState.CR0_PE | CpuState.CR0_PG | CpuState.CR0_ET;
        st.setEflags(0x2);
        cpu.mmu.flushAll();
        cpu.loadSegment(Seg.CS, 0x08, 0, -1, 0xCF9B00);
        cpu.loadSegment(Seg.SS, 0x10, 0, -1, 0xCF9300);
        cpu.loadSegment(Seg.DS, 0x23, 0, -1, 0xCFF300);
        cpu.loadSegment(Seg.ES, 0x23, 0, -1, 0xCFF300);
        cpu.loadSegment(Seg.FS, 0x30, PCR, 0x1FFF, 0xC09300);
        cpu.loadSegment(Seg.GS, 0, 0, 0, 0);
        cpu.setCpl(0);
        cpu.refreshAll();
        cpu.gpr[4] = INITIAL_STACK - Nt.INITIAL_TRAP_FRAME_BIAS;
        st.eip = sym(tables, "Boot");
    }

    /** Runs from the boot stub (KiEnableFastSyscallReturn, then KiStartUserThread). */
    Cpu.Stop run() {
        stop = cpu.run(100_000);
        return stop;
    }

    static int off(String field) {
        return (int) (long) Layouts.symbols().get(field);
    }

}
