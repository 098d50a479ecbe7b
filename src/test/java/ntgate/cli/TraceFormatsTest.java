package ntgate.cli;

import ntgate.nt.NtSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 15, "done when" 3: the machine-readable traces of {@code ntgate run examples/hello.asm}. The jsonl trace
 * parses line by line; the Tenet trace is read by a small reader that follows the format's published description
 * (gaasedelen/tenet, tracers/README.md); the drcov file's header, module table and block table are checked
 * against drcov version 2 as Lighthouse reads it. Expected values come from the SDM (encodings), NT-FACTS (service
 * numbers §12, PEB.ProcessParameters at +0x10 §2.6, SYSENTER_ESP §3.3), XP's first PEB at 0x7FFDF000 (DESIGN.md memory map) and the program's
 * source, and from the assembled images' symbols.
 */
class TraceFormatsTest {
    @TempDir
    Path dir;

    private static final String HELLO = "examples/hello.asm";

    private static NtSystem boot() throws Exception {
        return NtSystem.boot(Files.readString(Path.of(HELLO)), "hello.asm", new NtSystem.Options());
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> jsonl(Path file) throws Exception {
        List<Map<String, Object>> events = new ArrayList<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            Object o = Json.parse(line);
            assertTrue(o instanceof Map, line);
            Map<String, Object> m = (Map<String, Object>) o;
            assertTrue(m.get("event") instanceof String && m.get("icount") instanceof Long, line);
            events.add(m);
        }
        return events;
    }

    private static int hex(Object v) {
        String s = (String) v;
        assertTrue(s.startsWith("0x"), s);
        return (int) Long.parseLong(s.substring(2), 16);
    }

    @Test
    @SuppressWarnings("unchecked")
    void aJsonlTraceParsesLineByLineWithCallsStatusesAndInstructions() throws Exception {
        Path file = dir.resolve("t.jsonl");
        CliRun r = CliRun.of("run", HELLO, "--trace", "syscalls,insns", "--trace-format", "jsonl", "--trace-file", file.toString());
        assertEquals(0, r.exit(), r.err());
        assertEquals("Hello from ring 3, through SYSENTER and back.\n", r.out());
        assertEquals("", r.err(), "the trace went to the file");
        List<Map<String, Object>> ev = jsonl(file);
        NtSystem sys = boot();

        List<Map<String, Object>> calls = ev.stream().filter(e -> e.get("event").equals("call")).toList();
        List<Map<String, Object>> returns = ev.stream().filter(e -> e.get("event").equals("return")).toList();
        assertEquals(2, calls.size());
        assertEquals(2, returns.size());
        // NtWriteFile is 0x112 on XP SP3 with 9 arguments; the program passes Length = 46 (its message).
        assertEquals("NtWriteFile", calls.get(0).get("service"));
        assertEquals(0x112, hex(calls.get(0).get("number")));
        List<Object> args = (List<Object>) calls.get(0).get("args");
        assertEquals(9, args.size());
        assertEquals("Hello from ring 3, through SYSENTER and back.\n".length(), hex(args.get(6)));
        assertEquals("sysenter", calls.get(0).get("entry"));
        // Decoded with the prototype's names (NtWriteFile's parameters, as the DDK declares them).
        List<Object> decoded = (List<Object>) calls.get(0).get("decoded");
        assertEquals(9, decoded.size());
        String[] names = {"FileHandle", "Event", "ApcRoutine", "ApcContext", "IoStatusBlock", "Buffer", "Length", "ByteOffset", "Key"};
        for (int i = 0; i < names.length; i++) assertEquals(names[i], ((Map<String, Object>) decoded.get(i)).get("name"));
        assertTrue(((String) ((Map<String, Object>) decoded.get(5)).get("value")).contains("Hello from ring 3"), decoded.toString());
        assertEquals(0, hex(returns.get(0).get("status")));
        assertEquals("STATUS_SUCCESS", returns.get(0).get("statusName"));
        assertEquals(true, returns.get(0).get("returned"));
        // NtTerminateProcess (0x101) never comes back.
        assertEquals(0x101, hex(calls.get(1).get("number")));
        assertEquals(false, returns.get(1).get("returned"));

        List<Map<String, Object>> insns = ev.stream().filter(e -> e.get("event").equals("insn")).toList();
        long last = -1;
        for (Map<String, Object> i : insns) {
            long n = (Long) i.get("icount");
            assertTrue(n > last, "one event per retired instruction, in order");
            last = n;
            assertTrue(((String) i.get("bytes")).matches("([0-9a-f]{2})+"), i.toString());
            assertFalse(((String) i.get("text")).isEmpty());
        }
        // The program's first instruction: mov eax, fs:[30h] (64 A1 imm32, SDM Vol.2 MOV moffs) loads the PEB.
        Map<String, Object> first = insns.stream().filter(i -> "hello!start".equals(i.get("symbol"))).findFirst().orElseThrow();
        assertEquals("64a130000000", first.get("bytes"));
        assertEquals(ntgate.nt.layout.Nt.PEB_ADDRESS, hex(((Map<String, Object>) first.get("regs")).get("eax")));
        assertEquals(3, ((Long) first.get("cpl")).intValue());
        // A push writes four bytes at the new ESP.
        Map<String, Object> push = insns.stream().filter(i -> "push 0".equals(i.get("text")) && (Long) i.get("cpl") == 3)
                .findFirst().orElseThrow();
        List<Object> writes = (List<Object>) push.get("writes");
        assertEquals(1, writes.size());
        Map<String, Object> w = (Map<String, Object>) writes.get(0);
        assertEquals(hex(((Map<String, Object>) push.get("regs")).get("esp")), hex(w.get("addr")));
        assertEquals("00000000", w.get("bytes"));
        // SYSENTER (0F 34) is followed by nt!KiFastCallEntry's first instruction, in ring 0.
        int k = -1;
        for (int i = 0; i < insns.size(); i++) if ("0f34".equals(insns.get(i).get("bytes"))) k = i;
        assertTrue(k >= 0);
        assertEquals(sys.kernelSymbol("KiFastCallEntry"), hex(insns.get(k + 1).get("eip")));
        assertEquals(0L, insns.get(k + 1).get("cpl"));
    }

