package ntgate.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code ntgate run} as a user meets it: exit codes, one-line errors, the syscall trace. */
class RunCommandTest {
    @TempDir
    Path dir;

    private Path write(String name, String text) throws Exception {
        Path p = dir.resolve(name);
        Files.writeString(p, text);
        return p;
    }

    @Test
    void aMalformedProgramIsExitCode2WithEveryErrorAtItsPositionAndNoStackTrace() throws Exception {
        Path p = write("bad.asm", "start:\n  movv eax, 1\n  mov eax, [ax+1]\n  jmp nowhere\n");
        CliRun r = CliRun.of("run", p.toString());
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("bad.asm:2:3: unknown instruction 'movv'"), r.err());
        assertTrue(r.err().contains("bad.asm:4:7: undefined symbol 'nowhere'"), r.err());
        assertFalse(r.err().contains("Exception"), r.err());
        assertEquals("", r.out());
    }

    @Test
    void missingFilesAndUnknownKindsAreOneLineAndExitCode2() throws Exception {
        CliRun r = CliRun.of("run", dir.resolve("nope.asm").toString());
        assertEquals(2, r.exit());
        assertEquals(1, r.err().lines().count(), r.err());
        Path txt = write("notes.txt", "hello");
        r = CliRun.of("run", txt.toString());
        assertEquals(2, r.exit());
        assertEquals(1, r.err().lines().count(), r.err());
    }

    @Test
    void theExitCodeIsTheLowByteOfTheStatusAndStderrHasTheWholeStatus() throws Exception {
        Path p = write("st.asm", "start:\n  mov eax, 0xC0000135\n  ret\n");
        CliRun r = CliRun.of("run", p.toString());
        assertEquals(0x35, r.exit());
        assertTrue(r.err().contains("0xC0000135"), r.err());
    }

    @Test
    void aRunawayProgramStopsAtTheBudgetWithExitCode4() throws Exception {
        Path p = write("loop.asm", "start:\n  jmp start\n");
        CliRun r = CliRun.of("run", "--max-insns", "50000", p.toString());
        assertEquals(4, r.exit());
        assertTrue(r.err().contains("instruction budget"), r.err());
    }

    @Test
    void theSyscallTraceIsOneStraceStyleLinePerCall() throws Exception {
        Path p = write("close.asm", "extern NtClose\nstart:\n  push 4\n  call NtClose\n  xor eax, eax\n  ret\n");
        CliRun r = CliRun.of("run", "--trace", "syscalls", p.toString());
        assertEquals(0, r.exit(), r.err());
        // NtClose = service 0x19 with one argument (NT-FACTS §12); 4 is not an open handle: STATUS_INVALID_HANDLE.
        assertTrue(r.err().contains("NtClose(0x00000004) = 0xC0000008 STATUS_INVALID_HANDLE\n"), r.err());
        assertTrue(r.err().contains("NtTerminateProcess(0xFFFFFFFF, 0x00000000)"), r.err());
    }

    @Test
    void int2eGivesTheSameResultsAsSysenter() throws Exception {
        Path p = write("close.asm", "extern NtClose\nstart:\n  push 4\n  call NtClose\n  ret\n");
        CliRun a = CliRun.of("run", p.toString());
        CliRun b = CliRun.of("run", "--int2e", p.toString());
        assertEquals(0x08, a.exit());      // low byte of 0xC0000008
        assertEquals(a.exit(), b.exit());
        assertEquals(a.out(), b.out());
    }

    @Test
    void anUnhandledAccessViolationIsOneLineAndTheExitCodeIsItsLowByte() throws Exception {
        Path p = write("av.asm", "start:\n  nop\nfault:\n  mov dword [0], 1\n  ret\n");
        CliRun r = CliRun.of("run", p.toString());
        assertEquals(0x05, r.exit());   // low byte of 0xC0000005
        assertEquals("ntgate: unhandled exception 0xC0000005 STATUS_ACCESS_VIOLATION at av!fault (00400001): write to 00000000\n",
                r.err());
    }

    @Test
    void aMisalignedPointerIsAStatusNotAJavaException() throws Exception {
        // NtQuerySystemTime probes its LARGE_INTEGER with ProbeForWriteSmallStructure(.., sizeof(ULONG)) (WRK): a
        // pointer off by two is STATUS_DATATYPE_MISALIGNMENT (0x80000002), returned by the service's try/except.
        Path p = write("mis.asm", "extern NtQuerySystemTime\nstart:\n  push 0x00400002\n  call NtQuerySystemTime\n  ret\n");
        CliRun r = CliRun.of("run", p.toString());
        assertEquals(0x02, r.exit(), r.err());
        assertTrue(r.err().contains("0x80000002 STATUS_DATATYPE_MISALIGNMENT"), r.err());
    }

    @Test
    void ntDisplayStringPrintsItsUnicodeString() throws Exception {
        // UNICODE_STRING: Length (bytes), MaximumLength, Buffer; NtDisplayString = service 0x43, one argument.
        Path p = write("disp.asm", """
                extern NtDisplayString
                start:
                    push us
                    call NtDisplayString
                    ret
                section .data
                align 4
                us:  dw 6, 6
                     dd text
                text: dw 'h', 'i', 10
                """);
        CliRun r = CliRun.of("run", "--trace", "syscalls", p.toString());
        assertEquals(0, r.exit(), r.err());
        assertEquals("hi\n", r.out());
        assertTrue(r.err().startsWith("NtDisplayString(0x"), r.err());
    }
}
