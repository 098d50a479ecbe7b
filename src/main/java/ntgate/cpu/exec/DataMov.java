package ntgate.cpu.exec;

import ntgate.cpu.Cpu;
import ntgate.cpu.CpuFault;
import ntgate.cpu.CpuState;
import ntgate.cpu.Seg;
import ntgate.cpu.decode.Insn;

import static ntgate.cpu.CpuState.*;

/**
 * Data movement: MOV, XCHG, LEA, MOVZX/MOVSX, CBW/CWDE/CWD/CDQ, XLAT, the stack (PUSH/POP in all forms,
 * PUSHA/POPA, PUSHF/POPF, ENTER/LEAVE), LAHF/SAHF and BOUND.
 */
public final class DataMov {
    private DataMov() {}

    static void movEG(Cpu cpu, Insn in) {
        cpu.writeE(in, cpu.st.reg(in.reg, in.size));
    }

    static void movGE(Cpu cpu, Insn in) {
        cpu.st.setReg(in.reg, in.size, cpu.readE(in));
    }

    static void movEI(Cpu cpu, Insn in) {
        cpu.writeE(in, in.imm);
    }

    /** MOV AL/eAX, moffs and back: the offset is {@code disp}, in the (overridable) DS segment. */
    static void movAccMoffs(Cpu cpu, Insn in, boolean toMem) {
        int size = in.size;
        if (toMem) cpu.write(in.seg, in.disp, size, cpu.st.reg(0, size));
        else cpu.st.setReg(0, size, cpu.read(in.seg, in.disp, size));
    }

    /** XCHG: the memory write comes first, so a fault leaves the register unchanged. */
    static void xchg(Cpu cpu, Insn in) {
        CpuState st = cpu.st;
        int size = in.size;
        int g = st.reg(in.reg, size);
        if (in.rm >= 0) {
            int e = st.reg(in.rm, size);
            st.setReg(in.rm, size, g);
            st.setReg(in.reg, size, e);
        } else {
            int lin = cpu.linRmw(in);
            int e = cpu.mmu.read(lin, size);
            cpu.mmu.write(lin, size, g);
            st.setReg(in.reg, size, e);
        }
    }

    static void xchgAcc(Cpu cpu, Insn in) {
        CpuState st = cpu.st;
        int size = in.opsize;
        int a = st.reg(0, size);
        st.setReg(0, size, st.reg(in.reg, size));
        st.setReg(in.reg, size, a);
    }

    static void lea(Cpu cpu, Insn in) {
        cpu.st.setReg(in.reg, in.opsize, cpu.ea(in));
    }

    static void movzx(Cpu cpu, Insn in, int srcSize) {
        cpu.st.setReg(in.reg, in.opsize, cpu.readE(in, srcSize));
    }

    static void movsx(Cpu cpu, Insn in, int srcSize) {
        int v = cpu.readE(in, srcSize);
        v = srcSize == 1 ? (byte) v : (short) v;
        cpu.st.setReg(in.reg, in.opsize, v);
    }

    static void cbw(Cpu cpu, Insn in) {
        CpuState st = cpu.st;
        if (in.opsize == 2) st.setReg16(0, (byte) st.gpr[0]);
        else st.gpr[0] = (short) st.gpr[0];
    }

    static void cwd(Cpu cpu, Insn in) {
        CpuState st = cpu.st;
        if (in.opsize == 2) st.setReg16(2, ((short) st.gpr[0]) >> 15);
        else st.gpr[2] = st.gpr[0] >> 31;
    }

    /** XLAT: AL = [seg:(E)BX + AL]. */
    static void xlat(Cpu cpu, Insn in) {
        CpuState st = cpu.st;
        int off = st.gpr[3] + st.reg8(0);
        if (in.asize == 2) off &= 0xFFFF;
        st.setReg8(0, cpu.read8(in.seg, off));
    }

    static void lahf(Cpu cpu) {
        cpu.st.setReg8(4, (cpu.st.arithFlags() & (SF | ZF | AF | PF | CF)) | FIXED1);
    }

    static void sahf(Cpu cpu) {
        cpu.st.setArithFlags(cpu.st.reg8(4), SF | ZF | AF | PF | CF);
    }

    // ---- stack ----

    static void pushReg(Cpu cpu, Insn in) {
        cpu.push(in.opsize, cpu.st.reg(in.reg, in.opsize));
    }

    static void popReg(Cpu cpu, Insn in) {
        int v = cpu.pop(in.opsize);
        cpu.st.setReg(in.reg, in.opsize, v);
    }

    static void pushE(Cpu cpu, Insn in) {
        cpu.push(in.opsize, cpu.readE(in));
    }

    /**
     * POP Ev: a memory destination addressed through ESP uses the incremented ESP (SDM Vol.2B POP); ESP is
     * restored if the write faults.
     */
    static void popE(Cpu cpu, Insn in) {
        int size = in.opsize;
        int v = cpu.peekStack(size, 0);
        int oldSp = cpu.gpr[4];
        cpu.adjustSp(size);
        if (in.rm >= 0) {
            cpu.st.setReg(in.rm, size, v);
            return;
        }
        try {
            cpu.write(in.seg, cpu.ea(in), size, v);
        } catch (CpuFault f) {
            cpu.gpr[4] = oldSp;
            throw f;
        }
    }

    static void pushImm(Cpu cpu, Insn in) {
        cpu.push(in.opsize, in.imm);
    }

