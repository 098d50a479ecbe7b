package ntgate.debug;

import ntgate.nt.NtStatus;
import ntgate.nt.NtSystem;
import ntgate.nt.layout.Layouts;
import ntgate.nt.layout.Struct;

import java.util.Locale;

/**
 * The machine's structures as WinDbg shows them: {@code dg} (GDT descriptors), {@code !pte} and {@code !vtop}
 * (the PAE walk: PDPTE, PDE, PTE), {@code !idt [N]}, {@code !pcr}, {@code !thread}, {@code !process [0 0]},
 * {@code .trap}, {@code .cxr}, {@code .exr}.
 */
final class Machine {
    /** XP's PAE self-map: the PTEs at 0xC0000000, the PDEs at 0xC0600000 (MiGetPteAddress / MiGetPdeAddress). */
    private static final int PTE_BASE = 0xC0000000, PDE_BASE = 0xC0600000;

    private final Debugger d;

    Machine(Debugger d) {
        this.d = d;
    }

    void register() {
        d.command("dg", "dg sel [sel]  GDT descriptors", this::dg);
        d.command("!pte", "!pte va  the PAE page-table entries of an address", this::pte);
        d.command("!vtop", "!vtop dirbase va  translate an address (dirbase 0: CR3)", this::vtop);
        d.command("!idt", "!idt [N|-a]  interrupt descriptors", this::idt);
        d.command("!pcr", "!pcr  the processor control region", (a, l) -> pcr());
        d.command("!thread", "!thread [addr]  a thread", this::thread);
        d.command("!process", "!process [0 0]  the process (0 0: one line each)", this::process);
        d.command(".trap", ".trap addr  the registers of a KTRAP_FRAME", this::trap);
        d.command(".cxr", ".cxr addr  the registers of a CONTEXT", this::cxr);
        d.command(".exr", ".exr addr  an EXCEPTION_RECORD", this::exr);
    }

    // ---- dg -----------------------------------------------------------------------------------------------------

    private void dg(String args, String line) {
        String[] t = args.strip().split("\\s+");
        if (t[0].isEmpty() || t.length > 2) throw DebugError.syntax(line);
        int first = d.eval(t[0]) & 0xFFF8, last = t.length == 2 ? d.eval(t[1]) & 0xFFF8 : first;
        d.out.println("                                  P Si Gr Pr Lo");
        d.out.println("Sel    Base     Limit     Type    l ze an es ng Flags");
        d.out.println("---- -------- -------- ---------- - -- -- -- -- --------");
        for (int sel = first; sel <= last; sel += 8) {
            if ((sel | 7) > d.cpu.st.gdtrLimit) {
                d.out.printf(Locale.ROOT, "%04x <selector is past the GDT limit>%n", sel);
                continue;
            }
            int e = d.cpu.st.gdtrBase + sel;
            if (!d.readable(e, 8)) {
                d.out.printf(Locale.ROOT, "%04x Unable to get descriptor%n", sel);
                continue;
            }
            d.out.println(descriptor(sel, d.peek(e, 4), d.peek(e + 4, 4)));
        }
    }

    /** One {@code dg} line. */
    static String descriptor(int sel, int lo, int hi) {
        int base = (lo >>> 16) | ((hi & 0xFF) << 16) | (hi & 0xFF000000);
        int limit = (lo & 0xFFFF) | (hi & 0xF0000);
        boolean g = (hi & (1 << 23)) != 0;
        if (g) limit = (limit << 12) | 0xFFF;
        int flags = ((hi >>> 8) & 0xFF) | (((hi >>> 20) & 0xF) << 8);
        boolean present = (hi & 0x8000) != 0, s = (hi & 0x1000) != 0;
        int type = (hi >>> 8) & 0xF, dpl = (hi >>> 13) & 3;
        String kind;
        if (lo == 0 && hi == 0) {
            kind = "<Reserved>";
        } else if (s) {
            boolean code = (type & 8) != 0, accessed = (type & 1) != 0;
            kind = code ? "Code " + ((type & 2) != 0 ? "RE" : "EO") : "Data " + ((type & 2) != 0 ? "RW" : "RO");
            if (accessed) kind += " Ac";
        } else {
            kind = switch (type) {
                case 1 -> "TSS16 Avl";
                case 2 -> "LDT";
                case 3 -> "TSS16 Busy";
                case 4 -> "CallGate16";
                case 5 -> "TaskGate";
                case 6 -> "Int Gate16";
                case 7 -> "TrapGate16";
                case 9 -> "TSS32 Avl";
                case 0xB -> "TSS32 Busy";
                case 0xC -> "CallGate32";
                case 0xE -> "Int Gate32";
                case 0xF -> "TrapGate32";
                default -> "<Reserved>";
            };
        }
        boolean big = (hi & (1 << 22)) != 0, longMode = (hi & (1 << 21)) != 0;
        return String.format(Locale.ROOT, "%04x %08x %08x %-10s %d %s %s %-2s %s %08x", sel, base, limit, kind, dpl,
                big ? "Bg" : "Nb", g ? "Pg" : "By", present ? "P" : "Np", longMode ? "Lo" : "Nl", flags);
    }

