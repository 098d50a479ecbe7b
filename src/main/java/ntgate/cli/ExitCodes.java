package ntgate.cli;

/**
 * The exit codes of {@code ntgate run}: one scheme a script can trust.
 *
 * <pre>
 *   0        the guest exited with status 0
 *   1-111    the guest exited with that status
 *   112      the guest exited with any other status (an NTSTATUS, a negative or large value, or one whose low
 *            byte is 0); the full status is on stderr
 *   113      the guest was ended by an unhandled exception (code and address on stderr)
 *   114      bug check, triple fault or halted processor (report on stderr)
 *   115      deadlock: the only thread waits forever
 *   116      the instruction budget (--max-insns) was used up
 *   117      the program could not be loaded (assembler, PE loader or RAM errors)
 *   118      usage error (options)
 *   119      internal error in ntgate (one line on stderr; --debug-ntgate adds the stack trace)
 * </pre>
 *
 * <p>Why a reserved range: an exit code has 8 bits and an NTSTATUS 32, so no mapping passes every status through;
 * passing the low byte (ntgate's former scheme) made a guest's STATUS_BREAKPOINT (0x80000003) look like a bug
 * check, STATUS_SINGLE_STEP like the budget and 0x00400000 like success. Small statuses, which are what C
 * programs pass to exit(), come through unchanged; everything else is one code with the full value on stderr;
 * and ntgate's own conditions sit in a range a guest status never produces, so one comparison
 * ({@code code >= 112}) tells a script that something other than a plain guest exit happened.
 */
public final class ExitCodes {
    private ExitCodes() {}

    public static final int GUEST_MAX = 111;
    public static final int GUEST_OTHER = 112;
    public static final int UNHANDLED_EXCEPTION = 113;
    public static final int BUG_CHECK = 114;
    public static final int DEADLOCK = 115;
    public static final int BUDGET = 116;
    public static final int LOAD_ERROR = 117;
    public static final int USAGE = 118;
    public static final int INTERNAL_ERROR = 119;

    /** The exit code for a guest that exited with {@code status}. */
    public static int guest(int status) {
        return status >= 0 && status <= GUEST_MAX ? status : GUEST_OTHER;
    }

    /** The scheme as --help and the README give it. */
    static final String[] HELP = {
        "Exit codes: 0 and 1-111 = the guest's exit status; 112 = any other guest status (full NTSTATUS on stderr);",
        "113 = unhandled exception; 114 = bug check, triple fault or halt; 115 = deadlock; 116 = instruction budget",
        "used up; 117 = the program could not be loaded; 118 = usage error; 119 = internal error in ntgate."};
}
