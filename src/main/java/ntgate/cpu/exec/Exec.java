package ntgate.cpu.exec;

import ntgate.cpu.Cpu;
import ntgate.cpu.CpuFault;
import ntgate.cpu.decode.Insn;

/** The interpreter's dispatch. */
public final class Exec {
    private Exec() {}

    public static void execute(Cpu cpu, Insn in) {
        throw CpuFault.ud();
    }
}
