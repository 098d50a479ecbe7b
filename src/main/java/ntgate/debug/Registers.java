package ntgate.debug;

import ntgate.cpu.CpuState;
import ntgate.cpu.exec.Sys;
import ntgate.nt.layout.Layouts;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * {@code r}, {@code rdmsr}, {@code wrmsr}: every register WinDbg knows on x86 (the general registers and their
 * 16- and 8-bit parts, eip, efl and the flag names of, df, if, tf, sf, zf, af, pf, cf, iopl, vif, vip; the
 * segment registers, loaded from the GDT when set; dr0-dr7, cr0/cr2/cr3/cr4, gdtr/gdtl, idtr/idtl, tr, ldtr) and
 * the pseudo-registers $teb, $peb, $thread, $proc, $pcr, $prcb, $ip, $csp, $ra, $retreg, $exp, $t0-$t19.
 * The x87 registers (st0-st7, fpcw, fpsw, fptw) belong in {@link #value} and {@link #set} beside these, and in
 * {@link #show} after the segment line, as WinDbg's {@code rF} shows them.
 */
final class Registers {
    static final String[] GPR = {"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"};
    static final String[] GPR16 = {"ax", "cx", "dx", "bx", "sp", "bp", "si", "di"};
    static final String[] GPR8 = {"al", "cl", "dl", "bl", "ah", "ch", "dh", "bh"};
    static final String[] SEG = {"es", "cs", "ss", "ds", "fs", "gs"};
    /** Flag names and their EFLAGS bits. */
    private static final String[] FLAG_NAMES = {"cf", "pf", "af", "zf", "sf", "tf", "if", "df", "of", "vif", "vip"};
    private static final int[] FLAG_BITS = {CpuState.CF, CpuState.PF, CpuState.AF, CpuState.ZF, CpuState.SF, CpuState.TF,
        CpuState.IF, CpuState.DF, CpuState.OF, 1 << 19, 1 << 20};

    private final Debugger d;
    private final int[] temps = new int[20];
    /** {@code $exp}: the last value {@code ?} evaluated. */
    int lastExpression;

    Registers(Debugger d) {
        this.d = d;
    }

    void register() {
        d.command("r", "r [reg[=expr][, ...]]  registers, pseudo-registers ($teb, $t0, ...), flags (r zf=1)", (a, l) -> reg(a));
        d.command("rdmsr", "rdmsr msr  read a model-specific register", this::rdmsr);
        d.command("wrmsr", "wrmsr msr value  write a model-specific register", this::wrmsr);
    }

    boolean known(String name) {
        return value(name.strip()) != null;
    }

    private void reg(String args) {
        if (args.isEmpty()) {
            show();
            return;
        }
        for (String assignment : args.split(",")) {
            String a = assignment.strip();
            int eq = a.indexOf('=');
            String name = (eq < 0 ? a : a.substring(0, eq)).strip().toLowerCase(Locale.ROOT);
            if (name.startsWith("@")) name = name.substring(1);
            Integer cur = value(name);
            if (cur == null) throw DebugError.syntax(a);
            if (eq < 0) {
                d.out.println(name + "=" + format(name, cur));
                continue;
            }
            set(name, d.eval(a.substring(eq + 1)), a);
        }
    }

    /** A register's value as {@code r name} prints it: as many hex digits as it has. */
    private static String format(String name, int v) {
        if (Arrays.asList(GPR8).contains(name)) return String.format(Locale.ROOT, "%02x", v);
        if (Arrays.asList(FLAG_NAMES).contains(name) || name.equals("iopl")) return Integer.toString(v);
        if (Arrays.asList(GPR16).contains(name) || Arrays.asList(SEG).contains(name)
                || List.of("tr", "ldtr", "gdtl", "idtl", "ip").contains(name)) {
            return String.format(Locale.ROOT, "%04x", v);
        }
        return String.format(Locale.ROOT, "%08x", v);
    }

    /** The register's or pseudo-register's value, or null when {@code name} is none. */
    Integer value(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        if (n.startsWith("@")) n = n.substring(1);
        CpuState st = d.cpu.st;
        int[] g = d.cpu.gpr;
        for (int i = 0; i < 8; i++) {
            if (GPR[i].equals(n)) return g[i];
            if (GPR16[i].equals(n)) return g[i] & 0xFFFF;
            if (GPR8[i].equals(n)) return i < 4 ? g[i] & 0xFF : (g[i - 4] >>> 8) & 0xFF;
        }
        for (int i = 0; i < 6; i++) if (SEG[i].equals(n)) return st.segSel[i];
        for (int i = 0; i < FLAG_NAMES.length; i++) if (FLAG_NAMES[i].equals(n)) return (st.eflags() & FLAG_BITS[i]) != 0 ? 1 : 0;
        if (n.startsWith("$t") && n.length() > 2 && n.substring(2).chars().allMatch(Character::isDigit)) {
            int t = Integer.parseInt(n.substring(2));
            return t < temps.length ? temps[t] : null;
        }
        return switch (n) {
            case "eip", "$ip" -> st.eip;
            case "ip" -> st.eip & 0xFFFF;
            case "efl" -> st.eflags();
            case "iopl" -> st.iopl();
            case "cr0" -> st.cr0;
            case "cr2" -> st.cr2;
            case "cr3" -> st.cr3;
            case "cr4" -> st.cr4;
            case "dr0" -> st.dr[0];
            case "dr1" -> st.dr[1];
            case "dr2" -> st.dr[2];
            case "dr3" -> st.dr[3];
            case "dr6" -> st.dr[6];
            case "dr7" -> st.dr[7];
            case "gdtr" -> st.gdtrBase;
            case "gdtl" -> st.gdtrLimit & 0xFFFF;
            case "idtr" -> st.idtrBase;
            case "idtl" -> st.idtrLimit & 0xFFFF;
            case "tr" -> st.trSel & 0xFFFF;
            case "ldtr" -> st.ldtrSel & 0xFFFF;
            case "$csp" -> g[4];
            case "$retreg" -> g[0];
            case "$exp" -> lastExpression;
            case "$ra" -> d.stack.returnAddress();
            case "$pcr" -> Debugger.KPCR_ADDRESS;
            case "$prcb" -> d.need32(Debugger.KPCR_ADDRESS + Layouts.KPCR.offset("Prcb"));
            case "$thread" -> d.currentThread();
            case "$proc" -> d.field(Layouts.KTHREAD, d.currentThread(), "ApcState.Process");
            case "$teb" -> d.field(Layouts.KTHREAD, d.currentThread(), "Teb");
            case "$peb" -> d.need32(d.field(Layouts.KTHREAD, d.currentThread(), "Teb") + Layouts.TEB.offset("ProcessEnvironmentBlock"));
            default -> null;
        };
    }

    private void set(String n, int v, String text) {
        CpuState st = d.cpu.st;
        int[] g = d.cpu.gpr;
        for (int i = 0; i < 8; i++) {
            if (GPR[i].equals(n)) {
                g[i] = v;
                return;
            }
            if (GPR16[i].equals(n)) {
                g[i] = (g[i] & 0xFFFF0000) | (v & 0xFFFF);
                return;
            }
            if (GPR8[i].equals(n)) {
                if (i < 4) g[i] = (g[i] & ~0xFF) | (v & 0xFF);
                else g[i - 4] = (g[i - 4] & ~0xFF00) | ((v & 0xFF) << 8);
                return;
            }
        }
        for (int i = 0; i < 6; i++) {
            if (SEG[i].equals(n)) {
                loadSegment(i, v & 0xFFFF);
                return;
            }
        }
        for (int i = 0; i < FLAG_NAMES.length; i++) {
            if (FLAG_NAMES[i].equals(n)) {
                if ((v & ~1) != 0) throw new DebugError("^ Value out of range in '" + text + "' (a flag is 0 or 1)");
                st.setEflags(v != 0 ? st.eflags() | FLAG_BITS[i] : st.eflags() & ~FLAG_BITS[i]);
                return;
            }
        }
        if (n.startsWith("$t") && value(n) != null) {
            temps[Integer.parseInt(n.substring(2))] = v;
            return;
        }
        switch (n) {
            case "eip", "$ip" -> {
                st.eip = v;
                d.code.nextUnassemble = v;
            }
            case "efl" -> st.setEflags(v);
            case "iopl" -> st.setEflags((st.eflags() & ~0x3000) | ((v & 3) << 12));
            case "cr0" -> st.cr0 = v;
            case "cr2" -> st.cr2 = v;
            case "cr3" -> st.cr3 = v;
            case "cr4" -> st.cr4 = v;
            case "dr0", "dr1", "dr2", "dr3", "dr6", "dr7" -> st.dr[n.charAt(2) - '0'] = v;
            case "gdtr" -> st.gdtrBase = v;
            case "gdtl" -> st.gdtrLimit = v & 0xFFFF;
            case "idtr" -> st.idtrBase = v;
            case "idtl" -> st.idtrLimit = v & 0xFFFF;
            case "$csp" -> g[4] = v;
            case "$retreg" -> g[0] = v;
            default -> throw new DebugError("register " + n + " cannot be set from the debugger");
        }
        if (n.startsWith("cr")) {
            d.cpu.mmu.flushAll();
            d.cpu.resetFetch();
        }
        if (n.startsWith("dr")) d.cpu.debugRegistersChanged();
    }

    /** Loads a segment register from its GDT descriptor (a null selector loads an unusable segment). */
    private void loadSegment(int seg, int sel) {
        CpuState st = d.cpu.st;
        if ((sel & ~3) == 0) {
            if (seg == 1 || seg == 2) throw new DebugError("a null selector cannot be loaded into " + SEG[seg]);
            d.cpu.loadSegment(seg, sel, 0, 0, 0);
            return;
        }
        if ((sel & 4) != 0) throw new DebugError("selector " + String.format(Locale.ROOT, "%04x", sel) + " is in the LDT, which this machine does not have");
        if ((sel | 7) > st.gdtrLimit) throw new DebugError("selector " + String.format(Locale.ROOT, "%04x", sel) + " is past the GDT limit");
        int e = st.gdtrBase + (sel & ~7);
        int lo = d.need32(e), hi = d.need32(e + 4);
        if ((hi & CpuState.ATTR_P) == 0) throw new DebugError("selector " + String.format(Locale.ROOT, "%04x", sel) + " is not present");
        int base = (lo >>> 16) | ((hi & 0xFF) << 16) | (hi & 0xFF000000);
        int limit = (lo & 0xFFFF) | (hi & 0xF0000);
        if ((hi & CpuState.ATTR_G) != 0) limit = (limit << 12) | 0xFFF;
        d.cpu.loadSegment(seg, sel, base, limit, hi & 0x00F0FF00);
    }

    /** {@code r}: the registers, the flags, the selectors, and the instruction about to execute. */
    void show() {
        int[] r = d.cpu.gpr;
        int fl = d.cpu.st.eflags();
        d.out.printf(Locale.ROOT, "eax=%08x ebx=%08x ecx=%08x edx=%08x esi=%08x edi=%08x%n", r[0], r[3], r[1], r[2], r[6], r[7]);
        d.out.printf(Locale.ROOT, "eip=%08x esp=%08x ebp=%08x iopl=%d         %s%n", d.cpu.st.eip, r[4], r[5], (fl >>> 12) & 3, flags(fl));
        int[] s = d.cpu.st.segSel;
        d.out.printf(Locale.ROOT, "cs=%04x  ss=%04x  ds=%04x  es=%04x  fs=%04x  gs=%04x             efl=%08x%n",
                s[1], s[2], s[3], s[0], s[4], s[5], fl);
        d.code.listing(d.cpu.st.eip, 1, true);
    }

    /** EFLAGS as WinDbg names them: {@code nv up ei pl zr na pe nc}. */
    static String flags(int fl) {
        return String.join(" ",
                (fl & CpuState.OF) != 0 ? "ov" : "nv",
                (fl & CpuState.DF) != 0 ? "dn" : "up",
                (fl & CpuState.IF) != 0 ? "ei" : "di",
                (fl & CpuState.SF) != 0 ? "ng" : "pl",
                (fl & CpuState.ZF) != 0 ? "zr" : "nz",
                (fl & CpuState.AF) != 0 ? "ac" : "na",
                (fl & CpuState.PF) != 0 ? "pe" : "po",
                (fl & CpuState.CF) != 0 ? "cy" : "nc");
    }

    private void rdmsr(String args, String line) {
        if (args.isEmpty()) throw DebugError.syntax(line);
        int msr = d.eval(args);
        long v = Sys.readMsr(d.cpu, msr);
        if (v == Sys.NO_MSR) throw new DebugError(String.format(Locale.ROOT, "no msr %x: RDMSR of it raises #GP(0)", msr));
        d.out.printf(Locale.ROOT, "msr[%x] = %08x`%08x%n", msr, (int) (v >>> 32), (int) v);
    }

    private void wrmsr(String args, String line) {
        String[] t = args.split("\\s+");
        if (t.length != 2) throw DebugError.syntax(line);
        int msr = d.eval(t[0]);
        String val = t[1];
        long v;
        int tick = val.indexOf('`');
        if (tick >= 0) {
            v = (Integer.toUnsignedLong(d.eval(val.substring(0, tick))) << 32) | Integer.toUnsignedLong(d.eval(val.substring(tick + 1)));
        } else {
            v = Integer.toUnsignedLong(d.eval(val));
        }
        if (!Sys.writeMsr(d.cpu, msr, v)) throw new DebugError(String.format(Locale.ROOT, "no msr %x, or a value it refuses: WRMSR raises #GP(0)", msr));
    }
}
