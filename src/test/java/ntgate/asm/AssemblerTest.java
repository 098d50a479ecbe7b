package ntgate.asm;

import ntgate.cpu.decode.Decoder;
import ntgate.cpu.decode.Insn;
import ntgate.cpu.decode.Op;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Hand-written vectors per family, each worked out from the SDM's encoding tables (Vol.2A 2.1, Vol.2D
 * A.3) and checked with nasm, and the API the kernel's boot code relies on.
 */
class AssemblerTest {

    private static byte[] hex(String h) {
        byte[] b = new byte[h.length() / 2];
        for (int i = 0; i < b.length; i++) b[i] = (byte) Integer.parseInt(h.substring(2 * i, 2 * i + 2), 16);
        return b;
    }

    private static AsmResult asm(String... lines) {
        return Assembler.assembleLines(0x401000, lines).orThrow();
    }

    @ParameterizedTest(name = "{0} = {1}")
    @CsvSource(delimiter = '=', value = {
        // ALU: 01 /r for reg,reg (NASM), 83 /digit ib when the value fits a signed byte, accumulator forms.
        "add eax, ebx = 01D8",
        "add ebx, [esi+4] = 035E04",
        "add ecx, 1 = 83C101",
        "add eax, 0x100 = 0500010000",
        "add ebx, 0x80 = 81C380000000",
        "add al, 5 = 0405",
        "sub esp, 0x1c = 83EC1C",
        "cmp byte [esi], 'A' = 803E41",
        "xor eax, eax = 31C0",
        "test eax, eax = 85C0",
        "test ecx, [ebx] = 850B",
        // Moves, including the moffs forms and segment overrides.
        "mov eax, [fs:0x124] = 64A124010000",
        "mov eax, fs:[0x124] = 64A124010000",
        "mov ecx, [fs:0x124] = 648B0D24010000",
        "mov [0x7ffe0300], eax = A30003FE7F",
        "mov eax, 0x12345678 = B878563412",
        "mov byte [eax], 1 = C60001",
        "mov word [eax], 2 = 66C7000200",
        "mov eax, ds = 8CD8",
        "mov ds, ax = 8ED8",
        "mov eax, cr0 = 0F20C0",
        "mov cr3, eax = 0F22D8",
        "movzx eax, byte [esi] = 0FB606",
        "lea eax, [ebx+ecx*4+8] = 8D448B08",
        // Addressing: ESP needs a SIB, EBP needs a displacement, [eax*2] is split into [eax+eax].
        "mov eax, [esp] = 8B0424",
        "mov eax, [ebp] = 8B4500",
        "mov eax, [esp+8] = 8B442408",
        "mov eax, [ebp-4] = 8B45FC",
        "mov eax, [ebx+0x80] = 8B8380000000",
        "mov eax, [ecx*4] = 8B048D00000000",
        "mov eax, [eax*2] = 8B0400",
        "mov eax, [ebx+esi*8+0x12345678] = 8B84F378563412",
        "mov eax, [bx+si] = 678B00",
        // Stack and control.
        "push 5 = 6A05",
        "push 0x1234 = 6834120000",
        "push word 5 = 666A05",
        "push fs = 0FA0",
        "pop fs = 0FA1",
        "pushfd = 9C",
        "pushaw = 6660",
        "call dword [0x7ffe0300] = FF150003FE7F",
        "jmp far [eax] = FF28",
        "jmp 0x08:0x12345678 = EA785634120800",
        "ret 8 = C20800",
        // Shifts: D1 for the constant 1.
        "shl eax, 1 = D1E0",
        "sal eax, 1 = D1E0",
        "shl eax, 4 = C1E004",
        "sar edx, cl = D3FA",
        // Strings and prefixes.
        "rep movsd = F3A5",
        "repne scasb = F2AE",
        "lock xadd [esi], eax = F00FC106",
        "a16 movsb = 67A4",
        // System.
        "sysenter = 0F34",
        "sysexit = 0F35",
        "int 0x2e = CD2E",
        "int3 = CC",
        "iretd = CF",
        "lgdt [eax] = 0F0110",
        "invlpg [eax] = 0F0138",
        "cpuid = 0FA2",
        "xchg eax, ebx = 93",
        "xchg ebx, ecx = 87D9",
        "bswap eax = 0FC8",
        "imul eax, ecx, 10 = 6BC10A",
        "imul esi, 3 = 6BF603",
        "aam = D40A",
        "pause = F390",
    })
    void encodesAsTheSdmAndNasmSay(String source, String expected) {
        AsmResult r = asm(source.strip());
        assertEquals(expected.strip(), AsmNasm.hex(r.text()));
        AsmRecord rec = r.instructions().get(0);
        Insn d = Decoder.decode(o -> rec.bytes()[o], true);
        assertEquals(rec.length(), d.len, "decoded length");
        assertFalse(d.op == Op.INVALID, "decodes to a valid instruction");
        assertEquals(rec.row(), d.row, "decodes to the row the assembler chose");
    }

