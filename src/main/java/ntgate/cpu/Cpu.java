package ntgate.cpu;

import ntgate.cpu.decode.Decoder;
import ntgate.cpu.decode.Insn;
import ntgate.cpu.exec.Exec;
import ntgate.cpu.mem.Mmu;
import ntgate.cpu.mem.PhysicalMemory;

/**
 * One emulated IA-32 processor: the architectural state, the MMU, the decoded-code cache and the interpreter
 * loop, with the operand access that all instruction handlers share (effective addresses, segment checks,
 * E/G operands, the stack). Handlers live in {@code cpu.exec} and never decode.
 *
 * <p>The loop does not allocate: instructions are decoded once into {@link Insn} records held per physical
 * page and re-decoded only when their page is written.
 */
public final class Cpu {
    public final CpuState st;
    public final int[] gpr;
    public final Mmu mmu;
    public final PhysicalMemory mem;

    /** Instructions retired since reset. */
    public long icount;

    private IoBus io = IoBus.NONE;
    private CpuHooks hooks;

    // ---- derived segment data (a cache of the descriptor caches; see refreshSegment) ----
    /** Per segment: lowest valid offset and (highest - lowest). */
    private final int[] segLo = new int[6];
    private final int[] segSpan = new int[6];
    /** Per segment: SEG_READ / SEG_WRITE when such accesses are allowed. */
    private final int[] segOk = new int[6];
    private static final int SEG_READ = 1, SEG_WRITE = 2;
    /**
     * Bit {@code seg} set: the segment holds every offset (lowest 0, span 0xFFFFFFFF) and allows reads (flatRead)
     * or writes (flatWrite), so linRead / linWrite have nothing to check.
     */
    private int flatRead, flatWrite;
    /** SS is a flat, writable 32-bit stack segment in protected mode: push32/pop32 take their fast path. */
    private boolean flatStack32;

    // ---- decoded-code cache ----
    private final Insn[][] codePages;
    private int fetchLinPage = -1;
    private Insn[] fetchPage;
    private int fetchPhysPage;
    /**
     * The current fetch page's instructions when they may be chained ({@link Insn#next}): CS is flat (no limit
     * to check) and nothing has reset the fetch translation since; else null.
     */
    private Insn[] chainPage;
    private final byte[] codeMode;
    private static final int CROSS_SLOTS = 64;
    private final int[] crossLin = new int[CROSS_SLOTS], crossPhys = new int[CROSS_SLOTS], crossPhys2 = new int[CROSS_SLOTS];
    private final byte[] crossMode = new byte[CROSS_SLOTS];
    private final Insn[] crossInsn = new Insn[CROSS_SLOTS];
    {
        java.util.Arrays.fill(crossLin, -1);
    }

    /** Why {@link #run} returned. */
    public enum Stop { BUDGET, FAULT, HALT, BREAK, LEFT_RANGE, TRIPLE_FAULT, SHUTDOWN }

    /** The fault that stopped the last {@link #run} (when {@link Stop#FAULT}), else null. */
    public CpuFault lastFault;
    /** For a trap-type stop (INT n, INT3, INTO, INT1), the EIP after the instruction. */
    public boolean lastFaultIsTrap;

    /** When set, faults are delivered through the IDT instead of stopping {@link #run}. */
    public ExceptionDelivery delivery;

    /** Delivers a fault or interrupt through the IDT (protected mode) or IVT (real mode). */
    public interface ExceptionDelivery {
        /**
         * Delivers {@code f}; the state's EIP is the address to save (the faulting instruction for faults,
         * the next one for traps and software interrupts). Throws {@link TripleFault} when even a double
         * fault cannot be delivered.
         */
        void deliver(Cpu cpu, CpuFault f);
    }

    /**
     * Runs Java host routines for the reserved {@code hostcall n} instruction (0F 3F iw) in ring 0; null makes
     * that instruction #UD, as on an Intel processor.
     */
    public HostCalls hostCalls;

    /** A set of host routines reached through {@code hostcall n}. */
    public interface HostCalls {
        /**
         * Runs routine {@code n}. EIP already points past the hostcall instruction; the routine reads and
         * writes guest state through the CPU (so a bad guest pointer raises the #PF it would on hardware) and
         * may throw {@link CpuFault}, which is raised at the hostcall instruction.
         */
        void call(Cpu cpu, int n);
    }

