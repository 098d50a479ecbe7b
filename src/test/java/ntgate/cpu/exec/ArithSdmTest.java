package ntgate.cpu.exec;

import ntgate.cpu.CpuFault;
import ntgate.cpu.Run;
import org.junit.jupiter.api.Test;

import static ntgate.cpu.CpuState.AF;
import static ntgate.cpu.CpuState.ARITH;
import static ntgate.cpu.CpuState.CF;
import static ntgate.cpu.CpuState.OF;
import static ntgate.cpu.CpuState.PF;
import static ntgate.cpu.CpuState.SF;
import static ntgate.cpu.CpuState.ZF;

/**
 * Integer arithmetic worked by hand from the SDM (Vol.2A/2B, each instruction's Operation and Flags Affected):
 * carries and borrows out of bit 31, signed overflow, shift and rotate counts, division faults, bit scans of
 * zero and the decimal adjusts' examples.
 */
class ArithSdmTest {
    private static final int OSZAPC = ARITH;
    private static final int SZPC = SF | ZF | PF | CF;

    private static Run code(String hex) {
        return Run.code(hex);
    }

    // ---- ADD / ADC / SUB / SBB / CMP / NEG / INC ----

    @Test
    void addCarryOutOfBit31() {
        // 0xFFFFFFFF + 1 = 0x1_00000000: result 0, CF=1 ZF=1, AF=1 (0xF + 1 carries out of bit 3), PF=1 (0x00), OF=0.
        code("01 d8").reg("eax", 0xFFFFFFFF).reg("ebx", 1).go().expect("eax", 0).expectFlags(OSZAPC, CF | ZF | AF | PF);
    }

    @Test
    void addSignedOverflow() {
        // 0x7FFFFFFF + 1: OF=1 SF=1 CF=0 (SDM ADD: OF on signed overflow), AF=1, PF=1 (low byte 0x00).
        code("01 d8").reg("eax", 0x7FFFFFFF).reg("ebx", 1).go().expect("eax", 0x80000000).expectFlags(OSZAPC, OF | SF | AF | PF);
        // 0x80000000 + 0x80000000 = 0: both OF and CF, ZF.
        code("01 d8").reg("eax", 0x80000000).reg("ebx", 0x80000000).go().expect("eax", 0).expectFlags(OSZAPC, OF | CF | ZF | PF);
    }

    @Test
    void subBorrowAndOverflow() {
        // 0 - 1 = 0xFFFFFFFF: CF=1 (borrow out of bit 31), SF=1, AF=1, PF=1 (0xFF has eight ones), OF=0.
        code("29 d8").reg("eax", 0).reg("ebx", 1).go().expect("eax", 0xFFFFFFFF).expectFlags(OSZAPC, CF | SF | AF | PF);
        // 0x80000000 - 1 = 0x7FFFFFFF: OF=1 (negative minus positive gave positive), CF=0.
        code("29 d8").reg("eax", 0x80000000).reg("ebx", 1).go().expect("eax", 0x7FFFFFFF).expectFlags(OSZAPC, OF | AF | PF);
    }

    @Test
    void adcAndSbbUseTheCarry() {
        // ADC: 0xFFFFFFFF + 0 + CF(1) = 0 with CF=1 ZF=1 AF=1.
        code("11 d8").reg("eax", 0xFFFFFFFF).reg("ebx", 0).flags(CF).go().expect("eax", 0).expectFlags(OSZAPC, CF | ZF | AF | PF);
        // ADC: 0x7FFFFFFF + 0 + CF(1): signed overflow from the carry alone.
        code("11 d8").reg("eax", 0x7FFFFFFF).reg("ebx", 0).flags(CF).go().expect("eax", 0x80000000).expectFlags(OF | SF | CF, OF | SF);
        // SBB: 0 - 0 - CF(1) = 0xFFFFFFFF with CF=1.
        code("19 d8").reg("eax", 0).reg("ebx", 0).flags(CF).go().expect("eax", 0xFFFFFFFF).expectFlags(OSZAPC, CF | SF | AF | PF);
        // SBB: 5 - 5 - CF(0) = 0, ZF=1 CF=0.
        code("19 d8").reg("eax", 5).reg("ebx", 5).go().expect("eax", 0).expectFlags(OSZAPC, ZF | PF);
        // SBB: 0xFFFFFFFF - 0xFFFFFFFF - 1 borrows: CF=1.
        code("19 d8").reg("eax", -1).reg("ebx", -1).flags(CF).go().expect("eax", -1).expectFlags(CF | ZF, CF);
    }

