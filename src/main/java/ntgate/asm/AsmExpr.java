package ntgate.asm;

import java.util.Arrays;

/**
 * Expressions, NASM precedence (lowest first): {@code |}, {@code ^}, {@code &}, {@code << >>},
 * {@code + -}, {@code * / // % %%}, unary {@code - + ~ !}. {@code /} and {@code %} are unsigned,
 * {@code //} and {@code %%} signed, as in NASM. Operands: numbers, character constants ({@code 'ab'} is
 * 0x6261), symbols, {@code $} (start of the current line), {@code $$} (start of the section) and, inside
 * brackets, registers, which may be added, subtracted and multiplied by constants.
 *
 * <p>An expression is parsed once and evaluated on every pass, since labels move while jumps settle.
 */
sealed interface AsmExpr {

    /** What an expression needs from the assembler while it is evaluated. */
    interface Context {
        /** The value of a symbol, or null when it is not (yet) defined; {@code col} is for messages. */
        Long symbol(String name, int col);

        long here();

        long sectionStart();
    }

    /**
     * A value: a constant plus register terms (register address id → coefficient, in order of first use).
     * {@code unknown} is set when an undefined symbol took part (its value counted as zero).
     */
    record Value(long constant, int[] regs, long[] coefs, boolean unknown) {
        static Value of(long c) {
            return new Value(c, new int[0], new long[0], false);
        }

        boolean hasRegs() {
            for (long k : coefs) if (k != 0) return true;
            return false;
        }

        Value withUnknown(boolean u) {
            return u == unknown ? this : new Value(constant, regs, coefs, u);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Value v && v.constant == constant && Arrays.equals(v.regs, regs)
                    && Arrays.equals(v.coefs, coefs) && v.unknown == unknown;
        }

        @Override
        public int hashCode() {
            return Long.hashCode(constant) * 31 + Arrays.hashCode(regs);
        }

        @Override
        public String toString() {
            return Long.toString(constant);
        }
    }

    int col();

    Value eval(Context ctx);

    /** True when the expression names a symbol, {@code $} or {@code $$} (so its value may move). */
    boolean movable();

    record Num(long v, int col) implements AsmExpr {
        public Value eval(Context ctx) {
            return Value.of(v);
        }

        public boolean movable() {
            return false;
        }
    }

    record Sym(String name, int col) implements AsmExpr {
        public Value eval(Context ctx) {
            Long v = ctx.symbol(name, col);
            return v == null ? new Value(0, new int[0], new long[0], true) : Value.of(v);
        }

        public boolean movable() {
            return true;
        }
    }

    record Reg(AsmRegister reg, int col) implements AsmExpr {
        public Value eval(Context ctx) {
            if (reg.kind() != AsmRegister.Kind.GPR || reg.size() == 1) {
                throw new AsmFail(col, "register '" + reg.name() + "' cannot be used in an address");
            }
            return new Value(0, new int[] {reg.addrId()}, new long[] {1}, false);
        }

        public boolean movable() {
            return false;
        }
    }

    record Here(boolean section, int col) implements AsmExpr {
        public Value eval(Context ctx) {
            return Value.of(section ? ctx.sectionStart() : ctx.here());
        }

        public boolean movable() {
            return true;
        }
    }

    record Unary(String op, AsmExpr e, int col) implements AsmExpr {
        public Value eval(Context ctx) {
            Value v = e.eval(ctx);
            if (op.equals("-")) return scale(v, -1, col);
            if (op.equals("+")) return v;
            noRegs(v, col, op);
            long r = op.equals("~") ? ~v.constant : (v.constant == 0 ? 1 : 0);
            return new Value(r, new int[0], new long[0], v.unknown);
        }

        public boolean movable() {
            return e.movable();
        }
    }

    /**
     * A chain of operators of one precedence level, {@code t0 op1 t1 op2 t2 ...}, evaluated left to right by a
     * loop: a 10^6-term {@code 1+1+...} needs no deeper Java stack than {@code 1+1} (a tree of Binary nodes would
     * recurse once per term).
     */
    record Chain(AsmExpr[] terms, String[] ops, int[] cols, int col) implements AsmExpr {
        public Value eval(Context ctx) {
            Value v = terms[0].eval(ctx);
            for (int i = 0; i < ops.length; i++) v = Binary.apply(ops[i], v, terms[i + 1].eval(ctx), cols[i]);
            return v;
        }