    // ---- paging -------------------------------------------------------------------------------------------------

    private long phys64(long p) {
        if (!d.cpu.mem.backed(p) || !d.cpu.mem.backed(p + 7)) throw new DebugError(String.format(Locale.ROOT, "physical address %x is not backed", p));
        return d.cpu.mem.read64(p);
    }

    /** WinDbg's flag letters: C G L D A N T U/K W/R E V ({@code ---DA--UWEV}). */
    static String pteFlags(long e) {
        boolean nx = e < 0;
        return "-"
                + ((e & 0x100) != 0 ? "G" : "-")
                + ((e & 0x80) != 0 ? "L" : "-")
                + ((e & 0x40) != 0 ? "D" : "-")
                + ((e & 0x20) != 0 ? "A" : "-")
                + ((e & 0x10) != 0 ? "N" : "-")
                + ((e & 0x8) != 0 ? "T" : "-")
                + ((e & 0x4) != 0 ? "U" : "K")
                + ((e & 0x2) != 0 ? "W" : "R")
                + (nx ? "-" : "E")
                + ((e & 0x1) != 0 ? "V" : "-");
    }

    private static long pfn(long e) {
        return (e & 0x000FFFFFFFFFF000L) >>> 12;
    }

    private void pte(String args, String line) {
        if (args.isEmpty()) throw DebugError.syntax(line);
        int va = d.eval(args);
        if ((d.cpu.st.cr4 & 0x20) == 0) throw new DebugError("CR4.PAE is clear: this machine is not using PAE paging");
        long cr3 = Integer.toUnsignedLong(d.cpu.st.cr3) & ~0x1FL;
        long pdpte = phys64(cr3 + ((va >>> 30) & 3) * 8L);
        int pdeVa = PDE_BASE + ((va >>> 21) << 3);
        int pteVa = PTE_BASE + ((va >>> 12) << 3);
        d.out.printf(Locale.ROOT, "                 VA %08x%n", va);
        if ((pdpte & 1) == 0) {
            d.out.printf(Locale.ROOT, "PDPTE %016x is not present%n", pdpte);
            return;
        }
        long pde = phys64((pdpte & 0x000FFFFFFFFFF000L) + ((va >>> 21) & 0x1FF) * 8L);
        boolean large = (pde & 1) != 0 && (pde & 0x80) != 0;
        if ((pde & 1) == 0 || large) {
            d.out.printf(Locale.ROOT, "PDE at %08x            PTE at %08x%n", pdeVa, pteVa);
            d.out.printf(Locale.ROOT, "contains %016x  %s%n", pde, large ? "" : "");
            d.out.printf(Locale.ROOT, "pfn %-5x     %s  %s%n", pfn(pde), pteFlags(pde), large ? "LARGE PAGE" : "not valid");
            return;
        }
        long pte = phys64((pde & 0x000FFFFFFFFFF000L) + ((va >>> 12) & 0x1FF) * 8L);
        d.out.printf(Locale.ROOT, "PDE at %08x            PTE at %08x%n", pdeVa, pteVa);
        d.out.printf(Locale.ROOT, "contains %016x  contains %016x%n", pde, pte);
        d.out.printf(Locale.ROOT, "pfn %-5x     %s  %s%n", pfn(pde), pteFlags(pde),
                (pte & 1) != 0 ? String.format(Locale.ROOT, "pfn %-5x     %s", pfn(pte), pteFlags(pte)) : "not valid");
    }

