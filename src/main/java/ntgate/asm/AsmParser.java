package ntgate.asm;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Parses NASM-syntax source into {@link AsmStatement}s, one line at a time. Directives that only set state
 * for what follows ({@code bits}, {@code global}, {@code extern}, {@code org}) are applied here.
 *
 * <p>Names: an identifier that starts with a dot is a local label and is attached to the last non-local
 * label ({@code .loop} after {@code KiFastCallEntry:} is {@code KiFastCallEntry.loop}); a dot anywhere else
 * is an ordinary character, so structure fields such as {@code KTRAP_FRAME.Eip} are plain symbol names.
 */
final class AsmParser {

    /** Section attributes given on {@code section} lines. */
    static final class SectionInfo {
        final String name;
        int align;
        boolean nobits;
        /** NASM bin's {@code start=}: the section's address relative to the origin, or -1 to follow the previous one. */
        long start = -1;

        SectionInfo(String name) {
            this.name = name;
            this.nobits = name.equals(".bss");
        }
    }

    final List<AsmStatement> statements = new ArrayList<>();
    final Set<String> globals = new LinkedHashSet<>();
    /** Names declared {@code extern}, with the line and column of their first declaration. */
    final Map<String, int[]> externs = new LinkedHashMap<>();
    final Map<String, SectionInfo> sections = new LinkedHashMap<>();
    final List<AsmError> errors = new ArrayList<>();
    Long org;
    int orgLine;

    private final String file;
    private final boolean windbg;
    private final boolean masm;
    private int bits;
    private String scope = "";
    private int lineNo;
    private int insnCount;
    private boolean emittedAnything;

    AsmParser(String file, int bits, boolean windbg, boolean masm) {
        this.masm = masm;
        this.file = file;
        this.bits = bits;
        this.windbg = windbg;
        sections.put(".text", new SectionInfo(".text"));
    }

    private static final Set<String> SIZE_WORDS = Set.of("byte", "word", "dword", "fword", "qword", "tword", "tbyte");
    private static final Set<String> PREFIXES = Set.of("rep", "repe", "repz", "repne", "repnz", "lock",
            "o16", "o32", "a16", "a32", "data16", "data32", "addr16", "addr32", "cs", "ds", "es", "ss", "fs", "gs");
    private static final Set<String> DIRECTIVES = Set.of("bits", "use16", "use32", "section", "segment",
            "global", "extern", "org", "align", "alignb", "db", "dw", "dd", "dq", "resb", "resw", "resd", "resq",
            "times", "equ", "cpu", "default");

    static boolean isSizeWord(String s) {
        return SIZE_WORDS.contains(s.toLowerCase(Locale.ROOT));
    }

    private static int sizeOf(String s) {
        return switch (s.toLowerCase(Locale.ROOT)) {
            case "byte" -> 1;
            case "word" -> 2;
            case "dword" -> 4;
            case "fword" -> 6;
            case "qword" -> 8;
            case "tword", "tbyte" -> 10;   // tbyte: MASM's and WinDbg's ten-byte size
            default -> 0;
        };
    }

    private static boolean isKeyword(String s) {
        String l = s.toLowerCase(Locale.ROOT);
        return DIRECTIVES.contains(l) || PREFIXES.contains(l) || AsmEncoder.isMnemonic(l) || SIZE_WORDS.contains(l)
                || AsmRegister.lookup(l) != null;
    }

    void parse(String source) {
        String[] lines = source.split("\r\n|\r|\n", -1);
        for (String line : lines) {
            lineNo++;
            AsmLexer.Lexed lx = AsmLexer.lex(line, windbg);
            for (int i = 0; i < lx.errors().size(); i++) error(lx.errorCols().get(i), lx.errors().get(i));
            if (!lx.errors().isEmpty()) continue;
            String text = lx.commentCol() > 0 ? line.substring(0, lx.commentCol() - 1).strip() : line.strip();
            try {
                parseLine(new AsmTokens(lx.tokens()), text, lx.comment());
            } catch (AsmFail f) {
                error(f.col, f.getMessage());
            }
        }
    }

