package ntgate.trace;

import ntgate.cpu.Cpu;
import ntgate.cpu.CpuHooks;
import ntgate.cpu.decode.Insn;
import ntgate.cpu.decode.Op;
import ntgate.nt.NtStatus;
import ntgate.nt.ke.Services;

import java.io.PrintStream;
import java.util.ArrayDeque;
import java.util.Locale;
import java.util.function.Predicate;

/**
 * {@code --trace syscalls}: one line per system call, strace-style, printed when the call returns to user mode:
 * {@code NtClose(0x00000004) = 0xC0000008 STATUS_INVALID_HANDLE}. A call is seen where user mode leaves (SYSENTER
 * or INT 2Eh in ring 3, arguments read at EDX+8 or EDX as the kernel does) and where it comes back (the first
 * instruction in ring 3 after SYSEXIT or IRETD). A call that does not come back (NtTerminateProcess, NtContinue)
 * is printed when the next call starts or the run ends.
 */
public final class SyscallTracer implements CpuHooks {
    private final PrintStream out;
    private final Predicate<String> implemented;
    private final ArrayDeque<String> pending = new ArrayDeque<>();
    private boolean returning;

    public SyscallTracer(PrintStream out) {
        this(out, name -> true);
    }

    /** @param implemented whether a service has a body in ntgate; the line of one without says so */
    public SyscallTracer(PrintStream out, Predicate<String> implemented) {
        this.out = out;
        this.implemented = implemented;
    }

    @Override
    public boolean beforeInsn(Cpu cpu, Insn in) {
        if (returning && cpu.st.cpl == 3) {
            returning = false;
            if (!pending.isEmpty()) {
                int eax = cpu.gpr[0];
                out.println(pending.pop() + " = " + NtStatus.describe(eax));
            }
        }
        if (cpu.st.cpl != 3) return true;
        boolean sysenter = in.op == Op.SYSENTER;
        boolean int2e = in.op == Op.INT_Ib && (in.imm & 0xFF) == 0x2E;
        if (sysenter || int2e) {
            while (!pending.isEmpty()) out.println(pending.pop() + " = ?");   // it never returned
            String call = describeCall(cpu, cpu.gpr[0], sysenter ? cpu.gpr[2] + 8 : cpu.gpr[2]);
            Services.Service sv = Services.byNumber(cpu.gpr[0]);
            if (sv != null && !implemented.test(sv.name())) call += " [not implemented in ntgate]";
            pending.push(call);
        }
        return true;
    }

    @Override
    public void afterInsn(Cpu cpu, Insn in, int eip) {
        if ((in.op == Op.SYSEXIT || in.op == Op.IRET) && cpu.st.cpl == 3) returning = true;
    }

    /** Prints calls that never returned (the process ended inside them). */
    public void finish() {
        while (!pending.isEmpty()) out.println(pending.pop() + " = ?");
        out.flush();
    }

    static String describeCall(Cpu cpu, int number, int args) {
        Services.Service sv = Services.byNumber(number);
        int n = sv == null ? 0 : sv.argCount();
        StringBuilder sb = new StringBuilder(sv == null ? String.format(Locale.ROOT, "<service 0x%X>", number) : sv.name());
        sb.append('(');
        for (int i = 0; i < n; i++) {
            if (i > 0) sb.append(", ");
            String v;
            try {
                v = String.format(Locale.ROOT, "0x%08X", cpu.mmu.read32(args + 4 * i));
            } catch (RuntimeException e) {
                v = "????????";
            }
            sb.append(v);
        }
        return sb.append(')').toString();
    }
}
