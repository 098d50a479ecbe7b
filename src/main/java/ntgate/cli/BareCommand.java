package ntgate.cli;

import ntgate.bare.BareImage;
import ntgate.bare.BareMachine;
import ntgate.cpu.CpuState;
import ntgate.cpu.Seg;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code ntgate bare}: runs a bare-metal kernel (Multiboot v1, or a flat binary) on the emulated CPU. */
@Command(name = "bare", mixinStandardHelpOptions = true,
        description = {
            "Boot a bare-metal kernel on the emulated CPU.",
            "The kernel is a Multiboot v1 image (ELF32, or a binary with the a.out-kludge address fields),",
            "or a flat binary with --load and --entry. Port 0xE9 and COM1 (0x3F8) print to stdout; a write of V to",
            "port 0xF4 (isa-debug-exit) ends the run with exit code (V << 1) | 1.",
            "Other endings: HLT (there are no interrupt sources) exits 0; a triple fault exits 3; --max-insns exits 4;",
            "all three with a report on stderr."})
public final class BareCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "IMAGE", description = "The kernel image.")
    Path image;

    @Option(names = "--load", description = "Load a flat binary at this physical address (with --entry).")
    String load;

    @Option(names = "--entry", description = "Entry point of a flat binary (default: the load address).")
    String entry;

    @Option(names = "--max-insns", defaultValue = "1000000000", description = "Instruction budget (default ${DEFAULT-VALUE}).")
    long maxInsns;

    @Option(names = "--mem", defaultValue = "128", description = "RAM in MiB (default ${DEFAULT-VALUE}).")
    int memMiB;

    @Option(names = "--trace", description = "Print the registers before every instruction, like QEMU's -d cpu.")
    boolean trace;

    @Override
    public Integer call() throws IOException {
        byte[] file;
        try {
            file = Files.readAllBytes(image);
        } catch (IOException e) {
            System.err.println("ntgate bare: cannot read " + image + ": " + e.getMessage());
            return 2;
        }
        if (memMiB < 2 || memMiB > 1024) {
            System.err.println("ntgate bare: --mem must be 2..1024 MiB");
            return 2;
        }
        PrintStream out = new PrintStream(new BufferedOutputStream(System.out), false);
        BareMachine m = new BareMachine(memMiB << 20, out);
        try {
            BareImage im;
            if (load != null) {
                int at = EvalCommand.parseInt(load);
                im = BareImage.flat(file, at, entry != null ? EvalCommand.parseInt(entry) : at);
            } else {
                if (entry != null) throw new IllegalArgumentException("--entry needs --load");
                im = BareImage.multiboot(file);
            }
            m.boot(im);
        } catch (IllegalArgumentException e) {
            System.err.println("ntgate bare: " + image + ": " + e.getMessage());
            return 2;
        }
        BareMachine.End end = m.run(maxInsns, trace ? out : null);
        out.flush();
        CpuState st = m.cpu.st;
        switch (end) {
            case EXIT_DEVICE:
                return m.exitCode;
            case HALT:
                System.err.printf("ntgate bare: halted at %04x:%08x with interrupts %s after %d instructions%n",
                        st.segSel[Seg.CS], st.eip - 1, (st.eflags() & CpuState.IF) != 0 ? "enabled (nothing can wake it)" : "disabled",
                        m.cpu.icount);
                return 0;
            case TRIPLE_FAULT:
                System.err.printf("ntgate bare: triple fault (the processor shut down) after %d instructions; the first event was %s%n",
                        m.cpu.icount, m.cpu.lastFault == null ? "unknown" : m.cpu.lastFault.getMessage());
                if (m.cpu.note != null) System.err.println("  " + m.cpu.note);
                System.err.println(registers(m));
                return 3;
            default:
                System.err.printf("ntgate bare: instruction budget of %d used up at %04x:%08x%n", maxInsns, st.segSel[Seg.CS], st.eip);
                System.err.println(registers(m));
                return 4;
        }
    }

    static String registers(BareMachine m) {
        int[] g = m.cpu.gpr;
        CpuState st = m.cpu.st;
        return String.format("  EAX=%08x EBX=%08x ECX=%08x EDX=%08x ESI=%08x EDI=%08x EBP=%08x ESP=%08x%n"
                        + "  EIP=%08x EFL=%08x CPL=%d CS=%04x SS=%04x DS=%04x CR0=%08x CR2=%08x CR3=%08x CR4=%08x%n"
                        + "  GDT=%08x/%04x IDT=%08x/%04x TR=%04x",
                g[0], g[3], g[1], g[2], g[6], g[7], g[5], g[4], st.eip, st.eflags(), st.cpl, st.segSel[Seg.CS],
                st.segSel[Seg.SS], st.segSel[Seg.DS], st.cr0, st.cr2, st.cr3, st.cr4, st.gdtrBase, st.gdtrLimit,
                st.idtrBase, st.idtrLimit, st.trSel);
    }
}
