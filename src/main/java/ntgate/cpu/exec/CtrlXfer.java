package ntgate.cpu.exec;

import ntgate.cpu.Cpu;
import ntgate.cpu.CpuFault;
import ntgate.cpu.CpuState;
import ntgate.cpu.decode.Insn;

/**
 * Near control transfers: Jcc, JMP, CALL, RET, LOOP/LOOPE/LOOPNE/JECXZ. A target outside the CS limit is
 * #GP(0) with nothing changed (SDM Vol.2A JMP, CALL).
 */
public final class CtrlXfer {
    private CtrlXfer() {}

    /** Sets EIP to {@code target} (masked to 16 bits for a 16-bit operand size) after the CS limit check. */
    static void jumpNear(Cpu cpu, Insn in, int target) {
        if (in.opsize == 2) target &= 0xFFFF;
        cpu.checkCsLimit(target);
        cpu.st.eip = target;
    }

    static void jcc(Cpu cpu, Insn in) {
        if (cpu.st.cond(in.sub)) jumpNear(cpu, in, cpu.st.eip + in.imm);
    }

    static void jmpRel(Cpu cpu, Insn in) {
        jumpNear(cpu, in, cpu.st.eip + in.imm);
    }

    static void callRel(Cpu cpu, Insn in) {
        int ret = cpu.st.eip;
        int target = ret + in.imm;
        if (in.opsize == 2) target &= 0xFFFF;
        cpu.checkCsLimit(target);
        cpu.push(in.opsize, ret);
        cpu.st.eip = target;
    }

    static void jmpE(Cpu cpu, Insn in) {
        jumpNear(cpu, in, cpu.readE(in, in.opsize));
    }

    static void callE(Cpu cpu, Insn in) {
        int target = cpu.readE(in, in.opsize);
        if (in.opsize == 2) target &= 0xFFFF;
        cpu.checkCsLimit(target);
        cpu.push(in.opsize, cpu.st.eip);
        cpu.st.eip = target;
    }

    /** RET / RET imm16: pops EIP (checked against the CS limit before ESP changes), then releases imm16 bytes. */
    static void ret(Cpu cpu, Insn in, int release) {
        int size = in.opsize;
        int target = cpu.peekStack(size, 0);
        if (size == 2) target &= 0xFFFF;
        cpu.checkCsLimit(target);
        cpu.adjustSp(size + release);
        cpu.st.eip = target;
    }

    /** LOOP family: the count register is CX or ECX by address size. */
    static void loop(Cpu cpu, Insn in, int kind) {
        CpuState st = cpu.st;
        int count;
        if (in.asize == 2) {
            count = (st.gpr[1] - 1) & 0xFFFF;
        } else {
            count = st.gpr[1] - 1;
        }
        boolean take = count != 0;
        if (kind == 1) take &= st.zf();          // LOOPE
        else if (kind == 2) take &= !st.zf();    // LOOPNE
        int target = st.eip + in.imm;
        if (take) {
            if (in.opsize == 2) target &= 0xFFFF;
            cpu.checkCsLimit(target);
        }
        if (in.asize == 2) st.setReg16(1, count);
        else st.gpr[1] = count;
        if (take) st.eip = target;
    }

    static void jecxz(Cpu cpu, Insn in) {
        int c = in.asize == 2 ? cpu.gpr[1] & 0xFFFF : cpu.gpr[1];
        if (c == 0) jumpNear(cpu, in, cpu.st.eip + in.imm);
    }

    /**
     * INT n (CD), INT3 and INTO: software interrupts, delivered with the gate-DPL check. Only INT n is
     * IOPL-sensitive in virtual-8086 mode (SDM Vol.2A INT n/INTO/INT3/INT1, without VME).
     */
    static void softInt(Cpu cpu, int vector, boolean intN) {
        if (intN && cpu.st.v86() && cpu.st.iopl() < 3) throw CpuFault.gp(0);
        throw CpuFault.softwareInterrupt(vector);
    }

    static void into(Cpu cpu) {
        if (cpu.st.of()) softInt(cpu, CpuFault.OF, false);
    }

    /** INT1 (ICEBP): a #DB trap without the gate-DPL check. */
    static void int1(Cpu cpu) {
        throw CpuFault.trap(CpuFault.DB);
    }
}
