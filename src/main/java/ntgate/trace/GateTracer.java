package ntgate.trace;

import ntgate.asm.AsmRecord;
import ntgate.asm.AsmResult;
import ntgate.asm.Disassembler;
import ntgate.cpu.Cpu;
import ntgate.cpu.CpuFault;
import ntgate.cpu.CpuHooks;
import ntgate.cpu.decode.Insn;
import ntgate.cpu.decode.Op;
import ntgate.cpu.mem.Mmu;
import ntgate.nt.NtSystem;

import java.io.PrintStream;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * {@code --trace gate}: every instruction from a ring-3 SYSENTER or INT 2Eh to the SYSEXIT or IRETD that returns
 * to ring 3, one line each: address, symbol+offset, disassembly, the source line's annotation, and what the
 * instruction wrote (changed registers, then memory as {@code [address]=value}).
 */
public final class GateTracer implements CpuHooks, Mmu.WriteLog {
    private static final String[] REGS = {"eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"};
    private final NtSystem sys;
    private final PrintStream out;
    private final Disassembler dis;
    private boolean active;
    private final int[] before = new int[8];
    private final int[] writes = new int[64];
    private int nWrites;
    private String pendingLine;

    public GateTracer(NtSystem sys, PrintStream out) {
        this.sys = sys;
        this.out = out;
        this.dis = new Disassembler(true, a -> sys.symbolAt(a));
        sys.cpu.mmu.setWriteLog(this);
    }

    @Override
    public void written(int linear, int size) {
        if (active && nWrites + 2 <= writes.length) {
            writes[nWrites++] = linear;
            writes[nWrites++] = size;
        }
    }

    @Override
    public boolean beforeInsn(Cpu cpu, Insn in) {
        if (!active && cpu.st.cpl == 3 && (in.op == Op.SYSENTER || in.op == Op.INT_Ib && (in.imm & 0xFF) == 0x2E)) {
            active = true;
            out.println("---- gate: " + (in.op == Op.SYSENTER ? "sysenter" : "int 2Eh") + String.format(Locale.ROOT, " eax=%08x edx=%08x", cpu.gpr[0], cpu.gpr[2]));
        }
        if (!active) return true;
        int eip = cpu.st.eip;
        Disassembler.Line l = dis.disassemble(a -> {
            try {
                return cpu.mmu.read8(a);
            } catch (RuntimeException e) {
                return -1;
            }
        }, eip);
        String sym = sys.symbolAt(eip).orElse("");
        // Nothing for bytes the user has overwritten: the annotation described the assembled instruction.
        String ann = sys.annotations().at(eip, cpu.mmu::peek8);
        pendingLine = String.format(Locale.ROOT, "%08x %-34s %-44s%s", eip, sym, l.text(), ann == null ? "" : " ; " + ann);
        System.arraycopy(cpu.gpr, 0, before, 0, 8);
        nWrites = 0;
        return true;
    }

    @Override
    public void afterInsn(Cpu cpu, Insn in, int eip) {
        if (!active || pendingLine == null) return;
        StringBuilder sb = new StringBuilder(pendingLine);
        pendingLine = null;
        boolean first = true;
        for (int r = 0; r < 8; r++) {
            if (cpu.gpr[r] != before[r]) {
                sb.append(first ? "  => " : " ").append(REGS[r]).append('=').append(String.format(Locale.ROOT, "%08x", cpu.gpr[r]));
                first = false;
            }
        }
        for (int i = 0; i < nWrites; i += 2) {
            int a = writes[i], size = writes[i + 1];
            String v;
            try {
                int x = size == 1 ? cpu.mmu.read8(a) : size == 2 ? cpu.mmu.read16(a) : cpu.mmu.read32(a);
                v = String.format(Locale.ROOT, size == 1 ? "%02x" : size == 2 ? "%04x" : "%08x", x);
            } catch (RuntimeException e) {
                v = "?";
            }
            sb.append(first ? "  => " : " ").append(String.format(Locale.ROOT, "[%08x]=", a)).append(v);
            first = false;
        }
        out.println(sb);
        if ((in.op == Op.SYSEXIT || in.op == Op.IRET) && cpu.st.cpl == 3) {
            active = false;
            out.println(String.format(Locale.ROOT, "---- back in user mode at %s, eax=%08x", sys.symbolize(cpu.st.eip), cpu.gpr[0]));
        }
    }

    @Override
    public void onFault(Cpu cpu, CpuFault fault, int eip) {
        if (active && pendingLine != null) {
            out.println(pendingLine + "  !! " + fault.getMessage());
            pendingLine = null;
        }
    }
}
