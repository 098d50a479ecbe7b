package ntgate.cpu.exec;

import ntgate.cpu.CpuFault;
import ntgate.cpu.Run;
import org.junit.jupiter.api.Test;

import static ntgate.cpu.CpuState.ARITH;
import static ntgate.cpu.CpuState.CF;
import static ntgate.cpu.CpuState.ZF;

/**
 * BT/BTS/BTR/BTC on memory with register offsets (bit-string addressing, SDM Vol.2A BT: the offset is signed and
 * can reach far beyond the operand) and CMPXCHG8B (SDM Vol.2A CMPXCHG8B).
 */
class BitMemSdmTest {
    private static final int B = 0x3000;

    @Test
    void negativeBitOffsetAddressesBelowTheOperand() {
        // BT [EBX],EAX with EAX = -1: bit 7 of the byte at EBX - 1 (bit 31 of the dword at EBX - 4).
        Run.code("0f a3 03").reg("ebx", B).reg("eax", -1).mem(B - 1, "80").go().expectFlags(CF, CF);
        Run.code("0f a3 03").reg("ebx", B).reg("eax", -1).mem(B - 1, "7f").go().expectFlags(CF, 0);
        // BTC [EBX],AX with AX = FFF0H (-16): bit 0 of the word at EBX - 2.
        Run.code("66 0f bb 03").reg("ebx", B).reg("eax", 0xFFF0).mem(B - 2, "0100").go().expectFlags(CF, CF).expectMem8(B - 2, 0);
    }

    @Test
    void largeBitOffsetAddressesAboveTheOperand() {
        // BTS [EBX],EAX with EAX = 256: bit 0 of the byte at EBX + 32.
        Run.code("0f ab 03").reg("ebx", B).reg("eax", 256).go().expectFlags(CF, 0).expectMem8(B + 32, 1);
        // BTR with EAX = 7FFFFFFFH: the dword at EBX + 0FFFFFFCH is beyond the mapped 16 MiB: #PF there, CF unchanged.
        Run r = Run.code("0f b3 03").reg("ebx", B).reg("eax", 0x7FFFFFFF).flags(CF).go().expectFault(CpuFault.PF).expectFlags(CF, CF);
        org.junit.jupiter.api.Assertions.assertEquals(Run.hex(B + 0x0FFFFFFC), Run.hex(r.r.cr2), "CR2");
        // BT [EBX],EAX with EAX = -0x80000000: the dword at EBX - 10000000H, also unmapped (wraps below 0).
        Run.code("0f a3 03").reg("ebx", B).reg("eax", 0x80000000).go().expectFault(CpuFault.PF);
    }

    @Test
    void immediateOffsetIsTakenModuloTheOperandSize() {
        // BT DWORD [EBX],37 tests bit 5 of [EBX] (no address adjustment for an immediate).
        Run.code("0f ba 23 25").reg("ebx", B).mem(B, "20000000").go().expectFlags(CF, CF);
        // BTS WORD [EBX],17 sets bit 1 of [EBX].
        Run.code("66 0f ba 2b 11").reg("ebx", B).go().expectFlags(CF, 0).expectMem8(B, 2);
    }

    @Test
    void bitTestLeavesZf() {
        // ZF is unaffected by BT (SDM BT, Flags Affected); CF = the bit.
        Run.code("0f a3 c3").reg("ebx", 1).reg("eax", 0).flags(ZF).go().expectFlags(ZF | CF, ZF | CF);
    }

    @Test
    void cmpxchg8b() {
        // Equal: ECX:EBX is stored, ZF = 1; the other flags are unaffected.
        Run.code("0f c7 0e").reg("esi", B).reg("edx", 0x11111111).reg("eax", 0x22222222).reg("ecx", 0x33333333).reg("ebx", 0x44444444)
                .mem(B, "2222222211111111").flags(CF).go().expectMem32(B, 0x44444444).expectMem32(B + 4, 0x33333333)
                .expectFlags(ARITH, ZF | CF).expect("eax", 0x22222222);
        // Not equal: EDX:EAX is loaded from memory, ZF = 0.
        Run.code("0f c7 0e").reg("esi", B).reg("edx", 0).reg("eax", 0).flags(ZF).mem(B, "0102030405060708").go()
                .expect("eax", 0x04030201).expect("edx", 0x08070605).expectFlags(ZF, 0);
        // A register operand is #UD; LOCK CMPXCHG8B is allowed.
        Run.code("0f c7 c8").go().expectFault(CpuFault.UD);
        Run.code("f0 0f c7 0e").reg("esi", B).go().expectNoFault().expectFlags(ZF, ZF);
    }
}
