package ntgate.asm;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A register name: its class, its number in encoding order (the ModRM/opcode value) and its size in bytes.
 * General registers are numbered EAX, ECX, EDX, EBX, ESP, EBP, ESI, EDI (AL, CL, DL, BL, AH, CH, DH, BH for
 * bytes); segment registers ES, CS, SS, DS, FS, GS.
 */
record AsmRegister(String name, Kind kind, int num, int size) {
    enum Kind { GPR, SREG, CREG, DREG, FPU, MMX }

    private static final Map<String, AsmRegister> BY_NAME = new HashMap<>();

    static {
        String[][] gprs = {
            {"al", "cl", "dl", "bl", "ah", "ch", "dh", "bh"},
            {"ax", "cx", "dx", "bx", "sp", "bp", "si", "di"},
            {"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"},
        };
        int[] sizes = {1, 2, 4};
        for (int s = 0; s < 3; s++) {
            for (int i = 0; i < 8; i++) add(new AsmRegister(gprs[s][i], Kind.GPR, i, sizes[s]));
        }
        String[] sregs = {"es", "cs", "ss", "ds", "fs", "gs"};
        for (int i = 0; i < sregs.length; i++) add(new AsmRegister(sregs[i], Kind.SREG, i, 2));
        for (int i = 0; i < 8; i++) {
            add(new AsmRegister("cr" + i, Kind.CREG, i, 4));
            add(new AsmRegister("dr" + i, Kind.DREG, i, 4));
            add(new AsmRegister("st" + i, Kind.FPU, i, 10));
            add(new AsmRegister("mm" + i, Kind.MMX, i, 8));
        }
        add(new AsmRegister("st", Kind.FPU, 0, 10));
    }

    private static void add(AsmRegister r) {
        BY_NAME.put(r.name, r);
    }

    /** The register called {@code name} (any case), or null. */
    static AsmRegister lookup(String name) {
        return BY_NAME.get(name.toLowerCase(Locale.ROOT));
    }

    /** A dense id for general registers used in address arithmetic: size 2 → 0..7, size 4 → 8..15. */
    int addrId() {
        return (size == 4 ? 8 : 0) + num;
    }

    static AsmRegister fromAddrId(int id) {
        return lookup(id >= 8 ? new String[] {"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"}[id - 8]
                : new String[] {"ax", "cx", "dx", "bx", "sp", "bp", "si", "di"}[id]);
    }

    /**
     * True when {@code name}, written where an operand goes, looks like a mistyped register (used to word
     * the error for an undefined name): two or three letters one letter away from a register name, or a
     * 32-bit register shape such as {@code exz} or {@code ezx}.
     */
    static boolean looksLikeRegister(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        if (n.length() < 2 || n.length() > 3 || !n.chars().allMatch(Character::isLetter)) return false;
        if (n.length() == 3 && n.charAt(0) == 'e' && (n.charAt(1) == 'x' || "xpi".indexOf(n.charAt(2)) >= 0)) return true;
        for (String r : BY_NAME.keySet()) {
            if (r.length() == n.length() && !r.startsWith("cr") && !r.startsWith("dr") && !r.startsWith("st") && !r.startsWith("mm")) {
                int diff = 0;
                for (int i = 0; i < r.length(); i++) if (r.charAt(i) != n.charAt(i)) diff++;
                if (diff == 1) return true;
            }
        }
        return false;
    }

    String sizeName() {
        return switch (kind) {
            case GPR -> "reg" + size * 8;
            case SREG -> "sreg";
            case CREG -> "creg";
            case DREG -> "dreg";
            case FPU -> "fpureg";
            case MMX -> "mmxreg";
        };
    }
}
