package ntgate.debug.gdb;

import ntgate.cpu.Cpu;
import ntgate.cpu.CpuFault;
import ntgate.cpu.CpuHooks;
import ntgate.cpu.decode.Insn;
import ntgate.cpu.mem.Mmu;
import ntgate.nt.NtStatus;
import ntgate.nt.NtSystem;
import ntgate.nt.layout.Nt;
import ntgate.trace.ModuleMap;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * The GDB remote serial protocol over one booted machine: what {@code ntgate debug PROGRAM --gdb PORT} serves to
 * gdb, IDA or Ghidra. The machine is one process with one thread (thread 1), stopped before its first
 * instruction when a client attaches.
 *
 * <ul>
 *   <li>Registers ({@code g G p P}) through the target description of {@link Registers}.</li>
 *   <li>Memory ({@code m M X}) at linear addresses, translated by the MMU without side effects: no faults, no
 *       accessed or dirty bits; a write to code drops its decoded instructions.</li>
 *   <li>Breakpoints and watchpoints ({@code Z0}-{@code Z4}) are the stub's own, checked by the CPU's execution
 *       hooks: guest memory and the guest's DR0-DR7 are left alone.</li>
 *   <li>{@code c s vCont}, interrupted by 0x03. Stop replies: SIGTRAP (5) for breakpoints, watchpoints and steps,
 *       SIGINT (2) for an interrupt, SIGSEGV (11) for #PF #GP #SS #NP #TS #AC, SIGILL (4) for #UD, SIGFPE (8) for
 *       #DE #MF, reported at the faulting instruction before the kernel sees the fault (resuming delivers it);
 *       {@code W} when the process exits, {@code X} with SIGABRT (6) after a bug check or deadlock and SIGSEGV after a
 *       triple fault (with the reason as console output).</li>
 *   <li>{@code qSupported}, {@code qXfer:features:read}, {@code qXfer:libraries:read} (nt, ntdll and the program),
 *       {@code qRcmd} ({@code monitor CMD}: a WinDbg-style command, its output as console output),
 *       {@code QStartNoAckMode}, {@code qGetTIBAddr} (the TEB).</li>
 * </ul>
 * A packet the stub cannot parse is answered with an error and the session goes on.
 */
public final class GdbStub implements CpuHooks, Mmu.WriteLog, Mmu.ReadLog {
    /** Instructions run between two looks at the connection for an interrupt. */
    private static final long CHUNK = 500_000;
    private static final int SIGINT = 2, SIGILL = 4, SIGTRAP = 5, SIGABRT = 6, SIGFPE = 8, SIGSEGV = 11, SIGXCPU = 24;

    private final NtSystem sys;
    private final Cpu cpu;
    private final long budget;
    private final Function<String, String> monitor;
    private final ModuleMap modules;

    /** How the session ended. */
    public enum Outcome { KILLED, DETACHED, DISCONNECTED }

    // Breakpoints (addresses) and watchpoints (type 2 write, 3 read, 4 access; address; length).
    private final List<Integer> breakpoints = new ArrayList<>();
    /** The breakpoints' addresses, and whether each was set as a hardware one (Z1), for the hooks. */
    private int[] breakArray = new int[0];
    private final List<Integer> hardware = new ArrayList<>();
    private int modulesReported;
    private final List<int[]> watchpoints = new ArrayList<>();

    // Execution control, read by the hooks during one resume.
    private boolean first, stepping, stopNext;
    private String stopReason, watchHit;
    private CpuFault heldFault;
    private int heldEip;
    private boolean passOnce;
    private int passEip;
    /** Why the machine cannot run any more, as a stop reply; null while it can. */
    private String ended;
    private String endedMessage;
    private String lastStop = "S05";
    private boolean swbreakFeature, hwbreakFeature;

    /**
     * @param monitor runs a WinDbg-style command line and returns its output ({@code monitor r})
     */
    public GdbStub(NtSystem sys, long budget, Function<String, String> monitor) {
        this.sys = sys;
        this.cpu = sys.cpu;
        this.budget = budget;
        this.monitor = monitor;
        this.modules = new ModuleMap(sys);
        this.modulesReported = sys.modules.all().size();
    }

