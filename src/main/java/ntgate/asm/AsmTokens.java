package ntgate.asm;

import java.util.List;

/** A cursor over the tokens of one line. */
final class AsmTokens {
    /** Current depth of parentheses and unary operators in the expression being parsed. */
    int nesting;

    private final List<AsmLexer.Token> toks;
    private int pos;

    AsmTokens(List<AsmLexer.Token> toks) {
        this.toks = toks;
    }

    AsmLexer.Token peek() {
        return toks.get(pos);
    }

    AsmLexer.Token peek(int ahead) {
        return toks.get(Math.min(pos + ahead, toks.size() - 1));
    }

    AsmLexer.Token next() {
        AsmLexer.Token t = toks.get(pos);
        if (t.kind() != AsmLexer.Kind.EOL) pos++;
        return t;
    }

    boolean atEnd() {
        return peek().kind() == AsmLexer.Kind.EOL;
    }

    boolean accept(String punct) {
        if (peek().is(punct)) {
            pos++;
            return true;
        }
        return false;
    }

    void expect(String punct, String what) {
        if (!accept(punct)) throw new AsmFail(peek().col(), "expected " + what + ", found " + peek());
    }

    int mark() {
        return pos;
    }

    void reset(int mark) {
        pos = mark;
    }
}
