package ntgate.debug;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The console of {@code ntgate debug} driven through a pseudo-terminal (python3's pty module), as a user types:
 * the up arrow recalls the last command (history), Enter on an empty line repeats {@code t}, Ctrl-C while the
 * guest spins breaks into the debugger, and {@code q} leaves with exit status 0.
 */
class ConsolePtyTest {
    /** Drives the child: each step sends keys and waits for the prompt (or a text), then prints the transcript. */
    private static final String DRIVER = """
            import fcntl, os, pty, select, struct, sys, termios, time
            pid, fd = pty.fork()
            if pid == 0:
                os.execvp(sys.argv[1], sys.argv[1:])
            fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack('HHHH', 24, 120, 0, 0))
            buf = b''
            def wait(token, timeout=60):
                global buf
                end = time.time() + timeout
                while time.time() < end:
                    if token in buf:
                        i = buf.index(token) + len(token)
                        seen, buf = buf[:i], buf[i:]
                        sys.stdout.write(seen.decode('utf-8', 'replace'))
                        return True
                    r, _, _ = select.select([fd], [], [], 0.2)
                    if r:
                        try:
                            data = os.read(fd, 4096)
                        except OSError:
                            break
                        if not data:
                            break
                        buf += data
                sys.stdout.write(buf.decode('utf-8', 'replace'))
                sys.stdout.write('\\n@@TIMEOUT waiting for %r\\n' % token)
                return False
            # The up arrow as xterm sends it in the application cursor mode JLine switches on (ESC O A).
            def send(keys):
                os.write(fd, keys)
            ok = wait(b'kd> ')
            for keys, token in [(b'r $t0=5\\r', b'kd> '), (b'? $t0\\r', b'kd> '), (b'\\x1bOA\\r', b'kd> '),
                                (b't\\r', b'kd> '), (b'\\r', b'kd> '), (b'g\\r', b'@@none')]:
                if not ok:
                    break
                send(keys)
                if token == b'@@none':
                    time.sleep(3)
                    send(b'\\x03')
                    ok = wait(b'Break instruction exception') and wait(b'kd> ')
                else:
                    ok = wait(token)
            if ok:
                send(b'q\\r')
            _, status = os.waitpid(pid, 0)
            try:
                while True:
                    data = os.read(fd, 4096)
                    if not data:
                        break
                    sys.stdout.write(data.decode('utf-8', 'replace'))
            except OSError:
                pass
            print('\\n@@EXIT %d' % os.waitstatus_to_exitcode(status))
            """;

    @TempDir
    Path dir;

    private static boolean have(String tool) {
        for (String p : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(p, tool))) return true;
        }
        return false;
    }

    @Test
    void historyEnterRepeatAndCtrlCThroughAPseudoTerminal() throws Exception {
        Assumptions.assumeTrue(have("python3"), "python3 is not installed: the pseudo-terminal test is skipped");
        Path prog = dir.resolve("spin.asm");
        Files.writeString(prog, """
                section .text
                global start
                start:
                    mov eax, 1
                spin:
                    jmp spin
                """);
        Path driver = dir.resolve("drive.py");
        Files.writeString(driver, DRIVER);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(List.of("python3", driver.toString(), java, "-cp",
                System.getProperty("java.class.path"), "ntgate.cli.Main", "debug", prog.toString()));
        pb.redirectErrorStream(true);
        pb.environment().put("TERM", "xterm");
        pb.redirectOutput(dir.resolve("transcript.txt").toFile());
        Process p = pb.start();
        boolean done = p.waitFor(180, TimeUnit.SECONDS);
        if (!done) p.destroyForcibly().waitFor();
        String out = Files.readString(dir.resolve("transcript.txt")).replace("\r", "");
        assertTrue(done, "the session did not end:\n" + out);
        assertTrue(!out.contains("@@TIMEOUT"), out);
        // History: the up arrow brought back "? $t0", evaluated a second time.
        assertEquals(2, out.split("Evaluate expression: 5 = 00000005", -1).length - 1, out);
        // Enter repeated t: two steps, each with its register display (the first from the attach, then t, then Enter).
        int steps = out.split("\neip=", -1).length - 1;
        assertTrue(steps >= 4, "attach, t, Enter, break-in each show registers: " + out);
        // Ctrl-C stopped the spinning guest in the loop, and q left with status 0.
        assertTrue(out.contains("Break instruction exception - code 80000003 (first chance)"), out);
        assertTrue(out.contains("spin!spin:"), "stopped at the loop: " + out);
        assertTrue(out.contains("@@EXIT 0"), out);
    }
}
