package ntgate.cpu;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The CPU conformance harness behind {@code ntgate eval}: runs raw instruction bytes from a given register
 * and memory state on a {@link FlatMachine} and reports the final state, the fault that stopped it, and every
 * byte range written. One instance is reused across cases (memory written by a case is cleared before the next).
 */
public final class Eval {
    /** One case. */
    public static final class Case {
        public byte[] code = new byte[0];
        /** Register name (eax..edi, eip) to value. */
        public final Map<String, Integer> regs = new LinkedHashMap<>();
        public Integer eflags;
        /** Linear address to bytes. */
        public final Map<Integer, byte[]> mem = new LinkedHashMap<>();
        /** Instructions to execute, or -1 to run until execution leaves the code, halts or faults. */
        public long steps = -1;
        public long maxInsns = 10_000_000_000L;
        public boolean kernel;
        /**
         * The initial FPU state as a 108-byte FSAVE image in the 32-bit protected-mode layout (SDM Vol.1 Figure
         * 8-9), loaded as FRSTOR would; null: the FNINIT state with all registers +0.
         */
        public byte[] fsave;
    }

    /** The outcome of a case. */
    public static final class Result {
        public final int[] gpr = new int[8];
        public int eip, eflags;
        public CpuFault fault;
        public boolean faultIsTrap;
        public String stop;
        public long executed;
        /** Written ranges: start address to final bytes, in address order. */
        public final Map<Integer, byte[]> written = new LinkedHashMap<>();
        public int[] segSel = new int[6];
        public int cr0, cr2, cr3, cr4, dr6, dr7, cpl;
        /** The final FPU state as FNSAVE would store it (without FNSAVE's reinitialisation): 108 bytes. */
        public byte[] fsave;
    }

    public static final String[] REG_NAMES = {"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"};

    private final Cpu userCpu = FlatMachine.create(false);
    private Cpu kernelCpu;
    private final BitSet writtenBits = new BitSet();
    private final List<int[]> dirty = new ArrayList<>();

    /** Runs one case. Bad input (code outside memory, unknown register) is an {@link IllegalArgumentException}. */
    public Result run(Case c) {
        Cpu cpu = c.kernel ? kernel() : userCpu;
        prepare(cpu, c);
        Result r = new Result();
        long budget = c.steps >= 0 ? Math.min(c.steps, c.maxInsns) : c.maxInsns;
        if (c.steps < 0) cpu.setEipWindow(FlatMachine.CODE_BASE, c.code.length);
        else cpu.clearEipWindow();
        long before = cpu.icount;
        Cpu.Stop stop = budget == 0 ? Cpu.Stop.BUDGET : cpu.run(budget);
        r.executed = cpu.icount - before;
        cpu.clearEipWindow();
        cpu.mmu.setWriteLog(null);
        r.stop = switch (stop) {
            case BUDGET -> c.steps >= 0 && r.executed >= c.steps ? "steps" : "budget";
            case FAULT -> "fault";
            case HALT -> "hlt";
            case LEFT_RANGE -> "left";
            default -> stop.name().toLowerCase();
        };
        if (stop == Cpu.Stop.FAULT) {
            r.fault = cpu.lastFault;
            r.faultIsTrap = cpu.lastFaultIsTrap;
        }
        CpuState st = cpu.st;
        System.arraycopy(st.gpr, 0, r.gpr, 0, 8);
        r.eip = st.eip;
        r.eflags = st.eflags();
        System.arraycopy(st.segSel, 0, r.segSel, 0, 6);
        r.cr0 = st.cr0;
        r.cr2 = st.cr2;
        r.cr3 = st.cr3;
        r.cr4 = st.cr4;
        r.dr6 = st.dr[6];
        r.dr7 = st.dr[7];
        r.cpl = st.cpl;
        r.fsave = st.fpu.saveImage();
        collectWritten(cpu, r);
        return r;
    }

    private Cpu kernel() {
        if (kernelCpu == null) kernelCpu = FlatMachine.create(true);
        return kernelCpu;
    }

    private void prepare(Cpu cpu, Case c) {
        // Clear what the previous case wrote or loaded, then rebuild the machine.
        byte[] zeros = new byte[4096];
        for (int[] range : dirty) {
            for (int a = range[0]; a < range[0] + range[1]; a += zeros.length) {
                int n = Math.min(zeros.length, range[0] + range[1] - a);
                cpu.mem.load(a & 0xFFFFFFFFL, zeros, 0, n);
            }
        }
        dirty.clear();
        for (int i = writtenBits.nextSetBit(0); i >= 0; i = writtenBits.nextSetBit(i + 1)) cpu.mem.write8(i, 0);
        writtenBits.clear();
        FlatMachine.reset(cpu, c.kernel);
        cpu.flushCodeCache();
        checkRange(FlatMachine.CODE_BASE, c.code.length, "code");
        cpu.mem.load(FlatMachine.CODE_BASE, c.code, 0, c.code.length);
        dirty.add(new int[] {FlatMachine.CODE_BASE, c.code.length});
        for (Map.Entry<Integer, byte[]> e : c.mem.entrySet()) {
            checkRange(e.getKey(), e.getValue().length, "memory");
            cpu.mem.load(e.getKey() & 0xFFFFFFFFL, e.getValue(), 0, e.getValue().length);
            dirty.add(new int[] {e.getKey(), e.getValue().length});
        }
        for (Map.Entry<String, Integer> e : c.regs.entrySet()) {
            String n = e.getKey().toLowerCase();
            int idx = indexOf(n);
            if (idx >= 0) cpu.gpr[idx] = e.getValue();
            else if (n.equals("eip")) cpu.st.eip = e.getValue();
            else if (n.equals("eflags")) cpu.st.setEflags(e.getValue());
            else throw new IllegalArgumentException("unknown register '" + e.getKey() + "' (eax..edi, eip, eflags)");
        }
        if (c.eflags != null) cpu.st.setEflags(c.eflags);
        if (c.fsave != null) {
            if (c.fsave.length != 108) throw new IllegalArgumentException("fsave must be 108 bytes (216 hex digits), not " + c.fsave.length);
            cpu.st.fpu.loadImage(c.fsave);
        }
        cpu.refreshAll();
        cpu.lastFault = null;
        cpu.mmu.setWriteLog((linear, size) -> {
            for (int k = 0; k < size; k++) {
                int a = linear + k;
                if (a >= 0) writtenBits.set(a);
            }
        });
    }

    private static void checkRange(int addr, int len, String what) {
        long end = (addr & 0xFFFFFFFFL) + len;
        if ((addr & 0xFFFFFFFFL) >= FlatMachine.USER_SIZE || end > FlatMachine.USER_SIZE) {
            throw new IllegalArgumentException(String.format("%s at 0x%08X (+%d bytes) is outside the mapped memory 0x00000000-0x%08X",
                    what, addr, len, FlatMachine.USER_SIZE - 1));
        }
    }

    static int indexOf(String name) {
        for (int i = 0; i < 8; i++) if (REG_NAMES[i].equals(name)) return i;
        return -1;
    }

    private void collectWritten(Cpu cpu, Result r) {
        int i = writtenBits.nextSetBit(0);
        while (i >= 0) {
            int end = writtenBits.nextClearBit(i);
            byte[] b = new byte[end - i];
            for (int k = 0; k < b.length; k++) b[k] = (byte) cpu.mmu.peek8(i + k);
            r.written.put(i, b);
            i = writtenBits.nextSetBit(end);
        }
    }
}
