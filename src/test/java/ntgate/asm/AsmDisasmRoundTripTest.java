package ntgate.asm;

import ntgate.cpu.decode.Decoder;
import ntgate.cpu.decode.Insn;
import ntgate.cpu.decode.Op;
import ntgate.cpu.decode.OpcodeTable;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The assembler and the disassembler agree on every row of the opcode table: disassembling assembled text
 * names the same instruction, and assembling disassembled bytes (in the WinDbg dialect,
 * {@link AsmOptions#windbg()}) gives the same bytes wherever the encoding is canonical.
 *
 * <h2>The same instruction</h2>
 * Two encodings are the same instruction when the disassembler writes the same text for both (its text
 * shows every prefix that has an effect, the operand and address sizes and every operand), and their Ops are
 * equal or are alternative encodings of one mnemonic (82 /digit and 80 /digit, 03 /r and 01 /r, E9 and EB,
 * ...). XCHG is commutative: its two operands compare in either order, and {@code xchg eax,eax} by 87 C0 is
 * the one byte 90, which reads as {@code nop}.
 *
 * <h2>Canonical encodings</h2>
 * An encoding is canonical, and must come back byte for byte, unless {@link #nonCanonical} names why not:
 * <ol>
 *   <li>prefixes: each kind at most once (one segment, one of F2/F3), in the assembler's order F0, F2/F3,
 *       segment, 66, 67; a DS override on an address with no registers (the dialect writes {@code ds:} on
 *       every such address, so it cannot show);</li>
 *   <li>ModRM: a SIB byte that is not needed (no index and a base other than ESP, or an absolute address
 *       through SIB) or scale bits with no index; a displacement longer than needed (disp32/disp16 that fits
 *       a signed byte, a zero disp8 beside a base other than EBP/BP); MOV to/from CR/DR with mod other than
 *       11 (the CPU ignores mod);</li>
 *   <li>opcode choice: the alias rows 82 /digit, F6 /1 and F7 /1; the G,E direction of a register-to-register
 *       ALU or MOV form (the assembler takes E,G); 81 where 83 fits, and 80/81/83/F6/F7 where the accumulator
 *       form (04, 05, A8, A9) is shorter or 05/A9 where 83 is; 69 where 6B fits, 68 where 6A fits;
 *       C0/C1 by 1 (D0/D1); FF /0, FF /1, FF /6, 8F /0, C7 /0 and C6 /0 on a register (40+r, 48+r, 50+r, 58+r,
 *       B8+r, B0+r); 87 with the accumulator (90+r); 88..8B with an absolute address and AL/eAX (A0..A3);
 *       rel16/32 where rel8 reaches (E9 and 0F 8x); a Jcc rel16/32 whose operand size is not the code's
 *       (the target shows, the size does not);</li>
 *   <li>BSWAP under a 16-bit operand size in 16-bit code (the SDM leaves it undefined; the disassembler shows
 *       the 32-bit register, which assembles with a 66 prefix).</li>
 *   <li>SETcc with a ModRM.reg other than 0 (no operand reads it; the assembler writes 0).</li>
 * </ol>
 * Non-canonical encodings must still come back as the same instruction.
 */
class AsmDisasmRoundTripTest {
    private static final int[] PREFIXES = {0x26, 0x2E, 0x36, 0x3E, 0x64, 0x65, 0x66, 0x67, 0xF0, 0xF2, 0xF3};
    private static final long BASE32 = 0x401000, BASE16 = 0x1000;

    private static AsmResult assemble(String text, int bits, long base) {
        return Assembler.assemble(text, "rt.asm", AsmOptions.defaults().withBits(bits).withBase(base).withWindbg(true));
    }

    private static Insn decode(byte[] b, int bits) {
        return Decoder.decode(o -> o < b.length ? b[o] & 0xFF : 0, bits == 32);
    }

    /** Problems found, by kind, with up to three examples each. */
    private static final class Report {
        final Map<String, List<String>> problems = new TreeMap<>();
        final Map<String, Integer> nonCanonical = new TreeMap<>();
        int cases, exact;

        void problem(String kind, String example) {
            problems.computeIfAbsent(kind, k -> new ArrayList<>()).add(example);
        }

        void assertClean(String what) {
            StringBuilder sb = new StringBuilder();
            problems.forEach((k, v) -> sb.append(k).append(" x").append(v.size()).append("\n    ")
                    .append(String.join("\n    ", v.subList(0, Math.min(3, v.size())))).append('\n'));
            System.out.println(what + ": " + cases + " cases, " + exact + " byte-exact, non-canonical by rule " + nonCanonical);
            assertTrue(problems.isEmpty(), what + ":\n" + sb);
        }
    }

    /**
     * Disassembles {@code orig} (an instruction the decoder accepts) at {@code base}, assembles the text and
     * checks that it names the same instruction, byte for byte when {@code orig} is canonical.
     */
    private static void backAndForth(byte[] orig, int bits, long base, Report rep) {
        Disassembler dis = new Disassembler(bits == 32, Disassembler.Symbolizer.NONE);
        Disassembler.Line l = dis.disassemble(orig, 0, (int) base);
        String text = l.text();
        rep.cases++;
        AsmResult r = assemble(text, bits, base);
        if (!r.ok()) {
            // A relative branch with a repeated prefix (36 36 E2 7F): the text shows the prefix once, so the
            // shorter re-encoding may not reach the same target. Non-canonical, and not assemblable as printed.
            if (r.errors().get(0).message().contains("out of range") && repeatedPrefix(orig, decode(orig, bits).prefixCount)) {
                rep.nonCanonical.merge("5 relative branch with a repeated prefix", 1, Integer::sum);
                return;
            }
            rep.problem("rejected " + text.split(" ")[0], l.listing() + "  " + r.errors().get(0).message());
            return;
        }
        byte[] re = r.text();
        Disassembler.Line l2 = dis.disassemble(re, 0, (int) base);
        if (l2.length() != re.length || !sameText(text, l2.text())) {
            rep.problem("text " + text.split(" ")[0], l.listing() + "  ->  " + l2.listing());
            return;
        }
        Insn d = decode(orig, bits), d2 = decode(re, bits);
        String why = nonCanonical(d, orig, bits, base);
        boolean xchgNop = d.op == Op.XCHG_EvGv && d2.op == Op.NOP;
        if (d.op != d2.op && (why == null || !(xchgNop || d.row.mnemonic32().equals(d2.row.mnemonic32())))) {
            rep.problem("op " + d.row.opName() + " -> " + d2.row.opName(), l.listing() + "  ->  " + l2.hexBytes());
            return;
        }
        if (Arrays.equals(orig, re)) {
            rep.exact++;
        } else if (why == null) {
            rep.problem("bytes " + d.row.opName(), l.listing() + "  ->  " + l2.hexBytes());
        } else {
            rep.nonCanonical.merge(why, 1, Integer::sum);
        }
    }

    private static boolean repeatedPrefix(byte[] b, int prefixCount) {
        java.util.Set<Byte> seen = new java.util.HashSet<>();
        for (int i = 0; i < prefixCount && i < b.length; i++) if (!seen.add(b[i])) return true;
        return false;
    }

    private static boolean sameText(String a, String b) {
        if (a.equals(b)) return true;
        if (a.endsWith("xchg eax,eax") || a.endsWith("xchg ax,ax")) return b.endsWith("nop");
        int i = a.indexOf("xchg ");
        if (i < 0 || !b.startsWith(a.substring(0, i + 5))) return false;
        String[] x = a.substring(i + 5).split(","), y = b.substring(i + 5).split(",");
        return x.length == 2 && y.length == 2 && x[0].equals(y[1]) && x[1].equals(y[0]);
    }

    /** Why an encoding is not the one the assembler emits for its text (see the class comment), or null. */
    static String nonCanonical(Insn d, byte[] b, int bits, long address) {
        // 1. Prefixes.
        int last = -1;
        boolean seg = false, rep = false;
        for (int i = 0; i < d.prefixCount; i++) {
            int p = b[i] & 0xFF;
            int rank = switch (p) {
                case 0xF0 -> 0;
                case 0xF2, 0xF3 -> 1;
                case 0x66 -> 3;
                case 0x67 -> 4;
                default -> 2;
            };
            if (rank <= last) return "1 prefix repeated or out of order";
            last = rank;
            seg |= rank == 2;
            rep |= rank == 1;
        }
        boolean mem = d.modrm >= 0 && d.rm < 0;
        boolean moffs = List.of(d.row.operands()).contains("Ob") || List.of(d.row.operands()).contains("Ov");
        if (d.segOverride && d.seg == ntgate.cpu.Seg.DS && (mem || moffs) && d.base == Insn.NO_REG && d.index == Insn.NO_REG) {
            return "1 ds: on an absolute address";
        }
        // 2. ModRM.
        String op = d.row.opName();
        int mod = d.modrm >>> 6, rmField = d.modrm & 7;
        if ((op.equals("MOV_RdCd") || op.equals("MOV_RdDd") || op.equals("MOV_CdRd") || op.equals("MOV_DdRd")) && mod != 3) {
            return "2 CR/DR move with mod != 11";
        }
        boolean regFieldUsed = d.row.modrmDigit() != 8
                || Arrays.stream(d.row.operands()).anyMatch(c -> c.startsWith("G") || c.equals("Sw") || c.equals("Cd") || c.equals("Dd"));
        if (!regFieldUsed && ((d.modrm >>> 3) & 7) != 0) return "2 ModRM.reg that no operand reads (SETcc)";
        if (mem) {
            int at = d.prefixCount + d.row.opcode().length + 1;
            if (d.asize == 4 && rmField == 4) {
                int sib = b[at] & 0xFF;
                boolean noIndex = ((sib >>> 3) & 7) == 4;
                if (noIndex && (sib >>> 6) != 0) return "2 scale with no index";
                if (noIndex && (sib & 7) != 4) return "2 SIB not needed";
            }
            boolean bpBase = d.asize == 4 ? d.base == 5 : rmField == 6;
            if (mod == 2 && d.disp >= -128 && d.disp <= 127) return "2 long displacement";
            if (mod == 1 && d.disp == 0 && !bpBase) return "2 zero disp8";
        }
        // 3. Opcode choice.
        if (op.endsWith("_82") || op.endsWith("_F6_1") || op.endsWith("_F7_1")) return "3 alias row";
        boolean reg = d.rm >= 0;
        if (reg && op.matches("(ADD|OR|ADC|SBB|AND|SUB|XOR|CMP|MOV)_G[bv]E[bv]")) return "3 G,E direction";
        if (reg && op.equals("MOVQ_QqPq")) return "3 G,E direction";
        boolean fits8 = d.opsize == 2 ? (short) d.imm == (byte) d.imm : d.imm == (byte) d.imm;
        boolean acc = reg && d.rm == 0;
        if (op.matches("[A-Z]+_EvIz") && fits8 && !op.startsWith("TEST") && !op.startsWith("MOV")) return "3 81 where 83 fits";
        if (op.matches("[A-Z]+_EvIz") && acc) return "3 accumulator form is shorter";
        if (op.matches("[A-Z]+_EbIb") && acc && !op.startsWith("MOV") && !op.matches("(RO|RC|SH|SA).*")) return "3 accumulator form is shorter";
        if (op.matches("[A-Z]+_eAXIz") && fits8 && !op.startsWith("TEST")) return "3 05 where 83 fits";
        if (op.equals("IMUL_GvEvIz") && fits8) return "3 69 where 6B fits";
        if (op.equals("PUSH_Iz") && fits8) return "3 68 where 6A fits";
        if (op.matches("(ROL|ROR|RCL|RCR|SHL|SHR|SAL|SAR)_E[bv]Ib") && (d.imm & 0xFF) == 1) return "3 shift by 1 with an immediate";
        if (reg && Set.of("INC_Ev", "DEC_Ev", "PUSH_Ev", "POP_Ev", "MOV_EvIz", "MOV_EbIb").contains(op)) return "3 ModRM form of a +r row";
        if (op.equals("XCHG_EvGv") && reg && (d.rm == 0 || d.reg == 0)) return "3 87 with the accumulator";
        if (Set.of("MOV_EbGb", "MOV_EvGv", "MOV_GbEb", "MOV_GvEv").contains(op) && mem && d.base == Insn.NO_REG
                && d.index == Insn.NO_REG && d.reg == 0) {
            return "3 ModRM form of a moffs row";
        }
        if (op.endsWith("_Jz") && !op.startsWith("CALL")) {
            if (d.opsize != bits / 8 && !op.equals("JMP_Jz")) return "3 Jcc operand size not shown";
            long mask = d.opsize == 2 ? 0xFFFF : 0xFFFFFFFFL;
            long target = (address + d.len + d.imm) & mask;
            long shortEnd = address + d.prefixCount + 2;
            long rel = d.opsize == 2 ? (short) (target - shortEnd) : target - shortEnd;
            if (rel >= -128 && rel <= 127) return "3 rel16/32 where rel8 reaches";
        }
        // 4. BSWAP r16 in 16-bit code.
        if (op.equals("BSWAP_Zd") && bits == 16 && d.opsize == 2) return "4 bswap under a 16-bit operand size";
        return null;
    }

    // ---- random bytes ----

    /**
     * Random bytes: half wholly random, half a random row's opcode after random prefixes, with random ModRM,
     * SIB, displacement and immediate bytes. Fixed seed.
     */
    @Test
    void randomEncodingsDisassembleToTextThatAssemblesBack() {
        Report rep = new Report();
        Random rnd = new Random(20261126L);
        List<OpcodeTable.Row> rows = OpcodeTable.rows();
        for (int bits : new int[] {32, 16}) {
            long base = bits == 32 ? BASE32 : BASE16;
            for (int n = 0; n < 16000; n++) {
                byte[] buf = new byte[16];
                rnd.nextBytes(buf);
                if (n % 2 == 0) {
                    OpcodeTable.Row row = rows.get(rnd.nextInt(rows.size()));
                    int p = 0;
                    while (rnd.nextInt(4) == 0 && p < 3) buf[p++] = (byte) PREFIXES[rnd.nextInt(PREFIXES.length)];
                    for (int o : row.opcode()) buf[p++] = (byte) o;
                    if (row.plusReg()) buf[p - 1] += rnd.nextInt(8);
                    if (row.modrmDigit() >= 0 && row.modrmDigit() < 8) buf[p] = (byte) ((buf[p] & 0xC7) | row.modrmDigit() << 3);
                }
                Insn d;
                try {
                    d = decode(buf, bits);
                } catch (ntgate.cpu.CpuFault e) {
                    continue;
                }
                if (d.op == Op.INVALID) continue;
                backAndForth(Arrays.copyOf(buf, d.len), bits, base, rep);
            }
        }
        rep.assertClean("random encodings");
        assertTrue(rep.cases >= 20000, "at least 20,000 valid random encodings, got " + rep.cases);
    }

    // ---- every row ----

    private static final String[] R8 = {"al", "cl", "dl", "bl", "ah", "ch", "dh", "bh"};
    private static final String[] R16 = {"ax", "cx", "dx", "bx", "sp", "bp", "si", "di"};
    private static final String[] R32 = {"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"};
    private static final String[] MEM32 = {
        "[eax]", "[ebp]", "[esp]", "[eax+7Fh]", "[ebx-80h]", "[ecx+12345678h]", "[edx+esi*4]", "[ebp+edi*8+10h]",
        "[esp+eax*2-4]", "[eax*4+1000h]", "[esi*1+20h]", "[ebx+ebx]", "[edi+ecx*8-12345678h]", "ds:[00401234h]",
        "fs:[eax+4]", "es:[ebx+ecx]", "ss:[esi]", "cs:[ebp-8]", "gs:[00000124h]", "ds:[ebp+4]",
    };
    private static final String[] MEM16 = {
        "[bx+si]", "[bx+di+7Fh]", "[bp]", "[bp+si-2]", "[si]", "[di+1234h]", "ds:[1234h]", "ss:[bx]", "[bp+di]",
        "es:[bx+si+8]", "fs:[0FFFEh]", "[bx-80h]",
    };

    /** Candidate spellings of one operand code at an operand size {@code os} (bits) and address size {@code as}. */
    private static List<String> candidates(OpcodeTable.Row row, String code, int os, int as) {
        String[] mem = as == 32 ? MEM32 : MEM16;
        String[] rv = os == 32 ? R32 : R16;
        String op = row.opName();
        boolean rvMw = Set.of("SLDT_Ew", "STR_Ew", "SMSW_Ew", "MOV_SwEw", "LAR_GvEw", "LSL_GvEw").contains(op);
        List<String> c = new ArrayList<>();
        switch (code) {
            case "Eb" -> {
                c.addAll(List.of(R8));
                for (String m : mem) c.add("byte ptr " + m);
            }
            case "Ew", "Ev", "Ed" -> {
                String[] regs = code.equals("Ed") ? R32 : code.equals("Ew") && !rvMw ? R16 : rv;
                String ptr = code.equals("Ed") ? "dword ptr " : code.equals("Ew") || op.equals("MOV_EwSw") ? "word ptr " : os == 32 ? "dword ptr " : "word ptr ";
                c.addAll(List.of(regs));
                for (String m : mem) c.add(ptr + m);
            }
            case "Gb", "Zb" -> c.addAll(List.of(R8));
            case "Gw" -> c.addAll(List.of(R16));
            case "Gv", "Zv" -> c.addAll(List.of(rv));
            case "Zd", "Rd" -> c.addAll(List.of(R32));
            case "Cd" -> c.addAll(List.of("cr0", "cr2", "cr3", "cr4"));
            case "Dd" -> c.addAll(List.of("dr0", "dr1", "dr2", "dr3", "dr6", "dr7"));
            case "Sw" -> c.addAll(op.equals("MOV_SwEw") ? List.of("es", "ss", "ds", "fs", "gs") : List.of("es", "cs", "ss", "ds", "fs", "gs"));
            case "M", "Mp", "Mq", "Ms", "Ma", "Mw", "Md", "Mt" -> {
                String ptr = switch (code) {
                    case "Mw" -> "word ptr ";
                    case "Md" -> "dword ptr ";
                    case "Mt" -> "tbyte ptr ";
                    case "Mp" -> os == 32 ? "fword ptr " : op.equals("CALLF_Mp") || op.equals("JMPF_Mp") ? "far dword ptr " : "dword ptr ";
                    case "Mq" -> "qword ptr ";
                    case "Ms" -> "fword ptr ";
                    case "Ma" -> os == 32 ? "qword ptr " : "dword ptr ";
                    default -> op.equals("INVLPG_M") ? "byte ptr " : "";
                };
                for (String m : mem) c.add(ptr + m);
            }
            case "Ob", "Ov" -> {
                String ptr = code.equals("Ob") ? "byte ptr " : os == 32 ? "dword ptr " : "word ptr ";
                c.addAll(as == 32 ? List.of(ptr + "ds:[00401234h]", ptr + "fs:[7FFE0300h]") : List.of(ptr + "ds:[1234h]", ptr + "es:[0ABCDh]"));
            }
            case "Ib" -> c.addAll(List.of("0", "1", "7Fh", "80h", "0FFh"));
            case "Ibs" -> c.addAll(os == 32 ? List.of("0", "1", "7Fh", "0FFFFFF80h", "0FFFFFFFFh") : List.of("0", "1", "7Fh", "0FF80h", "0FFFFh"));
            case "Iw" -> c.addAll(List.of("0", "1234h", "0FFFFh"));
            case "Iz", "Iv" -> c.addAll(os == 32 ? List.of("0", "7Fh", "80h", "12345678h", "0FFFFFF80h") : List.of("0", "7Fh", "80h", "1234h", "0FF80h"));
            case "Jb", "Jz" -> {
                long base = as == 32 ? BASE32 : BASE16;
                // A 16-bit operand size masks EIP to 16 bits: targets in the first 64 KiB.
                long mask = os == 16 ? 0xFFFF : 0xFFFFFFFFL;
                c.add(String.format("%08x", (base + 0x10) & mask));
                c.add(String.format("%08x", (base - 0x40) & mask));
                if (code.equals("Jz")) c.add(String.format("%08x", (base + 0x1234) & mask));
            }
            case "Ap" -> c.addAll(os == 32 ? List.of("0008:00401000", "001b:12345678") : List.of("0008:1000", "f000:fff0"));
            case "ST" -> c.add("st");
            case "STi" -> c.addAll(List.of("st(0)", "st(1)", "st(7)"));
            case "AX" -> c.add("ax");
            case "Pq", "Nq" -> c.addAll(List.of("mm0", "mm3", "mm7"));
            case "Qq", "Qd" -> {
                c.addAll(List.of("mm1", "mm6"));
                for (String m : mem) c.add((code.equals("Qq") ? "qword ptr " : "dword ptr ") + m);
            }
            case "AL" -> c.add("al");
            case "CL" -> c.add("cl");
            case "DX" -> c.add("dx");
            case "eAX" -> c.add(os == 32 ? "eax" : "ax");
            case "1" -> c.add("1");
            default -> c.add(code.toLowerCase());   // ES, CS, SS, DS, FS, GS
        }
        return c;
    }

    private static boolean osDependent(OpcodeTable.Row row) {
        if (!row.mnemonic16().equals(row.mnemonic32())) return true;
        if (Set.of("FLDENV_M", "FNSTENV_M", "FNSAVE_M", "FRSTOR_M").contains(row.opName())) return true;
        for (String c : row.operands()) {
            if (c.endsWith("v") || c.endsWith("z") || c.equals("Ibs") || c.equals("Mp") || c.equals("Ma") || c.equals("Ap") || c.equals("Jb")) return true;
        }
        return Set.of("PUSH_ES", "PUSH_CS", "PUSH_SS", "PUSH_DS", "PUSH_FS", "PUSH_GS", "POP_ES", "POP_SS", "POP_DS",
                "POP_FS", "POP_GS", "RET", "RET_Iw", "RETF", "RETF_Iw", "ENTER_IwIb", "LEAVE", "SGDT_Ms", "SIDT_Ms",
                "LGDT_Ms", "LIDT_Ms", "SLDT_Ew", "STR_Ew", "SMSW_Ew", "MOV_SwEw", "LAR_GvEw", "LSL_GvEw", "FLDENV_M", "FNSTENV_M",
                "FNSAVE_M", "FRSTOR_M").contains(row.opName());
    }

    /**
     * Source lines for one row, {@code {ROW}} forcing it: up to {@code max} random operand combinations (all of
     * them when there are fewer) at each operand size the row has, with 32- and 16-bit addresses, and lock or
     * rep where the row takes them.
     */
    private static List<String> sources(OpcodeTable.Row row, int bits, int max, Random rnd) {
        List<String> out = new ArrayList<>();
        String op = row.opName();
        boolean string = (row.attrs() & OpcodeTable.REPEATABLE) != 0 || op.equals("XLAT");
        for (int os : osDependent(row) ? new int[] {bits, 48 - bits} : new int[] {bits}) {
            for (int as : new int[] {bits, 48 - bits}) {
                String[] codes = string ? new String[0] : row.operands();
                List<List<String>> cands = new ArrayList<>();
                long total = 1;
                for (String c : codes) {
                    List<String> l = candidates(row, c, os, as);
                    cands.add(l);
                    total *= l.size();
                }
                boolean usesAs = string || Arrays.stream(codes).anyMatch(c -> c.startsWith("E") || c.startsWith("M") || c.startsWith("O"));
                if (as != bits && !usesAs) continue;
                int n = (int) Math.min(max, total);
                for (int k = 0; k < n; k++) {
                    List<String> ops = new ArrayList<>();
                    long idx = total <= max ? k : rnd.nextLong() & Long.MAX_VALUE;
                    for (List<String> l : cands) {
                        ops.add(l.get((int) (idx % l.size())));
                        idx /= l.size();
                    }
                    // Registers in a 16/32-bit address must match the address size; the lists do.
                    boolean memFirst = !ops.isEmpty() && ops.get(0).contains("[");
                    StringBuilder sb = new StringBuilder("{" + op + "} ");
                    if ((row.attrs() & OpcodeTable.LOCKABLE) != 0 && memFirst && rnd.nextBoolean()) sb.append("lock ");
                    if (string && rnd.nextBoolean()) sb.append(op.startsWith("CMPS") || op.startsWith("SCAS") ? "repne " : "rep ");
                    if (os != bits) sb.append(os == 16 ? "o16 " : "o32 ");
                    if (as != bits && string) sb.append(as == 16 ? "a16 " : "a32 ");
                    sb.append(row.mnemonic(os == 16));
                    if (!ops.isEmpty()) sb.append(' ').append(String.join(",", ops));
                    out.add(sb.toString());
                }
            }
        }
        return out;
    }

    /** Assembles each source line (forcing its row), checks the decoder reads that row, and goes back and forth. */
    private static Set<String> everyRow(int max, Report rep) {
        Random rnd = new Random(3);
        Set<String> proven = new TreeSet<>();
        for (OpcodeTable.Row row : OpcodeTable.rows()) {
            for (int bits : new int[] {32, 16}) {
                long base = bits == 32 ? BASE32 : BASE16;
                for (String src : sources(row, bits, max, rnd)) {
                    AsmResult r = assemble(src, bits, base);
                    if (!r.ok()) {
                        rep.problem("forced row not assembled " + row.opName(), bits + ": " + src + "  " + r.errors().get(0).message());
                        continue;
                    }
                    byte[] b = r.text();
                    Insn d = decode(b, bits);
                    boolean nop = row.opName().equals("XCHG_ZveAX") && d.op == Op.NOP;
                    if ((d.op != row.op() && !nop) || d.len != b.length) {
                        rep.problem("decoded row " + row.opName(), bits + ": " + src + "  ->  " + (d.row == null ? "(bad)" : d.row.opName()));
                        continue;
                    }
                    int before = rep.problems.size();
                    backAndForth(b, bits, base, rep);
                    if (rep.problems.size() == before && !nop) proven.add(row.opName());
                }
            }
        }
        return proven;
    }

    @Test
    void everyRowWithManyOperandCombinationsRoundTrips() {
        Report rep = new Report();
        everyRow(40, rep);
        rep.assertClean("opcode table rows");
    }

    /** Every Op the CPU executes (every row's) is assembled from source and disassembled back to itself. */
    @Test
    void everyOpTheCpuExecutesCanBeAssembledAndDisassembled() {
        Report rep = new Report();
        Set<String> proven = everyRow(3, rep);
        System.out.println("Ops assembled and disassembled back: " + proven.size() + " of " + OpcodeTable.rows().size() + " rows");
        Set<String> all = new TreeSet<>();
        for (OpcodeTable.Row row : OpcodeTable.rows()) all.add(row.opName());
        all.removeAll(proven);
        assertEquals(Set.of(), all, "Ops never assembled and disassembled back: " + rep.problems);
        // The ids the interpreter dispatches on for table rows are 1..TABLE_END-1 (INVALID raises #UD; ids from
        // FIRST_SPECIAL on are the decoder's specialised forms of rows).
        Set<String> noRow = new TreeSet<>();
        OpcodeTable.opIdMap().forEach((name, id) -> {
            if (id > Op.INVALID && id < Op.TABLE_END) noRow.add(name);
        });
        for (OpcodeTable.Row row : OpcodeTable.rows()) noRow.remove(row.opName());
        assertEquals(Set.of(), noRow, "Ops without a row");
    }
}