    @Test
    void filtersKeepTheNamedServiceOrTheNamedModule() throws Exception {
        Path file = dir.resolve("f.jsonl");
        CliRun r = CliRun.of("run", HELLO, "--trace", "syscalls", "--trace-format", "jsonl", "--trace-filter", "ZwTerminate*",
                "--trace-file", file.toString());
        assertEquals(0, r.exit(), r.err());
        List<Map<String, Object>> ev = jsonl(file);
        assertEquals(2, ev.size(), ev.toString());
        assertEquals("NtTerminateProcess", ev.get(0).get("service"));

        NtSystem sys = boot();
        Path mod = dir.resolve("m.jsonl");
        r = CliRun.of("run", HELLO, "--trace", "insns", "--trace-format", "jsonl", "--trace-filter", "hello", "--trace-file", mod.toString());
        assertEquals(0, r.exit(), r.err());
        List<Map<String, Object>> insns = jsonl(mod);
        assertFalse(insns.isEmpty());
        long lo = Integer.toUnsignedLong(sys.image.base()), hi = sys.image.end();
        for (Map<String, Object> i : insns) {
            long eip = Integer.toUnsignedLong(hex(i.get("eip")));
            assertTrue(eip >= lo && eip < hi, i.toString());
            assertTrue(((String) i.get("symbol")).startsWith("hello!"), i.toString());
        }
        r = CliRun.of("run", HELLO, "--trace", "insns", "--trace-filter", "nosuchthing");
        assertEquals(ExitCodes.USAGE, r.exit());
        assertEquals(1, r.err().lines().count(), r.err());
    }