        public boolean movable() {
            for (AsmExpr e : terms) if (e.movable()) return true;
            return false;
        }
    }

    record Binary(String op, AsmExpr a, AsmExpr b, int col) implements AsmExpr {
        public Value eval(Context ctx) {
            return apply(op, a.eval(ctx), b.eval(ctx), col);
        }

        static Value apply(String op, Value x, Value y, int col) {
            boolean unk = x.unknown || y.unknown;
            switch (op) {
                case "+" -> {
                    return add(x, y, 1);
                }
                case "-" -> {
                    return add(x, y, -1);
                }
                case "*" -> {
                    if (x.hasRegs() && y.hasRegs()) throw new AsmFail(col, "a register cannot be multiplied by a register");
                    if (x.hasRegs()) return scale(x, y.constant, col).withUnknown(unk);
                    if (y.hasRegs()) return scale(y, x.constant, col).withUnknown(unk);
                    return new Value(x.constant * y.constant, new int[0], new long[0], unk);
                }
                default -> {
                    noRegs(x, col, op);
                    noRegs(y, col, op);
                    long p = x.constant, q = y.constant;
                    long r;
                    switch (op) {
                        case "/", "//", "%", "%%" -> {
                            if (q == 0) {
                                if (unk) return new Value(0, new int[0], new long[0], true);
                                throw new AsmFail(col, "division by zero");
                            }
                            r = switch (op) {
                                case "/" -> Long.divideUnsigned(p, q);
                                case "//" -> p / q;
                                case "%" -> Long.remainderUnsigned(p, q);
                                default -> p % q;
                            };
                        }
                        case "<<" -> r = q >= 64 || q < 0 ? 0 : p << q;
                        case ">>" -> r = q >= 64 || q < 0 ? 0 : p >>> q;
                        case "&" -> r = p & q;
                        case "|" -> r = p | q;
                        case "^" -> r = p ^ q;
                        default -> throw new AsmFail(col, "unknown operator '" + op + "'");
                    }
                    return new Value(r, new int[0], new long[0], unk);
                }
            }
        }

        public boolean movable() {
            return a.movable() || b.movable();
        }
    }

    private static void noRegs(Value v, int col, String op) {
        if (v.hasRegs()) throw new AsmFail(col, "registers can only be added, subtracted or scaled, not used with '" + op + "'");
    }

    private static Value scale(Value v, long k, int col) {
        long[] c = new long[v.coefs.length];
        for (int i = 0; i < c.length; i++) c[i] = v.coefs[i] * k;
        return new Value(v.constant * k, v.regs, c, v.unknown);
    }

    private static Value add(Value x, Value y, int sign) {
        int[] regs = Arrays.copyOf(x.regs, x.regs.length + y.regs.length);
        long[] coefs = Arrays.copyOf(x.coefs, x.coefs.length + y.coefs.length);
        int n = x.regs.length;
        for (int i = 0; i < y.regs.length; i++) {
            int found = -1;
            for (int j = 0; j < n; j++) if (regs[j] == y.regs[i]) found = j;
            if (found >= 0) {
                coefs[found] += sign * y.coefs[i];
            } else {
                regs[n] = y.regs[i];
                coefs[n] = sign * y.coefs[i];
                n++;
            }
        }
        return new Value(x.constant + sign * y.constant, Arrays.copyOf(regs, n), Arrays.copyOf(coefs, n),
                x.unknown || y.unknown);
    }

    /** Calls {@code out} with the name of every symbol the expression names (iteratively: chains may be long). */
    static void symbols(AsmExpr root, java.util.function.Consumer<String> out) {
        java.util.ArrayDeque<AsmExpr> todo = new java.util.ArrayDeque<>();
        todo.push(root);
        while (!todo.isEmpty()) {
            AsmExpr e = todo.pop();
            if (e instanceof Sym sym) out.accept(sym.name());
            else if (e instanceof Unary u) todo.push(u.e());
            else if (e instanceof Binary b) {
                todo.push(b.a());
                todo.push(b.b());
            } else if (e instanceof Chain c) {
                for (AsmExpr t : c.terms()) todo.push(t);
            }
        }
    }

