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

    static void dispatch(Kernel k) {
        k.exit(NtStatus.STATUS_ACCESS_VIOLATION);
    }
}
