package ntgate.cpu.decode;

import ntgate.cpu.CpuFault;
import ntgate.cpu.Seg;

import java.util.List;

/**
 * Decodes IA-32 instructions into {@link Insn} records, driven entirely by {@link OpcodeTable}. The same
 * decoder serves the interpreter and the disassembler, so what is shown is what runs.
 *
 * <p>Errors follow the SDM: more than 15 bytes is #GP(0) (Vol.3A 2.x, "instruction length limit"); a fetch
 * that faults propagates the fetcher's fault (#PF on code); an encoding with no row, LOCK where it is not
 * allowed, or a register where only memory is allowed decodes to {@link Op#INVALID}, which the interpreter
 * raises as #UD when it is executed.
 */
public final class Decoder {

    /** Supplies instruction bytes; may throw {@link CpuFault} (a #PF on a code fetch). */
    @FunctionalInterface
    public interface Fetch {
        /** The byte at {@code offset} bytes from the start of the instruction, 0..255. */
        int byteAt(int offset);
    }

    /** Maximum instruction length (SDM Vol.2A 2.3.11). */
    public static final int MAX_LEN = 15;

    private static final OpcodeTable.Row[] MAP1 = new OpcodeTable.Row[256];
    private static final OpcodeTable.Row[] MAP2 = new OpcodeTable.Row[256];
    private static final OpcodeTable.Row[][] GROUP1 = new OpcodeTable.Row[256][];
    private static final OpcodeTable.Row[][] GROUP2 = new OpcodeTable.Row[256][];
    /** x87 register forms (mod = 11) by ((escape - D8) << 6) | (ModRM & 0x3F). */
    private static final OpcodeTable.Row[] X87_REG = new OpcodeTable.Row[512];
    private static final boolean[] PREFIX = new boolean[256];
    /** By row index: the ModRM r/m field always names a register (the Rd operand of MOV CR/DR). */
    private static final boolean[] REGISTER_ONLY = new boolean[OpcodeTable.rows().size()];

    static {
        // +r rows first, so that an exact row (90 NOP) can take its byte from a +r row (90+r XCHG).
        List<OpcodeTable.Row> order = new java.util.ArrayList<>(OpcodeTable.rows());
        order.sort(java.util.Comparator.comparing(r -> !r.plusReg()));
        java.util.Set<Integer> fromPlus = new java.util.HashSet<>();
        for (OpcodeTable.Row r : order) {
            int[] b = r.opcode();
            if (b.length == 2 && b[0] >= 0xD8 && b[0] <= 0xDF) {
                int base = (b[0] - 0xD8) << 6 | (b[1] & 0x3F);
                for (int i = 0; i < (r.plusReg() ? 8 : 1); i++) {
                    if (X87_REG[base + i] != null) throw new IllegalStateException("row clash at " + r);
                    X87_REG[base + i] = r;
                }
                continue;
            }
            boolean two = b[0] == 0x0F;
            int last = b[b.length - 1];
            OpcodeTable.Row[] map = two ? MAP2 : MAP1;
            OpcodeTable.Row[][] groups = two ? GROUP2 : GROUP1;
            if (r.modrmDigit() >= 0 && r.modrmDigit() < 8) {
                if (map[last] != null) throw new IllegalStateException("row clash at " + r);
                if (groups[last] == null) groups[last] = new OpcodeTable.Row[8];
                if (groups[last][r.modrmDigit()] != null) throw new IllegalStateException("row clash at " + r);
                groups[last][r.modrmDigit()] = r;
            } else if (r.plusReg()) {
                for (int i = 0; i < 8; i++) {
                    if (map[last + i] != null) throw new IllegalStateException("row clash at " + r);
                    map[last + i] = r;
                    fromPlus.add((two ? 0x100 : 0) | (last + i));
                }
            } else {
                boolean overridesPlus = fromPlus.remove((two ? 0x100 : 0) | last);
                if ((map[last] != null && !overridesPlus) || groups[last] != null) throw new IllegalStateException("row clash at " + r);
                map[last] = r;
            }
        }
        for (OpcodeTable.Row r : OpcodeTable.rows()) REGISTER_ONLY[r.index()] = List.of(r.operands()).contains("Rd");
        for (int p : new int[] {0x26, 0x2E, 0x36, 0x3E, 0x64, 0x65, 0x66, 0x67, 0xF0, 0xF2, 0xF3}) PREFIX[p] = true;
    }

