package ntgate.cpu.exec;

import ntgate.cpu.Cpu;
import ntgate.cpu.CpuFault;
import ntgate.cpu.CpuState;
import ntgate.cpu.decode.Insn;

import static ntgate.cpu.CpuState.*;

/**
 * Protected-mode segment inspection and system-segment registers: LAR, LSL, VERR, VERW, ARPL, SLDT, STR, LLDT,
 * LTR. All are #UD outside protected mode except SLDT/STR, which are #UD in real and V86 mode too (SDM Vol.2).
 */
public final class SysSeg {
    private SysSeg() {}

    private static void requirePm(Cpu cpu) {
        if (!cpu.st.protectedMode() || cpu.st.v86()) throw CpuFault.ud();
    }

    /** Reads a descriptor for LAR/LSL/VERR/VERW, or returns 0 when the selector is null or outside its table. */
    private static long probe(Cpu cpu, int sel) {
        if ((sel & 0xFFFC) == 0) return 0;
        try {
            return Segments.readDescriptor(cpu, sel, CpuFault.GP);
        } catch (CpuFault f) {
            if (f.vector == CpuFault.PF) throw f;
            return 0;
        }
    }

    /** LAR / LSL: ZF = 1 and the access rights or limit loaded when the descriptor is visible at CPL and RPL. */
    static void larLsl(Cpu cpu, Insn in, boolean lsl) {
        requirePm(cpu);
        CpuState st = cpu.st;
        int sel = cpu.readE(in, 2);
        long d = probe(cpu, sel);
        boolean ok = d != 0;
        if (ok) {
            int attr = Segments.descAttr(d);
            int type = (attr >>> 8) & 0xF;
            boolean system = (attr & ATTR_S) == 0;
            if (system) {
                // LAR accepts TSS, LDT, call and task gates; LSL only TSS and LDT descriptors (SDM LAR/LSL tables).
                ok = switch (type) {
                    case 1, 2, 3, 9, 11 -> true;
                    case 4, 5, 12 -> !lsl;
                    default -> false;
                };
            }
            boolean conformingCode = !system && (attr & ATTR_CODE) != 0 && (attr & ATTR_CONFORMING) != 0;
            int dpl = attrDpl(attr);
            if (ok && !conformingCode && (dpl < st.cpl || dpl < (sel & 3))) ok = false;
            if (ok) {
                if (lsl) st.setReg(in.reg, in.opsize, Segments.descLimit(d));
                else st.setReg(in.reg, in.opsize, (int) (d >>> 32) & 0x00FFFF00);
            }
        }
        st.setArithFlags(ok ? ZF : 0, ZF);
    }

    /** VERR / VERW: ZF = 1 when the segment is readable / writable at CPL and RPL. */
    static void verr(Cpu cpu, Insn in, boolean write) {
        requirePm(cpu);
        CpuState st = cpu.st;
        int sel = cpu.readE(in, 2);
        long d = probe(cpu, sel);
        boolean ok = false;
        if (d != 0) {
            int attr = Segments.descAttr(d);
            if ((attr & ATTR_S) != 0) {
                boolean code = (attr & ATTR_CODE) != 0;
                boolean conforming = code && (attr & ATTR_CONFORMING) != 0;
                int dpl = attrDpl(attr);
                boolean visible = conforming || (dpl >= st.cpl && dpl >= (sel & 3));
                ok = visible && (write ? !code && (attr & ATTR_WRITABLE) != 0 : !code || (attr & ATTR_READABLE) != 0);
            }
        }
        st.setArithFlags(ok ? ZF : 0, ZF);
    }

    /** ARPL: raises the RPL of the destination selector to that of the source; ZF tells whether it changed. */
    static void arpl(Cpu cpu, Insn in) {
        requirePm(cpu);
        CpuState st = cpu.st;
        int dst = cpu.readE(in, 2);
        int src = st.reg16(in.reg);
        if ((dst & 3) < (src & 3)) {
            cpu.writeE(in, 2, (dst & ~3) | (src & 3));
            st.setArithFlags(ZF, ZF);
        } else {
            st.setArithFlags(0, ZF);
        }
    }

    static void sldt(Cpu cpu, Insn in) {
        requirePm(cpu);
        if (in.rm >= 0) cpu.st.setReg(in.rm, in.opsize, cpu.st.ldtrSel);
        else cpu.write16(in.seg, cpu.ea(in), cpu.st.ldtrSel);
    }

    static void str(Cpu cpu, Insn in) {
        requirePm(cpu);
        if (in.rm >= 0) cpu.st.setReg(in.rm, in.opsize, cpu.st.trSel);
        else cpu.write16(in.seg, cpu.ea(in), cpu.st.trSel);
    }

    /** LLDT: the selector must name an LDT descriptor in the GDT (a null selector makes LDTR unusable). */
    static void lldt(Cpu cpu, Insn in) {
        requirePm(cpu);
        Sys.requireCpl0(cpu);
        CpuState st = cpu.st;
        int sel = cpu.readE(in, 2);
        if ((sel & 0xFFFC) == 0) {
            st.ldtrSel = sel;
            st.ldtrAttr = 0;
            return;
        }
        if ((sel & 4) != 0) throw CpuFault.gp(sel & 0xFFFC);
        long d = Segments.readDescriptor(cpu, sel, CpuFault.GP);
        int attr = Segments.descAttr(d);
        if ((attr & ATTR_S) != 0 || ((attr >>> 8) & 0xF) != 2) throw CpuFault.gp(sel & 0xFFFC);
        if ((attr & ATTR_P) == 0) throw new CpuFault(CpuFault.NP, sel & 0xFFFC);
        st.ldtrSel = sel;
        st.ldtrBase = Segments.descBase(d);
        st.ldtrLimit = Segments.descLimit(d);
        st.ldtrAttr = attr;
    }

    /** LTR: the selector must name an available 32- or 16-bit TSS in the GDT; the descriptor is marked busy. */
    static void ltr(Cpu cpu, Insn in) {
        requirePm(cpu);
        Sys.requireCpl0(cpu);
        CpuState st = cpu.st;
        int sel = cpu.readE(in, 2);
        if ((sel & 0xFFFC) == 0) throw CpuFault.gp(0);
        if ((sel & 4) != 0) throw CpuFault.gp(sel & 0xFFFC);
        long d = Segments.readDescriptor(cpu, sel, CpuFault.GP);
        int attr = Segments.descAttr(d);
        int type = (attr >>> 8) & 0xF;
        if ((attr & ATTR_S) != 0 || (type != 1 && type != 9)) throw CpuFault.gp(sel & 0xFFFC);
        if ((attr & ATTR_P) == 0) throw new CpuFault(CpuFault.NP, sel & 0xFFFC);
        int hiAddr = st.gdtrBase + (sel & 0xFFF8) + 4;
        cpu.mmu.writeSys(hiAddr, 4, (int) (d >>> 32) | 0x200);
        st.trSel = sel;
        st.trBase = Segments.descBase(d);
        st.trLimit = Segments.descLimit(d);
        st.trAttr = attr | 0x200;
    }
}