    @Test
    void cmpLeavesOperands() {
        // CMP 1, 2: 1 - 2 = 0xFFFFFFFF, CF=1 SF=1, EAX unchanged.
        code("39 d8").reg("eax", 1).reg("ebx", 2).go().expect("eax", 1).expectFlags(CF | SF | ZF | OF, CF | SF);
    }

    @Test
    void negAndInc() {
        // NEG 0: CF=0 (SDM NEG: CF=0 when the source is 0), ZF=1.
        code("f7 d8").reg("eax", 0).flags(CF).go().expect("eax", 0).expectFlags(CF | ZF, ZF);
        // NEG 0x80000000 = 0x80000000: OF=1, CF=1.
        code("f7 d8").reg("eax", 0x80000000).go().expect("eax", 0x80000000).expectFlags(OF | CF | SF, OF | CF | SF);
        // INC 0x7FFFFFFF: OF=1, CF untouched (SDM INC: CF not affected).
        code("40").reg("eax", 0x7FFFFFFF).flags(CF).go().expect("eax", 0x80000000).expectFlags(OF | CF | SF | ZF, OF | CF | SF);
        // DEC 0: 0xFFFFFFFF, CF still 0.
        code("48").reg("eax", 0).go().expect("eax", -1).expectFlags(CF | SF | AF, SF | AF);
    }

    @Test
    void sixteenAndEightBitForms() {
        // 66 01 D8 = ADD AX, BX: 0x8000 + 0x8000 = 0 (CF OF ZF); the upper half of EAX is untouched.
        code("66 01 d8").reg("eax", 0xAAAA8000).reg("ebx", 0x55558000).go()
                .expect("eax", 0xAAAA0000).expect("ebx", 0x55558000).expectFlags(OSZAPC, CF | OF | ZF | PF);
        // 00 E0 = ADD AL, AH: 0x01 + 0x7F = 0x80 (OF SF), AH unchanged.
        code("00 e0").reg("eax", 0x00007F01).go().expect("eax", 0x00007F80).expectFlags(OF | SF | CF | ZF, OF | SF);
    }

    // ---- shifts and rotates (SDM Vol.2B SAL/SAR/SHL/SHR, RCL/RCR/ROL/ROR) ----

    @Test
    void shiftByOne() {
        // SHL EAX,1 of 0x80000001: CF = old MSB = 1, OF = MSB(result) xor CF = 0 xor 1 = 1.
        code("d1 e0").reg("eax", 0x80000001).go().expect("eax", 2).expectFlags(CF | OF | ZF | SF, CF | OF);
        // SHR EAX,1 of 0x80000001: CF = 1, OF = MSB of the original operand = 1.
        code("d1 e8").reg("eax", 0x80000001).go().expect("eax", 0x40000000).expectFlags(CF | OF, CF | OF);
        // SAR EAX,1 of 0xFFFFFFFF: stays -1, CF = 1, OF = 0 for SAR by 1.
        code("d1 f8").reg("eax", -1).go().expect("eax", -1).expectFlags(CF | OF | SF, CF | SF);
    }

    @Test
    void shiftByZeroChangesNothing() {
        // A masked count of 0 affects no flag (SDM: "If the count is 0, the flags are not affected").
        code("d3 e0").reg("eax", 0x1234).reg("ecx", 0).flags(OSZAPC).go().expect("eax", 0x1234).expectFlags(OSZAPC, OSZAPC);
        // 32 is masked to 0 as well, for SHL imm8 and for the 8-bit ROL by CL.
        code("c1 e0 20").reg("eax", 0x1234).flags(CF | ZF).go().expect("eax", 0x1234).expectFlags(OSZAPC, CF | ZF);
        code("d2 c0").reg("eax", 0x81).reg("ecx", 0x20).go().expect("eax", 0x81).expectFlags(OSZAPC, 0);
    }

