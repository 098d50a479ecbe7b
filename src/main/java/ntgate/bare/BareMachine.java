package ntgate.bare;

import ntgate.cpu.Cpu;
import ntgate.cpu.CpuHooks;
import ntgate.cpu.CpuState;
import ntgate.cpu.IoBus;
import ntgate.cpu.Seg;
import ntgate.cpu.decode.Insn;
import ntgate.cpu.exec.Interrupts;
import ntgate.cpu.mem.PhysicalMemory;

import java.io.OutputStream;
import java.io.PrintStream;

/**
 * A PC-like machine for bare-metal kernels: RAM from address 0, the CPU in the state the Multiboot
 * specification hands over (32-bit protected mode, flat ring-0 CS and data segments, paging off, interrupts
 * off), and three devices: the 0xE9 debug console, the transmit side of a 16550 UART at COM1 (0x3F8), and
 * QEMU's isa-debug-exit at 0xF4 (a write of V ends the run with exit code (V &lt;&lt; 1) | 1).
 */
public final class BareMachine {
    /** Where the Multiboot information structure and its memory map are placed. */
    public static final int INFO = 0x9000;
    public static final int PORT_DEBUGCON = 0xE9, PORT_COM1 = 0x3F8, PORT_DEBUG_EXIT = 0xF4;

    /** How a run ended. */
    public enum End { EXIT_DEVICE, HALT, TRIPLE_FAULT, BUDGET }

    public final Cpu cpu;
    private final OutputStream console;
    /** The isa-debug-exit code, when {@link End#EXIT_DEVICE}. */
    public int exitCode;
    private boolean exitRequested;

    public BareMachine(int memoryBytes, OutputStream console) {
        this.cpu = new Cpu(new PhysicalMemory(memoryBytes));
        this.console = console;
        cpu.setIo(new Devices());
        cpu.delivery = new Interrupts();
    }

    /** Loads the image into RAM and sets up the Multiboot hand-over state. */
    public void boot(BareImage im) {
        PhysicalMemory mem = cpu.mem;
        for (BareImage.Segment s : im.segments) {
            if (s.physical() + s.memLength() > mem.size()) {
                throw new IllegalArgumentException(String.format("segment at 0x%08X (+0x%X bytes) is beyond the %d MiB of RAM",
                        s.physical(), s.memLength(), mem.size() >> 20));
            }
            cpu.hostWrite(s.physical(), im.file, s.fileOffset(), s.fileLength());
            for (long a = s.physical() + s.fileLength(); a < s.physical() + s.memLength(); a++) mem.write8(a, 0);
        }
        CpuState st = cpu.st;
        st.cr0 = CpuState.CR0_PE | CpuState.CR0_ET;
        st.cr3 = 0;
        st.cr4 = 0;
        st.gdtrBase = 0;
        st.gdtrLimit = 0;
        st.idtrBase = 0;
        st.idtrLimit = 0;
        st.setEflags(0x2);
        // Multiboot 0.6.96 section 3.2: CS a 32-bit read/execute segment with offset 0 and limit 0xFFFFFFFF;
        // DS, ES, FS, GS, SS 32-bit read/write segments with offset 0 and limit 0xFFFFFFFF.
        cpu.loadSegment(Seg.CS, 0x08, 0, 0xFFFFFFFF, 0xCF9B00);
        for (int s : new int[] {Seg.SS, Seg.DS, Seg.ES, Seg.FS, Seg.GS}) cpu.loadSegment(s, 0x10, 0, 0xFFFFFFFF, 0xCF9300);
        cpu.setCpl(0);
        cpu.mmu.flushAll();
        cpu.refreshAll();
        java.util.Arrays.fill(cpu.gpr, 0);
        st.eip = im.entry;
        if (im.multiboot) {
            writeInfo(mem);
            cpu.gpr[0] = BareImage.MULTIBOOT_BOOTLOADER_MAGIC;
            cpu.gpr[3] = INFO;
        }
    }

