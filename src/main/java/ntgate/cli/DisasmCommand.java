package ntgate.cli;

import ntgate.asm.Disassembler;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code ntgate disasm}: disassembles a raw binary file or hex bytes, one {@code address  bytes  text} line per
 * instruction. Bad input (no such file, bad hex, a bad address) is one line on stderr and exit code 2.
 */
@Command(name = "disasm", mixinStandardHelpOptions = true,
        description = "Disassemble raw x86 bytes (Intel syntax, WinDbg dialect).",
        footer = {"", "Examples:", "  ntgate disasm --hex \"8b ff 55 8b ec\" --base 7c90e27c",
            "  ntgate disasm KiFastCallEntry.bin --base 0x8053e540"})
public final class DisasmCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", arity = "0..1", paramLabel = "FILE", description = "Raw binary file to disassemble.")
    Path file;

    @Option(names = "--hex", paramLabel = "BYTES", description = "Bytes in hex instead of a file, e.g. \"0f 34\".")
    String hex;

    @Option(names = "--base", paramLabel = "ADDR", defaultValue = "0",
            description = "Address of the first byte, hexadecimal as in WinDbg (804d7000 or 0x804d7000). Default: 0.")
    String base;

    @Option(names = "--16", description = "Decode as 16-bit code (real mode, virtual-8086, 16-bit segments).")
    boolean code16;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        if ((file == null) == (hex == null)) {
            err.println("ntgate disasm: give either FILE or --hex BYTES");
            return 2;
        }
        Integer address = parseAddress(base);
        if (address == null) {
            err.println("ntgate disasm: bad --base address '" + base + "' (expected hexadecimal, e.g. 804d7000)");
            return 2;
        }
        byte[] bytes;
        if (hex != null) {
            bytes = parseHex(hex);
            if (bytes == null) {
                err.println("ntgate disasm: bad hex bytes '" + hex + "' (expected pairs of hex digits, e.g. \"0f 34\")");
                return 2;
            }
        } else {
            try {
                bytes = Files.readAllBytes(file);
            } catch (NoSuchFileException e) {
                err.println("ntgate disasm: no such file: " + file);
                return 2;
            } catch (IOException e) {
                err.println("ntgate disasm: cannot read " + file + ": " + e.getMessage());
                return 2;
            }
        }
        PrintWriter out = spec.commandLine().getOut();
        Disassembler dis = new Disassembler(!code16, Disassembler.Symbolizer.NONE);
        for (Disassembler.Line line : dis.disassembleAll(bytes, address)) out.println(line.listing());
        out.flush();
        return 0;
    }

    /** Hexadecimal with an optional 0x prefix or h suffix (WinDbg reads addresses as hex); null if bad. */
    static Integer parseAddress(String text) {
        String t = text.strip().replace("`", "");
        if (t.startsWith("0x") || t.startsWith("0X")) t = t.substring(2);
        else if (t.endsWith("h") || t.endsWith("H")) t = t.substring(0, t.length() - 1);
        if (t.isEmpty() || t.length() > 8 || !t.matches("[0-9a-fA-F]+")) return null;
        return (int) Long.parseLong(t, 16);
    }

    /** Pairs of hex digits, optionally separated by spaces or commas; null if bad or empty. */
    static byte[] parseHex(String text) {
        String t = text.replaceAll("[\\s,]+", "");
        if (t.isEmpty() || t.length() % 2 != 0 || !t.matches("[0-9a-fA-F]+")) return null;
        byte[] b = new byte[t.length() / 2];
        for (int i = 0; i < b.length; i++) b[i] = (byte) Integer.parseInt(t.substring(2 * i, 2 * i + 2), 16);
        return b;
    }
}
