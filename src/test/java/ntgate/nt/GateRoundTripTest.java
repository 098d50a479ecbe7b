package ntgate.nt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
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
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Runs ntoskrnl.asm on the emulated CPU in a minimal NT-shaped machine (GDT, IDT, TSS, KPCR, KTHREAD,
 * SharedUserData, a three-entry test service table) and reads back what the gate wrote: the thread starts
 * through KiStartUserThread, makes a SYSENTER call that returns through SYSEXIT, and makes int 2Eh calls that
 * take the probe failure, the argument-copy fixup, the invalid-table path and the GUI-conversion failure path.
 */
class GateRoundTripTest {

    static final int KERNEL_PHYS = 0x100000, TABLES = 0x80600000, TABLES_PHYS = 0x180000;
    static final int SHARED_PHYS = 0x200000, PCR = Nt.KIP0PCRADDRESS, PCR_PHYS = 0x201000;
    static final int GDT = 0x80040000, IDT = GDT + 0x800, TSS = Nt.KGDT_TSS_BASE, SYS_PHYS = 0x210000;
    static final int INITIAL_STACK = 0x80A00000, STACK_PHYS = 0x220000, DPC_STACK = 0x80B00000, DPC_PHYS = 0x230000;
    static final int THREAD = 0x80C00000, THREAD_PHYS = 0x240000;
    static final int USER = 0x00400000, USER_PHYS = 0x300000, USER_STACK_TOP = 0x00130000, USER_STACK_PHYS = 0x310000;
    static final int TEB = Nt.TEB_ADDRESS, TEB_PHYS = 0x320000;

    static Cpu cpu;
    static AsmResult kernel, tables, user;
    static final Map<Integer, Integer> pages = new HashMap<>();
    static int nextTable = 0x10000;
    static final List<String> hostCalls = new ArrayList<>();
    static int bugCheck = -1, exceptionCode, exceptionFrame;
    static Cpu.Stop stop;

    static int sym(AsmResult r, String name) {
        return (int) r.symbol(name).getAsLong();
    }