    private void error(int col, String msg) {
        errors.add(new AsmError(file, lineNo, col, msg));
    }

    private AsmStatement.Src src(String text, String comment) {
        return new AsmStatement.Src(lineNo, text, comment.isEmpty() ? "" : comment, scope);
    }

    private void parseLine(AsmTokens t, String text, String comment) {
        if (t.atEnd()) return;
        if (t.peek().is("[")) {
            // Primitive directive form: [bits 32], [section .text], [org 0x1000], [global x].
            t.next();
            AsmLexer.Token d = t.peek();
            if (d.kind() != AsmLexer.Kind.IDENT) throw new AsmFail(d.col(), "expected a directive after '['");
            String name = d.text().toLowerCase(Locale.ROOT);
            if (!Set.of("bits", "section", "segment", "org", "global", "extern", "use16", "use32").contains(name)) {
                throw new AsmFail(d.col(), "expected a directive after '[', found '" + d.text() + "'");
            }
            t.next();
            parseDirective(name, d, t, text, comment, true);
            return;
        }
        AsmLexer.Token first = t.peek();
        if (first.is("{")) {
            parseBody(t, text, comment, null, 0);
            return;
        }
        if (first.kind() != AsmLexer.Kind.IDENT) {
            throw new AsmFail(first.col(), "expected a label, instruction or directive, found " + first);
        }
        String lower = first.text().toLowerCase(Locale.ROOT);
        boolean colon = t.peek(1).is(":");
        boolean equ = t.peek(1).isIdent("equ");
        if (colon || equ || (!isKeyword(lower) && startsStatement(t.peek(1)))) {
            t.next();
            if (colon) t.next();
            String name = first.text();
            if (isKeyword(name) && !colon) throw new AsmFail(first.col(), "'" + name + "' is a reserved word");
            if (AsmRegister.lookup(name) != null) throw new AsmFail(first.col(), "a register name cannot be a label: '" + name + "'");
            String full = fullName(name, first.col());
            if (t.peek().isIdent("equ")) {
                t.next();
                AsmExpr e = parseExprOnly(t);
                endOfLine(t);
                statements.add(new AsmStatement.Equ(src(text, comment), full, e, first.col()));
                return;
            }
            if (!name.startsWith(".")) scope = name;
            statements.add(new AsmStatement.Label(src(text, comment), full, first.col()));
            if (t.atEnd()) return;
        }
        parseBody(t, text, comment, null, 0);
    }

    /** True when a token can start a statement (so the identifier before it is a label without a colon). */
    private static boolean startsStatement(AsmLexer.Token t) {
        if (t.kind() == AsmLexer.Kind.EOL || t.is("{")) return true;
        if (t.kind() != AsmLexer.Kind.IDENT) return false;
        String l = t.text().toLowerCase(Locale.ROOT);
        return DIRECTIVES.contains(l) || PREFIXES.contains(l) || AsmEncoder.isMnemonic(l);
    }

    private String fullName(String name, int col) {
        if (name.startsWith(".")) {
            if (name.length() == 1) throw new AsmFail(col, "expected a name after '.'");
            return scope + name;
        }
        return name;
    }