    private void vtop(String args, String line) {
        String[] t = args.strip().split("\\s+");
        if (t.length != 2) throw DebugError.syntax(line);
        int dir = d.eval(t[0]);
        int va = d.eval(t[1]);
        long base = dir == 0 ? Integer.toUnsignedLong(d.cpu.st.cr3) : Integer.toUnsignedLong(dir);
        base &= ~0x1FL;
        d.out.printf(Locale.ROOT, "X86VtoP: Virt %08x, pagedir %x%n", va, base);
        long pdpteAt = base + ((va >>> 30) & 3) * 8L;
        long pdpte = phys64(pdpteAt);
        d.out.printf(Locale.ROOT, "X86VtoP: PAE PDPE %x - %016x%n", pdpteAt, pdpte);
        if ((pdpte & 1) == 0) {
            d.out.println("X86VtoP: PAE PDPE not present, 0xc0000005");
            d.out.printf(Locale.ROOT, "Virtual address %x translation fails, error 0xD0000147.%n", va);
            return;
        }
        long pdeAt = (pdpte & 0x000FFFFFFFFFF000L) + ((va >>> 21) & 0x1FF) * 8L;
        long pde = phys64(pdeAt);
        d.out.printf(Locale.ROOT, "X86VtoP: PAE PDE %x - %016x%n", pdeAt, pde);
        if ((pde & 1) == 0) {
            d.out.println("X86VtoP: PAE PDE not present, 0xc0000005");
            d.out.printf(Locale.ROOT, "Virtual address %x translation fails, error 0xD0000147.%n", va);
            return;
        }
        long physical;
        if ((pde & 0x80) != 0) {
            physical = (pde & 0x000FFFFFFFE00000L) | (va & 0x1FFFFF);
            d.out.printf(Locale.ROOT, "X86VtoP: PAE Large page mapped phys %x%n", physical);
        } else {
            long pteAt = (pde & 0x000FFFFFFFFFF000L) + ((va >>> 12) & 0x1FF) * 8L;
            long pte = phys64(pteAt);
            d.out.printf(Locale.ROOT, "X86VtoP: PAE PTE %x - %016x%n", pteAt, pte);
            if ((pte & 1) == 0) {
                d.out.println("X86VtoP: PAE PTE not present, 0xc0000005");
                d.out.printf(Locale.ROOT, "Virtual address %x translation fails, error 0xD0000147.%n", va);
                return;
            }
            physical = (pte & 0x000FFFFFFFFFF000L) | (va & 0xFFF);
            d.out.printf(Locale.ROOT, "X86VtoP: PAE Mapped phys %x%n", physical);
        }
        d.out.printf(Locale.ROOT, "Virtual address %x translates to physical address %x.%n", va, physical);
    }

    // ---- IDT, PCR, thread, process ------------------------------------------------------------------------------

    private void idt(String args, String line) {
        int base = d.cpu.st.idtrBase, count = (d.cpu.st.idtrLimit + 1) / 8;
        if (!args.isEmpty() && !args.equals("-a")) {
            int v = d.eval(args);
            if (v < 0 || v >= count) throw new DebugError(String.format(Locale.ROOT, "vector %x is past the IDT limit", v));
            String e = entry(base, v);
            d.out.println(e != null ? e : String.format(Locale.ROOT, "%02x:\t(not present)", v));
            return;
        }
        d.out.println("Dumping IDT: " + Debugger.hex(base));
        d.out.println();
        for (int v = 0; v < count; v++) {
            String e = entry(base, v);
            if (e != null) d.out.println(e);
        }
    }

    private String entry(int base, int v) {
        int e = base + v * 8;
        if (!d.readable(e, 8)) return null;
        int lo = d.peek(e, 4), hi = d.peek(e + 4, 4);
        if ((hi & 0x8000) == 0) return null;
        int type = (hi >>> 8) & 0x1F;
        if ((type & 7) == 5) return String.format(Locale.ROOT, "%02x:\tTask Selector = 0x%04X", v, lo >>> 16);
        int handler = (hi & 0xFFFF0000) | (lo & 0xFFFF);
        return String.format(Locale.ROOT, "%02x:\t%08x %s", v, handler, d.sys.symbolAt(handler).orElse(""));
    }

