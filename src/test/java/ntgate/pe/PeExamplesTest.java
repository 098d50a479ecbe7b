package ntgate.pe;

import ntgate.nt.layout.Layouts;
import ntgate.nt.layout.Nt;
import ntgate.trace.Tracer;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The C examples in examples/ (built with MinGW against ntgate's ntdll.def) run with their exact output. */
class PeExamplesTest {

    @Test
    void helloWritesItsLineToStandardOutputAndExitsWithTheStatus() {
        PeRun r = PeRun.run("hello.exe");
        assertEquals("Hello from a PE32 program, through ntdll and SYSENTER.\n", r.out());
        assertEquals(0, r.exitStatus());
    }

    @Test
    void helloTracedMakesNtWriteFileThenNtTerminateProcess() {
        PeRun r = PeRun.boot(PeRun.example("hello.exe"), "hello.exe", null);
        ByteArrayOutputStream trace = new ByteArrayOutputStream();
        Tracer t = Tracer.text(r.sys, new PrintStream(trace, true, StandardCharsets.UTF_8), Tracer.Scope.SYSCALLS);
        r.sys.cpu.setHooks(t);
        r.sys.run(10_000_000);
        t.finish();
        String[] lines = trace.toString(StandardCharsets.UTF_8).split("\n");
        assertEquals(2, lines.length, String.join("\n", lines));
        assertTrue(lines[0].startsWith("NtWriteFile(0x00000010, 0x00000000, 0x00000000, 0x00000000, "), lines[0]);
        assertTrue(lines[0].endsWith(", 0x00000037, 0x00000000, 0x00000000) = 0x00000000 STATUS_SUCCESS"), lines[0]);
        assertEquals("NtTerminateProcess(0xFFFFFFFF, 0x00000000) = ?", lines[1]);
    }

    @Test
    void apcRunsTheQueuedRoutineInsideNtTestAlert() {
        PeRun r = PeRun.run("apc.exe");
        assertEquals("""
                apc: NtQueueApcThread = 0x00000000, ran = 0x00000000
                apc: running with arguments 0x00000001 0x00000002 0x00000003
                apc: NtTestAlert = 0x00000000, ran = 0x00000001
                """, r.out());
        assertEquals(0, r.exitStatus());
    }

    @Test
    void badcallGetsTheKernelsRefusals() {
        PeRun r = PeRun.run("badcall.exe");
        assertEquals("""
                service 0x0FFF (past KiServiceTable) = 0xC000001C
                NtWriteFile, Buffer in the kernel = 0xC0000005
                NtWriteFile, IoStatusBlock in the kernel = 0xC0000005
                NtClose(0x1234) = 0xC0000008
                """, r.out());
        assertEquals(0, r.exitStatus());
    }

    @Test
    void tlsCallbackRunsBeforeTheEntryPoint() {
        PeRun r = PeRun.run("tls.exe");
        assertEquals("""
                tls: callback, image 0x00400000, reason 0x00000001
                tls: entry point, callbacks so far 0x00000001
                """, r.out());
        assertEquals(0, r.exitStatus());
    }

    @Test
    void pebAndTebDescribeTheLoadedImage() {
        PeRun r = PeRun.boot(PeRun.example("hello.exe"), "hello.exe", null);
        var m = r.sys.mem;
        int peb = Nt.PEB_ADDRESS;
        assertEquals(0x00400000, m.u32(peb + Layouts.PEB.offset("ImageBaseAddress")));
        // MinGW's default stack reserve is 2 MiB: the stack is [0x30000, 0x230000).
        int teb = Nt.TEB_ADDRESS;
        assertEquals(0x00230000, m.u32(teb + Layouts.TEB.offset("NtTib.StackBase")));
        assertEquals(0x00030000, m.u32(teb + Layouts.TEB.offset("NtTib.StackLimit")));
        assertEquals(-1, m.u32(teb + Layouts.TEB.offset("NtTib.ExceptionList")));
    }

    @Test
    void pebLdrListsTheProgramThenNtdllInLoadOrder() {
        PeRun r = PeRun.boot(PeRun.example("hello.exe"), "hello.exe", null);
        var m = r.sys.mem;
        var le = Layouts.LDR_DATA_TABLE_ENTRY;
        int ldr = m.u32(Nt.PEB_ADDRESS + Layouts.PEB.offset("Ldr"));
        assertEquals(0x28, m.u32(ldr + Layouts.PEB_LDR_DATA.offset("Length")));
        int head = ldr + Layouts.PEB_LDR_DATA.offset("InLoadOrderModuleList");
        int first = m.u32(head);
        int second = m.u32(first);
        assertEquals(head, m.u32(second), "two entries, then back to the head");
        assertEquals(second, m.u32(head + 4), "Blink of the head is the last entry");
        assertEquals(0x00400000, m.u32(first + le.offset("DllBase")));
        assertEquals("hello.exe", unicode(r, first + le.offset("BaseDllName")));
        assertEquals(0x7C900000, m.u32(second + le.offset("DllBase")));
        assertEquals("ntdll.dll", unicode(r, second + le.offset("BaseDllName")));
        int init = ldr + Layouts.PEB_LDR_DATA.offset("InInitializationOrderModuleList");
        int only = m.u32(init);
        assertEquals(0x7C900000, m.u32(only - le.offset("InInitializationOrderLinks") + le.offset("DllBase")));
        assertEquals(init, m.u32(only), "only ntdll is initialized");
    }

    @Test
    void sectionsAreMappedWithTheirProtections() {
        PeRun r = PeRun.boot(PeRun.example("hello.exe"), "hello.exe", null);
        PeFile pe = ((java.util.function.Supplier<PeFile>) () -> {
            try {
                return PeFile.parse(PeRun.example("hello.exe"));
            } catch (PeFormatException e) {
                throw new AssertionError(e);
            }
        }).get();
        long headers = r.sys.pages.pte(0x00400000);
        assertEquals(4, headers & 6, "headers: user, read-only");
        for (PeFile.Section s : pe.sections) {
            long pte = r.sys.pages.pte(0x00400000 + s.virtualAddress());
            assertEquals(1, pte & 1, s.name() + " present");
            assertEquals(s.writable() ? 6 : 4, pte & 6, s.name());
        }
    }

    @Test
    void theTracerNamesProgramAddressesFromTheCoffSymbols() {
        PeRun r = PeRun.boot(PeRun.example("hello.exe"), "hello.exe", null);
        assertEquals("hello!start", r.sys.symbolize(r.sys.image.entry()));
        assertEquals("hello!start+0x1", r.sys.symbolize(r.sys.image.entry() + 1));
    }

    private static String unicode(PeRun r, int us) {
        var m = r.sys.mem;
        int len = m.u32(us) & 0xFFFF, buf = m.u32(us + 4);
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < len; i += 2) b.append((char) ((m.u32(buf + i) & 0xFFFF)));
        return b.toString();
    }
}
