package ntgate.cpu;

import ntgate.cpu.decode.Insn;

/**
 * Typed execution events for tracers and debuggers. While hooks are installed the CPU runs a second copy of
 * its loop that calls them; with none installed the loop has no tracing cost.
 */
public interface CpuHooks {
    /** Before an instruction executes (EIP = its address). Return false to stop before it ({@link Cpu.Stop#BREAK}). */
    default boolean beforeInsn(Cpu cpu, Insn insn) {
        return true;
    }

    /** After an instruction retired; {@code eip} was its address. */
    default void afterInsn(Cpu cpu, Insn insn, int eip) {
    }

    /** An instruction raised a fault or trap at {@code eip}. */
    default void onFault(Cpu cpu, CpuFault fault, int eip) {
    }

    /**
     * Asked after {@link #onFault} for a fault (not a trap) raised at {@code eip}: true stops the run before the
     * fault is delivered ({@link Cpu.Stop#BREAK}), with EIP at the faulting instruction and the machine as it was
     * before it; resuming executes the instruction again. A debugger uses it to report the fault first.
     */
    default boolean holdFault(Cpu cpu, CpuFault fault, int eip) {
        return false;
    }
}