    /** The reason the machine stopped for good (the process exited, a bug check), or null. */
    public String endedMessage() {
        return endedMessage;
    }

    /** True when the machine can run no further. */
    public boolean ended() {
        return ended != null;
    }

    /** Runs the machine to its end without stopping (after a detach); returns how it ended. */
    public NtSystem.End runFree() {
        cpu.setHooks(null);
        return sys.run(budget);
    }

    /** Serves one client until it kills, detaches or goes away. */
    public Outcome session(GdbConnection conn) throws IOException {
        cpu.setHooks(this);
        while (true) {
            String p = conn.read();
            if (p == null) return Outcome.DISCONNECTED;
            if (p == GdbConnection.INTERRUPT) continue;   // not running: nothing to interrupt
            if (p == GdbConnection.TOO_LONG) {
                conn.send("E01");
                continue;
            }
            String reply;
            try {
                if (p.equals("k")) return Outcome.KILLED;
                if (p.startsWith("vKill")) {
                    conn.send("OK");
                    return Outcome.KILLED;
                }
                if (p.equals("D") || p.startsWith("D;")) {
                    conn.send("OK");
                    return Outcome.DETACHED;
                }
                reply = dispatch(p, conn);
            } catch (BadPacket e) {
                reply = "E01";
            } catch (RuntimeException | StackOverflowError e) {
                // A defect reached by a packet (or a monitor command nested too deep): the session goes on.
                reply = "E.internal error: " + e;
            }
            if (reply != null) conn.send(reply);
            if (p.equals("QStartNoAckMode") && "OK".equals(reply)) conn.noAck();
        }
    }

    /** A packet the stub cannot parse. */
    private static final class BadPacket extends RuntimeException {
        BadPacket() {
            super(null, null, false, false);
        }
    }

    private String dispatch(String p, GdbConnection conn) throws IOException {
        char c = p.isEmpty() ? 0 : p.charAt(0);
        switch (c) {
            case '?':
                return lastStop;
            case 'g':
                return readAllRegisters();
            case 'G':
                return writeAllRegisters(p.substring(1));
            case 'p':
                return readRegister(hexInt(p.substring(1)));
            case 'P': {
                int eq = p.indexOf('=');
                if (eq < 0) throw new BadPacket();
                int n = hexInt(p.substring(1, eq));
                if (n < 0 || n >= Registers.ALL.size()) return "E02";
                return Registers.write(cpu, n, littleEndian(p.substring(eq + 1))) ? "OK" : "E03";
            }
            case 'm':
                return readMemory(p.substring(1));
            case 'M':
                return writeMemory(p.substring(1), false);
            case 'X':
                return writeMemory(p.substring(1), true);
            case 'Z':
            case 'z':
                return breakpoint(p);
            case 'c':
            case 'C':
                return resume(false, conn);
            case 's':
            case 'S':
                return resume(true, conn);
            case 'H':
                return "OK";
            case 'T':
                return "OK";
            case 'v':
                return vPacket(p, conn);
            case 'q':
                return query(p, conn);
            case 'Q':
                if (p.equals("QStartNoAckMode")) return "OK";
                return "";
            default:
                return "";
        }
    }

    private String vPacket(String p, GdbConnection conn) throws IOException {
        if (p.equals("vCont?")) return "vCont;c;C;s;S";
        if (p.startsWith("vCont;")) {
            String action = p.substring(6);
            int colon = action.indexOf(':');
            String first = (colon < 0 ? action : action.substring(0, colon));
            int semi = first.indexOf(';');
            if (semi >= 0) first = first.substring(0, semi);
            if (first.startsWith("s") || first.startsWith("S")) return resume(true, conn);
            if (first.startsWith("c") || first.startsWith("C")) return resume(false, conn);
            throw new BadPacket();
        }
        if (p.equals("vMustReplyEmpty")) return "";
        return "";
    }

