package ntgate.cpu.decode;

/**
 * One decoded instruction: the predecoded record the interpreter executes. Built once by {@link Decoder}
 * and kept in the decoded-code cache until the page it came from is written; never allocated while
 * executing.
 *
 * <p>Memory operands are held as address parts so the effective address is computed without branches:
 * {@code ea = gpr[base] + (gpr[index] << scale) + disp}, masked to 16 bits for 16-bit addressing. An absent
 * base or index names {@link #NO_REG}, a register slot that always reads zero.
 */
public final class Insn {
    /** Register slot that always holds zero, used for an absent base or index. */
    public static final int NO_REG = 8;

    /** The table row's id ({@link Op}); {@link Op#INVALID} for an undefined encoding. */
    public int op;
    /**
     * The id the interpreter dispatches on: {@link #op}, or a specialised form of it (from
     * {@link Op#FIRST_SPECIAL} on) that executes the same instruction faster. {@link Op#INVALID} raises #UD.
     */
    public int exec;
    /**
     * The record of the instruction that follows this one in the same page's decoded code, once the
     * interpreter has linked them (see {@code Cpu.run}); null until then.
     */
    public Insn next;
    /** Specialised register forms: the destination and source registers. */
    public int dst, src;
    /** The table row this was decoded from, or null when no row matched. */
    public OpcodeTable.Row row;
    /** Length in bytes, prefixes included (1..15). */
    public int len;
    /** Operand size for 'v' operands: 2 or 4 bytes. */
    public int opsize;
    /** Size of the first operand in bytes: 1, 2 or 4 (the operand size when it has none). */
    public int size;
    /** Address size: 2 or 4 bytes. */
    public int asize;
    /** ModRM.reg, or the register in the opcode's low bits for +r forms. */
    public int reg;
    /** The register of a ModRM r/m operand with mod = 3, or -1 for a memory operand. */
    public int rm = -1;
    /** Memory operand: base register slot. */
    public int base = NO_REG;
    /** Memory operand: index register slot. */
    public int index = NO_REG;
    /** Memory operand: scale as a shift count (0..3). */
    public int scale;
    /** Memory operand: displacement (or the moffs address). */
    public int disp;
    /** Memory operand: the segment register used (prefix or default), {@code Seg} numbering. */
    public int seg;
    /** True when a segment-override prefix was given. */
    public boolean segOverride;
    /** The first immediate (sign-extended where the operand code says so) or branch displacement. */
    public int imm;
    /** The second immediate: ENTER's nesting level, the selector of a direct far pointer. */
    public int imm2;
    /** 0, 0xF2 (REPNE) or 0xF3 (REP/REPE): the last repeat prefix given. */
    public int rep;
    /** A LOCK prefix was given. */
    public boolean lock;
    /** The raw ModRM byte, or -1. */
    public int modrm = -1;
    /** A small per-form datum derived at decode time (condition code, ALU or shift kind). */
    public int sub;
    /** Number of prefix bytes. */
    public int prefixCount;

    /** Stores an immediate: the first one goes to {@link #imm}, the second to {@link #imm2}. */
    void setImm(int value) {
        if (immCount++ == 0) imm = value;
        else imm2 = value;
    }

    int immCount;

    public boolean isMem() {
        return rm < 0 && modrm >= 0 && (modrm >>> 6) != 3;
    }

    @Override
    public String toString() {
        return row == null ? "(bad)" : row.mnemonic(opsize == 2);
    }
}
