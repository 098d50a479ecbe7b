package ntgate.nt.layout;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import ntgate.asm.AsmOptions;
import ntgate.asm.Assembler;
import org.junit.jupiter.api.Test;

/** The layouts are the assembler's symbols (STYLE.md §7): guest sources name fields, not offsets. */
class LayoutSymbolsAsmTest {

    @Test
    void kiFastCallEntryLinesAssembleWithLayoutSymbols() {
        String src = String.join("\n",
                "mov [ebp + KTRAP_FRAME.Eip], edi",
                "mov ebx, [fs:KPCR.SelfPcr]",
                "mov esi, [ebx + KPCR.PrcbData.CurrentThread]",
                "mov byte [esi + KTHREAD.PreviousMode], UserMode",
                "push KGDT_R0_PCR",
                "inc dword [fs:KPCR.PrcbData.KeSystemCalls]",
                "cmp esi, [MM_USER_PROBE_ADDRESS]",
                "");
        byte[] code = Assembler.assemble(src, "t.asm", AsmOptions.defaults().withResolver(Layouts.resolver()))
                .orThrow().text();
        assertArrayEquals(new byte[] {
            (byte) 0x89, 0x7D, 0x68,                                  // mov [ebp+68h],edi
            0x64, (byte) 0x8B, 0x1D, 0x1C, 0, 0, 0,                   // mov ebx,fs:[1Ch]
            (byte) 0x8B, (byte) 0xB3, 0x24, 0x01, 0, 0,               // mov esi,[ebx+124h]
            (byte) 0xC6, (byte) 0x86, 0x40, 0x01, 0, 0, 0x01,         // mov byte [esi+140h],1
            0x6A, 0x30,                                               // push 30h
            0x64, (byte) 0xFF, 0x05, 0x38, 0x06, 0, 0,                // inc dword fs:[638h]
            0x3B, 0x35, 0, 0, (byte) 0xFF, 0x7F,                      // cmp esi,[7FFF0000h]
        }, code);
    }
}