    // ---- parsing ----

    String[][] LEVELS = {
        {"|"}, {"^"}, {"&"}, {"<<", ">>"}, {"+", "-"}, {"*", "/", "//", "%", "%%"},
    };

    /** Parses an expression; registers are accepted (the caller rejects them where they do not belong). */
    static AsmExpr parse(AsmTokens t) {
        return parseLevel(t, 0);
    }

    private static AsmExpr parseLevel(AsmTokens t, int level) {
        if (level == LEVELS.length) return parseUnary(t);
        AsmExpr left = parseLevel(t, level + 1);
        java.util.List<AsmExpr> terms = null;
        java.util.List<String> ops = null;
        java.util.List<Integer> cols = null;
        while (true) {
            AsmLexer.Token tok = t.peek();
            String op = null;
            if (tok.kind() == AsmLexer.Kind.PUNCT) {
                for (String o : LEVELS[level]) if (tok.text().equals(o)) op = o;
            }
            if (op == null) break;
            t.next();
            AsmExpr right = parseLevel(t, level + 1);
            if (terms == null) {
                terms = new java.util.ArrayList<>();
                ops = new java.util.ArrayList<>();
                cols = new java.util.ArrayList<>();
                terms.add(left);
            }
            terms.add(right);
            ops.add(op);
            cols.add(tok.col());
        }
        if (terms == null) return left;
        if (ops.size() == 1) return new Binary(ops.get(0), terms.get(0), terms.get(1), cols.get(0));
        int[] c = new int[cols.size()];
        for (int i = 0; i < c.length; i++) c[i] = cols.get(i);
        return new Chain(terms.toArray(new AsmExpr[0]), ops.toArray(new String[0]), c, cols.get(0));
    }

    private static AsmExpr parseUnary(AsmTokens t) {
        AsmLexer.Token tok = t.peek();
        if (tok.is("-") || tok.is("+") || tok.is("~") || tok.is("!")) {
            t.next();
            enter(t, tok);
            AsmExpr operand = parseUnary(t);
            t.nesting--;
            return new Unary(tok.text(), operand, tok.col());
        }
        return parsePrimary(t);
    }

    /** Deepest nesting of parentheses and unary operators; deeper input is an error, not a stack overflow. */
    static final int MAX_NESTING = 200;

    private static void enter(AsmTokens t, AsmLexer.Token tok) {
        if (++t.nesting > MAX_NESTING) {
            throw new AsmFail(tok.col(), "expression nested more than " + MAX_NESTING + " levels deep");
        }
    }

    private static AsmExpr parsePrimary(AsmTokens t) {
        AsmLexer.Token tok = t.next();
        switch (tok.kind()) {
            case NUMBER -> {
                return new Num(tok.value(), tok.col());
            }
            case STRING -> {
                byte[] b = tok.text().getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
                if (b.length > 8) throw new AsmFail(tok.col(), "character constant longer than 8 bytes");
                long v = 0;
                for (int i = b.length - 1; i >= 0; i--) v = (v << 8) | (b[i] & 0xFF);
                return new Num(v, tok.col());
            }
            case IDENT -> {
                AsmRegister r = AsmRegister.lookup(tok.text());
                if (r != null) return new Reg(r, tok.col());
                if (AsmParser.isSizeWord(tok.text())) {
                    throw new AsmFail(tok.col(), "size '" + tok.text().toLowerCase() + "' is not allowed here");
                }
                return new Sym(tok.text(), tok.col());
            }
            case PUNCT -> {
                if (tok.is("(")) {
                    enter(t, tok);
                    AsmExpr e = parse(t);
                    t.nesting--;
                    t.expect(")", "')'");
                    return e;
                }
                if (tok.is("$")) return new Here(false, tok.col());
                if (tok.is("$$")) return new Here(true, tok.col());
                throw new AsmFail(tok.col(), "expected an expression, found " + tok);
            }
            default -> throw new AsmFail(tok.col(), "expected an expression, found " + tok);
        }
    }
}
