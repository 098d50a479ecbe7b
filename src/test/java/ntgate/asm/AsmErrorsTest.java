package ntgate.asm;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Malformed sources: each gives the precise error, file:line:col: message, and all of a file's errors come out. */
class AsmErrorsTest {

    private static List<String> errors(String source) {
        return Assembler.assemble(source, "hello.asm", AsmOptions.defaults()).errors().stream().map(AsmError::toString).toList();
    }

    static Stream<Arguments> mistakes() {
        return Stream.of(
            Arguments.of("    mov exz, 1", "hello.asm:1:9: unknown register 'exz'"),
            Arguments.of("    movx eax, 1", "hello.asm:1:5: unknown instruction 'movx'"),
            Arguments.of("    mov eax, bl", "hello.asm:1:5: invalid combination of opcode and operands: mov reg32, reg8"),
            Arguments.of("    mov al, 300", "hello.asm:1:13: value 300 out of range for an 8-bit immediate (-128..255)"),
            Arguments.of("    int 256", "hello.asm:1:9: value 256 out of range for an 8-bit immediate (-128..255)"),
            Arguments.of("    mov ax, 0x10000", "hello.asm:1:13: value 65536 out of range for a 16-bit immediate (-32768..65535)"),
            Arguments.of("    mov eax, [eax+bx]", "hello.asm:1:14: 16-bit register 'bx' in a 32-bit address"),
            Arguments.of("    mov eax, [ax]", "hello.asm:1:14: register 'ax' cannot be used in a 16-bit address (only bx, bp, si, di)"),
            Arguments.of("    mov eax, [esp*2]", "hello.asm:1:14: esp cannot be an index register"),
            Arguments.of("    mov eax, [ebx*3+ecx]", "hello.asm:1:14: invalid scale 3 (1, 2, 4 or 8)"),
            Arguments.of("    mov eax, [eax*ebx]", "hello.asm:1:18: a register cannot be multiplied by a register"),
            Arguments.of("    jmp undefined_label", "hello.asm:1:9: undefined symbol 'undefined_label'"),
            Arguments.of("    inc [eax]", "hello.asm:1:9: operation size not specified for the memory operand (write byte, word or dword)"),
            Arguments.of("    mov eax, (1 + ", "hello.asm:1:19: expected an expression, found end of line"),
            Arguments.of("    mov eax, 1 +* 2", "hello.asm:1:17: expected an expression, found '*'"),
            Arguments.of("    mov eax, 1/0", "hello.asm:1:15: division by zero"),
            Arguments.of("    mov eax, 12q3", "hello.asm:1:14: invalid number '12q3'"),
            Arguments.of("    db \"abc", "hello.asm:1:8: unterminated string"),
            Arguments.of("    mov eax, [ebx", "hello.asm:1:18: expected ']', found end of line"),
            Arguments.of("    mov eax ebx", "hello.asm:1:13: expected ',' or end of line, found 'ebx'"),
            Arguments.of("    lock mov eax, [ebx]", "hello.asm:1:10: 'lock' is not allowed on 'mov' with these operands (needs a lockable instruction with a memory destination)"),
            Arguments.of("    bits 64", "hello.asm:1:10: expected 16 or 32 after 'bits' (64-bit code is not supported)"),
            Arguments.of("    mov eax, [ebx], 1, 2", "hello.asm:1:5: invalid combination of opcode and operands: mov reg32, mem, imm, imm"),
            Arguments.of("    push [eax]", "hello.asm:1:10: operation size not specified for the memory operand (write byte, word or dword)"),
            Arguments.of("    mov cs, ax", "hello.asm:1:9: cs cannot be loaded with mov (the CPU raises #UD)"),
            Arguments.of("    align 3", "hello.asm:1:11: alignment must be a power of two, not 3"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("mistakes")
    void eachMistakeGivesItsPreciseError(String source, String expected) {
        List<String> errs = errors(source);
        assertEquals(List.of(expected), errs);
    }

    @Test
    void aShortJumpOutOfRangeIsAnErrorWhenShortIsForced() {
        assertEquals(List.of("hello.asm:1:5: short jump out of range (target is 198 bytes away, -128..127)"),
                errors("jmp short far_away\ntimes 198 nop\nfar_away: ret"));
        assertEquals(List.of("hello.asm:1:6: short jump out of range (target is 198 bytes away, -128..127)"),
                errors("loop far_away\ntimes 198 nop\nfar_away: ret"));
    }

    @Test
    void duplicateLabelsNameTheFirstDefinition() {
        assertEquals(List.of("hello.asm:3:1: duplicate label 'start' (first defined on line 1)"),
                errors("start: nop\nnop\nstart: nop"));
        assertEquals(List.of("hello.asm:3:1: duplicate label 'a.x' (first defined on line 2)"),
                errors("a:\n.x: nop\n.x: nop"));
    }

    @Test
    void everyErrorOfAFileIsReportedInLineOrder() {
        List<String> errs = errors(String.join("\n",
                "start:",
                "    movx eax, 1",
                "    mov al, 300",
                "    mov eax, [eax+bx]",
                "    jmp nowhere",
                "    mov exz, 1",
                "start:",
                "    add eax, (3"));
        assertEquals(List.of(
                "hello.asm:2:5: unknown instruction 'movx'",
                "hello.asm:3:13: value 300 out of range for an 8-bit immediate (-128..255)",
                "hello.asm:4:14: 16-bit register 'bx' in a 32-bit address",
                "hello.asm:5:9: undefined symbol 'nowhere'",
                "hello.asm:6:9: unknown register 'exz'",
                "hello.asm:7:1: duplicate label 'start' (first defined on line 1)",
                "hello.asm:8:16: expected ')', found end of line"), errs);
    }

    @Test
    void errorsAreCappedWithAFinalNote() {
        String src = "movx eax\n".repeat(500);
        List<AsmError> errs = Assembler.assemble(src, "many.asm", AsmOptions.defaults().withMaxErrors(10)).errors();
        assertEquals(11, errs.size());
        assertTrue(errs.get(10).message().startsWith("too many errors"), errs.get(10).toString());
    }
}