    /** The Multiboot information: flags 0 (mem_lower/upper), 6 (memory map), 9 (boot loader name). */
    private void writeInfo(PhysicalMemory mem) {
        for (int i = 0; i < 0x100; i += 4) mem.write32(INFO + i, 0);
        int upperKb = (mem.size() - 0x100000) / 1024;
        int mmap = INFO + 0x80, name = INFO + 0xE0;
        mem.write32(INFO, 1 | (1 << 6) | (1 << 9));
        mem.write32(INFO + 4, 639);
        mem.write32(INFO + 8, upperKb);
        mem.write32(INFO + 44, 2 * 24);
        mem.write32(INFO + 48, mmap);
        mem.write32(INFO + 64, name);
        long[][] ranges = {{0, 0x9FC00}, {0x100000, mem.size() - 0x100000L}};
        for (int i = 0; i < 2; i++) {
            int e = mmap + 24 * i;
            mem.write32(e, 20);
            mem.write64(e + 4, ranges[i][0]);
            mem.write64(e + 12, ranges[i][1]);
            mem.write32(e + 20, 1);
        }
        byte[] n = "ntgate\0".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        mem.load(name, n, 0, n.length);
    }

    /**
     * Runs until the exit device is written, the CPU halts with no interrupt to wake it (ntgate has no interrupt
     * controller, so any HLT ends the run), a triple fault, or {@code maxInsns}.
     */
    public End run(long maxInsns, PrintStream trace) {
        if (trace != null) cpu.setHooks(new Tracer(trace));
        long end = cpu.icount + maxInsns;
        while (cpu.icount < end) {
            Cpu.Stop s = cpu.run(end - cpu.icount);
            if (exitRequested) return End.EXIT_DEVICE;
            switch (s) {
                case HALT: return End.HALT;
                case TRIPLE_FAULT: return End.TRIPLE_FAULT;
                case SHUTDOWN: return End.EXIT_DEVICE;
                case BUDGET: return End.BUDGET;
                default: break;
            }
        }
        return End.BUDGET;
    }

    /** A QEMU {@code -d cpu}-style register block before every instruction. */
    private static final class Tracer implements CpuHooks {
        private final PrintStream out;

        Tracer(PrintStream out) {
            this.out = out;
        }

        @Override
        public boolean beforeInsn(Cpu cpu, Insn insn) {
            int[] g = cpu.gpr;
            CpuState st = cpu.st;
            out.printf("EAX=%08x EBX=%08x ECX=%08x EDX=%08x%n", g[0], g[3], g[1], g[2]);
            out.printf("ESI=%08x EDI=%08x EBP=%08x ESP=%08x%n", g[6], g[7], g[5], g[4]);
            out.printf("EIP=%08x EFL=%08x CPL=%d HLT=0 ; %s%n", st.eip, st.eflags(), st.cpl, insn);
            out.printf("CS=%04x SS=%04x DS=%04x CR0=%08x CR2=%08x CR3=%08x CR4=%08x%n", st.segSel[Seg.CS],
                    st.segSel[Seg.SS], st.segSel[Seg.DS], st.cr0, st.cr2, st.cr3, st.cr4);
            return true;
        }
    }

    private final class Devices implements IoBus {
        private int lcr;

        @Override
        public int in(int port, int size) {
            return switch (port) {
                case PORT_DEBUGCON -> 0xE9;                  // QEMU's debugcon reads back 0xE9
                case PORT_COM1 + 5 -> 0x60;                  // LSR: transmitter empty
                case PORT_COM1 + 3 -> lcr;
                default -> port >= PORT_COM1 && port < PORT_COM1 + 8 ? 0 : IoBus.NONE.in(port, size);
            };
        }

        @Override
        public void out(int port, int size, int value) {
            if (port == PORT_COM1 + 3) {
                lcr = value & 0xFF;                          // LCR: bit 7 (DLAB) maps 0x3F8 to the divisor latch
            } else if (port == PORT_DEBUGCON || (port == PORT_COM1 && (lcr & 0x80) == 0)) {
                write(value & 0xFF);
            } else if (port == PORT_DEBUG_EXIT) {
                exitCode = ((value & (size == 1 ? 0xFF : size == 2 ? 0xFFFF : -1)) << 1) | 1;
                exitRequested = true;
                cpu.pendingStop = Cpu.Stop.SHUTDOWN;
            }
        }

        private void write(int b) {
            try {
                console.write(b);
                if (b == '\n') console.flush();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }
}
