package ntgate.asm;

import ntgate.cpu.decode.OpcodeTable;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * Generates NASM source from the opcode table: random rows with random registers, memory operands
 * (every ModRM/SIB shape, disp8/disp32, [esp]/[ebp], scaled indexes, segment overrides, 16-bit
 * addressing), immediates of every size and branches to labels near and far. Every line is one NASM
 * accepts, so the result can be compared with {@code nasm -f bin} byte for byte.
 */
final class AsmRandomSource {
    private final Random rnd;
    private final int bits;
    private final List<String> lines = new ArrayList<>();
    private int labels;

    /** Rows the generator cannot spell for NASM: the undocumented SAL /6 (and the x87 aliases, by attribute). */
    static final Set<String> SKIPPED_MNEMONICS = Set.of("sal");

    private static final String[] R8 = {"al", "cl", "dl", "bl", "ah", "ch", "dh", "bh"};
    private static final String[] R16 = {"ax", "cx", "dx", "bx", "sp", "bp", "si", "di"};
    private static final String[] R32 = {"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"};
    private static final String[] SREG = {"es", "cs", "ss", "ds", "fs", "gs"};

    AsmRandomSource(long seed, int bits) {
        this.rnd = new Random(seed);
        this.bits = bits;
    }

    /** A whole source of {@code count} instruction lines, with labels sprinkled among them. */
    String generate(int count, long org) {
        lines.clear();
        lines.add("bits " + bits);
        lines.add("org 0x" + Long.toHexString(org));
        int labelCount = Math.max(4, count / 12);
        labels = labelCount;
        List<OpcodeTable.Row> rows = new ArrayList<>();
        for (OpcodeTable.Row r : OpcodeTable.rows()) if (!SKIPPED_MNEMONICS.contains(r.mnemonic32())
                && (r.attrs() & (OpcodeTable.EMULATOR | OpcodeTable.ALIAS)) == 0) rows.add(r);   // nasm has no hostcall, no fstp1
        int nextLabel = 0;
        for (int i = 0; i < count; i++) {
            if (nextLabel < labelCount && rnd.nextInt(count) < labelCount) lines.add("L" + nextLabel++ + ":");
            lines.add(instruction(rows.get(rnd.nextInt(rows.size()))));
        }
        while (nextLabel < labelCount) lines.add("L" + nextLabel++ + ":");
        lines.add("data_end:");
        return String.join("\n", lines) + "\n";
    }

    /** One instruction line for {@code row}, in NASM syntax. */
    String instruction(OpcodeTable.Row row) {
        int os = osFor(row);
        String mn = mnemonic(row, os);
        if (mn.equals("fnsetpm")) mn = "fsetpm";   // NASM has no fnsetpm; its fsetpm is DB E4 without WAIT
        String[] codes = row.operands();
        boolean implicit = Arrays.stream(codes).anyMatch(c -> c.startsWith("X") || c.startsWith("Y"));
        StringBuilder sb = new StringBuilder();
        if (implicit) {
            if ((row.attrs() & OpcodeTable.REPEATABLE) != 0 && rnd.nextInt(3) == 0) {
                boolean cmp = mn.startsWith("cmps") || mn.startsWith("scas");
                sb.append(cmp ? (rnd.nextBoolean() ? "repe " : "repne ") : "rep ");
            }
            if (rnd.nextInt(6) == 0) sb.append("a16 ".replace("16", bits == 32 ? "16" : "32"));
            return sb.append(mn).toString();
        }
        List<String> ops = new ArrayList<>();
        boolean memFirst = false;
        for (int i = 0; i < codes.length; i++) {
            String o = operand(row, codes[i], os, i, codes.length);
            if (i == 0 && o.contains("[")) memFirst = true;
            ops.add(o);
        }
        boolean onlyImmediates = codes.length > 0 && Arrays.stream(codes).allMatch(c -> c.startsWith("I") || c.startsWith("J") || c.equals("Ap"));
        if (onlyImmediates && os != bits && !ops.get(0).startsWith("word ")) ops.set(0, sizeWord(os / 8) + " " + ops.get(0));
        if (memFirst && (row.attrs() & OpcodeTable.LOCKABLE) != 0 && rnd.nextInt(4) == 0) sb.append("lock ");
        sb.append(mn);
        if (!ops.isEmpty()) sb.append(' ').append(String.join(", ", ops));
        return sb.toString();
    }