    public Cpu(PhysicalMemory mem) {
        this.st = new CpuState();
        this.gpr = st.gpr;
        this.mem = mem;
        this.mmu = new Mmu(st, mem);
        this.codePages = new Insn[mem.pages()][];
        this.codeMode = new byte[mem.pages()];
        mmu.setCodeWatcher(this::invalidateCodePage);
        for (int s = 0; s < 6; s++) refreshSegment(s);
    }

    public void setIo(IoBus io) {
        this.io = io == null ? IoBus.NONE : io;
    }

    public IoBus io() {
        return io;
    }

    public void setHooks(CpuHooks hooks) {
        this.hooks = hooks;
    }

    public CpuHooks hooks() {
        return hooks;
    }

    // ================================================================ segments

    /** Loads a segment register's visible part and descriptor cache with no checks (setup, mode switches). */
    public void loadSegment(int seg, int selector, int base, int limit, int attr) {
        st.loadSegmentCache(seg, selector, base, limit, attr);
        refreshSegment(seg);
        if (seg == Seg.CS) {
            st.cpl = ((st.flagsRest & CpuState.VM) != 0) ? 3 : (st.protectedMode() ? (attr == 0 ? 0 : (selector & 3)) : 0);
            privilegeChanged();
        }
    }

    /** Sets CPL explicitly (SYSENTER/SYSEXIT, mode switches) and updates everything that depends on it. */
    public void setCpl(int cpl) {
        st.cpl = cpl;
        privilegeChanged();
    }

    private void privilegeChanged() {
        mmu.setUserMode(st.cpl == 3);
        resetFetch();
    }

    /** Recomputes the derived access data of one segment from its descriptor cache. */
    public void refreshSegment(int seg) {
        refreshLimits(seg);
        int bit = 1 << seg;
        boolean flat = segLo[seg] == 0 && segSpan[seg] == -1;
        flatRead = flat && (segOk[seg] & SEG_READ) != 0 ? flatRead | bit : flatRead & ~bit;
        flatWrite = flat && (segOk[seg] & SEG_WRITE) != 0 ? flatWrite | bit : flatWrite & ~bit;
        if (seg == Seg.SS) flatStack32 = (flatWrite & bit) != 0 && (flatRead & bit) != 0 && stack32();
    }

    private void refreshLimits(int seg) {
        int attr = st.segAttr[seg];
        int limit = st.segLimit[seg];
        if (!st.protectedMode() || st.v86()) {
            // Real and V86 mode: any segment is readable and writable within its limit (SDM Vol.3A 20.1).
            segLo[seg] = 0;
            segSpan[seg] = limit;
            segOk[seg] = SEG_READ | SEG_WRITE;
            if (seg == Seg.CS) resetFetch();
            return;
        }
        if ((attr & CpuState.ATTR_P) == 0) {
            segLo[seg] = 0;
            segSpan[seg] = 0;
            segOk[seg] = 0;
            if (seg == Seg.CS) resetFetch();
            return;
        }
        boolean code = (attr & CpuState.ATTR_CODE) != 0;
        int ok;
        if (code) {
            ok = (attr & CpuState.ATTR_READABLE) != 0 ? SEG_READ : 0;
            segLo[seg] = 0;
            segSpan[seg] = limit;
        } else {
            ok = SEG_READ | ((attr & CpuState.ATTR_WRITABLE) != 0 ? SEG_WRITE : 0);
            if ((attr & CpuState.ATTR_EXPAND_DOWN) != 0) {
                int hi = (attr & CpuState.ATTR_DB) != 0 ? -1 : 0xFFFF;
                segLo[seg] = limit + 1;
                segSpan[seg] = hi - (limit + 1);
                if (Integer.compareUnsigned(limit, hi) >= 0) ok = 0;   // empty expand-down segment
            } else {
                segLo[seg] = 0;
                segSpan[seg] = limit;
            }
        }
        segOk[seg] = ok;
        if (seg == Seg.CS) resetFetch();
    }