    static void map(int linear, int physical, int bytes, boolean user, boolean writable) {
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

    static long phys(int linear) {
        return ((long) pages.get(linear >>> 12) << 12) | (linear & 0xFFF);
    }

    static int rd(int linear) {
        return cpu.mem.read32(phys(linear));
    }

    static void wr(int linear, int v) {
        cpu.mem.write32(phys(linear), v);
    }

    static void load(int linear, byte[] image) {
        cpu.hostWrite(phys(linear), image, 0, image.length);
    }

    static void gdt(int sel, int base, int limit, int rights) {
        int lo = (limit & 0xFFFF) | (base << 16);
        int hi = ((base >>> 16) & 0xFF) | (rights & 0xF0FF00) | (limit & 0xF0000) | (base & 0xFF000000);
        wr(GDT + (sel & 0xFFF8), lo);
        wr(GDT + (sel & 0xFFF8) + 4, hi);
    }

    static void gate(int vector, int offset, int dpl) {
        wr(IDT + vector * 8, (offset & 0xFFFF) | (Nt.KGDT_R0_CODE << 16));
        wr(IDT + vector * 8 + 4, (offset & 0xFFFF0000) | 0x8000 | (dpl << 13) | (0xE << 8));
    }

    static final String TABLES_SRC = String.join("\n",
            "KeServiceDescriptorTableShadow:",
            "    dd KiServiceTable, 0, 3, KiArgumentTable",
            "    dd W32pServiceTable, 0, 0, W32pArgumentTable",
            "    times 8 dd 0",
            "KeServiceDescriptorTable:",
            "    dd KiServiceTable, 0, 3, KiArgumentTable",
            "    times 12 dd 0",
            "KiServiceTable: dd TestAdd, NtContinue, TestAdd",
            "KiArgumentTable: db 8, 8, 8",
            "W32pServiceTable:",
            "W32pArgumentTable: db 0xFF, 0xFF, 0xFF, 0xFF",
            "TestAdd:",
            "    mov eax, [esp + 4]",
            "    add eax, [esp + 8]",
            "    ret 8",
            "Boot:",
            "    call KiEnableFastSyscallReturn",
            "    mov ebp, " + (INITIAL_STACK - Nt.INITIAL_TRAP_FRAME_BIAS),
            "    jmp KiStartUserThread");

    static final String USER_SRC = String.join("\n",
            "start:",
            "    push 7",
            "    push 5",
            "    call ZwTestAdd",
            "    mov [res + 0], eax",
            "    mov [res + 4], ecx",
            "    mov [res + 8], esp",
            "    mov eax, 0",
            "    mov edx, 0x80000000",
            "    int 0x2E",
            "    mov [res + 12], eax",
            "    mov eax, 0",
            "    mov edx, 0x7FFEFFFC",
            "    int 0x2E",
            "    mov [res + 16], eax",
            "    mov eax, 0x3000",
            "    int 0x2E",
            "    mov [res + 20], eax",
            "    mov eax, 0x1001",
            "    mov edx, esp",
            "    int 0x2E",
            "    mov [res + 24], eax",
            "    mov eax, 0x4000",
            "    push 30",
            "    push 12",
            "    lea edx, [esp]",
            "    int 0x2E",
            "    add esp, 8",
            "    mov [res + 28], eax",
            "    int3",
            "ZwTestAdd:",
            "    mov eax, 0",
            "    mov edx, 0x7FFE0300",
            "    call [edx]",
            "    ret 8",
            "KiFastSystemCall:",
            "    mov edx, esp",
            "    sysenter",
            "KiFastSystemCallRet:",
            "    ret",
            "align 4",
            "res: times 8 dd 0xAAAAAAAA");

    @BeforeAll
    static void run() throws Exception {
        cpu = new Cpu(new PhysicalMemory(4 << 20));
        CpuState st = cpu.st;
        for (int i = 0; i < 1024; i++) cpu.mem.write32(0x1000 + 4L * i, 0);
        map(Nt.NTOSKRNL_BASE, KERNEL_PHYS, 0x10000, false, true);
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
            "HC_KeTestAlertThread", "HC_KeBugCheckEx", "HC_PsConvertToGuiThread", "HC_KeGdiFlushUserBatch"};
        for (int i = 0; i < names.length; i++) hc.put(names[i], (long) i + 1);
        hc.put("KeServiceDescriptorTableShadow", (long) TABLES);
        kernel = Assembler.assemble(src, "ntoskrnl.asm", AsmOptions.defaults().withBase(Nt.NTOSKRNL_BASE)
                .withResolver(n -> hc.containsKey(n) ? OptionalLong.of(hc.get(n)) : layouts.resolve(n))).orThrow();
        tables = Assembler.assemble(TABLES_SRC, "tables.asm", AsmOptions.defaults().withBase(TABLES).withResolver(n -> {
            OptionalLong k = kernel.symbol(n);
            return k.isPresent() ? k : layouts.resolve(n);
        })).orThrow();
        user = Assembler.assemble(USER_SRC, "user.asm", AsmOptions.defaults().withBase(USER)).orThrow();
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
        wr(Nt.KI_USER_SHARED_DATA + 0x300, sym(user, "KiFastSystemCall"));
        wr(Nt.KI_USER_SHARED_DATA + 0x304, sym(user, "KiFastSystemCallRet"));

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
            int esp = c.gpr[4];
            switch (name) {
                case "HC_KeBugCheckEx" -> {
                    bugCheck = c.read32(Seg.SS, esp + 4);
                    c.pendingStop = Cpu.Stop.HALT;
                }
                case "HC_KiDispatchException" -> {
                    exceptionCode = c.read32(Seg.DS, c.read32(Seg.SS, esp + 4));
                    exceptionFrame = c.gpr[5];
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
        stop = cpu.run(100_000);
    }

    static int off(String field) {
        return (int) (long) Layouts.symbols().get(field);
    }

    @Test
    void theThreadRunsToItsBreakpointWithoutABugCheck() {
        assertEquals(-1, bugCheck, "bug check");
        assertEquals(Cpu.Stop.BREAK, stop);
        assertEquals(0x80000003, exceptionCode);
        assertEquals(INITIAL_STACK - Nt.INITIAL_TRAP_FRAME_BIAS, exceptionFrame);
    }

    @Test
    void kiEnableFastSyscallReturnPatchedTheBranchToKiSystemCallExit2() {
        int branch = sym(kernel, "KiSystemCallExitBranch");
        assertEquals(sym(kernel, "KiSystemCallExit2"), branch + 2 + (byte) cpu.mem.read8(phys(branch + 1)));
    }

    @Test
    void theSysenterCallReturnsTheSumThroughSysexit() {
        int res = sym(user, "res");
        assertEquals(12, rd(res));
        // After the stub's ret 8 ESP is 16 above the ESP SYSENTER saw (two return addresses, two arguments).
        assertEquals(rd(res + 8) - 16, rd(res + 4), "SYSEXIT leaves ECX = the user ESP of the sysenter");
    }

    @Test
    void int2eCallsTakeTheProbeFixupInvalidTableAndGuiFailurePaths() {
        int res = sym(user, "res");
        assertEquals(0xC0000005, rd(res + 12), "argument pointer above MmUserProbeAddress");
        assertEquals(0xC0000005, rd(res + 16), "argument copy faults: KiTrap0E fixup");
        assertEquals(0xC000001C, rd(res + 20), "table 3 is empty");
        assertEquals(0xFFFFFFFF, rd(res + 24), "GUI conversion failed: the failure byte says -1");
        assertEquals(42, rd(res + 28), "bits 14-31 of the service number are ignored");
        assertTrue(hostCalls.contains("HC_MmAccessFault"));
        assertTrue(hostCalls.contains("HC_PsConvertToGuiThread"));
    }

    @Test
    void theSyscallFrameHoldsWhatKiFastCallEntryAndKiSystemServiceWrote() {
        int f = INITIAL_STACK - Nt.INITIAL_TRAP_FRAME_BIAS;
        // The last frame at this address is the int3 trap frame; the counters and the PCR state are the gate's.
        assertEquals(4, rd(PCR + off("KPCR.PrcbData.KeSystemCalls")), "calls that passed the range check (NT-FACTS §14.3)");
        assertEquals(Nt.EXCEPTION_CHAIN_END, rd(PCR + off("KPCR.NtTib.ExceptionList")));
        assertEquals(Nt.TRAP_FRAME_MARKER, rd(f + off("KTRAP_FRAME.DbgArgMark")));
        assertEquals(Nt.USER_CS, rd(f + off("KTRAP_FRAME.SegCs")));
        assertEquals(Nt.USER_DS, rd(f + off("KTRAP_FRAME.HardwareSegSs")));
        assertEquals(sym(user, "start") + 0, rd(f + off("KTRAP_FRAME.Eip")) - (sym(user, "ZwTestAdd") - sym(user, "start")),
                "int3 frame Eip = the instruction after int3 (ZwTestAdd follows it)");
    }
}
