package ntgate.debug;

import ntgate.cli.CliRun;
import ntgate.nt.NtSystem;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every command of issue 15 driven through {@code ntgate debug -c}: the values expected come from NT-FACTS, the
 * SDM, WinDbg's documented output shapes, or the assembled images' own symbols (where the assembler put a
 * routine), never from the debugger's output.
 */
class WindbgCommandsTest {
    private static final String HELLO = "examples/hello.asm";
    private static NtSystem booted;

    @TempDir
    static Path dir;

    /** A small program: f calls g, g writes buf, start calls f three times, then int 3, then exits with 7. */
    private static Path prog;

    @BeforeAll
    static void setUp() throws Exception {
        booted = NtSystem.boot(Files.readString(Path.of(HELLO)), HELLO, new NtSystem.Options());
        prog = dir.resolve("calls.asm");
        Files.writeString(prog, """
                section .text
                global start
                start:
                    push ebp
                    mov ebp, esp
                    call f
                    call f
                    call f
                after_calls:
                    mov eax, [buf]
                    int3
                after_int3:
                    mov eax, 7
                    pop ebp
                    ret
                f:
                    push ebp
                    mov ebp, esp
                    call g
                    pop ebp
                    ret
                g:
                    mov ecx, 1
                    add dword [buf], ecx
                after_add:
                    cmp ecx, 2
                    jne g_out
                    nop
                g_out:
                    ret
                section .data
                buf: dd 0
                msg: db "needle in memory", 0
                """);
    }

    private static String hex(long v) {
        return String.format("%08x", v & 0xFFFFFFFFL);
    }

    private static String k(String symbol) {
        return hex(booted.kernelSymbol(symbol));
    }

    private static String ntdll(String symbol) {
        return hex(booted.ntdllSymbol(symbol));
    }

    /** The program's symbol, from the assembler (independent of the debugger). */
    private static String sym(String name) throws Exception {
        NtSystem s = NtSystem.boot(Files.readString(prog), prog.toString(), new NtSystem.Options());
        return hex(s.image.symbols().get(name));
    }

    private static CliRun debug(String file, String script) {
        return CliRun.of("debug", file, "-c", script);
    }

    private static String after(String out, String cmd) {
        int i = out.lastIndexOf("kd> " + cmd + "\n");
        assertTrue(i >= 0, "no '" + cmd + "' in:\n" + out);
        String rest = out.substring(i + cmd.length() + 5);
        int next = rest.indexOf("kd> ");
        return next < 0 ? rest : rest.substring(0, next);
    }

    // ---- registers ----------------------------------------------------------------------------------------------

    @Test
    void registersWinDbgKnowsOnX86() {
        CliRun r = debug(HELLO, "r gdtr; r gdtl; r idtr; r tr; r cs; r ss; r cr0; r dr7; r $pcr; r $prcb; r $thread; r $proc; r $teb; r $peb; r $ip; r $csp; r $retreg");
        String o = r.out();
        assertEquals("gdtr=8003f000\n", after(o, "r gdtr"));     // XP's GDT (NtSystem.GDT_BASE, NT-FACTS §2.1 dump)
        assertEquals("gdtl=03ff\n", after(o, "r gdtl"));
        assertEquals("idtr=8003f400\n", after(o, "r idtr"));
        assertEquals("tr=0028\n", after(o, "r tr"));             // KGDT_TSS
        assertEquals("cs=0008\n", after(o, "r cs"));             // KGDT_R0_CODE
        assertEquals("ss=0010\n", after(o, "r ss"));
        assertTrue(Integer.parseUnsignedInt(after(o, "r cr0").strip().substring(4), 16) < 0 == true, "CR0.PG set: " + after(o, "r cr0"));
        assertEquals("dr7=00000000\n", after(o, "r dr7"));
        assertEquals("$pcr=ffdff000\n", after(o, "r $pcr"));     // NT-FACTS §2.3
        assertEquals("$prcb=ffdff120\n", after(o, "r $prcb"));   // KPCR+0x120
        assertEquals("$thread=" + hex(NtSystem.ETHREAD_ADDRESS) + "\n", after(o, "r $thread"));
        assertEquals("$proc=" + hex(NtSystem.EPROCESS_ADDRESS) + "\n", after(o, "r $proc"));
        assertEquals("$teb=" + hex(ntgate.nt.layout.Nt.TEB_ADDRESS) + "\n", after(o, "r $teb"));
        assertTrue(after(o, "r $peb").startsWith("$peb=7ffdf000"), o);   // XP's PEB
        assertEquals("$ip=" + k("KiSystemStartup") + "\n", after(o, "r $ip"));
        assertEquals("$csp=" + hex(NtSystem.INITIAL_STACK - 0x29c) + "\n", after(o, "r $csp").replaceAll("=.*", "=" + hex(NtSystem.INITIAL_STACK - 0x29c)));
        assertEquals("$retreg=00000000\n", after(o, "r $retreg"));
    }

