package ntgate.asm;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;

/**
 * The NASM-syntax assembler. Kernel and ntdll routines are assembled with it at boot, with structure
 * layouts and other modules' addresses supplied by an {@link AsmOptions.Resolver}:
 * <pre>{@code
 * AsmResult r = Assembler.assemble(source, "KiFastCallEntry.asm",
 *         AsmOptions.defaults().withBase(0x804D7000L).withResolver(layouts::offsetOf)).orThrow();
 * }</pre>
 *
 * <h2>Syntax</h2>
 * NASM's, Intel operand order: labels ({@code name:}; {@code .local} attaches to the last global label,
 * while a dot inside a name is an ordinary character, so {@code KTRAP_FRAME.Eip} is one symbol),
 * {@code equ}, {@code db/dw/dd/dq} with strings and lists, {@code times}, {@code align}/{@code alignb},
 * {@code resb/resw/resd/resq}, {@code section .text/.data/.rdata/.bss} (any name; {@code .bss} or
 * {@code nobits} reserve without bytes), {@code bits 16|32}, {@code org}, {@code global}, {@code extern},
 * size words ({@code byte/word/dword/qword [..]}, {@code short/near/far}, {@code strict}), segment
 * overrides written {@code [fs:0x124]} (NASM's form) or {@code fs:[0x124]} (also accepted by NASM),
 * prefix words ({@code rep/repe/repne/lock/o16/o32/a16/a32} and segment names), far pointers
 * ({@code jmp 0x08:label}, {@code jmp far [eax]}). See {@link AsmEncoder} for how encodings are chosen.
 * A pseudo-prefix {@code {ROW}} naming an {@code Op} of the opcode table ({@code {ADD_EbIb_82} add byte [eax],1},
 * {@code {ADD_GvEv} add eax,ecx}) demands that row, as GAS's {@code {load}}/{@code {store}} do; it is how
 * the alias rows that never win on their own are written.
 *
 * <h2>The disassembler's dialect ({@link AsmOptions#windbg()})</h2>
 * With the option set, every line {@link Disassembler} writes (without symbols) assembles back to the same
 * instruction, byte for byte when the encoding is the canonical one ({@code AsmDisasmRoundTripTest}):
 * <ul>
 *   <li>{@code byte/word/dword/fword/qword ptr} before a memory operand; {@code fword ptr} alone on jmp/call
 *       is a far pointer in memory, and a 16:16 one is {@code far dword ptr} (the size names the whole
 *       pointer, not NASM's offset).</li>
 *   <li>Numbers without a radix mark are hexadecimal ({@code 00401000}, {@code 1234h} and {@code 0x1234}
 *       as well); an undefined name made only of hex digits is that number ({@code jnz e0c8a8fc}), as WinDbg
 *       reads it. Suffix letters b/d/o/q no longer mark a radix.</li>
 *   <li>{@code ds:[00401234h]}: on an address with no registers {@code ds:} emits no prefix (the dialect writes
 *       it on every such address), and the digits written pick the address size (four: a16, eight: a32).
 *       Likewise a far pointer's offset digits pick the operand size ({@code jmp 0008:1000} is 66 EA in 32-bit
 *       code), and a branch target beyond 64 KiB needs a 32-bit operand size.</li>
 *   <li>A written scale is never split ({@code [eax*2]} stays an index without base; {@code [eax*1+10h]} is
 *       index-only too, while {@code [eax+eax]} is base and index).</li>
 *   <li>String instructions with their operands ({@code rep movs dword ptr es:[edi],dword ptr fs:[esi]},
 *       {@code xlat byte ptr [ebx]}): the sizes pick the form, the registers the address size, the source's
 *       segment the override.</li>
 *   <li>Prefix words {@code data16/data32/addr16/addr32} (accepted everywhere); size suffixes on
 *       push/pop/ret/retf/enter/leave/call/jmp/sgdt/sidt/lgdt/lidt ({@code pushw 6Ah}, {@code retw}; accepted
 *       everywhere); {@code pushf/pusha/popf/popa/iret} are the 16-bit forms.</li>
 *   <li>{@code sal} is the /6 row (the disassembler writes {@code sal} for nothing else); {@code xchg}'s first
 *       operand goes in ModRM.rm; MOV Sw,Ew, LAR and LSL take Rv/Mw registers ({@code mov es,ax} is 66 8E).</li>
 *   <li>{@code x87 d9 /0 [eax]}: an x87 escape by its byte and ModRM digit (accepted everywhere).</li>
 * </ul>
 *
 * <h2>Names the source does not define</h2>
 * Any name the source does not define is asked of the resolver (so structure fields need no declaration);
 * a name declared {@code extern} must be known to the resolver. Everything else is an error.
 *
 * <h2>Passes</h2>
 * Every pass walks all statements with the symbol values of the one before; a pass that changes no
 * symbol, no section address and no encoding size is the last, and its bytes and errors are the result.
 * Lengths only grow between passes (see {@link AsmEncoder}), so this terminates.
 *
 * <p>Bad input never throws: every problem becomes an {@link AsmError} naming file, line and column, and
 * all of a file's errors are reported (up to {@link AsmOptions#maxErrors()}).
 */