    /** The statement after any label: a directive, {@code times}, prefixes and an instruction. */
    private void parseBody(AsmTokens t, String text, String comment, AsmExpr times, int timesCol) {
        String row = null;
        if (t.peek().is("{")) {
            // {ROW}: a pseudo-prefix (as GAS's {load}/{disp32}) naming the table row to encode.
            t.next();
            AsmLexer.Token r = t.next();
            if (r.kind() != AsmLexer.Kind.IDENT || ntgate.cpu.decode.OpcodeTable.opId(r.text()) < 0) {
                throw new AsmFail(r.col(), "expected the Op name of an opcode table row inside '{ }', found " + r);
            }
            t.expect("}", "'}'");
            row = r.text();
            if (t.atEnd()) throw new AsmFail(t.peek().col(), "expected an instruction after '{" + row + "}'");
        }
        AsmLexer.Token head = t.next();
        if (head.kind() != AsmLexer.Kind.IDENT) {
            throw new AsmFail(head.col(), "expected an instruction or directive, found " + head);
        }
        String name = head.text().toLowerCase(Locale.ROOT);
        if (name.equals("times")) {
            if (times != null) throw new AsmFail(head.col(), "'times' cannot be nested");
            AsmExpr count = AsmExpr.parse(t);
            if (t.atEnd()) throw new AsmFail(t.peek().col(), "expected an instruction or data after the 'times' count");
            parseBody(t, text, comment, count, head.col());
            return;
        }
        if (DIRECTIVES.contains(name) && !PREFIXES.contains(name)) {
            switch (name) {
                case "db", "dw", "dd", "dq" -> {
                    int unit = switch (name) {
                        case "db" -> 1;
                        case "dw" -> 2;
                        case "dd" -> 4;
                        default -> 8;
                    };
                    statements.add(new AsmStatement.Data(src(text, comment), unit, parseDataItems(t), times, head.col()));
                    emittedAnything = true;
                    return;
                }
                case "resb", "resw", "resd", "resq" -> {
                    int unit = switch (name) {
                        case "resb" -> 1;
                        case "resw" -> 2;
                        case "resd" -> 4;
                        default -> 8;
                    };
                    AsmExpr count = parseExprOnly(t);
                    endOfLine(t);
                    statements.add(new AsmStatement.Reserve(src(text, comment), unit, count, times, head.col()));
                    emittedAnything = true;
                    return;
                }
                default -> {
                    if (times != null) throw new AsmFail(head.col(), "'times' cannot repeat '" + name + "'");
                    parseDirective(name, head, t, text, comment, false);
                    return;
                }
            }
        }
        List<String> prefixes = new ArrayList<>();
        while (PREFIXES.contains(name)) {
            prefixes.add(switch (name) {
                case "data16" -> "o16";
                case "data32" -> "o32";
                case "addr16" -> "a16";
                case "addr32" -> "a32";
                default -> name;
            });
            if (t.atEnd()) {
                if (AsmRegister.lookup(name) != null) throw new AsmFail(head.col(), "expected an instruction after segment prefix '" + name + "'");
                // A prefix alone on a line is emitted as that prefix byte.
                statements.add(new AsmStatement.Insn(src(text, comment), List.copyOf(prefixes), "", head.col(), List.of(), bits, times, timesCol, insnCount++, windbg, row, masm));
                emittedAnything = true;
                return;
            }
            head = t.next();
            if (head.kind() != AsmLexer.Kind.IDENT) throw new AsmFail(head.col(), "expected an instruction after prefix, found " + head);
            name = head.text().toLowerCase(Locale.ROOT);
        }
        List<AsmOperand> ops = new ArrayList<>();
        if (!AsmEncoder.isMnemonic(name)) {
            throw new AsmFail(head.col(), "unknown instruction '" + head.text() + "'");
        }
        if (!t.atEnd()) {
            do {
                ops.add(parseOperand(t));
            } while (t.accept(","));
        }
        endOfLine(t);
        // Compact immutable lists: a million-line program keeps a million of these.
        statements.add(new AsmStatement.Insn(src(text, comment), List.copyOf(prefixes), name.intern(), head.col(), List.copyOf(ops), bits, times, timesCol, insnCount++, windbg, row, masm));
        emittedAnything = true;
    }

    private void endOfLine(AsmTokens t) {
        if (!t.atEnd()) throw new AsmFail(t.peek().col(), "expected ',' or end of line, found " + t.peek());
    }