    private int osFor(OpcodeTable.Row row) {
        boolean spelled = !row.mnemonic16().equals(row.mnemonic32());
        boolean dep = spelled || Arrays.stream(row.operands()).anyMatch(c -> c.endsWith("v") || c.equals("Iz") || c.equals("eAX") || c.equals("Ibs"));
        if (row.opName().equals("JMPF_Mp") || row.opName().equals("CALLF_Mp")) return bits;
        if (Arrays.asList(row.operands()).contains("Jz")) return bits;
        if (row.opName().startsWith("MOVZX_GvEw") || row.opName().startsWith("MOVSX_GvEw")) return 32;   // NASM has no movzx r16, r/m16
        return dep && rnd.nextInt(4) == 0 ? 48 - bits : bits;
    }

    private String mnemonic(OpcodeTable.Row row, int os) {
        String m16 = row.mnemonic16(), m32 = row.mnemonic32();
        if (m16.equals(m32)) return m32;
        if (m32.equals(m16 + "d")) {
            if (os == bits && rnd.nextBoolean()) return m16;
            return os == 16 ? m16 + "w" : m32;
        }
        return os == 16 ? m16 : m32;
    }

    private String reg(int size) {
        String[] t = size == 1 ? R8 : size == 2 ? R16 : R32;
        return t[rnd.nextInt(8)];
    }

    private static String sizeWord(int size) {
        return switch (size) {
            case 1 -> "byte";
            case 2 -> "word";
            case 4 -> "dword";
            default -> "qword";
        };
    }

    private String operand(OpcodeTable.Row row, String code, int os, int i, int n) {
        int v = os / 8;
        return switch (code) {
            case "Eb" -> rnd.nextBoolean() ? reg(1) : "byte " + mem();
            case "Ew" -> {
                boolean rvmw = Set.of("SLDT_Ew", "STR_Ew", "SMSW_Ew").contains(row.opName());
                if (rnd.nextBoolean()) yield "word " + mem();
                yield rvmw ? reg(v) : reg(2);
            }
            case "Ev" -> {
                if (row.opName().equals("MOV_EwSw")) yield rnd.nextBoolean() ? reg(v) : "word " + mem();
                yield rnd.nextBoolean() ? reg(v) : sizeWord(v) + " " + mem();
            }
            case "Gb" -> reg(1);
            case "Gw" -> reg(2);
            case "Gv" -> reg(v);
            case "Rd", "Zd" -> reg(4);
            case "Zb" -> reg(1);
            case "Zv" -> reg(v);
            case "M" -> mem();
            case "Ms", "Ma" -> mem();
            case "Mq" -> (rnd.nextBoolean() || row.mnemonic32().startsWith("f") ? "qword " : "") + mem();
            case "Mw" -> "word " + mem();
            case "Md" -> "dword " + mem();
            case "Mt" -> "tword " + mem();
            case "ST" -> "st0";
            case "STi" -> "st" + rnd.nextInt(8);
            case "AX" -> "ax";
            case "Pq", "Nq" -> "mm" + rnd.nextInt(8);
            case "Ed" -> rnd.nextBoolean() ? reg(4) : "dword " + mem();
            case "Qq" -> rnd.nextBoolean() ? "mm" + rnd.nextInt(8) : "qword " + mem();
            case "Qd" -> rnd.nextBoolean() ? "mm" + rnd.nextInt(8) : mem();   // NASM sizes it qword, objdump dword: unsized
            case "Mp" -> n == 1 ? "far " + mem() : mem();
            case "Ib" -> Integer.toString(rnd.nextInt(256) - (rnd.nextBoolean() ? 128 : 0));
            case "Ibs" -> Integer.toString(rnd.nextInt(256) - 128);
            case "Iw" -> "0x" + Integer.toHexString(rnd.nextInt(0x10000));
            case "Iz", "Iv" -> imm(v);
            case "Jb" -> branchTarget(true, false);
            case "Jz" -> branchTarget(false, row.mnemonic32().equals("call"));
            case "AL" -> "al";
            case "CL" -> "cl";
            case "DX" -> "dx";
            case "eAX" -> v == 2 ? "ax" : "eax";
            case "1" -> "1";
            case "ES", "CS", "SS", "DS", "FS", "GS" -> code.toLowerCase();
            case "Sw" -> i == 0 ? SREG[new int[] {0, 2, 3, 4, 5}[rnd.nextInt(5)]] : SREG[rnd.nextInt(6)];
            case "Cd" -> new String[] {"cr0", "cr2", "cr3", "cr4"}[rnd.nextInt(4)];
            case "Dd" -> new String[] {"dr0", "dr1", "dr2", "dr3", "dr6", "dr7"}[rnd.nextInt(6)];
            case "Ob", "Ov" -> seg() + "[0x" + Integer.toHexString(rnd.nextInt(0x10000)) + (bits == 32 ? "1234" : "") + "]";
            case "Ap" -> (v == 2 ? "word " : "") + "0x" + Integer.toHexString(rnd.nextInt(0x100)) + ":0x"
                    + Integer.toHexString(v == 2 ? rnd.nextInt(0x10000) : rnd.nextInt());
            default -> throw new IllegalArgumentException("operand code " + code + " in " + row);
        };
    }