    @Test
    void shiftBy31AndMore() {
        // SHL EAX,31 of 3: result 0x80000000, CF = bit 1 of the operand (the last bit shifted out) = 1.
        code("c1 e0 1f").reg("eax", 3).go().expect("eax", 0x80000000).expectFlags(SZPC, SF | CF | PF);
        // SAR EAX,31 of 0x80000000: all ones, CF = bit 30 = 0.
        code("c1 f8 1f").reg("eax", 0x80000000).go().expect("eax", -1).expectFlags(SZPC, SF | PF);
        // SHR EAX,CL with CL = 33: masked to 1.
        code("d3 e8").reg("eax", 0x80000001).reg("ecx", 33).go().expect("eax", 0x40000000).expectFlags(CF | OF, CF | OF);
        // 8-bit SHL by 9 (masked to 5 bits, not to the operand size): every bit is shifted out, ZF=1.
        code("d2 e0").reg("eax", 0xFF).reg("ecx", 9).go().expect("eax", 0).expectFlags(ZF | SF, ZF);
        // 8-bit SAR by 20: the sign fills the byte, CF = sign.
        code("c0 f8 14").reg("eax", 0x80).go().expect("eax", 0xFF).expectFlags(CF | SF | ZF, CF | SF);
    }

    @Test
    void rotatesThroughCarry() {
        // RCL EAX,1 with CF=1 and 0x80000000: CF:EAX = 1:80000000 rotates to EAX = 1, CF = 1; OF = MSB(result) xor CF = 1.
        code("d1 d0").reg("eax", 0x80000000).flags(CF).go().expect("eax", 1).expectFlags(CF | OF, CF | OF);
        // RCR EAX,1 with CF=1 and 0: EAX = 0x80000000, CF = 0; OF = MSB(dest) xor CF before the rotate = 0 xor 1 = 1.
        code("d1 d8").reg("eax", 0).flags(CF).go().expect("eax", 0x80000000).expectFlags(CF | OF, OF);
        // RCL AL,9: the count is taken modulo 9 for 8 bits, so nothing changes, CF included.
        code("c0 d0 09").reg("eax", 0x81).flags(CF).go().expect("eax", 0x81).expectFlags(CF, CF);
        // RCL AL,8 with CF=1 and AL=0: the 9-bit value 1_00000000 rotated left by 8 gives AL = 0x80, CF = 0.
        code("c0 d0 08").reg("eax", 0).flags(CF).go().expect("eax", 0x80).expectFlags(CF, 0);
        // RCR AX,17 (16 bits: modulo 17 = 0): unchanged.
        code("66 c1 d8 11").reg("eax", 0x1234).go().expect("eax", 0x1234).expectFlags(CF, 0);
    }

    @Test
    void plainRotates() {
        // ROL AL,8: the value comes back, CF = LSB(result) = 1 (SDM ROL: CF set whenever the masked count is not 0).
        code("c0 c0 08").reg("eax", 0x01).go().expect("eax", 0x01).expectFlags(CF, CF);
        // ROR EAX,4 of 0x12345678 = 0x81234567, CF = MSB(result) = 1.
        code("c1 c8 04").reg("eax", 0x12345678).go().expect("eax", 0x81234567).expectFlags(CF, CF);
    }

    @Test
    void doubleShifts() {
        // SHLD EAX,EBX,4: EAX = 0x23456789 from 0x12345678 and the top nibble of EBX (0x9...), CF = bit 28 of EAX = 1.
        code("0f a4 d8 04").reg("eax", 0x12345678).reg("ebx", 0x9ABCDEF0).go().expect("eax", 0x23456789).expectFlags(CF | ZF | SF, CF);
        // SHRD EAX,EBX,8: EAX = 0xF0123456, CF = bit 7 of EAX = 0.
        code("0f ac d8 08").reg("eax", 0x12345678).reg("ebx", 0x9ABCDEF0).go().expect("eax", 0xF0123456).expectFlags(CF | SF, SF);
        // A count of 0 (CL = 32, masked) changes nothing.
        code("0f a5 d8").reg("eax", 1).reg("ebx", 2).reg("ecx", 32).flags(OSZAPC).go().expect("eax", 1).expectFlags(OSZAPC, OSZAPC);
    }

