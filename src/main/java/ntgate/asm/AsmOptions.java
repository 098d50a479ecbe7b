package ntgate.asm;

import java.util.Objects;
import java.util.OptionalLong;

/**
 * How to assemble: where the first section starts, the initial BITS, how names the source does not
 * define are resolved, and how sections are aligned.
 *
 * @param base         linear address of the first section ({@code org} in the source overrides it)
 * @param bits         16 or 32, until a {@code bits} directive says otherwise
 * @param resolver     supplies values for names the source does not define: {@code extern} names and
 *                     structure fields such as {@code KTRAP_FRAME.Eip}
 * @param sectionAlign the minimum alignment of each section after the first (NASM's bin format uses 4);
 *                     {@code align N} inside a section raises that section's alignment to N
 * @param maxErrors    stop collecting errors after this many
 * @param windbg       also accept the disassembler's WinDbg dialect (see {@link Assembler}): bare numbers are
 *                     hexadecimal, {@code dword ptr}, {@code ds:[abs]} without a prefix, {@code sal} as the
 *                     /6 row
 * @param masm         MASM's encoding choices where MASM and NASM differ (see {@link AsmEncoder}): the kernel and
 *                     ntdll sources are assembled so, so that their bytes are XP's; NASM's stay the default
 */
public record AsmOptions(long base, int bits, Resolver resolver, int sectionAlign, int maxErrors, boolean windbg,
                         boolean masm) {

    /** Values for names the source leaves undefined (an empty result: not known either). */
    @FunctionalInterface
    public interface Resolver {
        OptionalLong resolve(String name);

        Resolver NONE = name -> OptionalLong.empty();
    }

    public AsmOptions {
        Objects.requireNonNull(resolver, "resolver");
        if (bits != 16 && bits != 32) throw new IllegalArgumentException("bits must be 16 or 32");
        if (sectionAlign < 1 || Integer.bitCount(sectionAlign) != 1) throw new IllegalArgumentException("sectionAlign must be a power of two");
        if (maxErrors < 1) throw new IllegalArgumentException("maxErrors must be positive");
    }

    /** 32-bit code at 0, no resolver, sections aligned to 4, up to 100 errors. */
    public static AsmOptions defaults() {
        return new AsmOptions(0, 32, Resolver.NONE, 4, 100, false, false);
    }

    public AsmOptions withBase(long newBase) {
        return new AsmOptions(newBase, bits, resolver, sectionAlign, maxErrors, windbg, masm);
    }

    public AsmOptions withBits(int newBits) {
        return new AsmOptions(base, newBits, resolver, sectionAlign, maxErrors, windbg, masm);
    }

    public AsmOptions withResolver(Resolver r) {
        return new AsmOptions(base, bits, r, sectionAlign, maxErrors, windbg, masm);
    }

    public AsmOptions withSectionAlign(int align) {
        return new AsmOptions(base, bits, resolver, align, maxErrors, windbg, masm);
    }

    public AsmOptions withMaxErrors(int max) {
        return new AsmOptions(base, bits, resolver, sectionAlign, max, windbg, masm);
    }

    /** Reads the disassembler's WinDbg dialect as well as NASM's (see {@link Assembler}). */
    public AsmOptions withWindbg(boolean on) {
        return new AsmOptions(base, bits, resolver, sectionAlign, maxErrors, on, masm);
    }

    /**
     * MASM's encoding choices (XP's kernel and ntdll were built with MASM and MSVC): {@code op reg,reg} takes the
     * {@code r, r/m} opcode ({@code 2B E1} for {@code sub esp,ecx}, NASM {@code 29 CC}).
     */
    public AsmOptions withMasm(boolean on) {
        return new AsmOptions(base, bits, resolver, sectionAlign, maxErrors, windbg, on);
    }
}