    private String query(String p, GdbConnection conn) throws IOException {
        if (p.startsWith("qSupported")) {
            swbreakFeature = p.contains("swbreak+");
            hwbreakFeature = p.contains("hwbreak+");
            return String.format(Locale.ROOT, "PacketSize=%x;qXfer:features:read+;qXfer:libraries:read+;QStartNoAckMode+;%s%svContSupported+",
                    GdbConnection.MAX_PACKET, swbreakFeature ? "swbreak+;" : "", hwbreakFeature ? "hwbreak+;" : "");
        }
        if (p.startsWith("qXfer:features:read:")) {
            String[] parts = p.substring("qXfer:features:read:".length()).split(":", 2);
            if (parts.length != 2) throw new BadPacket();
            if (!parts[0].equals("target.xml")) return "E00";
            return xfer(Registers.targetXml(), parts[1]);
        }
        if (p.startsWith("qXfer:libraries:read:")) {
            String[] parts = p.substring("qXfer:libraries:read:".length()).split(":", 2);
            if (parts.length != 2) throw new BadPacket();
            return xfer(libraries(), parts[1]);
        }
        if (p.startsWith("qXfer:")) return "";
        if (p.startsWith("qRcmd,")) {
            String cmd = unhex(p.substring(6));
            String output = monitor == null ? "monitor commands are not available\n" : monitor.apply(cmd);
            if (!output.isEmpty()) {
                byte[] b = output.getBytes(StandardCharsets.UTF_8);
                for (int i = 0; i < b.length; i += 0x1000) {
                    conn.send("O" + hex(b, i, Math.min(b.length - i, 0x1000)));
                }
            }
            return "OK";
        }
        if (p.equals("qC")) return "QC1";
        if (p.equals("qfThreadInfo")) return "m1";
        if (p.equals("qsThreadInfo")) return "l";
        if (p.startsWith("qAttached")) return "1";
        if (p.startsWith("qGetTIBAddr")) return String.format(Locale.ROOT, "%08x", Nt.TEB_ADDRESS);
        if (p.startsWith("qThreadExtraInfo")) return hex("ntgate thread (one process, one thread)".getBytes(StandardCharsets.UTF_8), 0, 39);
        if (p.equals("qSymbol::")) return "OK";
        if (p.equals("qOffsets")) return "";
        return "";
    }

    // ---- qXfer ------------------------------------------------------------------------------------------------

    private static String xfer(String document, String range) {
        int comma = range.indexOf(',');
        if (comma < 0) throw new BadPacket();
        int off = hexInt(range.substring(0, comma));
        int len = hexInt(range.substring(comma + 1));
        byte[] b = document.getBytes(StandardCharsets.UTF_8);
        if (off < 0 || len < 0) throw new BadPacket();
        if (off >= b.length) return "l";
        int n = Math.min(Math.min(len, b.length - off), GdbConnection.MAX_PACKET / 2);
        return (off + n >= b.length ? "l" : "m") + new String(b, off, n, StandardCharsets.ISO_8859_1);
    }

    /** The library list: each module at its base, with its code's first section (base + 0x1000) as the segment. */
    String libraries() {
        StringBuilder sb = new StringBuilder("<library-list>\n");
        for (ModuleMap.Module m : modules.all()) {
            sb.append(String.format(Locale.ROOT, "  <library name=\"%s\"><segment address=\"0x%x\"/></library>\n",
                    m.fileName(), m.base() + 0x1000L));
        }
        return sb.append("</library-list>\n").toString();
    }

    // ---- registers --------------------------------------------------------------------------------------------

    private String readAllRegisters() {
        StringBuilder sb = new StringBuilder();
        for (int n = 0; n < Registers.ALL.size(); n++) appendRegister(sb, n);
        return sb.toString();
    }

    private String readRegister(int n) {
        if (n < 0 || n >= Registers.ALL.size()) return "E02";
        StringBuilder sb = new StringBuilder();
        appendRegister(sb, n);
        return sb.toString();
    }

