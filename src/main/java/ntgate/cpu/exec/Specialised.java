package ntgate.cpu.exec;

import ntgate.cpu.Cpu;
import ntgate.cpu.CpuState;
import ntgate.cpu.Seg;
import ntgate.cpu.decode.Insn;
import ntgate.cpu.decode.Op;

/**
 * Handlers of the decoder's specialised forms ({@link Op#FIRST_SPECIAL} on): the hottest rows at a 32-bit
 * operand size, with the size switches of the general handlers resolved. Each one mirrors the general handler
 * named in its comment and must stay equivalent to it, faults and flags included.
 */
final class Specialised {
    private Specialised() {}

    static void execute(Cpu cpu, Insn in, int op) {
        CpuState st = cpu.st;
        int[] g = cpu.gpr;
        switch (op) {
            case Op.S_MOV_RR: g[in.dst] = g[in.src]; return;                                    // DataMov.movEG/movGE
            case Op.S_MOV_RM: g[in.reg] = cpu.read32(in.seg, ea32(g, in)); return;               // DataMov.movGE
            case Op.S_MOV_MR: cpu.write32(in.seg, ea32(g, in), g[in.reg]); return;               // DataMov.movEG
            case Op.S_MOV_RI: g[in.reg] = in.imm; return;
            case Op.S_PUSH_R: cpu.push32(g[in.reg]); return;                                    // DataMov.pushReg
            case Op.S_PUSH_I: cpu.push32(in.imm); return;                                       // DataMov.pushImm
            case Op.S_POP_R: g[in.reg] = cpu.pop32(); return;                                   // DataMov.popReg
            case Op.S_LEA: g[in.reg] = ea32(g, in); return;                                     // DataMov.lea
            // Arith.aluE / aluG / aluAcc at size 4.
            case Op.S_ADD_RR: add(st, g, in.dst, g[in.src]); return;
            case Op.S_OR_RR: logic(st, g, in.dst, g[in.dst] | g[in.src]); return;
            case Op.S_AND_RR: logic(st, g, in.dst, g[in.dst] & g[in.src]); return;
            case Op.S_SUB_RR: sub(st, g, in.dst, g[in.src]); return;
            case Op.S_XOR_RR: logic(st, g, in.dst, g[in.dst] ^ g[in.src]); return;
            case Op.S_CMP_RR: cmp(st, g[in.dst], g[in.src]); return;
            case Op.S_ADD_RI: add(st, g, in.dst, in.imm); return;
            case Op.S_OR_RI: logic(st, g, in.dst, g[in.dst] | in.imm); return;
            case Op.S_AND_RI: logic(st, g, in.dst, g[in.dst] & in.imm); return;
            case Op.S_SUB_RI: sub(st, g, in.dst, in.imm); return;
            case Op.S_XOR_RI: logic(st, g, in.dst, g[in.dst] ^ in.imm); return;
            case Op.S_CMP_RI: cmp(st, g[in.dst], in.imm); return;
            case Op.S_CMP_RM: { int s = cpu.read32(in.seg, ea32(g, in)); cmp(st, g[in.reg], s); return; }   // aluG reads E first
            case Op.S_CMP_MR: cmp(st, cpu.read32(in.seg, ea32(g, in)), g[in.reg]); return;
            case Op.S_CMP_MI: cmp(st, cpu.read32(in.seg, ea32(g, in)), in.imm); return;
            // Arith.test at size 4.
            case Op.S_TEST_RR: st.setCc(CpuState.CC_LOGIC, 4, g[in.rm] & g[in.reg], 0, 0); return;
            case Op.S_TEST_MR: st.setCc(CpuState.CC_LOGIC, 4, cpu.read32(in.seg, ea32(g, in)) & g[in.reg], 0, 0); return;
            case Op.S_INC_R: incDec(st, g, in.reg, 1, CpuState.CC_INC); return;
            case Op.S_DEC_R: incDec(st, g, in.reg, -1, CpuState.CC_DEC); return;
            // CtrlXfer.jcc / jmpRel / callRel / ret at a 32-bit operand size.
            case Op.S_JCC: if (st.cond(in.sub)) jump(cpu, st.eip + in.imm); return;
            case Op.S_JMP: jump(cpu, st.eip + in.imm); return;
            case Op.S_CALL: {
                int ret = st.eip;
                int target = ret + in.imm;
                cpu.checkCsLimit(target);
                cpu.push32(ret);
                st.eip = target;
                return;
            }
            case Op.S_RET: {
                int target = cpu.peekStack(4, 0);
                cpu.checkCsLimit(target);
                cpu.adjustSp(4);
                st.eip = target;
                return;
            }
            default: throw new IllegalStateException("no specialised form " + op);
        }
    }

    /** Effective address with 32-bit addressing ({@link Cpu#ea} without the 16-bit mask). */
    private static int ea32(int[] g, Insn in) {
        return g[in.base] + (g[in.index] << in.scale) + in.disp;
    }

    private static void add(CpuState st, int[] g, int dst, int src) {
        int d = g[dst];
        int r = d + src;
        st.setCc(CpuState.CC_ADD, 4, r, d, src);
        g[dst] = r;
    }

    private static void sub(CpuState st, int[] g, int dst, int src) {
        int d = g[dst];
        int r = d - src;
        st.setCc(CpuState.CC_SUB, 4, r, d, src);
        g[dst] = r;
    }

    private static void cmp(CpuState st, int d, int src) {
        st.setCc(CpuState.CC_SUB, 4, d - src, d, src);
    }

    private static void logic(CpuState st, int[] g, int dst, int r) {
        st.setCc(CpuState.CC_LOGIC, 4, r, 0, 0);
        g[dst] = r;
    }

    /** Arith.incDec for a +r register: CF is kept in ccAux. */
    private static void incDec(CpuState st, int[] g, int reg, int delta, int cc) {
        int cf = st.cf() ? 1 : 0;
        int d = g[reg];
        int r = d + delta;
        g[reg] = r;
        st.setCc(cc, 4, r, d, 1);
        st.ccAux = cf;
    }

    private static void jump(Cpu cpu, int target) {
        cpu.checkCsLimit(target);
        cpu.st.eip = target;
    }
}
