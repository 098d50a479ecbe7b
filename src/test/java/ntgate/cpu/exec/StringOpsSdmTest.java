package ntgate.cpu.exec;

import ntgate.cpu.Run;
import org.junit.jupiter.api.Test;

import static ntgate.cpu.CpuState.ARITH;
import static ntgate.cpu.CpuState.CF;
import static ntgate.cpu.CpuState.DF;
import static ntgate.cpu.CpuState.SF;
import static ntgate.cpu.CpuState.ZF;

/**
 * String instructions worked from the SDM (Vol.2B MOVS, CMPS, STOS, LODS, SCAS, REP/REPE/REPNE): a zero count,
 * DF = 1 (addresses decrement by the element size), the REPE/REPNE termination conditions and 16-bit address
 * size (CX, SI, DI).
 */
class StringOpsSdmTest {
    private static final int SRC = 0x00200000, DST = 0x00300000;

    @Test
    void repWithZeroCountDoesNothing() {
        // SDM REP: "IF count register = 0 THEN exit": no iteration, registers, memory and flags as they were.
        for (String op : new String[] {"f3 a4", "f3 a5", "f3 a6", "f2 a7", "f3 aa", "f3 ab", "f3 ac", "f3 ae", "f2 af"}) {
            Run r = Run.code(op).reg("ecx", 0).reg("esi", SRC).reg("edi", DST).reg("eax", 0x11).flags(ARITH)
                    .mem(SRC, "11223344").mem(DST, "55667788").go().expectNoFault();
            r.expect("ecx", 0).expect("esi", SRC).expect("edi", DST).expect("eax", 0x11).expectFlags(ARITH, ARITH).expectNothingWritten();
        }
    }

    @Test
    void movsdBackward() {
        // DF=1: REP MOVSD copies [ESI] to [EDI] then decrements both by 4; two dwords from the top down.
        Run r = Run.code("f3 a5").flags(DF).reg("ecx", 2).reg("esi", SRC + 4).reg("edi", DST + 4)
                .mem(SRC, "0100000002000000").go();
        r.expect("ecx", 0).expect("esi", SRC - 4).expect("edi", DST - 4).expectMem32(DST, 1).expectMem32(DST + 4, 2);
    }

    @Test
    void stosbBackwardAndLodswBackward() {
        // REP STOSB with DF=1 writes AL at EDI, EDI-1, EDI-2.
        Run r = Run.code("f3 aa").flags(DF).reg("ecx", 3).reg("edi", DST).reg("eax", 0xAA).go();
        r.expect("edi", DST - 3).expect("ecx", 0).expectMem8(DST, 0xAA).expectMem8(DST - 1, 0xAA).expectMem8(DST - 2, 0xAA);
        // LODSW with DF=1: AX = [ESI], ESI - 2; EAX's upper half stays.
        Run.code("66 ad").flags(DF).reg("esi", SRC + 2).reg("eax", 0x12340000).mem(SRC + 2, "efbe").go()
                .expect("eax", 0x1234BEEF).expect("esi", SRC);
    }

    @Test
    void repneScasbBackwardStopsOnMatch() {
        // Searching 42H from the end of 01 02 42 04 05 06 07 08: six comparisons, the last one equal (ZF=1).
        Run r = Run.code("f2 ae").flags(DF).reg("ecx", 8).reg("edi", SRC + 7).reg("eax", 0x42)
                .mem(SRC, "0102420405060708").go();
        r.expect("ecx", 2).expect("edi", SRC + 1).expectFlags(ZF, ZF);
    }

    @Test
    void repneEndsWhenTheCountRunsOut() {
        // No match in 4 bytes: ECX reaches 0 with ZF = 0 from the last comparison.
        Run.code("f2 ae").reg("ecx", 4).reg("edi", SRC).reg("eax", 0x99).mem(SRC, "01020304").go()
                .expect("ecx", 0).expect("edi", SRC + 4).expectFlags(ZF, 0);
    }

    @Test
    void repeCmpsbStopsOnMismatch() {
        // "abcX" against "abcY": four comparisons, the last 'X' - 'Y' leaves ZF=0, CF=1, SF=1.
        Run r = Run.code("f3 a6").reg("ecx", 10).reg("esi", SRC).reg("edi", DST)
                .mem(SRC, "61626358").mem(DST, "61626359").go();
        r.expect("ecx", 6).expect("esi", SRC + 4).expect("edi", DST + 4).expectFlags(ZF | CF | SF, CF | SF);
    }

    @Test
    void repeCmpsdBackwardAllEqual() {
        // DF=1, three equal dwords: ECX runs out with ZF=1, ESI and EDI 12 lower.
        Run r = Run.code("f3 a7").flags(DF).reg("ecx", 3).reg("esi", SRC + 8).reg("edi", DST + 8)
                .mem(SRC, "010000000200000003000000").mem(DST, "010000000200000003000000").go();
        r.expect("ecx", 0).expect("esi", SRC - 4).expect("edi", DST - 4).expectFlags(ZF, ZF);
    }

    @Test
    void addressSize16UsesCxSiDi() {
        // 67 F3 A4: REP MOVSB with CX/SI/DI; ECX's upper half is not part of the count and stays.
        Run r = Run.code("67 f3 a4").reg("ecx", 0xFFFF0002).reg("esi", 0x2000).reg("edi", 0x3000).mem(0x2000, "aabbcc").go();
        r.expect("ecx", 0xFFFF0000).expect("esi", 0x2002).expect("edi", 0x3002).expectMem8(0x3000, 0xAA).expectMem8(0x3001, 0xBB);
        // SI wraps within 64 KiB: SI = FFFFH, DF=0, LODSB reads [0xFFFF] then SI = 0 (ESI's upper half untouched).
        Run.code("67 ac").reg("esi", 0x0001FFFF).mem(0xFFFF, "5a").go().expect("eax", 0x5A).expect("esi", 0x00010000);
    }
}