    private AsmExpr parseExprOnly(AsmTokens t) {
        if (t.atEnd()) throw new AsmFail(t.peek().col(), "expected an expression");
        return AsmExpr.parse(t);
    }

    private List<AsmStatement.DataItem> parseDataItems(AsmTokens t) {
        List<AsmStatement.DataItem> items = new ArrayList<>();
        if (t.atEnd()) throw new AsmFail(t.peek().col(), "expected data after the directive");
        do {
            AsmLexer.Token tok = t.peek();
            if (tok.kind() == AsmLexer.Kind.STRING && (t.peek(1).is(",") || t.peek(1).kind() == AsmLexer.Kind.EOL)) {
                t.next();
                items.add(new AsmStatement.DataItem(null, tok.text().getBytes(StandardCharsets.ISO_8859_1), tok.col()));
            } else {
                if (tok.kind() == AsmLexer.Kind.EOL || tok.is(",")) throw new AsmFail(tok.col(), "expected an expression, found " + tok);
                items.add(new AsmStatement.DataItem(AsmExpr.parse(t), null, tok.col()));
            }
        } while (t.accept(","));
        endOfLine(t);
        return items;
    }

    private void parseDirective(String name, AsmLexer.Token head, AsmTokens t, String text, String comment, boolean bracketed) {
        switch (name) {
            case "bits" -> {
                AsmLexer.Token v = t.next();
                if (v.kind() != AsmLexer.Kind.NUMBER || (v.value() != 16 && v.value() != 32)) {
                    throw new AsmFail(v.col(), "expected 16 or 32 after 'bits'" + (v.kind() == AsmLexer.Kind.NUMBER && v.value() == 64 ? " (64-bit code is not supported)" : ""));
                }
                bits = (int) v.value();
            }
            case "use16" -> bits = 16;
            case "use32" -> bits = 32;
            case "section", "segment" -> {
                AsmLexer.Token v = t.next();
                if (v.kind() != AsmLexer.Kind.IDENT) throw new AsmFail(v.col(), "expected a section name");
                String sec = v.text();
                SectionInfo info = sections.computeIfAbsent(sec, SectionInfo::new);
                while (!t.atEnd() && !t.peek().is("]")) {
                    AsmLexer.Token a = t.next();
                    if (a.isIdent("align") && t.accept("=")) {
                        AsmLexer.Token n = t.next();
                        if (n.kind() != AsmLexer.Kind.NUMBER || Long.bitCount(n.value()) != 1) {
                            throw new AsmFail(n.col(), "expected a power of two after 'align='");
                        }
                        info.align = (int) Math.max(info.align, Math.min(n.value(), 1 << 30));
                    } else if (a.isIdent("start") && t.accept("=")) {
                        AsmLexer.Token n = t.next();
                        if (n.kind() != AsmLexer.Kind.NUMBER || n.value() < 0 || n.value() > 0xFFFFFFFFL) {
                            throw new AsmFail(n.col(), "expected an offset from the origin after 'start='");
                        }
                        info.start = n.value();
                    } else if (a.isIdent("nobits")) {
                        info.nobits = true;
                    } else if (a.isIdent("progbits")) {
                        info.nobits = false;
                    } else if (a.kind() == AsmLexer.Kind.IDENT && Set.of("exec", "noexec", "write", "nowrite", "alloc").contains(a.text().toLowerCase(Locale.ROOT))) {
                        continue;
                    } else {
                        throw new AsmFail(a.col(), "unknown section attribute " + a);
                    }
                }
                statements.add(new AsmStatement.Section(src(text, comment), sec, v.col()));
            }
            case "global", "extern" -> {
                do {
                    AsmLexer.Token v = t.next();
                    if (v.kind() != AsmLexer.Kind.IDENT) throw new AsmFail(v.col(), "expected a symbol name after '" + name + "'");
                    if (name.equals("global")) globals.add(v.text());
                    else externs.putIfAbsent(v.text(), new int[] {lineNo, v.col()});
                } while (t.accept(","));
            }
            case "org" -> {
                AsmLexer.Token v = t.next();
                if (v.kind() != AsmLexer.Kind.NUMBER) throw new AsmFail(v.col(), "expected a number after 'org'");
                if (emittedAnything) throw new AsmFail(head.col(), "'org' must come before any code or data");
                org = v.value();
                orgLine = lineNo;
            }
            case "align", "alignb" -> {
                AsmExpr e = parseExprOnly(t);
                if (t.accept(",")) {
                    // NASM's optional fill instruction; only the default (nop) and 'db 0' style are not needed here.
                    throw new AsmFail(t.peek().col(), "'align' takes only the boundary here (it pads with NOP)");
                }
                statements.add(new AsmStatement.Align(src(text, comment), e, name.equals("alignb"), head.col()));
                emittedAnything = true;
            }
            case "cpu", "default" -> {
                while (!t.atEnd()) t.next();   // accepted and ignored: ntgate targets one CPU
            }
            case "equ" -> throw new AsmFail(head.col(), "'equ' needs a name before it");
            default -> throw new AsmFail(head.col(), "unknown directive '" + name + "'");
        }
        if (bracketed) t.expect("]", "']'");
        endOfLine(t);
    }

