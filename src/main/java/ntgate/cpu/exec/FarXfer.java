package ntgate.cpu.exec;

import ntgate.cpu.Cpu;
import ntgate.cpu.CpuFault;
import ntgate.cpu.CpuState;
import ntgate.cpu.Seg;
import ntgate.cpu.decode.Insn;

import static ntgate.cpu.CpuState.*;

/**
 * Far control transfers: JMP/CALL far (direct and through memory), RETF and IRET. Real and virtual-8086
 * mode load CS as selector × 16. In protected mode, transfers go to code segments at the same privilege
 * (conforming or not); RETF and IRET may return to an outer privilege level; IRET may return to
 * virtual-8086 mode. SDM Vol.2A JMP, CALL, Vol.2B RET, IRET.
 */
public final class FarXfer {
    private FarXfer() {}

    static void jmpFarMem(Cpu cpu, Insn in) {
        int off = cpu.ea(in);
        int size = in.opsize;
        int eip = cpu.read(in.seg, off, size);
        int sel = cpu.read16(in.seg, off + size);
        jmpFar(cpu, in, sel, eip);
    }

    static void callFarMem(Cpu cpu, Insn in) {
        int off = cpu.ea(in);
        int size = in.opsize;
        int eip = cpu.read(in.seg, off, size);
        int sel = cpu.read16(in.seg, off + size);
        callFar(cpu, in, sel, eip);
    }

    /**
     * Validates a code-segment descriptor for a far JMP/CALL at the current privilege (SDM Vol.2A JMP, CALL:
     * conforming DPL &lt;= CPL; non-conforming RPL &lt;= CPL and DPL = CPL; present).
     */
    private static void checkDirectCode(Cpu cpu, int sel, long d) {
        CpuState st = cpu.st;
        int attr = Segments.descAttr(d);
        if ((attr & ATTR_CODE) == 0) throw CpuFault.gp(sel & 0xFFFC);
        int dpl = attrDpl(attr);
        int rpl = sel & 3;
        if ((attr & ATTR_CONFORMING) != 0) {
            if (dpl > st.cpl) throw CpuFault.gp(sel & 0xFFFC);
        } else if (rpl > st.cpl || dpl != st.cpl) {
            throw CpuFault.gp(sel & 0xFFFC);
        }
        if ((attr & ATTR_P) == 0) throw new CpuFault(CpuFault.NP, sel & 0xFFFC);
    }

    /** System descriptor types a far JMP/CALL may name (SDM Vol.3A Table 3-2). */
    private static final int CALL_GATE16 = 0x4, TASK_GATE = 0x5, CALL_GATE32 = 0xC;

    private static void loadCs(Cpu cpu, int sel, long d, int cpl) {
        Segments.setAccessed(cpu, sel, d);
        cpu.loadSegment(Seg.CS, (sel & 0xFFFC) | cpl, Segments.descBase(d), Segments.descLimit(d),
                Segments.descAttr(d) | ATTR_ACCESSED);
    }

    static void jmpFar(Cpu cpu, Insn in, int sel, int eip) {
        CpuState st = cpu.st;
        if (!st.protectedMode() || st.v86()) {
            if (Integer.compareUnsigned(eip, st.segLimit[Seg.CS]) > 0) throw CpuFault.gp(0);
            cpu.loadSegment(Seg.CS, sel, sel << 4, st.segLimit[Seg.CS], st.segAttr[Seg.CS]);
            st.eip = eip;
            return;
        }
        if ((sel & 0xFFFC) == 0) throw CpuFault.gp(0);
        long d = Segments.readDescriptor(cpu, sel, CpuFault.GP);
        if ((Segments.descAttr(d) & ATTR_S) == 0) {
            long cd = throughGate(cpu, sel, d);
            int target = gateOffset(d);
            int csel = gateSelector(d);
            int cattr = Segments.descAttr(cd);
            // JMP through a call gate never changes privilege (SDM Vol.2A JMP).
            boolean conforming = (cattr & ATTR_CONFORMING) != 0;
            if (conforming ? attrDpl(cattr) > st.cpl : attrDpl(cattr) != st.cpl) throw CpuFault.gp(csel & 0xFFFC);
            if ((cattr & ATTR_P) == 0) throw new CpuFault(CpuFault.NP, csel & 0xFFFC);
            if (Integer.compareUnsigned(target, Segments.descLimit(cd)) > 0) throw CpuFault.gp(0);
            loadCs(cpu, csel, cd, st.cpl);
            st.eip = target;
            return;
        }
        checkDirectCode(cpu, sel, d);
        if (Integer.compareUnsigned(eip, Segments.descLimit(d)) > 0) throw CpuFault.gp(0);
        loadCs(cpu, sel, d, st.cpl);
        st.eip = eip;
    }

