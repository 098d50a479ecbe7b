package ntgate.debug.gdb;

import ntgate.cpu.Cpu;
import ntgate.cpu.CpuState;
import ntgate.cpu.Seg;

import java.util.List;

/**
 * The registers the stub offers, in GDB's register numbering, and the target description that declares them:
 * {@code org.gnu.gdb.i386.core} as GDB's i386 port requires it (EAX..EDI, EIP, EFLAGS, the six segment
 * selectors, then the x87 registers, reported unavailable: ntgate's CPU has no FPU state to show), and
 * {@code org.ntgate.i386.system} with the control, debug and descriptor-table registers, the task and LDT
 * selectors, EFER and the SYSENTER MSRs ({@code p $cr3}, {@code info registers system}).
 */
final class Registers {
    /** One register: GDB's name, width in bits, GDB type and group. */
    record Reg(String name, int bits, String type, String group) {}

    static final List<Reg> ALL;
    /** Numbers of the first x87 register and of the first system register. */
    static final int ST0 = 16, FCTRL = 24, SYSTEM = 32;

    static {
        List<Reg> l = new java.util.ArrayList<>();
        for (String n : new String[] {"eax", "ecx", "edx", "ebx"}) l.add(new Reg(n, 32, "int32", "general"));
        l.add(new Reg("esp", 32, "data_ptr", "general"));
        l.add(new Reg("ebp", 32, "data_ptr", "general"));
        l.add(new Reg("esi", 32, "int32", "general"));
        l.add(new Reg("edi", 32, "int32", "general"));
        l.add(new Reg("eip", 32, "code_ptr", "general"));
        l.add(new Reg("eflags", 32, "i386_eflags", "general"));
        for (String n : new String[] {"cs", "ss", "ds", "es", "fs", "gs"}) l.add(new Reg(n, 32, "int32", "general"));
        for (int i = 0; i < 8; i++) l.add(new Reg("st" + i, 80, "i387_ext", "float"));
        for (String n : new String[] {"fctrl", "fstat", "ftag", "fiseg", "fioff", "foseg", "fooff", "fop"}) {
            l.add(new Reg(n, 32, "int", "float"));
        }
        for (String n : new String[] {"cr0", "cr2", "cr3", "cr4", "dr0", "dr1", "dr2", "dr3", "dr6", "dr7", "gdtr", "gdtl",
            "idtr", "idtl", "ldtr", "tr", "efer", "sysenter_cs", "sysenter_esp", "sysenter_eip"}) {
            l.add(new Reg(n, 32, n.endsWith("r") && !n.equals("ldtr") && !n.equals("tr") ? "data_ptr" : "int32", "system"));
        }
        ALL = List.copyOf(l);
    }

    /** GDB's segment-register order (cs ss ds es fs gs) as ntgate's {@link Seg} indexes. */
    private static final int[] SEGS = {Seg.CS, Seg.SS, Seg.DS, Seg.ES, Seg.FS, Seg.GS};

    private Registers() {}

    /** The value of register {@code n}, or null when it is unavailable (the x87 registers). */
    static Long read(Cpu cpu, int n) {
        CpuState st = cpu.st;
        if (n < 8) return Integer.toUnsignedLong(cpu.gpr[n]);
        if (n < 16) {
            return switch (n) {
                case 8 -> Integer.toUnsignedLong(st.eip);
                case 9 -> Integer.toUnsignedLong(st.eflags());
                default -> (long) st.segSel[SEGS[n - 10]];
            };
        }
        if (n < SYSTEM) return null;
        int v = switch (ALL.get(n).name()) {
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
            case "gdtl" -> st.gdtrLimit;
            case "idtr" -> st.idtrBase;
            case "idtl" -> st.idtrLimit;
            case "ldtr" -> st.ldtrSel;
            case "tr" -> st.trSel;
            case "efer" -> (int) st.efer;
            case "sysenter_cs" -> st.sysenterCs;
            case "sysenter_esp" -> st.sysenterEsp;
            default -> st.sysenterEip;
        };
        return Integer.toUnsignedLong(v);
    }

    /**
     * Writes register {@code n}; false when it cannot be written from the debugger (a segment selector, whose
     * descriptor cache would have to be reloaded; a control register; the x87 registers) and the value differs.
     */
    static boolean write(Cpu cpu, int n, long value) {
        int v = (int) value;
        CpuState st = cpu.st;
        if (n < 8) {
            cpu.gpr[n] = v;
            return true;
        }
        if (n == 8) {
            st.eip = v;
            cpu.resetFetch();
            return true;
        }
        if (n == 9) {
            st.setEflags(v);
            return true;
        }
        if (n < SYSTEM || n >= ALL.size()) {
            Long cur = n < ALL.size() ? read(cpu, n) : null;
            return cur != null && cur == (value & 0xFFFFFFFFL);
        }
        String name = ALL.get(n).name();
        if (name.startsWith("dr")) {
            int i = name.charAt(2) - '0';
            st.dr[i] = v;
            if (i < 4 || i == 7) cpu.debugRegistersChanged();
            return true;
        }
        Long cur = read(cpu, n);
        return cur != null && cur == (value & 0xFFFFFFFFL);
    }

    /** The whole target description, {@code target.xml}. */
    static String targetXml() {
        StringBuilder sb = new StringBuilder();
        sb.append("<?xml version=\"1.0\"?>\n<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n<target version=\"1.0\">\n");
        sb.append("  <architecture>i386</architecture>\n");
        sb.append("  <feature name=\"org.gnu.gdb.i386.core\">\n");
        sb.append("    <flags id=\"i386_eflags\" size=\"4\">\n");
        String[][] flags = {{"CF", "0"}, {"", "1"}, {"PF", "2"}, {"AF", "4"}, {"ZF", "6"}, {"SF", "7"}, {"TF", "8"}, {"IF", "9"},
            {"DF", "10"}, {"OF", "11"}, {"NT", "14"}, {"RF", "16"}, {"VM", "17"}, {"AC", "18"}, {"VIF", "19"}, {"VIP", "20"},
            {"ID", "21"}};
        for (String[] f : flags) {
            sb.append("      <field name=\"").append(f[0]).append("\" start=\"").append(f[1]).append("\" end=\"").append(f[1]).append("\"/>\n");
        }
        sb.append("    </flags>\n");
        for (int n = 0; n < ALL.size(); n++) {
            if (n == SYSTEM) sb.append("  </feature>\n  <feature name=\"org.ntgate.i386.system\">\n");
            Reg r = ALL.get(n);
            sb.append("    <reg name=\"").append(r.name()).append("\" bitsize=\"").append(r.bits()).append("\" type=\"")
                    .append(r.type()).append("\" regnum=\"").append(n).append("\"");
            if (!r.group().equals("general")) sb.append(" group=\"").append(r.group()).append("\"");
            sb.append("/>\n");
        }
        sb.append("  </feature>\n</target>\n");
        return sb.toString();
    }
}