    private void pcr() {
        Struct p = Layouts.KPCR;
        int b = Debugger.KPCR_ADDRESS;
        d.out.printf(Locale.ROOT, "KPCR for Processor %d at %08x:%n", d.field(p, b, "Number"), b);
        d.out.printf(Locale.ROOT, "    Major %d Minor %d%n", d.field(p, b, "MajorVersion"), d.field(p, b, "MinorVersion"));
        d.out.printf(Locale.ROOT, "\tNtTib.ExceptionList: %08x%n", d.field(p, b, "NtTib.ExceptionList"));
        d.out.printf(Locale.ROOT, "\t    NtTib.StackBase: %08x%n", d.field(p, b, "NtTib.StackBase"));
        d.out.printf(Locale.ROOT, "\t   NtTib.StackLimit: %08x%n", d.field(p, b, "NtTib.StackLimit"));
        d.out.printf(Locale.ROOT, "\t            SelfPcr: %08x%n", d.field(p, b, "SelfPcr"));
        d.out.printf(Locale.ROOT, "\t               Prcb: %08x%n", d.field(p, b, "Prcb"));
        d.out.printf(Locale.ROOT, "\t               Irql: %08x%n", d.field(p, b, "Irql"));
        d.out.printf(Locale.ROOT, "\t                IDT: %08x%n", d.field(p, b, "IDT"));
        d.out.printf(Locale.ROOT, "\t                GDT: %08x%n", d.field(p, b, "GDT"));
        d.out.printf(Locale.ROOT, "\t                TSS: %08x%n", d.field(p, b, "TSS"));
        d.out.println();
        d.out.printf(Locale.ROOT, "\t      CurrentThread: %08x%n", d.field(p, b, "PrcbData.CurrentThread"));
        d.out.printf(Locale.ROOT, "\t         NextThread: %08x%n", d.field(p, b, "PrcbData.NextThread"));
        d.out.printf(Locale.ROOT, "\t         IdleThread: %08x%n", d.field(p, b, "PrcbData.IdleThread"));
        d.out.println();
        d.out.printf(Locale.ROOT, "\t      KeSystemCalls: %d%n", d.field(p, b, "PrcbData.KeSystemCalls"));
    }

    private String imageName() {
        return d.sys.image.name().contains(".") ? d.sys.image.name() : d.sys.image.name() + ".exe";
    }

    private void thread(String args, String line) {
        Struct t = Layouts.KTHREAD;
        int th = args.isEmpty() ? d.currentThread() : d.eval(args);
        int proc = d.field(t, th, "ApcState.Process");
        int mode = d.field(t, th, "PreviousMode");
        int tf = d.field(t, th, "TrapFrame");
        int st = d.field(t, th, "ServiceTable");
        int cidP = d.field(Layouts.ETHREAD, th, "Cid.UniqueProcess"), cidT = d.field(Layouts.ETHREAD, th, "Cid.UniqueThread");
        boolean running = th == d.currentThread();
        d.out.printf(Locale.ROOT, "THREAD %08x  Cid %04x.%04x  Teb: %08x Win32Thread: %08x %s%n", th, cidP, cidT,
                d.field(t, th, "Teb"), d.field(t, th, "Win32Thread"), running ? "RUNNING on processor 0" : "WAIT");
        d.out.println("Not impersonating");
        d.out.printf(Locale.ROOT, "Owning Process            %08x       Image:         %s%n", proc, imageName());
        d.out.printf(Locale.ROOT, "Context Switch Count      %d%n", d.field(t, th, "ContextSwitches"));
        d.out.printf(Locale.ROOT, "Win32 Start Address 0x%08x%n", d.field(Layouts.ETHREAD, th, "Win32StartAddress"));
        d.out.printf(Locale.ROOT, "Start Address 0x%08x%n", d.field(Layouts.ETHREAD, th, "StartAddress"));
        d.out.printf(Locale.ROOT, "Stack Init %x Current %x Base %x Limit %x Call %x%n", d.field(t, th, "InitialStack"),
                d.field(t, th, "KernelStack"), d.field(t, th, "StackBase"), d.field(t, th, "StackLimit"), d.field(t, th, "CallbackStack"));
        d.out.printf(Locale.ROOT, "TrapFrame %08x  PreviousMode %d (%s)  ServiceTable %08x (%s)  DebugActive %d%n", tf, mode,
                mode == 0 ? "KernelMode" : "UserMode", st, d.sys.symbolize(st), d.field(t, th, "DebugActive"));
        d.out.printf(Locale.ROOT, "KernelApcDisable %d  UserApcPending %d%n", d.field(t, th, "KernelApcDisable"),
                d.field(t, th, "ApcState.UserApcPending"));
        if (running) d.stack.walk(null, "k", 0x20);
    }