    // ---- operands ----

    private AsmOperand parseOperand(AsmTokens t) {
        int col = t.peek().col();
        int size = 0;
        boolean strict = false, far = false;
        int jump = 0;
        while (t.peek().kind() == AsmLexer.Kind.IDENT) {
            String w = t.peek().text().toLowerCase(Locale.ROOT);
            if (SIZE_WORDS.contains(w)) {
                size = sizeOf(w);
            } else if (w.equals("strict")) {
                strict = true;
            } else if (w.equals("short")) {
                jump = AsmOperand.ImmOp.SHORT;
            } else if (w.equals("near")) {
                jump = AsmOperand.ImmOp.NEAR;
            } else if (w.equals("far")) {
                far = true;
            } else if (w.equals("ptr") && windbg && size != 0) {
                // WinDbg/MASM: "dword ptr [..]" is NASM's "dword [..]".
            } else if (w.equals("ptr")) {
                throw new AsmFail(t.peek().col(), "'ptr' is MASM syntax; write 'dword [..]' without it");
            } else {
                break;
            }
            t.next();
        }
        AsmLexer.Token tok = t.peek();
        if (tok.is("[")) return parseMem(t, size, null, far, col);
        if (tok.kind() == AsmLexer.Kind.IDENT) {
            AsmRegister r = AsmRegister.lookup(tok.text());
            if (r != null && r.kind() == AsmRegister.Kind.SREG && t.peek(1).is(":") && t.peek(2).is("[")) {
                t.next();
                t.next();
                return parseMem(t, size, r, far, col);
            }
            if (r != null && r.kind() == AsmRegister.Kind.FPU && r.name().equals("st") && t.peek(1).is("(")
                    && t.peek(2).kind() == AsmLexer.Kind.NUMBER && t.peek(3).is(")")
                    && t.peek(2).value() >= 0 && t.peek(2).value() <= 7) {
                // st(i): the x87 register as the SDM, MASM, WinDbg and objdump write it (NASM: st1).
                t.next();
                t.next();
                int n = (int) t.next().value();
                t.next();
                if (size != 0 || strict || jump != 0 || far) throw new AsmFail(col, "a size or distance cannot be given for register 'st(" + n + ")'");
                // Spelled st(i), it is the ST(i) operand of a form and never the fixed ST: "fadd st(0),st" is DC C0.
                return new AsmOperand.RegOp(new AsmRegister("st(" + n + ")", AsmRegister.Kind.FPU, n, 10), tok.col());
            }
            if (r != null && (t.peek(1).is(",") || t.peek(1).kind() == AsmLexer.Kind.EOL)) {
                t.next();
                if (size != 0 || strict || jump != 0 || far) throw new AsmFail(col, "a size or distance cannot be given for register '" + r.name() + "'");
                return new AsmOperand.RegOp(r, tok.col());
            }
        }
        if (tok.kind() == AsmLexer.Kind.EOL || tok.is(",")) throw new AsmFail(tok.col(), "expected an operand, found " + tok);
        AsmExpr e = AsmExpr.parse(t);
        if (t.accept(":")) {
            AsmLexer.Token offTok = t.peek();
            AsmExpr off = AsmExpr.parse(t);
            if (windbg && size == 0 && (off instanceof AsmExpr.Num || off instanceof AsmExpr.Sym)
                    && offTok.text().matches("[0-9a-fA-F]{4}|[0-9a-fA-F]{8}")) {
                // WinDbg writes a 16-bit offset with four digits, a 32-bit one with eight (jmp 0008:1234).
                size = offTok.text().length() / 2;
            }
            return new AsmOperand.FarOp(e, off, size, col);
        }
        if (far) throw new AsmFail(col, "'far' needs a memory operand or a seg:offset pointer");
        return new AsmOperand.ImmOp(e, size, strict, jump, col);
    }