    @Test
    void flagsSegmentsAndTemporaryRegistersCanBeSet() {
        CliRun r = debug(HELLO, "r efl=2; r zf=1; r efl; r zf; r cf=1, pf=1; r efl; r ds=10; r ds; dg 10; r $t0=5; r $t1=$t0*3; r $t1; r al=ff; r eax; r ah=12; r ax");
        String o = r.out();
        assertTrue(o.contains("kd> r zf=1\nkd> r efl\nefl=00000042\n"), o);    // ZF is bit 6 (SDM Vol.1 3.4.3)
        assertEquals("zf=1\n", after(o, "r zf"));
        assertTrue(o.contains("kd> r cf=1, pf=1\nkd> r efl\nefl=00000047\n"), o);
        assertEquals("ds=0010\n", after(o, "r ds"));
        assertEquals("$t1=0000000f\n", after(o, "r $t1"));
        assertEquals("eax=000000ff\n", after(o, "r eax"));
        assertEquals("ax=12ff\n", after(o, "r ax"));
        CliRun bad = debug(HELLO, "r zf=2; r ds=4f; r xyz");
        assertTrue(after(bad.out(), "r zf=2").startsWith("^ Value out of range"), bad.out());
        assertTrue(after(bad.out(), "r ds=4f").contains("LDT"), bad.out());
        assertTrue(after(bad.out(), "r xyz").startsWith("^ Syntax error"), bad.out());
    }

    @Test
    void rdmsrAndWrmsr() {
        CliRun r = debug(HELLO, "g nt!KiSystemStartup+5; rdmsr 174; rdmsr 175; rdmsr 176; wrmsr 175 12345678; rdmsr 175; rdmsr 12345");
        String o = r.out();
        // KiLoadFastSyscallMachineSpecificRegisters: SYSENTER_CS = KGDT_R0_CODE, SYSENTER_EIP = KiFastCallEntry (NT-FACTS §3.3).
        assertEquals("msr[174] = 00000000`00000008\n", after(o, "rdmsr 174"));
        assertEquals("msr[176] = 00000000`" + k("KiFastCallEntry") + "\n", after(o, "rdmsr 176"));
        assertEquals("msr[175] = 00000000`12345678\n", after(o, "rdmsr 175"));
        assertTrue(after(o, "rdmsr 12345").contains("#GP(0)"), o);
    }

    // ---- expressions --------------------------------------------------------------------------------------------

    @Test
    void masmOperatorsAndPrecedence() {
        String[][] cases = {
            {"1+2*3", "7"}, {"(1+2)*3", "9"}, {"0n10", "10"}, {"0y101", "5"}, {"0x10/3", "5"}, {"0n17 % 5", "2"},
            {"0n17 mod 5", "2"}, {"1 << 4", "16"}, {"80000000 >> 0n31", "1"}, {"80000000 >>> 0n31", "-1"},
            {"3 == 3", "1"}, {"3 != 3", "0"}, {"2 < 3", "1"}, {"3 <= 2", "0"}, {"5 > 4", "1"}, {"4 >= 5", "0"},
            {"6 & 3", "2"}, {"6 and 3", "2"}, {"6 | 1", "7"}, {"6 or 1", "7"}, {"6 ^ 3", "5"}, {"6 xor 3", "5"},
            {"not 0", "1"}, {"not 5", "0"}, {"hi(12345678)", "4660"}, {"low(12345678)", "22136"},
            {"(3<<4) | 1 == 0n49", "48"}, {"-1", "-1"}, {"by(nt!KiFastCallEntry) == 0n185 or 1", "1"},
        };
        StringBuilder script = new StringBuilder();
        for (String[] c : cases) script.append("? ").append(c[0]).append("; ");
        String o = debug(HELLO, script.toString()).out();
        for (String[] c : cases) {
            int v = Integer.parseInt(c[1]);
            assertEquals(String.format("Evaluate expression: %d = %08x%n", v, v), after(o, "? " + c[0]), c[0]);
        }
        String f = after(debug(HELLO, ".formats 1a").out(), ".formats 1a");
        // 0x1a = 26 = 032 octal; as a float the bit pattern is 3.64338e-44; as seconds since 1970, 00:00:26.
        assertTrue(f.startsWith("Evaluate expression:\n  Hex:     0000001a\n  Decimal: 26\n  Octal:   00000000032\n"
                + "  Binary:  00000000 00000000 00000000 00011010\n"), f);
        assertTrue(f.contains("  Time:    Thu Jan 01 00:00:26 1970\n"), f);
        assertTrue(f.contains("  Float:   low 3.64338e-044 high 0\n"), f);
        assertTrue(f.contains("  Double:  1.28457e-322\n"), f);
        assertTrue(after(debug(HELLO, "? 1/0").out(), "? 1/0").startsWith("Divide by zero error"));
    }

    // ---- breakpoints --------------------------------------------------------------------------------------------