    private void process(String args, String line) {
        String[] t = args.strip().isEmpty() ? new String[0] : args.strip().split("\\s+");
        boolean brief = t.length >= 2 && d.eval(t[1]) == 0;
        if (t.length > 0 && d.eval(t[0]) == 0) d.out.println("**** NT ACTIVE PROCESS DUMP ****");
        int p = NtSystem.EPROCESS_ADDRESS;
        int th = d.currentThread();
        int teb = d.field(Layouts.KTHREAD, th, "Teb");
        int peb = d.readable(teb + Layouts.TEB.offset("ProcessEnvironmentBlock"), 4) ? d.peek(teb + Layouts.TEB.offset("ProcessEnvironmentBlock"), 4) : 0;
        d.out.printf(Locale.ROOT, "PROCESS %08x  SessionId: 0  Cid: %04x    Peb: %08x  ParentCid: 0000%n", p,
                d.field(Layouts.EPROCESS, p, "UniqueProcessId"), peb);
        d.out.printf(Locale.ROOT, "    DirBase: %08x  ObjectTable: 00000000  HandleCount:   0.%n", d.cpu.st.cr3);
        d.out.printf(Locale.ROOT, "    Image: %s%n", imageName());
        if (brief) return;
        d.out.println();
        d.out.printf(Locale.ROOT, "        THREAD %08x  Cid %04x.%04x  Teb: %08x Win32Thread: %08x RUNNING on processor 0%n", th,
                d.field(Layouts.ETHREAD, th, "Cid.UniqueProcess"), d.field(Layouts.ETHREAD, th, "Cid.UniqueThread"), teb,
                d.field(Layouts.KTHREAD, th, "Win32Thread"));
    }

    // ---- register contexts --------------------------------------------------------------------------------------

    /** A register set read from memory (a trap frame or a CONTEXT). */
    record Context(int eax, int ebx, int ecx, int edx, int esi, int edi, int eip, int esp, int ebp, int efl,
                   int cs, int ss, int ds, int es, int fs, int gs) {
    }

    private void trap(String args, String line) {
        if (args.isEmpty()) {
            d.stack.context = null;
            d.out.println("Resetting default scope");
            return;
        }
        int tf = d.eval(args);
        Struct k = Layouts.KTRAP_FRAME;
        if (!d.readable(tf, k.size())) throw DebugError.memory(Debugger.hex(tf));
        int cs = d.field(k, tf, "SegCs") & 0xFFFF;
        boolean user = (cs & 1) != 0;
        int esp = user ? d.field(k, tf, "HardwareEsp") : tf + k.offset("HardwareEsp");
        int ss = user ? d.field(k, tf, "HardwareSegSs") & 0xFFFF : 0x10;
        Context c = new Context(d.field(k, tf, "Eax"), d.field(k, tf, "Ebx"), d.field(k, tf, "Ecx"), d.field(k, tf, "Edx"),
                d.field(k, tf, "Esi"), d.field(k, tf, "Edi"), d.field(k, tf, "Eip"), esp, d.field(k, tf, "Ebp"),
                d.field(k, tf, "EFlags"), cs, ss, d.field(k, tf, "SegDs") & 0xFFFF, d.field(k, tf, "SegEs") & 0xFFFF,
                d.field(k, tf, "SegFs") & 0xFFFF, d.field(k, tf, "SegGs") & 0xFFFF);
        d.out.printf(Locale.ROOT, "ErrCode = %08x%n", d.field(k, tf, "ErrCode"));
        show(c);
    }

