package ntgate.cpu.decode;

import ntgate.cpu.CpuFault;
import ntgate.cpu.Run;
import org.junit.jupiter.api.Test;

import static ntgate.cpu.CpuState.ARITH;
import static ntgate.cpu.CpuState.CF;

/**
 * Prefixes worked from the SDM (Vol.2A 2.1, 2.3.11; Vol.2A LOCK): operand and address size overrides, LOCK on
 * forms that do not accept it, and the 15-byte instruction length limit. Faulting cases leave the state as it was.
 */
class PrefixSdmTest {
    @Test
    void operandSizeOverride() {
        // 66 01 D8 = ADD AX,BX: only AX changes.
        Run.code("66 01 d8").reg("eax", 0x1234FFFF).reg("ebx", 0xFFFF0001).go().expect("eax", 0x12340000).expectFlags(CF, CF);
        // 66 B8 iw = MOV AX, imm16: two immediate bytes, the next instruction (INC EAX) follows.
        Run.code("66 b8 34 12 40").reg("eax", 0xAAAA0000).go().expect("eax", 0xAAAA1235);
    }

    @Test
    void addressSizeOverrideUsesSixteenBitForms() {
        // 67 8B 07 = MOV EAX,[BX] (SDM Table 2-1, r/m = 111): EBX's upper half is ignored.
        Run.code("67 8b 07").reg("ebx", 0x12342000).mem(0x2000, "78563412").go().expect("eax", 0x12345678);
        // 67 8B 00 = MOV EAX,[BX+SI].
        Run.code("67 8b 00").reg("ebx", 0x1000).reg("esi", 0x1004).mem(0x2004, "efbeadde").go().expect("eax", 0xDEADBEEF);
        // 67 8B 46 02 = MOV EAX,[BP+2] (SS, flat here).
        Run.code("67 8b 46 02").reg("ebp", 0x2000).mem(0x2002, "04030201").go().expect("eax", 0x01020304);
        // 67 8B 47 FF = MOV EAX,[BX-1] with BX = 0: the offset wraps to FFFFH.
        Run.code("67 8b 47 ff").reg("ebx", 0).mem(0xFFFF, "44332211").go().expect("eax", 0x11223344);
        // 67 8B 06 34 12 = MOV EAX,[1234H] (mod 00, r/m 110: disp16).
        Run.code("67 8b 06 34 12").mem(0x1234, "0df0adba").go().expect("eax", 0xBAADF00D);
    }

    @Test
    void lockOnARegisterDestinationIsUd() {
        // F0 01 D8 = LOCK ADD EAX,EBX: #UD (SDM LOCK: only memory destinations), nothing changes.
        Run.code("f0 01 d8").reg("eax", 1).reg("ebx", 2).flags(ARITH).go().expectFault(CpuFault.UD)
                .expect("eax", 1).expectFlags(ARITH, ARITH).expectEip(Run.CODE);
    }

    @Test
    void lockOnNonLockableIsUd() {
        // MOV, CMP, NOP and a LOCK on the second byte of an instruction are all outside the SDM's LOCK list.
        for (String code : new String[] {"f0 8b 03", "f0 39 03", "f0 90", "f0 0f a3 03", "f0 ff 23", "f0 f7 33"}) {
            Run.code(code).reg("ebx", 0x2000).go().expectFault(CpuFault.UD).expectEip(Run.CODE);
        }
        // The lockable memory forms run: LOCK ADD [EBX],EAX, LOCK XCHG, LOCK BTS, LOCK NOT.
        Run.code("f0 01 03").reg("ebx", 0x2000).reg("eax", 5).mem(0x2000, "01000000").go().expectNoFault().expectMem32(0x2000, 6);
        Run.code("f0 87 03").reg("ebx", 0x2000).reg("eax", 5).mem(0x2000, "01000000").go().expectNoFault().expect("eax", 1);
        Run.code("f0 0f ab 03").reg("ebx", 0x2000).reg("eax", 4).go().expectNoFault().expectMem32(0x2000, 0x10);
        Run.code("f0 f7 13").reg("ebx", 0x2000).go().expectNoFault().expectMem32(0x2000, -1);
    }

    @Test
    void fifteenBytesRunSixteenFault() {
        // 14 prefixes + NOP = 15 bytes: legal (SDM Vol.2A 2.3.11).
        Run.code("3e".repeat(14) + "40").reg("eax", 1).go().expectNoFault().expect("eax", 2);
        // 14 prefixes + ADD EAX,EBX (2 bytes) = 16 bytes: #GP(0), EAX and EIP unchanged.
        Run.code("3e".repeat(14) + "01d8").reg("eax", 1).reg("ebx", 1).go().expectFault(CpuFault.GP, 0)
                .expect("eax", 1).expectEip(Run.CODE);
        // An immediate that pushes the length past 15: 11 prefixes + ADD EAX, imm32 (5 bytes).
        Run.code("3e".repeat(11) + "05 01 00 00 00").go().expectFault(CpuFault.GP, 0);
        // 15 prefixes alone.
        Run.code("f3".repeat(15) + "90").go().expectFault(CpuFault.GP, 0);
    }

    @Test
    void segmentOverrideOnStringSource() {
        // 64 A4 = MOVSB with FS:ESI as the source; FS is flat here, so the copy is the plain one.
        Run.code("64 a4").reg("esi", 0x2000).reg("edi", 0x3000).mem(0x2000, "7e").go().expectMem8(0x3000, 0x7E);
    }
}
