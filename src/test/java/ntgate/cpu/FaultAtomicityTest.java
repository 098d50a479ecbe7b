package ntgate.cpu;

import org.junit.jupiter.api.Test;

import static ntgate.cpu.CpuState.ARITH;
import static ntgate.cpu.CpuState.CF;
import static ntgate.cpu.CpuState.ZF;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A faulting instruction leaves the architectural state as it was before it (SDM Vol.3A 6.5: faults are reported
 * with the state restored, so the instruction can restart): registers, flags, EIP and ESP; for REP string
 * instructions, the state of the iteration that faulted. Addresses at 0x20000000 are not mapped.
 */
class FaultAtomicityTest {
    private static final int UNMAPPED = 0x20000000;
    private static final String DISP = "00000020";   // UNMAPPED as a little-endian disp32

    private static Run unchanged(Run r, int eax, int flags) {
        return r.expectFault(CpuFault.PF).expect("eax", eax).expectFlags(ARITH, flags).expectEip(Run.CODE).expect("esp", Run.STACK);
    }

    @Test
    void readModifyWriteOnUnmappedMemory() {
        // ADD [20000000H],EAX: #PF, CR2 = the address, EAX/EFLAGS/EIP unchanged, user-mode not-present error code.
        Run r = unchanged(Run.code("01 05" + DISP).reg("eax", 7).flags(CF).go(), 7, CF);
        assertEquals(Run.hex(UNMAPPED), Run.hex(r.r.cr2));
        assertEquals(0, r.r.fault.errorCode & 1, "P = 0: not present");
        assertEquals(4, r.r.fault.errorCode & 4, "U = 1: user mode");
        // XCHG, XADD, CMPXCHG, INC, NEG, SHL, BTS on it: nothing changes.
        for (String code : new String[] {"87 05", "0f c1 05", "0f b1 05", "ff 05", "f7 1d", "d1 25", "0f ab 05", "f0 01 05"}) {
            unchanged(Run.code(code + DISP).reg("eax", 7).flags(ZF).go(), 7, ZF);
        }
        // DIV [unmapped] and a MOV load.
        unchanged(Run.code("f7 35" + DISP).reg("eax", 9).go(), 9, 0);
        unchanged(Run.code("8b 05" + DISP).reg("eax", 9).go(), 9, 0);
    }

    @Test
    void stackFaultsLeaveEsp() {
        // PUSH onto an unmapped stack: ESP unchanged.
        for (String code : new String[] {"50", "6a 01", "ff 35 00 20 00 00", "60", "9c", "e8 00 00 00 00", "ff d0", "c8 10 00 00", "c8 10 00 01"}) {
            Run r = Run.code(code).reg("esp", UNMAPPED).reg("eax", Run.CODE).reg("ebp", 0x2000).go();
            r.expectFault(CpuFault.PF).expect("esp", UNMAPPED).expectEip(Run.CODE).expect("ebp", 0x2000);
        }
        // POP, POPA, POPF, RET, LEAVE from an unmapped stack: ESP and the destinations unchanged.
        for (String code : new String[] {"58", "61", "9d", "c3", "c2 04 00", "8f 00"}) {
            Run.code(code).reg("esp", UNMAPPED).reg("eax", 0x2000).go().expectFault(CpuFault.PF).expect("esp", UNMAPPED)
                    .expect("eax", 0x2000).expectEip(Run.CODE);
        }
        Run.code("c9").reg("ebp", UNMAPPED).reg("esp", Run.STACK).go().expectFault(CpuFault.PF)
                .expect("esp", Run.STACK).expect("ebp", UNMAPPED);
        // POP [unmapped]: the stack read succeeds, the write faults, ESP is restored (SDM POP).
        Run.code("8f 05" + DISP).reg("esp", Run.STACK - 4).go().expectFault(CpuFault.PF).expect("esp", Run.STACK - 4);
    }

    @Test
    void stringFaultsLeaveTheIterationState() {
        // REP MOVSB whose source runs into the unmapped page after 2 bytes: ECX/ESI/EDI of the third iteration.
        int src = 0x00FFFFFE;   // the last two mapped bytes of user memory
        Run.code("f3 a4").reg("ecx", 4).reg("esi", src).reg("edi", 0x3000).mem(src, "aabb").go().expectFault(CpuFault.PF)
                .expect("ecx", 2).expect("esi", src + 2).expect("edi", 0x3002).expectEip(Run.CODE)
                .expectMem8(0x3000, 0xAA).expectMem8(0x3001, 0xBB);
        // REP STOSD to an unmapped destination: nothing moves.
        Run.code("f3 ab").reg("ecx", 3).reg("edi", UNMAPPED).go().expectFault(CpuFault.PF).expect("ecx", 3).expect("edi", UNMAPPED);
    }

    @Test
    void cmpxchg8bAndBoundFaults() {
        Run.code("0f c7 0d" + DISP).reg("eax", 1).reg("edx", 2).go().expectFault(CpuFault.PF).expect("eax", 1).expect("edx", 2);
        // BOUND EAX,[EBX] with the index 11 outside [0, 10]: #BR, EAX unchanged.
        Run.code("62 03").reg("ebx", 0x2000).reg("eax", 11).mem(0x2000, "000000000a000000").go()
                .expectFault(CpuFault.BR).expect("eax", 11);
    }
}