    @Test
    void breakpointCommandsRunWithGcAndCount() throws Exception {
        // bp "cmds" with ';' inside the quotes: counts calls of g in $t0 and goes on.
        CliRun r = debug(prog.toString(), "bp program!g \"r $t0=$t0+1; gc\"; bl; g; r $t0");
        assertTrue(after(r.out(), "bl").contains(" 0 e  " + sym("g") + "     0001 (0001) calls!g \"r $t0=$t0+1; gc\""), r.out());
        assertTrue(after(r.out(), "r $t0").startsWith("$t0=00000003\n"), r.out());
        assertEquals(3, r.out().split("Breakpoint 0 hit", -1).length - 1, r.out());
    }

    @Test
    void conditionalBreakpointWithJAndIf() throws Exception {
        // Stop in g only on the third call: buf is 2 when it starts (g adds 1 each time).
        CliRun r = debug(prog.toString(), "bp program!g \"j (poi(program!buf) == 2) '.echo third' ; 'gc'\"; g; r ecx; dd program!buf L1");
        assertTrue(r.out().contains("third\n"), r.out());
        assertEquals(1, r.out().split("third\n", -1).length - 1, r.out());
        assertTrue(after(r.out(), "dd program!buf L1").contains(" 00000002"), r.out());
        CliRun i = debug(prog.toString(), ".if (1 == 2) { .echo no } .elsif (2 == 2) { .echo yes; .echo again } .else { .echo never }");
        assertTrue(i.out().contains("yes\nagain\n"), i.out());
        assertFalse(i.out().contains("no\n") || i.out().contains("never\n"), i.out());
    }

    @Test
    void oneShotBreakpointIsClearedWhenHit() throws Exception {
        CliRun r = debug(prog.toString(), "bp /1 program!g; g; bl; g");
        assertEquals("", after(r.out(), "bl"), r.out());
        assertTrue(r.out().contains("the process exited") || r.out().contains("Break instruction exception"), r.out());
    }

    @Test
    void dataBreakpointStopsAfterTheWritingInstruction() throws Exception {
        // SDM Vol.3A 17.3.1.2: data breakpoints are traps, reported after the instruction that accessed the data.
        CliRun r = debug(prog.toString(), "ba w4 program!buf; g; r eip; dd program!buf L1; ba r1 program!msg; bl");
        assertTrue(r.out().contains("Breakpoint 0 hit"), r.out());
        assertEquals("eip=" + sym("after_add") + "\n", after(r.out(), "r eip"));
        assertTrue(after(r.out(), "dd program!buf L1").contains(" 00000001"), r.out());
        String bl = after(r.out(), "bl");
        assertTrue(bl.contains(" 0 e  " + sym("buf") + " w 4 0001 (0001) calls!buf"), bl);
        assertTrue(bl.contains(" 1 e  " + sym("msg") + " r 1 0001 (0001) calls!msg"), bl);
        // The debugger's watch is its own: the guest's DR7 stays clear.
        CliRun d = debug(prog.toString(), "ba w4 program!buf; r dr7; ba w4 program!buf+1");
        assertEquals("dr7=00000000\n", after(d.out(), "r dr7"));
        assertEquals("Data breakpoint must be aligned\n", after(d.out(), "ba w4 program!buf+1"));
        CliRun e = debug(prog.toString(), "ba e1 program!g; g; r eip");
        assertEquals("eip=" + sym("g") + "\n", after(e.out(), "r eip"));
    }

    @Test
    void bmSetsOneBreakpointPerMatchingSymbol() {
        long expected = booted.kernel.symbols().keySet().stream()
                .filter(n -> n.startsWith("KiFast") && n.indexOf('.') < 0).count();
        String o = after(debug(HELLO, "bm nt!KiFast*").out(), "bm nt!KiFast*");
        assertEquals(expected, o.lines().count(), o);
        assertTrue(o.contains(k("KiFastCallEntry") + "          @!\"nt!KiFastCallEntry\""), o);
    }

    @Test
    void buResolvesWhenTheModuleLoads() throws Exception {
        NtSystem s = NtSystem.boot(Files.readString(Path.of(HELLO)), HELLO, new NtSystem.Options());
        java.io.ByteArrayOutputStream buf = new java.io.ByteArrayOutputStream();
        Debugger d = new Debugger(s, new java.io.PrintStream(buf, true), 1_000_000);
        String before = d.monitor("bu mydrv!DriverEntry; bl");
        assertTrue(before.contains(" 0 eu              0001 (0001) (mydrv!DriverEntry)"), before);
        s.modules.add("mydrv", "mydrv.sys", 0xF8000000, 0x2000, true, Map.of("DriverEntry", 0xF8000400L));
        String after = d.monitor("bl; lm");
        assertTrue(after.contains(" 0 e  f8000400     0001 (0001) mydrv!DriverEntry"), after);
        assertTrue(after.contains("f8000000 f8002000   mydrv      (export symbols)       mydrv.sys"), after);
    }

    // ---- symbols and modules ------------------------------------------------------------------------------------