    private AsmOperand parseMem(AsmTokens t, int size, AsmRegister seg, boolean far, int col) {
        t.expect("[", "'['");
        int dispSize = 0;
        boolean nosplit = false;
        while (t.peek().kind() == AsmLexer.Kind.IDENT) {
            String w = t.peek().text().toLowerCase(Locale.ROOT);
            if (w.equals("byte") || w.equals("word") || w.equals("dword")) {
                dispSize = sizeOf(w);
            } else if (w.equals("nosplit")) {
                nosplit = true;
            } else {
                break;
            }
            t.next();
        }
        AsmLexer.Token s = t.peek();
        if (s.kind() == AsmLexer.Kind.IDENT && t.peek(1).is(":")) {
            AsmRegister r = AsmRegister.lookup(s.text());
            if (r == null || r.kind() != AsmRegister.Kind.SREG) {
                throw new AsmFail(s.col(), "expected a segment register before ':', found '" + s.text() + "'");
            }
            if (seg != null) throw new AsmFail(s.col(), "two segment overrides in one operand");
            seg = r;
            t.next();
            t.next();
        }
        if (t.peek().is("]")) throw new AsmFail(t.peek().col(), "expected an address inside '[ ]'");
        int from = t.mark();
        AsmLexer.Token first = t.peek();
        AsmExpr addr = AsmExpr.parse(t);
        if (windbg && dispSize == 0 && first.kind() == AsmLexer.Kind.NUMBER && t.peek().is("]")) {
            // WinDbg writes an absolute address with all its digits: four for a 16-bit address size, eight
            // for a 32-bit one (ds:[0BF2Ch] is a16, ds:[0000BF2Ch] a32), so the digits pick the address size.
            String digits = first.text().toLowerCase(Locale.ROOT);
            if (digits.endsWith("h")) digits = digits.substring(0, digits.length() - 1);
            if ((digits.length() == 5 || digits.length() == 9) && digits.startsWith("0")) digits = digits.substring(1);
            dispSize = digits.length() == 4 ? 2 : digits.length() == 8 ? 4 : 0;
        }
        if (windbg) {
            // WinDbg writes an index without a base as [eax*2] and a base with the same register as index as
            // [eax+eax]: a written scale is never split into a base (NASM's [eax*2] is [eax+eax]).
            int to = t.mark();
            t.reset(from);
            while (t.mark() < to) nosplit |= t.next().is("*");
        }
        t.expect("]", "']'");
        return new AsmOperand.MemOp(size, seg, addr, dispSize, nosplit, far, col);
    }
}
