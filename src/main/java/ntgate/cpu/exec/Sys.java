package ntgate.cpu.exec;

import ntgate.cpu.Cpu;
import ntgate.cpu.CpuFault;
import ntgate.cpu.CpuState;
import ntgate.cpu.Seg;
import ntgate.cpu.decode.Insn;

import static ntgate.cpu.CpuState.*;

/**
 * System and flag-control instructions: CLC/STC/CMC/CLD/STD/CLI/STI, HLT, CPUID, RDTSC, RDMSR/WRMSR,
 * MOV to and from control and debug registers, IN/OUT with the IOPL and I/O-bitmap checks, SYSENTER/SYSEXIT,
 * the descriptor-table register instructions, CLTS, INVLPG, WBINVD/INVD, WAIT and the x87 escapes. Each
 * privileged instruction walks its SDM Operation checks in order, one guard and one fault per check.
 */
public final class Sys {
    private Sys() {}

    /** Privileged instruction guard: #GP(0) unless CPL 0 (in V86 mode CPL is 3). */
    static void requireCpl0(Cpu cpu) {
        if (cpu.st.cpl != 0) throw CpuFault.gp(0);
    }

    /** Called after EFLAGS changed by POPF/IRET/SAHF-like writes: TF/IF/VM/IOPL side effects. */
    static void flagsChanged(Cpu cpu, int oldFlags) {
        int now = cpu.st.flagsRest;
        if (((oldFlags ^ now) & VM) != 0) cpu.refreshAll();
    }

    static void cli(Cpu cpu) {
        CpuState st = cpu.st;
        if (st.protectedMode() && st.cpl > st.iopl()) throw CpuFault.gp(0);   // V86: CPL 3 > IOPL unless IOPL 3
        st.flagsRest &= ~IF;
    }

    static void sti(Cpu cpu) {
        CpuState st = cpu.st;
        if (st.protectedMode() && st.cpl > st.iopl()) throw CpuFault.gp(0);
        st.flagsRest |= IF;
    }

    static void hlt(Cpu cpu) {
        requireCpl0(cpu);
        cpu.st.halted = true;
        cpu.pendingStop = Cpu.Stop.HALT;
    }

    /**
     * CPUID: a Pentium Pro-class processor ("GenuineIntel", family 6 model 1 stepping 9); EDX reports FPU, TSC,
     * MSR, PAE, CX8, SEP, CMOV, MMX, PSE, PGE, DE, VME (and nothing ntgate does not implement: no FXSR, SSE, SSE2); NX is not
     * offered (no extended leaves beyond 0x80000000).
     */
    static void cpuid(Cpu cpu) {
        int[] g = cpu.gpr;
        int leaf = g[0];
        switch (leaf) {
            case 0 -> {
                g[0] = 1;
                g[3] = 0x756E6547;   // "Genu"
                g[2] = 0x49656E69;   // "ineI"
                g[1] = 0x6C65746E;   // "ntel"
            }
            case 1 -> {
                g[0] = 0x00000619;   // family 6, model 1, stepping 9 (model/stepping word >= 0x0303: SEP is real)
                g[3] = 0;
                g[1] = 0;
                g[2] = 1 | (1 << 1) | (1 << 2) | (1 << 3) | (1 << 4) | (1 << 5) | (1 << 6) | (1 << 8)
                        | (1 << 11) | (1 << 13) | (1 << 15) | (1 << 23);
                // FPU VME DE PSE TSC MSR PAE CX8 SEP PGE CMOV MMX
            }
            case 0x80000000 -> {
                g[0] = 0x80000000;
                g[3] = g[2] = g[1] = 0;
            }
            default -> g[0] = g[3] = g[2] = g[1] = 0;
        }
    }

    /** RDTSC: the instruction count plus the TSC offset; #GP(0) when CR4.TSD is set and CPL &gt; 0. */
    static void rdtsc(Cpu cpu) {
        if ((cpu.st.cr4 & CR4_TSD) != 0 && cpu.st.cpl != 0) throw CpuFault.gp(0);
        long t = cpu.icount + cpu.st.tscOffset;
        cpu.gpr[0] = (int) t;
        cpu.gpr[2] = (int) (t >>> 32);
    }

    static void rdpmc(Cpu cpu) {
        if (cpu.st.cpl != 0 && (cpu.st.cr4 & 0x100) == 0) throw CpuFault.gp(0);
        if (Integer.compareUnsigned(cpu.gpr[1], 1) > 0) throw CpuFault.gp(0);
        cpu.gpr[0] = 0;
        cpu.gpr[2] = 0;
    }

