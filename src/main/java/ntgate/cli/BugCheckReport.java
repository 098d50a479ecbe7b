package ntgate.cli;

import ntgate.cpu.CpuState;
import ntgate.nt.Kernel;
import ntgate.nt.NtStatus;
import ntgate.nt.NtSystem;
import ntgate.nt.layout.Dt;
import ntgate.nt.layout.Layouts;
import ntgate.nt.layout.Nt;

import java.util.Locale;

/** The report printed when the kernel stops: stop code and name, parameters, trap frame, registers. */
final class BugCheckReport {
    private BugCheckReport() {}

    static String format(NtSystem sys) {
        Kernel.BugCheck b = sys.k.bugCheck;
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "*** STOP: 0x%08X (0x%08X,0x%08X,0x%08X,0x%08X) %s%n",
                b.code(), b.p1(), b.p2(), b.p3(), b.p4(), b.name()));
        if (b.code() == Nt.KERNEL_MODE_EXCEPTION_NOT_HANDLED) {
            // P1 is the exception code (for 0x7F it is the trap's vector, printed with the parameters).
            sb.append("  exception: ").append(NtStatus.describe(b.p1())).append('\n');
        } else if (b.code() == Nt.UNEXPECTED_KERNEL_MODE_TRAP) {
            sb.append("  trap: ").append(ntgate.cpu.CpuFault.mnemonic(b.p1())).append('\n');
        }
        sb.append("  at ").append(sys.symbolize(b.eip())).append(" after ").append(sys.cpu.icount).append(" instructions\n");
        if (b.trapFrame() != 0) {
            sb.append(String.format(Locale.ROOT, "  trap frame at %08x:%n", b.trapFrame()));
            for (String line : Dt.format(Layouts.KTRAP_FRAME, Integer.toUnsignedLong(b.trapFrame()), sys.mem).split("\n")) {
                sb.append("  ").append(line).append('\n');
            }
        }
        sb.append(registers(sys));
        return sb.toString();
    }

    static String registers(NtSystem sys) {
        CpuState st = sys.cpu.st;
        int[] g = st.gpr;
        return String.format(Locale.ROOT,
                "  eax=%08x ebx=%08x ecx=%08x edx=%08x esi=%08x edi=%08x%n  eip=%08x esp=%08x ebp=%08x efl=%08x cpl=%d (%s)%n",
                g[0], g[3], g[1], g[2], g[6], g[7], st.eip, g[4], g[5], st.eflags(), st.cpl, sys.symbolize(st.eip));
    }

    /**
     * Runs a fresh copy of the machine (same program, same input) to the same stop and lists the instructions
     * that led to the first fault in the run of faults that ended it, then the trap handler's path.
     */
    static String lastInstructions(NtSystem sys, long budget) {
        final int keep = 16;
        int[] ring = new int[keep];
        long[] count = {0};
        int[][] beforeFault = {null};
        int[] faultInfo = new int[3];
        sys.cpu.setHooks(new ntgate.cpu.CpuHooks() {
            @Override
            public boolean beforeInsn(ntgate.cpu.Cpu cpu, ntgate.cpu.decode.Insn insn) {
                ring[(int) (count[0]++ % keep)] = cpu.st.eip;
                return true;
            }

            @Override
            public void onFault(ntgate.cpu.Cpu cpu, ntgate.cpu.CpuFault fault, int eip) {
                if (cpu.st.cpl != 0 && fault.vector != ntgate.cpu.CpuFault.DB) return;   // user faults are dispatched
                int n = (int) Math.min(count[0], keep);
                int[] snap = new int[n];
                for (int i = 0; i < n; i++) snap[i] = ring[(int) ((count[0] - n + i) % keep)];
                beforeFault[0] = snap;
                faultInfo[0] = fault.vector;
                faultInfo[1] = eip;
                faultInfo[2] = fault.hasErrorCode() ? fault.errorCode : -1;
            }
        });
        sys.run(budget);
        if (sys.k.bugCheck == null || beforeFault[0] == null) return "";
        ntgate.asm.Disassembler dis = new ntgate.asm.Disassembler(true, a -> sys.symbolAt(a));
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT,
                "  last instructions before the kernel fault (%s at %s):%n",
                ntgate.cpu.CpuFault.mnemonic(faultInfo[0]) + (faultInfo[2] >= 0 ? String.format(Locale.ROOT, "(%x)", faultInfo[2]) : ""),
                sys.symbolize(faultInfo[1])));
        for (int eip : beforeFault[0]) {
            ntgate.asm.Disassembler.Line l = dis.disassemble(a -> {
                try {
                    return sys.cpu.mmu.read8(a);
                } catch (RuntimeException e) {
                    return -1;
                }
            }, eip);
            sb.append(String.format(Locale.ROOT, "    %08x %-36s %s%s%n", eip, sys.symbolAt(eip).orElse(""), l.text(),
                    eip == faultInfo[1] ? "   <-- faulted" : ""));
        }
        int[] seen = beforeFault[0];
        if (seen.length == 0 || seen[seen.length - 1] != faultInfo[1]) {
            // The fault came from fetching the next instruction itself.
            sb.append(String.format(Locale.ROOT, "    %08x %-36s %s%n", faultInfo[1], sys.symbolAt(faultInfo[1]).orElse(""),
                    "(could not be fetched)   <-- faulted"));
        }
        return sb.toString();
    }
}