    private Decoder() {}

    /** All rows, for table-driven tools. */
    public static List<OpcodeTable.Row> rows() {
        return OpcodeTable.rows();
    }

    /**
     * Decodes one instruction.
     *
     * @param in      the bytes
     * @param code32  the code segment's default size (CS.D); false in real and virtual-8086 mode
     * @return a new record; {@code op} is {@link Op#INVALID} for an undefined encoding
     * @throws CpuFault #GP(0) when the instruction is longer than 15 bytes, or the fetcher's fault
     */
    public static Insn decode(Fetch in, boolean code32) {
        Insn d = new Insn();
        decodeInto(d, in, code32);
        return d;
    }

    /** Decodes into an existing record (all fields are overwritten). */
    public static void decodeInto(Insn d, Fetch in, boolean code32) {
        d.op = Op.INVALID;
        d.exec = Op.INVALID;
        d.row = null;
        d.rm = -1;
        d.base = Insn.NO_REG;
        d.index = Insn.NO_REG;
        d.scale = 0;
        d.disp = 0;
        d.imm = 0;
        d.imm2 = 0;
        d.modrm = -1;
        d.sub = 0;
        d.rep = 0;
        d.lock = false;
        d.segOverride = false;
        d.reg = 0;
        d.immCount = 0;

        int pos = 0;
        boolean opOverride = false, adOverride = false;
        int segPrefix = -1;
        int b;
        while (true) {
            b = fetch(in, pos++);
            if (!PREFIX[b]) break;
            switch (b) {
                case 0x26 -> segPrefix = Seg.ES;
                case 0x2E -> segPrefix = Seg.CS;
                case 0x36 -> segPrefix = Seg.SS;
                case 0x3E -> segPrefix = Seg.DS;
                case 0x64 -> segPrefix = Seg.FS;
                case 0x65 -> segPrefix = Seg.GS;
                case 0x66 -> opOverride = true;
                case 0x67 -> adOverride = true;
                case 0xF0 -> d.lock = true;
                default -> d.rep = b;   // F2 / F3: the last one given wins
            }
        }
        d.prefixCount = pos - 1;
        d.opsize = (code32 ^ opOverride) ? 4 : 2;
        d.asize = (code32 ^ adOverride) ? 4 : 2;

        OpcodeTable.Row row;
        OpcodeTable.Row[] group;
        boolean x87 = false;
        if (b == 0x0F) {
            b = fetch(in, pos++);
            row = MAP2[b];
            group = GROUP2[b];
        } else {
            row = MAP1[b];
            group = GROUP1[b];
            x87 = b >= 0xD8 && b <= 0xDF;
        }
        int opcodeByte = b;

        boolean needModrm = group != null || (row != null && row.hasModrm());
        int mod = 0, rmField = 0;
        if (needModrm) {
            int modrm = fetch(in, pos++);
            d.modrm = modrm;
            mod = modrm >>> 6;
            d.reg = (modrm >>> 3) & 7;
            rmField = modrm & 7;
            if (group != null) row = group[d.reg];
            if (x87 && mod == 3) row = X87_REG[(opcodeByte - 0xD8) << 6 | (modrm & 0x3F)];
        }
        if (row != null && row.plusReg()) d.reg = opcodeByte & 7;

        // Addressing (SDM Vol.2A 2.1.5, tables 2-1 and 2-2).
        int defaultSeg = Seg.DS;
        if (needModrm) {
            if (mod == 3 || (row != null && REGISTER_ONLY[row.index()])) {
                // MOV to/from CR and DR read ModRM.mod as 11 whatever it holds: no SIB, no displacement
                // (SDM Vol.2B MOV--Move to/from Control Registers, "the 2 bits in the mod field are ignored").
                d.rm = rmField;
            } else if (d.asize == 4) {
                if (rmField == 4) {
                    int sib = fetch(in, pos++);
                    int ss = sib >>> 6, idx = (sib >>> 3) & 7, bse = sib & 7;
                    d.scale = ss;
                    d.index = idx == 4 ? Insn.NO_REG : idx;
                    if (bse == 5 && mod == 0) {
                        d.base = Insn.NO_REG;
                        d.disp = fetch32(in, pos);
                        pos += 4;
                    } else {
                        d.base = bse;
                        if (bse == 4 || bse == 5) defaultSeg = Seg.SS;
                    }
                } else if (rmField == 5 && mod == 0) {
                    d.disp = fetch32(in, pos);
                    pos += 4;
                } else {
                    d.base = rmField;
                    if (rmField == 5) defaultSeg = Seg.SS;
                }
                if (mod == 1) {
                    d.disp = (byte) fetch(in, pos++);
                } else if (mod == 2) {
                    d.disp = fetch32(in, pos);
                    pos += 4;
                }
            } else {
                switch (rmField) {
                    case 0 -> { d.base = 3; d.index = 6; }
                    case 1 -> { d.base = 3; d.index = 7; }
                    case 2 -> { d.base = 5; d.index = 6; defaultSeg = Seg.SS; }
                    case 3 -> { d.base = 5; d.index = 7; defaultSeg = Seg.SS; }
                    case 4 -> d.base = 6;
                    case 5 -> d.base = 7;
                    case 6 -> {
                        if (mod == 0) {
                            d.disp = fetch16(in, pos);
                            pos += 2;
                        } else {
                            d.base = 5;
                            defaultSeg = Seg.SS;
                        }
                    }
                    default -> d.base = 3;
                }
                if (mod == 1) {
                    d.disp = (byte) fetch(in, pos++);
                } else if (mod == 2) {
                    d.disp = (short) fetch16(in, pos);
                    pos += 2;
                }
            }
        }

        boolean valid = row != null;
        if (row != null) {
            d.row = row;
            String[] ops = row.operands();
            d.size = ops.length == 0 ? d.opsize : sizeOf(ops[0], d.opsize);
            for (String o : ops) {
                switch (o) {
                    case "Ib" -> d.setImm(fetch(in, pos++));
                    case "Ibs" -> d.setImm((byte) fetch(in, pos++));
                    case "Iw" -> {
                        d.setImm(fetch16(in, pos));
                        pos += 2;
                    }
                    case "Iz", "Iv" -> {
                        if (d.opsize == 4) {
                            d.setImm(fetch32(in, pos));
                            pos += 4;
                        } else {
                            d.setImm(fetch16(in, pos));
                            pos += 2;
                        }
                    }
                    case "Jb" -> d.imm = (byte) fetch(in, pos++);
                    case "Jz" -> {
                        if (d.opsize == 4) {
                            d.imm = fetch32(in, pos);
                            pos += 4;
                        } else {
                            d.imm = (short) fetch16(in, pos);
                            pos += 2;
                        }
                    }
                    case "Ap" -> {
                        if (d.opsize == 4) {
                            d.imm = fetch32(in, pos);
                            pos += 4;
                        } else {
                            d.imm = fetch16(in, pos);
                            pos += 2;
                        }
                        d.imm2 = fetch16(in, pos);
                        pos += 2;
                    }
                    case "Ob", "Ov" -> {
                        if (d.asize == 4) {
                            d.disp = fetch32(in, pos);
                            pos += 4;
                        } else {
                            d.disp = fetch16(in, pos);
                            pos += 2;
                        }
                    }
                    case "M", "Mp", "Mq", "Ma", "Ms", "Mw", "Md", "Mt" -> {
                        if (mod == 3) valid = false;
                    }
                    case "Sw" -> {
                        if (d.reg > 5) valid = false;
                    }
                    case "Cd" -> {
                        if (d.reg == 1 || d.reg == 5 || d.reg == 6 || d.reg == 7) valid = false;
                    }
                    case "Nq" -> {
                        if (mod != 3) valid = false;
                    }
                    case "Rd" -> d.rm = rmField;   // MOV CR/DR ignore mod (SDM Vol.2B MOV--Move to/from Control Registers)
                    default -> { }
                }
                if (pos > MAX_LEN) throw CpuFault.gp(0);
            }
            if (d.lock && ((row.attrs() & OpcodeTable.LOCKABLE) == 0 || mod == 3 || !needModrm)) valid = false;
            if (row.op() == Op.MOV_SwEw && d.reg == Seg.CS) valid = false;
            // 66/F2/F3 with an MMX opcode select an SSE/SSE2 form, which this CPU does not implement.
            if ((row.attrs() & OpcodeTable.MMX) != 0 && (opOverride || d.rep != 0)) valid = false;
        }
        if (pos > MAX_LEN) throw CpuFault.gp(0);
        d.len = pos;
        d.segOverride = segPrefix >= 0;
        d.seg = segPrefix >= 0 ? segPrefix : defaultSeg;
        if (valid) {
            d.op = row.op();
            d.sub = subOf(row, opcodeByte, d);
            d.exec = specialise(d.op, d);
        }
    }