public final class Assembler {
    private static final int MAX_PASSES = 64;
    /** The largest repeat count, reservation or alignment (16 MiB): beyond it a source is surely wrong. */
    private static final long MAX_COUNT = 1 << 24;

    private final AsmOptions opts;
    private final String file;
    private final AsmParser parser;
    private final List<AsmStatement> statements;
    /** Per statement: the sticky narrow-form bits (AsmEncoder), one flat array for a million-line source. */
    private final long[] sticky;
    private final long[] stickyHolder = new long[1];
    private final Map<String, OptionalLong> resolved = new HashMap<>();
    private final long base;

    // Per-pass state.
    private Map<String, Long> prevSyms = new HashMap<>();
    private Map<String, Long> syms;
    private Map<String, Integer> symLines;
    private Map<String, Long> prevSectionAddr = new HashMap<>();
    /** Labels: the section each was defined in (this pass and the one before). */
    private Map<String, String> labelSection = new HashMap<>(), prevLabelSection = new HashMap<>();
    /** Where each statement started on the previous pass and on this one (-1: not reached). */
    private long[] prevStart, start;
    private int curIndex;
    /** True while a bare name (an operand that is just one name) is evaluated: it may be a mistyped register. */
    private boolean bareOperand;
    private Map<String, SecBuf> secs;
    private SecBuf cur;
    private List<AsmError> errs;
    private List<AsmRecord> records;
    private AsmStatement.Src curSrc;

    /** A section's contents while a pass runs. */
    private static final class SecBuf {
        final AsmParser.SectionInfo info;
        final AsmEncoder.Buf bytes = new AsmEncoder.Buf();
        long size;
        int align;

        SecBuf(AsmParser.SectionInfo info) {
            this.info = info;
        }
    }

    private Assembler(String source, String file, AsmOptions opts) {
        this.opts = opts;
        this.file = file;
        this.parser = new AsmParser(file, opts.bits(), opts.windbg(), opts.masm());
        parser.parse(source);
        this.statements = parser.statements;
        this.sticky = new long[statements.size()];
        this.prevStart = new long[statements.size()];
        this.start = new long[statements.size()];
        Arrays.fill(prevStart, -1);
        this.base = parser.org != null ? parser.org : opts.base();
        checkEquCycles();
    }