    static void callFar(Cpu cpu, Insn in, int sel, int eip) {
        CpuState st = cpu.st;
        int size = in.opsize;
        int retCs = st.segSel[Seg.CS], retEip = st.eip;
        if (!st.protectedMode() || st.v86()) {
            if (Integer.compareUnsigned(eip, st.segLimit[Seg.CS]) > 0) throw CpuFault.gp(0);
            pushPair(cpu, size, retCs, retEip);
            cpu.loadSegment(Seg.CS, sel, sel << 4, st.segLimit[Seg.CS], st.segAttr[Seg.CS]);
            st.eip = eip;
            return;
        }
        if ((sel & 0xFFFC) == 0) throw CpuFault.gp(0);
        long d = Segments.readDescriptor(cpu, sel, CpuFault.GP);
        if ((Segments.descAttr(d) & ATTR_S) == 0) {
            callGate(cpu, sel, d);
            return;
        }
        checkDirectCode(cpu, sel, d);
        if (Integer.compareUnsigned(eip, Segments.descLimit(d)) > 0) throw CpuFault.gp(0);
        pushPair(cpu, size, retCs, retEip);
        loadCs(cpu, sel, d, st.cpl);
        st.eip = eip;
    }

    private static int gateSelector(long gate) {
        return (int) (gate >>> 16) & 0xFFFF;
    }

    private static int gateOffset(long gate) {
        int lo = (int) gate & 0xFFFF;
        boolean gate32 = ((gate >>> 40) & 0xF) == CALL_GATE32;
        return gate32 ? lo | ((int) (gate >>> 32) & 0xFFFF0000) : lo;
    }

    /**
     * Checks a system descriptor named by a far JMP/CALL (SDM Vol.2A CALL, CALL-GATE): it must be a call gate
     * (task gates and TSS descriptors would switch tasks, which ntgate does not support: #GP with a note) with
     * DPL &gt;= CPL and DPL &gt;= RPL, present, naming a non-null code segment with DPL &lt;= CPL.
     *
     * @return the target code segment's descriptor (its present bit is checked by the caller)
     */
    private static long throughGate(Cpu cpu, int sel, long gate) {
        CpuState st = cpu.st;
        int attr = Segments.descAttr(gate);
        int type = (attr >>> 8) & 0xF;
        if (type != CALL_GATE16 && type != CALL_GATE32) {
            if (type == TASK_GATE || type == 0x1 || type == 0x9 || type == 0x3 || type == 0xB) {
                cpu.note = String.format("task switches are not supported: far JMP/CALL to selector 0x%04X (%s)",
                        sel, type == TASK_GATE ? "task gate" : "TSS");
            }
            throw CpuFault.gp(sel & 0xFFFC);
        }
        int dpl = attrDpl(attr);
        if (dpl < st.cpl || (sel & 3) > dpl) throw CpuFault.gp(sel & 0xFFFC);
        if ((attr & ATTR_P) == 0) throw new CpuFault(CpuFault.NP, sel & 0xFFFC);
        int csel = gateSelector(gate);
        if ((csel & 0xFFFC) == 0) throw CpuFault.gp(0);
        long cd = Segments.readDescriptor(cpu, csel, CpuFault.GP);
        int cattr = Segments.descAttr(cd);
        if ((cattr & ATTR_S) == 0 || (cattr & ATTR_CODE) == 0 || attrDpl(cattr) > st.cpl) throw CpuFault.gp(csel & 0xFFFC);
        return cd;
    }