    @Test
    void xLnLm() {
        CliRun r = debug(HELLO, "x nt!KiFastCallEntry; x ntdll!KiFastSystemCall*; ln nt!KiFastCallEntry; ln nt!KiFastCallEntry+2; lm; lm n; lm m nt*");
        String o = r.out();
        assertEquals(k("KiFastCallEntry") + "          nt!KiFastCallEntry (<no parameter info>)\n", after(o, "x nt!KiFastCallEntry"));
        String x = after(o, "x ntdll!KiFastSystemCall*");
        assertTrue(x.contains(ntdll("KiFastSystemCall") + "          ntdll!KiFastSystemCall (<no parameter info>)\n"), x);
        assertTrue(x.contains(ntdll("KiFastSystemCallRet") + "          ntdll!KiFastSystemCallRet (<no parameter info>)\n"), x);
        String ln = after(o, "ln nt!KiFastCallEntry");
        assertTrue(ln.startsWith("(" + k("KiFastCallEntry") + ")   nt!KiFastCallEntry   |  ("), ln);
        assertTrue(ln.contains("Exact matches:\n    nt!KiFastCallEntry (<no parameter info>)\n"), ln);
        assertTrue(after(o, "ln nt!KiFastCallEntry+2").startsWith("(" + k("KiFastCallEntry") + ")   nt!KiFastCallEntry+0x2   |  ("), o);
        String lm = after(o, "lm");
        // NT-FACTS §15: nt at 0x804D7000 (ntkrnlpa.exe), ntdll at 0x7C900000; the program at its image base.
        assertTrue(lm.startsWith("start    end        module name\n804d7000 "), lm);
        assertTrue(lm.contains("   nt         (export symbols)       ntkrnlpa.exe\n"), lm);
        assertTrue(lm.contains("\n7c900000 "), lm);
        assertTrue(lm.contains("   ntdll      (export symbols)       ntdll.dll\n"), lm);
        assertTrue(lm.contains("\n00400000 "), lm);
        assertTrue(after(o, "lm n").contains("   nt       ntkrnlpa.exe\n"), o);
        assertFalse(after(o, "lm m nt*").contains("hello"), o);
    }

    // ---- the machine --------------------------------------------------------------------------------------------

    @Test
    void dgPrintsXpDescriptorsAsWinDbgDoes() {
        String o = after(debug(HELLO, "dg 0 38").out(), "dg 0 38");
        String[] l = o.split("\n");
        assertEquals("                                  P Si Gr Pr Lo", l[0]);
        assertEquals("Sel    Base     Limit     Type    l ze an es ng Flags", l[1]);
        assertEquals("---- -------- -------- ---------- - -- -- -- -- --------", l[2]);
        // NT-FACTS §2.1: 00cf9b00`0000ffff, 00cf9300`0000ffff, 00cffb00`0000ffff, 00cff300`0000ffff, the busy TSS
        // at 0x80042000 limit 0x20AB, the PCR segment at 0xFFDFF000 limit 0x1FFF (4 KiB granular, limit 1).
        assertEquals("0008 00000000 ffffffff Code RE Ac 0 Bg Pg P  Nl 00000c9b", l[4]);
        assertEquals("0010 00000000 ffffffff Data RW Ac 0 Bg Pg P  Nl 00000c93", l[5]);
        assertEquals("0018 00000000 ffffffff Code RE Ac 3 Bg Pg P  Nl 00000cfb", l[6]);
        assertEquals("0020 00000000 ffffffff Data RW Ac 3 Bg Pg P  Nl 00000cf3", l[7]);
        assertEquals("0028 80042000 000020ab TSS32 Busy 0 Nb By P  Nl 0000008b", l[8]);
        assertEquals("0030 ffdff000 00001fff Data RW Ac 0 Bg Pg P  Nl 00000c93", l[9]);
        assertTrue(l[10].startsWith("0038 ") && l[10].contains(" 00000fff Data RW Ac 3 Nb By P  Nl 000004f3")
                || l[10].contains(" 00000fff Data RW Ac 3 Nb By P  Nl 000000f3"), l[10]);
    }

    @Test
    void pteAndVtopWalkThePaeTables() {
        CliRun r = debug(HELLO, "!pte ntdll!KiFastSystemCall; !pte nt!KiFastCallEntry; !vtop 0 ntdll!KiFastSystemCall");
        long va = booted.ntdllSymbol("KiFastSystemCall") & 0xFFFFFFFFL;
        String p = after(r.out(), "!pte ntdll!KiFastSystemCall");
        // XP PAE's self-map: PDE at C0600000 + (va >> 21) * 8, PTE at C0000000 + (va >> 12) * 8.
        assertTrue(p.contains(String.format("PDE at %08x", 0xC0600000L + (va >> 21) * 8)), p);
        assertTrue(p.contains(String.format("PTE at %08x", 0xC0000000L + (va >> 12) * 8)), p);
        assertTrue(p.matches("(?s).*pfn \\w+ +-+\\S*UWEV  pfn \\w+ +\\S*U.EV\\n.*"), "user page, valid: " + p);
        assertTrue(after(r.out(), "!pte nt!KiFastCallEntry").contains("K"), r.out());
        String v = after(r.out(), "!vtop 0 ntdll!KiFastSystemCall");
        long phys = booted.cpu.mmu.peekTranslate((int) va);
        assertTrue(v.startsWith(String.format("X86VtoP: Virt %08x, pagedir %x\n", va, booted.cpu.st.cr3 & ~0x1F)), v);
        // SDM Vol.3A 4.4.1: the PDPTE index is bits 31:30 of the address.
        assertTrue(v.contains(String.format("X86VtoP: PAE PDPE %x - ", (booted.cpu.st.cr3 & ~0x1F) + (va >>> 30) * 8)), v);
        assertTrue(v.endsWith(String.format("Virtual address %x translates to physical address %x.\n", va, phys)), v);
    }

