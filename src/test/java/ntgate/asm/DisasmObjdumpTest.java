package ntgate.asm;

import ntgate.cpu.CpuFault;
import ntgate.cpu.decode.Decoder;
import ntgate.cpu.decode.Insn;
import ntgate.cpu.decode.Op;
import ntgate.cpu.decode.OpcodeTable;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Cross-checks the disassembler against GNU objdump on random valid encodings.
 *
 * <p>Each encoding is a random table row (the undocumented x87 aliases excluded: objdump does not name them)
 * with random prefixes from the set the decoder gives a meaning to for that row, a random ModRM byte
 * (the row's digit kept) and random following bytes for SIB, displacement and immediates; encodings the
 * decoder rejects are drawn again. Each sits in its own 16-byte slot padded with NOPs, and one objdump
 * process disassembles the whole file, so a disagreement on length shows as a missing or extra line at a
 * slot instead of derailing the rest. objdump's text is rewritten by the spelling rules listed in
 * {@link Disassembler}'s class comment (each one counted and printed) and must then equal ours exactly, as
 * must the length. 32-bit code ({@code -mi386}) and 16-bit code ({@code -mi8086}) are checked with one objdump
 * process each; the seed is fixed, and every mismatch is written to {@code target/disasm-objdump-mismatches-*.txt}.
 */
class DisasmObjdumpTest {
    private static final long SEED = 0x4E7467617465L;   // "Ntgate"
    private static final int COUNT = 12_000;
    private static final int COUNT_16 = 4_000;
    private static final int SLOT = 16;
    private static final String OBJDUMP = "/usr/bin/objdump";

    @TempDir
    Path tmp;

    /** One generated encoding with our reading of it. */
    private record Case(int address, byte[] bytes, Insn insn, String ours) {}

    @Test
    void agreesWithObjdumpOnRandomValidEncodingsIn32BitCode() throws Exception {
        crossCheck(true, COUNT);
    }

    @Test
    void agreesWithObjdumpOnRandomValidEncodingsIn16BitCode() throws Exception {
        crossCheck(false, COUNT_16);
    }

    private void crossCheck(boolean code32, int count) throws Exception {
        Assumptions.assumeTrue(new File(OBJDUMP).canExecute(),
                "objdump not found at " + OBJDUMP + ": install binutils to run the cross-check");
        List<Case> cases = generate(new Random(SEED), count, code32);
        byte[] image = new byte[cases.size() * SLOT];
        java.util.Arrays.fill(image, (byte) 0x90);
        for (Case c : cases) System.arraycopy(c.bytes, 0, image, c.address, c.bytes.length);
        Path bin = tmp.resolve("random.bin");
        Files.write(bin, image);

        Map<Integer, String[]> dump = objdump(bin, code32 ? "i386" : "i8086");
        Normaliser norm = new Normaliser(code32);
        List<String> mismatches = new ArrayList<>();
        int agreed = 0;
        for (Case c : cases) {
            String[] theirs = dump.get(c.address);
            String problem;
            if (theirs == null) {
                problem = "objdump has no instruction at this slot";
            } else {
                int theirLen = theirs[0].trim().split("\\s+").length;
                String normal = norm.normalise(theirs[1], c);
                if (theirLen != c.bytes.length) problem = "length " + c.bytes.length + " vs objdump " + theirLen + " ("
                        + theirs[1] + ")";
                else if (!normal.equals(c.ours)) problem = "objdump: " + theirs[1] + "  normalised: " + normal;
                else problem = null;
            }
            if (problem == null) agreed++;
            else mismatches.add(String.format("%08x  %-30s ours: %-45s %s", c.address, hex(c.bytes), c.ours, problem));
        }
        String mode = code32 ? "32-bit" : "16-bit";
        System.out.printf("objdump cross-check, " + mode + " code: %d encodings, %d agree, %d mismatches; spelling rules applied: %s%n",
                cases.size(), agreed, mismatches.size(), norm.applied);
        Files.write(Path.of("target", "disasm-objdump-mismatches-" + mode + ".txt"), mismatches);
        if (!mismatches.isEmpty()) {
            fail(mode + " code: " + mismatches.size() + " of " + cases.size() + " encodings disagree with objdump; first 20:\n"
                    + String.join("\n", mismatches.subList(0, Math.min(20, mismatches.size()))));
        }
    }

    // ---- generation ----

    private static List<Case> generate(Random rnd, int count, boolean code32) {
        Disassembler dis = new Disassembler(code32, Disassembler.Symbolizer.NONE);
        List<OpcodeTable.Row> rows = new ArrayList<>();
        for (OpcodeTable.Row r : OpcodeTable.rows()) {
            if ((r.attrs() & OpcodeTable.ALIAS) != 0) continue;       // undocumented x87 aliases: objdump says (bad)
            if ((r.attrs() & OpcodeTable.EMULATOR) != 0) continue;    // hostcall: objdump says (bad)
            rows.add(r);
        }
        List<Case> out = new ArrayList<>();
        int attempts = 0;
        while (out.size() < count) {
            if (++attempts > count * 50) throw new IllegalStateException("cannot generate valid encodings");
            OpcodeTable.Row row = rows.get(rnd.nextInt(rows.size()));
            byte[] enc = encode(rnd, row, code32);
            if (enc == null) continue;
            int address = out.size() * SLOT;
            Disassembler.Line line = dis.disassemble(enc, 0, address);
            if (!line.valid()) continue;
            byte[] b = line.bytes();
            Insn insn = Decoder.decode(o -> b[o] & 0xFF, code32);
            if (insn.row != row) continue;   // a prefix or the ModRM byte chose another row
            out.add(new Case(address, b, insn, line.text()));
        }
        return out;
    }

    /** Random prefixes meaningful for {@code row}, its opcode, a ModRM byte and random trailing bytes. */
    private static byte[] encode(Random rnd, OpcodeTable.Row row, boolean code32) {
        boolean memoryForm = false;
        int modrm = -1;
        if (row.hasModrm()) {
            modrm = rnd.nextInt(256);
            if (row.modrmDigit() < 8) modrm = (modrm & 0xC7) | row.modrmDigit() << 3;
            memoryForm = (modrm >>> 6) != 3 && !String.join(",", row.operands()).matches(".*\\b(Rd|Cd|Dd)\\b.*");
        }
        String ops = "," + String.join(",", row.operands()) + ",";
        boolean implicitMemory = ops.matches(".*,(O[bv]|X[bv]|Y[bv]),.*") || row.op() == Op.XLAT;
        boolean string = (row.attrs() & OpcodeTable.REPEATABLE) != 0;
        List<Integer> prefixes = new ArrayList<>();
        if ((memoryForm || implicitMemory) && row.op() != Op.LEA_GvM && rnd.nextInt(5) == 0) {
            prefixes.add(new int[] {0x26, 0x2E, 0x36, 0x3E, 0x64, 0x65}[rnd.nextInt(6)]);
        }
        if (rnd.nextInt(6) == 0) prefixes.add(0x66);
        if ((memoryForm || implicitMemory || row.op() == Op.JECXZ_Jb) && rnd.nextInt(6) == 0) prefixes.add(0x67);
        if (memoryForm && (row.attrs() & OpcodeTable.LOCKABLE) != 0 && rnd.nextInt(3) == 0) prefixes.add(0xF0);
        if (string && rnd.nextInt(3) == 0) prefixes.add(rnd.nextBoolean() ? 0xF2 : 0xF3);
        if (row.op() == Op.NOP && rnd.nextInt(3) == 0) prefixes.add(0xF3);
        java.util.Collections.shuffle(prefixes, rnd);

        byte[] enc = new byte[15 + 8];
        int n = 0;
        for (int p : prefixes) enc[n++] = (byte) p;
        int[] opc = row.opcode();
        for (int i = 0; i < opc.length; i++) {
            int v = opc[i];
            if (i == opc.length - 1 && row.plusReg()) v += rnd.nextInt(8);
            enc[n++] = (byte) v;
        }
        if (modrm >= 0) enc[n++] = (byte) modrm;
        while (n < enc.length) enc[n++] = (byte) rnd.nextInt(256);
        try {
            Insn d = Decoder.decode(o -> enc[o] & 0xFF, code32);
            return d.op == Op.INVALID ? null : java.util.Arrays.copyOf(enc, d.len);
        } catch (CpuFault tooLong) {
            return null;
        }
    }

    // ---- objdump ----

    private static final Pattern LINE = Pattern.compile("^\\s*([0-9a-f]+):\\t([0-9a-f ]+)\\t(.*)$");

    /** Runs objdump once; address -> {bytes, text}. */
    private static Map<Integer, String[]> objdump(Path bin, String machine) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(OBJDUMP, "-D", "-z", "-b", "binary", "-m" + machine, "-Mintel", "--insn-width=15",
                bin.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) fail("objdump failed: " + out);
        Map<Integer, String[]> m = new HashMap<>();
        for (String l : out.split("\n")) {
            Matcher mt = LINE.matcher(l);
            if (mt.matches()) m.put(Integer.parseInt(mt.group(1), 16), new String[] {mt.group(2), mt.group(3).trim()});
        }
        return m;
    }

    private static String hex(byte[] b) {
        StringBuilder sb = new StringBuilder();
        for (byte x : b) sb.append(String.format("%02x ", x & 0xFF));
        return sb.toString().trim();
    }

    // ---- normalisation: the spelling rules of Disassembler's class comment ----

    /** Rewrites objdump's text into our dialect by the documented rules, counting each rule that changed it. */
    static final class Normaliser {
        final Map<String, Integer> applied = new TreeMap<>();
        private final boolean code32;

        Normaliser(boolean code32) {
            this.code32 = code32;
        }

        private static final Set<String> PREFIX_WORDS = Set.of("lock", "rep", "repz", "repnz", "repe", "repne",
                "cs", "ds", "es", "ss", "fs", "gs", "data16", "data32", "addr16", "addr32", "notrack");
        private static final Map<String, String> CONDITION = Map.of("je", "jz", "jne", "jnz", "sete", "setz",
                "setne", "setnz", "cmove", "cmovz", "cmovne", "cmovnz");
        private static final Map<String, String> SPELLING = Map.ofEntries(
                Map.entry("fwait", "wait"), Map.entry("pusha", "pushad"), Map.entry("popa", "popad"),
                Map.entry("pushf", "pushfd"), Map.entry("popf", "popfd"), Map.entry("iret", "iretd"),
                Map.entry("pushaw", "pusha"), Map.entry("popaw", "popa"), Map.entry("pushfw", "pushf"),
                Map.entry("popfw", "popf"), Map.entry("iretw", "iret"));
        private static final Set<String> BRANCHES = Set.of("jo", "jno", "jb", "jae", "je", "jne", "jbe", "ja", "js",
                "jns", "jp", "jnp", "jl", "jge", "jle", "jg", "jmp", "jmpw", "jmpd", "call", "callw", "calld", "loop", "loope",
                "loopne", "jecxz", "jcxz");
        private static final Pattern HEX = Pattern.compile("0x([0-9a-f]+)");
        private static final Pattern ABSOLUTE = Pattern.compile("\\b([cdefgs]s):0x([0-9a-f]+)");
        private static final Pattern FAR = Pattern.compile("^0x([0-9a-f]+):0x([0-9a-f]+)$");

        private static int prefixRank(String word) {
            return switch (word) {
                case "lock" -> 0;
                case "es", "cs", "ss", "ds", "fs", "gs" -> 1;
                case "data16", "data32" -> 2;
                case "addr16", "addr32" -> 3;
                default -> 4;
            };
        }

        private void count(String rule) {
            applied.merge(rule, 1, Integer::sum);
        }

        String normalise(String objdump, Case c) {
            Insn d = c.insn;
            // Rule 17: objdump notes the 8087/287-only control instructions, which the 387 and later execute as FNOP.
            if (objdump.endsWith("(8087 only)") || objdump.endsWith("(287 only)")) {
                count("17 x87 era note");
                objdump = objdump.substring(0, objdump.lastIndexOf('('));
            }
            String[] words = objdump.trim().split("\\s+", -1);
            List<String> prefixes = new ArrayList<>();
            int i = 0;
            while (i < words.length - 1 && PREFIX_WORDS.contains(words[i])) prefixes.add(words[i++]);
            String mnem = words[i++];
            String operands = String.join(" ", java.util.Arrays.copyOfRange(words, i, words.length));

            if (mnem.equals("(bad)") && d.op == Op.SALC) {
                count("6 salc");
                mnem = "salc";
            }
            // Rule 14: objdump reads 66 0F 09 as a mandatory-prefix SSE-era opcode; on IA-32 it is WBINVD with an
            // operand-size prefix that changes nothing.
            if (mnem.equals("(bad)") && d.op == Op.WBINVD && c.bytes[0] == 0x66) {
                count("14 66 0f 09");
                prefixes.add(code32 ? "data16" : "data32");
                mnem = "wbinvd";
            }
            // Rule 6: 66 90 is xchg ax,ax to objdump, a nop with a needless prefix to us.
            if (mnem.equals("xchg") && (operands.equals("ax,ax") || operands.equals("eax,eax")) && d.op == Op.NOP) {
                count("6 xchg ax,ax");
                prefixes.add(code32 ? "data16" : "data32");
                mnem = "nop";
                operands = "";
            }
            // Rule 12: BSWAP with a 16-bit operand size (undefined in the SDM): objdump names the 16-bit register,
            // we name the table's Zd register and show the prefix.
            if (mnem.equals("bswap") && d.opsize == 2) {
                count("12 bswap r16");
                if (code32) prefixes.add("data16");
                operands = operands.equals("sp") || operands.equals("bp") || operands.equals("si")
                        || operands.equals("di") || operands.endsWith("x") ? "e" + operands : operands;
            }
            // Rule 13: a DS prefix on an indirect call/jmp is CET's notrack to objdump; to an IA-32 CPU it is a
            // segment override, and we show it as one.
            if (prefixes.remove("notrack")) {
                count("13 notrack");
                if (operands.contains("[")) operands = operands.replaceFirst("\\[", "ds:[");
                else prefixes.add("ds");
            }
            // Rule 2: objdump writes addr16 on a moffs operand (and, in 16-bit code, addr32 on any absolute
            // address), whose digits show the address size already.
            boolean moffsForm = d.op == Op.MOV_ALOb || d.op == Op.MOV_ObAL || d.op == Op.MOV_eAXOv || d.op == Op.MOV_OveAX;
            boolean absolute = d.isMem() && d.base == Insn.NO_REG && d.index == Insn.NO_REG;
            if (moffsForm && prefixes.remove("addr16")) count("2 absolute address size word");
            if (!code32 && (moffsForm || absolute) && prefixes.remove("addr32")) count("2 absolute address size word");
            // Rule 10: "data16 jmp" (short jump with an operand-size prefix) is our jmpw.
            if (mnem.equals("jmp") && prefixes.remove(code32 ? "data16" : "data32")) {
                count("10 data16 jmp");
                mnem = code32 ? "jmpw" : "jmpd";
            }
            boolean branch = BRANCHES.contains(mnem);
            String stringBase = (d.row.attrs() & OpcodeTable.REPEATABLE) != 0 || d.op == Op.XLAT ? mnem : null;

            // Rule 9: direct far pointer.
            Matcher far = FAR.matcher(operands);
            if (far.matches()) {
                count("9 far pointer");
                operands = String.format(d.opsize == 4 ? "%04x:%08x" : "%04x:%04x",
                        Long.parseLong(far.group(1), 16), Long.parseLong(far.group(2), 16));
            } else if (branch && operands.matches("0x[0-9a-f]+")) {
                count("1 branch target");
                long target = Long.parseLong(operands.substring(2), 16);
                // Rule 15: objdump does not truncate a rel8 target under a 16-bit operand size; the CPU does
                // (SDM Vol.2A Jcc, JMP, LOOP, JECXZ: "IF OperandSize = 16 THEN EIP <- EIP AND 0000FFFFH").
                if (d.opsize == 2 && List.of(d.row.operands()).contains("Jb") && target > 0xFFFF) {
                    count("15 rel8 target under data16");
                    target &= 0xFFFF;
                }
                operands = String.format("%08x", target);
            }
            // Rule 2: size words in lower case.
            String lowered = Pattern.compile("\\b(BYTE|WORD|DWORD|FWORD|QWORD|TBYTE) PTR\\b").matcher(operands)
                    .replaceAll(r -> r.group(1).toLowerCase(Locale.ROOT) + " ptr");
            if (!lowered.equals(operands)) count("2 PTR");
            operands = lowered;
            // Rule 16: a far call/jmp through a 16:16 pointer, which objdump writes as the near form.
            if ((d.op == Op.CALLF_Mp || d.op == Op.JMPF_Mp) && d.opsize == 2) {
                count("16 far dword ptr");
                operands = operands.replace("dword ptr", "far dword ptr");
            }
            // Rule 4: eiz, *1, +0x0.
            String s = operands.replaceAll("\\+eiz\\*[1248]", "").replaceAll("\\[eiz\\*[1248]", "[").replace("+0x0]", "]");
            // A scale of 1 stays on an index with no base ([ebp*1+0x10]).
            if (!(d.base == Insn.NO_REG && d.index != Insn.NO_REG)) s = s.replace("*1]", "]").replace("*1+", "+").replace("*1-", "-");
            if (!s.equals(operands)) count("4 eiz/*1/+0");
            operands = s;
            // Rule 4: an index with no base: the displacement unsigned.
            Matcher indexOnly = Pattern.compile("\\[([a-z]+\\*[1248]|[a-z]+)-0x([0-9a-f]+)\\]").matcher(operands);
            if (d.base == Insn.NO_REG && d.index != Insn.NO_REG && d.asize == 4 && indexOnly.find()) {
                count("4 index-only displacement");
                long v = -Long.parseLong(indexOnly.group(2), 16) & 0xFFFFFFFFL;
                operands = operands.substring(0, indexOnly.start()) + "[" + indexOnly.group(1) + "+0x"
                        + Long.toHexString(v) + "]" + operands.substring(indexOnly.end());
            }
            // A SIB address with neither base nor index (objdump: [eiz*1-0x5c5d5e60]) is an absolute address.
            Matcher bare = Pattern.compile("(([cdefgs]s):)?\\[([+-]?)0x([0-9a-f]+)\\]").matcher(operands);
            if (bare.find()) {
                long v = Long.parseLong(bare.group(4), 16);
                if (bare.group(3).equals("-")) v = -v;
                String seg = bare.group(2) == null ? "ds" : bare.group(2);
                operands = operands.substring(0, bare.start()) + seg + ":0x" + Long.toHexString(v & 0xFFFFFFFFL)
                        + operands.substring(bare.end());
            }
            // Rule 2: absolute addresses in brackets with all their digits; moffs operands get a size.
            Matcher abs = ABSOLUTE.matcher(operands);
            if (abs.find()) {
                count("2 absolute address");
                String addr = Disassembler.address(Long.parseLong(abs.group(2), 16), d.asize * 2);
                String repl = abs.group(1) + ":[" + addr + "]";
                int op = d.op;
                boolean moffs = op == Op.MOV_ALOb || op == Op.MOV_ObAL || op == Op.MOV_eAXOv || op == Op.MOV_OveAX;
                if (moffs) {
                    count("2 moffs size");
                    repl = (op == Op.MOV_ALOb || op == Op.MOV_ObAL ? "byte ptr " : d.opsize == 4 ? "dword ptr " : "word ptr ")
                            + repl;
                }
                operands = operands.substring(0, abs.start()) + repl + operands.substring(abs.end());
            }
            // Rule 3: ds: on string sources and XLAT without a prefix.
            if (stringBase != null && !c.insn.segOverride) {
                String t = operands.replaceAll("ds:\\[(esi|si|ebx|bx)\\]", "[$1]");
                if (!t.equals(operands)) count("3 string ds:");
                operands = t;
            }
            // Rule 1: remaining numbers.
            Matcher num = HEX.matcher(operands);
            StringBuilder sb = new StringBuilder();
            boolean changed = false;
            while (num.find()) {
                changed = true;
                num.appendReplacement(sb, Disassembler.number(Long.parseLong(num.group(1), 16)));
            }
            num.appendTail(sb);
            if (changed) count("1 numbers");
            operands = sb.toString();

            // Rules 5, 6: mnemonics.
            if (CONDITION.containsKey(mnem)) {
                count("5 condition codes");
                mnem = CONDITION.get(mnem);
            }
            // In 16-bit code objdump's pusha/pushad... are ours already.
            if ((code32 || mnem.equals("fwait")) && SPELLING.containsKey(mnem)) {
                count("6 " + mnem);
                mnem = SPELLING.get(mnem);
            }
            if (mnem.equals("shl") && d.row.opName().startsWith("SAL_")) {
                count("6 sal");
                mnem = "sal";
            }
            // Rule 8: descriptor-table loads and stores.
            if (mnem.matches("[sl][gi]dt[wd]")) {
                count("8 sgdt/sidt/lgdt/lidt");
                if (mnem.endsWith(code32 ? "d" : "w")) mnem = mnem.substring(0, 4);
                operands = "fword ptr " + operands;
            }
            // Rule 7: repeat prefixes.
            List<String> pw = new ArrayList<>();
            for (String p : prefixes) {
                String q = switch (p) {
                    case "repz" -> mnem.equals("cmps") || mnem.equals("scas") ? "repe" : "rep";
                    case "repnz" -> "repne";
                    default -> p;
                };
                if (!q.equals(p)) count("7 " + p);
                pw.add(q);
            }
            // Rule 11: prefix words in our fixed order (objdump keeps the byte order).
            List<String> sorted = new ArrayList<>(pw);
            sorted.sort(java.util.Comparator.comparingInt(Normaliser::prefixRank));
            if (!sorted.equals(pw)) count("11 prefix order");
            pw = sorted;
            String text = String.join(" ", pw) + (pw.isEmpty() ? "" : " ") + mnem;
            return operands.isEmpty() ? text : text + " " + operands;
        }
    }
}