    /**
     * CALL through a call gate (SDM Vol.2A CALL, CALL-GATE, MORE-PRIVILEGE / SAME-PRIVILEGE; Vol.3A 5.8.5): to a
     * non-conforming segment of higher privilege the stack switches to SSn:ESPn from the TSS, the old SS:ESP and
     * the gate's parameter count of words or dwords are copied, then CS:EIP; otherwise CS:EIP are pushed on the
     * current stack. The push size is the gate's (16 or 32 bits), not the instruction's.
     */
    private static void callGate(Cpu cpu, int sel, long gate) {
        CpuState st = cpu.st;
        long cd = throughGate(cpu, sel, gate);
        int csel = gateSelector(gate);
        int cattr = Segments.descAttr(cd);
        if ((cattr & ATTR_P) == 0) throw new CpuFault(CpuFault.NP, csel & 0xFFFC);
        int target = gateOffset(gate);
        int size = ((gate >>> 40) & 0xF) == CALL_GATE32 ? 4 : 2;
        int dpl = attrDpl(cattr);
        boolean conforming = (cattr & ATTR_CONFORMING) != 0;
        if (!conforming && dpl < st.cpl) {
            long ss = Interrupts.tssStack(cpu, dpl, 0);
            int newSs = (int) (ss >>> 32) & 0xFFFF;
            int newEsp = (int) ss;
            long sd = Interrupts.checkNewStack(cpu, newSs, dpl, 0);
            int count = (int) (gate >>> 32) & 0x1F;
            int[] values = new int[4 + count];
            int n = 0;
            values[n++] = st.segSel[Seg.SS];
            values[n++] = cpu.gpr[4];
            // Parameters are read from the caller's stack at the caller's privilege, deepest first.
            for (int i = count - 1; i >= 0; i--) values[n++] = cpu.peekStack(size, i * size);
            values[n++] = st.segSel[Seg.CS];
            values[n++] = st.eip;
            int sattr = Segments.descAttr(sd);
            int esp = Interrupts.writeFrame(cpu, values, n, size, Segments.descBase(sd), Segments.descLimit(sd), sattr,
                    newEsp, dpl == 3, newSs & 0xFFFC);
            if (Integer.compareUnsigned(target, Segments.descLimit(cd)) > 0) throw CpuFault.gp(0);
            Segments.setAccessed(cpu, newSs, sd);
            cpu.loadSegment(Seg.SS, newSs, Segments.descBase(sd), Segments.descLimit(sd), sattr | ATTR_ACCESSED);
            cpu.gpr[4] = (sattr & ATTR_DB) != 0 ? esp : (newEsp & 0xFFFF0000) | esp;
            loadCs(cpu, csel, cd, dpl);
            st.eip = target;
            return;
        }
        if (Integer.compareUnsigned(target, Segments.descLimit(cd)) > 0) throw CpuFault.gp(0);
        pushPair(cpu, size, st.segSel[Seg.CS], st.eip);
        loadCs(cpu, csel, cd, st.cpl);
        st.eip = target;
    }

    /** Pushes CS then EIP, both slots checked before ESP changes. */
    private static void pushPair(Cpu cpu, int size, int cs, int eip) {
        int sp = cpu.gpr[4];
        try {
            cpu.push(size, cs);
            cpu.push(size, eip);
        } catch (CpuFault f) {
            cpu.gpr[4] = sp;
            throw f;
        }
    }

    /** RETF [imm16]. */
    static void retFar(Cpu cpu, Insn in, int release) {
        CpuState st = cpu.st;
        int size = in.opsize;
        int eip = cpu.peekStack(size, 0);
        int sel = cpu.peekStack(size, size) & 0xFFFF;
        if (size == 2) eip &= 0xFFFF;
        if (!st.protectedMode() || st.v86()) {
            if (Integer.compareUnsigned(eip, st.segLimit[Seg.CS]) > 0) throw CpuFault.gp(0);
            cpu.loadSegment(Seg.CS, sel, sel << 4, st.segLimit[Seg.CS], st.segAttr[Seg.CS]);
            cpu.adjustSp(2 * size + release);
            st.eip = eip;
            return;
        }
        int rpl = sel & 3;
        long d = returnCodeSegment(cpu, sel, eip);
        if (rpl == st.cpl) {
            loadCs(cpu, sel, d, rpl);
            cpu.adjustSp(2 * size + release);
            st.eip = eip;
            return;
        }
        // Return to an outer privilege level: ESP and SS follow the parameters.
        int newEsp = cpu.peekStack(size, 2 * size + release);
        int newSs = cpu.peekStack(size, 3 * size + release) & 0xFFFF;
        long sd = checkOuterSs(cpu, newSs, rpl);
        loadCs(cpu, sel, d, rpl);
        Segments.setAccessed(cpu, newSs, sd);
        cpu.loadSegment(Seg.SS, newSs, Segments.descBase(sd), Segments.descLimit(sd), Segments.descAttr(sd) | ATTR_ACCESSED);
        if (size == 2) cpu.st.setReg16(4, newEsp + release);
        else cpu.gpr[4] = newEsp + release;
        st.eip = eip;
        nullInaccessibleSegments(cpu);
    }