    @Test
    void theGateHeaderNamesTheServiceAndTheExitLineTheStatus() throws Exception {
        CliRun r = CliRun.of("run", HELLO, "--trace", "gate", "--trace-filter", "NtWriteFile");
        assertEquals(0, r.exit(), r.err());
        List<String> lines = r.err().lines().toList();
        assertTrue(lines.get(0).startsWith("---- gate: sysenter NtWriteFile (0x112) eax=00000112"), lines.get(0));
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("---- back in user mode at ntdll!KiFastSystemCallRet, eax=00000000 STATUS_SUCCESS")),
                r.err());
        assertFalse(r.err().contains("NtTerminateProcess"), "the filter keeps one service");
    }

    /** One line of a Tenet trace: registers set on it and memory entries, in order. */
    record TenetLine(Map<String, Long> regs, List<String[]> memory) {}

    /** The format's description: comma-separated entries, reg=0xHEX or mr/mw/mrw=0xADDR:HEXBYTES, EIP last of the registers. */
    static List<TenetLine> readTenet(List<String> lines) {
        List<String> regNames = List.of("eax", "ebx", "ecx", "edx", "ebp", "esp", "esi", "edi", "eip");
        List<TenetLine> out = new ArrayList<>();
        for (String line : lines) {
            Map<String, Long> regs = new HashMap<>();
            List<String[]> mem = new ArrayList<>();
            boolean seenEip = false;
            for (String entry : line.split(",")) {
                int eq = entry.indexOf('=');
                assertTrue(eq > 0, line);
                String key = entry.substring(0, eq).toLowerCase(Locale.ROOT), value = entry.substring(eq + 1);
                if (key.equals("mr") || key.equals("mw") || key.equals("mrw")) {
                    assertTrue(seenEip, "memory follows the registers: " + line);
                    Matcher m = Pattern.compile("0x([0-9a-fA-F]+):((?:[0-9a-fA-F]{2})+)").matcher(value);
                    assertTrue(m.matches(), entry);
                    mem.add(new String[] {key, m.group(1), m.group(2)});
                    continue;
                }
                assertTrue(regNames.contains(key), "an x86 register of Tenet's: " + key);
                assertFalse(seenEip, "EIP is the last register: " + line);
                assertTrue(value.matches("0x[0-9a-fA-F]+"), entry);
                regs.put(key, Long.parseLong(value.substring(2), 16));
                if (key.equals("eip")) seenEip = true;
            }
            assertTrue(seenEip, "every line has EIP: " + line);
            out.add(new TenetLine(regs, mem));
        }
        return out;
    }

    @Test
    void aTenetTraceMatchesTheFormatsDescription() throws Exception {
        Path file = dir.resolve("t.tenet");
        CliRun r = CliRun.of("run", HELLO, "--trace-format", "tenet", "--trace-file", file.toString());
        assertEquals(0, r.exit(), r.err());
        List<TenetLine> t = readTenet(Files.readAllLines(file));
        NtSystem sys = boot();
        assertEquals(9, t.get(0).regs().size(), "the first line holds the whole register state");
        // Replay the deltas: at nt!KiFastCallEntry EAX holds NtWriteFile's number and ESP is SYSENTER_ESP.
        Map<String, Long> state = new HashMap<>();
        int fastCall = sys.kernelSymbol("KiFastCallEntry");
        boolean atEntry = false, sawFrameWrite = false, sawPebRead = false;
        for (TenetLine l : t) {
            for (Map.Entry<String, Long> e : l.regs().entrySet()) {
                Long before = state.put(e.getKey(), e.getValue());
                if (!e.getKey().equals("eip")) assertFalse(e.getValue().equals(before), "registers appear only when changed");
            }
            if (state.get("eip") == Integer.toUnsignedLong(fastCall) && !atEntry) {
                atEntry = true;
                assertEquals(0x112L, state.get("eax"));
                assertEquals(Integer.toUnsignedLong(NtSystem.DPC_STACK), state.get("esp"));
            }
            for (String[] m : l.memory()) {
                if (m[0].equals("mw") && m[2].equals("23000000")) sawFrameWrite = true;   // push 23h -> HardwareSegSs
                if (m[0].equals("mr") && Long.parseLong(m[1], 16) == ntgate.nt.layout.Nt.PEB_ADDRESS + 0x10L) sawPebRead = true;
            }
        }
        assertTrue(atEntry, "the trace enters the kernel");
        assertTrue(sawFrameWrite, "KiFastCallEntry's push 23h is a memory write");
        assertTrue(sawPebRead, "the program reads PEB.ProcessParameters");
    }

    @Test
    void theDrcovFileHasAValidHeaderModuleTableAndBlockTable() throws Exception {
        Path file = dir.resolve("c.drcov");
        CliRun r = CliRun.of("run", HELLO, "--coverage", file.toString());
        assertEquals(0, r.exit(), r.err());
        byte[] b = Files.readAllBytes(file);
        int pos = 0;
        List<String> header = new ArrayList<>();
        while (header.size() < 4 || !header.get(header.size() - 1).startsWith("BB Table:")) {
            int nl = pos;
            while (b[nl] != '\n') nl++;
            header.add(new String(b, pos, nl - pos, StandardCharsets.UTF_8));
            pos = nl + 1;
        }
        assertEquals("DRCOV VERSION: 2", header.get(0));
        assertTrue(header.get(1).startsWith("DRCOV FLAVOR: "), header.get(1));
        Matcher mt = Pattern.compile("Module Table: version 2, count (\\d+)").matcher(header.get(2));
        assertTrue(mt.matches(), header.get(2));
        int count = Integer.parseInt(mt.group(1));
        assertEquals("Columns: id, base, end, entry, checksum, timestamp, path", header.get(3));
        assertEquals(4 + count + 1, header.size(), "one line per module, then the block table");
        NtSystem sys = boot();
        long[][] mods = new long[count][];
        Map<String, Integer> ids = new HashMap<>();
        for (int i = 0; i < count; i++) {
            String[] f = header.get(4 + i).strip().split(", ");
            assertEquals(7, f.length, header.get(4 + i));
            assertEquals(i, Integer.parseInt(f[0]));
            mods[i] = new long[] {Long.parseLong(f[1].substring(2), 16), Long.parseLong(f[2].substring(2), 16)};
            assertTrue(mods[i][1] > mods[i][0]);
            ids.put(f[6].substring(f[6].lastIndexOf('\\') + 1), i);
        }
        assertEquals(Integer.toUnsignedLong(sys.image.base()), mods[ids.get("hello.exe")][0]);
        assertEquals(sys.ntdll.base(), mods[ids.get("ntdll.dll")][0]);
        Matcher bb = Pattern.compile("BB Table: (\\d+) bbs").matcher(header.get(header.size() - 1));
        assertTrue(bb.matches());
        int n = Integer.parseInt(bb.group(1));
        assertEquals(8L * n, b.length - pos, "N binary entries of start(u32) size(u16) mod_id(u16)");
        ByteBuffer table = ByteBuffer.wrap(b, pos, 8 * n).order(ByteOrder.LITTLE_ENDIAN);
        boolean entry = false, fastCall = false;
        long kiFast = Integer.toUnsignedLong(sys.kernelSymbol("KiFastCallEntry")) - mods[ids.get("ntkrnlpa.exe")][0];
        for (int i = 0; i < n; i++) {
            long start = Integer.toUnsignedLong(table.getInt());
            int size = Short.toUnsignedInt(table.getShort());
            int mod = Short.toUnsignedInt(table.getShort());
            assertTrue(mod < count && size > 0 && start + size <= mods[mod][1] - mods[mod][0]);
            if (mod == ids.get("hello.exe") && start == sys.image.entry() - sys.image.base()) entry = true;
            if (mod == ids.get("ntkrnlpa.exe") && start == kiFast) fastCall = true;
        }
        assertTrue(entry, "a block starts at the program's entry point");
        assertTrue(fastCall, "a block starts at nt!KiFastCallEntry");
        assertNotNull(r.out());
    }
}