    private void appendRegister(StringBuilder sb, int n) {
        Registers.Reg r = Registers.ALL.get(n);
        Long v = Registers.read(cpu, n);
        int bytes = r.bits() / 8;
        for (int i = 0; i < bytes; i++) {
            if (v == null) {
                sb.append("xx");
            } else {
                int b = (int) (v >>> (8 * i)) & 0xFF;
                sb.append(Character.forDigit(b >>> 4, 16)).append(Character.forDigit(b & 0xF, 16));
            }
        }
    }

    private String writeAllRegisters(String hex) {
        int pos = 0;
        boolean ok = true;
        for (int n = 0; n < Registers.ALL.size() && pos < hex.length(); n++) {
            int chars = Registers.ALL.get(n).bits() / 4;
            if (pos + chars > hex.length()) throw new BadPacket();
            String field = hex.substring(pos, pos + chars);
            pos += chars;
            if (field.indexOf('x') >= 0) continue;   // unavailable: left alone
            ok &= Registers.write(cpu, n, littleEndian(field));
        }
        return ok ? "OK" : "E03";
    }

    /** A register's bytes in target order (little-endian hex), at most 8 bytes. */
    private static long littleEndian(String hex) {
        if (hex.isEmpty() || hex.length() % 2 != 0 || hex.length() > 20) throw new BadPacket();
        long v = 0;
        int bytes = Math.min(hex.length() / 2, 8);
        for (int i = bytes - 1; i >= 0; i--) {
            int hi = GdbConnection.hexDigit(hex.charAt(2 * i)), lo = GdbConnection.hexDigit(hex.charAt(2 * i + 1));
            if (hi < 0 || lo < 0) throw new BadPacket();
            v = v << 8 | (hi << 4 | lo);
        }
        return v;
    }

    // ---- memory -----------------------------------------------------------------------------------------------

    private String readMemory(String args) {
        int comma = args.indexOf(',');
        if (comma < 0) throw new BadPacket();
        int addr = hexInt(args.substring(0, comma));
        int len = hexInt(args.substring(comma + 1));
        if (len < 0) throw new BadPacket();
        len = Math.min(len, GdbConnection.MAX_PACKET / 2 - 16);
        StringBuilder sb = new StringBuilder(2 * len);
        for (int i = 0; i < len; i++) {
            int b = cpu.mmu.peek8(addr + i);
            if (b < 0) break;
            sb.append(Character.forDigit(b >>> 4, 16)).append(Character.forDigit(b & 0xF, 16));
        }
        return sb.length() == 0 && len > 0 ? "E14" : sb.toString();
    }

    private String writeMemory(String args, boolean binary) {
        int comma = args.indexOf(','), colon = args.indexOf(':');
        if (comma < 0 || colon < comma) throw new BadPacket();
        int addr = hexInt(args.substring(0, comma));
        int len = hexInt(args.substring(comma + 1, colon));
        String data = args.substring(colon + 1);
        if (len < 0) throw new BadPacket();
        byte[] b = new byte[len];
        if (binary) {
            if (data.length() != len) throw new BadPacket();
            for (int i = 0; i < len; i++) b[i] = (byte) data.charAt(i);
        } else {
            if (data.length() != 2 * len) throw new BadPacket();
            for (int i = 0; i < len; i++) {
                int hi = GdbConnection.hexDigit(data.charAt(2 * i)), lo = GdbConnection.hexDigit(data.charAt(2 * i + 1));
                if (hi < 0 || lo < 0) throw new BadPacket();
                b[i] = (byte) (hi << 4 | lo);
            }
        }
        for (int i = 0; i < len; i++) if (cpu.mmu.peekTranslate(addr + i) < 0) return "E14";
        for (int i = 0; i < len; i++) cpu.hostWrite(cpu.mmu.peekTranslate(addr + i), b, i, 1);
        return "OK";
    }

    // ---- breakpoints and watchpoints --------------------------------------------------------------------------