    /**
     * The SS of a return to outer privilege {@code rpl} (SDM Vol.2B RET, IRET RETURN-TO-OUTER-PRIVILEGE-LEVEL):
     * not null, RPL = return CS RPL, writable data with DPL = RPL (#GP(SS)); present (#SS(SS)). Checked before
     * anything is committed.
     */
    private static long checkOuterSs(Cpu cpu, int ss, int rpl) {
        if ((ss & 0xFFFC) == 0) throw CpuFault.gp(0);
        if ((ss & 3) != rpl) throw CpuFault.gp(ss & 0xFFFC);
        long sd = Segments.readDescriptor(cpu, ss, CpuFault.GP);
        int a = Segments.descAttr(sd);
        if ((a & ATTR_S) == 0 || (a & ATTR_CODE) != 0 || (a & ATTR_WRITABLE) == 0 || attrDpl(a) != rpl) {
            throw CpuFault.gp(ss & 0xFFFC);
        }
        if ((a & ATTR_P) == 0) throw new CpuFault(CpuFault.SS, ss & 0xFFFC);
        return sd;
    }

    /**
     * After a return to an outer level, data segment registers whose DPL is below the new CPL (and are not
     * conforming code) are loaded with the null selector (SDM Vol.2B RET, IRET).
     */
    static void nullInaccessibleSegments(Cpu cpu) {
        CpuState st = cpu.st;
        for (int s : new int[] {Seg.ES, Seg.DS, Seg.FS, Seg.GS}) {
            int attr = st.segAttr[s];
            if (attr == 0) continue;
            boolean conformingCode = (attr & ATTR_CODE) != 0 && (attr & ATTR_CONFORMING) != 0;
            if (!conformingCode && attrDpl(attr) < st.cpl) cpu.loadSegment(s, 0, 0, 0, 0);
        }
    }

    /** IRET/IRETD (SDM Vol.2B IRET): real mode, same privilege, outer privilege, and return to V86 mode. */
    static void iret(Cpu cpu, Insn in) {
        CpuState st = cpu.st;
        int size = in.opsize;
        if (!st.protectedMode()) {
            int eip = cpu.peekStack(size, 0);
            int cs = cpu.peekStack(size, size) & 0xFFFF;
            int fl = cpu.peekStack(size, 2 * size);
            if (size == 2) eip &= 0xFFFF;
            cpu.loadSegment(Seg.CS, cs, cs << 4, st.segLimit[Seg.CS], st.segAttr[Seg.CS]);
            cpu.adjustSp(3 * size);
            int old = st.eflags();
            int mask = size == 2 ? 0xFFFF : ~(VM | VIF | VIP);
            int nv = (old & ~mask) | (fl & mask);
            st.setEflags(nv);
            st.eip = eip;
            return;
        }
        if (st.v86()) {
            if (st.iopl() < 3) throw CpuFault.gp(0);
            int eip = cpu.peekStack(size, 0);
            int cs = cpu.peekStack(size, size) & 0xFFFF;
            int fl = cpu.peekStack(size, 2 * size);
            if (size == 2) eip &= 0xFFFF;
            cpu.adjustSp(3 * size);
            cpu.loadSegment(Seg.CS, cs, cs << 4, 0xFFFF, st.segAttr[Seg.CS]);
            int old = st.eflags();
            int mask = (size == 2 ? 0xFFFF : ~(VM | VIF | VIP)) & ~IOPL;   // SDM Vol.2B IRET: VM, IOPL, VIP, VIF kept
            st.setEflags((old & ~mask) | (fl & mask));
            st.eip = eip;
            return;
        }
        if ((st.flagsRest & NT) != 0) throw new CpuFault(CpuFault.GP, 0);   // task return: not supported
        int eip = cpu.peekStack(size, 0);
        int cs = cpu.peekStack(size, size) & 0xFFFF;
        int fl = cpu.peekStack(size, 2 * size);
        if (size == 2) {
            eip &= 0xFFFF;
            fl = (st.eflags() & ~0xFFFF) | (fl & 0xFFFF);
        }
        if ((fl & VM) != 0 && st.cpl == 0 && size == 4) {
            returnToV86(cpu, eip, cs, fl);
            return;
        }
        int rpl = cs & 3;
        long d = returnCodeSegment(cpu, cs, eip);
        int oldCpl = st.cpl;
        int oldFlags = st.eflags();
        // Which EFLAGS bits the return may change (SDM IRET: IOPL only at CPL 0, IF only when CPL <= IOPL).
        int mask = CF | PF | AF | ZF | SF | TF | DF | OF | NT | RF | AC | ID;
        if (oldCpl <= st.iopl()) mask |= IF;
        if (oldCpl == 0) mask |= IOPL | VIF | VIP;
        if (size == 2) mask &= 0xFFFF;
        if (rpl == oldCpl) {
            loadCs(cpu, cs, d, rpl);
            cpu.adjustSp(3 * size);
            st.setEflags((oldFlags & ~mask) | (fl & mask));
            st.eip = eip;
            Sys.flagsChanged(cpu, oldFlags);
            return;
        }
        int newEsp = cpu.peekStack(size, 3 * size);
        int newSs = cpu.peekStack(size, 4 * size) & 0xFFFF;
        // Check SS against the new privilege before committing anything.
        long sd = checkOuterSs(cpu, newSs, rpl);
        int sattr = Segments.descAttr(sd);
        loadCs(cpu, cs, d, rpl);
        Segments.setAccessed(cpu, newSs, sd);
        cpu.loadSegment(Seg.SS, newSs, Segments.descBase(sd), Segments.descLimit(sd), sattr | ATTR_ACCESSED);
        if (size == 2) st.setReg16(4, newEsp);
        else cpu.gpr[4] = newEsp;
        st.setEflags((oldFlags & ~mask) | (fl & mask));
        st.eip = eip;
        nullInaccessibleSegments(cpu);
        Sys.flagsChanged(cpu, oldFlags);
    }