    @Test
    void idtPcrThreadProcess() {
        CliRun r = debug(HELLO, "bp nt!NtWriteFile; g; !idt 2e; !idt 1; !pcr; !thread; !process 0 0; !process");
        String o = r.out();
        // NT-FACTS §2.2: 0x2E KiSystemService, 0x01 KiTrap01.
        assertEquals("2e:\t" + k("KiSystemService") + " nt!KiSystemService\n", after(o, "!idt 2e"));
        assertEquals("01:\t" + k("KiTrap01") + " nt!KiTrap01\n", after(o, "!idt 1"));
        assertTrue(after(o, "!pcr").contains("\t            SelfPcr: ffdff000\n\t               Prcb: ffdff120\n"), o);
        String t = after(o, "!thread");
        assertTrue(t.startsWith("THREAD " + hex(NtSystem.ETHREAD_ADDRESS) + "  Cid "), t);
        assertTrue(t.contains("RUNNING on processor 0"), t);
        assertTrue(t.contains("Owning Process            " + hex(NtSystem.EPROCESS_ADDRESS) + "       Image:         hello.exe"), t);
        assertTrue(t.contains("PreviousMode 1 (UserMode)"), t);
        assertTrue(t.contains("ChildEBP RetAddr"), "the stack: " + t);
        String p = after(o, "!process 0 0");
        assertTrue(p.startsWith("**** NT ACTIVE PROCESS DUMP ****\nPROCESS " + hex(NtSystem.EPROCESS_ADDRESS) + "  SessionId: 0  Cid: "), p);
        assertTrue(p.contains("    Image: hello.exe\n"), p);
        assertFalse(p.contains("THREAD"), p);
        assertTrue(after(o, "!process").contains("        THREAD " + hex(NtSystem.ETHREAD_ADDRESS)), o);
    }

    @Test
    void trapCxrExr() {
        CliRun r = debug(HELLO, "bp nt!NtWriteFile; g; .trap poi($thread+" + Integer.toHexString(
                ntgate.nt.layout.Layouts.KTHREAD.offset("TrapFrame")) + "); k");
        String t = after(r.out(), ".trap poi($thread+" + Integer.toHexString(ntgate.nt.layout.Layouts.KTHREAD.offset("TrapFrame")) + ")");
        // The user state SYSENTER left: SYSEXIT returns to KiFastSystemCallRet with CS 0x1B, SS 0x23 (NT-FACTS §2.1, §11).
        assertTrue(t.startsWith("ErrCode = 00000000\n"), t);
        assertTrue(t.contains("eip=" + ntdll("KiFastSystemCallRet")), t);
        assertTrue(t.contains("cs=001b  ss=0023"), t);
        assertTrue(t.contains("ntdll!KiFastSystemCallRet:\n"), t);
        assertTrue(after(r.out(), "k").startsWith("ChildEBP RetAddr\n"), r.out());
        assertTrue(after(r.out(), "k").split("\n")[1].endsWith(" ntdll!KiFastSystemCallRet"), r.out());

        // A CONTEXT and an EXCEPTION_RECORD written into the user stack's free space.
        int c = NtSystem.STACK_BOTTOM + 0x1000;
        String ctx = String.format("ed %x+b0 11111111; ed %x+a4 22222222; ed %x+b8 %s; ed %x+c4 0012ff00; ed %x+bc 1b; ed %x+c8 23; ed %x+c0 246; .cxr %x",
                c, c, c, ntdll("KiFastSystemCallRet"), c, c, c, c, c);
        String cx = after(debug(HELLO, ctx).out(), String.format(".cxr %x", c));
        assertTrue(cx.startsWith("eax=11111111 ebx=22222222 "), cx);
        assertTrue(cx.contains("eip=" + ntdll("KiFastSystemCallRet") + " esp=0012ff00 "), cx);
        assertTrue(cx.contains(" nv up ei pl zr na pe nc\ncs=001b  ss=0023"), cx);   // 0x246: IF ZF PF
        String ex = String.format("ed %x c0000005; ed %x+c 00400010; ed %x+10 2; ed %x+14 1; ed %x+18 0; .exr %x", c, c, c, c, c, c);
        String e = after(debug(HELLO, ex).out(), String.format(".exr %x", c));
        assertEquals("ExceptionAddress: 00400010 (hello!start+0x10)\n   ExceptionCode: c0000005 (Access violation)\n"
                + "  ExceptionFlags: 00000000\nNumberParameters: 2\n   Parameter[0]: 00000001\n   Parameter[1]: 00000000\n"
                + "Attempt to write to address 00000000\n", e);
    }

    // ---- code and memory ----------------------------------------------------------------------------------------

