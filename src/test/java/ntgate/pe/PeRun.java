package ntgate.pe;

import ntgate.nt.NtSystem;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;

/** Loads a PE file into a fresh machine and runs it, in-process, capturing the guest's console. */
final class PeRun {
    final ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    final ByteArrayOutputStream stderr = new ByteArrayOutputStream();
    NtSystem sys;
    NtSystem.End end;
    /** The load error (one line), or null when the image loaded. */
    String loadError;

    static byte[] example(String name) {
        try {
            return Files.readAllBytes(Path.of("examples", name));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static PeRun boot(byte[] exe, String name, Consumer<NtSystem.Options> configure) {
        PeRun r = new PeRun();
        NtSystem.Options o = new NtSystem.Options();
        o.stdout = r.stdout;
        o.stderr = r.stderr;
        o.commandLine = name;
        if (configure != null) configure.accept(o);
        try {
            r.sys = NtSystem.boot(PeLoader.of(exe, name, o.imageBase), name, o);
        } catch (PeFormatException | NtSystem.LoadError e) {
            r.loadError = e.getMessage();
        }
        return r;
    }

    static PeRun run(byte[] exe, String name, Consumer<NtSystem.Options> configure, long budget) {
        PeRun r = boot(exe, name, configure);
        if (r.sys != null) r.end = r.sys.run(budget);
        return r;
    }

    static PeRun run(String example) {
        PeRun r = run(example(example), example, null, 10_000_000);
        if (r.loadError != null) throw new AssertionError(example + " does not load: " + r.loadError);
        return r;
    }

    String out() {
        return stdout.toString(StandardCharsets.UTF_8);
    }

    int exitStatus() {
        if (end != NtSystem.End.EXITED) throw new AssertionError("did not exit: " + end + " at " + sys.symbolize(sys.cpu.st.eip));
        return sys.k.exitStatus;
    }
}
