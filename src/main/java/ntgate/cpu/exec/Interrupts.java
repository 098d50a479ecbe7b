package ntgate.cpu.exec;

import ntgate.cpu.Cpu;
import ntgate.cpu.CpuFault;
import ntgate.cpu.CpuState;
import ntgate.cpu.Seg;

import static ntgate.cpu.CpuState.*;

/**
 * Exception and interrupt delivery: the IVT in real mode, the IDT in protected mode (SDM Vol.3A 6.10-6.15,
 * Vol.2A INT n Operation). Interrupt and trap gates, 16- and 32-bit, to the same privilege level, to an inner
 * one through the TSS stack, and from virtual-8086 mode to ring 0; the gate-DPL check of INT n / INT3 / INTO;
 * the double-fault rules and the triple fault.
 *
 * <p>Task gates are not supported: delivery through one is #GP(vector * 8 + 2 + EXT) and {@link Cpu#note}
 * says why. Nothing architectural changes until every check has passed and the frame is written, so a fault
 * during delivery leaves the state as the first event found it, ready for the double-fault rules.
 */
public final class Interrupts implements Cpu.ExceptionDelivery {
    /** Values to push, in push order; at most GS FS DS ES SS ESP EFLAGS CS EIP error code. */
    private final int[] frame = new int[10];
    private int frameLen;

    /**
     * Delivers {@code f}, applying SDM Vol.3A 6.15 Table 6-5 when delivery itself faults: contributory after
     * contributory, or contributory or #PF after #PF, is a double fault (error code 0); any fault while
     * delivering #DF shuts the processor down; other pairs are handled serially (the second is delivered).
     */
    @Override
    public void deliver(Cpu cpu, CpuFault f) {
        try {
            deliverOne(cpu, f);
        } catch (CpuFault second) {
            // A software interrupt whose delivery faults did not execute: the fault restarts it (SDM Vol.2A INT n).
            if (f.software) {
                cpu.st.eip = cpu.eventEip;
                cpu.icount--;
                // INT n is not an exception, so Table 6-5 does not apply: the gate-DPL #GP of a user's INT 0Dh or
                // INT 0Eh (or INT 08h) is an ordinary #GP, not a double fault (SDM Vol.3A 6.15, "Interrupt 8").
                deliver(cpu, second);
                return;
            }
            if (f.vector == CpuFault.DF) {
                throw new Cpu.TripleFault("triple fault: " + second.getMessage() + " while delivering #DF");
            }
            if (isDoubleFault(f.vector, second.vector)) {
                try {
                    deliverOne(cpu, new CpuFault(CpuFault.DF, 0));
                } catch (CpuFault third) {
                    throw new Cpu.TripleFault("triple fault: " + f.getMessage() + " then " + second.getMessage()
                            + " made #DF, whose delivery raised " + third.getMessage());
                }
            } else {
                deliver(cpu, second);
            }
        }
    }

    /** SDM Vol.3A Table 6-5. */
    static boolean isDoubleFault(int first, int second) {
        boolean secondContributory = isContributory(second);
        if (isContributory(first)) return secondContributory;
        if (first == CpuFault.PF) return secondContributory || second == CpuFault.PF;
        return false;
    }

    /** #DE, #TS, #NP, #SS, #GP (SDM Vol.3A Table 6-4). */
    static boolean isContributory(int vector) {
        return vector == CpuFault.DE || (vector >= CpuFault.TS && vector <= CpuFault.GP);
    }

    private void deliverOne(Cpu cpu, CpuFault f) {
        CpuState st = cpu.st;
        if (f.vector == CpuFault.PF) st.cr2 = f.linear;   // SDM Vol.3A 4.7: CR2 holds the faulting linear address
        if (!st.protectedMode()) {
            realMode(cpu, f);
            return;
        }
        protectedMode(cpu, f);
    }