    /** A segment override inside the brackets, sometimes. */
    private String seg() {
        return rnd.nextInt(8) == 0 ? SREG[rnd.nextInt(6)] + ":" : "";
    }

    private String imm(int size) {
        long x = switch (rnd.nextInt(5)) {
            case 0 -> rnd.nextInt(256) - 128;
            case 1 -> rnd.nextInt(2);
            case 2 -> size == 2 ? rnd.nextInt(0x10000) : rnd.nextInt() & 0xFFFFFFFFL;
            case 3 -> size == 2 ? rnd.nextInt(0x8000) - 0x4000 : rnd.nextInt();
            default -> size == 2 ? 0xFF80 + rnd.nextInt(0x80) : 0xFFFFFF80L + rnd.nextInt(0x80);
        };
        return x < 0 ? "-0x" + Long.toHexString(-x) : "0x" + Long.toHexString(x);
    }

    private String branchTarget(boolean shortOnly, boolean isCall) {
        if (shortOnly) {
            // loop/jecxz and the like have only a rel8 form: aim at a nearby $-relative address.
            return "$" + (rnd.nextBoolean() ? "+" : "-") + rnd.nextInt(100);
        }
        String t = "L" + rnd.nextInt(labels);
        return switch (rnd.nextInt(6)) {
            case 0 -> isCall ? "$+" + rnd.nextInt(100) : "short $+" + rnd.nextInt(100);
            case 1 -> "near " + t;
            case 2 -> t + "+" + rnd.nextInt(16);
            default -> t;
        };
    }

    /** A random memory operand in brackets (without a size word). */
    String mem() {
        if (rnd.nextInt(10) == 0) {
            String m = mem16();
            return m.startsWith("word ") ? "[" + m + "]" : "[" + seg() + m + "]";
        }
        String s = seg();
        String base = R32[rnd.nextInt(8)];
        String index = R32[new int[] {0, 1, 2, 3, 5, 6, 7}[rnd.nextInt(7)]];
        int scale = new int[] {1, 2, 4, 8}[rnd.nextInt(4)];
        String disp = disp32();
        String body = switch (rnd.nextInt(9)) {
            case 0 -> "0x" + Integer.toHexString(rnd.nextInt());
            case 1 -> base;
            case 2 -> base + disp;
            case 3 -> base + "+" + index + "*" + scale;
            case 4 -> base + "+" + index + "*" + scale + disp;
            case 5 -> index + "*" + scale + disp;
            case 6 -> new String[] {"esp", "ebp"}[rnd.nextInt(2)] + disp;
            case 7 -> new String[] {"esp", "ebp"}[rnd.nextInt(2)] + "+" + index + "*" + scale;
            default -> base + "+data_end";
        };
        return "[" + s + body + "]";
    }

    private String disp32() {
        int x = switch (rnd.nextInt(5)) {
            case 0 -> 0;
            case 1 -> rnd.nextInt(128);
            case 2 -> -rnd.nextInt(129);
            case 3 -> rnd.nextInt(0x10000) + 128;
            default -> rnd.nextInt();
        };
        return x < 0 ? "-0x" + Long.toHexString(-(long) x) : "+0x" + Integer.toHexString(x);
    }

    private String mem16() {
        String[] forms = {"bx+si", "bx+di", "bp+si", "bp+di", "si", "di", "bp", "bx"};
        String f = forms[rnd.nextInt(forms.length)];
        return switch (rnd.nextInt(4)) {
            case 0 -> f;
            case 1 -> f + "+" + rnd.nextInt(128);
            case 2 -> f + "+0x" + Integer.toHexString(0x100 + rnd.nextInt(0xFE00));
            default -> rnd.nextBoolean() ? "word 0x" + Integer.toHexString(rnd.nextInt(0x10000)) : f + "-" + (1 + rnd.nextInt(128));
        };
    }
}