    /** PUSHA/PUSHAD: pushes the eight registers, ESP as it was before the instruction. */
    static void pusha(Cpu cpu, Insn in) {
        int size = in.opsize;
        int[] g = cpu.gpr;
        int sp = g[4];
        boolean s32 = cpu.stack32();
        for (int r = 0; r < 8; r++) {
            int v = r == 4 ? sp : g[r];
            int a = sp - size * (r + 1);
            cpu.write(Seg.SS, s32 ? a : a & 0xFFFF, size, v);
        }
        cpu.adjustSp(-8 * size);
    }

    /** POPA/POPAD: the saved ESP is skipped. All values are read before any register changes. */
    static void popa(Cpu cpu, Insn in) {
        int size = in.opsize;
        int di = cpu.peekStack(size, 0), si = cpu.peekStack(size, size), bp = cpu.peekStack(size, 2 * size);
        int bx = cpu.peekStack(size, 4 * size), dx = cpu.peekStack(size, 5 * size);
        int cx = cpu.peekStack(size, 6 * size), ax = cpu.peekStack(size, 7 * size);
        CpuState st = cpu.st;
        st.setReg(7, size, di);
        st.setReg(6, size, si);
        st.setReg(5, size, bp);
        st.setReg(3, size, bx);
        st.setReg(2, size, dx);
        st.setReg(1, size, cx);
        st.setReg(0, size, ax);
        cpu.adjustSp(8 * size);
    }

    /** PUSHF: VM and RF are cleared in the image (SDM Vol.2B PUSHF). V86 with IOPL &lt; 3: #GP(0). */
    static void pushf(Cpu cpu, Insn in) {
        CpuState st = cpu.st;
        if (st.v86() && st.iopl() < 3) throw CpuFault.gp(0);
        cpu.push(in.opsize, st.eflags() & ~(VM | RF));
    }

    /**
     * POPF with the SDM's privilege rules (Vol.2B POPF): at CPL 0 everything but VM, VIP, VIF (RF cleared);
     * at CPL &gt; 0 IOPL is unchanged; IF changes only when CPL &lt;= IOPL. V86 needs IOPL 3.
     */
    static void popf(Cpu cpu, Insn in) {
        CpuState st = cpu.st;
        int size = in.opsize;
        if (st.v86() && st.iopl() < 3) throw CpuFault.gp(0);
        int v = cpu.peekStack(size, 0);
        int changeable = CF | PF | AF | ZF | SF | TF | DF | OF | NT | AC | ID | IF | IOPL;
        if (st.protectedMode()) {
            if (st.v86()) {
                changeable &= ~IOPL;
            } else if (st.cpl > 0) {
                changeable &= ~IOPL;
                if (st.cpl > st.iopl()) changeable &= ~IF;
            }
        }
        if (size == 2) changeable &= 0xFFFF;
        cpu.adjustSp(size);
        int old = st.eflags();
        int nv = (old & ~changeable) | (v & changeable);
        nv &= ~RF;
        st.setEflags(nv);
        Sys.flagsChanged(cpu, old);
    }

    /** ENTER imm16, imm8 (SDM Vol.2A ENTER), nesting level taken modulo 32. */
    static void enter(Cpu cpu, Insn in) {
        int size = in.opsize;
        int alloc = in.imm & 0xFFFF;
        int level = in.imm2 & 0x1F;
        int[] g = cpu.gpr;
        boolean s32 = cpu.stack32();
        int oldSp = g[4], oldBp = g[5];
        try {
            cpu.push(size, g[5]);
            int frameTemp = s32 ? g[4] : g[4] & 0xFFFF;
            if (level > 0) {
                int bp = oldBp;
                for (int i = 1; i < level; i++) {
                    bp = s32 ? bp - size : (bp - size) & 0xFFFF;
                    cpu.push(size, cpu.read(Seg.SS, bp, size));
                }
                cpu.push(size, frameTemp);
            }
            int newSp = (s32 ? g[4] : g[4] & 0xFFFF) - alloc;
            // The new stack top must be writable (the SDM checks it before committing).
            cpu.linWrite(Seg.SS, s32 ? newSp : newSp & 0xFFFF, 1);
            cpu.st.setReg(5, size, frameTemp);
            cpu.adjustSp(-alloc);
        } catch (CpuFault f) {
            g[4] = oldSp;
            g[5] = oldBp;
            throw f;
        }
    }

    static void leave(Cpu cpu, Insn in) {
        int[] g = cpu.gpr;
        int oldSp = g[4];
        if (cpu.stack32()) g[4] = g[5];
        else g[4] = (g[4] & 0xFFFF0000) | (g[5] & 0xFFFF);
        try {
            int v = cpu.pop(in.opsize);
            cpu.st.setReg(5, in.opsize, v);
        } catch (CpuFault f) {
            g[4] = oldSp;
            throw f;
        }
    }

    /** BOUND: #BR when the signed index is outside [lower, upper]. */
    static void bound(Cpu cpu, Insn in) {
        int size = in.opsize;
        int off = cpu.ea(in);
        int lo = cpu.read(in.seg, off, size);
        int hi = cpu.read(in.seg, off + size, size);
        int idx = cpu.st.reg(in.reg, size);
        if (size == 2) {
            lo = (short) lo;
            hi = (short) hi;
            idx = (short) idx;
        }
        if (idx < lo || idx > hi) throw new CpuFault(CpuFault.BR, CpuFault.NO_ERROR_CODE);
    }
}