    /**
     * NASM rejects an {@code equ} defined in terms of itself ({@code x equ y} / {@code y equ x}); without this
     * check the passes would settle on whatever value the first pass guessed. A cycle is an error at each
     * {@code equ} on it, naming the chain.
     */
    private void checkEquCycles() {
        Map<String, AsmStatement.Equ> equs = new LinkedHashMap<>();
        for (AsmStatement st : statements) {
            if (st instanceof AsmStatement.Equ q) equs.putIfAbsent(q.name(), q);
        }
        if (equs.isEmpty()) return;
        Map<String, List<String>> deps = new java.util.HashMap<>();
        for (AsmStatement.Equ q : equs.values()) {
            List<String> d = new ArrayList<>();
            AsmExpr.symbols(q.expr(), n -> {
                String full = n.startsWith(".") ? q.src().scope() + n : n;
                if (equs.containsKey(full)) d.add(full);
            });
            deps.put(q.name(), d);
        }
        // Iterative depth-first search: 0 = unseen, 1 = on the current path, 2 = done.
        Map<String, Integer> state = new java.util.HashMap<>();
        Set<String> reported = new java.util.HashSet<>();
        for (String root : equs.keySet()) {
            if (state.getOrDefault(root, 0) != 0) continue;
            java.util.ArrayDeque<String> path = new java.util.ArrayDeque<>();
            java.util.ArrayDeque<java.util.Iterator<String>> its = new java.util.ArrayDeque<>();
            path.push(root);
            its.push(deps.get(root).iterator());
            state.put(root, 1);
            while (!path.isEmpty()) {
                java.util.Iterator<String> it = its.peek();
                if (!it.hasNext()) {
                    state.put(path.pop(), 2);
                    its.pop();
                    continue;
                }
                String n = it.next();
                int st = state.getOrDefault(n, 0);
                if (st == 1) {
                    List<String> cycle = new ArrayList<>();
                    for (java.util.Iterator<String> p = path.descendingIterator(); p.hasNext(); ) cycle.add(p.next());
                    cycle = cycle.subList(cycle.indexOf(n), cycle.size());
                    String chain = String.join(" -> ", cycle) + " -> " + n;
                    for (String c : cycle) {
                        if (!reported.add(c)) continue;
                        AsmStatement.Equ q = equs.get(c);
                        parser.errors.add(new AsmError(file, q.src().line(), q.col(),
                                "'" + c + "' is defined in terms of itself (" + chain + ")"));
                    }
                } else if (st == 0) {
                    state.put(n, 1);
                    path.push(n);
                    its.push(deps.get(n).iterator());
                }
            }
        }
    }

    /**
     * Assembles {@code source}; never throws on bad input.
     *
     * @param fileName the name used in error messages
     */
    public static AsmResult assemble(String source, String fileName, AsmOptions opts) {
        try {
            return new Assembler(source, fileName, opts).run();
        } catch (RuntimeException | StackOverflowError e) {
            // A bug in the assembler, not in the source: still reported as an error, never thrown.
            return new AsmResult(opts.base(), List.of(), Map.of(), Set.of(), List.of(),
                    List.of(new AsmError(fileName, 1, 1, "internal error: " + e)));
        }
    }

    /** Assembles lines of 32-bit code at {@code base} (a helper for tests and generated code). */
    public static AsmResult assembleLines(long base, String... lines) {
        return assemble(String.join("\n", lines), "<lines>", AsmOptions.defaults().withBase(base));
    }

    private AsmResult run() {
        List<AsmError> parseErrors = parser.errors;
        long[] before = sticky.clone();
        int pass = 0;
        boolean converged = false;
        while (pass < MAX_PASSES) {
            pass++;
            runPass();
            Map<String, Long> addrs = layout();
            boolean same = syms.equals(prevSyms) && addrs.equals(prevSectionAddr) && Arrays.equals(before, sticky);
            prevSyms = syms;
            prevSectionAddr = addrs;
            prevLabelSection = labelSection;
            prevStart = start.clone();
            before = sticky.clone();
            if (same && pass > 1) {
                converged = true;
                break;
            }
        }
        List<AsmError> all = new ArrayList<>(parseErrors);
        all.addAll(errs);
        if (!converged) all.add(new AsmError(file, 1, 1, "code layout did not settle after " + MAX_PASSES + " passes"));
        if (layoutError != null) all.add(new AsmError(file, 1, 1, layoutError));
        for (var e : parser.externs.entrySet()) {
            if (syms.containsKey(e.getKey())) {
                all.add(new AsmError(file, e.getValue()[0], e.getValue()[1], "'" + e.getKey() + "' is declared extern but defined here"));
            } else if (resolve(e.getKey()).isEmpty()) {
                all.add(new AsmError(file, e.getValue()[0], e.getValue()[1], "extern symbol '" + e.getKey() + "' is not known to the resolver"));
            }
        }
        for (String g : parser.globals) {
            if (!syms.containsKey(g)) all.add(new AsmError(file, 1, 1, "symbol '" + g + "' is declared global but not defined"));
        }
        all.sort((x, y) -> x.line() != y.line() ? Integer.compare(x.line(), y.line()) : Integer.compare(x.column(), y.column()));
        List<AsmError> dedup = new ArrayList<>();
        for (AsmError e : all) if (dedup.isEmpty() || !dedup.get(dedup.size() - 1).equals(e)) dedup.add(e);
        if (dedup.size() > opts.maxErrors()) {
            AsmError last = dedup.get(opts.maxErrors() - 1);
            dedup = new ArrayList<>(dedup.subList(0, opts.maxErrors()));
            dedup.add(new AsmError(file, last.line(), last.column(), "too many errors; stopping after " + opts.maxErrors()));
        }

        List<AsmSection> out = new ArrayList<>();
        for (String name : order()) {
            SecBuf s = secs.get(name);
            out.add(new AsmSection(name, prevSectionAddr.get(name), (int) s.size, s.info.nobits,
                    s.info.nobits ? new byte[0] : s.bytes.bytes()));
        }
        Map<String, Long> symbols = new LinkedHashMap<>(syms);
        return new AsmResult(base, out, symbols, new LinkedHashSet<>(parser.globals), records, dedup);
    }