    private String breakpoint(String p) {
        boolean insert = p.charAt(0) == 'Z';
        String[] f = p.substring(1).split("[,;]");
        if (f.length < 3) throw new BadPacket();
        int type = hexInt(f[0]);
        int addr = hexInt(f[1]);
        int kind = hexInt(f[2]);
        if (type == 0 || type == 1) {
            List<Integer> set = type == 0 ? breakpoints : hardware;
            if (insert) {
                if (!set.contains(addr)) set.add(addr);
            } else {
                set.remove(Integer.valueOf(addr));
            }
            breakArray = java.util.stream.Stream.concat(breakpoints.stream(), hardware.stream()).mapToInt(Integer::intValue).toArray();
            return "OK";
        }
        if (type >= 2 && type <= 4) {
            if (kind <= 0 || kind > 0x1000) return "E22";
            watchpoints.removeIf(w -> w[0] == type && w[1] == addr && w[2] == kind);
            if (insert) watchpoints.add(new int[] {type, addr, kind});
            boolean writes = false, reads = false;
            for (int[] w : watchpoints) {
                writes |= w[0] != 3;
                reads |= w[0] != 2;
            }
            cpu.mmu.setWriteLog(writes ? this : null);
            cpu.mmu.setReadLog(reads ? this : null);
            return "OK";
        }
        return "";
    }

    @Override
    public void written(int linear, int size) {
        watchCheck(linear, size, true);
    }

    @Override
    public void read(int linear, int size) {
        watchCheck(linear, size, false);
    }

    private void watchCheck(int linear, int size, boolean write) {
        if (watchHit != null) return;
        long a = Integer.toUnsignedLong(linear);
        for (int[] w : watchpoints) {
            if (write ? w[0] == 3 : w[0] == 2) continue;
            long lo = Integer.toUnsignedLong(w[1]);
            if (a < lo + w[2] && lo < a + size) {
                String kind = w[0] == 2 ? "watch" : w[0] == 3 ? "rwatch" : "awatch";
                watchHit = String.format(Locale.ROOT, "T%02x%s:%x;thread:1;", SIGTRAP, kind, w[1]);
                return;
            }
        }
    }

    // ---- running ----------------------------------------------------------------------------------------------

    @Override
    public boolean beforeInsn(Cpu c, Insn insn) {
        if (first) {
            // The instruction the client resumes at runs even when a breakpoint is set on it.
            first = false;
            if (stepping) stopNext = true;
            return true;
        }
        if (stopNext) {
            stopReason = String.format(Locale.ROOT, "T%02xthread:1;", SIGTRAP);
            return false;
        }
        int eip = c.st.eip;
        for (int b : breakArray) {
            if (b == eip) {
                String kind = breakpoints.contains(eip) ? (swbreakFeature ? "swbreak:;" : "") : hwbreakFeature ? "hwbreak:;" : "";
                stopReason = String.format(Locale.ROOT, "T%02x%sthread:1;", SIGTRAP, kind);
                return false;
            }
        }
        return true;
    }

    @Override
    public void afterInsn(Cpu c, Insn insn, int eip) {
        if (watchHit != null) {
            // A watchpoint: stop after the instruction that made the access, as a data breakpoint would.
            stopReason = watchHit;
            watchHit = null;
            c.pendingStop = Cpu.Stop.BREAK;
        }
    }

    @Override
    public void onFault(Cpu c, CpuFault f, int eip) {
        watchHit = null;   // the access did not complete
    }

    @Override
    public boolean holdFault(Cpu c, CpuFault f, int eip) {
        if (f.software || f.trap || f.vector == CpuFault.DB) return false;
        if (passOnce && eip == passEip) {
            passOnce = false;
            return false;
        }
        int sig = switch (f.vector) {
            case CpuFault.UD -> SIGILL;
            case CpuFault.DE, CpuFault.MF -> SIGFPE;
            case CpuFault.PF, CpuFault.GP, CpuFault.SS, CpuFault.NP, CpuFault.TS, CpuFault.AC -> SIGSEGV;
            default -> 0;
        };
        if (sig == 0) return false;
        heldFault = f;
        heldEip = eip;
        stopReason = String.format(Locale.ROOT, "T%02xthread:1;", sig);
        return true;
    }