    @Test
    void assembleSearchAndUnassembleBackwards() throws Exception {
        String at = sym("after_int3");
        CliRun r = debug(prog.toString(), "a " + at + "\nmov eax, 0n42\nnop\n\ndb " + at + " L6; s -b program!msg L20 69 6e; s -a program!msg L20 \"memory\"; s -d program L80 " + "0" + "; ub program!f L1; uf program!g");
        String o = r.out();
        // SDM Vol.2B MOV B8+rd id; NOP 90.
        assertTrue(after(o, "db " + at + " L6").startsWith(at + "  b8 2a 00 00 00 90"), o);
        String needle = sym("msg");
        long n = Long.parseLong(needle, 16);
        assertTrue(after(o, "s -b program!msg L20 69 6e").startsWith(String.format("%08x  69 6e", n + 7)), o);   // "in" at +7
        assertTrue(after(o, "s -a program!msg L20 \"memory\"").startsWith(String.format("%08x  6d 65 6d 6f 72 79", n + 10)), o);
        // A module name is its base address; the dword 0 first appears in the image's header page gap or code.
        assertTrue(after(o, "s -d program L80 0").matches("(?s)004000[0-9a-f]{2}  .*"), o);
        String ub = after(o, "ub program!f L1");
        assertTrue(ub.contains("ret"), "the instruction before f is start's ret: " + ub);
        String uf = after(o, "uf program!g");
        assertTrue(uf.startsWith("calls!g:\n" + sym("g") + " "), uf);
        assertTrue(uf.contains("calls!g_out:\n"), uf);
        assertTrue(uf.contains(" jnz calls!g_out ("), uf);
        // The program ran with the assembled instruction: it exits with 42 instead of 7.
        CliRun run = debug(prog.toString(), "a " + at + "\nmov eax, 0n42\n\ng; gh");
        assertTrue(run.out().contains("the process exited with status 0x0000002A"), run.out());
    }

    @Test
    void watchTraceCountsInstructionsPerFunction() throws Exception {
        CliRun r = debug(prog.toString(), "bp program!f; g; wt");
        String w = after(r.out(), "wt");
        assertTrue(w.startsWith("Tracing calls!f to return address " + sym("after_calls").substring(0, 6)) || w.startsWith("Tracing calls!f to return address "), w);
        // f: push, mov, call (3) then g: mov, add, cmp, jne, ret (5) then f: pop, ret (2 more).
        assertTrue(w.contains("    3     0 [  0] calls!f\n"), w);
        assertTrue(w.contains("    5     0 [  1]   calls!g\n"), w);
        assertTrue(w.contains("    5     5 [  0] calls!f\n"), w);
        assertTrue(w.contains("10 instructions were executed in 10 events (0 from other threads)"), w);
        assertTrue(w.contains("Function Name                               Invocations MinInst MaxInst AvgInst\n"), w);
        assertTrue(w.contains("calls!g                                               1       5       5       5\n"), w);
    }

    @Test
    void taPaAndStepsOverTheGate() throws Exception {
        CliRun r = debug(prog.toString(), "bp program!start; g; pa " + sym("after_calls") + "; r eip");
        assertEquals("eip=" + sym("after_calls") + "\n", after(r.out(), "r eip"));
        CliRun t = debug(prog.toString(), "bp program!g; g; ta " + sym("g_out") + "; r eip");
        assertEquals("eip=" + sym("g_out") + "\n", after(t.out(), "r eip"));
        // p over sysenter in user mode is one step back to KiFastSystemCallRet (WinDbg's user-mode stepping).
        CliRun p = debug(HELLO, "bp ntdll!KiFastSystemCall+2; g; p");
        assertTrue(after(p.out(), "p").contains("ntdll!KiFastSystemCallRet:\n"), p.out());
        // t on int 2Eh in user mode (--int2e): one step, to the ret after it in KiIntSystemCall (NT-FACTS §11:
        // lea edx,[esp+8] is 4 bytes, int 2Eh 2 bytes), in ring 3 again.
        CliRun i = CliRun.of("debug", HELLO, "--int2e", "-c", "bp ntdll!KiIntSystemCall+4; g; t");
        String is = after(i.out(), "t");
        assertTrue(i.out().contains("int     2Eh") || i.out().contains("int 2Eh"), i.out());
        assertTrue(is.contains("eip=" + hex(booted.ntdllSymbol("KiIntSystemCall") + 6)) && is.contains("ntdll!KiIntSystemCall+0x6:"), is);
        assertTrue(is.contains("cs=001b"), is);
    }

    @Test
    void int3StopsTheDebuggerAndGhGoesOnGnLetsTheGuestHandleIt() throws Exception {
        CliRun h = debug(prog.toString(), "g; r eip; gh");
        assertTrue(h.out().contains("Break instruction exception - code 80000003 (first chance)"), h.out());
        // int3 is one byte (CC); eip is at it, as WinDbg shows a hard-coded breakpoint.
        assertTrue(after(h.out(), "r eip").startsWith("eip=" + hex(Long.parseLong(sym("after_int3"), 16) - 1)), h.out());
        assertTrue(h.out().contains("the process exited with status 0x00000007"), h.out());
        CliRun n = debug(prog.toString(), "g; gn");
        // Not handled: the guest's KiTrap03 raises STATUS_BREAKPOINT (0x80000003), and nothing handles it.
        assertTrue(n.out().contains("0x80000003"), n.out());
        assertFalse(n.out().contains("status 0x00000007"), n.out());
    }