    // ---- multiply and divide ----

    @Test
    void multiply() {
        // MUL ECX: 0xFFFFFFFF * 0xFFFFFFFF = 0xFFFFFFFE_00000001, CF = OF = 1 (upper half not zero).
        code("f7 e1").reg("eax", -1).reg("ecx", -1).go().expect("eax", 1).expect("edx", 0xFFFFFFFE).expectFlags(CF | OF, CF | OF);
        // IMUL ECX: -1 * -1 = 1, EDX = 0 is the sign extension of EAX, CF = OF = 0.
        code("f7 e9").reg("eax", -1).reg("ecx", -1).go().expect("eax", 1).expect("edx", 0).expectFlags(CF | OF, 0);
        // IMUL EAX,ECX,0x10 of 0x10000000: truncated to 0, CF = OF = 1.
        code("6b c1 10").reg("ecx", 0x10000000).go().expect("eax", 0).expectFlags(CF | OF, CF | OF);
        // MUL CL (8 bits): AX = 0x10 * 0x10 = 0x100, CF = OF = 1 (AH not zero).
        code("f6 e1").reg("eax", 0xAAAA0010).reg("ecx", 0x10).go().expect("eax", 0xAAAA0100).expectFlags(CF | OF, CF | OF);
    }

    @Test
    void divideFaultsLeaveEverything() {
        int f = CF | ZF | SF;
        // DIV ECX by 0: #DE; EAX, EDX, EFLAGS and EIP as they were.
        code("f7 f1").reg("eax", 7).reg("edx", 1).reg("ecx", 0).flags(f).go().expectFault(CpuFault.DE)
                .expect("eax", 7).expect("edx", 1).expectFlags(OSZAPC, f).expectEip(Run.CODE);
        // DIV ECX: EDX:EAX = 1:0 divided by 1 has a 33-bit quotient: #DE.
        code("f7 f1").reg("eax", 0).reg("edx", 1).reg("ecx", 1).go().expectFault(CpuFault.DE).expect("eax", 0).expect("edx", 1);
        // IDIV ECX: 0x80000000_00000000 / -1 overflows the signed 32-bit quotient: #DE.
        code("f7 f9").reg("eax", 0).reg("edx", 0x80000000).reg("ecx", -1).go().expectFault(CpuFault.DE).expect("edx", 0x80000000);
        // IDIV ECX: -2^31 / -1 = 2^31 does not fit: #DE.
        code("f7 f9").reg("eax", 0x80000000).reg("edx", -1).reg("ecx", -1).go().expectFault(CpuFault.DE);
        // IDIV CL: AX = -128 / -1 = 128 does not fit in AL: #DE.
        code("f6 f9").reg("eax", 0xFF80).reg("ecx", 0xFF).go().expectFault(CpuFault.DE).expect("eax", 0xFF80);
        // AAM 0: #DE.
        code("d4 00").reg("eax", 0x55).go().expectFault(CpuFault.DE).expect("eax", 0x55);
    }

    @Test
    void divideResults() {
        // IDIV ECX: +2^31 (EDX:EAX = 0:0x80000000) / -1 = -2^31 fits: no fault.
        code("f7 f9").reg("eax", 0x80000000).reg("edx", 0).reg("ecx", -1).go().expectNoFault().expect("eax", 0x80000000).expect("edx", 0);
        // IDIV CL: -7 / 2 = -3 remainder -1 (truncation toward zero): AL = 0xFD, AH = 0xFF.
        code("f6 f9").reg("eax", 0xFFF9).reg("ecx", 2).go().expect("eax", 0xFFFD);
        // DIV BL: 0xFF / 0x10 = 0x0F remainder 0x0F.
        code("f6 f3").reg("eax", 0x00FF).reg("ebx", 0x10).go().expect("eax", 0x0F0F);
        // DIV CX: DX:AX = 0x0001:0x0000 / 2 = 0x8000 remainder 0; the upper halves stay.
        code("66 f7 f1").reg("eax", 0x11110000).reg("edx", 0x22220001).reg("ecx", 2).go().expect("eax", 0x11118000).expect("edx", 0x22220000);
    }