    static void rdmsr(Cpu cpu) {
        requireCpl0(cpu);
        long v = readMsr(cpu, cpu.gpr[1]);
        if (v == NO_MSR) throw CpuFault.gp(0);
        cpu.gpr[0] = (int) v;
        cpu.gpr[2] = (int) (v >>> 32);
    }

    static void wrmsr(Cpu cpu) {
        requireCpl0(cpu);
        long v = (cpu.gpr[0] & 0xFFFFFFFFL) | ((long) cpu.gpr[2] << 32);
        if (!writeMsr(cpu, cpu.gpr[1], v)) throw CpuFault.gp(0);
    }

    /** What {@link #readMsr} answers for an MSR this CPU does not have. */
    public static final long NO_MSR = Long.MIN_VALUE;

    /** The MSR's value as RDMSR reads it, or {@link #NO_MSR} (RDMSR would raise #GP(0)); for RDMSR and debuggers. */
    public static long readMsr(Cpu cpu, int msr) {
        CpuState st = cpu.st;
        return switch (msr) {
            case MSR_SYSENTER_CS -> st.sysenterCs & 0xFFFFFFFFL;
            case MSR_SYSENTER_ESP -> st.sysenterEsp & 0xFFFFFFFFL;
            case MSR_SYSENTER_EIP -> st.sysenterEip & 0xFFFFFFFFL;
            case MSR_TSC -> cpu.icount + st.tscOffset;
            case MSR_EFER -> st.efer;
            default -> NO_MSR;
        };
    }

    /** Writes an MSR as WRMSR does; false where WRMSR would raise #GP(0) (no such MSR, reserved EFER bits). */
    public static boolean writeMsr(Cpu cpu, int msr, long v) {
        CpuState st = cpu.st;
        switch (msr) {
            case MSR_SYSENTER_CS -> st.sysenterCs = (int) v;
            case MSR_SYSENTER_ESP -> st.sysenterEsp = (int) v;
            case MSR_SYSENTER_EIP -> st.sysenterEip = (int) v;
            case MSR_TSC -> st.tscOffset = v - cpu.icount;
            case MSR_EFER -> {
                if ((v & ~EFER_NXE) != 0) return false;
                st.efer = v;
                cpu.mmu.flushAll();
                cpu.resetFetch();
            }
            default -> {
                return false;
            }
        }
        return true;
    }

    /** MOV r32, CRn. */
    static void movFromCr(Cpu cpu, Insn in) {
        requireCpl0(cpu);
        CpuState st = cpu.st;
        cpu.gpr[in.rm] = switch (in.reg) {
            case 0 -> st.cr0;
            case 2 -> st.cr2;
            case 3 -> st.cr3;
            default -> st.cr4;
        };
    }

    /** MOV CRn, r32 with the SDM's reserved-bit and consistency checks (Vol.2B MOV--Move to/from Control Registers). */
    static void movToCr(Cpu cpu, Insn in) {
        requireCpl0(cpu);
        CpuState st = cpu.st;
        int v = cpu.gpr[in.rm];
        switch (in.reg) {
            case 0 -> {
                if ((v & CR0_PG) != 0 && (v & CR0_PE) == 0) throw CpuFault.gp(0);
                if ((v & CR0_NW) != 0 && (v & CR0_CD) == 0) throw CpuFault.gp(0);
                boolean pagingOn = (v & CR0_PG) != 0 && (st.cr0 & CR0_PG) == 0;
                if (pagingOn && (st.cr4 & CR4_PAE) != 0 && !cpu.mmu.loadPdptes()) throw CpuFault.gp(0);
                int old = st.cr0;
                st.cr0 = v | CR0_ET;
                if (((old ^ st.cr0) & (CR0_PG | CR0_WP | CR0_PE)) != 0) {
                    cpu.mmu.flushAll();
                    cpu.refreshAll();
                }
            }
            case 2 -> st.cr2 = v;
            case 3 -> {
                st.cr3 = v;
                if ((st.cr0 & CR0_PG) != 0 && (st.cr4 & CR4_PAE) != 0 && !cpu.mmu.loadPdptes()) throw CpuFault.gp(0);
                cpu.mmu.cr3Loaded();
                cpu.resetFetch();
            }
            default -> {
                if ((v & ~0x000006FF) != 0) throw CpuFault.gp(0);   // bits this CPU does not have are reserved
                if ((v & CR4_PAE) == 0 && (st.cr4 & CR4_PAE) != 0 && (st.cr0 & CR0_PG) != 0) {
                    // Leaving PAE while paging is on is allowed on IA-32; nothing to check.
                }
                if ((v & CR4_PAE) != 0 && (st.cr4 & CR4_PAE) == 0 && (st.cr0 & CR0_PG) != 0) {
                    int oldCr4 = st.cr4;
                    st.cr4 = v;
                    if (!cpu.mmu.loadPdptes()) {
                        st.cr4 = oldCr4;
                        throw CpuFault.gp(0);
                    }
                }
                st.cr4 = v;
                cpu.mmu.flushAll();
                cpu.resetFetch();
            }
        }
    }

