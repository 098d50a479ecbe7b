package ntgate.nt.drv;

import ntgate.cli.CliRun;
import ntgate.nt.NtSystem;
import ntgate.nt.ke.Services;
import ntgate.nt.mm.PageTables;
import ntgate.pe.PeLoader;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 13: the example drivers of examples/drivers run under {@code ntgate run --driver}, with the user program
 * closer.exe closing the magic handle 0x00C105E0 and an unowned 0x1234. Without a hook both closes are
 * STATUS_INVALID_HANDLE (0xC0000008, NtClose of a handle that is not in the table); with the SSDT or MDL hook the
 * first is answered by the hook (STATUS_SUCCESS, what the driver's source returns) and the second passes through.
 * Addresses are asked of the assembled kernel and of the driver's own symbols.
 */
class DriverExamplesTest {
    static final Path DIR = Path.of("examples/drivers");
    static final String CLOSER = DIR.resolve("closer.exe").toString();
    static final String UNHOOKED = "NtClose(0x00C105E0) = 0xC0000008\nNtClose(0x00001234) = 0xC0000008\n";
    static final String HOOKED = "NtClose(0x00C105E0) = 0x00000000\nNtClose(0x00001234) = 0xC0000008\n";

    static String sys(String name) {
        return DIR.resolve(name + ".sys").toString();
    }

    /** Boots closer.exe with the drivers in-process, runs it to the end and returns the machine. */
    static NtSystem runInProcess(ByteArrayOutputStream err, String... drivers) throws Exception {
        NtSystem.Options o = new NtSystem.Options();
        o.stdout = new ByteArrayOutputStream();
        o.stderr = err;
        List<Drivers.DriverFile> files = new java.util.ArrayList<>();
        for (String d : drivers) files.add(new Drivers.DriverFile(sys(d), Files.readAllBytes(Path.of(sys(d)))));
        o.drivers = files;
        NtSystem s = NtSystem.boot(PeLoader.of(Files.readAllBytes(Path.of(CLOSER)), "closer.exe", null), CLOSER, o);
        assertEquals(NtSystem.End.EXITED, s.run(50_000_000));
        return s;
    }

    static int closeEntry(NtSystem s) {
        int table = s.kernelSymbol("KiServiceTable");
        return s.mem.u32(table + 4L * Services.byName("NtClose").index());
    }

    @Test
    void withoutADriverBothClosesAreInvalidHandle() {
        CliRun r = CliRun.of("run", CLOSER);
        assertEquals(0, r.exit(), r.err());
        assertEquals(UNHOOKED, r.out());
    }

    @Test
    void helloPrintsFromDriverEntryAndDriverUnload() {
        CliRun r = CliRun.of("run", "--driver", sys("hello"), CLOSER);
        assertEquals(0, r.exit(), r.err());
        assertEquals(UNHOOKED, r.out());
        String e = r.err();
        Matcher m = Pattern.compile("hello: DriverEntry\\(([0-9A-F]{8}), \\\\REGISTRY\\\\MACHINE\\\\SYSTEM\\\\CurrentControlSet\\\\Services\\\\hello\\)\n").matcher(e);
        assertTrue(m.find(), e);
        String driverObject = m.group(1);
        assertTrue(e.contains("hello: I am \\Driver\\hello at "), e);
        assertTrue(e.contains(", IRQL 0\n"), "DriverEntry runs at PASSIVE_LEVEL:\n" + e);
        assertTrue(e.contains("hello: raised to IRQL 2 from 0\n"), "KeRaiseIrql(DISPATCH_LEVEL):\n" + e);
        assertTrue(e.contains("hello: pool block allocated, tag Hllo\n"), "POOL_HEADER.PoolTag in front of the block:\n" + e);
        assertTrue(e.contains("hello: DbgPrintEx at the error level prints\n"), e);
        assertFalse(e.contains("info level"), "DPFLTR_INFO_LEVEL is filtered out by default:\n" + e);
        assertTrue(e.contains("ntgate: hello.sys loaded at "), e);
        assertTrue(e.endsWith("hello: DriverUnload(" + driverObject + ")\n"), "DriverUnload runs last, with the same object:\n" + e);
    }

    @Test
    void theSsdtHookTakesTheUserModeNtCloseAndDriverUnloadRestoresTheEntry() throws Exception {
        CliRun r = CliRun.of("run", "--driver", sys("ssdt"), CLOSER);
        assertEquals(0, r.exit(), r.err());
        assertEquals(HOOKED, r.out());
        String e = r.err();
        int taken = e.indexOf("ssdt: HookNtClose(00C105E0), call 1: taken by the hook\n");
        int passed = e.indexOf("ssdt: HookNtClose(00001234), call 2: passed to NtClose\n");
        int restored = e.indexOf("ssdt: KiServiceTable[0x019] restored to ");
        assertTrue(taken >= 0 && passed > taken && restored > passed, e);

        ByteArrayOutputStream err = new ByteArrayOutputStream();
        NtSystem s = runInProcess(err, "ssdt");
        String log = err.toString(StandardCharsets.UTF_8);
        Drivers.Driver d = s.drivers.all().get(0);
        int hook = (int) (long) d.symbols.get("HookNtClose");
        int ntClose = s.kernelSymbol("NtClose");
        // What DriverEntry wrote: the old entry (nt!NtClose) and the new one (the driver's HookNtClose).
        assertTrue(log.contains(String.format(Locale.ROOT, "ssdt: KiServiceTable[0x%03x]: %08X -> %08X (HookNtClose)",
                Services.byName("NtClose").index(), ntClose, hook)), log);
        // After the run DriverUnload has put nt!NtClose back.
        assertEquals(ntClose, closeEntry(s), "KiServiceTable[NtClose] after DriverUnload");
    }

    @Test
    void theMdlHookWritesThroughASecondMappingAndRemovesIt() throws Exception {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        NtSystem s = runInProcess(err, "mdl");
        String log = err.toString(StandardCharsets.UTF_8);
        int table = s.kernelSymbol("KiServiceTable");
        Matcher m = Pattern.compile("mdl: KiServiceTable at ([0-9A-F]{8}) is writable at ([0-9A-F]{8}); entry 0x019: ([0-9A-F]{8}) -> ([0-9A-F]{8})").matcher(log);
        assertTrue(m.find(), log);
        assertEquals(table, Integer.parseUnsignedInt(m.group(1), 16));
        int view = Integer.parseUnsignedInt(m.group(2), 16);
        assertNotEquals(table, view, "a second mapping");
        assertEquals(table & 0xFFF, view & 0xFFF, "the same offset in its page");
        assertEquals(s.kernelSymbol("NtClose"), Integer.parseUnsignedInt(m.group(3), 16));
        assertEquals((int) (long) s.drivers.all().get(0).symbols.get("HookNtClose"), Integer.parseUnsignedInt(m.group(4), 16));
        assertTrue(log.contains("mdl: HookNtClose(00C105E0): taken by the hook\n"), log);
        assertTrue(log.contains("mdl: KiServiceTable[0x019] restored, mapping removed\n"), log);
        assertEquals(s.kernelSymbol("NtClose"), closeEntry(s), "KiServiceTable[NtClose] after DriverUnload");
        assertEquals(0, s.pages.pte(view) & PageTables.P, "MmUnmapLockedPages removed the view");
        assertEquals(0, s.pages.pte(table) & PageTables.RW, "KiServiceTable's own page stays read-only");

        CliRun r = CliRun.of("run", "--driver", sys("mdl"), CLOSER);
        assertEquals(0, r.exit(), r.err());
        assertEquals(HOOKED, r.out());
    }

    @Test
    void writingKiServiceTableWithWriteProtectOnIsBugCheckBE() throws Exception {
        CliRun r = CliRun.of("run", "--driver", sys("nowp"), CLOSER);
        assertEquals(ntgate.cli.ExitCodes.BUG_CHECK, r.exit(), r.err());
        assertEquals("", r.out(), "the program never started");
        String e = r.err();
        // The entry's address, from the kernel's symbols: KiServiceTable + 4 * NtClose's index (0x019).
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        NtSystem.Options o = new NtSystem.Options();
        o.stdout = sink;
        o.stderr = sink;
        NtSystem s = NtSystem.boot(PeLoader.of(Files.readAllBytes(Path.of(CLOSER)), "closer.exe", null), CLOSER, o);
        int entry = s.kernelSymbol("KiServiceTable") + 4 * Services.byName("NtClose").index();
        String said = String.format(Locale.ROOT, "nowp: writing KiServiceTable[0x019] at %08X with CR0.WP set\n", entry);
        String stop = String.format(Locale.ROOT, "*** STOP: 0x000000BE (0x%08X,", entry);
        assertTrue(e.startsWith(said), "the output before the bug check is kept:\n" + e);
        assertTrue(e.indexOf(stop) > 0 && e.contains("ATTEMPTED_WRITE_TO_READONLY_MEMORY"), e);
        assertFalse(e.contains("not reached"), e);
        // P2 = the PTE: present, not writable, supervisor.
        Matcher m = Pattern.compile("0x000000BE \\(0x[0-9A-F]{8},0x([0-9A-F]{8}),").matcher(e);
        assertTrue(m.find(), e);
        int pte = Integer.parseUnsignedInt(m.group(1), 16);
        assertEquals(PageTables.P, pte & (PageTables.P | PageTables.RW | PageTables.US), "P=1 R/W=0 U/S=0");
        assertTrue(e.contains("nowp!DriverEntry"), "the report's last instructions name the driver:\n" + e);
    }

    @Test
    void aFailingDriverEntryIsUnloadedInOneLineAndTheRunGoesOn() throws Exception {
        CliRun r = CliRun.of("run", "--driver", sys("fail"), CLOSER);
        assertEquals(0, r.exit(), r.err());
        assertEquals(UNHOOKED, r.out());
        assertEquals("fail: DriverEntry gives up\n"
                + "ntgate: fail.sys: DriverEntry failed with 0xC0000182 STATUS_DEVICE_CONFIGURATION_ERROR; the driver is unloaded\n", r.err());

        ByteArrayOutputStream err = new ByteArrayOutputStream();
        NtSystem s = runInProcess(err, "fail");
        Drivers.Driver d = s.drivers.all().get(0);
        assertFalse(d.loaded());
        assertEquals(0, s.pages.pte(d.base) & PageTables.P, "the image is unmapped");
    }

    @Test
    void driversLoadInOrderAndUnloadInReverse() {
        CliRun r = CliRun.of("run", "--driver", sys("hello"), "--driver", sys("ssdt"), CLOSER);
        assertEquals(0, r.exit(), r.err());
        assertEquals(HOOKED, r.out());
        String e = r.err();
        int helloIn = e.indexOf("ntgate: hello.sys loaded at "), ssdtIn = e.indexOf("ntgate: ssdt.sys loaded at ");
        int ssdtOut = e.indexOf("ssdt: KiServiceTable[0x019] restored"), helloOut = e.indexOf("hello: DriverUnload(");
        assertTrue(helloIn >= 0 && ssdtIn > helloIn && ssdtOut > ssdtIn && helloOut > ssdtOut, e);
    }

    @Test
    void theGateTraceShowsTheHookOnTheSysenterPath() {
        CliRun r = CliRun.of("run", "--trace", "gate", "--driver", sys("ssdt"), CLOSER);
        assertEquals(0, r.exit(), r.err());
        String[] lines = r.err().split("\n");
        int entry = -1, hook = -1, exit = -1;
        for (int i = 0; i < lines.length; i++) {
            if (entry < 0 && lines[i].contains("nt!KiFastCallEntry ")) entry = i;
            if (hook < 0 && lines[i].contains(" ssdt!HookNtClose ")) hook = i;
            if (hook >= 0 && exit < 0 && i > hook && lines[i].contains("sysexit")) exit = i;
        }
        assertTrue(entry >= 0 && hook > entry && exit > hook, "KiFastCallEntry, then ssdt!HookNtClose, then sysexit:\n"
                + String.join("\n", java.util.Arrays.copyOf(lines, Math.min(lines.length, 40))));
        int gateBefore = -1;
        for (int i = hook; i >= 0; i--) {
            if (lines[i].startsWith("---- gate: sysenter")) {
                gateBefore = i;
                break;
            }
        }
        assertTrue(gateBefore >= 0, "the hook runs inside a traced sysenter round trip");
        // The instruction before the hook's first is the dispatcher's call of the service (§5.3 step 10).
        assertTrue(lines[hook - 1].contains(" nt!") && lines[hook - 1].contains("call ebx"), lines[hook - 1]);
    }

    @Test
    void theKiFastCallEntryInlineHookFindsXpsSignatureAndSwapsNtClose() throws Exception {
        CliRun r = CliRun.of("run", "--driver", sys("kfce"), CLOSER);
        assertEquals(0, r.exit(), r.err());
        assertEquals(HOOKED, r.out());
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        NtSystem s = runInProcess(err, "kfce");
        String log = err.toString(StandardCharsets.UTF_8);
        int entry = s.kernelSymbol("KiFastCallEntry");
        // NT-FACTS §15: the hook site is KiFastCallEntry+0xE5, sub esp,ecx / shr ecx,2 = 2B E1 C1 E9 02.
        assertTrue(log.contains(String.format(Locale.ROOT,
                "kfce: KiFastCallEntry (MSR 0x176) = %08X; the signature is at +0xe5; jmp KfceStub written\n", entry)), log);
        assertTrue(log.contains("kfce: HookNtClose(00C105E0): taken by the hook\n"), log);
        assertTrue(log.contains("2 swapped"), "both NtClose calls went through KfceFilter:\n" + log);
        int[] site = {0x2B, 0xE1, 0xC1, 0xE9, 0x02};
        for (int i = 0; i < 5; i++) assertEquals(site[i], s.mem.u8(Integer.toUnsignedLong(entry + 0xE5 + i)), "byte " + i + " written back");

        CliRun t = CliRun.of("run", "--trace", "gate", "--driver", sys("kfce"), CLOSER);
        assertEquals(0, t.exit(), t.err());
        assertTrue(t.err().contains("nt!KiFastCallEntry+0xe5") && t.err().contains("jmp kfce!KfceStub"),
                "the patched site in the gate trace");
        assertTrue(t.err().contains(" kfce!KfceFilter "), "the filter runs on the sysenter path");
    }

    @Test
    void theDebuggerStopsAtTheDriversEntryAndInItsHook() {
        CliRun r = CliRun.of("debug", "--driver", sys("ssdt"), CLOSER, "-c", "bu ssdt!DriverEntry; g; bp ssdt!HookNtClose; g; g; g");
        assertEquals(0, r.exit(), r.err());
        String o = r.out();
        int entry = o.indexOf("\nssdt!DriverEntry:\n"), hook = o.indexOf("\nssdt!HookNtClose:\n");
        int loaded = o.indexOf("ntgate: ssdt.sys loaded at ");
        assertTrue(entry > 0 && loaded > entry && hook > loaded, "stopped before DriverEntry ran, then in the hook:\n" + o);
    }

    /** Boots closer.exe with one driver and runs it until the bug check. */
    static NtSystem bugCheck(String driver) throws Exception {
        NtSystem.Options o = new NtSystem.Options();
        o.stdout = new ByteArrayOutputStream();
        o.stderr = new ByteArrayOutputStream();
        o.drivers = List.of(new Drivers.DriverFile(sys(driver), Files.readAllBytes(Path.of(sys(driver)))));
        NtSystem s = NtSystem.boot(PeLoader.of(Files.readAllBytes(Path.of(CLOSER)), "closer.exe", null), CLOSER, o);
        assertEquals(NtSystem.End.BUG_CHECK, s.run(50_000_000));
        return s;
    }

    /** True when {@code eip} lies in the driver's DriverEntry (its first 0x40 bytes). */
    static boolean inDriverEntry(NtSystem s, int eip) {
        long entry = s.drivers.all().get(0).symbols.get("DriverEntry");
        return Integer.toUnsignedLong(eip) >= entry && Integer.toUnsignedLong(eip) < entry + 0x40;
    }

    @Test
    void aDriverReadingAnUnmappedSystemAddressIsBugCheck50() throws Exception {
        NtSystem s = bugCheck("wild");
        // PAGE_FAULT_IN_NONPAGED_AREA: P1 = the address, P2 = 0 (a read), P3 = the instruction.
        assertEquals(0x50, s.k.bugCheck.code());
        assertEquals(0xC1000000, s.k.bugCheck.p1());
        assertEquals(0, s.k.bugCheck.p2());
        assertTrue(inDriverEntry(s, s.k.bugCheck.p3()), Integer.toHexString(s.k.bugCheck.p3()));
        CliRun r = CliRun.of("run", "--driver", sys("wild"), CLOSER);
        assertEquals(ntgate.cli.ExitCodes.BUG_CHECK, r.exit(), r.err());
        assertTrue(r.err().startsWith("wild: reading C1000000\n*** STOP: 0x00000050 (0xC1000000,"), r.err());
    }

    @Test
    void aPageFaultAtDispatchLevelInADriverIsBugCheckA() throws Exception {
        NtSystem s = bugCheck("irql");
        // IRQL_NOT_LESS_OR_EQUAL: the address, the IRQL (DISPATCH_LEVEL = 2), 0 = a read, the faulting EIP.
        assertEquals(0x0A, s.k.bugCheck.code());
        assertEquals(0xC1000000, s.k.bugCheck.p1());
        assertEquals(2, s.k.bugCheck.p2());
        assertEquals(0, s.k.bugCheck.p3());
        assertTrue(inDriverEntry(s, s.k.bugCheck.p4()), Integer.toHexString(s.k.bugCheck.p4()));
    }

    @Test
    void theReportOfAHookedRunShowsTheHookInTheTrip(@org.junit.jupiter.api.io.TempDir Path tmp) throws Exception {
        Path page = tmp.resolve("hooked.html");
        CliRun r = CliRun.of("report", "--driver", sys("ssdt"), CLOSER, "-o", page.toString(), "--service", "NtClose");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().startsWith(HOOKED), r.out());
        assertTrue(Files.readString(page).contains("ssdt!HookNtClose"), "the hook's instructions are on NtClose's trip");
    }
}
