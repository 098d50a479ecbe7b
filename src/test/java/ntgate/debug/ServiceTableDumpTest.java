package ntgate.debug;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import ntgate.cli.CliRun;
import ntgate.nt.ke.XpServiceTablesTest;
import ntgate.nt.ke.XpServiceTablesTest.Row;
import org.junit.jupiter.api.Test;

/**
 * Issue 10 item 4, "done when": {@code dps nt!KiServiceTable L11c} names all 284 routines as XP SP3 does and
 * {@code db nt!KiArgumentTable L11c} equals the public table byte for byte; the same for win32k's W32pServiceTable
 * (L29b) and W32pArgumentTable. Everything is read through {@code ntgate debug -c}; the expected names and bytes
 * come from the public XP SP3 dump in the test resources (see {@link XpServiceTablesTest}).
 */
class ServiceTableDumpTest {
    private static final Pattern DPS = Pattern.compile("(?m)^([0-9a-f]{8})  ([0-9a-f]{8}) (\\S+)$");
    private static final Pattern DB = Pattern.compile("(?m)^([0-9a-f]{8})  ((?:[0-9a-f]{2}[ -]){0,15}[0-9a-f]{2})");

    private static String run(String script) {
        CliRun r = CliRun.of("debug", "examples/hello.asm", "-c", script + "; q");
        assertEquals(0, r.exit(), r.err());
        return r.out();
    }

    /** The output of one command of the script: from its echo to the next prompt. */
    private static String section(String out, String cmd) {
        int i = out.indexOf("kd> " + cmd + "\n");
        assertTrue(i >= 0, "no '" + cmd + "' in:\n" + out);
        int from = i + cmd.length() + 5, to = out.indexOf("kd> ", from);
        return out.substring(from, to < 0 ? out.length() : to);
    }

    private static void symbolsMatch(String dump, String module, List<Row> expected) {
        Matcher m = DPS.matcher(dump);
        List<String> names = new ArrayList<>();
        long first = -1, prev = -1;
        while (m.find()) {
            long at = Long.parseLong(m.group(1), 16);
            if (first < 0) first = at;
            else assertEquals(prev + 4, at, "consecutive entries");
            prev = at;
            names.add(m.group(3));
        }
        assertEquals(expected.size(), names.size(), dump);
        for (int i = 0; i < expected.size(); i++) {
            assertEquals(module + "!" + expected.get(i).name(), names.get(i), "entry " + Integer.toHexString(i));
        }
    }

    private static void bytesMatch(String dump, List<Row> expected) {
        Matcher m = DB.matcher(dump);
        List<Integer> bytes = new ArrayList<>();
        while (m.find()) for (String b : m.group(2).split("[ -]")) bytes.add(Integer.parseInt(b, 16));
        assertEquals(expected.size(), bytes.size(), dump);
        for (int i = 0; i < expected.size(); i++) {
            assertEquals(4 * expected.get(i).argc(), bytes.get(i), expected.get(i).name());
        }
    }

    @Test
    void kiServiceTableAndKiArgumentTableAreXpSp3s() {
        String out = run("dps nt!KiServiceTable L11c; db nt!KiArgumentTable L11c");
        symbolsMatch(section(out, "dps nt!KiServiceTable L11c"), "nt", XpServiceTablesTest.publicNative());
        bytesMatch(section(out, "db nt!KiArgumentTable L11c"), XpServiceTablesTest.publicNative());
    }

    @Test
    void w32pServiceTableAndW32pArgumentTableAreXpSp3s() {
        String out = run("dps win32k!W32pServiceTable L29b; db win32k!W32pArgumentTable L29b; "
                + "dd nt!KeServiceDescriptorTableShadow+10 L4");
        symbolsMatch(section(out, "dps win32k!W32pServiceTable L29b"), "win32k", XpServiceTablesTest.publicWin32k());
        bytesMatch(section(out, "db win32k!W32pArgumentTable L29b"), XpServiceTablesTest.publicWin32k());
        // XP SP3's KeServiceDescriptorTableShadow[1] as public kernel-debugging write-ups dump it:
        // bf999b80 00000000 0000029b bf99a890.
        assertTrue(section(out, "dd nt!KeServiceDescriptorTableShadow+10 L4").contains("bf999b80 00000000 0000029b bf99a890"),
                out);
    }

    @Test
    void anUnimplementedServiceSaysSoWhereItIsDisassembled() {
        String out = run("u nt!NtAcceptConnectPort L2");
        String u = section(out, "u nt!NtAcceptConnectPort L2");
        assertTrue(u.contains("nt!NtAcceptConnectPort:"), u);
        assertTrue(u.contains("mov eax,0C0000002h") && u.contains("not implemented"), u);
        assertTrue(u.contains("ret 18h"), "pops its six arguments: " + u);
    }
}