    // ---- stacks and types ---------------------------------------------------------------------------------------

    @Test
    void stackThroughTheTrapFrameIntoUserMode() {
        CliRun r = debug(HELLO, "bp nt!NtWriteFile; g; k; kb; kv; kn; kp; k 2");
        String o = r.out();
        String[] k = after(o, "k").split("\n");
        assertEquals("ChildEBP RetAddr", k[0]);
        assertTrue(k[1].endsWith(" nt!NtWriteFile"), k[1]);
        // The service returns into the dispatcher (KiFastCallEntry's frame is the trap frame), which returns to
        // the user EIP SYSEXIT takes: ntdll!KiFastSystemCallRet; then the stub ZwWriteFile (mov, mov, call = +0xc).
        assertTrue(k[2].startsWith(hex(NtSystem.INITIAL_STACK - 0x29c).substring(0, 2)) || k[2].contains(" " + ntdll("KiFastSystemCallRet") + " nt!"), k[2]);
        assertTrue(k[2].contains(" " + ntdll("KiFastSystemCallRet") + " nt!"), k[2]);
        // NT-FACTS §15: a service returns to nt!KiFastCallEntry+0xFC (after XP's call ebx at +0xFA).
        assertTrue(k[1].startsWith(hex(booted.cpu.gpr[4]).substring(0, 0)) && k[1].contains(" " + hex(booted.kernelSymbol("KiFastCallEntry") + 0xFC) + " "), k[1]);
        assertTrue(k[2].endsWith(" nt!KiFastCallEntry+0xfc"), k[2]);
        assertTrue(k[3].endsWith(" ntdll!KiFastSystemCallRet"), k[3]);
        assertTrue(k[4].endsWith(" ntdll!ZwWriteFile+0xc"), k[4]);
        assertTrue(k[5].contains(" hello!start+0x"), k[5]);
        assertEquals("ChildEBP RetAddr  Args to Child", after(o, "kb").split("\n")[0]);
        assertTrue(after(o, "kb").split("\n")[1].matches("[0-9a-f]{8} [0-9a-f]{8} [0-9a-f]{8} [0-9a-f]{8} [0-9a-f]{8} nt!NtWriteFile"), o);
        assertTrue(after(o, "kv").contains("(FPO: [0,0] TrapFrame @ "), o);
        assertTrue(after(o, "kn").startsWith(" # ChildEBP RetAddr\n00 "), o);
        assertTrue(after(o, "kn").contains("\n01 "), o);
        assertEquals(after(o, "k"), after(o, "kp"));
        assertEquals(3, after(o, "k 2").split("\n").length, o);
    }

    @Test
    void dtRecursionBlocksAndFieldFilters() {
        CliRun r = debug(HELLO, "dt nt!_KTHREAD; dt -r1 nt!_KTHREAD ApcState; dt nt!_KTHREAD $thread Teb ApcState.Process; dt -b nt!_KTHREAD $thread Alerted; dt nt!_ETHREAD -r2 Tcb.ApcState.");
        String o = r.out();
        String plain = after(o, "dt nt!_KTHREAD");
        assertTrue(plain.contains("   +0x034 ApcState         : _KAPC_STATE\n"), plain);
        assertFalse(plain.contains("UserApcPending"), "nested members only with -r: " + plain);
        String r1 = after(o, "dt -r1 nt!_KTHREAD ApcState");
        assertTrue(r1.startsWith("   +0x034 ApcState         : _KAPC_STATE\n      +0x000 ApcListHead"), r1);
        assertTrue(r1.contains("      +0x016 UserApcPending   : UChar\n"), r1);   // NT-FACTS §2.5: ApcState+0x16 = KTHREAD+0x4A
        String f = after(o, "dt nt!_KTHREAD $thread Teb ApcState.Process");
        assertEquals("   +0x020 Teb              : 0x" + hex(ntgate.nt.layout.Nt.TEB_ADDRESS) + "\n   +0x034 ApcState         : _KAPC_STATE\n"
                + "      +0x010 Process          : 0x" + hex(NtSystem.EPROCESS_ADDRESS) + "\n", f);
        String b = after(o, "dt -b nt!_KTHREAD $thread Alerted");
        assertTrue(b.contains("   +0x02e Alerted          : [2] UChar\n      [00] 0x0\n      [01] 0x0\n"), b);
        String e = after(o, "dt nt!_ETHREAD -r2 Tcb.ApcState.");
        assertTrue(e.contains("   +0x000 Tcb              : _KTHREAD\n      +0x034 ApcState         : _KAPC_STATE\n"), e);
    }

    // ---- scripts, logs, help ------------------------------------------------------------------------------------

