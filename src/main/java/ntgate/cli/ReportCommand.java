package ntgate.cli;

import ntgate.asm.Lang;
import ntgate.nt.NtSystem;
import ntgate.nt.ke.Services;
import ntgate.report.Capture;
import ntgate.report.ReportWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code ntgate report PROGRAM}: runs a program as {@code run} does and writes the HTML view of the run. */
@Command(name = "report", mixinStandardHelpOptions = true,
        description = {
            "Run a program (as 'ntgate run' does) and write one self-contained HTML page of the run:",
            "a summary, a timeline of every system call, and one call's trip through the gate stepped",
            "instruction by instruction with the registers and the kernel stack as the KTRAP_FRAME is built.",
            "Prints the page's path. Exit code: 0 when the page was written; 2 = bad input; 1 = the page could not be written."})
public final class ReportCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "PROGRAM", description = "The program (.exe or .asm).")
    Path file;

    @Parameters(index = "1..*", paramLabel = "ARGS", description = "The program's arguments (its command line).")
    List<String> args = new ArrayList<>();

    @Option(names = {"-o", "--output"}, paramLabel = "FILE.html", description = "Where to write the page (default: PROGRAM's name with .html, in the current directory).")
    Path output;

    @Option(names = "--call", paramLabel = "N", description = "Open the page on the trip of call N (1 = the first call of the run).")
    Integer callNumber;

    @Option(names = "--service", paramLabel = "NAME", description = "Open the page on the first call of service NAME (NtClose, ZwClose, ...).")
    String service;

    @Option(names = "--lang", paramLabel = "en|zh", converter = LangOption.class, description = LangOption.DESCRIPTION)
    Lang lang = Lang.EN;

    @Option(names = "--int2e", description = "Make ntdll enter the kernel with INT 2Eh (KiIntSystemCall) instead of SYSENTER.")
    boolean int2e;

    @Option(names = "--image-base", paramLabel = "ADDR", converter = RunCommand.HexInt.class,
            description = "Load the .exe at ADDR (hex, 64 KiB aligned) instead of its preferred base.")
    Integer imageBase;

    @Option(names = "--driver", paramLabel = "FILE.sys",
            description = "Load a kernel driver before the program starts (repeatable), as 'ntgate run --driver' does.")
    List<Path> driverFiles = new ArrayList<>();

    @Option(names = "--max-insns", defaultValue = "2000000000", paramLabel = "N",
            description = "Instruction budget (default ${DEFAULT-VALUE}).")
    long maxInsns;

    /** How much of the program's output the summary keeps. */
    static final int OUTPUT_KEPT = 64 << 10;

    @Override
    public Integer call() {
        if (maxInsns <= 0) {
            System.err.println("ntgate report: --max-insns must be positive");
            return 2;
        }
        if (callNumber != null && service != null) {
            System.err.println("ntgate report: give --call or --service, not both");
            return 2;
        }
        if (callNumber != null && callNumber < 1) {
            System.err.println("ntgate report: --call " + callNumber + ": calls are numbered from 1");
            return 2;
        }
        Services.Service sv = null;
        if (service != null) {
            sv = Services.find(service);
            if (sv == null) {
                System.err.println("ntgate report: --service " + service + ": no such service in the XP SP3 tables");
                return 2;
            }
        }
        ProgramFile program = ProgramFile.open("report", file, imageBase);
        if (program == null) return 2;
        java.util.List<ntgate.nt.drv.Drivers.DriverFile> drivers = ProgramFile.drivers("report", driverFiles);
        if (drivers == null) return 2;
        StringBuilder cmd = new StringBuilder(file.toString());
        for (String a : args) cmd.append(' ').append(a.contains(" ") ? "\"" + a + "\"" : a);
        ByteArrayOutputStream kept = new ByteArrayOutputStream();
        OutputStream tee = tee(System.out, kept);
        NtSystem.Options o = new NtSystem.Options();
        o.int2e = int2e;
        o.commandLine = cmd.toString();
        o.stdout = tee;
        o.stderr = tee(System.err, kept);
        o.stdin = System.in;
        o.drivers = drivers;
        NtSystem sys = program.boot("report", o);
        if (sys == null) return 2;
        Capture.Pick pick = sv != null ? new Capture.Pick(0, sv.name()) : new Capture.Pick(callNumber == null ? 1 : callNumber, null);
        Path out = output != null ? output : Path.of(baseName(file) + ".html");
        return write(sys, pick, maxInsns, lang, cmd.toString(), kept, out, "report", System.out);
    }

    /**
     * Runs a booted machine under a {@link Capture}, writes the page to {@code out} and prints where; returns the
     * exit code (0 written, 1 not written, 2 when the picked call does not exist: the page opens on the first call).
     */
    static int write(NtSystem sys, Capture.Pick pick, long budget, Lang lang, String commandLine, ByteArrayOutputStream output,
                     Path out, String command, PrintStream say) {
        Capture cap = new Capture(sys, pick);
        sys.cpu.setHooks(cap);
        NtSystem.End end = sys.run(budget);
        sys.cpu.setHooks(null);
        cap.finish();
        System.out.flush();
        int rc = 0;
        List<Capture.Call> calls = cap.calls();
        boolean found = calls.stream().anyMatch(cap::isPicked);
        Capture.Pick used = pick;
        if (!found) {
            System.err.println("ntgate " + command + ": " + (pick.service() != null ? "the run made no " + pick.service() + " call"
                    : "--call " + pick.call() + ": the run made " + calls.size() + " call" + (calls.size() == 1 ? "" : "s"))
                    + "; the page opens on the first call");
            rc = 2;
        }
        String status = switch (end) {
            case EXITED -> "exited";
            case BUG_CHECK -> "bug check " + (sys.k.bugCheck != null ? sys.k.bugCheck : "");
            case BUDGET -> "instruction budget used up";
            case TRIPLE_FAULT -> "triple fault";
            case DEADLOCK -> "deadlock: " + sys.k.deadlock;
            case HALTED -> "processor halted";
            case BREAK -> "stopped";
        };
        byte[] kept = output.toByteArray();
        String text = new String(kept, 0, Math.min(kept.length, OUTPUT_KEPT), StandardCharsets.UTF_8)
                + (kept.length > OUTPUT_KEPT ? "\n..." : "");
        String version = Main.class.getAnnotation(Command.class).version()[0];
        ReportWriter w = new ReportWriter(sys, cap, lang);
        String html = w.html(new ReportWriter.Summary(sys.image.name(), commandLine, status, sys.k.exitStatus, sys.k.exited,
                sys.cpu.icount, version, text));
        try {
            Path parent = out.toAbsolutePath().getParent();
            if (parent != null) Files.createDirectories(parent);
            Files.writeString(out, html, StandardCharsets.UTF_8);
        } catch (IOException e) {
            System.err.println("ntgate " + command + ": cannot write " + out + ": " + e.getMessage());
            return 1;
        }
        say.println("ntgate " + command + ": wrote " + out + " (" + calls.size() + " system call" + (calls.size() == 1 ? "" : "s")
                + ", " + (html.length() + 1023) / 1024 + " KiB)");
        say.flush();
        if (used != null && rc == 0 && end != NtSystem.End.EXITED) System.err.println("ntgate " + command + ": the program did not exit (" + status + ")");
        return rc;
    }

    static String baseName(Path file) {
        String n = file.getFileName() == null ? "report" : file.getFileName().toString();
        int dot = n.lastIndexOf('.');
        return dot > 0 ? n.substring(0, dot) : n;
    }

    private static OutputStream tee(OutputStream a, ByteArrayOutputStream b) {
        return new OutputStream() {
            @Override
            public void write(int x) throws IOException {
                a.write(x);
                if (b.size() < OUTPUT_KEPT + 1) b.write(x);
            }

            @Override
            public void write(byte[] buf, int off, int len) throws IOException {
                a.write(buf, off, len);
                if (b.size() < OUTPUT_KEPT + 1) b.write(buf, off, Math.min(len, OUTPUT_KEPT + 1 - b.size()));
            }

            @Override
            public void flush() throws IOException {
                a.flush();
            }
        };
    }
}