    // ---- bit scans (documented choice for a zero source) ----

    @Test
    void bitScans() {
        // BSF/BSR of 0: ZF = 1 and the destination unchanged (OpcodeTable: documented choice).
        code("0f bc c3").reg("eax", 0x12345678).reg("ebx", 0).go().expect("eax", 0x12345678).expectFlags(ZF, ZF);
        code("0f bd c3").reg("eax", 0x12345678).reg("ebx", 0).go().expect("eax", 0x12345678).expectFlags(ZF, ZF);
        // BSF of 0x80000000 = 31, BSR of 1 = 0, ZF = 0.
        code("0f bc c3").reg("ebx", 0x80000000).flags(ZF).go().expect("eax", 31).expectFlags(ZF, 0);
        code("0f bd c3").reg("eax", -1).reg("ebx", 1).flags(ZF).go().expect("eax", 0).expectFlags(ZF, 0);
        // 16-bit BSR of 0x8000 = 15 written to AX only.
        code("66 0f bd c3").reg("eax", 0xFFFF0000).reg("ebx", 0x8000).go().expect("eax", 0xFFFF000F);
    }

    // ---- decimal adjusts (SDM Vol.2A examples) ----

    @Test
    void daaSdmExample() {
        // SDM DAA example: ADD AL,BL with AL=79H BL=35H gives AEH; DAA gives AL=14H, OSZAPC = X00111.
        code("00 d8 27").reg("eax", 0x79).reg("ebx", 0x35).go().expect("eax", 0x14).expectFlags(SZPC | AF, AF | PF | CF);
    }

    @Test
    void dasSdmExample() {
        // SDM DAS example: SUB AL,BL with AL=35H BL=47H gives EEH; DAS gives AL=88H, OSZAPC = X10111.
        code("28 d8 2f").reg("eax", 0x35).reg("ebx", 0x47).go().expect("eax", 0x88).expectFlags(SZPC | AF, SF | AF | PF | CF);
    }

    @Test
    void aaaAndAas() {
        // 8 + 9 in unpacked BCD: ADD AL,BL gives 11H with AF=1; AAA: AX + 106H = 0117H, AL AND 0FH: AX = 0107H, AF = CF = 1.
        code("00 d8 37").reg("eax", 0x0008).reg("ebx", 0x09).go().expect("eax", 0x0107).expectFlags(AF | CF, AF | CF);
        // 12 - 5 in unpacked BCD: SUB AL,BL gives AX = 01FDH with AF=1; AAS: AX - 6 = 01F7H, AH - 1: 00F7H, AL AND 0FH: 0007H.
        code("28 d8 3f").reg("eax", 0x0102).reg("ebx", 0x05).go().expect("eax", 0x0007).expectFlags(AF | CF, AF | CF);
        // AAS with AF=1 and AL < 6: AX - 6 borrows from AH (0203H - 6 = 01FDH), then AH - 1: 00FDH, AL AND 0FH: 000DH.
        code("3f").reg("eax", 0x0203).flags(AF).go().expect("eax", 0x000D).expectFlags(AF | CF, AF | CF);
        // No adjustment: AF = CF = 0, AL's high nibble cleared.
        code("37").reg("eax", 0x1234).flags(CF).go().expect("eax", 0x1204).expectFlags(AF | CF, 0);
    }

    @Test
    void aamAad() {
        // AAM: AL = 63 (3FH) becomes AH = 6, AL = 3. AAD: AH = 6, AL = 3 becomes AL = 63 (3FH), AH = 0; PF = 1 (six ones).
        code("d4 0a").reg("eax", 0x3F).go().expect("eax", 0x0603);
        code("d5 0a").reg("eax", 0x0603).go().expect("eax", 0x003F).expectFlags(SF | ZF | PF, PF);
        // AAM 16 splits nibbles: 0x5A -> AH = 5, AL = 0x0A.
        code("d4 10").reg("eax", 0x5A).go().expect("eax", 0x050A);
    }
}
