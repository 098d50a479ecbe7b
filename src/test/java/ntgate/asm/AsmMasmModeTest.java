package ntgate.asm;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.HexFormat;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * {@link AsmOptions#withMasm}: the encodings MASM chooses where NASM chooses another (XP's kernel and ntdll were
 * built with MASM, so their bytes are these; NT-FACTS §15). The MASM column is the {@code r, r/m} opcode of the
 * SDM's opcode map (Vol. 2, Appendix A: 03, 0B, 13, 1B, 23, 2B, 33, 3B, 8A, 8B with ModRM.reg = the first
 * operand) and XP's own bytes (2B E1 C1 E9 02 8B FC at KiFastCallEntry+0xE5, 0A C0 in KiUserExceptionDispatcher);
 * the NASM column is what NASM 2.x emits, which stays the default.
 */
class AsmMasmModeTest {
    static String hex(String line, boolean masm) {
        AsmResult r = Assembler.assemble(line + "\n", "t.asm", AsmOptions.defaults().withMasm(masm));
        assertEquals(java.util.List.of(), r.errors(), line);
        return HexFormat.of().withUpperCase().formatHex(r.image());
    }

    @ParameterizedTest(name = "{0}: MASM {1}, NASM {2}")
    @CsvSource(delimiter = '|', value = {
        "sub esp, ecx     | 2BE1   | 29CC",
        "mov edi, esp     | 8BFC   | 89E7",
        "cmp ebp, esp     | 3BEC   | 39E5",
        "mov esp, ebp     | 8BE5   | 89EC",
        "xor ecx, ecx     | 33C9   | 31C9",
        "add eax, ebx     | 03C3   | 01D8",
        "or al, al        | 0AC0   | 08C0",
        "and edx, esi     | 23D6   | 21F2",
        "adc ecx, edx     | 13CA   | 11D1",
        "sbb ebx, eax     | 1BD8   | 19C3",
        "mov cl, dl       | 8ACA   | 88D1",
        "mov ax, bx       | 668BC3 | 6689D8",
        "mov fs, bx       | 668EE3 | 8EE3",
        "mov ds, ecx      | 8ED9   | 8ED9",
        "mov [ebp+4], edi | 897D04 | 897D04",
        "mov edi, [ebp+4] | 8B7D04 | 8B7D04",
        "test ecx, ecx    | 85C9   | 85C9",
    })
    void masmModeTakesTheRegRmFormsAndNasmStaysTheDefault(String line, String masm, String nasm) {
        assertEquals(masm, hex(line, true), "MASM mode");
        assertEquals(nasm, hex(line, false), "the default (NASM)");
    }
}
