package ntgate.cli;

import ntgate.cpu.Cpu;
import ntgate.cpu.CpuFault;
import ntgate.cpu.CpuHooks;
import ntgate.cpu.decode.Insn;
import ntgate.cpu.decode.Op;
import ntgate.nt.NtSystem;
import ntgate.nt.ke.Services;
import ntgate.nt.layout.Dt;
import ntgate.nt.layout.GuestReader;
import ntgate.nt.layout.Layouts;
import ntgate.nt.layout.Struct;
import ntgate.trace.Tracer;
import ntgate.trace.Hooks;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code ntgate demo}: boots the machine, runs the bundled demo.asm (system calls through SYSENTER and INT 2Eh, an
 * invalid service, a kernel-address argument, a user APC), then shows one round trip as the annotated gate trace
 * and the KTRAP_FRAME that KiFastCallEntry built for it. The output is the same, byte for byte, on every run.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {
            "Boot the XP SP3 kernel and run a bundled program that makes system calls through SYSENTER and INT 2Eh.",
            "Then show one round trip (NtTestAlert) as an annotated instruction trace, and the KTRAP_FRAME it built."})
public final class DemoCommand implements Callable<Integer> {
    static final String RESOURCE = "/ntgate/demo/demo.asm";
    /** The call shown in full: the first NtTestAlert, which finds nothing pending. */
    static final String TRACED = "NtTestAlert";
    private static final long BUDGET = 10_000_000L;
    private static final String RULE = "=".repeat(100);
    /** The widest line the demo prints (it is meant for 80 to 160 column terminals). */
    static final int WIDTH = 160;

    @Option(names = "--html", arity = "0..1", paramLabel = "FILE", fallbackValue = "demo.html",
            description = "Write the HTML report of the demo's run to FILE (default demo.html) instead of printing the tour.")
    java.nio.file.Path html;

    @Option(names = "--lang", paramLabel = "en|zh", converter = LangOption.class, description = LangOption.DESCRIPTION)
    ntgate.asm.Lang lang = ntgate.asm.Lang.EN;

    @Override
    public Integer call() {
        PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
        int rc = html != null ? html(html, lang, out) : run(out, lang);
        out.flush();
        return rc;
    }

    /** {@code demo --html FILE}: the report of the demo program, opened on the traced call; says where it went. */
    static int html(java.nio.file.Path file, ntgate.asm.Lang lang, PrintStream out) {
        ByteArrayOutputStream guestOut = new ByteArrayOutputStream();
        NtSystem.Options o = new NtSystem.Options();
        o.commandLine = "demo.asm";
        o.stdout = guestOut;
        o.stderr = guestOut;
        NtSystem sys;
        try {
            sys = NtSystem.boot(resource(), "demo.asm", o);
        } catch (NtSystem.LoadError e) {
            out.println("ntgate demo: the bundled program does not load:\n" + e.getMessage());
            return 70;
        }
        return ReportCommand.write(sys, new ntgate.report.Capture.Pick(0, TRACED), BUDGET, lang, "demo.asm", guestOut, file, "demo", out);
    }

    /** Runs the demo, printing everything to {@code out}; returns the exit code (0 when the program exited with 0). */
    public static int run(PrintStream out) {
        return run(out, ntgate.asm.Lang.EN);
    }

