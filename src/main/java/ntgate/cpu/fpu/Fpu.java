package ntgate.cpu.fpu;

/**
 * The x87 FPU's architectural state (SDM Vol.1 8.1): eight 80-bit data registers, the control, status and tag
 * words, and the last instruction and data pointers. Registers are held by physical number; ST(i) is physical
 * register {@code (TOP + i) & 7}. The tag word is kept abridged (a valid bit per register, as the FXSAVE
 * format and current processors hold it); the full two-bit tags that FSTENV and FSAVE store are computed from
 * the register contents, as hardware does (SDM Vol.1 8.1.7).
 *
 * <p>The MMX registers MM0..MM7 are the significands of physical registers 0..7 (SDM Vol.1 9.5).
 */
public final class Fpu {
    /** FSW bits. */
    public static final int IE = 0x01, DE = 0x02, ZE = 0x04, OE = 0x08, UE = 0x10, PE = 0x20, SF = 0x40, ES = 0x80,
            C0 = 0x100, C1 = 0x200, C2 = 0x400, C3 = 0x4000, B = 0x8000, TOP_MASK = 0x3800;
    /** The condition code bits. */
    public static final int CC = C0 | C1 | C2 | C3;
    /** FCW after FNINIT. */
    public static final int CW_INIT = 0x037F;

    /** Significands by physical register. */
    public final long[] mant = new long[8];
    /** Sign and exponent by physical register. */
    public final int[] sexp = new int[8];
    /** Abridged tag: bit p set when physical register p is not empty. */
    public int valid;
    public int top;
    public int cw = CW_INIT;
    /** FSW without the TOP field. */
    public int sw;
    /** Last instruction pointer: offset and selector; last opcode (11 bits). */
    public int fip, fcs, fop;
    /** Last data pointer: offset and selector. */
    public int fdp, fds;

    /** The rounding context shared by the arithmetic. */
    public final Ext80 x = new Ext80();

    /** FNINIT's state (SDM Vol.2A FINIT/FNINIT). The registers keep their contents. */
    public void init() {
        cw = CW_INIT;
        sw = 0;
        top = 0;
        valid = 0;
        fip = fcs = fop = fdp = fds = 0;
    }

    /** FNINIT's state with every register +0: a deterministic starting point (eval cases, a new machine). */
    public void reset() {
        init();
        java.util.Arrays.fill(mant, 0);
        java.util.Arrays.fill(sexp, 0);
    }

    /** The status word with TOP. */
    public int status() {
        return (sw & ~TOP_MASK) | (top << 11);
    }

    /** Loads the status word, TOP included. */
    public void setStatus(int v) {
        sw = v & 0xFFFF & ~TOP_MASK;
        top = (v >>> 11) & 7;
    }

    public int phys(int i) {
        return (top + i) & 7;
    }

    public boolean empty(int i) {
        return (valid & (1 << phys(i))) == 0;
    }

    /** The two-bit tag of physical register p computed from its contents (SDM Vol.1 Figure 8-7). */
    public int tagOf(int p) {
        if ((valid & (1 << p)) == 0) return 3;
        int e = sexp[p] & 0x7FFF;
        long m = mant[p];
        if (e == 0x7FFF) return 2;
        if (e == 0) return m == 0 ? 1 : 2;
        return m < 0 ? 0 : 2;
    }

    /** The full tag word (FSTENV, FSAVE). */
    public int tagWord() {
        int t = 0;
        for (int p = 0; p < 8; p++) t |= tagOf(p) << (2 * p);
        return t;
    }

    /** Loads a full tag word (FLDENV, FRSTOR): only empty (11) or not is kept. */
    public void setTagWord(int t) {
        valid = 0;
        for (int p = 0; p < 8; p++) if (((t >>> (2 * p)) & 3) != 3) valid |= 1 << p;
    }

    /** The abridged tag byte in FXSAVE form. */
    public int abridgedTag() {
        return valid;
    }

    /** Recomputes ES and B from the exception flags and masks (after FLDCW, FLDENV, FRSTOR). */
    public void updateSummary() {
        if ((sw & ~cw & 0x3F) != 0) sw |= ES | B;
        else sw &= ~(ES | B);
    }

    /**
     * The 108-byte FSAVE image in the 32-bit protected-mode layout (SDM Vol.1 Figure 8-9 and 8-10), as FNSAVE
     * stores it (without the reinitialisation FNSAVE then does).
     */
    public byte[] saveImage() {
        byte[] b = new byte[108];
        storeEnv32(b);
        for (int i = 0; i < 8; i++) {
            int p = phys(i);
            long m = mant[p];
            for (int k = 0; k < 8; k++) b[28 + 10 * i + k] = (byte) (m >>> (8 * k));
            b[28 + 10 * i + 8] = (byte) sexp[p];
            b[28 + 10 * i + 9] = (byte) (sexp[p] >>> 8);
        }
        return b;
    }

    /** The 28-byte 32-bit protected-mode environment into the first bytes of {@code b}. */
    public void storeEnv32(byte[] b) {
        put32(b, 0, 0xFFFF0000 | cw);
        put32(b, 4, 0xFFFF0000 | status());
        put32(b, 8, 0xFFFF0000 | tagWord());
        put32(b, 12, fip);
        put32(b, 16, (fcs & 0xFFFF) | (fop & 0x7FF) << 16);
        put32(b, 20, fdp);
        put32(b, 24, 0xFFFF0000 | (fds & 0xFFFF));
    }

    /** Loads a 108-byte image as FRSTOR does in 32-bit protected mode. */
    public void loadImage(byte[] b) {
        cw = get16(b, 0);
        setStatus(get16(b, 4));
        setTagWord(get16(b, 8));
        fip = get32(b, 12);
        fcs = get16(b, 16);
        fop = get16(b, 18) & 0x7FF;
        fdp = get32(b, 20);
        fds = get16(b, 24);
        for (int i = 0; i < 8; i++) {
            int p = phys(i);
            long m = 0;
            for (int k = 7; k >= 0; k--) m = (m << 8) | (b[28 + 10 * i + k] & 0xFF);
            mant[p] = m;
            sexp[p] = get16(b, 28 + 10 * i + 8);
        }
    }

    private static void put32(byte[] b, int o, int v) {
        b[o] = (byte) v;
        b[o + 1] = (byte) (v >>> 8);
        b[o + 2] = (byte) (v >>> 16);
        b[o + 3] = (byte) (v >>> 24);
    }

    private static int get16(byte[] b, int o) {
        return (b[o] & 0xFF) | (b[o + 1] & 0xFF) << 8;
    }

    private static int get32(byte[] b, int o) {
        return get16(b, o) | get16(b, o + 2) << 16;
    }

    /** Copies all state from another FPU (context switches, snapshots). */
    public void copyFrom(Fpu o) {
        System.arraycopy(o.mant, 0, mant, 0, 8);
        System.arraycopy(o.sexp, 0, sexp, 0, 8);
        valid = o.valid;
        top = o.top;
        cw = o.cw;
        sw = o.sw;
        fip = o.fip;
        fcs = o.fcs;
        fop = o.fop;
        fdp = o.fdp;
        fds = o.fds;
    }
}
