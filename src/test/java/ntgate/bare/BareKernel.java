package ntgate.bare;

import ntgate.asm.AsmOptions;
import ntgate.asm.AsmResult;
import ntgate.asm.Assembler;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The Multiboot test kernel ({@code src/test/resources/bare/kernel.asm}), assembled by ntgate's own
 * assembler, and what it prints on port 0xE9 when every step behaves as the SDM says.
 */
final class BareKernel {
    private BareKernel() {}

    /**
     * The expected debugcon output, with the addresses taken from the assembled kernel's symbols. Each line
     * is one step with the state that proves it: the selectors SYSEXIT gave ring 3 and those SYSENTER
     * derived from IA32_SYSENTER_CS = 0x08, ESP = IA32_SYSENTER_ESP, IF cleared by SYSENTER and by the
     * interrupt gate; the INT 0x80 frame on the TSS.ESP0 stack (return EIP, CS 0x1B, ring 3's IF = 1, user
     * ESP and SS 0x23); the error code, CR2 and faulting EIP of a not-present read (0x4) and of a write to a
     * read-only user page (0x7).
     */
    static String expectedOutput(AsmResult k) {
        long kstack = sym(k, "kstack_top"), ustack = sym(k, "ustack_top");
        long read = sym(k, "user_main.read"), write = sym(k, "user_main.write");
        return "boot\n"
                + "sysenter from cs=0000001b ss=00000023 cs=00000008 ss=00000010 esp=%08x if=00000000\n".formatted(kstack)
                + "int 0x80 eip=%08x cs=0000001b user_if=00000001 esp=%08x ss=00000023 kesp=%08x if=00000000\n"
                        .formatted(read, ustack, kstack)
                + "page fault err=00000004 cr2=00400000 eip=%08x cs=0000001b\n".formatted(read)
                + "page fault err=00000007 cr2=00400000 eip=%08x cs=0000001b\n".formatted(write)
                + "done\n";
    }

    private static long sym(AsmResult k, String name) {
        return k.symbol(name).orElseThrow(() -> new AssertionError("kernel.asm defines no " + name));
    }

    /** The kernel ends through isa-debug-exit with 0x10: exit code (0x10 << 1) | 1. */
    static final int EXIT = 0x21;

    static String source() throws IOException {
        try (InputStream in = BareKernel.class.getResourceAsStream("/bare/kernel.asm")) {
            return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    /** Assembles the kernel with {@link Assembler}, failing the test on any error. */
    static AsmResult assemble() throws IOException {
        return Assembler.assemble(source(), "kernel.asm", AsmOptions.defaults()).orThrow();
    }

    /** Writes the assembled kernel's image into {@code dir}. */
    static Path write(AsmResult k, Path dir) throws IOException {
        Path bin = dir.resolve("kernel.bin");
        Files.write(bin, k.image());
        return bin;
    }
}