    /** Section names in layout order: .text, other progbits sections as first declared, nobits last. */
    private List<String> order() {
        List<String> names = new ArrayList<>();
        for (var e : parser.sections.entrySet()) if (!e.getValue().nobits) names.add(e.getKey());
        for (var e : parser.sections.entrySet()) if (e.getValue().nobits) names.add(e.getKey());
        return names;
    }

    /** Set by {@link #layout()} when a {@code start=} cannot be honoured. */
    private String layoutError;

    /** Addresses of the sections after this pass: one after another, each aligned, or where {@code start=} says. */
    private Map<String, Long> layout() {
        Map<String, Long> addrs = new HashMap<>();
        layoutError = null;
        long at = base;
        boolean first = true;
        for (String name : order()) {
            SecBuf s = secs.get(name);
            long align = Math.max(Math.max(opts.sectionAlign(), s.info.align), s.align);
            if (!first) at = (at + align - 1) / align * align;
            if (s.info.start >= 0) {
                // start= places the section (NASM bin); one that would overlap the sections before it follows them.
                if (base + s.info.start >= at || first) at = base + s.info.start;
                else layoutError = "section " + name + " (start=0x" + Long.toHexString(s.info.start) + ") overlaps the section before it";
            }
            first = false;
            addrs.put(name, at);
            at += s.size;
        }
        return addrs;
    }

    private long sectionAddress(SecBuf s) {
        Long a = prevSectionAddr.get(s.info.name);
        return a != null ? a : base;
    }

    private void runPass() {
        syms = new HashMap<>();
        symLines = new HashMap<>();
        errs = new ArrayList<>();
        records = new ArrayList<>();
        secs = new LinkedHashMap<>();
        labelSection = new HashMap<>();
        Arrays.fill(start, -1);
        for (var e : parser.sections.entrySet()) secs.put(e.getKey(), new SecBuf(e.getValue()));
        cur = secs.get(".text");
        for (int i = 0; i < statements.size(); i++) {
            AsmStatement st = statements.get(i);
            curSrc = st.src();
            curIndex = i;
            start[i] = here();
            try {
                statement(st, i);
            } catch (AsmFail f) {
                error(f.col, f.getMessage());
            }
        }
    }

    private void error(int col, String msg) {
        errs.add(new AsmError(file, curSrc.line(), col, msg));
    }

    private long here() {
        return sectionAddress(cur) + cur.size;
    }

    private void define(String name, long value, int col) {
        Integer line = symLines.get(name);
        if (line != null) {
            error(col, "duplicate label '" + name + "' (first defined on line " + line + ")");
            return;
        }
        syms.put(name, value);
        symLines.put(name, curSrc.line());
    }

    private OptionalLong resolve(String name) {
        return resolved.computeIfAbsent(name, n -> {
            OptionalLong v = opts.resolver().resolve(n);
            return v == null ? OptionalLong.empty() : v;
        });
    }