    /** {@link #run(PrintStream)} with the gate trace's annotations in {@code lang}. */
    public static int run(PrintStream out, ntgate.asm.Lang lang) {
        ByteArrayOutputStream guestOut = new ByteArrayOutputStream();
        ByteArrayOutputStream calls = new ByteArrayOutputStream();
        ByteArrayOutputStream gate = new ByteArrayOutputStream();
        NtSystem.Options o = new NtSystem.Options();
        o.commandLine = "demo.asm";
        o.stdout = guestOut;
        o.stderr = guestOut;
        NtSystem sys;
        try {
            sys = NtSystem.boot(resource(), "demo.asm", o);
        } catch (NtSystem.LoadError e) {
            out.println("ntgate demo: the bundled program does not load:\n" + e.getMessage());
            return 70;
        }
        PrintStream callsPs = new PrintStream(calls, true, StandardCharsets.UTF_8);
        PrintStream gatePs = new PrintStream(gate, true, StandardCharsets.UTF_8);
        Tracer st = Tracer.text(sys, callsPs, Tracer.Scope.SYSCALLS);
        OneCall one = new OneCall(sys, Tracer.text(sys, gatePs, Tracer.Scope.GATE).language(lang), Services.byName(TRACED).number());
        sys.cpu.setHooks(Hooks.combine(st, one));
        NtSystem.End end = sys.run(BUDGET);
        st.finish();
        sys.cpu.setHooks(null);

        boolean zh = lang == ntgate.asm.Lang.ZH;
        out.println(zh ? "ntgate demo：逐条指令运行的 Windows XP SP3（x86，PAE）系统调用门"
                : "ntgate demo: the Windows XP SP3 (x86, PAE) system-call gate, run instruction by instruction");
        out.println(RULE);
        out.println(zh ? "系统调用门是客户机代码：ntdll!KiFastSystemCall -> sysenter -> nt!KiFastCallEntry -> 服务例程 ->"
                : "The gate is guest code: ntdll!KiFastSystemCall -> sysenter -> nt!KiFastCallEntry -> service ->");
        out.println(zh ? "nt!KiServiceExit -> sysexit（或 int 2Eh -> nt!KiSystemService -> iretd），地址与 XP 相同。"
                : "nt!KiServiceExit -> sysexit (or int 2Eh -> nt!KiSystemService -> iretd), at XP's addresses.");
        out.println();

        section(out, (zh ? "1. 程序的输出（src/main/resources" : "1. The program's output (src/main/resources") + RESOURCE + (zh ? "）" : ")"),
                zh ? "每一行都由 NtWriteFile 写出；程序打印它所做每个调用的 NTSTATUS。"
                   : "Each line is written by NtWriteFile; the program prints the NTSTATUS of every call it makes.");
        out.print(guestOut.toString(StandardCharsets.UTF_8));
        out.println();

        section(out, zh ? "2. 系统调用，与 --trace syscalls 的显示相同" : "2. The system calls, as --trace syscalls shows them",
                zh ? "每个调用返回时一行；打印上面各行的 NtWriteFile 调用略去不列。"
                   : "One line per call when it returns; the NtWriteFile calls that printed the lines above are left out.");
        for (String line : calls.toString(StandardCharsets.UTF_8).split("\n")) {
            if (line.isEmpty() || line.startsWith("NtWriteFile(") && line.endsWith("STATUS_SUCCESS")) continue;
            out.println("  " + line);
        }
        out.println();

        section(out, zh ? "3. 一次往返：第 2 个调用，没有待处理事项的 " + TRACED + "，经 SYSENTER 进入、SYSEXIT 返回"
                        : "3. One round trip: call 2, " + TRACED + " with nothing pending, through SYSENTER and SYSEXIT",
                zh ? "每条指令：地址、符号、反汇编 ; 源代码中的注释  => 它写入的寄存器和内存。"
                   : "Every instruction: address, symbol, disassembly ; the source's annotation  => registers and memory it wrote.");
        for (String line : gate.toString(StandardCharsets.UTF_8).split("\n")) printWrapped(out, line);
        out.println();

        section(out, zh ? "4. KiFastCallEntry 为该调用建立的陷阱帧 (KTRAP_FRAME)" : "4. The KTRAP_FRAME that KiFastCallEntry built for that call",
                zh ? "在服务主体处（nt!" + TRACED + " 中的 hostcall）按 KTHREAD.TrapFrame 读取；格式同 dt nt!_KTRAP_FRAME。"
                   : "Read at the service body (the hostcall in nt!" + TRACED + "), KTHREAD.TrapFrame; dt nt!_KTRAP_FRAME style.");
        if (one.frame == null) {
            out.println("  (the service body was not reached)");
        } else {
            out.print(Dt.format(Layouts.KTRAP_FRAME, Integer.toUnsignedLong(one.frameAddress),
                    snapshot(Integer.toUnsignedLong(one.frameAddress), one.frame)));
            out.printf(Locale.ROOT, "Eip = SharedUserData.SystemCallReturn (%s), HardwareEsp = the user ESP that KiFastSystemCall%n"
                    + "passed in EDX, SegCs/HardwareSegSs = the user selectors: what KiSystemCallExit2 hands to SYSEXIT.%n",
                    sys.symbolize(sys.ntdllSymbol("KiFastSystemCallRet")));
        }
        out.println(RULE);
        if (end != NtSystem.End.EXITED) {
            out.println("ntgate demo: the program did not finish (" + end + " at " + sys.symbolize(sys.cpu.st.eip) + ")");
            return 70;
        }
        out.printf(Locale.ROOT, "The program exited with status 0x%08X after %d instructions.%n", sys.k.exitStatus, sys.cpu.icount);
        return sys.k.exitStatus == 0 ? 0 : 1;
    }

