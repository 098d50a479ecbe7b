package ntgate.pe;

import ntgate.nt.layout.Layouts;
import ntgate.nt.layout.Nt;
import ntgate.ntdll.NtdllExports;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Relocation, import binding and the load errors of {@link PeLoader}, on patched copies of examples/hello.exe. */
class PeLoaderTest {
    private static final String HELLO = "Hello from a PE32 program, through ntdll and SYSENTER.\n";

    @Test
    void forcedBaseAppliesTheRelocationsAndTheProgramStillRuns() {
        PeRun r = PeRun.run(PeRun.example("hello.exe"), "hello.exe", o -> o.imageBase = 0x00800000, 10_000_000);
        assertNull(r.loadError);
        assertEquals(HELLO, r.out());
        assertEquals(0, r.exitStatus());
        assertEquals(0x00800000, r.sys.mem.u32(Nt.PEB_ADDRESS + Layouts.PEB.offset("ImageBaseAddress")));
    }

    @Test
    void aPreferredBaseTheStackCoversIsRelocatedElsewhere() {
        byte[] exe = PeRun.example("hello.exe");
        int oh = peOffset(exe) + 24;
        put32(exe, oh + 72, 0x00800000);   // SizeOfStackReserve 8 MiB: the stack [0x30000, 0x830000) covers 0x400000
        PeRun r = PeRun.run(exe, "hello.exe", null, 10_000_000);
        assertNull(r.loadError);
        assertEquals(HELLO, r.out());
        assertEquals(0x01000000, r.sys.image.base(), "the first free 64 KiB-aligned range from 16 MiB up");
    }

    @Test
    void theTlsCallbackArrayIsRelocatedToo() {
        PeRun r = PeRun.run(PeRun.example("tls.exe"), "tls.exe", o -> o.imageBase = 0x01230000, 10_000_000);
        assertEquals("tls: callback, image 0x01230000, reason 0x00000001\ntls: entry point, callbacks so far 0x00000001\n", r.out());
        assertEquals(0, r.exitStatus());
    }

    @Test
    void anImportNtdllDoesNotExportFailsAtLoadNamingDllAndSymbol() {
        byte[] exe = PeRun.example("hello.exe");
        replace(exe, "\0NtWriteFile\0", "\0NtWriteFilX\0");
        PeRun r = PeRun.run(exe, "hello.exe", null, 10_000_000);
        assertEquals("imports ntdll.dll!NtWriteFilX, which ntgate's ntdll does not export", r.loadError);
        assertNull(r.sys, "no process was started");
    }

    @Test
    void anImportFromAnotherDllFailsAtLoadNamingDllAndSymbol() {
        byte[] exe = PeRun.example("hello.exe");
        replace(exe, "ntdll.dll\0", "kernl.dll\0");
        PeRun r = PeRun.run(exe, "hello.exe", null, 10_000_000);
        assertEquals("imports kernl.dll!NtWriteFile: ntgate provides only ntdll.dll", r.loadError);
    }

    @Test
    void theDllNameIsMatchedWithoutRegardToCase() {
        byte[] exe = PeRun.example("hello.exe");
        replace(exe, "ntdll.dll\0", "NTDLL.DLL\0");
        PeRun r = PeRun.run(exe, "hello.exe", null, 10_000_000);
        assertEquals(HELLO, r.out());
    }

    @Test
    void importByOrdinalBindsTheSortedExportOfThatNumber() throws Exception {
        byte[] exe = PeRun.example("hello.exe");
        int ordinal = NtdllExports.list().stream().filter(e -> e.name().equals("NtWriteFile")).findFirst().orElseThrow().ordinal();
        // The hint/name entry of NtWriteFile; every thunk (lookup table and IAT) pointing at it becomes an ordinal.
        int hintName = indexOf(exe, "\0NtWriteFile\0".getBytes(StandardCharsets.ISO_8859_1)) + 1 - 2;
        PeFile pe = PeFile.parse(exe);
        int rva = -1;
        for (PeFile.Section s : pe.sections) {
            if (hintName >= s.pointerToRawData() && hintName < s.pointerToRawData() + s.sizeOfRawData()) {
                rva = hintName - s.pointerToRawData() + s.virtualAddress();
            }
        }
        int patched = 0;
        for (int i = 0; i + 4 <= exe.length; i += 4) {
            if (PeLoader.get32(exe, i) == rva) {
                put32(exe, i, 0x80000000 | ordinal);
                patched++;
            }
        }
        assertEquals(2, patched, "the lookup table and the IAT");
        PeRun r = PeRun.run(exe, "hello.exe", null, 10_000_000);
        assertNull(r.loadError);
        assertEquals(HELLO, r.out());
        put32(exe, indexOfInt(exe, 0x80000000 | ordinal), 0x80000000 | 0x7FFF);
        assertEquals("imports ntdll.dll!#32767, which ntgate's ntdll does not export",
                PeRun.run(exe, "hello.exe", null, 10_000_000).loadError);
    }

    @Test
    void exportsDefDecoratesServicesWithTheirArgumentBytes() {
        String def = NtdllExports.def();
        assertTrue(def.contains("LIBRARY ntdll.dll\nEXPORTS\n"), def);
        assertTrue(def.lines().anyMatch(l -> l.matches("    NtWriteFile@36 @\\d+")), def);
        assertTrue(def.lines().anyMatch(l -> l.matches("    NtTestAlert@0 @\\d+")), def);
        assertTrue(def.lines().anyMatch(l -> l.matches("    KiFastSystemCall @1")), def);
    }

    static int peOffset(byte[] b) {
        return PeLoader.get32(b, 0x3C);
    }

    static void put32(byte[] b, int off, int v) {
        PeLoader.put32(b, off, v);
    }

    static void replace(byte[] b, String from, String to) {
        int i = indexOf(b, from.getBytes(StandardCharsets.ISO_8859_1));
        if (i < 0) throw new AssertionError("not found: " + from);
        byte[] t = to.getBytes(StandardCharsets.ISO_8859_1);
        System.arraycopy(t, 0, b, i, t.length);
    }

    static int indexOf(byte[] b, byte[] what) {
        outer:
        for (int i = 0; i + what.length <= b.length; i++) {
            for (int j = 0; j < what.length; j++) if (b[i + j] != what[j]) continue outer;
            return i;
        }
        return -1;
    }

    private static int indexOfInt(byte[] b, int v) {
        for (int i = 0; i + 4 <= b.length; i++) if (PeLoader.get32(b, i) == v) return i;
        return -1;
    }
}
