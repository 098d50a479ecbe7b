package ntgate.cli;

import ntgate.asm.AsmError;
import ntgate.asm.AsmOptions;
import ntgate.asm.AsmResult;
import ntgate.asm.AsmSection;
import ntgate.asm.Assembler;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code ntgate asm FILE.asm -o FILE.bin [--base ADDR] [--listing]}: assembles a NASM-syntax file into a
 * flat image (as {@code nasm -f bin} would). Errors go to stderr as {@code file:line:col: message}, and
 * the exit code is 2.
 */
@Command(name = "asm", mixinStandardHelpOptions = true,
        description = "Assemble a NASM-syntax source into a flat binary image.")
public final class AsmCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "FILE.asm", description = "The source file.")
    Path source;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE.bin", description = "Where to write the image (default: FILE.bin beside the source).")
    Path output;

    @Option(names = "--base", paramLabel = "ADDR", defaultValue = "0",
            description = "Address of the first section (0x400000, 400000h or decimal; default ${DEFAULT-VALUE}). 'org' in the source overrides it.")
    String base;

    @Option(names = "--bits", paramLabel = "16|32", defaultValue = "32", description = "Initial BITS (default ${DEFAULT-VALUE}).")
    int bits;

    @Option(names = "--windbg", description = "Also accept the disassembler's WinDbg spellings (dword ptr, bare hex numbers such as 0BF2Ch, jnz 8053e5cd), so 'ntgate disasm' output assembles back.")
    boolean windbg;

    @Option(names = "--listing", description = "Print a listing to stdout: address, bytes, source, annotation; then the sections.")
    boolean listing;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut(), err = spec.commandLine().getErr();
        Long baseValue = parseAddress(base);
        if (baseValue == null) {
            err.println("ntgate asm: invalid --base '" + base + "'");
            return 2;
        }
        if (bits != 16 && bits != 32) {
            err.println("ntgate asm: --bits must be 16 or 32");
            return 2;
        }
        String text;
        try {
            text = Files.readString(source, StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            err.println("ntgate asm: cannot read " + source + ": " + e.getMessage());
            return 2;
        }
        AsmResult r = Assembler.assemble(text, source.toString(), AsmOptions.defaults().withBase(baseValue).withBits(bits).withWindbg(windbg));
        if (!r.ok()) {
            for (AsmError e : r.errors()) err.println(e);
            err.flush();
            return 2;
        }
        Path target = output != null ? output : defaultOutput(source);
        try {
            Files.write(target, r.image());
        } catch (IOException e) {
            err.println("ntgate asm: cannot write " + target + ": " + e.getMessage());
            return 2;
        }
        if (listing) {
            out.print(r.listing());
            for (AsmSection s : r.sections()) out.println("; section " + s);
            out.flush();
        }
        return 0;
    }

    private static Path defaultOutput(Path src) {
        String n = src.getFileName().toString();
        int dot = n.lastIndexOf('.');
        return src.resolveSibling((dot > 0 ? n.substring(0, dot) : n) + ".bin");
    }

    /** 0x400000, 400000h or decimal; null when it is none of those. */
    static Long parseAddress(String s) {
        String t = s.strip().toLowerCase().replace("_", "");
        try {
            if (t.startsWith("0x")) return Long.parseUnsignedLong(t.substring(2), 16);
            if (t.endsWith("h")) return Long.parseUnsignedLong(t.substring(0, t.length() - 1), 16);
            return Long.parseUnsignedLong(t);
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
