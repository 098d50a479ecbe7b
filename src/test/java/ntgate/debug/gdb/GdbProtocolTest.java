package ntgate.debug.gdb;

import ntgate.nt.NtSystem;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The GDB stub spoken to byte by byte: what a well-behaved client gets (the target description, memory, stop
 * replies for breakpoints, watchpoints and faults, monitor output) and what a hostile one cannot do (stop the
 * server with malformed, oversized or badly framed packets, or attach a second client).
 */
@Timeout(60)
class GdbProtocolTest {
    private GdbServer server;
    private Thread serving;
    private NtSystem sys;
    private final List<Socket> sockets = new ArrayList<>();

    private Client start(String source) throws Exception {
        return start(source, 50_000_000);
    }

    private Client start(String source, long budget) throws Exception {
        sys = NtSystem.boot(source, "prog.asm", new NtSystem.Options());
        GdbStub stub = new GdbStub(sys, budget, cmd -> "ran " + cmd + "\n");
        server = new GdbServer(new InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0));
        serving = new Thread(() -> {
            try {
                server.serve(stub, new PrintStream(OutputStream.nullOutputStream()));
            } catch (IOException e) {
                // the test closed the server
            }
        });
        serving.setDaemon(true);
        serving.start();
        return connect();
    }

    private Client connect() throws IOException {
        Socket s = new Socket();
        s.connect(server.bound(), 5000);
        s.setSoTimeout(20_000);
        s.setTcpNoDelay(true);
        sockets.add(s);
        return new Client(s);
    }

    @AfterEach
    void stop() throws IOException {
        for (Socket s : sockets) s.close();
        if (server != null) server.close();
    }

    private static String hello() throws IOException {
        return Files.readString(Path.of("examples/hello.asm"));
    }

    /** A minimal client: sends framed packets, reads replies (collecting console output packets). */
    static final class Client {
        final InputStream in;
        final OutputStream out;
        final StringBuilder console = new StringBuilder();

        Client(Socket s) throws IOException {
            in = s.getInputStream();
            out = s.getOutputStream();
        }

        void raw(String bytes) throws IOException {
            out.write(bytes.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
        }

        static String frame(String payload) {
            int sum = 0;
            for (char c : payload.toCharArray()) sum += c;
            return "$" + payload + "#" + String.format(Locale.ROOT, "%02x", sum & 0xFF);
        }

        String ask(String payload) throws IOException {
            raw(frame(payload));
            return reply();
        }

        /** The next reply packet's payload, after acknowledgements and console output. */
        String reply() throws IOException {
            while (true) {
                int c = in.read();
                if (c < 0) throw new IOException("connection closed");
                if (c != '$') continue;
                ByteArrayOutputStream b = new ByteArrayOutputStream();
                while ((c = in.read()) != '#') {
                    if (c < 0) throw new IOException("connection closed");
                    b.write(c);
                }
                in.read();
                in.read();
                raw("+");
                String p = b.toString(StandardCharsets.ISO_8859_1);
                if (p.startsWith("O") && p.length() > 1 && !p.equals("OK")) {
                    for (int i = 1; i + 1 < p.length(); i += 2) console.append((char) Integer.parseInt(p.substring(i, i + 2), 16));
                    continue;
                }
                return p;
            }
        }
    }

    @Test
    void theTargetDescriptionIsI386WithTheCoreFeatureAndTheSystemRegisters() throws Exception {
        Client c = start(hello());
        String sup = c.ask("qSupported:multiprocess+;swbreak+;hwbreak+;xmlRegisters=i386");
        assertTrue(sup.contains("qXfer:features:read+") && sup.contains("qXfer:libraries:read+") && sup.contains("PacketSize="), sup);
        String xml = c.ask("qXfer:features:read:target.xml:0,3fff");
        assertTrue(xml.startsWith("l<?xml"), xml);
        assertTrue(xml.contains("<architecture>i386</architecture>") && xml.contains("org.gnu.gdb.i386.core"), xml);
        assertTrue(xml.contains("name=\"eflags\"") && xml.contains("name=\"gs\"") && xml.contains("name=\"cr3\"")
                && xml.contains("name=\"dr7\""), xml);
        // Read in pieces, as gdb does with a small buffer: the pieces add up to the whole.
        StringBuilder pieces = new StringBuilder();
        for (int off = 0; ; off += 0x100) {
            String r = c.ask(String.format(Locale.ROOT, "qXfer:features:read:target.xml:%x,100", off));
            pieces.append(r.substring(1));
            if (r.startsWith("l")) break;
        }
        assertEquals(xml.substring(1), pieces.toString());
        String libs = c.ask("qXfer:libraries:read::0,fff");
        assertTrue(libs.contains("name=\"ntdll.dll\"") && libs.contains("name=\"ntkrnlpa.exe\"") && libs.contains("name=\"prog.exe\""), libs);
        assertTrue(libs.contains(String.format(Locale.ROOT, "0x%x", sys.ntdll.base() + 0x1000)), libs);
    }

    @Test
    void registersAndMemoryAreTheMachines() throws Exception {
        Client c = start(hello());
        assertEquals("S05", c.ask("?"));
        String g = c.ask("g");
        // EIP is register 8: bytes 32..35 of the g reply, little-endian.
        assertEquals(String.format(Locale.ROOT, "%08x", Integer.reverseBytes(sys.cpu.st.eip)), g.substring(64, 72));
        assertTrue(g.contains("xxxxxxxxxxxxxxxxxxxx"), "the x87 registers are reported unavailable: " + g);
        // SharedUserData's NtMajorVersion (NT-FACTS §2.7) through m; an unmapped page is an error.
        assertEquals("05000000", c.ask("m7ffe026c,4"));
        assertEquals("E14", c.ask("m00001000,4"));
        // M writes through the MMU, X with binary data (escaped '}' and '#').
        int scratch = sys.userStackBase - 0x100;
        assertEquals("OK", c.ask(String.format(Locale.ROOT, "M%x,4:11223344", scratch)));
        assertEquals("11223344", c.ask(String.format(Locale.ROOT, "m%x,4", scratch)));
        assertEquals("OK", c.ask(String.format(Locale.ROOT, "X%x,2:}]}\u0003", scratch)));
        assertEquals("7d233344", c.ask(String.format(Locale.ROOT, "m%x,4", scratch)));
        // P sets a register; p reads it back.
        assertEquals("OK", c.ask("P0=78563412"));
        assertEquals("78563412", c.ask("p0"));
        assertEquals(0x12345678, sys.cpu.gpr[0]);
        String mon = c.ask("qRcmd," + hex("r eax"));
        assertEquals("OK", mon);
        assertEquals("ran r eax\n", c.console.toString());
    }

    @Test
    void aWatchpointStopsAfterTheWriteAndABreakpointBeforeTheInstruction() throws Exception {
        Client c = start(hello());
        int fastCall = sys.kernelSymbol("KiFastCallEntry");
        // KiFastCallEntry sets KPCR.NtTib.ExceptionList to EXCEPTION_CHAIN_END (NT-FACTS §5.1 step 9): from its
        // first instruction, the first write to fs:[0] is that one.
        assertEquals("OK", c.ask(String.format(Locale.ROOT, "Z0,%x,1", fastCall)));
        assertTrue(c.ask("c").startsWith("T05"));
        assertEquals("OK", c.ask(String.format(Locale.ROOT, "z0,%x,1", fastCall)));
        assertEquals("OK", c.ask("Z2,ffdff000,4"));
        assertEquals("T05watch:ffdff000;thread:1;", c.ask("c"));
        assertEquals("ffffffff", c.ask("mffdff000,4"));
        String where = sys.symbolize(sys.cpu.st.eip);
        assertTrue(where.startsWith("nt!KiFastCallEntry+"), where);
        assertEquals("OK", c.ask("z2,ffdff000,4"));
        // A breakpoint at KiFastCallEntry: the next call (NtTerminateProcess) stops there, before its first instruction.
        assertEquals("OK", c.ask(String.format(Locale.ROOT, "Z0,%x,1", fastCall)));
        assertTrue(c.ask("c").startsWith("T05"));
        assertEquals(fastCall, sys.cpu.st.eip);
        assertEquals("OK", c.ask(String.format(Locale.ROOT, "z0,%x,1", fastCall)));
        assertEquals("W00", c.ask("c"));
        assertEquals("W00", c.ask("c"), "an ended machine keeps answering");
    }

    @Test
    void aUserModeFaultStopsWithSigsegvAtTheFaultingInstructionAndResumingDeliversIt() throws Exception {
        Client c = start("global start\nsection .text\nstart:\n    mov eax, [0]\n    ret\n");
        int start = (int) (long) sys.program.symbols().get("start");
        assertEquals("OK", c.ask(String.format(Locale.ROOT, "Z0,%x,1", start)));
        assertTrue(c.ask("c").startsWith("T05"));
        assertEquals("OK", c.ask(String.format(Locale.ROOT, "z0,%x,1", start)));
        assertEquals("T0bthread:1;", c.ask("s"), "a #PF is SIGSEGV, before the kernel sees it");
        assertEquals(start, sys.cpu.st.eip, "EIP at the faulting instruction");
        // Resuming delivers the #PF to KiTrap0E: the process dies of STATUS_ACCESS_VIOLATION (0xC0000005).
        assertEquals("W05", c.ask("c"));
    }

    @Test
    void theInterruptByteStopsARunningMachineWithSigint() throws Exception {
        Client c = start("global start\nsection .text\nstart:\n    jmp start\n");
        int start = (int) (long) sys.program.symbols().get("start");
        c.raw(Client.frame("c"));
        Thread.sleep(300);
        c.raw("\u0003");
        assertEquals("T02thread:1;", c.reply());
        assertEquals(start, sys.cpu.st.eip, "stopped in the loop");
        assertEquals("T02thread:1;", c.ask("?"), "? repeats the last stop");
    }

    @Test
    void hostilePacketsGetErrorsAndTheServerGoesOn() throws Exception {
        Client c = start(hello());
        c.raw("garbage+++---\u0000\u00ff");
        assertEquals("S05", c.ask("?"));
        c.raw("$?#00");                                   // bad checksum: a '-' and nothing else
        assertEquals('-', readSkippingAcks(c));
        for (String bad : new String[] {"mzz,4", "m1234", "M10,4:zz", "M10,2:112233", "Xffff,10:ab", "P", "Pzz=00", "P0=1",
            "G123", "Z9,0,0", "Z2,0,0", "Z0", "qXfer:features:read:target.xml:zz", "qRcmd,zzz", "vCont;q",
            "mffffffff,ffffffff", "p99999", "p" + "f".repeat(40)}) {
            String r = c.ask(bad);
            assertTrue(r.startsWith("E") || r.isEmpty() || r.matches("[0-9a-fx]*"), bad + " -> " + r);
        }
        c.raw(Client.frame("m".repeat(200_000)));          // longer than any packet the stub takes
        assertEquals("E01", c.reply());
        assertEquals("", c.ask("qSomethingNobodyKnows"));
        assertEquals("S05", c.ask("?"), "the session survived");
        // One client at a time: a second one is turned away while the first is attached.
        Client second = connect();
        assertTrue(second.reply().startsWith("E.another client"));
        assertEquals("S05", c.ask("?"));
    }

    @Test
    void randomPacketsNeverEndTheSession() throws Exception {
        Client c = start(hello(), 200_000);
        java.util.Random rnd = new java.util.Random(15);
        String alphabet = "0123456789abcdefABCDEFxX,:;=?!+-qQvVmMgGpPzZcCsSHTtrR}*$# \u0000\u00ff";
        for (int i = 0; i < 3000; i++) {
            StringBuilder p = new StringBuilder();
            if (rnd.nextBoolean()) {
                String[] heads = {"m", "M", "X", "g", "G", "p", "P", "Z0,", "z2,", "Z4,", "qXfer:features:read:target.xml:",
                    "qXfer:libraries:read::", "qRcmd,", "vCont;", "qSupported:", "H", "T", "?", "s", "c"};
                p.append(heads[rnd.nextInt(heads.length)]);
            }
            int n = rnd.nextInt(40);
            for (int k = 0; k < n; k++) p.append(alphabet.charAt(rnd.nextInt(alphabet.length())));
            String payload = p.toString();
            if (payload.startsWith("k") || payload.startsWith("D") || payload.startsWith("vKill")) continue;
            // Framing characters inside the payload are escaped, as a client must.
            String escaped = payload.replace("}", "}]").replace("#", "}\u0003").replace("$", "}\u0004").replace("*", "}\n");
            c.raw(Client.frame(escaped));
            c.reply();
        }
        assertTrue(c.ask("?").matches("[STWX][0-9a-f]{2}.*"), "the session survived 3000 random packets");
    }

    private static int readSkippingAcks(Client c) throws IOException {
        int ch;
        do {
            ch = c.in.read();
        } while (ch == '+');
        return ch;
    }

    private static String hex(String s) {
        StringBuilder sb = new StringBuilder();
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) sb.append(String.format(Locale.ROOT, "%02x", b & 0xFF));
        return sb.toString();
    }
}