    /** IRETD from CPL 0 with VM set in the popped EFLAGS: pops ESP, SS, ES, DS, FS, GS and enters V86 mode. */
    private static void returnToV86(Cpu cpu, int eip, int cs, int fl) {
        CpuState st = cpu.st;
        int esp = cpu.peekStack(4, 12);
        int ss = cpu.peekStack(4, 16) & 0xFFFF;
        int es = cpu.peekStack(4, 20) & 0xFFFF;
        int ds = cpu.peekStack(4, 24) & 0xFFFF;
        int fs = cpu.peekStack(4, 28) & 0xFFFF;
        int gs = cpu.peekStack(4, 32) & 0xFFFF;
        int old = st.eflags();
        st.setEflags(fl);
        final int v86Attr = 0xF300;   // present, DPL 3, writable data, 16-bit
        cpu.loadSegment(Seg.ES, es, es << 4, 0xFFFF, v86Attr);
        cpu.loadSegment(Seg.DS, ds, ds << 4, 0xFFFF, v86Attr);
        cpu.loadSegment(Seg.FS, fs, fs << 4, 0xFFFF, v86Attr);
        cpu.loadSegment(Seg.GS, gs, gs << 4, 0xFFFF, v86Attr);
        cpu.loadSegment(Seg.SS, ss, ss << 4, 0xFFFF, v86Attr);
        cpu.loadSegment(Seg.CS, cs, cs << 4, 0xFFFF, 0xFB00);
        cpu.gpr[4] = esp;
        st.eip = eip & 0xFFFF;
        Sys.flagsChanged(cpu, old);
        cpu.refreshAll();
    }

    /**
     * The checks RETF and IRET share on the code segment they return to (SDM Vol.2 RET and IRET, protected
     * mode): not null, a code segment, RPL not below CPL, DPL equal to RPL (at most RPL when conforming), present,
     * EIP within the limit. Returns its descriptor.
     */
    private static long returnCodeSegment(Cpu cpu, int sel, int eip) {
        int rpl = sel & 3;
        if ((sel & 0xFFFC) == 0) throw CpuFault.gp(0);
        long d = Segments.readDescriptor(cpu, sel, CpuFault.GP);
        int attr = Segments.descAttr(d);
        if ((attr & ATTR_S) == 0 || (attr & ATTR_CODE) == 0) throw CpuFault.gp(sel & 0xFFFC);
        if (rpl < cpu.st.cpl) throw CpuFault.gp(sel & 0xFFFC);
        int dpl = attrDpl(attr);
        if ((attr & ATTR_CONFORMING) != 0 ? dpl > rpl : dpl != rpl) throw CpuFault.gp(sel & 0xFFFC);
        if ((attr & ATTR_P) == 0) throw new CpuFault(CpuFault.NP, sel & 0xFFFC);
        if (Integer.compareUnsigned(eip, Segments.descLimit(d)) > 0) throw CpuFault.gp(0);
        return d;
    }
}