    /** Recomputes all derived segment data (after the state was edited directly). */
    public void refreshAll() {
        for (int s = 0; s < 6; s++) refreshSegment(s);
        st.cpl = st.v86() ? 3 : (st.protectedMode() ? st.cpl : 0);
        privilegeChanged();
        debugRegistersChanged();
    }

    private CpuFault segFault(int seg) {
        return new CpuFault(seg == Seg.SS ? CpuFault.SS : CpuFault.GP, 0);
    }

    /** Linear address for a read of {@code size} bytes at {@code seg:off}, after the limit and type checks. */
    public int linRead(int seg, int off, int size) {
        if ((flatRead & (1 << seg)) != 0) return st.segBase[seg] + off;   // the checks below all pass
        int rel = off - segLo[seg];
        int span = segSpan[seg];
        // A span of 0xFFFFFFFF (a flat segment) holds every offset: the common case takes one compare.
        if ((segOk[seg] & SEG_READ) == 0 || span != -1 && (Integer.compareUnsigned(rel, span) > 0
                || Integer.compareUnsigned(rel + size - 1, span) > 0)) {
            throw segFault(seg);
        }
        return st.segBase[seg] + off;
    }

    /** Linear address for a write of {@code size} bytes at {@code seg:off}, after the limit and type checks. */
    public int linWrite(int seg, int off, int size) {
        if ((flatWrite & (1 << seg)) != 0) return st.segBase[seg] + off;   // the checks below all pass
        int rel = off - segLo[seg];
        int span = segSpan[seg];
        // A span of 0xFFFFFFFF (a flat segment) holds every offset: the common case takes one compare.
        if ((segOk[seg] & SEG_WRITE) == 0 || span != -1 && (Integer.compareUnsigned(rel, span) > 0
                || Integer.compareUnsigned(rel + size - 1, span) > 0)) {
            throw segFault(seg);
        }
        return st.segBase[seg] + off;
    }

    /**
     * Set by MOV SS / POP SS / LSS: interrupts and debug traps are inhibited until the next instruction has
     * completed (SDM Vol.3A 6.8.3).
     */
    public boolean shadow;

    public void interruptShadow() {
        shadow = true;
        attention |= ATTN_SHADOW;
    }

    /** DR7 enables any breakpoint (recomputed when a debug register is written). */
    public boolean breakpointsArmed;

    // ---- debug attention: one combined test per instruction sends the loop to stepDebug ----
    /** Why the next instruction must take the debug path, besides EFLAGS.TF and EFLAGS.RF. */
    private int attention;
    private static final int ATTN_BREAKPOINTS = 1, ATTN_SHADOW = 2, ATTN_PENDING_DB = 4;
    /** An EIP window is set ({@link #setEipWindow}): {@link #run} tests it behind the same combined test. */
    private static final int ATTN_WINDOW = 8;
    private static final int ATTN_FLAGS = CpuState.TF | CpuState.RF;
    /** DR6 status bits (SDM Vol.3A 17.2.3). */
    public static final int DR6_B0 = 1, DR6_BD = 1 << 13, DR6_BS = 1 << 14, DR6_BT = 1 << 15;
    /** Enabled DR0-DR3 execute breakpoints, one bit each. */
    private int execBreakpoints;
    /** Debug-trap DR6 bits held back by a MOV SS / POP SS shadow, delivered after the next instruction. */
    private int pendingDebug;
    /** DR7 LEN encoding to bytes: 00 = 1, 01 = 2, 10 = 8 (undefined on IA-32; taken as 8), 11 = 4. */
    private static final int[] BP_LEN = {1, 2, 8, 4};

    /**
     * Re-reads DR0-DR3 and DR7 (SDM Vol.3A 17.2.4): L/G enables, R/W = 00 execute, 01 write, 11 read or write
     * (10, I/O breakpoints with CR4.DE, is not supported and ignored), LEN = 1, 2 or 4 bytes.
     */
    public void debugRegistersChanged() {
        int dr7 = st.dr[7];
        execBreakpoints = 0;
        boolean any = false;
        for (int i = 0; i < 4; i++) {
            boolean enabled = ((dr7 >>> (2 * i)) & 3) != 0;
            int rw = (dr7 >>> (16 + 4 * i)) & 3;
            int len = BP_LEN[(dr7 >>> (18 + 4 * i)) & 3];
            boolean data = enabled && (rw == 1 || rw == 3);
            mmu.setWatch(i, data, st.dr[i] & -len, len, rw == 1);
            if (enabled && rw == 0) execBreakpoints |= 1 << i;
            any |= enabled && rw != 2;
        }
        breakpointsArmed = any;
        attention = any ? attention | ATTN_BREAKPOINTS : attention & ~ATTN_BREAKPOINTS;
    }

