package ntgate.nt.gate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ntgate.asm.Disassembler;
import ntgate.nt.NtHarness;
import ntgate.nt.NtSystem;

import java.io.IOException;
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
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The project's seed listing (an IDA listing of XP SP3's ntkrnlpa.exe KiFastCallEntry, KiServiceExit,
 * KiSystemCallExit and KiSystemCallExit2, published on a forum with the bracketed operands stripped) is the
 * specification of the gate's layout: every instruction it lists is read from the file and checked against the
 * disassembly of ntgate's assembled kernel at the same offset from the same routine: mnemonic, length, and each
 * operand the listing still shows (registers, numbers, absolute addresses, branch targets, the names called).
 */
class SeedListingTest {
    static final String SEED = "shared/seeds/000_417d4fbd56e670bf.txt";
    /** The routines of the listing and their start in the listing's image (IDA base 0x00400000). */
    static final Map<String, Integer> ROUTINES = Map.of("KiFastCallEntry", 0x46A520, "KiServiceExit", 0x46A62E,
            "KiSystemCallExit", 0x46A720, "KiSystemCallExit2", 0x46A721);
    /** IDA's mnemonics for the ones the disassembler spells the WinDbg way. */
    static final Map<String, String> SYNONYMS = Map.of("jne", "jnz", "je", "jz", "jae", "jnb", "pushfd", "pushf",
            "popfd", "popf", "iretd", "iret");

    /**
     * The listing's author renamed four labels of out-of-line code the post does not show, so the listing gives
     * no address for them: their role does (the comments beside them), and each names one ntgate label.
     */
    static final Map<String, String> RENAMED = Map.of("跳到6号中断门", "Kfsc91", "调试状态", "KiServiceExit.Dr_ExitHelp",
            "和中断返回有关", "KiServiceExit.editedFrame", "主要恢复了段寄存器", "KiServiceExit.nonFlatPm");

    record SeedInsn(int address, String routine, String mnemonic, String operands, int length) {}

    static List<SeedInsn> seed = new ArrayList<>();
    static Map<String, Integer> seedLabels = new HashMap<>();
    static NtHarness h;
    static Path seedFile;
    static byte[] image;
    static long base;