    /**
     * Real-address mode (SDM Vol.2A INT n, REAL-ADDRESS-MODE): push FLAGS, CS, IP; clear IF, TF, AC, RF; CS:IP
     * from the 4-byte IVT entry.
     */
    private void realMode(Cpu cpu, CpuFault f) {
        CpuState st = cpu.st;
        int v = f.vector;
        if (Integer.compareUnsigned(v * 4 + 3, st.idtrLimit) > 0) throw CpuFault.gp(0);
        int ip = cpu.mmu.readSys(st.idtrBase + v * 4, 2);
        int cs = cpu.mmu.readSys(st.idtrBase + v * 4 + 2, 2);
        frameLen = 0;
        frame[frameLen++] = st.eflags();
        frame[frameLen++] = st.segSel[Seg.CS];
        frame[frameLen++] = st.eip;
        int sp = writeFrame(cpu, 2, st.segBase[Seg.SS], st.segLimit[Seg.SS], st.segAttr[Seg.SS] & ~ATTR_DB | ATTR_P | ATTR_S | ATTR_WRITABLE,
                st.gpr[4], false, 0);
        st.gpr[4] = sp;
        st.flagsRest &= ~(IF | TF | AC | RF);
        cpu.loadSegment(Seg.CS, cs, cs << 4, st.segLimit[Seg.CS], st.segAttr[Seg.CS]);
        st.eip = ip;
    }

    /**
     * Protected mode and virtual-8086 mode through the IDT (SDM Vol.2A INT n Operation, PROTECTED-MODE). Each
     * check is one guard with the SDM's fault; EXT (bit 0 of a selector error code) is set unless the event is
     * INT n, INT3 or INTO.
     */
    private void protectedMode(Cpu cpu, CpuFault f) {
        CpuState st = cpu.st;
        int v = f.vector;
        int ext = f.software ? 0 : 1;
        int idtError = v * 8 + 2 + ext;
        // The gate must lie within the IDT limit.
        if (Integer.compareUnsigned(v * 8 + 7, st.idtrLimit) > 0) throw CpuFault.gp(idtError);
        int lo = cpu.mmu.readSys(st.idtrBase + v * 8, 4);
        int hi = cpu.mmu.readSys(st.idtrBase + v * 8 + 4, 4);
        int type = (hi >>> 8) & 0x1F;   // the S bit (bit 12) is part of the type here: gates are system descriptors
        int gateDpl = (hi >>> 13) & 3;
        boolean gatePresent = (hi & ATTR_P) != 0;
        // Interrupt, trap or task gate, else #GP.
        if (type != 0x05 && type != 0x06 && type != 0x07 && type != 0x0E && type != 0x0F) throw CpuFault.gp(idtError);
        // INT n, INT3, INTO: gate DPL >= CPL (SDM Vol.3A 6.12.1.1).
        if (f.software && gateDpl < st.cpl) throw CpuFault.gp(v * 8 + 2);
        if (!gatePresent) throw new CpuFault(CpuFault.NP, idtError);
        if (type == 0x05) {
            cpu.note = String.format("task gates are not supported: IDT vector 0x%02X is a task gate", v);
            throw CpuFault.gp(idtError);
        }
        boolean gate32 = (type & 8) != 0;
        boolean interruptGate = (type & 1) == 0;
        int sel = lo >>> 16;
        int offset = gate32 ? (lo & 0xFFFF) | (hi & 0xFFFF0000) : lo & 0xFFFF;
        // The code segment: not null, within its table, code, DPL <= CPL, present.
        if ((sel & 0xFFFC) == 0) throw CpuFault.gp(ext);
        long cd = Segments.readDescriptor(cpu, sel, CpuFault.GP, (sel & 0xFFFC) + ext);
        int cattr = Segments.descAttr(cd);
        int cdpl = attrDpl(cattr);
        if ((cattr & ATTR_S) == 0 || (cattr & ATTR_CODE) == 0 || cdpl > st.cpl) throw CpuFault.gp((sel & 0xFFFC) + ext);
        if ((cattr & ATTR_P) == 0) throw new CpuFault(CpuFault.NP, (sel & 0xFFFC) + ext);
        boolean conforming = (cattr & ATTR_CONFORMING) != 0;
        int size = gate32 ? 4 : 2;
        int errorCode = f.errorCode;
        boolean pushError = f.hasErrorCode();
        // EFLAGS image: RF is 1 for every fault-class exception but an instruction-breakpoint #DB, otherwise as
        // it is (SDM Vol.3A 17.3.1.1).
        int image = st.eflags();
        if (!f.trap && v != CpuFault.DB) image |= RF;
        if (st.v86()) {
            // From V86 mode only a ring-0 non-conforming code segment will do.
            if (conforming || cdpl != 0) throw CpuFault.gp((sel & 0xFFFC) + ext);
            fromV86(cpu, sel, cd, offset, size, interruptGate, image, pushError, errorCode, ext);
            return;
        }
        if (!conforming && cdpl < st.cpl) {
            toInnerLevel(cpu, sel, cd, cdpl, offset, size, interruptGate, image, pushError, errorCode, ext);
            return;
        }
        // Same privilege (conforming, or DPL = CPL): the frame goes on the current stack.
        frameLen = 0;
        frame[frameLen++] = image;
        frame[frameLen++] = st.segSel[Seg.CS];
        frame[frameLen++] = st.eip;
        if (pushError) frame[frameLen++] = errorCode;
        if (Integer.compareUnsigned(offset, Segments.descLimit(cd)) > 0) throw CpuFault.gp(ext);
        int esp = writeFrame(cpu, size, st.segBase[Seg.SS], st.segLimit[Seg.SS], st.segAttr[Seg.SS], st.gpr[4], st.cpl == 3, ext);
        commitFlags(st, interruptGate);
        st.gpr[4] = esp;
        Segments.setAccessed(cpu, sel, cd);
        cpu.loadSegment(Seg.CS, (sel & 0xFFFC) | st.cpl, Segments.descBase(cd), Segments.descLimit(cd), cattr | ATTR_ACCESSED);
        st.eip = offset;
    }