    @Test
    void scriptFilesLogsAndHelp() throws Exception {
        Path script = dir.resolve("s.txt");
        Files.writeString(script, "r $t0=7\n? $t0+1; $$ a comment\n");
        Path log = dir.resolve("log.txt");
        CliRun r = debug(HELLO, ".logopen " + log + "; $$<" + script + "; .logclose; ? 5; help");
        assertTrue(r.out().contains("kd> ? $t0+1\nEvaluate expression: 8 = 00000008\n"), r.out());
        String logged = Files.readString(log);
        assertTrue(logged.contains("Evaluate expression: 8 = 00000008"), logged);
        assertFalse(logged.contains("Evaluate expression: 5 "), "after .logclose: " + logged);
        String help = after(r.out(), "help");
        for (String c : new String[] {"bp ", "ba ", "bu ", "bm ", "x ", "ln ", "lm ", "dg ", "!pte ", "!vtop ", ".trap ", ".cxr ",
            ".exr ", "a ", "s ", "ub ", "uf ", "wt ", "ta ", "pa ", "k|kb|kv|kn|kp", "dt ", ".formats ", ".logopen ", "$$<", "rdmsr ", "wrmsr "}) {
            assertTrue(help.contains("\n" + c) || help.startsWith(c), c + " in help:\n" + help);
        }
    }

    @Test
    void splitKeepsQuotedAndBracedSemicolons() {
        assertEquals(java.util.List.of("bp x \"r; g\"", "g"), Debugger.split("bp x \"r; g\"; g"));
        assertEquals(java.util.List.of(".if (1) { r; g } .else { t }", "k"), Debugger.split(".if (1) { r; g } .else { t }; k"));
        assertEquals(java.util.List.of("j (eax==0) 'r' ; 'gc'"), Debugger.split("j (eax==0) 'r';'gc'"));
    }

    @Test
    void monitorReturnsTheOutputOfOneCommandLine() throws Exception {
        NtSystem s = NtSystem.boot(Files.readString(Path.of(HELLO)), HELLO, new NtSystem.Options());
        java.io.ByteArrayOutputStream console = new java.io.ByteArrayOutputStream();
        Debugger d = new Debugger(s, new java.io.PrintStream(console, true), 1_000_000);
        assertEquals("Evaluate expression: 3 = 00000003\n$pcr=ffdff000\n", d.monitor("? 1+2; r $pcr"));
        assertTrue(d.monitor("q").startsWith("q is not available here"));
        assertEquals("", console.toString());
    }

    @Test
    void exitStatusIsThreeAfterABugCheckOrATripleFault() {
        assertEquals(0, debug(HELLO, "g").exit());
        // A kernel-mode page fault nothing handles: KERNEL_MODE_EXCEPTION_NOT_HANDLED (0x8E) with c0000005.
        CliRun bug = debug(HELLO, "r eip=0; g; r eip");
        assertTrue(bug.out().contains("bug check 0x0000008E (0xc0000005"), bug.out());
        assertEquals(3, bug.exit(), bug.out());
        // No IDT at all: the #PF cannot be delivered, nor the #DF after it (SDM Vol.3A 6.15, interrupt 8): shutdown.
        CliRun tf = debug(HELLO, "r idtl=0; r eip=0; g");
        assertTrue(tf.out().contains("triple fault"), tf.out());
        assertEquals(3, tf.exit(), tf.out());
    }

    @Test
    void stringsDisableEnableGoUpAndModuleFilters() throws Exception {
        int a = NtSystem.STACK_BOTTOM + 0x1000;
        CliRun r = debug(prog.toString(), String.format("eza %x \"abc\"; da %x; ezu %x+10 \"wide\"; du %x+10; db %x+10 L4;"
                + " bp program!g; bd 0; bl; be 0; g; gu; r eip; dds esp+4 L1; lm k; lm u", a, a, a, a, a));
        String o = r.out();
        assertEquals(String.format("%08x  \"abc\"%n", a), after(o, String.format("da %x", a)));
        assertEquals(String.format("%08x  \"wide\"%n", a + 0x10), after(o, String.format("du %x+10", a)));
        assertTrue(after(o, String.format("db %x+10 L4", a)).startsWith(String.format("%08x  77 00 69 00", a + 0x10)), o);  // UTF-16LE
        assertTrue(after(o, "bl").startsWith(" 0 d  " + sym("g")), o);
        // gu from g's first instruction returns into f after its call g (5 bytes: E8 rel32).
        assertEquals("eip=" + hex(Long.parseLong(sym("f"), 16) + 3 + 5) + "\n", after(o, "r eip"));
        // f saved ebp at [esp]; its return address into start is above it.
        assertTrue(after(o, "dds esp+4 L1").matches("[0-9a-f]{8}  [0-9a-f]{8} calls!start\\+0x[0-9a-f]+\\n"), o);
        assertTrue(after(o, "lm k").contains("   nt ") && !after(o, "lm k").contains("ntdll"), o);
        assertTrue(after(o, "lm u").contains("   ntdll ") && !after(o, "lm u").contains("ntkrnlpa"), o);
    }
}