    /**
     * The specialised form (see {@link Op#FIRST_SPECIAL}) of a valid decoded instruction, or its row's id when
     * there is none. Only 32-bit operand sizes are specialised, and memory forms only with 32-bit addressing.
     */
    private static int specialise(int op, Insn d) {
        if (d.opsize != 4) return op;
        boolean reg = d.rm >= 0;
        boolean mem32 = !reg && d.modrm >= 0 && d.asize == 4;
        switch (op) {
            case Op.MOV_EvGv, Op.ADD_EvGv, Op.OR_EvGv, Op.AND_EvGv, Op.SUB_EvGv, Op.XOR_EvGv, Op.CMP_EvGv -> {
                if (reg) {
                    d.dst = d.rm;
                    d.src = d.reg;
                    return op == Op.MOV_EvGv ? Op.S_MOV_RR : aluForm(Op.S_ADD_RR, d.sub);
                }
                if (mem32 && op == Op.MOV_EvGv) return Op.S_MOV_MR;
                if (mem32 && op == Op.CMP_EvGv) return Op.S_CMP_MR;
            }
            case Op.MOV_GvEv, Op.ADD_GvEv, Op.OR_GvEv, Op.AND_GvEv, Op.SUB_GvEv, Op.XOR_GvEv, Op.CMP_GvEv -> {
                if (reg) {
                    d.dst = d.reg;
                    d.src = d.rm;
                    return op == Op.MOV_GvEv ? Op.S_MOV_RR : aluForm(Op.S_ADD_RR, d.sub);
                }
                if (mem32 && op == Op.MOV_GvEv) return Op.S_MOV_RM;
                if (mem32 && op == Op.CMP_GvEv) return Op.S_CMP_RM;
            }
            case Op.ADD_EvIz, Op.OR_EvIz, Op.AND_EvIz, Op.SUB_EvIz, Op.XOR_EvIz, Op.CMP_EvIz,
                    Op.ADD_EvIbs, Op.OR_EvIbs, Op.AND_EvIbs, Op.SUB_EvIbs, Op.XOR_EvIbs, Op.CMP_EvIbs -> {
                if (reg) {
                    d.dst = d.rm;
                    return aluForm(Op.S_ADD_RI, d.sub);
                }
                if (mem32 && (op == Op.CMP_EvIz || op == Op.CMP_EvIbs)) return Op.S_CMP_MI;
            }
            case Op.ADD_eAXIz, Op.OR_eAXIz, Op.AND_eAXIz, Op.SUB_eAXIz, Op.XOR_eAXIz, Op.CMP_eAXIz -> {
                d.dst = 0;
                return aluForm(Op.S_ADD_RI, d.sub);
            }
            case Op.TEST_EvGv -> {
                if (reg) return Op.S_TEST_RR;
                if (mem32) return Op.S_TEST_MR;
            }
            case Op.MOV_ZvIv -> {
                return Op.S_MOV_RI;
            }
            case Op.PUSH_Zv -> {
                return Op.S_PUSH_R;
            }
            case Op.PUSH_Iz, Op.PUSH_Ibs -> {
                return Op.S_PUSH_I;
            }
            case Op.POP_Zv -> {
                return Op.S_POP_R;
            }
            case Op.LEA_GvM -> {
                if (d.asize == 4) return Op.S_LEA;
            }
            case Op.INC_Zv -> {
                return Op.S_INC_R;
            }
            case Op.DEC_Zv -> {
                return Op.S_DEC_R;
            }
            case Op.JMP_Jb, Op.JMP_Jz -> {
                return Op.S_JMP;
            }
            case Op.CALL_Jz -> {
                return Op.S_CALL;
            }
            case Op.RET -> {
                return Op.S_RET;
            }
            default -> {
                if (op >= Op.JO_Jb && op <= Op.JG_Jb || op >= Op.JO_Jz && op <= Op.JG_Jz) return Op.S_JCC;
            }
        }
        return op;
    }