    @Test
    void jumpsStartShortAndGrowToNearWhenTheTargetIsFar() {
        AsmResult r = asm("start: jz later", "times 10 nop", "jz start", "times 200 nop", "later: jmp start");
        List<AsmRecord> ins = r.instructions();
        assertEquals("0F84", AsmNasm.hex(ins.get(0).bytes()).substring(0, 4), "forward 210 bytes: near");
        assertEquals("74EE", AsmNasm.hex(ins.get(11).bytes()), "backward 18 bytes: short");
        AsmRecord last = ins.get(ins.size() - 1);
        assertEquals(0xE9, last.bytes()[0] & 0xFF, "backward beyond 128 bytes: near");
    }

    @Test
    void sectionsAreLaidOutOneAfterAnotherEachAligned() {
        AsmResult r = Assembler.assemble(String.join("\n",
                "section .text", "nop", "section .data", "x: dd 1", "section .bss", "buf: resb 10",
                "section .rdata", "msg: db 'hi'", "section .text", "mov eax, buf"), "s.asm",
                AsmOptions.defaults().withBase(0x1000).withSectionAlign(16)).orThrow();
        assertEquals(List.of(".text", ".data", ".rdata", ".bss"), r.sections().stream().map(AsmSection::name).toList());
        assertEquals(0x1000, r.section(".text").address());
        assertEquals(6, r.section(".text").size());
        assertEquals(0x1010, r.section(".data").address());
        assertEquals(0x1020, r.section(".rdata").address());
        assertEquals(0x1030, r.section(".bss").address());
        assertEquals(10, r.section(".bss").size());
        assertEquals(OptionalLong.of(0x1030), r.symbol("buf"));
        assertArrayEquals(hex("90B830100000"), r.text());
        assertEquals(0x22, r.image().length, "the image ends with the last progbits section");
    }

    @Test
    void structureFieldsWithDotsAreResolvedByTheCaller() {
        Map<String, Long> layout = Map.of("KTRAP_FRAME.Eip", 0x68L, "KTRAP_FRAME.HardwareEsp", 0x74L, "KiServiceTable", 0x804E2D20L);
        AsmOptions o = AsmOptions.defaults().withBase(0x804DE6D0L).withResolver(n -> layout.containsKey(n) ? OptionalLong.of(layout.get(n)) : OptionalLong.empty());
        AsmResult r = Assembler.assemble(String.join("\n",
                "extern KiServiceTable",
                "KiFastCallEntry:",
                "    mov [ebp + KTRAP_FRAME.Eip], edi      ; KTRAP_FRAME.Eip = user return address",
                "    push edx                              ; KTRAP_FRAME.HardwareEsp = user ESP",
                ".local:",
                "    mov ebx, KiServiceTable",
                "    jmp .local"), "KiFastCallEntry.asm", o).orThrow();
        assertArrayEquals(hex("897D6852BB202D4E80EBF9"), r.text());
        assertEquals(OptionalLong.of(0x804DE6D4L), r.symbol("KiFastCallEntry.local"), "a leading dot makes a local label");
        AsmRecord push = r.instructions().get(1);
        assertEquals("KTRAP_FRAME.HardwareEsp = user ESP", push.annotation());
        assertEquals("push edx", push.source());
        assertEquals(4, push.line());
        assertEquals(0x804DE6D3L, push.address());
    }

    @Test
    void anExternTheResolverDoesNotKnowIsAnError() {
        AsmResult r = Assembler.assemble("extern Nowhere\nmov eax, Nowhere", "x.asm", AsmOptions.defaults());
        assertEquals(List.of("x.asm:1:8: extern symbol 'Nowhere' is not known to the resolver", "x.asm:2:10: undefined symbol 'Nowhere'"),
                r.errors().stream().map(AsmError::toString).toList());
    }

    @Test
    void dataDirectivesTimesAndAlign() {
        AsmResult r = asm("db 'ab', 0", "dw 'a', -1", "dd 0x11223344", "times 3 db 7", "align 4", "dq -2");
        assertArrayEquals(hex("616200" + "6100FFFF" + "44332211" + "070707" + "9090" + "FEFFFFFFFFFFFFFF"), r.text());
    }

    @Test
    void resultsCarryTheSymbolTableAndGlobals() {
        AsmResult r = asm("global entry", "entry: nop", "N equ 3*4", "mov eax, N");
        assertEquals(OptionalLong.of(0x401000), r.symbol("entry"));
        assertEquals(OptionalLong.of(12), r.symbol("N"));
        assertTrue(r.globals().contains("entry"));
        assertNotNull(r.listing());
    }

    @Test
    void sixteenBitCode() {
        AsmResult r = Assembler.assemble("bits 16\nmov ax, [bx+si+2]\nmov eax, 1\njmp $", "b.asm", AsmOptions.defaults()).orThrow();
        assertArrayEquals(hex("8B400266B801000000EBFE"), r.text());
    }

    @Test
    void orThrowListsEveryError() {
        AsmException e = assertThrows(AsmException.class, () -> Assembler.assembleLines(0, "movx eax, 1", "mov al, 300").orThrow());
        assertEquals(2, e.errors().size());
        assertTrue(e.getMessage().contains("<lines>:1:1: unknown instruction 'movx'"), e.getMessage());
    }
}
