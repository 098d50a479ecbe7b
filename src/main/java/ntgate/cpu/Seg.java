package ntgate.cpu;

/** Segment register numbers, in ModRM.reg encoding order (SDM Vol.2A 3.1.1.1, Sreg). */
public final class Seg {
    private Seg() {}

    public static final int ES = 0, CS = 1, SS = 2, DS = 3, FS = 4, GS = 5;

    private static final String[] NAMES = {"es", "cs", "ss", "ds", "fs", "gs"};

    public static String name(int seg) {
        return NAMES[seg];
    }
}
