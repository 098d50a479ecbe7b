package ntgate.cpu.exec;

import ntgate.cpu.Cpu;
import ntgate.cpu.CpuState;
import ntgate.cpu.Seg;
import ntgate.cpu.decode.Insn;

/**
 * String instructions MOVS, CMPS, STOS, LODS, SCAS, INS, OUTS with REP/REPE/REPNE, in both directions. The
 * source is DS:(E)SI (segment overridable), the destination ES:(E)DI; the address size selects SI/DI/CX or
 * ESI/EDI/ECX. Registers are updated after every iteration, so a fault in the middle of a REP leaves a state
 * from which the instruction restarts where it stopped (SDM Vol.2B REP).
 */
public final class StringOps {
    private StringOps() {}

    public static final int MOVS = 0, CMPS = 1, STOS = 2, LODS = 3, SCAS = 4, INS = 5, OUTS = 6;

    static void exec(Cpu cpu, Insn in, int kind) {
        CpuState st = cpu.st;
        int[] g = st.gpr;
        int size = in.size;
        int step = (st.flagsRest & CpuState.DF) != 0 ? -size : size;
        boolean a16 = in.asize == 2;
        int rep = in.rep;
        if (kind == INS || kind == OUTS) Sys.checkIo(cpu, g[2] & 0xFFFF, size);
        if (rep == 0) {
            once(cpu, in, kind, size, step, a16);
            return;
        }
        boolean cmp = kind == CMPS || kind == SCAS;
        while (true) {
            int count = a16 ? g[1] & 0xFFFF : g[1];
            if (count == 0) return;
            once(cpu, in, kind, size, step, a16);
            if (a16) st.setReg16(1, count - 1);
            else g[1] = count - 1;
            if (cmp) {
                boolean zf = st.zf();
                if (rep == 0xF3 && !zf) return;    // REPE: stop when not equal
                if (rep == 0xF2 && zf) return;     // REPNE: stop when equal
            }
        }
    }

    private static void once(Cpu cpu, Insn in, int kind, int size, int step, boolean a16) {
        CpuState st = cpu.st;
        int[] g = st.gpr;
        int si = a16 ? g[6] & 0xFFFF : g[6];
        int di = a16 ? g[7] & 0xFFFF : g[7];
        switch (kind) {
            case MOVS -> {
                int v = cpu.read(in.seg, si, size);
                cpu.write(Seg.ES, di, size, v);
                advance(g, 6, step, a16);
                advance(g, 7, step, a16);
            }
            case CMPS -> {
                int a = cpu.read(in.seg, si, size);
                int b = cpu.read(Seg.ES, di, size);
                Arith.alu(st, Arith.CMP, size, a, b);
                advance(g, 6, step, a16);
                advance(g, 7, step, a16);
            }
            case STOS -> {
                cpu.write(Seg.ES, di, size, st.reg(0, size));
                advance(g, 7, step, a16);
            }
            case LODS -> {
                st.setReg(0, size, cpu.read(in.seg, si, size));
                advance(g, 6, step, a16);
            }
            case SCAS -> {
                int b = cpu.read(Seg.ES, di, size);
                Arith.alu(st, Arith.CMP, size, st.reg(0, size), b);
                advance(g, 7, step, a16);
            }
            case INS -> {
                int lin = cpu.linWrite(Seg.ES, di, size);
                cpu.mmu.probeWrite(lin, size);
                int v = cpu.io().in(g[2] & 0xFFFF, size);
                cpu.mmu.write(lin, size, v);
                advance(g, 7, step, a16);
            }
            default -> {   // OUTS
                int v = cpu.read(in.seg, si, size);
                cpu.io().out(g[2] & 0xFFFF, size, v);
                advance(g, 6, step, a16);
            }
        }
    }

    private static void advance(int[] g, int r, int step, boolean a16) {
        if (a16) g[r] = (g[r] & 0xFFFF0000) | ((g[r] + step) & 0xFFFF);
        else g[r] += step;
    }
}