    /** MOV r32, DRn (DR4/DR5 alias DR6/DR7 unless CR4.DE, which makes them #UD). */
    static void movFromDr(Cpu cpu, Insn in) {
        requireCpl0(cpu);
        int r = drIndex(cpu, in.reg);
        int v = cpu.st.dr[r];
        if (r == 6) v = (v & 0x0000E00F) | 0xFFFF0FF0;
        if (r == 7) v = (v & 0xFFFF2BFF) | 0x400;
        cpu.gpr[in.rm] = v;
    }

    static void movToDr(Cpu cpu, Insn in) {
        requireCpl0(cpu);
        int r = drIndex(cpu, in.reg);
        cpu.st.dr[r] = cpu.gpr[in.rm];
        cpu.debugRegistersChanged();
    }

    private static int drIndex(Cpu cpu, int r) {
        if (r == 4 || r == 5) {
            if ((cpu.st.cr4 & CR4_DE) != 0) throw CpuFault.ud();
            return r + 2;
        }
        return r;
    }

    /**
     * The I/O permission check (SDM Vol.1 19.5): in protected mode with CPL &gt; IOPL, or in V86 mode, every
     * byte's bit in the TSS I/O bitmap must be 0, else #GP(0).
     */
    static void checkIo(Cpu cpu, int port, int size) {
        CpuState st = cpu.st;
        if (!st.protectedMode()) return;
        if (!st.v86() && st.cpl <= st.iopl()) return;
        // A 32-bit TSS is needed for the bitmap.
        if ((st.trAttr & 0x800) == 0 || st.trLimit < 0x67) throw CpuFault.gp(0);
        int mapBase = cpu.mmu.readSys(st.trBase + 0x66, 2);
        int byteOff = mapBase + (port >>> 3);
        if (Integer.compareUnsigned(byteOff + 1, st.trLimit) > 0) throw CpuFault.gp(0);
        int bits = cpu.mmu.readSys(st.trBase + byteOff, 2);
        int mask = ((1 << size) - 1) << (port & 7);
        if ((bits & mask) != 0) throw CpuFault.gp(0);
    }

    static void in(Cpu cpu, Insn in, int port) {
        int size = in.size;
        checkIo(cpu, port, size);
        cpu.st.setReg(0, size, cpu.io().in(port, size));
    }

    static void out(Cpu cpu, int port, int size) {
        checkIo(cpu, port, size);
        cpu.io().out(port, size, cpu.st.reg(0, size));
    }

    /**
     * SYSENTER (SDM Vol.2B SYSENTER): #GP(0) in real mode or when IA32_SYSENTER_CS[15:2] is 0; clears VM, IF and
     * RF (not TF); flat ring-0 CS = SYSENTER_CS &amp; 0xFFFC, SS = CS + 8; ESP and EIP from the MSRs.
     */
    /** {@code hostcall n}: ntgate's host-call encoding (OpcodeTable); #UD outside ring 0 or without a handler. */
    static void hostCall(Cpu cpu, Insn in) {
        Cpu.HostCalls h = cpu.hostCalls;
        if (h == null || cpu.st.cpl != 0 || (cpu.st.flagsRest & VM) != 0) throw CpuFault.ud();
        h.call(cpu, in.imm & 0xFFFF);
    }

