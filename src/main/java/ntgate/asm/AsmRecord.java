package ntgate.asm;

import ntgate.cpu.decode.OpcodeTable;

/**
 * What one source line put in memory: an instruction (with the table row it was encoded from) or data.
 *
 * @param section    the section it went to
 * @param address    its linear address
 * @param bytes      its bytes (empty for reserved space)
 * @param line       1-based source line
 * @param source     the source text without the comment
 * @param comment    the comment after {@code ;}, stripped ("" if none): the instruction's annotation in every
 *                   language it is written in ({@link Annotation})
 * @param row        the opcode-table row for an instruction, null for data and prefix-only lines
 */
public record AsmRecord(String section, long address, byte[] bytes, int line, String source, String comment,
                        OpcodeTable.Row row) {

    /** The annotation in English (the comment without its other languages). */
    public String annotation() {
        return annotation(Lang.EN);
    }

    /** The annotation in {@code lang}, English where the line has no text in it. */
    public String annotation(Lang lang) {
        return comment.isEmpty() ? "" : Annotation.parse(comment).text(lang);
    }

    public int length() {
        return bytes.length;
    }

    public boolean isInstruction() {
        return row != null;
    }

    /** A listing line: address, bytes, source, annotation. */
    public String listing() {
        StringBuilder hex = new StringBuilder();
        for (byte b : bytes) hex.append(String.format("%02X", b & 0xFF));
        String h = hex.length() > 24 ? hex.substring(0, 22) + ".." : hex.toString();
        String s = String.format("%08X  %-24s  %s", address, h, source);
        return comment.isEmpty() ? s : String.format("%-60s ; %s", s, annotation());
    }
}