    /** Interrupt or exception handled at an inner privilege level: stack from the TSS (SDM Vol.3A 6.12.1). */
    private void toInnerLevel(Cpu cpu, int sel, long cd, int newCpl, int offset, int size, boolean interruptGate,
                              int image, boolean pushError, int errorCode, int ext) {
        CpuState st = cpu.st;
        long ss = tssStack(cpu, newCpl, ext);
        int newSs = (int) (ss >>> 32) & 0xFFFF;
        int newEsp = (int) ss;
        long sd = checkNewStack(cpu, newSs, newCpl, ext);
        frameLen = 0;
        frame[frameLen++] = st.segSel[Seg.SS];
        frame[frameLen++] = st.gpr[4];
        frame[frameLen++] = image;
        frame[frameLen++] = st.segSel[Seg.CS];
        frame[frameLen++] = st.eip;
        if (pushError) frame[frameLen++] = errorCode;
        int sattr = Segments.descAttr(sd);
        int esp = writeFrame(cpu, size, Segments.descBase(sd), Segments.descLimit(sd), sattr, newEsp, newCpl == 3,
                (newSs & 0xFFFC) + ext);
        if (Integer.compareUnsigned(offset, Segments.descLimit(cd)) > 0) throw CpuFault.gp(ext);
        commitFlags(st, interruptGate);
        Segments.setAccessed(cpu, newSs, sd);
        cpu.loadSegment(Seg.SS, newSs, Segments.descBase(sd), Segments.descLimit(sd), sattr | ATTR_ACCESSED);
        st.gpr[4] = (sattr & ATTR_DB) != 0 ? esp : (newEsp & 0xFFFF0000) | (esp & 0xFFFF);
        Segments.setAccessed(cpu, sel, cd);
        cpu.loadSegment(Seg.CS, (sel & 0xFFFC) | newCpl, Segments.descBase(cd), Segments.descLimit(cd),
                Segments.descAttr(cd) | ATTR_ACCESSED);
        st.eip = offset;
    }