    /** DR6 B0-B3 bits of the enabled execute breakpoints at {@code linear}. */
    private int executeBreakpointHits(int linear) {
        int hits = 0;
        for (int i = 0; i < 4; i++) {
            if ((execBreakpoints & (1 << i)) != 0 && st.dr[i] == linear) hits |= 1 << i;
        }
        return hits;
    }

    /** #GP(0) when {@code offset} is outside the CS limit (a near branch target). */
    public void checkCsLimit(int offset) {
        if (Integer.compareUnsigned(offset, segSpan[Seg.CS]) > 0) throw new CpuFault(CpuFault.GP, 0);
    }

    // ================================================================ memory operands

    public int read8(int seg, int off) {
        return mmu.read8(linRead(seg, off, 1));
    }

    public int read16(int seg, int off) {
        return mmu.read16(linRead(seg, off, 2));
    }

    public int read32(int seg, int off) {
        return mmu.read32(linRead(seg, off, 4));
    }

    public int read(int seg, int off, int size) {
        return mmu.read(linRead(seg, off, size), size);
    }

    public void write8(int seg, int off, int v) {
        mmu.write8(linWrite(seg, off, 1), v);
    }

    public void write16(int seg, int off, int v) {
        mmu.write16(linWrite(seg, off, 2), v);
    }

    public void write32(int seg, int off, int v) {
        mmu.write32(linWrite(seg, off, 4), v);
    }

    public void write(int seg, int off, int size, int v) {
        mmu.write(linWrite(seg, off, size), size, v);
    }

    /** Effective address (offset within the segment) of the instruction's memory operand. */
    public int ea(Insn i) {
        int a = gpr[i.base] + (gpr[i.index] << i.scale) + i.disp;
        return i.asize == 4 ? a : a & 0xFFFF;
    }

    /** Reads the E operand at the instruction's operand size {@code i.size}. */
    public int readE(Insn i) {
        int size = i.size;
        if (i.rm >= 0) return st.reg(i.rm, size);
        return read(i.seg, ea(i), size);
    }

    /** Reads the E operand with an explicit size. */
    public int readE(Insn i, int size) {
        if (i.rm >= 0) return st.reg(i.rm, size);
        return read(i.seg, ea(i), size);
    }

    public void writeE(Insn i, int v) {
        int size = i.size;
        if (i.rm >= 0) st.setReg(i.rm, size, v);
        else write(i.seg, ea(i), size, v);
    }

    public void writeE(Insn i, int size, int v) {
        if (i.rm >= 0) st.setReg(i.rm, size, v);
        else write(i.seg, ea(i), size, v);
    }

    /** For read-modify-write forms: checks that the memory operand is writable before anything changes. */
    public int linRmw(Insn i) {
        int off = ea(i);
        int lin = linWrite(i.seg, off, i.size);
        linRead(i.seg, off, i.size);
        mmu.probeWrite(lin, i.size);
        return lin;
    }

    public int readG(Insn i) {
        return st.reg(i.reg, i.size);
    }

    public void writeG(Insn i, int v) {
        st.setReg(i.reg, i.size, v);
    }

    // ================================================================ stack

    /** True when SS is a 32-bit stack (B = 1); false in real and V86 mode with 16-bit SS. */
    public boolean stack32() {
        return (st.segAttr[Seg.SS] & CpuState.ATTR_DB) != 0 && st.protectedMode() && !st.v86();
    }

    /** Pushes a value of {@code size} bytes (2 or 4). The write happens before ESP changes (no partial update). */
    public void push(int size, int v) {
        if (stack32()) {
            int sp = gpr[4] - size;
            write(Seg.SS, sp, size, v);
            gpr[4] = sp;
        } else {
            int sp = (gpr[4] - size) & 0xFFFF;
            write(Seg.SS, sp, size, v);
            gpr[4] = (gpr[4] & 0xFFFF0000) | sp;
        }
    }

