package ntgate.nt;

import java.util.List;
import java.util.Map;

/**
 * A user program laid out in memory, ready to be mapped by {@link NtSystem}: the image's bytes from its base
 * (relocated and with imports bound), the page ranges to map with their protection, the entry point and what the
 * process start needs from the headers. Produced by the PE loader ({@code ntgate.pe}) or from an assembled
 * {@code .asm} program.
 *
 * @param name         the module's base name ({@code hello.exe}), used for PEB.Ldr and the tracer ({@code hello!main})
 * @param base         where the image is mapped (after relocation)
 * @param memory       the image from {@code base}: {@code memory.length} is the mapped extent (SizeOfImage)
 * @param ranges       the page-aligned ranges to map (headers, sections), relative to {@code base}
 * @param entry        the entry point's linear address
 * @param stackReserve the user stack to reserve (SizeOfStackReserve, 64 KiB aligned)
 * @param stackCommit  SizeOfStackCommit, as the headers give it (reported, see {@link NtSystem})
 * @param tlsCallbacks the image has a TLS directory with callbacks: ntdll calls them before the entry point
 * @param symbols      names for the tracer and the debugger (absolute addresses)
 */
public record ProgramImage(String name, int base, byte[] memory, List<Range> ranges, int entry, int stackReserve,
                           int stackCommit, boolean tlsCallbacks, Map<String, Long> symbols) {

    /** One mapped range: {@code [rva, rva+size)}, page aligned, writable and executable as the section says. */
    public record Range(String name, int rva, int size, boolean writable, boolean executable) {}

    /** The image's end (base + SizeOfImage). */
    public long end() {
        return Integer.toUnsignedLong(base) + memory.length;
    }

    /**
     * Builds the image against the booted machine's ntdll.
     */
    @FunctionalInterface
    public interface Source {
        /**
         * @param ntdllExports ntdll's exports by name (every global of ntdll.asm)
         * @param placement    which ranges of the user address space are free for the image
         * @throws NtSystem.LoadError one line naming what is wrong
         */
        ProgramImage load(Map<String, Integer> ntdllExports, Placement placement) throws NtSystem.LoadError;

        /** The stack reserve the program asks for, known before it is placed (the stack is placed first). */
        default int stackReserve() {
            return NtSystem.USER_STACK_SIZE;
        }
    }

    /** The free parts of the user address space. */
    @FunctionalInterface
    public interface Placement {
        /** True when {@code [base, base+size)} is in user space and overlaps nothing the system maps. */
        boolean free(int base, int size);
    }
}
