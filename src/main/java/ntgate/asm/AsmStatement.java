package ntgate.asm;

import java.util.List;

/**
 * One parsed source statement. Statements are parsed once; the assembler walks them on every pass.
 * Each knows its source line, the text without the comment, the comment (the annotation) and the global
 * label that {@code .local} names on its line attach to.
 */
sealed interface AsmStatement {

    /** Where a statement came from. */
    record Src(int line, String text, String comment, String scope) {}

    Src src();

    /** A label defined at the start of a line ({@code name:} or {@code name}); full name, locals expanded. */
    record Label(Src src, String name, int col) implements AsmStatement {}

    /** {@code name equ expr}. */
    record Equ(Src src, String name, AsmExpr expr, int col) implements AsmStatement {}

    /** {@code section name}: switches the current section. */
    record Section(Src src, String name, int col) implements AsmStatement {}

    /**
     * An instruction.
     *
     * @param prefixes prefix words in source order (rep, lock, o16, a16, fs, ...), lower case
     * @param bits     the BITS setting in force (16 or 32)
     * @param times    repeat count ({@code times N insn}), or null
     * @param windbg   the source is read in the WinDbg dialect ({@link AsmOptions#windbg()})
     * @param row      the Op name of the row a {@code {ROW}} pseudo-prefix demands, or null
     * @param masm     MASM's encoding choices ({@link AsmOptions#masm()})
     */
    record Insn(Src src, List<String> prefixes, String mnemonic, int col, List<AsmOperand> operands, int bits,
                AsmExpr times, int timesCol, int id, boolean windbg, String row, boolean masm) implements AsmStatement {}

    /** One item of a data directive: an expression, or a string (bytes). */
    record DataItem(AsmExpr expr, byte[] string, int col) {}

    /** {@code db/dw/dd/dq items}, possibly under {@code times}. */
    record Data(Src src, int unit, List<DataItem> items, AsmExpr times, int col) implements AsmStatement {}

    /** {@code resb/resw/resd/resq count}, or {@code alignb}; {@code times} multiplies. */
    record Reserve(Src src, int unit, AsmExpr count, AsmExpr times, int col) implements AsmStatement {}

    /** {@code align N} (fill with NOP, 0x90, in progbits sections) or {@code alignb N} (reserve). */
    record Align(Src src, AsmExpr boundary, boolean reserve, int col) implements AsmStatement {}
}