    /** {@link #push} of 4 bytes, with the 32-bit stack's size switches resolved. */
    public void push32(int v) {
        if (!flatStack32) {
            push(4, v);
            return;
        }
        int sp = gpr[4] - 4;
        mmu.write32(st.segBase[Seg.SS] + sp, v);   // linWrite of a flat segment
        gpr[4] = sp;
    }

    /** {@link #pop} of 4 bytes, with the 32-bit stack's size switches resolved. */
    public int pop32() {
        if (!flatStack32) return pop(4);
        int v = mmu.read32(st.segBase[Seg.SS] + gpr[4]);   // linRead of a flat segment
        gpr[4] += 4;
        return v;
    }

    /** Reads the value on top of the stack without popping it. */
    public int peekStack(int size, int depth) {
        int sp = stack32() ? gpr[4] + depth : (gpr[4] + depth) & 0xFFFF;
        return read(Seg.SS, sp, size);
    }

    /** Pops {@code size} bytes. */
    public int pop(int size) {
        if (stack32()) {
            int v = read(Seg.SS, gpr[4], size);
            gpr[4] += size;
            return v;
        }
        int sp = gpr[4] & 0xFFFF;
        int v = read(Seg.SS, sp, size);
        gpr[4] = (gpr[4] & 0xFFFF0000) | ((sp + size) & 0xFFFF);
        return v;
    }

    /** Adds to ESP (or SP for a 16-bit stack). */
    public void adjustSp(int delta) {
        if (stack32()) gpr[4] += delta;
        else gpr[4] = (gpr[4] & 0xFFFF0000) | ((gpr[4] + delta) & 0xFFFF);
    }

    // ================================================================ code cache

    /** Drops the decoded instructions of a physical page (it was written). */
    private void invalidateCodePage(int physicalPage) {
        codePages[physicalPage] = null;
        java.util.Arrays.fill(crossLin, -1);   // rare: any code write drops the page-crossing instructions
        if (physicalPage == fetchPhysPage) resetFetch();
    }

    /** Drops every decoded instruction (after the host rewrote memory behind the CPU's back). */
    public void flushCodeCache() {
        for (int p = 0; p < codePages.length; p++) {
            if (codePages[p] != null) {
                codePages[p] = null;
                mmu.unmarkCode(p);
            }
        }
        java.util.Arrays.fill(crossLin, -1);
        resetFetch();
    }

    /** Writes bytes into physical memory from the host (loaders, tests), dropping decoded code they overwrite. */
    public void hostWrite(long physical, byte[] data, int off, int len) {
        mem.load(physical, data, off, len);
        for (long p = physical >>> 12; p <= (physical + len - 1) >>> 12 && p < codePages.length; p++) {
            if (codePages[(int) p] != null) {
                codePages[(int) p] = null;
                mmu.unmarkCode((int) p);
            }
        }
        resetFetch();
    }

    /**
     * Optional EIP window: {@link #run} stops with {@link Stop#LEFT_RANGE} before executing an instruction whose
     * address is outside [{@code rangeLo}, {@code rangeLo + rangeLen}). The default window is everything.
     */
    private int rangeLo = 0, rangeLen = -1;

    public void setEipWindow(int lo, int len) {
        rangeLo = lo;
        rangeLen = len;
        attention = len != -1 ? attention | ATTN_WINDOW : attention & ~ATTN_WINDOW;
    }

    public void clearEipWindow() {
        rangeLo = 0;
        rangeLen = -1;
        attention &= ~ATTN_WINDOW;
    }

    /** Forgets the cached fetch translation (CS, CPL, paging or TLB changed). */
    public void resetFetch() {
        fetchLinPage = -1;
        fetchPage = null;
        chainPage = null;
        fetchPhysPage = -1;
    }

    /** Flushes the TLB (CR3 load) and anything derived from it. */
    public void tlbFlushed() {
        resetFetch();
    }

