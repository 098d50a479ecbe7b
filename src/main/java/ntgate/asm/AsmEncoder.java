package ntgate.asm;

import ntgate.cpu.decode.OpcodeTable;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Chooses and encodes the form of one instruction, reading every encoding from {@link OpcodeTable}: this
 * class holds no opcodes. It indexes the table by mnemonic, tries each row (and each operand size a 'v'
 * row allows) against the written operands, encodes every row that fits and keeps the best one.
 *
 * <h2>Which encoding wins (NASM's choices are the canonical ones)</h2>
 * <ol>
 *   <li>An operand size that nothing written fixes is the BITS size (so {@code push 0x1234} is {@code 68},
 *       not {@code 66 68}).</li>
 *   <li>Then the shortest encoding: {@code 83 /0 ib} before {@code 05 id} before {@code 81 /0 id},
 *       {@code 40+r} before {@code FF /0}, {@code D1 /4} for a shift by the constant 1, the moffs forms
 *       {@code A0..A3} for an address without registers, {@code EB} before {@code E9}.</li>
 *   <li>Then table order: for register-to-register forms the {@code Ev,Gv} row ({@code 01}, {@code 89})
 *       comes before {@code Gv,Ev}, as NASM emits; the aliases {@code 82 /digit}, {@code F6 /1},
 *       {@code F7 /1} and {@code SAL /6} never win.</li>
 *   <li>With {@link AsmOptions#masm()} (the kernel and ntdll sources), a register-to-register form takes the
 *       {@code Gv,Ev} row ({@code 03}, {@code 2B}, {@code 8B}, {@code 33}, {@code 3B}) as MASM emits, so
 *       {@code sub esp,ecx} is {@code 2B E1} as in XP's KiFastCallEntry (NT-FACTS §15); and a segment load from a
 *       16-bit register carries the operand-size prefix ({@code mov fs,bx} is {@code 66 8E E3}, NASM {@code 8E E3};
 *       {@code mov fs,ebx} stays {@code 8E E3}).</li>
 *   <li>{@code xchg} and {@code test} are commutative; for {@code xchg reg,reg} NASM puts the first operand
 *       in ModRM.reg, for {@code test} in ModRM.rm.</li>
 * </ol>
 *
 * <h2>Operand codes the table simplifies</h2>
 * The SDM's opcode map gives SLDT, STR and SMSW (and MOV Ev,Sw) as {@code Rv/Mw}: a register operand takes
 * the operand size ({@code sldt ax} is {@code 66 0F 00 C0}), a memory operand is always a word without a
 * prefix. The table writes {@code Ew}/{@code Ev}; this class applies the Rv/Mw reading to those four rows.
 *
 * <h2>Sizes that can change between passes</h2>
 * Displacements, sign-extended immediates, the constant-1 shift form and short branches depend on values
 * that settle only over several passes. Each statement keeps sticky bits ({@code sticky}): once a value
 * has been seen not to fit the narrow form it never uses it again, so lengths only grow and the layout
 * reaches a fixed point (jumps start short and grow as needed).
 */
final class AsmEncoder {
    private AsmEncoder() {}

    /** One way to spell a row: the row and the operand size the spelling fixes (0: free). */
    record Form(OpcodeTable.Row row, int opsize) {}

    /** A NASM spelling that maps to another mnemonic, optionally with an address size or a prefix byte. */
    record Alias(String target, int asize, int prefix, int opsize) {
        Alias(String target, int asize, int prefix) {
            this(target, asize, prefix, 0);
        }
    }

    private static final Map<String, List<Form>> FORMS = new HashMap<>();
    private static final Map<String, Alias> ALIASES = new HashMap<>();
    private static final Set<String> RV_MW = Set.of("MOV_EwSw", "SLDT_Ew", "STR_Ew", "SMSW_Ew");
    /**
     * In the WinDbg dialect the disassembler writes MOV Sw,Ew, LAR and LSL as Rv/Mw too ({@code mov es,eax},
     * {@code lar ax,cx} with a 66 prefix), so there the register operand picks the operand size.
     */
    private static final Set<String> RV_MW_WINDBG = Set.of("MOV_EwSw", "SLDT_Ew", "STR_Ew", "SMSW_Ew",
            "MOV_SwEw", "LAR_GvEw", "LSL_GvEw");
    /** The x87 environment and state forms, 14/94 bytes under a 16-bit operand size and 28/108 under 32. */
    private static final Set<String> X87_ENV = Set.of("FLDENV_M", "FNSTENV_M", "FNSAVE_M", "FRSTOR_M");
    /** String forms written with operands ({@code movs dword ptr es:[edi],dword ptr [esi]}). */
    private static final Set<String> STRING_BASES = Set.of("movs", "cmps", "stos", "lods", "scas", "ins", "outs");

    static {
        for (OpcodeTable.Row r : OpcodeTable.rows()) {
            String m16 = r.mnemonic16(), m32 = r.mnemonic32();
            if (m16.equals(m32)) {
                add(m32, new Form(r, 0));
            } else if (m32.equals(m16 + "d")) {
                // NASM: pusha/pushf/iret take the BITS size; pushaw/pushad fix it.
                add(m16, new Form(r, 0));
                add(m16 + "w", new Form(r, 16));
                add(m32, new Form(r, 32));
            } else {
                add(m16, new Form(r, 16));
                add(m32, new Form(r, 32));
            }
        }
        String[][] cc = {
            {"b", "c", "nae"}, {"ae", "nb", "nc"}, {"z", "e"}, {"nz", "ne"}, {"be", "na"}, {"a", "nbe"},
            {"p", "pe"}, {"np", "po"}, {"l", "nge"}, {"ge", "nl"}, {"le", "ng"}, {"g", "nle"},
        };
        for (String head : new String[] {"j", "set", "cmov"}) {
            for (String[] names : cc) {
                for (int i = 1; i < names.length; i++) ALIASES.put(head + names[i], new Alias(head + names[0], 0, 0));
            }
        }
        ALIASES.put("sal", new Alias("shl", 0, 0));
        ALIASES.put("xlat", new Alias("xlatb", 0, 0));
        ALIASES.put("icebp", new Alias("int1", 0, 0));
        ALIASES.put("int01", new Alias("int1", 0, 0));
        ALIASES.put("retn", new Alias("ret", 0, 0));
        ALIASES.put("loopz", new Alias("loope", 0, 0));
        ALIASES.put("loopnz", new Alias("loopne", 0, 0));
        ALIASES.put("fwait", new Alias("wait", 0, 0));
        ALIASES.put("jcxz", new Alias("jecxz", 16, 0));      // E3 tests CX or ECX by the address size
        ALIASES.put("jecxz", new Alias("jecxz", 32, 0));
        ALIASES.put("pause", new Alias("nop", 0, 0xF3));     // SDM: PAUSE is F3 90
        // The waiting x87 control forms are WAIT (9B) and the no-wait instruction (SDM Vol.2A FINIT, FSTSW, ...).
        for (String m : new String[] {"init", "clex", "stsw", "stcw", "stenv", "save", "eni", "disi"}) {
            ALIASES.put("f" + m, new Alias("fn" + m, 0, 0x9B));
        }
        ALIASES.put("fsetpm", new Alias("fnsetpm", 0, 0));
        for (String m : new String[] {"fnstenv", "fldenv", "fnsave", "frstor"}) {
            ALIASES.put(m + "w", new Alias(m, 0, 0, 16));
            ALIASES.put(m + "d", new Alias(m, 0, 0, 32));
        }
        for (String m : new String[] {"fstenv", "fsave"}) {
            ALIASES.put(m + "w", new Alias("fn" + m.substring(1), 0, 0x9B, 16));
            ALIASES.put(m + "d", new Alias("fn" + m.substring(1), 0, 0x9B, 32));
        }
        // The disassembler's size suffixes for an operand size that shows in no operand (pushw 6Ah, retw).
        for (String m : new String[] {"push", "pop", "ret", "retf", "enter", "leave", "call", "jmp", "sgdt", "sidt", "lgdt", "lidt"}) {
            ALIASES.put(m + "w", new Alias(m, 0, 0, 16));
            ALIASES.put(m + "d", new Alias(m, 0, 0, 32));
        }
    }

    private static void add(String mnemonic, Form f) {
        FORMS.computeIfAbsent(mnemonic, k -> new ArrayList<>()).add(f);
    }

    static boolean isMnemonic(String lower) {
        return FORMS.containsKey(lower) || ALIASES.containsKey(lower) || STRING_BASES.contains(lower);
    }

    /** All mnemonics the assembler accepts (table spellings and NASM aliases). */
    static Set<String> mnemonics() {
        Set<String> s = new HashSet<>(FORMS.keySet());
        s.addAll(ALIASES.keySet());
        s.addAll(STRING_BASES);
        return s;
    }

    // ---- evaluated operands ----

    /** An operand after its expressions were evaluated on this pass. {@code idx} is its position. */
    sealed interface Opnd {
        int col();
    }

    record R(AsmRegister reg, int col) implements Opnd {}

    record I(long v, boolean unknown, AsmOperand.ImmOp src, int idx, int col) implements Opnd {}

    record F(long seg, long off, boolean unknown, AsmOperand.FarOp src, int col) implements Opnd {}

    /** A memory operand before its address size is known (registers decide it). */
    record M(AsmOperand.MemOp src, AsmExpr.Value addr, int idx, int col) implements Opnd {}

    /** An analysed address. base/index are register numbers or -1; scale is a shift count. */
    record Addr(int asize, int base, int index, int scale, long disp, boolean known, int forced) {
        boolean noRegs() {
            return base < 0 && index < 0;
        }
    }

    /** The result: bytes and the row, or the errors that stopped it. */
    record Encoded(byte[] bytes, OpcodeTable.Row row, List<AsmFail> errors) {}

    // Sticky bits per operand (8 bits each): the value was seen not to fit the narrow form.
    static final int NOT_ONE = 0, NOT_B16 = 1, NOT_B32 = 2, NOT_ZERO = 3, NOT_D8 = 4, NOT_SHORT = 5;

    private static boolean stuck(long[] sticky, int idx, int bit) {
        return (sticky[0] >>> (idx * 8 + bit) & 1) != 0;
    }

    private static void stick(long[] sticky, int idx, int bit) {
        sticky[0] |= 1L << (idx * 8 + bit);
    }

    static boolean fitsSigned8(long v, int os) {
        if (os == 16) return v >= -32768 && v <= 0xFFFF && (short) v >= -128 && (short) v <= 127;
        return v >= Integer.MIN_VALUE && v <= 0xFFFFFFFFL && (int) v >= -128 && (int) v <= 127;
    }

    // ---- the entry point ----

    /**
     * Encodes one instruction at {@code address}.
     *
     * @param sticky the statement's sticky narrow-form bits, updated here
     */
    static Encoded encode(AsmStatement.Insn st, List<Opnd> opsIn, long address, long[] sticky) {
        int bits = st.bits();
        List<AsmFail> errs = new ArrayList<>();
        String mn = st.mnemonic();
        int forcedAsize = 0, extra = 0;
        Alias alias = ALIASES.get(mn);
        // SAL is the /6 row when the row is demanded or in the WinDbg dialect, whose disassembler writes
        // "sal" for /6 only; NASM spells SAL as SHL /4.
        if (alias != null && mn.equals("sal") && (st.windbg() || st.row() != null)) alias = null;
        if (alias != null) {
            mn = alias.target;
            forcedAsize = alias.asize;
            extra = alias.prefix;
        }

        // Prefix words.
        int rep = extra, o = 0, a = 0;
        boolean lock = false;
        AsmRegister segWord = null;
        for (String p : st.prefixes()) {
            switch (p) {
                case "rep", "repe", "repz" -> rep = 0xF3;
                case "repne", "repnz" -> rep = 0xF2;
                case "lock" -> lock = true;
                case "o16" -> o = 16;
                case "o32" -> o = 32;
                case "a16" -> a = 16;
                case "a32" -> a = 32;
                default -> {
                    if (segWord != null) return fail(st.col(), "two segment prefixes");
                    segWord = AsmRegister.lookup(p);
                }
            }
        }
        if (alias != null && alias.opsize != 0) {
            if (o != 0 && o != alias.opsize) return fail(st.col(), "impossible combination of operand sizes");
            o = alias.opsize;
        }
        if (st.windbg() && o == 0 && !STRING_BASES.contains(mn) && FORMS.containsKey(mn + "w") && FORMS.containsKey(mn + "d")) {
            // The disassembler writes pushf/pusha/popf/popa/iret for the 16-bit forms only.
            o = 16;
        }
        if (a != 0 && forcedAsize != 0 && a != forcedAsize) return fail(st.col(), "impossible combination of address sizes");
        if (a == 0) a = forcedAsize;
        if (mn.isEmpty()) {
            Buf b = new Buf();
            prefixBytes(b, rep, lock, segWord, o != 0 && o != bits, a != 0 && a != bits);
            return new Encoded(b.bytes(), null, errs);
        }

        // NASM's shorthand forms.
        List<Opnd> ops = new ArrayList<>(opsIn);
        int digit = -1;
        // String forms written with operands: the size and the address size come from the memory operands, a
        // segment override from the source's.
        if ((STRING_BASES.contains(mn) || mn.equals("xlatb")) && !ops.isEmpty()) {
            int size = 0;
            for (Opnd op : ops) {
                if (op instanceof R r && r.reg.kind() == AsmRegister.Kind.GPR && r.reg.num() == 0) size = r.reg.size();
            }
            OpcodeTable.Row row = FORMS.get(mn.equals("xlatb") ? "xlatb" : mn + "b").get(0).row();
            String[] codes = mn.equals("xlatb") ? new String[] {"Xb"} : row.operands();
            if (codes.length != ops.size()) return fail(st.col(), "invalid combination of opcode and operands: " + describe(st.mnemonic(), ops));
            for (int i = 0; i < codes.length; i++) {
                String code = codes[i];
                Opnd op = ops.get(i);
                if (code.startsWith("X") || code.startsWith("Y")) {
                    if (!(op instanceof M m)) return fail(op.col(), "expected a memory operand");
                    Addr ad;
                    try {
                        ad = analyse(m, bits, a);
                    } catch (AsmFail f) {
                        return new Encoded(null, null, List.of(f));
                    }
                    int want = mn.equals("xlatb") ? 3 : code.startsWith("X") ? 6 : 7;
                    int reg = ad.base >= 0 ? ad.base : ad.index;
                    if (reg != want || (ad.base >= 0 && ad.index >= 0) || ad.scale != 0 || ad.disp != 0) {
                        return fail(m.col(), "the operand of '" + mn + "' must be [" + (ad.asize == 16 ? "" : "e") + new String[] {"", "", "", "bx", "", "", "si", "di"}[want] + "]");
                    }
                    if (m.src.size() != 0) size = m.src.size();
                    if (a != 0 && a != ad.asize) return fail(m.col(), "impossible combination of address sizes");
                    a = ad.asize;
                    if (code.startsWith("Y")) {
                        if (m.src.seg() != null && m.src.seg().num() != 0) return fail(m.col(), "the destination of a string instruction is always es:");
                    } else if (m.src.seg() != null) {
                        if (segWord != null) return fail(m.col(), "two segment overrides");
                        segWord = m.src.seg();
                    }
                } else if (!(op instanceof R r) || r.reg.kind() != AsmRegister.Kind.GPR || r.reg.num() != (code.equals("DX") ? 2 : 0)) {
                    return fail(op.col(), "invalid operand for '" + mn + "'");
                }
            }
            if (size == 0) return fail(st.col(), "operation size not specified (write byte, word or dword)");
            if (size != 1 && size != 2 && size != 4) return fail(st.col(), "invalid operand size for '" + mn + "'");
            if (!mn.equals("xlatb")) {
                mn = mn + (size == 1 ? "b" : size == 2 ? "w" : "d");
            } else if (size != 1) {
                return fail(st.col(), "xlat reads a byte");
            }
            ops.clear();
        }
        if ((mn.equals("aam") || mn.equals("aad")) && ops.isEmpty()) {
            ops.add(new I(10, false, new AsmOperand.ImmOp(new AsmExpr.Num(10, st.col()), 0, false, 0, st.col()), 0, st.col()));
        }
        if (mn.equals("imul") && ops.size() == 2 && ops.get(1) instanceof I && ops.get(0) instanceof R) {
            ops.add(1, ops.get(0));
        }

        // Addresses, and the sticky narrow-form bits from this pass's values.
        Map<Integer, Addr> addrs = new LinkedHashMap<>();
        for (int i = 0; i < ops.size(); i++) {
            Opnd op = ops.get(i);
            if (op instanceof M m) {
                Addr ad;
                try {
                    ad = analyse(m, bits, a);
                } catch (AsmFail f) {
                    return new Encoded(null, null, List.of(f));
                }
                addrs.put(i, ad);
                // Sticky bits are kept by the operand's written position, which is how they are read back.
                if (ad.known) {
                    if (ad.disp != 0) stick(sticky, m.idx, NOT_ZERO);
                    if (!fitsSigned8(ad.disp, ad.asize == 16 ? 16 : 32)) stick(sticky, m.idx, NOT_D8);
                }
            } else if (op instanceof I im && !im.unknown) {
                if (im.v != 1) stick(sticky, im.idx, NOT_ONE);
                if (!fitsSigned8(im.v, 16)) stick(sticky, im.idx, NOT_B16);
                if (!fitsSigned8(im.v, 32)) stick(sticky, im.idx, NOT_B32);
            }
        }
        for (Opnd op : ops) {
            if (op instanceof M m && segWord != null && m.src.seg() != null) return fail(m.col(), "two segment overrides");
        }

        List<Form> forms = FORMS.get(mn);
        if (forms == null) return fail(st.col(), "unknown instruction '" + st.mnemonic() + "'");
        if (st.row() != null) {
            forms = forms.stream().filter(f -> f.row.opName().equals(st.row())).toList();
            if (forms.isEmpty()) return fail(st.col(), "'" + st.mnemonic() + "' has no row " + st.row());
        }
        Cand best = null;
        List<Cand> all = new ArrayList<>();
        String rangeMsg = null;
        int rangeCol = st.col();
        boolean commutative = (mn.equals("xchg") || mn.equals("test")) && ops.size() == 2;
        boolean hasNear = forms.stream().anyMatch(f -> java.util.Arrays.asList(f.row().operands()).contains("Jz"));
        for (Form form : forms) {
            OpcodeTable.Row row = form.row;
            String[] codes = row.operands();
            boolean implicit = false;
            for (String c : codes) if (c.startsWith("X") || c.startsWith("Y")) implicit = true;
            int written = implicit ? 0 : codes.length;
            if (written != ops.size()) continue;
            boolean dep = osDependent(row, st.windbg()) || (st.masm() && RV_MW_WINDBG.contains(row.opName()));
            int[] sizes = form.opsize != 0 ? new int[] {form.opsize} : dep ? new int[] {bits, bits == 32 ? 16 : 32} : new int[] {o != 0 ? o : bits};
            for (int os : sizes) {
                if (o != 0 && os != o) continue;
                for (int swap = 0; swap < (commutative ? 2 : 1); swap++) {
                    List<Opnd> ordered = swap == 1 ? List.of(ops.get(1), ops.get(0)) : ops;
                    Map<Integer, Addr> ordAddrs = addrs;
                    if (swap == 1) {
                        ordAddrs = new HashMap<>();
                        for (var e : addrs.entrySet()) ordAddrs.put(1 - e.getKey(), e.getValue());
                    }
                    Try tr = new Try(row, written == 0 ? new String[0] : codes, ordered, ordAddrs, os, bits, a, address, sticky);
                    tr.digit = digit;
                    tr.writtenOs = o;
                    tr.windbg = st.windbg();
                    tr.masm = st.masm();
                    tr.fixedPrefixes = (rep != 0 ? 1 : 0) + (lock ? 1 : 0) + (segWord != null ? 1 : 0);
                    tr.hasNear = hasNear;
                    Cand c = tr.run();
                    if (c == null) {
                        if (tr.rangeMsg != null) {
                            rangeMsg = tr.rangeMsg;
                            rangeCol = tr.rangeCol;
                        }
                        continue;
                    }
                    c.osPenalty = os == bits ? 0 : 1;
                    // NASM puts xchg's first operand in ModRM.reg; the disassembler reads Ev,Gv, first in ModRM.rm.
                    c.swapPenalty = mn.equals("xchg") && !st.windbg() ? 1 - swap : swap;
                    // MASM writes op reg,reg with the r, r/m opcode (2B E1 sub esp,ecx), NASM with r/m, r (29 CC).
                    c.masmPenalty = st.masm() && codes.length == 2 && codes[0].startsWith("E") && codes[1].startsWith("G")
                            && ordered.get(0) instanceof R && ordered.get(1) instanceof R ? 1 : 0;
                    all.add(c);
                }
            }
        }
        if (all.isEmpty()) {
            if (rangeMsg != null) return fail(rangeCol, rangeMsg);
            return fail(st.col(), "invalid combination of opcode and operands: " + describe(st.mnemonic(), ops));
        }
        // An unsized memory operand must not leave the operand size open (NASM: "operation size not specified").
        for (int i = 0; i < ops.size(); i++) {
            if (ops.get(i) instanceof M m && m.src.size() == 0 && !m.src.far()) {
                Set<Integer> sizes = new HashSet<>();
                for (Cand c : all) if (c.memSize != 0) sizes.add(c.memSize);
                if (sizes.size() > 1) {
                    if (mn.equals("jmp") || mn.equals("call")) {
                        all.removeIf(c -> c.osPenalty != 0);
                    } else {
                        return fail(m.col(), "operation size not specified for the memory operand (write byte, word or dword)");
                    }
                }
            }
        }
        for (Cand c : all) {
            if (best == null || c.better(best)) best = c;
        }
        if (lock && ((best.row.attrs() & OpcodeTable.LOCKABLE) == 0 || !best.memDest)) {
            errs.add(new AsmFail(st.col(), "'lock' is not allowed on '" + st.mnemonic() + "' with these operands (needs a lockable instruction with a memory destination)"));
        }
        Buf out = new Buf();
        prefixBytes(out, rep, lock, segWord != null ? segWord : best.seg, best.os != bits, best.asize != bits);
        out.add(best.body);
        if (out.size() > 15) errs.add(new AsmFail(st.col(), "instruction longer than 15 bytes"));
        errs.addAll(best.problems);
        return new Encoded(out.bytes(), best.row, errs);
    }

    private static Encoded fail(int col, String msg) {
        return new Encoded(null, null, List.of(new AsmFail(col, msg)));
    }

    /** Prefix order as NASM emits it: LOCK/REP, segment, operand size, address size. */
    private static void prefixBytes(Buf b, int rep, boolean lock, AsmRegister seg, boolean o16, boolean a16) {
        if (lock) b.add(0xF0);
        if (rep != 0) b.add(rep);
        if (seg != null) b.add(new int[] {0x26, 0x2E, 0x36, 0x3E, 0x64, 0x65}[seg.num()]);
        if (o16) b.add(0x66);
        if (a16) b.add(0x67);
    }

    private static boolean osDependent(OpcodeTable.Row row, boolean windbg) {
        if ((windbg ? RV_MW_WINDBG : RV_MW).contains(row.opName())) return true;
        if (X87_ENV.contains(row.opName())) return true;
        for (String c : row.operands()) {
            // WinDbg writes a branch target with eight digits whatever the operand size: one beyond 64 KiB in
            // 16-bit code needs a 32-bit operand size.
            if (windbg && (c.equals("Jb") || c.equals("Jz"))) return true;
            switch (c) {
                case "Ev", "Gv", "Zv", "Zd", "Iz", "Iv", "Ov", "eAX", "Ibs", "Ap", "Mp", "Ma", "Xv", "Yv" -> {
                    return true;
                }
                default -> { }
            }
        }
        return false;
    }

    /** Register-number address ids back to names, for messages. */
    private static String regName(int id) {
        return AsmRegister.fromAddrId(id).name();
    }

    /**
     * Turns an address expression into base, index, scale and displacement the way NASM does: the first
     * unscaled register is the base; {@code [eax*2]} becomes {@code [eax+eax]} (and *3, *5, *9 likewise)
     * unless {@code nosplit}; {@code [eax*1]} is {@code [eax]}; ESP written as an unscaled index is swapped
     * into the base. SDM Vol.2A 2.1.5 tables 2-1..2-3.
     */
    static Addr analyse(M m, int bits, int forcedAsize) {
        AsmExpr.Value v = m.addr;
        List<Integer> regs = new ArrayList<>();
        List<Long> coefs = new ArrayList<>();
        for (int i = 0; i < v.regs().length; i++) {
            if (v.coefs()[i] != 0) {
                regs.add(v.regs()[i]);
                coefs.add(v.coefs()[i]);
            }
        }
        int col = m.col();
        int asize;
        boolean has16 = false, has32 = false;
        for (int r : regs) {
            if (r >= 8) has32 = true;
            else has16 = true;
        }
        if (has16 && has32) {
            int r16 = regs.stream().filter(r -> r < 8).findFirst().orElse(0);
            throw new AsmFail(col, "16-bit register '" + regName(r16) + "' in a 32-bit address");
        }
        if (has32) asize = 32;
        else if (has16) asize = 16;
        else if (m.src.dispSize() == 2) asize = 16;
        else if (m.src.dispSize() == 4) asize = 32;
        else asize = forcedAsize != 0 ? forcedAsize : bits;
        if (forcedAsize != 0 && asize != forcedAsize) throw new AsmFail(col, "impossible combination of address sizes");
        for (long c : coefs) {
            if (c < 0) throw new AsmFail(col, "a register cannot be subtracted in an address");
        }
        long disp = v.constant();
        int forced = m.src.dispSize();
        if (asize == 16) {
            if (forced == 4) throw new AsmFail(col, "a 32-bit displacement in a 16-bit address");
            int bx = -1, bp = -1, si = -1, di = -1;
            for (int i = 0; i < regs.size(); i++) {
                int r = regs.get(i);
                if (coefs.get(i) != 1) throw new AsmFail(col, "16-bit addresses cannot scale a register");
                switch (r) {
                    case 3 -> bx = 1;
                    case 5 -> bp = 1;
                    case 6 -> si = 1;
                    case 7 -> di = 1;
                    default -> throw new AsmFail(col, "register '" + regName(r) + "' cannot be used in a 16-bit address (only bx, bp, si, di)");
                }
            }
            if ((bx > 0 && bp > 0) || (si > 0 && di > 0)) throw new AsmFail(col, "invalid 16-bit address: one of bx/bp with one of si/di");
            int base = bx > 0 ? 3 : bp > 0 ? 5 : -1;
            int index = si > 0 ? 6 : di > 0 ? 7 : -1;
            return new Addr(16, base, index, 0, disp, !v.unknown(), forced);
        }
        if (forced == 2) throw new AsmFail(col, "a 16-bit displacement in a 32-bit address");
        int base = -1, index = -1;
        long scale = 1;
        if (regs.size() > 2) throw new AsmFail(col, "invalid effective address: more than two registers");
        if (regs.size() == 1) {
            if (coefs.get(0) == 1 && !m.src.nosplit()) base = regs.get(0) - 8;
            else {
                index = regs.get(0) - 8;
                scale = coefs.get(0);
            }
        } else if (regs.size() == 2) {
            long c0 = coefs.get(0), c1 = coefs.get(1);
            if (c0 == 1) {
                base = regs.get(0) - 8;
                index = regs.get(1) - 8;
                scale = c1;
            } else if (c1 == 1) {
                base = regs.get(1) - 8;
                index = regs.get(0) - 8;
                scale = c0;
            } else {
                throw new AsmFail(col, "invalid effective address: only one register can be scaled");
            }
        }
        // [eax*3] has no encoding but [eax+eax*2], so it is split even under nosplit ([eax+eax*2] sums to it).
        if (index >= 0 && base < 0 && ((!m.src.nosplit() && scale == 2) || scale == 3 || scale == 5 || scale == 9)) {
            base = index;
            scale--;
        }
        if (index >= 0 && base < 0 && scale == 1 && !m.src.nosplit()) {
            base = index;
            index = -1;
        }
        if (index == 4) {
            if (scale == 1 && base != 4) {
                index = base;
                base = 4;
                if (index < 0) index = -1;
            } else {
                throw new AsmFail(col, "esp cannot be an index register");
            }
        }
        int shift = scale == 1 ? 0 : scale == 2 ? 1 : scale == 4 ? 2 : scale == 8 ? 3 : -1;
        if (shift < 0) throw new AsmFail(col, "invalid scale " + scale + " (1, 2, 4 or 8)");
        if (disp < -0x80000000L || disp > 0xFFFFFFFFL) {
            if (!v.unknown()) throw new AsmFail(col, "displacement " + disp + " does not fit in 32 bits");
        }
        return new Addr(32, base, index, shift, disp, !v.unknown(), forced);
    }

    private static String describe(String mn, List<Opnd> ops) {
        StringBuilder sb = new StringBuilder(mn);
        for (int i = 0; i < ops.size(); i++) {
            sb.append(i == 0 ? " " : ", ");
            Opnd op = ops.get(i);
            if (op instanceof R r) sb.append(r.reg.sizeName());
            else if (op instanceof M m) sb.append(m.src.far() ? "far mem" : m.src.size() == 0 ? "mem" : "mem" + m.src.size() * 8);
            else if (op instanceof F) sb.append("seg:offset");
            else if (op instanceof I im) sb.append(im.src.jump() == AsmOperand.ImmOp.SHORT ? "short imm" : im.src.jump() == AsmOperand.ImmOp.NEAR ? "near imm" : im.src.size() != 0 ? "imm" + im.src.size() * 8 : "imm");
        }
        return sb.toString();
    }

    // ---- one candidate ----

    static final class Cand {
        OpcodeTable.Row row;
        byte[] body;
        int os, asize;
        int osPenalty, swapPenalty, masmPenalty;
        int memSize;
        /** An x87 ST,ST(i) form: NASM takes the ST(i),ST form when both read the same ("fadd st0, st0" is DC C0). */
        int x87Penalty;
        boolean memDest;
        boolean ibs;
        AsmRegister seg;
        List<AsmFail> problems = new ArrayList<>();

        boolean better(Cand o) {
            if (osPenalty != o.osPenalty) return osPenalty < o.osPenalty;
            if (body.length != o.body.length) return body.length < o.body.length;
            if (ibs != o.ibs) return ibs;   // NASM: 66 83 /0 ib before 66 05 iw for "add ax, -1"
            if (swapPenalty != o.swapPenalty) return swapPenalty < o.swapPenalty;
            if (masmPenalty != o.masmPenalty) return masmPenalty < o.masmPenalty;
            if (x87Penalty != o.x87Penalty) return x87Penalty < o.x87Penalty;
            return row.index() < o.row.index();
        }
    }

    /** Matches one row at one operand size against the operands and encodes it, or says why not. */
    private static final class Try {
        final OpcodeTable.Row row;
        final String[] codes;
        final List<Opnd> ops;
        final Map<Integer, Addr> addrs;
        final int os, bits, forcedAsize;
        final long address;
        final long[] sticky;
        /** LOCK/REP/segment prefix bytes in front of this candidate (they move the end of a branch). */
        int fixedPrefixes;
        /** The mnemonic has a rel16/32 form too (jmp, jcc); loop and jecxz have only rel8. */
        boolean hasNear;
        String rangeMsg;
        int rangeCol;
        /** The operand size a prefix word or suffix fixed (o16, data16, pushw), or 0. */
        int writtenOs;
        /** The ModRM digit of an x87 escape ({@code x87 d9 /0 [eax]}), or -1. */
        int digit = -1;
        /** The WinDbg dialect: {@code ds:} on an address without registers is no prefix, fword/dword sizes far. */
        boolean windbg;
        /** MASM's choices: MOV Sw,Ew and LAR/LSL take Rv/Mw as in the WinDbg dialect ({@code mov fs,bx} is 66 8E E3). */
        boolean masm;

        Try(OpcodeTable.Row row, String[] codes, List<Opnd> ops, Map<Integer, Addr> addrs, int os, int bits,
            int forcedAsize, long address, long[] sticky) {
            this.row = row;
            this.codes = codes;
            this.ops = ops;
            this.addrs = addrs;
            this.os = os;
            this.bits = bits;
            this.forcedAsize = forcedAsize;
            this.address = address;
            this.sticky = sticky;
        }

        Cand run() {
            Cand c = new Cand();
            c.row = row;
            c.x87Penalty = codes.length == 2 && codes[0].equals("ST") && codes[1].equals("STi") ? 1 : 0;
            c.ibs = java.util.Arrays.asList(codes).contains("Ibs");
            c.os = os;
            boolean rvmw = (windbg || masm ? RV_MW_WINDBG : RV_MW).contains(row.opName());
            int regField = digit >= 0 ? digit : row.modrmDigit() >= 0 && row.modrmDigit() < 8 ? row.modrmDigit() : 0;
            Opnd rm = null;
            int rmIdx = -1;
            int plusReg = 0;
            c.asize = forcedAsize != 0 ? forcedAsize : bits;
            for (int i = 0; i < codes.length; i++) {
                String code = codes[i];
                Opnd op = ops.get(i);
                switch (code) {
                    case "Eb", "Ew", "Ev", "Ed" -> {
                        int want = switch (code) {
                            case "Eb" -> 1;
                            case "Ew" -> 2;
                            case "Ed" -> 4;
                            default -> os / 8;
                        };
                        if (op instanceof R r) {
                            if (r.reg.kind() != AsmRegister.Kind.GPR) return null;
                            if (rvmw) {
                                if (r.reg.size() != os / 8) return null;
                            } else if (code.equals("Ew")) {
                                if (r.reg.size() == 1) return null;   // a 32-bit register is accepted as in NASM (lar eax, ebx)
                            } else if (r.reg.size() != want) {
                                return null;
                            }
                        } else if (op instanceof M m) {
                            int msz = rvmw ? 2 : want;
                            if (m.src.far() || (m.src.size() != 0 && m.src.size() != msz)) return null;
                            c.memSize = msz;
                            if (i == 0) c.memDest = true;
                        } else {
                            return null;
                        }
                        rm = op;
                        rmIdx = i;
                    }
                    case "ST", "STi" -> {
                        if (!(op instanceof R r) || r.reg.kind() != AsmRegister.Kind.FPU) return null;
                        if (code.equals("ST") && (r.reg.num() != 0 || r.reg.name().startsWith("st("))) return null;
                        if (code.equals("STi")) plusReg = r.reg.num();
                    }
                    case "Pq" -> {
                        if (!(op instanceof R r) || r.reg.kind() != AsmRegister.Kind.MMX) return null;
                        regField = r.reg.num();
                    }
                    case "Nq" -> {
                        if (!(op instanceof R r) || r.reg.kind() != AsmRegister.Kind.MMX) return null;
                        rm = op;
                        rmIdx = i;
                    }
                    case "Qq", "Qd" -> {
                        if (op instanceof R r) {
                            if (r.reg.kind() != AsmRegister.Kind.MMX) return null;
                        } else if (op instanceof M m) {
                            int msz = code.equals("Qq") ? 8 : 4;
                            if (m.src.far() || (m.src.size() != 0 && m.src.size() != msz)) return null;
                            c.memSize = msz;
                            if (i == 0) c.memDest = true;
                        } else {
                            return null;
                        }
                        rm = op;
                        rmIdx = i;
                    }
                    case "AX" -> {
                        if (!(op instanceof R r) || r.reg.kind() != AsmRegister.Kind.GPR || r.reg.num() != 0 || r.reg.size() != 2) return null;
                    }
                    case "M", "Mp", "Mq", "Ms", "Ma", "Mw", "Md", "Mt" -> {
                        if (!(op instanceof M m)) return null;
                        boolean soleFar = code.equals("Mp") && codes.length == 1;
                        // WinDbg writes a far pointer in memory as its size alone: call fword ptr [eax].
                        // A dword alone is a near pointer: the far 16:16 form is written far dword ptr.
                        boolean far = m.src.far() || (windbg && soleFar && os == 32 && m.src.size() == 6);
                        if (far != soleFar) return null;   // jmp/call need 'far'; les/lds and the rest must not have it
                        int msz = switch (code) {
                            case "Mp" -> os / 8 + 2;
                            case "Mq" -> 8;
                            case "Mw" -> 2;
                            case "Md" -> 4;
                            case "Mt" -> 10;
                            case "Ma" -> os / 4;
                            default -> 0;
                        };
                        if (code.equals("Mp")) {
                            // "jmp dword far [bx]": the size names the offset, so it picks the operand size;
                            // in the WinDbg dialect it names the whole pointer (fword ptr, far dword ptr).
                            if (m.src.size() != 0 && m.src.size() != (windbg ? os / 8 + 2 : os / 8)) return null;
                        } else if (m.src.size() != 0 && msz != 0 && m.src.size() != msz) {
                            return null;
                        }
                        c.memSize = msz;
                        if (i == 0) c.memDest = true;
                        rm = op;
                        rmIdx = i;
                    }
                    case "Gb", "Gw", "Gv", "Rd" -> {
                        int want = switch (code) {
                            case "Gb" -> 1;
                            case "Gw" -> 2;
                            case "Rd" -> 4;
                            default -> os / 8;
                        };
                        if (!(op instanceof R r) || r.reg.kind() != AsmRegister.Kind.GPR || r.reg.size() != want) return null;
                        if (code.equals("Rd")) {
                            rm = op;
                            rmIdx = i;
                        } else {
                            regField = r.reg.num();
                        }
                    }
                    case "Zb", "Zv", "Zd" -> {
                        // Zd (BSWAP) is a 32-bit register at a 32-bit operand size: 66 0F C8+r in 16-bit code.
                        // An explicit 16-bit operand size is kept (data16 bswap ecx): the SDM leaves it undefined.
                        if (code.equals("Zd") && os != 32 && writtenOs != 16) return null;
                        int want = code.equals("Zb") ? 1 : code.equals("Zd") ? 4 : os / 8;
                        if (!(op instanceof R r) || r.reg.kind() != AsmRegister.Kind.GPR || r.reg.size() != want) return null;
                        // The register replaces the low three bits: 91+r with EAX gives 90, which is
                        // XCHG EAX,EAX (NOP), as NASM emits it.
                        plusReg = r.reg.num() - (row.opcode()[row.opcode().length - 1] & 7);
                    }
                    case "Sw" -> {
                        if (!(op instanceof R r) || r.reg.kind() != AsmRegister.Kind.SREG) return null;
                        if (i == 0 && r.reg.num() == 1) {
                            rangeMsg = "cs cannot be loaded with mov (the CPU raises #UD)";
                            rangeCol = r.col;
                            return null;
                        }
                        regField = r.reg.num();
                    }
                    case "Cd", "Dd" -> {
                        AsmRegister.Kind k = code.equals("Cd") ? AsmRegister.Kind.CREG : AsmRegister.Kind.DREG;
                        if (!(op instanceof R r) || r.reg.kind() != k) return null;
                        regField = r.reg.num();
                    }
                    case "AL", "CL", "DX", "eAX" -> {
                        int num = code.equals("CL") ? 1 : code.equals("DX") ? 2 : 0;
                        int size = code.equals("eAX") ? os / 8 : code.equals("DX") ? 2 : 1;
                        if (!(op instanceof R r) || r.reg.kind() != AsmRegister.Kind.GPR || r.reg.num() != num || r.reg.size() != size) return null;
                    }
                    case "ES", "CS", "SS", "DS", "FS", "GS" -> {
                        if (!(op instanceof R r) || r.reg.kind() != AsmRegister.Kind.SREG || !r.reg.name().equalsIgnoreCase(code)) return null;
                    }
                    case "1" -> {
                        if (!(op instanceof I im) || im.src.jump() != 0 || im.src.strict() || im.src.size() > 1) return null;
                        if (im.unknown || im.v != 1 || stuck(sticky, im.idx, NOT_ONE)) return null;
                    }
                    case "Ib" -> {
                        if (!(op instanceof I im) || im.src.jump() != 0 || im.src.size() > 1) return null;
                    }
                    case "Ibs" -> {
                        if (!(op instanceof I im) || im.src.jump() != 0) return null;
                        int sz = im.src.size();
                        if (sz > 1 && (im.src.strict() || sz != os / 8)) return null;
                        if (stuck(sticky, im.idx, os == 16 ? NOT_B16 : NOT_B32)) {
                            if (sz == 1) {
                                rangeMsg = "value " + im.v + " does not fit in a signed byte";
                                rangeCol = im.col;
                            }
                            return null;
                        }
                    }
                    case "Iw" -> {
                        if (!(op instanceof I im) || im.src.jump() != 0 || (im.src.size() != 0 && im.src.size() != 2)) return null;
                    }
                    case "Iz", "Iv" -> {
                        if (!(op instanceof I im) || im.src.jump() != 0 || (im.src.size() != 0 && im.src.size() != os / 8)) return null;
                    }
                    case "Jb", "Jz" -> {
                        if (!(op instanceof I im) || im.src.size() != 0 && im.src.size() != os / 8) return null;
                        if (code.equals("Jb") && im.src.jump() == AsmOperand.ImmOp.NEAR) return null;
                        if (code.equals("Jz") && im.src.jump() == AsmOperand.ImmOp.SHORT) return null;
                    }
                    case "Ob", "Ov" -> {
                        if (!(op instanceof M m) || m.src.far()) return null;
                        Addr ad = addrs.get(i);
                        if (!ad.noRegs() || ad.forced == 1) return null;
                        int want = code.equals("Ob") ? 1 : os / 8;
                        if (m.src.size() != 0 && m.src.size() != want) return null;
                        c.asize = ad.asize;
                        c.seg = segOf(m, ad);
                        c.memSize = want;
                    }
                    case "Ap" -> {
                        if (!(op instanceof F f) || (f.src.size() != 0 && f.src.size() != os / 8)) return null;
                    }
                    default -> {
                        return null;
                    }
                }
            }
            Buf b = new Buf();
            int[] opc = row.opcode();
            for (int k = 0; k < opc.length; k++) b.add(k == opc.length - 1 ? opc[k] + plusReg : opc[k]);
            if (row.hasModrm()) {
                if (rm instanceof R r) {
                    b.add(0xC0 | regField << 3 | r.reg.num());
                } else if (rm instanceof M m) {
                    Addr ad = addrs.get(rmIdx);
                    c.asize = ad.asize;
                    c.seg = segOf(m, ad);
                    modrm(b, regField, ad, m.idx, c);
                } else {
                    return null;
                }
            }
            for (int i = 0; i < codes.length; i++) {
                Opnd op = ops.get(i);
                switch (codes[i]) {
                    case "Ib" -> imm(b, (I) op, 1, -128, 255, c);
                    case "Ibs" -> imm(b, (I) op, 1, os == 16 ? -32768 : Integer.MIN_VALUE, os == 16 ? 0xFFFF : 0xFFFFFFFFL, c);
                    case "Iw" -> imm(b, (I) op, 2, -32768, 0xFFFF, c);
                    case "Iz", "Iv" -> imm(b, (I) op, os / 8, os == 16 ? -32768 : Integer.MIN_VALUE, os == 16 ? 0xFFFF : 0xFFFFFFFFL, c);
                    case "Ob", "Ov" -> b.le(addrs.get(i).disp, addrs.get(i).asize / 8);
                    case "Ap" -> {
                        F f = (F) op;
                        checkRange(f.off, f.unknown, os == 16 ? 0 : 0, os == 16 ? 0xFFFF : 0xFFFFFFFFL, "offset", f.col, c);
                        checkRange(f.seg, f.unknown, 0, 0xFFFF, "selector", f.col, c);
                        b.le(f.off, os / 8);
                        b.le(f.seg, 2);
                    }
                    case "Jb", "Jz" -> {
                        I im = (I) op;
                        int n = codes[i].equals("Jb") ? 1 : os / 8;
                        int prefixLen = fixedPrefixes + (os != bits ? 1 : 0) + (c.asize != bits ? 1 : 0);
                        long end = address + prefixLen + b.size() + n;
                        long rel = im.v - end;
                        if (windbg && os == 16 && !im.unknown) {
                            // The CPU masks EIP to 16 bits (SDM Vol.2A Jcc/JMP): the target must lie in the
                            // first 64 KiB, and the displacement wraps.
                            if (im.v < 0 || im.v > 0xFFFF) {
                                rangeMsg = "a 16-bit operand size cannot reach " + Long.toHexString(im.v);
                                rangeCol = im.col;
                                return null;
                            }
                            rel = (short) rel;
                        }
                        if (n == 1) {
                            boolean fits = rel >= -128 && rel <= 127;
                            if (!im.unknown && !fits) {
                                if (im.src.jump() == AsmOperand.ImmOp.SHORT || !hasNear) {
                                    c.problems.add(new AsmFail(im.col, "short jump out of range (target is " + rel + " bytes away, -128..127)"));
                                } else {
                                    // Only the preferred operand size decides: a 66 prefix on another size's
                                    // candidate moves its end and must not push this one off the short form.
                                    if (os == bits) stick(sticky, im.idx, NOT_SHORT);
                                    rangeMsg = "jump target out of range of a short jump (" + rel + " bytes away, -128..127)";
                                    rangeCol = im.col;
                                    return null;
                                }
                            } else if (im.src.jump() != AsmOperand.ImmOp.SHORT && stuck(sticky, im.idx, NOT_SHORT)) {
                                // Once near, stays near: the layout only grows.
                                rangeMsg = "jump target out of range of a short jump";
                                rangeCol = im.col;
                                return null;
                            }
                        } else if (n == 2 && !im.unknown && (rel < -32768 || rel > 32767)) {
                            // A 16-bit IP wraps, so a 16-bit displacement reaches everything in the segment.
                            rel = (short) rel;
                        }
                        b.le(rel, n);
                    }
                    default -> { }
                }
            }
            c.body = b.bytes();
            return c;
        }

        /** The segment prefix of a memory operand: WinDbg writes {@code ds:} on every address without registers. */
        private AsmRegister segOf(M m, Addr ad) {
            AsmRegister seg = m.src.seg();
            if (windbg && seg != null && seg.num() == 3 && ad.noRegs()) return null;
            return seg;
        }

        private void imm(Buf b, I im, int n, long min, long max, Cand c) {
            String what = n == 1 ? "an 8-bit" : n == 2 ? "a 16-bit" : "a 32-bit";
            if (!im.unknown && (im.v < min || im.v > max)) {
                c.problems.add(new AsmFail(im.col, "value " + im.v + " out of range for " + what + " immediate (" + min + ".." + max + ")"));
            }
            b.le(im.v, n);
        }

        private void checkRange(long v, boolean unknown, long min, long max, String what, int col, Cand c) {
            if (!unknown && (v < min || v > max)) c.problems.add(new AsmFail(col, what + " " + v + " out of range (" + min + ".." + max + ")"));
        }

        /** ModRM, SIB and displacement for a memory operand (SDM Vol.2A 2.1.5). */
        private void modrm(Buf b, int reg, Addr ad, int idx, Cand c) {
            long disp = ad.disp;
            if (ad.asize == 16) {
                int rmf;
                if (ad.base < 0 && ad.index < 0) {
                    b.add(reg << 3 | 6);
                    b.le(disp, 2);
                    return;
                }
                if (ad.base == 3 && ad.index == 6) rmf = 0;
                else if (ad.base == 3 && ad.index == 7) rmf = 1;
                else if (ad.base == 5 && ad.index == 6) rmf = 2;
                else if (ad.base == 5 && ad.index == 7) rmf = 3;
                else if (ad.index == 6) rmf = 4;
                else if (ad.index == 7) rmf = 5;
                else if (ad.base == 5) rmf = 6;
                else rmf = 7;
                int mod = dispMod(ad, idx, rmf == 6, 16, c);
                b.add(mod << 6 | reg << 3 | rmf);
                if (mod == 1) b.le(disp, 1);
                else if (mod == 2) b.le(disp, 2);
                return;
            }
            if (ad.base < 0 && ad.index < 0) {
                b.add(reg << 3 | 5);
                b.le(disp, 4);
                return;
            }
            if (ad.index < 0 && ad.base != 4) {
                int mod = dispMod(ad, idx, ad.base == 5, 32, c);
                b.add(mod << 6 | reg << 3 | ad.base);
                if (mod == 1) b.le(disp, 1);
                else if (mod == 2) b.le(disp, 4);
                return;
            }
            int index = ad.index < 0 ? 4 : ad.index;
            if (ad.base < 0) {
                b.add(reg << 3 | 4);
                b.add(ad.scale << 6 | index << 3 | 5);
                b.le(disp, 4);
                return;
            }
            int mod = dispMod(ad, idx, ad.base == 5, 32, c);
            b.add(mod << 6 | reg << 3 | 4);
            b.add(ad.scale << 6 | index << 3 | ad.base);
            if (mod == 1) b.le(disp, 1);
            else if (mod == 2) b.le(disp, 4);
        }

        /** 0: no displacement, 1: disp8, 2: disp16/32. A base of EBP (BP) has no mod-0 form. */
        private int dispMod(Addr ad, int idx, boolean bpBase, int asize, Cand c) {
            if (ad.forced == 1) {
                if (ad.known && !fitsSigned8(ad.disp, asize)) {
                    c.problems.add(new AsmFail(col(idx), "displacement " + ad.disp + " does not fit in a byte"));
                }
                return 1;
            }
            if (ad.forced == 2 || ad.forced == 4) return 2;
            if (!stuck(sticky, idx, NOT_ZERO) && !bpBase) return 0;
            if (!stuck(sticky, idx, NOT_D8)) return 1;
            return 2;
        }

        private int col(int idx) {
            for (Opnd o : ops) if (o instanceof M m && m.idx == idx) return m.col();
            return 1;
        }
    }

    /** A small growable byte buffer. */
    static final class Buf {
        private byte[] a = new byte[16];
        private int n;

        void add(int v) {
            if (n == a.length) a = java.util.Arrays.copyOf(a, n * 2);
            a[n++] = (byte) v;
        }

        void add(byte[] bs) {
            for (byte x : bs) add(x);
        }

        void le(long v, int count) {
            for (int i = 0; i < count; i++) add((int) (v >>> (8 * i)));
        }

        int size() {
            return n;
        }

        byte[] bytes() {
            return java.util.Arrays.copyOf(a, n);
        }
    }
}