    /** Resumes the machine until a stop; returns the stop reply. */
    private String resume(boolean step, GdbConnection conn) throws IOException {
        if (ended != null) return ended;
        first = true;
        stepping = step;
        stopNext = false;
        stopReason = null;
        if (heldFault != null && cpu.st.eip == heldEip) {
            // Resuming at a reported fault delivers it to the kernel.
            passOnce = true;
            passEip = heldEip;
        }
        heldFault = null;
        long start = cpu.icount;
        try {
            while (true) {
                long left = budget - (cpu.icount - start);
                if (left <= 0) {
                    conn.send("O" + hex(String.format(Locale.ROOT, "ntgate: instruction budget used up (%d instructions)%n", budget)));
                    return lastStop = String.format(Locale.ROOT, "T%02xthread:1;", SIGXCPU);
                }
                NtSystem.End end = sys.run(Math.min(left, CHUNK));
                switch (end) {
                    case BREAK -> {
                        if (stopReason == null) stopReason = String.format(Locale.ROOT, "T%02xthread:1;", SIGTRAP);
                        int n = sys.modules.all().size();
                        if (n != modulesReported) {
                            // A module arrived (a driver, a DLL): the client reads the library list again.
                            modulesReported = n;
                            stopReason += "library:;";
                        }
                        return lastStop = stopReason;
                    }
                    case BUDGET -> {
                        if (conn.interrupted()) return lastStop = String.format(Locale.ROOT, "T%02xthread:1;", SIGINT);
                    }
                    case EXITED -> {
                        endedMessage = "the process exited with status " + NtStatus.describe(sys.k.exitStatus);
                        return lastStop = ended = String.format(Locale.ROOT, "W%02x", sys.k.exitStatus & 0xFF);
                    }
                    default -> {
                        int sig = end == NtSystem.End.TRIPLE_FAULT ? SIGSEGV : SIGABRT;
                        endedMessage = switch (end) {
                            case BUG_CHECK -> String.format(Locale.ROOT, "bug check 0x%08X (0x%08x, 0x%08x, 0x%08x, 0x%08x)",
                                    sys.k.bugCheck.code(), sys.k.bugCheck.p1(), sys.k.bugCheck.p2(), sys.k.bugCheck.p3(), sys.k.bugCheck.p4());
                            case TRIPLE_FAULT -> "triple fault: the processor shut down";
                            case DEADLOCK -> String.valueOf(sys.k.deadlock);
                            default -> "the processor halted at " + sys.symbolize(cpu.st.eip);
                        };
                        conn.send("O" + hex("ntgate: " + endedMessage + "\n"));
                        return lastStop = ended = String.format(Locale.ROOT, "X%02x", sig);
                    }
                }
            }
        } finally {
            first = false;
            stepping = false;
            stopNext = false;
        }
    }

    // ---- hex helpers ------------------------------------------------------------------------------------------

    private static int hexInt(String s) {
        String t = s.strip().replaceFirst("^0+(?=.)", "");
        if (t.isEmpty() || t.length() > 8) throw new BadPacket();
        long v = 0;
        for (int i = 0; i < t.length(); i++) {
            int d = GdbConnection.hexDigit(t.charAt(i));
            if (d < 0) throw new BadPacket();
            v = v << 4 | d;
        }
        return (int) v;
    }

    private static String hex(String text) {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        return hex(b, 0, b.length);
    }

    private static String hex(byte[] b, int off, int len) {
        StringBuilder sb = new StringBuilder(2 * len);
        for (int i = off; i < off + len; i++) {
            int x = b[i] & 0xFF;
            sb.append(Character.forDigit(x >>> 4, 16)).append(Character.forDigit(x & 0xF, 16));
        }
        return sb.toString();
    }

    private static String unhex(String s) {
        if (s.length() % 2 != 0) throw new BadPacket();
        byte[] b = new byte[s.length() / 2];
        for (int i = 0; i < b.length; i++) {
            int hi = GdbConnection.hexDigit(s.charAt(2 * i)), lo = GdbConnection.hexDigit(s.charAt(2 * i + 1));
            if (hi < 0 || lo < 0) throw new BadPacket();
            b[i] = (byte) (hi << 4 | lo);
        }
        return new String(b, StandardCharsets.UTF_8);
    }
}
