package ntgate.debug.gdb;

import ntgate.nt.NtSystem;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 15, "done when" 2: Debian's gdb, in batch mode, attaches to {@code ntgate debug examples/hello.asm --gdb},
 * reads the registers, breaks at nt!KiFastCallEntry, steps, breaks in the service to read the KTRAP_FRAME that
 * KiFastCallEntry built and SharedUserData, and continues to the end. Addresses come from the assembled images'
 * symbols; expected values from the SDM (SYSENTER's entry state) and NT-FACTS (§1 KTRAP_FRAME, §2.7
 * KUSER_SHARED_DATA, §5.1 KiFastCallEntry, §12 the service number of NtWriteFile on XP SP3).
 */
class GdbBatchTest {
    @TempDir
    Path dir;

    static boolean onPath(String tool) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (new File(d, tool).canExecute()) return true;
        }
        return false;
    }

    @Test
    @Timeout(120)
    void gdbAttachesReadsRegistersBreaksStepsReadsTheTrapFrameAndRunsToTheEnd() throws Exception {
        Assumptions.assumeTrue(onPath("gdb"), "gdb is not installed (not on PATH): the GDB stub's batch test is skipped");
        Path program = Path.of("examples/hello.asm");
        NtSystem sys = NtSystem.boot(Files.readString(program), "hello.asm", new NtSystem.Options());
        int startup = sys.kernelSymbol("KiSystemStartup");
        int fastCall = sys.kernelSymbol("KiFastCallEntry");
        int service = sys.kernelSymbol("NtWriteFile");
        int fastRet = sys.ntdllSymbol("KiFastSystemCallRet");
        int fastSys = sys.ntdllSymbol("KiFastSystemCall");

        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process stub = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), "ntgate.cli.Main", "debug",
                program.toString(), "--gdb", "127.0.0.1:" + port)
                .redirectOutput(dir.resolve("stub.out").toFile()).redirectErrorStream(false).start();
        try {
            BufferedReader err = new BufferedReader(new InputStreamReader(stub.getErrorStream(), StandardCharsets.UTF_8));
            String first = err.readLine();
            assertTrue(first != null && first.contains("waiting for gdb on 127.0.0.1:" + port), String.valueOf(first));
            List<String> stubLog = new ArrayList<>();
            Thread drain = new Thread(() -> err.lines().forEach(stubLog::add));
            drain.start();

            String script = String.join("\n",
                    "set pagination off",
                    "set confirm off",
                    "target remote 127.0.0.1:" + port,
                    "info registers",
                    "printf \"BOOT eip=%08x cs=%x\\n\", $eip, $cs",
                    "break *" + hex(fastCall),
                    "continue",
                    "printf \"ENTRY eip=%08x cs=%x ss=%x eax=%x edx=%08x eflags=%08x\\n\", $eip, $cs, $ss, $eax, $edx, $eflags",
                    "stepi",
                    "printf \"STEP eip=%08x ecx=%x\\n\", $eip, $ecx",
                    "break *" + hex(service),
                    "continue",
                    "printf \"FRAME at=%08x\\n\", $ebp",
                    "x/35wx $ebp",
                    "x/wx 0x7ffe0300",
                    "x/2wx 0x7ffe026c",
                    "x/wx 0xffdf0304",
                    "info sharedlibrary",
                    "monitor r",
                    "delete",
                    "continue",
                    "");
            Path gdbScript = dir.resolve("session.gdb");
            Files.writeString(gdbScript, script);
            Process gdb = new ProcessBuilder("gdb", "-nx", "-batch", "-x", gdbScript.toString()).redirectErrorStream(true).start();
            String out = new String(gdb.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(gdb.waitFor(60, TimeUnit.SECONDS), out);

            // At boot: stopped before nt!KiSystemStartup's first instruction, ring 0 code selector 8 (NT-FACTS §2.1).
            assertTrue(out.contains(String.format(Locale.ROOT, "BOOT eip=%08x cs=8", startup)), out);
            assertTrue(Pattern.compile("(?m)^eflags\\s+0x").matcher(out).find(), out);
            assertTrue(Pattern.compile("(?m)^cs\\s+0x8\\s").matcher(out).find(), out);
            assertTrue(Pattern.compile("(?m)^cr3\\s+0x").matcher(out).find(), "control registers are offered: " + out);

            // SYSENTER's entry state (SDM Vol.2B SYSENTER; NT-FACTS §5.1): CS 08, SS 10, IF clear, EAX the service
            // number (NtWriteFile 0x112 on XP SP3, §12), EDX the user ESP.
            Matcher entry = Pattern.compile("ENTRY eip=(\\w+) cs=(\\w+) ss=(\\w+) eax=(\\w+) edx=(\\w+) eflags=(\\w+)").matcher(out);
            assertTrue(entry.find(), out);
            assertEquals(hex8(fastCall), entry.group(1));
            assertEquals("8", entry.group(2));
            assertEquals("10", entry.group(3));
            assertEquals("112", entry.group(4));
            int userEsp = (int) Long.parseLong(entry.group(5), 16);
            assertTrue(Integer.compareUnsigned(userEsp, 0x80000000) < 0, "EDX is a user-mode ESP: " + entry.group(5));
            assertEquals(0, Long.parseLong(entry.group(6), 16) & 0x200, "SYSENTER cleared IF");

            // One step: KiFastCallEntry's first instruction is mov ecx,23h (B9 23 00 00 00; NT-FACTS §5.1 step 1).
            assertTrue(out.contains(String.format(Locale.ROOT, "STEP eip=%08x ecx=23", fastCall + 5)), out);

            // The KTRAP_FRAME at EBP when the service body runs (NT-FACTS §1, §5.1).
            Matcher fm = Pattern.compile("FRAME at=(\\w+)").matcher(out);
            assertTrue(fm.find(), out);
            int frame = (int) Long.parseLong(fm.group(1), 16);
            int[] tf = words(out, frame, 35);
            assertEquals(0xBADB0D00, tf[0x08 / 4], "DbgArgMark");
            assertEquals(userEsp + 8, tf[0x0C / 4], "DbgArgPointer = EDX + 8");
            assertEquals(1, tf[0x48 / 4] & 0xFF, "PreviousPreviousMode = UserMode");
            assertEquals(0x3B, tf[0x50 / 4], "SegFs = 3Bh on the SYSENTER path");
            assertEquals(0, tf[0x64 / 4], "ErrCode");
            assertEquals(fastRet, tf[0x68 / 4], "Eip = SharedUserData->SystemCallReturn = ntdll!KiFastSystemCallRet");
            assertEquals(0x1B, tf[0x6C / 4], "SegCs");
            assertEquals(0x200, tf[0x70 / 4] & 0x200, "the saved EFlags always has IF set");
            assertEquals(userEsp, tf[0x74 / 4], "HardwareEsp = the user ESP");
            assertEquals(0x23, tf[0x78 / 4], "HardwareSegSs");

            // SharedUserData (NT-FACTS §2.7): SystemCall, NtMajorVersion 5, NtMinorVersion 1, and the kernel view.
            assertEquals(fastSys, words(out, 0x7FFE0300, 1)[0], "SharedUserData->SystemCall = ntdll!KiFastSystemCall");
            int[] version = words(out, 0x7FFE026C, 2);
            assertEquals(5, version[0]);
            assertEquals(1, version[1]);
            assertEquals(fastRet, words(out, 0xFFDF0304, 1)[0], "SystemCallReturn through the kernel's view");

            // Modules through qXfer:libraries, monitor through qRcmd, and the end of the process.
            assertTrue(out.contains("ntdll.dll") && out.contains("ntkrnlpa.exe") && out.contains("hello.exe"), out);
            assertTrue(out.contains("eax=00000112"), "monitor r runs the WinDbg command: " + out);
            assertTrue(out.contains("exited normally"), out);

            assertTrue(stub.waitFor(30, TimeUnit.SECONDS), "the stub ends with the session");
            assertEquals(0, stub.exitValue());
            drain.join(5000);
            assertEquals("Hello from ring 3, through SYSENTER and back.\n", Files.readString(dir.resolve("stub.out")));
        } finally {
            stub.destroyForcibly();
        }
    }

    private static String hex(int v) {
        return "0x" + hex8(v);
    }

    private static String hex8(int v) {
        return String.format(Locale.ROOT, "%08x", v);
    }

    /** The dwords gdb's {@code x/Nwx ADDR} printed from {@code address} on. */
    private static int[] words(String out, int address, int n) {
        int[] w = new int[n];
        int found = 0;
        Pattern line = Pattern.compile("(?m)^0x([0-9a-f]+):((?:[ \\t]+0x[0-9a-f]+)+)");
        Matcher m = line.matcher(out);
        while (m.find() && found < n) {
            long at = Long.parseLong(m.group(1), 16);
            long off = at - Integer.toUnsignedLong(address);
            if (off < 0 || off >= 4L * n || off / 4 != found) continue;
            for (String v : m.group(2).strip().split("\\s+")) {
                if (found < n) w[found++] = (int) Long.parseLong(v.substring(2), 16);
            }
        }
        assertEquals(n, found, "gdb printed " + n + " dwords at " + hex8(address) + ":\n" + out);
        return w;
    }
}
