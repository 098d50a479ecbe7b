package ntgate.trace;

import ntgate.cpu.Cpu;
import ntgate.cpu.CpuFault;
import ntgate.cpu.CpuHooks;
import ntgate.cpu.decode.Insn;

import java.util.ArrayList;
import java.util.List;

/** Several execution-hook subscribers as one; null when there are none (so the CPU keeps its fast loop). */
public final class Hooks {
    private Hooks() {}

    public static CpuHooks combine(CpuHooks... hooks) {
        List<CpuHooks> l = new ArrayList<>();
        for (CpuHooks h : hooks) if (h != null) l.add(h);
        if (l.isEmpty()) return null;
        if (l.size() == 1) return l.get(0);
        CpuHooks[] a = l.toArray(new CpuHooks[0]);
        return new CpuHooks() {
            @Override
            public boolean beforeInsn(Cpu cpu, Insn insn) {
                boolean go = true;
                for (CpuHooks h : a) go &= h.beforeInsn(cpu, insn);
                return go;
            }

            @Override
            public void afterInsn(Cpu cpu, Insn insn, int eip) {
                for (CpuHooks h : a) h.afterInsn(cpu, insn, eip);
            }

            @Override
            public void onFault(Cpu cpu, CpuFault fault, int eip) {
                for (CpuHooks h : a) h.onFault(cpu, fault, eip);
            }

            @Override
            public boolean holdFault(Cpu cpu, CpuFault fault, int eip) {
                boolean hold = false;
                for (CpuHooks h : a) hold |= h.holdFault(cpu, fault, eip);
                return hold;
            }
        };
    }

}