    /**
     * From virtual-8086 mode (SDM Vol.2A INT n, INTERRUPT-FROM-VIRTUAL-8086-MODE): ring-0 stack from the TSS;
     * push GS, FS, DS, ES, SS, ESP, EFLAGS (VM = 1), CS, EIP and the error code; load null selectors into DS,
     * ES, FS and GS; leave V86 mode.
     */
    private void fromV86(Cpu cpu, int sel, long cd, int offset, int size, boolean interruptGate, int image,
                         boolean pushError, int errorCode, int ext) {
        CpuState st = cpu.st;
        long ss = tssStack(cpu, 0, ext);
        int newSs = (int) (ss >>> 32) & 0xFFFF;
        int newEsp = (int) ss;
        long sd = checkNewStack(cpu, newSs, 0, ext);
        frameLen = 0;
        frame[frameLen++] = st.segSel[Seg.GS];
        frame[frameLen++] = st.segSel[Seg.FS];
        frame[frameLen++] = st.segSel[Seg.DS];
        frame[frameLen++] = st.segSel[Seg.ES];
        frame[frameLen++] = st.segSel[Seg.SS];
        frame[frameLen++] = st.gpr[4];
        frame[frameLen++] = image;
        frame[frameLen++] = st.segSel[Seg.CS];
        frame[frameLen++] = st.eip;
        if (pushError) frame[frameLen++] = errorCode;
        int sattr = Segments.descAttr(sd);
        int esp = writeFrame(cpu, size, Segments.descBase(sd), Segments.descLimit(sd), sattr, newEsp, false,
                (newSs & 0xFFFC) + ext);
        if (Integer.compareUnsigned(offset, Segments.descLimit(cd)) > 0) throw CpuFault.gp(ext);
        commitFlags(st, interruptGate);   // clears VM: the segment loads below are protected-mode loads
        for (int s : DATA_SEGS) cpu.loadSegment(s, 0, 0, 0, 0);
        Segments.setAccessed(cpu, newSs, sd);
        cpu.loadSegment(Seg.SS, newSs, Segments.descBase(sd), Segments.descLimit(sd), sattr | ATTR_ACCESSED);
        st.gpr[4] = (sattr & ATTR_DB) != 0 ? esp : (newEsp & 0xFFFF0000) | (esp & 0xFFFF);
        Segments.setAccessed(cpu, sel, cd);
        cpu.loadSegment(Seg.CS, sel & 0xFFFC, Segments.descBase(cd), Segments.descLimit(cd), Segments.descAttr(cd) | ATTR_ACCESSED);
        st.eip = offset;
        cpu.refreshAll();
    }

    private static final int[] DATA_SEGS = {Seg.ES, Seg.DS, Seg.FS, Seg.GS};

    /** TF, NT, RF and VM are cleared; an interrupt gate also clears IF (SDM Vol.3A 6.12.1.2). */
    private static void commitFlags(CpuState st, boolean interruptGate) {
        st.flagsRest &= ~(TF | NT | RF | VM);
        if (interruptGate) st.flagsRest &= ~IF;
    }