    /**
     * Returns the decoded instruction at CS:EIP. Faults (#GP for the CS limit, #PF on the fetch) are thrown
     * with the state unchanged.
     */
    public Insn fetch() {
        int eip = st.eip;
        int lin = st.segBase[Seg.CS] + eip;
        int page = lin >>> 12;
        Insn[] cp = fetchPage;
        if (page != fetchLinPage || cp == null) cp = switchFetchPage(lin);
        Insn in = cp == null ? null : cp[lin & 0xFFF];
        if (in == null) in = decodeAt(lin);
        // CS limit: every byte of the instruction must be within it (SDM Vol.3A 5.3).
        int span = segSpan[Seg.CS];
        if (span != -1 && (Integer.compareUnsigned(eip + in.len - 1, span) > 0 || Integer.compareUnsigned(eip, span) > 0)) {
            throw new CpuFault(CpuFault.GP, 0);
        }
        return in;
    }

    private Insn[] switchFetchPage(int lin) {
        long phys = mmu.translateFetch(lin);
        int pp = (int) (phys >>> 12);
        byte mode = st.code32() ? (byte) 2 : (byte) 1;
        fetchLinPage = lin >>> 12;
        fetchPhysPage = pp;
        if (pp < 0 || pp >= codePages.length) {
            fetchPage = null;      // not RAM: decode every time
            return null;
        }
        Insn[] cp = codePages[pp];
        if (cp == null || codeMode[pp] != mode) {
            // A page decoded for the other code size (16/32) is decoded again.
            cp = new Insn[4096];
            codePages[pp] = cp;
            codeMode[pp] = mode;
            mmu.markCode(pp);
        }
        fetchPage = cp;
        chainPage = segSpan[Seg.CS] == -1 ? cp : null;
        return cp;
    }

    private final Decoder.Fetch fetcher = new Decoder.Fetch() {
        @Override
        public int byteAt(int offset) {
            return mmu.fetch8(fetchBase + offset);
        }
    };
    private int fetchBase;

    private Insn decodeAt(int lin) {
        fetchBase = lin;
        boolean mode32 = st.code32();
        if ((lin & 0xFFF) > 0x1000 - Decoder.MAX_LEN) {
            // An instruction that crosses into the next page lives in a small cache of its own, valid while both
            // pages translate to the physical pages it was decoded from (both are marked as code, so a write to
            // either drops it) and the code size is the same.
            int slot = (lin >>> 12) & (CROSS_SLOTS - 1);
            if (crossLin[slot] == lin && crossPhys[slot] == fetchPhysPage && crossMode[slot] == (mode32 ? 2 : 1)) {
                Insn c = crossInsn[slot];
                long p2 = mmu.translateFetch(lin + c.len - 1);
                if ((int) (p2 >>> 12) == crossPhys2[slot]) return c;
            }
            Insn c = new Insn();
            Decoder.decodeInto(c, fetcher, mode32);
            if ((lin & 0xFFF) + c.len > 0x1000) {
                long p2 = mmu.translateFetch(lin + c.len - 1);
                int pp2 = (int) (p2 >>> 12);
                if (fetchPage != null && pp2 >= 0 && pp2 < codePages.length) {
                    mmu.markCode(pp2);
                    crossLin[slot] = lin;
                    crossPhys[slot] = fetchPhysPage;
                    crossPhys2[slot] = pp2;
                    crossMode[slot] = (byte) (mode32 ? 2 : 1);
                    crossInsn[slot] = c;
                }
                return c;
            }
            if (fetchPage != null) fetchPage[lin & 0xFFF] = c;   // it fits in this page after all
            return c;
        }
        Insn in = Decoder.decode(fetcher, mode32);
        if (fetchPage != null) fetchPage[lin & 0xFFF] = in;
        return in;
    }

    // ================================================================ execution