    static void sysenter(Cpu cpu) {
        CpuState st = cpu.st;
        if (!st.protectedMode()) throw CpuFault.gp(0);
        if ((st.sysenterCs & 0xFFFC) == 0) throw CpuFault.gp(0);
        int old = st.flagsRest;
        st.flagsRest &= ~(VM | IF | RF);
        int cs = st.sysenterCs & 0xFFFC;
        cpu.loadSegment(Seg.CS, cs, 0, 0xFFFFFFFF, 0xCF9B00);   // type 1011b, S, DPL 0, P, D, G
        cpu.loadSegment(Seg.SS, cs + 8, 0, 0xFFFFFFFF, 0xCF9300); // type 0011b, S, DPL 0, P, B, G
        cpu.setCpl(0);
        if ((old & VM) != 0) cpu.refreshAll();
        st.gpr[4] = st.sysenterEsp;
        st.eip = st.sysenterEip;
    }

    /**
     * SYSEXIT (SDM Vol.2B SYSEXIT): #GP(0) when IA32_SYSENTER_CS[15:2] is 0, in real mode, or at CPL &gt; 0;
     * CS = (SYSENTER_CS + 16) | 3, SS = (SYSENTER_CS + 24) | 3, flat ring 3; ESP = ECX, EIP = EDX; EFLAGS
     * unchanged.
     */
    static void sysexit(Cpu cpu) {
        CpuState st = cpu.st;
        if ((st.sysenterCs & 0xFFFC) == 0) throw CpuFault.gp(0);
        if (!st.protectedMode() || st.cpl != 0) throw CpuFault.gp(0);
        int cs = st.sysenterCs & 0xFFFC;
        cpu.loadSegment(Seg.CS, (cs + 16) | 3, 0, 0xFFFFFFFF, 0xCFFB00);
        cpu.loadSegment(Seg.SS, (cs + 24) | 3, 0, 0xFFFFFFFF, 0xCFF300);
        cpu.setCpl(3);
        st.gpr[4] = st.gpr[1];
        st.eip = st.gpr[2];
    }

    // ---- descriptor-table registers ----

    static void sgdtSidt(Cpu cpu, Insn in, boolean idt) {
        CpuState st = cpu.st;
        int off = cpu.ea(in);
        int limit = idt ? st.idtrLimit : st.gdtrLimit;
        int base = idt ? st.idtrBase : st.gdtrBase;
        cpu.linWrite(in.seg, off, 6);
        cpu.write16(in.seg, off, limit);
        cpu.write32(in.seg, off + 2, in.opsize == 2 ? base & 0x00FFFFFF : base);
    }

    static void lgdtLidt(Cpu cpu, Insn in, boolean idt) {
        requireCpl0(cpu);
        CpuState st = cpu.st;
        int off = cpu.ea(in);
        int limit = cpu.read16(in.seg, off);
        int base = cpu.read32(in.seg, off + 2);
        if (in.opsize == 2) base &= 0x00FFFFFF;
        if (idt) {
            st.idtrLimit = limit;
            st.idtrBase = base;
        } else {
            st.gdtrLimit = limit;
            st.gdtrBase = base;
        }
    }

    static void smsw(Cpu cpu, Insn in) {
        if (in.rm >= 0) cpu.st.setReg(in.rm, in.opsize, cpu.st.cr0);
        else cpu.write16(in.seg, cpu.ea(in), cpu.st.cr0);
    }

    /** LMSW: loads PE, MP, EM, TS; cannot clear PE. */
    static void lmsw(Cpu cpu, Insn in) {
        requireCpl0(cpu);
        int v = cpu.readE(in, 2);
        CpuState st = cpu.st;
        int nv = (st.cr0 & ~0xE) | (v & 0xE) | (st.cr0 & 1) | (v & 1);
        boolean pe = (nv & 1) != (st.cr0 & 1);
        st.cr0 = nv;
        if (pe) cpu.refreshAll();
    }

    static void clts(Cpu cpu) {
        requireCpl0(cpu);
        cpu.st.cr0 &= ~CR0_TS;
    }

    static void invlpg(Cpu cpu, Insn in) {
        requireCpl0(cpu);
        cpu.mmu.invlpg(cpu.st.segBase[in.seg] + cpu.ea(in));
        cpu.resetFetch();
    }

    static void wbinvd(Cpu cpu) {
        requireCpl0(cpu);
    }

    /** SALC (D6): AL = CF ? 0xFF : 0, as Intel processors execute it outside 64-bit mode. */
    static void salc(Cpu cpu) {
        cpu.st.setReg8(0, cpu.st.cf() ? 0xFF : 0);
    }
}
