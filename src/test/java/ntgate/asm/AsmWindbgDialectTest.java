package ntgate.asm;

import org.junit.jupiter.api.Test;

import java.util.HexFormat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The disassembler's WinDbg dialect as the assembler reads it ({@link AsmOptions#windbg()}), one line per
 * spelling, and the fixes the disassembler round trip found ({@code AsmDisasmRoundTripTest}).
 */
class AsmWindbgDialectTest {

    private static String asm(boolean windbg, int bits, long base, String line) {
        AsmResult r = Assembler.assemble(line, "t.asm", AsmOptions.defaults().withBits(bits).withBase(base).withWindbg(windbg));
        assertTrue(r.ok(), () -> line + ": " + r.errors());
        return HexFormat.of().formatHex(r.text());
    }

    private static void windbg32(String line, String hex) {
        assertEquals(hex, asm(true, 32, 0x401000, line), line);
    }

    @Test
    void sizesSegmentsAndNumbers() {
        windbg32("mov eax,dword ptr fs:[00000124h]", "64a124010000");
        windbg32("mov eax,dword ptr ds:[7FFE0300h]", "a10003fe7f");      // ds: on an absolute address: no prefix
        windbg32("mov eax,dword ptr ds:[0BF2Ch]", "67a12cbf");           // four digits: a 16-bit address
        windbg32("add dword ptr [ebp-4],0FFFFFFF8h", "8345fcf8");
        windbg32("mov eax,dword ptr [ebp*1+10h]", "8b042d10000000");     // index alone, not base
        windbg32("lea eax,[eax*2]", "8d044500000000");                  // a written scale is not split
        windbg32("lea eax,[eax+eax]", "8d0400");
        windbg32("lea eax,[ebx+ebx*2+55h]", "8d445b55");
        assertEquals("8d0400", asm(false, 32, 0, "lea eax,[eax*2]"));  // NASM splits it
    }

    @Test
    void branchesAndFarPointers() {
        assertEquals("750b", asm(true, 32, 0x8053e5c0L, "jnz 8053e5cd"));
        windbg32("jmp 0008:1000", "66ea00100800");
        windbg32("jmp 0008:00001000", "ea001000000800");
        windbg32("call far dword ptr [eax]", "66ff18");
        windbg32("call dword ptr [eax]", "ff10");
        windbg32("call fword ptr [eax]", "ff18");
        windbg32("data16 jp 00000fa4", "667aa1");                     // rel8 under a 16-bit operand size wraps
        // A target beyond 64 KiB in 16-bit code needs a 32-bit operand size.
        assertEquals("660f8d4cf8b381", asm(true, 16, 0x1000, "jge 81b40853"));
        // rel8 reaching exactly -128 stays short in 16-bit code (the 66 form of the other size no longer
        // pushed it to rel16).
        assertEquals("7280", asm(true, 16, 0x1000, "jb 00000f82"));
    }

    @Test
    void mnemonicsOfTheDialect() {
        windbg32("rep movs dword ptr es:[edi],dword ptr fs:[esi]", "f364a5");
        windbg32("cmps byte ptr [si],byte ptr es:[di]", "67a6");
        windbg32("xlat byte ptr [ebx]", "d7");
        windbg32("fld dword ptr [eax]", "d900");
        windbg32("fnstsw word ptr ds:[00401000h]", "dd3d00104000");
        windbg32("fadd st,st(1)", "d8c1");
        windbg32("fsubrp st(1),st", "dee1");
        windbg32("fstp tbyte ptr [eax]", "db38");
        windbg32("fnstenvw [eax]", "66d930");
        windbg32("fnstsw ax", "dfe0");
        windbg32("pushw 6Ah", "666a6a");
        windbg32("retw", "66c3");
        windbg32("pushf", "669c");
        windbg32("pushfd", "9c");
        windbg32("sal eax,1", "d1f0");
        windbg32("xchg esi,edx", "87d6");
        windbg32("mov es,ax", "668ec0");
        windbg32("mov es,eax", "8ec0");
        windbg32("lar eax,ecx", "0f02c1");
        windbg32("data16 bswap ecx", "660fc9");
        assertEquals("d1e0", asm(false, 32, 0, "sal eax,1"));
        assertEquals("87f2", asm(false, 32, 0, "xchg esi,edx"));
        assertEquals("9c", asm(false, 32, 0, "pushf"));
    }

    @Test
    void aRowPseudoPrefixPicksTheRow() {
        windbg32("{ADD_EbIb_82} add byte ptr [eax],1", "820001");
        assertEquals("f6c001", asm(false, 32, 0, "{TEST_EbIb} test al,1"));
        assertEquals("f6c801", asm(false, 32, 0, "{TEST_EbIb_F6_1} test al,1"));
        assertEquals("03c1", asm(false, 32, 0, "{ADD_GvEv} add eax,ecx"));
        assertEquals("d1f0", asm(false, 32, 0, "{SAL_Ev1} sal eax,1"));
        AsmResult r = Assembler.assemble("{ADD_EvGv} sub eax,ecx", "t.asm", AsmOptions.defaults());
        assertEquals("'sub' has no row ADD_EvGv", r.errors().get(0).message());
    }

    /** Sticky narrow-form bits were kept by list position, which NASM's two-operand imul shifts by one. */
    @Test
    void twoOperandImulWithALargeImmediateUsesTheImm32Form() {
        assertEquals("69c0e8030000", asm(false, 32, 0, "imul eax,1000"));
        assertEquals("6bc00a", asm(false, 32, 0, "imul eax,10"));
    }
}