    /** Expression context for the current statement. */
    private final AsmExpr.Context ctx = new AsmExpr.Context() {
        @Override
        public Long symbol(String name, int col) {
            String full = name.startsWith(".") ? curSrc.scope() + name : name;
            Long v = syms.get(full);
            if (v == null) {
                v = prevSyms.get(full);
                // A label not yet reached on this pass moved at least as far as this statement did since
                // the last pass (lengths only grow), so size decisions made with it are never too narrow.
                if (v != null && cur.info.name.equals(prevLabelSection.get(full)) && prevStart[curIndex] >= 0) {
                    v += start[curIndex] - prevStart[curIndex];
                }
            }
            if (v == null && !name.startsWith(".")) {
                OptionalLong r = resolve(full);
                if (r.isPresent()) v = r.getAsLong();
            }
            if (v == null && opts.windbg() && name.matches("[0-9a-fA-F]{1,16}")) {
                // WinDbg reads a name it does not know as a hexadecimal number (jnz e0c8a8fc).
                v = Long.parseUnsignedLong(name, 16);
            }
            if (v == null) {
                if (bareOperand && AsmRegister.looksLikeRegister(name)) error(col, "unknown register '" + name + "'");
                else error(col, "undefined symbol '" + full + "'");
            }
            return v;
        }

        @Override
        public long here() {
            return Assembler.this.here();
        }

        @Override
        public long sectionStart() {
            return sectionAddress(cur);
        }
    };

    private long count(AsmExpr e, String what) {
        if (e == null) return 1;
        AsmExpr.Value v = e.eval(ctx);
        if (v.hasRegs()) throw new AsmFail(e.col(), "registers are not allowed in " + what);
        if (v.unknown()) return 0;
        if (v.constant() < 0) throw new AsmFail(e.col(), what + " is negative (" + v.constant() + ")");
        if (v.constant() > MAX_COUNT) throw new AsmFail(e.col(), what + " is too large (" + v.constant() + ", at most " + MAX_COUNT + ")");
        return v.constant();
    }

    private void statement(AsmStatement st, int index) {
        if (st instanceof AsmStatement.Label l) {
            define(l.name(), here(), l.col());
            labelSection.put(l.name(), cur.info.name);
        } else if (st instanceof AsmStatement.Equ q) {
            AsmExpr.Value v = q.expr().eval(ctx);
            if (v.hasRegs()) throw new AsmFail(q.expr().col(), "registers are not allowed in 'equ'");
            define(q.name(), v.constant(), q.col());
        } else if (st instanceof AsmStatement.Section s) {
            cur = secs.get(s.name());
        } else if (st instanceof AsmStatement.Align a) {
            long n = count(a.boundary(), "the alignment");
            if (n == 0 || Long.bitCount(n) != 1) throw new AsmFail(a.boundary().col(), "alignment must be a power of two, not " + n);
            cur.align = (int) Math.max(cur.align, n);
            long pad = (n - (here() - sectionAddress(cur)) % n) % n;
            if (cur.info.nobits || a.reserve()) reserve(pad, a.src());
            else emit(filled(pad, (byte) 0x90), st.src(), null);
        } else if (st instanceof AsmStatement.Reserve r) {
            long n = count(r.count(), "the count") * r.unit() * count(r.times(), "the 'times' count");
            if (n > MAX_COUNT) throw new AsmFail(r.col(), "reservation of " + n + " bytes is too large (at most " + MAX_COUNT + ")");
            reserve(n, r.src());
        } else if (st instanceof AsmStatement.Data d) {
            data(d);
        } else if (st instanceof AsmStatement.Insn in) {
            insn(in, index);
        }
    }

    private static byte[] filled(long n, byte b) {
        byte[] a = new byte[(int) n];
        Arrays.fill(a, b);
        return a;
    }

    private void reserve(long n, AsmStatement.Src src) {
        if (cur.info.nobits) {
            records.add(new AsmRecord(cur.info.name, here(), new byte[0], src.line(), src.text(), src.comment(), null));
            cur.size += n;
        } else {
            emit(new byte[(int) n], src, null);
        }
    }

    private void emit(byte[] b, AsmStatement.Src src, ntgate.cpu.decode.OpcodeTable.Row row) {
        records.add(new AsmRecord(cur.info.name, here(), b, src.line(), src.text(), src.comment(), row));
        cur.bytes.add(b);
        cur.size += b.length;
    }

    private void noBits(int col, String what) {
        if (cur.info.nobits) throw new AsmFail(col, what + " in nobits section '" + cur.info.name + "' (use resb/resd there)");
    }