    /** The specialised ALU id for ALU kind {@code kind} (ADD=0 OR=1 ADC=2 SBB=3 AND=4 SUB=5 XOR=6 CMP=7). */
    private static int aluForm(int addForm, int kind) {
        return switch (kind) {
            case 0 -> addForm;
            case 1 -> addForm + 1;
            case 4 -> addForm + 2;
            case 5 -> addForm + 3;
            case 6 -> addForm + 4;
            case 7 -> addForm + 5;
            default -> throw new IllegalStateException("ADC and SBB are not specialised");
        };
    }

    private static int sizeOf(String operand, int opsize) {
        if (operand.length() < 2) return opsize;
        return switch (operand.charAt(operand.length() - 1)) {
            case 'b' -> operand.equals("Ibs") ? opsize : 1;
            case 'w' -> 2;
            case 'd' -> 4;
            case 'L' -> 1;   // AL, CL
            case 'X' -> operand.equals("DX") ? 2 : opsize;
            default -> opsize;
        };
    }

    /** Condition code for Jcc/SETcc/CMOVcc (low nibble of the opcode); ALU kind for the arithmetic rows. */
    private static int subOf(OpcodeTable.Row row, int opcodeByte, Insn d) {
        int[] op = row.opcode();
        int first = op[0];
        if (first == 0x0F) {
            int second = op[1];
            if ((second & 0xF0) == 0x40 || (second & 0xF0) == 0x80 || (second & 0xF0) == 0x90) return second & 0xF;
            return 0;
        }
        if ((first & 0xF0) == 0x70) return first & 0xF;
        if (first < 0x40 && (first & 7) < 6) return first >>> 3;               // ADD..CMP: kind = opcode bits 5:3
        if (first >= 0x80 && first <= 0x83) return d.reg;                     // group 1: kind = ModRM.reg
        if (first == 0xC0 || first == 0xC1 || (first >= 0xD0 && first <= 0xD3)) return d.reg;   // group 2
        return 0;
    }

    private static int fetch(Decoder.Fetch in, int pos) {
        if (pos >= MAX_LEN) throw CpuFault.gp(0);
        return in.byteAt(pos) & 0xFF;
    }

    private static int fetch16(Decoder.Fetch in, int pos) {
        return fetch(in, pos) | fetch(in, pos + 1) << 8;
    }

    private static int fetch32(Decoder.Fetch in, int pos) {
        return fetch(in, pos) | fetch(in, pos + 1) << 8 | fetch(in, pos + 2) << 16 | fetch(in, pos + 3) << 24;
    }
}