    private void cxr(String args, String line) {
        if (args.isEmpty()) {
            d.stack.context = null;
            d.out.println("Resetting default scope");
            return;
        }
        int a = d.eval(args);
        Struct x = Layouts.CONTEXT;
        if (!d.readable(a, 0xCC)) throw DebugError.memory(Debugger.hex(a));
        Context c = new Context(d.field(x, a, "Eax"), d.field(x, a, "Ebx"), d.field(x, a, "Ecx"), d.field(x, a, "Edx"),
                d.field(x, a, "Esi"), d.field(x, a, "Edi"), d.field(x, a, "Eip"), d.field(x, a, "Esp"), d.field(x, a, "Ebp"),
                d.field(x, a, "EFlags"), d.field(x, a, "SegCs") & 0xFFFF, d.field(x, a, "SegSs") & 0xFFFF,
                d.field(x, a, "SegDs") & 0xFFFF, d.field(x, a, "SegEs") & 0xFFFF, d.field(x, a, "SegFs") & 0xFFFF,
                d.field(x, a, "SegGs") & 0xFFFF);
        show(c);
    }

    /** Prints a register set as {@code r} does and makes it the scope {@code k} walks from. */
    private void show(Context c) {
        d.out.printf(Locale.ROOT, "eax=%08x ebx=%08x ecx=%08x edx=%08x esi=%08x edi=%08x%n", c.eax, c.ebx, c.ecx, c.edx, c.esi, c.edi);
        d.out.printf(Locale.ROOT, "eip=%08x esp=%08x ebp=%08x iopl=%d         %s%n", c.eip, c.esp, c.ebp, (c.efl >>> 12) & 3,
                Registers.flags(c.efl));
        d.out.printf(Locale.ROOT, "cs=%04x  ss=%04x  ds=%04x  es=%04x  fs=%04x  gs=%04x             efl=%08x%n",
                c.cs, c.ss, c.ds, c.es, c.fs, c.gs, c.efl);
        d.code.listing(c.eip, 1, true);
        d.stack.context = c;
    }

    private void exr(String args, String line) {
        if (args.isEmpty()) throw DebugError.syntax(line);
        int a = d.eval(args);
        Struct x = Layouts.EXCEPTION_RECORD;
        if (!d.readable(a, 0x14)) throw DebugError.memory(Debugger.hex(a));
        int code = d.field(x, a, "ExceptionCode");
        int addr = d.field(x, a, "ExceptionAddress");
        int n = d.field(x, a, "NumberParameters");
        d.out.printf(Locale.ROOT, "ExceptionAddress: %08x (%s)%n", addr, d.sys.symbolize(addr));
        d.out.printf(Locale.ROOT, "   ExceptionCode: %08x (%s)%n", code, exceptionName(code));
        d.out.printf(Locale.ROOT, "  ExceptionFlags: %08x%n", d.field(x, a, "ExceptionFlags"));
        d.out.printf(Locale.ROOT, "NumberParameters: %d%n", n);
        int info = a + x.offset("ExceptionInformation");
        for (int i = 0; i < Math.min(n, 15); i++) d.out.printf(Locale.ROOT, "   Parameter[%d]: %08x%n", i, d.need32(info + 4 * i));
        if (code == 0xC0000005 && n >= 2) {
            int rw = d.need32(info);
            d.out.printf(Locale.ROOT, "Attempt to %s address %08x%n", rw == 0 ? "read from" : rw == 8 ? "execute" : "write to", d.need32(info + 4));
        }
    }

    /** The names WinDbg gives exception codes in {@code .exr}. */
    static String exceptionName(int code) {
        return switch (code) {
            case 0xC0000005 -> "Access violation";
            case 0x80000003 -> "Break instruction exception";
            case 0x80000004 -> "Single step exception";
            case 0xC0000094 -> "Integer divide-by-zero";
            case 0xC0000095 -> "Integer overflow";
            case 0xC000001D -> "Illegal instruction";
            case 0xC0000096 -> "Privileged instruction";
            case 0x80000001 -> "Guard page violation";
            case 0xC000008C -> "Array bounds exceeded";
            case 0xC00000FD -> "Stack overflow";
            default -> NtStatus.describe(code);
        };
    }
}
