package ntgate.nt.gate;

import ntgate.cpu.Cpu;
import ntgate.cpu.CpuFault;
import ntgate.cpu.CpuHooks;
import ntgate.cpu.decode.Insn;
import ntgate.nt.NtHarness;
import ntgate.nt.NtSystem;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Test support for the gate tests: NT-FACTS offsets written out as literals (so that an expectation never comes
 * from the emulator's own layout tables), supervisor reads of guest memory whatever the CPU's privilege, and a
 * hook that runs actions at chosen guest addresses and records the gate's control transfers.
 */
final class Gate {
    private Gate() {
    }

    // NT-FACTS §1: KTRAP_FRAME.
    static final int TF_DBG_EBP = 0x00, TF_DBG_EIP = 0x04, TF_DBG_ARG_MARK = 0x08, TF_DBG_ARG_POINTER = 0x0C;
    static final int TF_DR7 = 0x2C, TF_SEG_GS = 0x30, TF_SEG_ES = 0x34, TF_SEG_DS = 0x38, TF_EDX = 0x3C, TF_ECX = 0x40, TF_EAX = 0x44;
    static final int TF_PREVIOUS_PREVIOUS_MODE = 0x48, TF_EXCEPTION_LIST = 0x4C, TF_SEG_FS = 0x50;
    static final int TF_EDI = 0x54, TF_ESI = 0x58, TF_EBX = 0x5C, TF_EBP = 0x60, TF_ERR_CODE = 0x64;
    static final int TF_EIP = 0x68, TF_SEG_CS = 0x6C, TF_EFLAGS = 0x70, TF_HARDWARE_ESP = 0x74, TF_HARDWARE_SEG_SS = 0x78;
    static final int KTRAP_FRAME_LENGTH = 0x8C;
    // NT-FACTS §2.3: KPCR at 0xFFDFF000.
    static final int KPCR = 0xFFDFF000;
    static final int PCR_EXCEPTION_LIST = KPCR, PCR_CURRENT_THREAD = KPCR + 0x124, PCR_KE_SYSTEM_CALLS = KPCR + 0x638;
    // NT-FACTS §2.5: KTHREAD.
    static final int KT_INITIAL_STACK = 0x18, KT_USER_APC_PENDING = 0x4A, KT_SERVICE_TABLE = 0xE0, KT_TRAP_FRAME = 0x134,
            KT_PREVIOUS_MODE = 0x140;
    // NT-FACTS §2.6 / §2.7.
    static final int TEB = 0x7FFDE000, SHARED_SYSTEM_CALL = 0x7FFE0300, SHARED_SYSTEM_CALL_RETURN = 0x7FFE0304;
    // NT-FACTS §2.9: the first trap frame sits 0x29C below InitialStack; TSS.Esp0 is 0x220 below it.
    static final int TRAP_FRAME_BIAS = 0x29C;
    // NT-FACTS §2.1 selectors and §13 statuses.
    static final int USER_CS = 0x1B, USER_DS = 0x23, USER_FS = 0x3B, KERNEL_CS = 0x08;
    static final int STATUS_SUCCESS = 0, STATUS_ACCESS_VIOLATION = 0xC0000005, STATUS_INVALID_SYSTEM_SERVICE = 0xC000001C,
            STATUS_INVALID_HANDLE = 0xC0000008;
    static final int EFLAGS_TF = 0x100, EFLAGS_IF = 0x200;

    /** A 32-bit supervisor read of a virtual address (through the page tables, ignoring U/S). */
    static int k32(NtHarness h, int va) {
        int v = 0;
        for (int i = 0; i < 4; i++) v |= k8(h, va + i) << (8 * i);
        return v;
    }

    static int k8(NtHarness h, int va) {
        long pa = h.sys.pages.translate(va);
        if (pa < 0) throw new AssertionError(String.format("0x%08X is not mapped", va));
        return h.sys.cpu.mem.read8(pa) & 0xFF;
    }

    static void kw32(NtHarness h, int va, int v) {
        for (int i = 0; i < 4; i++) kw8(h, va + i, v >>> (8 * i));
    }

    static void kw8(NtHarness h, int va, int v) {
        long pa = h.sys.pages.translate(va);
        if (pa < 0) throw new AssertionError(String.format("0x%08X is not mapped", va));
        h.sys.cpu.mem.write8(pa, v);
    }

    static int[] frame(NtHarness h, int base) {
        int[] f = new int[KTRAP_FRAME_LENGTH / 4];
        for (int i = 0; i < f.length; i++) f[i] = k32(h, base + 4 * i);
        return f;
    }

    static int thread(NtHarness h) {
        return k32(h, PCR_CURRENT_THREAD);
    }

    static int nt(NtHarness h, String name) {
        return h.sys.kernelSymbol(name);
    }

    static int ntdll(NtHarness h, String name) {
        return h.sys.ntdllSymbol(name);
    }

    static int win32k(NtHarness h, String name) {
        return (int) (long) h.sys.win32k.symbols().get(name);
    }

    /** What kind of control transfer an instruction is, from its bytes. */
    enum Kind { SYSENTER, SYSEXIT, IRETD, INT2E, JMP_EDX, OTHER }

    /** One executed instruction of interest: where, at which CPL, what kind. */
    record Step(int eip, int cpl, Kind kind) {}

    /** One fault or trap the CPU reported. */
    record Fault(int vector, int eip, int cpl, int eflags, int linear) {}

    /** Runs actions before chosen instructions and records the gate's transfers and every fault. */
    static final class Probe implements CpuHooks {
        final NtHarness h;
        final Map<Integer, List<Consumer<Cpu>>> at = new HashMap<>();
        final List<Step> steps = new ArrayList<>();
        final List<Fault> faults = new ArrayList<>();
        boolean stop;
        /** Set by an action: stop before the current instruction and continue at this address instead. */
        Integer redirect;

        Probe(NtHarness h) {
            this.h = h;
            h.sys.cpu.setHooks(this);
        }

        Probe at(int eip, Consumer<Cpu> action) {
            at.computeIfAbsent(eip, k -> new ArrayList<>()).add(action);
            return this;
        }

        @Override
        public boolean beforeInsn(Cpu cpu, Insn insn) {
            if (stop) return false;
            int eip = cpu.st.eip;
            Kind k = kind(eip);
            if (k != Kind.OTHER) steps.add(new Step(eip, cpu.st.cpl, k));
            List<Consumer<Cpu>> a = at.get(eip);
            if (a != null) for (Consumer<Cpu> c : a) c.accept(cpu);
            return !stop && redirect == null;
        }

        /**
         * Runs the program to its end. An action that set {@link #redirect} stops the CPU before the instruction
         * (a hook cannot change EIP from inside beforeInsn); the run then resumes at the new address.
         */
        NtSystem.End runAll() {
            while (true) {
                NtSystem.End e = h.run();
                if (e == NtSystem.End.BREAK && redirect != null) {
                    h.sys.cpu.st.eip = redirect;
                    redirect = null;
                    continue;
                }
                return e;
            }
        }

        @Override
        public void onFault(Cpu cpu, CpuFault fault, int eip) {
            faults.add(new Fault(fault.vector, eip, cpu.st.cpl, cpu.st.eflags(), fault.linear));
        }

        private Kind kind(int eip) {
            long pa = h.sys.pages.translate(eip);
            if (pa < 0) return Kind.OTHER;
            int b0 = h.sys.cpu.mem.read8(pa) & 0xFF;
            if (b0 == 0xCF) return Kind.IRETD;
            if (b0 == 0xFF && (h.sys.cpu.mem.read8(h.sys.pages.translate(eip + 1)) & 0xFF) == 0xE2) return Kind.JMP_EDX;
            if (b0 == 0xCD && (h.sys.cpu.mem.read8(h.sys.pages.translate(eip + 1)) & 0xFF) == 0x2E) return Kind.INT2E;
            if (b0 != 0x0F) return Kind.OTHER;
            int b1 = h.sys.cpu.mem.read8(h.sys.pages.translate(eip + 1)) & 0xFF;
            return b1 == 0x34 ? Kind.SYSENTER : b1 == 0x35 ? Kind.SYSEXIT : Kind.OTHER;
        }

        List<Step> steps(Kind k) {
            return steps.stream().filter(s -> s.kind() == k).toList();
        }
    }

    static String hex(int v) {
        return String.format("0x%08X", v);
    }
}
