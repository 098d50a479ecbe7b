package ntgate.cli;

import ntgate.cpu.CpuState;
import ntgate.nt.Kernel;
import ntgate.nt.NtStatus;
import ntgate.nt.NtSystem;
import ntgate.nt.layout.Dt;
import ntgate.nt.layout.Layouts;

import java.util.Locale;

/** The report printed when the kernel stops: stop code and name, parameters, trap frame, registers. */
final class BugCheckReport {
    private BugCheckReport() {}

    static String format(NtSystem sys) {
        Kernel.BugCheck b = sys.k.bugCheck;
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "*** STOP: 0x%08X (0x%08X,0x%08X,0x%08X,0x%08X) %s%n",
                b.code(), b.p1(), b.p2(), b.p3(), b.p4(), b.name()));
        if (b.code() == 0x7F || b.code() == 0x8E || b.code() == 0x1E) {
            sb.append("  exception: ").append(NtStatus.describe(b.p1())).append('\n');
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
}