    private void data(AsmStatement.Data d) {
        noBits(d.col(), "data");
        long times = count(d.times(), "the 'times' count");
        AsmEncoder.Buf all = new AsmEncoder.Buf();
        long start = here();
        for (long t = 0; t < times; t++) {
            AsmEncoder.Buf b = new AsmEncoder.Buf();
            for (AsmStatement.DataItem item : d.items()) {
                if (item.string() != null) {
                    b.add(item.string());
                    int pad = (d.unit() - item.string().length % d.unit()) % d.unit();
                    for (int k = 0; k < pad; k++) b.add(0);
                    continue;
                }
                AsmExpr.Value v = item.expr().eval(ctx);
                if (v.hasRegs()) throw new AsmFail(item.col(), "registers are not allowed in data");
                long x = v.constant();
                if (!v.unknown() && d.unit() < 8) {
                    long max = (1L << (8 * d.unit())) - 1, min = -(1L << (8 * d.unit() - 1));
                    if (x < min || x > max) error(item.col(), "value " + x + " out of range for " + (d.unit() * 8) + "-bit data (" + min + ".." + max + ")");
                }
                b.le(x, d.unit());
            }
            if (t == 0 && (long) b.size() * times > MAX_COUNT) {
                throw new AsmFail(d.col(), "data of " + (long) b.size() * times + " bytes is too large (at most " + MAX_COUNT + ")");
            }
            all.add(b.bytes());
            cur.bytes.add(b.bytes());
            cur.size += b.size();
        }
        records.add(new AsmRecord(cur.info.name, start, all.bytes(), d.src().line(), d.src().text(), d.src().comment(), null));
    }

    private void insn(AsmStatement.Insn in, int index) {
        noBits(in.col(), "an instruction");
        long times = count(in.times(), "the 'times' count");
        for (long t = 0; t < times; t++) {
            List<AsmEncoder.Opnd> ops = new ArrayList<>();
            boolean ok = true;
            for (int i = 0; i < in.operands().size(); i++) {
                try {
                    ops.add(evaluate(in.operands().get(i), i));
                } catch (AsmFail f) {
                    error(f.col, f.getMessage());
                    ok = false;
                }
            }
            if (!ok) return;
            stickyHolder[0] = sticky[index];
            AsmEncoder.Encoded enc;
            try {
                enc = AsmEncoder.encode(in, ops, here(), stickyHolder);
            } finally {
                sticky[index] = stickyHolder[0];
            }
            // With an undefined name among the operands its own error says what is wrong; a failed
            // operand match would only repeat it.
            boolean undefined = ops.stream().anyMatch(o -> o instanceof AsmEncoder.I i && i.unknown()
                    || o instanceof AsmEncoder.F f && f.unknown() || o instanceof AsmEncoder.M m && m.addr().unknown());
            if (!(undefined && enc.bytes() == null)) {
                for (AsmFail f : enc.errors()) error(f.col, f.getMessage());
            }
            if (enc.bytes() == null) return;
            if (t == 0 && (long) enc.bytes().length * times > MAX_COUNT) {
                throw new AsmFail(in.timesCol(), "'times' of " + (long) enc.bytes().length * times + " bytes is too large (at most " + MAX_COUNT + ")");
            }
            emit(enc.bytes(), in.src(), enc.row());
        }
    }

    private AsmEncoder.Opnd evaluate(AsmOperand op, int idx) {
        if (op instanceof AsmOperand.RegOp r) return new AsmEncoder.R(r.reg(), r.col());
        if (op instanceof AsmOperand.MemOp m) return new AsmEncoder.M(m, m.addr().eval(ctx), idx, m.col());
        if (op instanceof AsmOperand.ImmOp im) {
            bareOperand = im.expr() instanceof AsmExpr.Sym && im.size() == 0 && im.jump() == 0;
            AsmExpr.Value v;
            try {
                v = im.expr().eval(ctx);
            } finally {
                bareOperand = false;
            }
            if (v.hasRegs()) throw new AsmFail(im.col(), "a register cannot be part of an immediate (use [..] for an address)");
            return new AsmEncoder.I(v.constant(), v.unknown(), im, idx, im.col());
        }
        AsmOperand.FarOp f = (AsmOperand.FarOp) op;
        AsmExpr.Value s = f.seg().eval(ctx), o = f.offset().eval(ctx);
        if (s.hasRegs() || o.hasRegs()) throw new AsmFail(f.col(), "registers are not allowed in a far pointer");
        return new AsmEncoder.F(s.constant(), o.constant(), s.unknown() || o.unknown(), f, f.col());
    }
}