    /**
     * Runs until the instruction budget is used or something stops the CPU.
     *
     * <p>Per instruction the fast loop makes one test for debug work ({@code (EFLAGS & (TF|RF)) | attention});
     * when it is non-zero the instruction takes {@link #stepDebug}, which handles single-step, breakpoints, RF
     * and the MOV SS shadow.
     *
     * @param budget maximum number of instructions to retire
     */
    public Stop run(long budget) {
        lastFault = null;
        long end = icount + budget;
        if (hooks != null) return runHooked(end);
        final CpuState st = this.st;
        // Straight-line chaining: when EIP is just past the previous instruction (it did not branch, or branched
        // there) and that instruction and EIP lie in the chainable fetch page, the instruction at EIP is the one
        // in the same page's next slot, which the previous instruction links to. This is what fetch() would
        // return: the page's slots are written once, a code write drops the page and resets the fetch state,
        // and chainPage is null while CS has a limit to check.
        Insn prev = null;
        Insn[] prevPage = null;
        int prevEnd = 0;
        while (icount < end) {
            int eip = st.eip;
            if (((st.flagsRest & ATTN_FLAGS) | attention) != 0) {
                // The EIP window and the debug features share one test; the window is checked first.
                if (rangeLen != -1 && Integer.compareUnsigned(eip - rangeLo, rangeLen) >= 0) return Stop.LEFT_RANGE;
                if (((st.flagsRest & ATTN_FLAGS) | (attention & ~ATTN_WINDOW)) != 0) {
                    prevPage = null;
                    Stop s = stepDebug(eip);
                    if (s != null) return s;
                    continue;
                }
            }
            try {
                Insn in;
                boolean follows = prevPage != null && eip == prevEnd && prevPage == chainPage;
                if (!follows || (in = prev.next) == null) {
                    in = fetch();
                    if (follows && chainPage == prevPage) link(prev, in, eip);
                }
                prev = in;
                prevPage = chainPage;
                prevEnd = eip + in.len;
                st.eip = prevEnd;
                Exec.execute(this, in);
                icount++;
                if (pendingStop != null) {
                    Stop s = pendingStop;
                    pendingStop = null;
                    return s;
                }
            } catch (CpuFault f) {
                prevPage = null;
                Stop s = fault(f, eip);
                if (s != null) return s;
            }
        }
        return Stop.BUDGET;
    }

    /**
     * Links {@code prev} to {@code in}, fetched at {@code eip} just past it in the chainable page, when both are
     * that page's own records (not page-crossing ones) and {@code in} starts in the same page as {@code prev}.
     */
    private void link(Insn prev, Insn in, int eip) {
        int offset = (st.segBase[Seg.CS] + eip) & 0xFFF;
        Insn[] cp = chainPage;
        if (offset >= prev.len && cp[offset] == in && cp[offset - prev.len] == prev) prev.next = in;
    }

    private Stop runHooked(long end) {
        final CpuState st = this.st;
        while (icount < end) {
            int eip = st.eip;
            if (rangeLen != -1 && Integer.compareUnsigned(eip - rangeLo, rangeLen) >= 0) return Stop.LEFT_RANGE;
            if (((st.flagsRest & ATTN_FLAGS) | attention) != 0) {
                Stop s = stepDebug(eip);
                if (s != null) return s;
                continue;
            }
            try {
                Insn in = fetch();
                if (!hooks.beforeInsn(this, in)) return Stop.BREAK;
                st.eip = eip + in.len;
                Exec.execute(this, in);
                icount++;
                hooks.afterInsn(this, in, eip);
                if (pendingStop != null) {
                    Stop s = pendingStop;
                    pendingStop = null;
                    return s;
                }
            } catch (CpuFault f) {
                hooks.onFault(this, f, eip);
                if (!f.trap && hooks.holdFault(this, f, eip)) {
                    st.eip = eip;
                    return Stop.BREAK;
                }
                Stop s = fault(f, eip);
                if (s != null) return s;
            }
        }
        return Stop.BUDGET;
    }

