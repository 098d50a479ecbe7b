package ntgate.cpu.exec;

import ntgate.cpu.Run;
import org.junit.jupiter.api.Test;

import static ntgate.cpu.CpuState.CF;
import static ntgate.cpu.CpuState.OF;
import static ntgate.cpu.CpuState.SF;
import static ntgate.cpu.CpuState.ZF;

/**
 * The stack and near control transfers worked from the SDM (Vol.2B PUSH, POP, PUSHA, POPA, PUSHF, POPF; Vol.2A
 * ENTER, LEAVE, CALL, RET, LOOP, JECXZ, Jcc, XLAT). The stack starts at {@link Run#STACK}, code at {@link Run#CODE}.
 */
class StackCtrlSdmTest {
    private static final int SP = Run.STACK;
    private static final int CODE = Run.CODE;

    @Test
    void pushAndPop() {
        // PUSH EAX: ESP - 4, the value at the new top.
        Run.code("50").reg("eax", 0xCAFEBABE).go().expect("esp", SP - 4).expectMem32(SP - 4, 0xCAFEBABE);
        // PUSH imm8 (6A): sign-extended to 32 bits.
        Run.code("6a ff").go().expect("esp", SP - 4).expectMem32(SP - 4, 0xFFFFFFFF);
        // 66 50 = PUSH AX: ESP - 2, one word.
        Run.code("66 50").reg("eax", 0x1234BEEF).go().expect("esp", SP - 2).expectMem8(SP - 2, 0xEF).expectMem8(SP - 1, 0xBE);
        // POP ECX.
        Run.code("59").reg("esp", SP - 4).mem32(SP - 4, 0x55AA55AA).go().expect("ecx", 0x55AA55AA).expect("esp", SP);
    }

    @Test
    void pushAndPopOfEsp() {
        // PUSH ESP pushes ESP as it was before the instruction (SDM PUSH).
        Run.code("54").go().expect("esp", SP - 4).expectMem32(SP - 4, SP);
        // POP ESP: ESP is loaded with the popped value (the increment is overwritten).
        Run.code("5c").reg("esp", SP - 4).mem32(SP - 4, 0x00800000).go().expect("esp", 0x00800000);
        // POP [ESP]: the address is computed after ESP is incremented (SDM POP).
        Run.code("8f 04 24").reg("esp", SP - 8).mem32(SP - 8, 0x11111111).mem32(SP - 4, 0x22222222).go()
                .expect("esp", SP - 4).expectMem32(SP - 4, 0x11111111);
    }

    @Test
    void pushaPopa() {
        // PUSHAD stores EAX ECX EDX EBX (original ESP) EBP ESI EDI from the top down.
        Run r = Run.code("60").reg("eax", 1).reg("ecx", 2).reg("edx", 3).reg("ebx", 4).reg("ebp", 6).reg("esi", 7).reg("edi", 8).go();
        r.expect("esp", SP - 32);
        int[] expect = {8, 7, 6, SP, 4, 3, 2, 1};
        for (int i = 0; i < 8; i++) r.expectMem32(SP - 32 + 4 * i, expect[i]);
        // POPAD loads them back but skips the saved ESP.
        Run p = Run.code("61").reg("esp", SP - 32);
        int[] image = {0x80, 0x70, 0x60, 0xDEAD, 0x40, 0x30, 0x20, 0x10};
        for (int i = 0; i < 8; i++) p.mem32(SP - 32 + 4 * i, image[i]);
        p.go().expect("edi", 0x80).expect("esi", 0x70).expect("ebp", 0x60).expect("ebx", 0x40).expect("edx", 0x30)
                .expect("ecx", 0x20).expect("eax", 0x10).expect("esp", SP);
    }

    @Test
    void pushfPopfAtCpl3() {
        // PUSHFD: EFLAGS with bit 1 and IF set, CF and ZF as given.
        Run.code("9c").flags(CF | ZF).go().expectMem32(SP - 4, 0x00000243);
        // POPFD at CPL 3, IOPL 0: IOPL and IF keep their values (SDM POPF), DF and the arithmetic flags load.
        // Popped 0x3ED5 = IOPL 3 | OF | DF | SF | ZF | AF | PF | CF, IF = 0  ->  EFLAGS = 0x202 | 0xED5 = 0xED7.
        Run.code("9d").reg("esp", SP - 4).mem32(SP - 4, 0x00003ED5).go().expectEflags(0x00000ED7).expect("esp", SP);
    }

    @Test
    void enterAndLeave() {
        // ENTER 8,0: PUSH EBP; EBP = ESP; ESP - 8.
        Run.code("c8 08 00 00").reg("ebp", 0x1234).go().expect("ebp", SP - 4).expect("esp", SP - 12).expectMem32(SP - 4, 0x1234);
        // ENTER 4,2: push EBP, copy one outer frame pointer from [EBP-4], push the new frame pointer, then ESP - 4.
        int bp = 0x00E00010;
        Run.code("c8 04 00 02").reg("ebp", bp).mem32(bp - 4, 0xCAFEBABE).go()
                .expectMem32(SP - 4, bp).expectMem32(SP - 8, 0xCAFEBABE).expectMem32(SP - 12, SP - 4)
                .expect("ebp", SP - 4).expect("esp", SP - 16);
        // LEAVE: ESP = EBP, POP EBP.
        Run.code("c9").reg("ebp", SP - 8).mem32(SP - 8, 0x4321).go().expect("ebp", 0x4321).expect("esp", SP - 4);
    }