    /**
     * Reads SSn:ESPn for privilege {@code dpl} from the current TSS (32-bit TSS: ESPn at 4 + 8n, SSn at 8 + 8n;
     * 16-bit TSS: SPn at 2 + 4n, SSn at 4 + 4n); #TS(TSS selector + EXT) when outside the TSS limit.
     *
     * @return SS in bits 32..47, ESP in bits 0..31
     */
    static long tssStack(Cpu cpu, int dpl, int ext) {
        CpuState st = cpu.st;
        int trError = (st.trSel & 0xFFFC) + ext;
        if ((st.trAttr & ATTR_P) == 0) throw new CpuFault(CpuFault.TS, trError);
        boolean tss32 = (st.trAttr & 0x800) != 0;
        int at = tss32 ? (dpl << 3) + 4 : (dpl << 2) + 2;
        if (Integer.compareUnsigned(at + (tss32 ? 5 : 3), st.trLimit) > 0) throw new CpuFault(CpuFault.TS, trError);
        int esp = tss32 ? cpu.mmu.readSys(st.trBase + at, 4) : cpu.mmu.readSys(st.trBase + at, 2);
        int ss = cpu.mmu.readSys(st.trBase + at + (tss32 ? 4 : 2), 2);
        return ((long) ss << 32) | (esp & 0xFFFFFFFFL);
    }

    /**
     * The new stack segment of an inner-level transfer: not null (#TS(EXT)), within its table, RPL = DPL = the
     * new CPL, writable data (#TS(SS + EXT)), present (#SS(SS + EXT)).
     */
    static long checkNewStack(Cpu cpu, int ss, int cpl, int ext) {
        if ((ss & 0xFFFC) == 0) throw new CpuFault(CpuFault.TS, ext);
        int err = (ss & 0xFFFC) + ext;
        long sd = Segments.readDescriptor(cpu, ss, CpuFault.TS, err);
        int a = Segments.descAttr(sd);
        if ((ss & 3) != cpl) throw new CpuFault(CpuFault.TS, err);
        if (attrDpl(a) != cpl || (a & ATTR_S) == 0 || (a & ATTR_CODE) != 0 || (a & ATTR_WRITABLE) == 0) {
            throw new CpuFault(CpuFault.TS, err);
        }
        if ((a & ATTR_P) == 0) throw new CpuFault(CpuFault.SS, err);
        return sd;
    }

    /**
     * Writes {@link #frame} below {@code esp} on a stack segment, first checking that every slot is within the
     * segment (expand-down included; #SS({@code ssError}) otherwise), at the new privilege's paging rights.
     *
     * @return the new ESP (for a 16-bit stack only its low 16 bits count)
     */
    private int writeFrame(Cpu cpu, int size, int base, int limit, int attr, int esp, boolean user, int ssError) {
        return writeFrame(cpu, frame, frameLen, size, base, limit, attr, esp, user, ssError);
    }

    /** Writes {@code values[0..n)} (in push order) below {@code esp}; see {@link #writeFrame(Cpu, int, int, int, int, int, boolean, int)}. */
    static int writeFrame(Cpu cpu, int[] values, int n, int size, int base, int limit, int attr, int esp, boolean user,
                          int ssError) {
        boolean big = (attr & ATTR_DB) != 0;
        for (int k = 1; k <= n; k++) {
            int off = big ? esp - k * size : (esp - k * size) & 0xFFFF;
            if (!fits(attr, limit, off, size)) throw new CpuFault(CpuFault.SS, ssError);
        }
        for (int k = 1; k <= n; k++) {
            int off = big ? esp - k * size : (esp - k * size) & 0xFFFF;
            cpu.mmu.writeAs(base + off, size, size == 2 ? values[k - 1] & 0xFFFF : values[k - 1], user);
        }
        return big ? esp - n * size : (esp - n * size) & 0xFFFF;
    }

    /** True when bytes [off, off + len) are inside a data segment of this limit and type (SDM Vol.3A 5.3). */
    static boolean fits(int attr, int limit, int off, int len) {
        int last = off + len - 1;
        if (Integer.compareUnsigned(last, off) < 0) return false;   // wraps around the segment
        if ((attr & ATTR_CODE) == 0 && (attr & ATTR_EXPAND_DOWN) != 0) {
            int hi = (attr & ATTR_DB) != 0 ? -1 : 0xFFFF;
            return Integer.compareUnsigned(off, limit) > 0 && Integer.compareUnsigned(last, hi) <= 0;
        }
        return Integer.compareUnsigned(last, limit) <= 0;
    }
}
