package ntgate.asm;

/** One written operand of an instruction, as parsed (expressions are evaluated later, on every pass). */
sealed interface AsmOperand {

    int col();

    /** A register: {@code eax}, {@code ds}, {@code cr3}. */
    record RegOp(AsmRegister reg, int col) implements AsmOperand {}

    /**
     * A memory operand {@code size [seg: addr]}.
     *
     * @param size     operand size from {@code byte/word/dword/qword} before the bracket, 0 if not given
     * @param seg      segment override written inside or before the brackets, or null
     * @param addr     the address expression (registers allowed)
     * @param dispSize {@code byte/word/dword} written inside the brackets: the displacement size (and, for
     *                 {@code word}/{@code dword} without registers, the address size), 0 if not given
     * @param nosplit  {@code nosplit}: keep {@code [eax*2]} as an index without a base
     * @param far      {@code far} was written: a far pointer in memory (jmp/call far)
     */
    record MemOp(int size, AsmRegister seg, AsmExpr addr, int dispSize, boolean nosplit, boolean far, int col)
            implements AsmOperand {}

    /**
     * An immediate or branch target.
     *
     * @param size   {@code byte/word/dword} written before it (operand size, or immediate size if strict), 0 if not
     * @param strict {@code strict}: encode the immediate at exactly that size
     * @param jump   {@link #SHORT} or {@link #NEAR} when written, else 0
     */
    record ImmOp(AsmExpr expr, int size, boolean strict, int jump, int col) implements AsmOperand {
        static final int SHORT = 1, NEAR = 2;
    }

    /** A direct far pointer {@code seg:offset} (jmp/call far). */
    record FarOp(AsmExpr seg, AsmExpr offset, int size, int col) implements AsmOperand {}
}