    @BeforeAll
    static void read() throws IOException {
        Path file = null;
        for (Path dir = Path.of("").toAbsolutePath(); dir != null && file == null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve(SEED))) file = dir.resolve(SEED);
        }
        assumeTrue(file != null, "the seed listing " + SEED + " is not in a parent folder of the repository: skipped");
        seedFile = file;
        Pattern line = Pattern.compile("^\\.text:([0-9A-F]{8})\\s+(.*)$");
        Pattern label = Pattern.compile("^(\\S+?):\\s*(;.*)?$");
        String routine = null;
        List<String[]> raw = new ArrayList<>();
        for (String l : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            Matcher m = line.matcher(l.replace('\u00A0', ' '));
            if (!m.matches()) continue;
            int addr = Integer.parseInt(m.group(1), 16);
            String body = m.group(2).trim();
            if (body.isEmpty() || body.startsWith(";")) continue;
            Matcher lm = label.matcher(body);
            if (lm.matches()) {
                seedLabels.put(lm.group(1), addr);
                String name = lm.group(1).replaceFirst("^_", "");
                if (ROUTINES.containsKey(name)) routine = name;
                continue;
            }
            String[] words = body.split("\\s+");
            if (words.length > 1 && (words[1].equals("proc") || words[0].endsWith("proc"))) {
                String name = words[0].replaceFirst("proc$", "").replaceFirst("^_", "");
                seedLabels.put(words[0].replaceFirst("proc$", ""), addr);
                if (ROUTINES.containsKey(name)) routine = name;
                continue;
            }
            String code = body.replaceFirst(";.*$", "").trim();
            String mn = words[0].toLowerCase(Locale.ROOT);
            if (code.isEmpty() || !MNEMONICS.contains(mn)) continue;
            String ops = code.substring(words[0].length()).trim();
            if (mn.equals("rep")) {
                mn = "rep " + ops;
                ops = "";
            }
            raw.add(new String[] {Integer.toString(addr), routine, mn, ops});
        }
        for (int i = 0; i < raw.size(); i++) {
            int addr = Integer.parseInt(raw.get(i)[0]);
            // Each instruction's length is the distance to the next line of the listing; the last one (the iretd
            // after sysexit) is the one-byte 0xCF.
            int next = i + 1 < raw.size() ? Integer.parseInt(raw.get(i + 1)[0]) : addr + 1;
            if (addr == 0x46A711) next = 0x46A719;   // the listing shows KiSystemCallExitBranch as two db lines
            seed.add(new SeedInsn(addr, raw.get(i)[1], raw.get(i)[2], raw.get(i)[3], next - addr));
        }
        // Run a program that returns at once: the boot code has then patched the exit branch as XP's does.
        h = NtHarness.run("section .text\nstart:\n    ret\n");
        image = h.sys.kernel.image();
        base = h.sys.kernel.base();
    }

    static final java.util.Set<String> MNEMONICS = java.util.Set.of("mov", "push", "pop", "pushf", "popf", "or", "add",
            "sub", "cmp", "jnz", "jz", "jnb", "ja", "and", "test", "sti", "cli", "shr", "xor", "call", "inc", "rep",
            "jmp", "bt", "cmc", "lea", "iret", "sysexit");

    static int nt(String name) {
        return h.sys.kernelSymbol(name);
    }

    Disassembler.Line at(int address) {
        return new Disassembler().disassemble(image, (int) (address - base), address);
    }

    /** Where the seed's address lies in ntgate: the same offset from the same routine. */
    static int ntgateAddress(SeedInsn s) {
        return nt(s.routine()) + (s.address() - ROUTINES.get(s.routine()));
    }

    @Test
    void theListingHasItsHundredAndFiftyFourInstructions() {
        assertEquals(154, seed.size(), "instructions read from the seed listing");
    }

    @Test
    void everyInstructionOfTheListingSitsAtItsOffsetWithItsMnemonicLengthAndOperands() {
        List<String> wrong = new ArrayList<>();
        int matched = 0;
        for (SeedInsn s : seed) {
            int a = ntgateAddress(s);
            Disassembler.Line l = at(a);
            String text = l.text();
            String mn = text.split(" ")[0];
            String ops = text.substring(mn.length()).trim();
            if (mn.equals("rep")) {
                mn = "rep " + ops.split(" ")[0] + (ops.contains("dword") ? "d" : "");
                ops = "";
                mn = mn.replace("movsd", "movsd").replace("rep movsd", "rep movsd");
            }
            mn = SYNONYMS.getOrDefault(mn, mn);
            String problem = null;
            if (!mn.equals(s.mnemonic()) && !(s.mnemonic().equals("rep movsd") && mn.startsWith("rep movs"))) {
                problem = "mnemonic " + mn;
            } else if (l.length() != s.length()) {
                problem = "length " + l.length() + " (listing " + s.length() + ")";
            } else {
                problem = compareOperands(s, ops, a);
            }
            if (problem == null) matched++;
            else wrong.add(String.format(Locale.ROOT, "%s+0x%x (%08x): listing '%s %s', ntgate '%s': %s", s.routine(),
                    s.address() - ROUTINES.get(s.routine()), s.address(), s.mnemonic(), s.operands(), text, problem));
        }
        assertEquals(List.of(), wrong, matched + " of " + seed.size() + " instructions match");
    }

    /** Null when every operand the listing shows agrees with ntgate's; else what differs. */
    static String compareOperands(SeedInsn s, String ntgateOps, int address) {
        String[] want = splitOperands(s.operands());
        String[] got = splitOperands(ntgateOps);
        if (s.operands().isEmpty()) return got.length == 0 || got[0].isEmpty() ? null : "operands " + ntgateOps;
        if (want.length != got.length) return "operand count";
        for (int i = 0; i < want.length; i++) {
            String w = want[i].trim(), g = got[i].trim();
            if (w.isEmpty() || w.endsWith("ptr")) continue;   // stripped from the post: nothing to compare
            String p = compareOperand(s, w, g);
            if (p != null) return "operand " + (i + 1) + ": " + p;
        }
        return null;
    }

    static String[] splitOperands(String ops) {
        List<String> out = new ArrayList<>();
        int depth = 0, from = 0;
        for (int i = 0; i < ops.length(); i++) {
            char c = ops.charAt(i);
            if (c == '[' || c == '(') depth++;
            else if (c == ']' || c == ')') depth--;
            else if (c == ',' && depth == 0) {
                out.add(ops.substring(from, i));
                from = i + 1;
            }
        }
        out.add(ops.substring(from));
        return out.toArray(new String[0]);
    }

    static final Pattern REG = Pattern.compile("(?i)e?[abcd]x|e?[sd]i|e?[sb]p|[abcd][lh]|[cdefgs]s");
    static final Pattern NUM = Pattern.compile("(?i)^(?:0x)?([0-9a-f]+)h?$");

    static String compareOperand(SeedInsn s, String want, String got) {
        String w = want.toLowerCase(Locale.ROOT).replace("large ", "").replace("short ", "").trim();
        String g = got.toLowerCase(Locale.ROOT).trim();
        if (REG.matcher(w).matches()) return w.equals(g) ? null : "register " + g;
        Long wn = number(w);
        if (wn != null) {
            Long gn = number(g);
            return gn != null && (gn & 0xFFFFFFFFL) == (wn & 0xFFFFFFFFL) ? null : "number " + g;
        }
        // An absolute memory operand: seg:number (large fs:40h, ds:0FFDF0304h, dword ptr fs:638h).
        Matcher abs = Pattern.compile("^(?:(byte|word|dword) ptr )?(?:(fs|ds):)?([0-9a-f]+h|[0-9]+)$").matcher(w);
        if (abs.matches()) {
            String seg = abs.group(2) == null ? "ds" : abs.group(2);
            long v = number(abs.group(3));
            Matcher gm = Pattern.compile("(?:(byte|word|dword) ptr )?(?:(fs|ds):)?\\[([0-9a-f]+)h?\\]").matcher(g);
            if (!gm.find()) return "memory " + g;
            String gseg = gm.group(2) == null ? "ds" : gm.group(2);
            if (!gseg.equals(seg) || Long.parseLong(gm.group(3), 16) != v) return "memory " + g;
            if (abs.group(1) != null && gm.group(1) != null && !abs.group(1).equals(gm.group(1))) return "size " + g;
            return null;
        }
        // A name: a branch target in the listing, or a routine or variable of the kernel.
        String name = want.trim().replaceFirst("^(?i)(dword ptr )?ds:", "").replaceFirst("^short ", "");
        Integer seedTarget = seedLabels.get(name);
        if (seedTarget == null && name.matches("loc_[0-9A-Fa-f]{6}")) seedTarget = Integer.parseInt(name.substring(4), 16);
        Matcher target = Pattern.compile("\\(([0-9a-f]{8})\\)|^([0-9a-f]{8})$").matcher(g);
        if (seedTarget != null && ROUTINES.get(s.routine()) != null && target.find()) {
            long t = Long.parseLong(target.group(1) != null ? target.group(1) : target.group(2), 16);
            // Inside the listing's span the target must be at the same distance from KiFastCallEntry.
            if (seedTarget >= 0x46A520 && seedTarget < 0x46B000) {
                long want2 = Integer.toUnsignedLong(nt("KiFastCallEntry")) + (seedTarget - 0x46A520L);
                return t == want2 ? null : String.format(Locale.ROOT, "target %08x, listing %08x", t, want2);
            }
        }
        String symbol = RENAMED.getOrDefault(name, name.replaceFirst("^_(?!_)", "").replaceFirst("@\\d+$", ""));
        if (symbol.startsWith("__imp_")) symbol = name;
        Long sym = h.sys.kernel.symbols().get(symbol);
        if (sym == null && seedTarget != null) return null;   // a label outside the listing (KiTrap06's chunk)
        if (sym == null) return "no kernel symbol " + symbol;
        return g.contains(String.format(Locale.ROOT, "%08x", sym)) ? null : "not " + symbol + " (" + g + ")";
    }

    static Long number(String t) {
        Matcher m = NUM.matcher(t);
        if (!m.matches()) return null;
        if (!t.endsWith("h") && !t.startsWith("0x") && t.matches(".*[a-f].*")) return null;
        try {
            return Long.parseLong(m.group(1), t.endsWith("h") || t.startsWith("0x") ? 16 : 10);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    @Test
    void theOutOfLineChunksSitWhereTheListingSaysAndHaveItsSizes() throws IOException {
        // "FUNCTION CHUNK AT .text:0046A4ED SIZE 00000026 BYTES" and the like, with the ntgate label each starts with
        // and the label just past its end.
        Map<Integer, String[]> chunks = Map.of(0x46A4ED, new String[] {"Kfsc90", "KiFastCallEntry"},
                0x46A7C0, new String[] {"kss80", null}, 0x46A738, new String[] {"KiServiceExit.Dr_ExitHelp", "kss80"},
                0x46A720, new String[] {"KiSystemCallExit", "KiSystemCallExit2"});
        Pattern chunk = Pattern.compile("FUNCTION CHUNK AT \\.text:([0-9A-F]{8}) SIZE ([0-9A-F]{8}) BYTES");
        int seen = 0;
        for (String l : Files.readAllLines(seedFile, StandardCharsets.UTF_8)) {
            Matcher m = chunk.matcher(l);
            if (!m.find()) continue;
            int at = Integer.parseInt(m.group(1), 16), size = Integer.parseInt(m.group(2), 16);
            String[] labels = chunks.get(at);
            if (labels == null) throw new AssertionError("a chunk this test does not know: " + l);
            int start = nt("KiFastCallEntry") + (at - 0x46A520);
            assertEquals(start, nt(labels[0]), labels[0] + " at the listing's " + m.group(1));
            if (labels[1] != null) {
                int end = nt(labels[1]);
                // Between a chunk and what follows it, only the alignment padding the listing omits.
                assertTrue(end - start >= size && end - start < size + 16, labels[0] + " is " + size + " bytes");
            } else {
                Disassembler.Line last = at(start + size - 5);
                assertTrue(last.text().startsWith("jmp "), "the chunk ends with its jmp back: " + last.text());
            }
            seen++;
        }
        assertEquals(4, seen, "the listing names four chunks");
    }

    @Test
    void kiServiceExitFollowsKiFastCallEntryAndKiSystemServiceJoinsItAt0x8F() {
        int entry = nt("KiFastCallEntry");
        assertEquals(0x80541520, entry, "KiFastCallEntry = nt + 0x6A520 (the seed listing's RVA)");
        assertEquals(entry + 0x10E, nt("KiServiceExit"), "KiServiceExit directly follows KiFastCallEntry");
        // KiSystemService ends with a jmp to the common dispatcher, which is KiFastCallEntry+0x8F.
        Disassembler.Line jmp = at(nt("KiSystemService") + 0x72);
        assertEquals(String.format(Locale.ROOT, "jmp %08x", entry + 0x8F), jmp.text(), "KiSystemService+0x72");
        // KiFastCallEntry reaches +0x8F by falling through: the instruction before it ends there.
        Disassembler.Line sti = at(entry + 0x8E);
        assertEquals("sti", sti.text());
        assertEquals(1, sti.length());
    }

    @Test
    void theExitBranchIsAShortJnzAtKiServiceExitPlus0xEbThatBootPatchesToKiSystemCallExit2() {
        int branch = nt("KiServiceExit") + 0xEB;
        assertEquals(branch, nt("KiSystemCallExitBranch"));
        int off = (int) (branch - base);
        assertArrayEquals(new byte[] {0x75, 0x05}, new byte[] {image[off], image[off + 1]},
                "in the image: jnz short KiSystemCallExit (75 05), as the listing's db 75h, 5");
        assertEquals(branch + 7, nt("KiSystemCallExit"));
        assertEquals(branch + 8, nt("KiSystemCallExit2"));
        // KiEnableFastSyscallReturn ran at boot (the CPU has SEP): the displacement now reaches KiSystemCallExit2.
        assertEquals(0x75, Gate.k8(h, branch));
        assertEquals(0x06, Gate.k8(h, branch + 1));
    }

    @Test
    void theHookSignatureIsInMemoryAtKiFastCallEntryPlus0xE5() {
        int a = nt("KiFastCallEntry") + 0xE5;
        int[] want = {0x2B, 0xE1, 0xC1, 0xE9, 0x02, 0x8B, 0xFC};   // sub esp,ecx / shr ecx,2 / mov edi,esp (MASM)
        int[] got = new int[want.length];
        for (int i = 0; i < want.length; i++) got[i] = Gate.k8(h, a + i);
        assertArrayEquals(want, got);
        // And the service returns to KiFastCallEntry+0xFC: the call ebx is at +0xFA.
        assertEquals("call ebx", at(nt("KiFastCallEntry") + 0xFA).text());
        assertEquals(0x80541520 + 0xFC, nt("kss60"));
    }
}