    @Test
    void callAndReturn() {
        // CALL rel32 (E8 05 00 00 00): pushes the next EIP, jumps 5 bytes past it.
        Run.code("e8 05 00 00 00").steps(1).go().expectEip(CODE + 10).expect("esp", SP - 4).expectMem32(SP - 4, CODE + 5);
        // CALL EAX (FF D0) and CALL [EBX] (FF 13).
        Run.code("ff d0").reg("eax", CODE + 0x40).steps(1).go().expectEip(CODE + 0x40).expectMem32(SP - 4, CODE + 2);
        Run.code("ff 13").reg("ebx", 0x2000).mem32(0x2000, CODE + 0x80).steps(1).go().expectEip(CODE + 0x80).expectMem32(SP - 4, CODE + 2);
        // RET: pops EIP. RET 8 (C2 08 00): pops EIP, then releases 8 more bytes.
        Run.code("c3").reg("esp", SP - 4).mem32(SP - 4, CODE + 0x10).steps(1).go().expectEip(CODE + 0x10).expect("esp", SP);
        Run.code("c2 08 00").reg("esp", SP - 12).mem32(SP - 12, CODE + 0x10).steps(1).go().expectEip(CODE + 0x10).expect("esp", SP);
        // 66 C3: a 16-bit RET pops 2 bytes and clears EIP's upper half: 0x0010.
        Run.code("66 c3").reg("esp", SP - 2).mem(SP - 2, "1000").steps(1).go().expectEip(0x10).expect("esp", SP);
    }

    @Test
    void loops() {
        // LOOP to itself (E2 FE) with ECX = 5: five iterations, falls through with ECX = 0.
        Run.code("e2 fe").reg("ecx", 5).go().expect("ecx", 0).expectEip(CODE + 2);
        // ECX = 0 on entry: decremented to FFFFFFFFH, which is not 0, so the branch is taken.
        Run.code("e2 fe").reg("ecx", 0).steps(1).go().expect("ecx", -1).expectEip(CODE);
        // 67 E2 FD: LOOP with CX; ECX's upper half stays.
        Run.code("67 e2 fd").reg("ecx", 0x00010003).go().expect("ecx", 0x00010000).expectEip(CODE + 3);
        // LOOPE (E1) continues only while ZF = 1; LOOPNE (E0) only while ZF = 0.
        Run.code("e1 10").reg("ecx", 5).flags(ZF).steps(1).go().expect("ecx", 4).expectEip(CODE + 0x12);
        Run.code("e1 10").reg("ecx", 5).steps(1).go().expect("ecx", 4).expectEip(CODE + 2);
        Run.code("e0 10").reg("ecx", 5).steps(1).go().expect("ecx", 4).expectEip(CODE + 0x12);
        Run.code("e0 10").reg("ecx", 5).flags(ZF).steps(1).go().expect("ecx", 4).expectEip(CODE + 2);
        // LOOP does not change the flags.
        Run.code("e2 10").reg("ecx", 1).flags(ZF | CF).steps(1).go().expect("ecx", 0).expectFlags(ZF | CF, ZF | CF);
    }

    @Test
    void jecxzAndJcc() {
        // JECXZ +2 jumps when ECX = 0, falls through otherwise; 67 E3 tests CX only.
        Run.code("e3 02").reg("ecx", 0).steps(1).go().expectEip(CODE + 4);
        Run.code("e3 02").reg("ecx", 1).steps(1).go().expectEip(CODE + 2);
        Run.code("67 e3 02").reg("ecx", 0x10000).steps(1).go().expectEip(CODE + 5);
        // JZ short backwards (74 FC): to CODE - 2.
        Run.code("74 fc").flags(ZF).steps(1).go().expectEip(CODE - 2);
        // JL rel32 (0F 8C): SF != OF.
        Run.code("0f 8c 00 01 00 00").flags(SF).steps(1).go().expectEip(CODE + 6 + 0x100);
        Run.code("0f 8c 00 01 00 00").flags(SF | OF).steps(1).go().expectEip(CODE + 6);
        // JG (7F): ZF = 0 and SF = OF.
        Run.code("7f 10").flags(SF | OF).steps(1).go().expectEip(CODE + 0x12);
        Run.code("7f 10").flags(ZF).steps(1).go().expectEip(CODE + 2);
        // JA after CMP 1,2 (unsigned below): not taken; JB taken.
        Run.code("39 d8 77 10").reg("eax", 1).reg("ebx", 2).steps(2).go().expectEip(CODE + 4);
        Run.code("39 d8 72 10").reg("eax", 1).reg("ebx", 2).steps(2).go().expectEip(CODE + 0x14);
    }

    @Test
    void xlat() {
        // XLAT: AL = [EBX + AL] (unsigned AL).
        Run.code("d7").reg("ebx", 0x3000).reg("eax", 0x11223385).mem(0x3085, "77").go().expect("eax", 0x11223377);
        // 67 D7: [BX + AL], EBX's upper half ignored.
        Run.code("67 d7").reg("ebx", 0xFFFF3000).reg("eax", 5).mem(0x3005, "66").go().expect("eax", 0x66);
    }
}
