package ntgate.cpu;

/**
 * A processor exception raised by an instruction: the vector and, for the vectors that have one, the
 * error code. Stackless: faults are part of normal guest execution and are caught in exactly one place,
 * the interpreter, which rewinds EIP and delivers them.
 */
public final class CpuFault extends RuntimeException {
    public static final int DE = 0, DB = 1, NMI = 2, BP = 3, OF = 4, BR = 5, UD = 6, NM = 7, DF = 8,
            TS = 10, NP = 11, SS = 12, GP = 13, PF = 14, MF = 16, AC = 17;

    /** No error code. */
    public static final int NO_ERROR_CODE = -1;

    public final int vector;
    public final int errorCode;
    /** Faulting linear address for #PF (loaded into CR2 on delivery). */
    public final int linear;
    /**
     * A trap: raised after the instruction completed, so the saved EIP is the next instruction (INT n, INT3,
     * INTO, INT1, a single-step or data-breakpoint #DB). A fault (false) restarts the instruction.
     */
    public final boolean trap;
    /** Raised by INT n, INT3 or INTO: delivery checks the gate's DPL against CPL (SDM Vol.3A 6.12.1.1). */
    public final boolean software;

    public CpuFault(int vector, int errorCode) {
        this(vector, errorCode, 0);
    }

    public CpuFault(int vector, int errorCode, int linear) {
        this(vector, errorCode, linear, false, false);
    }

    private CpuFault(int vector, int errorCode, int linear, boolean trap, boolean software) {
        super(null, null, false, false);
        this.vector = vector;
        this.errorCode = errorCode;
        this.linear = linear;
        this.trap = trap;
        this.software = software;
    }

    /** INT n, INT3, INTO: a trap with the gate-DPL check. */
    public static CpuFault softwareInterrupt(int vector) {
        return new CpuFault(vector, NO_ERROR_CODE, 0, true, true);
    }

    /** A trap-class exception (INT1, single step, data breakpoint): EIP is already past the instruction. */
    public static CpuFault trap(int vector) {
        return new CpuFault(vector, NO_ERROR_CODE, 0, true, false);
    }

    public boolean hasErrorCode() {
        return errorCode != NO_ERROR_CODE;
    }

    public static CpuFault ud() {
        return new CpuFault(UD, NO_ERROR_CODE);
    }

    public static CpuFault gp(int errorCode) {
        return new CpuFault(GP, errorCode);
    }

    public static String mnemonic(int vector) {
        return switch (vector) {
            case DE -> "#DE";
            case DB -> "#DB";
            case NMI -> "NMI";
            case BP -> "#BP";
            case OF -> "#OF";
            case BR -> "#BR";
            case UD -> "#UD";
            case NM -> "#NM";
            case DF -> "#DF";
            case 9 -> "CSO";
            case TS -> "#TS";
            case NP -> "#NP";
            case SS -> "#SS";
            case GP -> "#GP";
            case PF -> "#PF";
            case MF -> "#MF";
            case AC -> "#AC";
            default -> String.format("INT %02Xh", vector);
        };
    }

    @Override
    public String getMessage() {
        return mnemonic(vector) + (hasErrorCode() ? String.format("(0x%X)", errorCode) : "");
    }
}
