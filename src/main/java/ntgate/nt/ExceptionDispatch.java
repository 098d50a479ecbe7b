package ntgate.nt;

/**
 * KiDispatchException for faults in user mode. Until user-mode SEH exists (issue 6), a user-mode exception is
 * unhandled: the process ends with the exception code as its status, reported in one line.
 */
final class ExceptionDispatch {
    private ExceptionDispatch() {}

    /** Services of this component (NtRaiseException). */
    static void register(Kernel k, HostCallTable t) {
    }

    /** The internal code KiTrap0E raises for a user-mode access violation (NT-FACTS §10.3 step 1). */
    static final int KI_EXCEPTION_ACCESS_VIOLATION = 0x10000004;

    /**
     * KiDispatchException(ExceptionRecord, ExceptionFrame, TrapFrame, PreviousMode, FirstChance): ends the process
     * with EXCEPTION_RECORD.ExceptionCode (a #DB ends it with STATUS_SINGLE_STEP, not an access violation), the
     * internal KI_EXCEPTION_ACCESS_VIOLATION turned back into STATUS_ACCESS_VIOLATION as in NT-FACTS §10.3 step 1.
     */
    static void dispatch(Kernel k) {
        int code = k.mem.u32(k.arg(0));   // EXCEPTION_RECORD.ExceptionCode (+0, §2.8)
        k.exit(code == KI_EXCEPTION_ACCESS_VIOLATION ? NtStatus.STATUS_ACCESS_VIOLATION : code);
    }
}