    /** Keeps trace lines within {@link #WIDTH} columns: what an instruction wrote moves to an indented next line. */
    private static void printWrapped(PrintStream out, String line) {
        int at = line.indexOf("  => ");
        if (line.length() <= WIDTH) {
            out.println(line);
            return;
        }
        String head = at < 0 ? line : line.substring(0, at).stripTrailing();
        int semi = head.indexOf(" ; ");
        int cut = head.lastIndexOf(' ', WIDTH);
        if (head.length() > WIDTH && semi > 0 && cut > semi + 3) {
            out.println(head.substring(0, cut));
            out.println(" ".repeat(semi + 1) + ";  " + head.substring(cut + 1));
        } else {
            out.println(head);
        }
        if (at < 0) return;
        String indent = " ".repeat(9);
        StringBuilder cur = new StringBuilder(indent).append("=>");
        for (String item : line.substring(at + 5).split(" ")) {
            if (cur.length() + 1 + item.length() > WIDTH) {
                out.println(cur);
                cur = new StringBuilder(indent).append("  ");
            }
            cur.append(' ').append(item);
        }
        out.println(cur);
    }

    private static void section(PrintStream out, String title, String explanation) {
        out.println(title);
        out.println("-".repeat(title.codePoints().map(c -> c >= 0x2E80 ? 2 : 1).sum()));   // CJK characters are two columns wide
        out.println(explanation);
    }

    private static GuestReader snapshot(long base, byte[] bytes) {
        return linear -> {
            long i = linear - base;
            if (i < 0 || i >= bytes.length) throw new GuestReader.Unreadable(linear);
            return bytes[(int) i] & 0xFF;
        };
    }

    static String resource() {
        try (InputStream in = DemoCommand.class.getResourceAsStream(RESOURCE)) {
            if (in == null) throw new IllegalStateException("missing resource " + RESOURCE);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Passes the events of one system call (the first ring-3 SYSENTER or INT 2Eh with EAX = {@code number}, up to
     * the SYSEXIT or IRETD back to ring 3) to a gate tracer, and copies the trap frame when the service body's
     * hostcall is about to run.
     */
    static final class OneCall implements CpuHooks {
        private final NtSystem sys;
        private final Tracer tracer;
        private final int number;
        private boolean open, done;
        int frameAddress;
        byte[] frame;

        OneCall(NtSystem sys, Tracer tracer, int number) {
            this.sys = sys;
            this.tracer = tracer;
            this.number = number;
        }

        @Override
        public boolean beforeInsn(Cpu cpu, Insn in) {
            if (!open && !done && cpu.st.cpl == 3 && cpu.gpr[0] == number
                    && (in.op == Op.SYSENTER || in.op == Op.INT_Ib && (in.imm & 0xFF) == 0x2E)) {
                open = true;
            }
            if (!open) return true;
            if (in.op == Op.HOSTCALL && frame == null) capture();
            return tracer.beforeInsn(cpu, in);
        }

        @Override
        public void afterInsn(Cpu cpu, Insn in, int eip) {
            if (!open) return;
            tracer.afterInsn(cpu, in, eip);
            if ((in.op == Op.SYSEXIT || in.op == Op.IRET) && cpu.st.cpl == 3) {
                open = false;
                done = true;
            }
        }

        @Override
        public void onFault(Cpu cpu, CpuFault fault, int eip) {
            if (open) tracer.onFault(cpu, fault, eip);
        }

        private void capture() {
            frameAddress = sys.mem.get(Layouts.KTHREAD, sys.k.currentThread(), "TrapFrame");
            Struct f = Layouts.KTRAP_FRAME;
            byte[] b = new byte[f.size()];
            for (int i = 0; i < b.length; i++) b[i] = (byte) sys.mem.u8(Integer.toUnsignedLong(frameAddress) + i);
            frame = b;
        }
    }
}