    /**
     * Executes one instruction with the debug features (SDM Vol.3A 17.3): an enabled execute breakpoint at
     * CS:EIP is a #DB fault before the instruction unless EFLAGS.RF is set; RF is cleared once that check has
     * passed; after the instruction completes, data-breakpoint hits and single-step (TF as it was when the
     * instruction started) are one #DB trap, held back one instruction by a MOV SS / POP SS shadow. An
     * instruction that faults reports no trap.
     *
     * @return why the run stops, or null to go on
     */
    private Stop stepDebug(int eip) {
        final CpuState st = this.st;
        int startFlags = st.flagsRest;
        shadow = false;
        attention &= ~ATTN_SHADOW;
        mmu.takeWatchHits();
        try {
            if ((startFlags & CpuState.RF) == 0 && execBreakpoints != 0) {
                int hits = executeBreakpointHits(st.segBase[Seg.CS] + eip);
                if (hits != 0) {
                    st.dr[6] = (st.dr[6] & ~0xF) | hits;
                    throw new CpuFault(CpuFault.DB, CpuFault.NO_ERROR_CODE);
                }
            }
            st.flagsRest &= ~CpuState.RF;
            Insn in = fetch();
            if (hooks != null && !hooks.beforeInsn(this, in)) {
                st.flagsRest |= startFlags & CpuState.RF;
                return Stop.BREAK;
            }
            st.eip = eip + in.len;
            Exec.execute(this, in);
            icount++;
            if (hooks != null) hooks.afterInsn(this, in, eip);
        } catch (CpuFault f) {
            if (hooks != null) hooks.onFault(this, f, eip);
            if (hooks != null && !f.trap && hooks.holdFault(this, f, eip)) {
                st.eip = eip;
                st.flagsRest |= startFlags & CpuState.RF;
                return Stop.BREAK;
            }
            int deferred = pendingDebug;
            pendingDebug = 0;
            attention &= ~ATTN_PENDING_DB;
            Stop s = fault(f, eip);
            if (s != null) return s;
            // A #DB held back by MOV SS is taken at the first instruction of the handler (SDM Vol.3A 6.8.3).
            return deferred != 0 ? debugTrap(deferred) : null;
        }
        int bits = mmu.takeWatchHits();
        if ((startFlags & CpuState.TF) != 0) bits |= DR6_BS;
        if (shadow) {
            pendingDebug |= bits;
            if (pendingDebug != 0) attention |= ATTN_PENDING_DB;
        } else {
            bits |= pendingDebug;
            pendingDebug = 0;
            attention &= ~ATTN_PENDING_DB;
            if (bits != 0) {
                Stop s = debugTrap(bits);
                if (s != null) return s;
            }
        }
        if (pendingStop != null) {
            Stop s = pendingStop;
            pendingStop = null;
            return s;
        }
        return null;
    }

    /**
     * Raises a #DB trap after a completed instruction: B0-B3 become {@code bits}' breakpoint hits, BS is set for
     * a single step; the other DR6 bits are never cleared by the processor (SDM Vol.3A 17.2.3).
     */
    private Stop debugTrap(int bits) {
        st.dr[6] = (st.dr[6] & ~0xF) | bits;
        eventEip = st.eip;
        CpuFault f = CpuFault.trap(CpuFault.DB);
        if (hooks != null) hooks.onFault(this, f, st.eip);
        if (delivery == null) {
            lastFault = f;
            lastFaultIsTrap = true;
            return Stop.FAULT;
        }
        return deliver(f);
    }

    /** Set by a handler (HLT, shutdown) to end {@link #run} after the current instruction. */
    public Stop pendingStop;

    /**
     * A diagnostic from the last event that needs words beyond a vector and error code (an unsupported task
     * gate, the faults that made a triple fault); null when there is none.
     */
    public String note;

    /**
     * The address of the instruction that raised the event being delivered. When delivering INT n, INT3 or
     * INTO itself faults, the new fault's saved EIP is this one: the instruction did not execute.
     */
    public int eventEip;

    /** Handles a fault or trap raised at {@code eip}: stops the run, or delivers it when delivery is set. */
    private Stop fault(CpuFault f, int eip) {
        eventEip = eip;
        if (f.trap) icount++;       // a trap retires its instruction; EIP already points past it
        else st.eip = eip;
        if (delivery == null) {
            lastFault = f;
            lastFaultIsTrap = f.trap;
            if (f.vector == CpuFault.PF) st.cr2 = f.linear;
            return Stop.FAULT;
        }
        return deliver(f);
    }

    private Stop deliver(CpuFault f) {
        st.halted = false;
        try {
            delivery.deliver(this, f);
        } catch (TripleFault t) {
            lastFault = f;
            lastFaultIsTrap = f.trap;
            note = t.getMessage();
            return Stop.TRIPLE_FAULT;
        }
        Stop s = pendingStop;
        pendingStop = null;
        return s;
    }

    /** Thrown by delivery when a fault cannot be delivered even as a double fault. */
    public static final class TripleFault extends RuntimeException {
        /** @param what the faults that led to the shutdown, for the report */
        public TripleFault(String what) {
            super(what, null, false, false);
        }
    }
}
