package ntgate.cli;

import ntgate.nt.NtSystem;

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
    void aMalformedProgramIsTheLoadErrorCodeWithEveryErrorAtItsPositionAndNoStackTrace() throws Exception {
        Path p = write("bad.asm", "start:\n  movv eax, 1\n  mov eax, [ax+1]\n  jmp nowhere\n");
        CliRun r = CliRun.of("run", p.toString());
        assertEquals(ExitCodes.LOAD_ERROR, r.exit());
        assertTrue(r.err().contains("bad.asm:2:3: unknown instruction 'movv'"), r.err());
        assertTrue(r.err().contains("bad.asm:4:7: undefined symbol 'nowhere'"), r.err());
        assertFalse(r.err().contains("Exception"), r.err());
        assertEquals("", r.out());
    }

    @Test
    void missingFilesAndUnknownKindsAreOneLineAndTheLoadErrorCode() throws Exception {
        CliRun r = CliRun.of("run", dir.resolve("nope.asm").toString());
        assertEquals(ExitCodes.LOAD_ERROR, r.exit());
        assertEquals(1, r.err().lines().count(), r.err());
        Path txt = write("notes.txt", "hello");
        r = CliRun.of("run", txt.toString());
        assertEquals(ExitCodes.LOAD_ERROR, r.exit());
        assertEquals(1, r.err().lines().count(), r.err());
    }

    @Test
    void anNtstatusExitIsCode112AndStderrHasTheWholeStatus() throws Exception {
        Path p = write("st.asm", "start:\n  mov eax, 0xC0000135\n  ret\n");
        CliRun r = CliRun.of("run", p.toString());
        assertEquals(ExitCodes.GUEST_OTHER, r.exit());
        assertTrue(r.err().contains("0xC0000135"), r.err());
    }

    @Test
    void aRunawayProgramStopsAtTheBudgetWithItsOwnCode() throws Exception {
        Path p = write("loop.asm", "start:\n  jmp start\n");
        CliRun r = CliRun.of("run", "--max-insns", "50000", p.toString());
        assertEquals(ExitCodes.BUDGET, r.exit());
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
        assertEquals(ExitCodes.GUEST_OTHER, a.exit());      // 0xC0000008
        assertEquals(a.exit(), b.exit());
        assertEquals(a.out(), b.out());
    }

    @Test
    void anUnhandledAccessViolationIsOneLineAndTheUnhandledExceptionCode() throws Exception {
        Path p = write("av.asm", "start:\n  nop\nfault:\n  mov dword [0], 1\n  ret\n");
        CliRun r = CliRun.of("run", p.toString());
        assertEquals(ExitCodes.UNHANDLED_EXCEPTION, r.exit());
        assertEquals("ntgate: unhandled exception 0xC0000005 STATUS_ACCESS_VIOLATION at av!fault (00400001): write to 00000000\n",
                r.err());
    }

    @Test
    void aMisalignedPointerIsAStatusNotAJavaException() throws Exception {
        // NtQuerySystemTime probes its LARGE_INTEGER with ProbeForWriteSmallStructure(.., sizeof(ULONG)) (WRK): a
        // pointer off by two is STATUS_DATATYPE_MISALIGNMENT (0x80000002), returned by the service's try/except.
        Path p = write("mis.asm", "extern NtQuerySystemTime\nstart:\n  push 0x00400002\n  call NtQuerySystemTime\n  ret\n");
        CliRun r = CliRun.of("run", p.toString());
        assertEquals(ExitCodes.GUEST_OTHER, r.exit(), r.err());
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

    // ---- issue 17: exit codes a script can trust ---------------------------------------------------------------

    @Test
    void guestStatusesNeverCollideWithNtgatesOwnCodes() throws Exception {
        // Before: STATUS_BREAKPOINT exited 3 (the bug-check code), STATUS_SINGLE_STEP 4 (the budget code),
        // 0x00400000 exited 0 (success).
        int[][] cases = {{0x80000003, ExitCodes.GUEST_OTHER}, {0x80000004, ExitCodes.GUEST_OTHER},
            {0x00400000, ExitCodes.GUEST_OTHER}, {0x100, ExitCodes.GUEST_OTHER}, {-1, ExitCodes.GUEST_OTHER},
            {3, 3}, {4, 4}, {111, 111}, {112, ExitCodes.GUEST_OTHER}, {0, 0}};
        for (int[] c : cases) {
            Path p = write("s.asm", "start:\n  mov eax, " + c[0] + "\n  ret\n");
            CliRun r = CliRun.of("run", p.toString());
            assertEquals(c[1], r.exit(), String.format("status 0x%08X: %s", c[0], r.err()));
        }
    }

    @Test
    void anUnhandledBreakpointIsTheUnhandledExceptionCodeNotABugCheck() throws Exception {
        Path p = write("bp.asm", "start:\n  int3\n  ret\n");
        CliRun r = CliRun.of("run", p.toString());
        assertEquals(ExitCodes.UNHANDLED_EXCEPTION, r.exit(), r.err());
        assertTrue(r.err().contains("0x80000003"), r.err());
    }

    @Test
    void usageErrorsHaveTheirOwnCode() throws Exception {
        Path p = write("z.asm", "start:\n  xor eax, eax\n  ret\n");
        assertEquals(ExitCodes.USAGE, CliRun.of("run", "--max-insns", "0", p.toString()).exit());
        assertEquals(ExitCodes.USAGE, CliRun.of("run", "--memory", "lots", p.toString()).exit());
        assertEquals(ExitCodes.USAGE, CliRun.of("run", "--memory", "8M", p.toString()).exit());
        assertEquals(ExitCodes.USAGE, CliRun.of("run", "--no-such-option", p.toString()).exit());
    }

    @Test
    void theMemoryOptionSizesTheGuestRam() throws Exception {
        // 0x40 MiB commit: fits in 256M, not in 32M (STATUS_COMMITMENT_LIMIT = 0xC000012D, printed on stderr).
        String src = """
                extern NtAllocateVirtualMemory
                start:
                    push 4
                    push 0x3000
                    push size
                    push 0
                    push base
                    push -1
                    call NtAllocateVirtualMemory
                    ret
                section .data
                base: dd 0
                size: dd 0x4000000
                """;
        Path p = write("m.asm", src);
        assertEquals(0, CliRun.of("run", "--memory", "256M", p.toString()).exit());
        CliRun r = CliRun.of("run", "--memory", "32M", p.toString());
        assertEquals(ExitCodes.GUEST_OTHER, r.exit());
        assertTrue(r.err().contains("0xC000012D"), r.err());
    }

    @Test
    void anInternalErrorIsOneLineWithItsOwnCodeAndNoStackTrace() {
        java.io.PrintStream old = System.err;
        java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
        int code;
        try {
            System.setErr(new java.io.PrintStream(b, true, java.nio.charset.StandardCharsets.UTF_8));
            code = Main.internalError(new IllegalStateException("boom\nsecond line"), false);
        } finally {
            System.setErr(old);
        }
        assertEquals(ExitCodes.INTERNAL_ERROR, code);
        String e = b.toString(java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(1, e.lines().count(), e);
        assertTrue(e.startsWith("ntgate: internal error in RunCommandTest.anInternalErrorIsOneLineWithItsOwnCodeAndNoStackTrace: "
                + "IllegalStateException: boom"), e);
    }

    @Test
    void whenNtgateFailsMidRunTheGuestOutputSoFarIsKept() throws Exception {
        // The program writes to stdout, then to stderr, whose stream fails the way a broken component would: the
        // exception leaves the run (Main turns it into the internal-error line), and "hello" has reached stdout.
        String src = """
                extern NtWriteFile
                start:
                    mov ebx, [fs:0x30]
                    mov ebx, [ebx + 0x10]           ; PEB.ProcessParameters
                    mov esi, [ebx + 0x1C]           ; StandardOutput
                    call write
                    mov esi, [ebx + 0x20]           ; StandardError
                    call write
                    xor eax, eax
                    ret
                write:
                    push 0
                    push 0
                    push 6
                    push msg
                    push iosb
                    push 0
                    push 0
                    push 0
                    push esi
                    call NtWriteFile
                    ret
                section .data
                iosb: dd 0, 0
                msg: db "hello", 10
                """;
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        NtSystem.Options o = new NtSystem.Options();
        java.io.PrintStream ps = new java.io.PrintStream(new java.io.BufferedOutputStream(out, 1 << 16), false);
        o.stdout = ps;
        o.stderr = new java.io.OutputStream() {
            @Override
            public void write(int c) {
                throw new IllegalStateException("injected failure");
            }
        };
        NtSystem sys = NtSystem.boot(src, "w.asm", o);
        java.io.PrintStream sink = new java.io.PrintStream(java.io.OutputStream.nullOutputStream());
        IllegalStateException x = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                () -> RunCommand.execute(sys, null, null, 1_000_000, ps, sink));
        assertEquals("injected failure", x.getMessage());
        assertEquals("hello\n", out.toString(java.nio.charset.StandardCharsets.UTF_8));
    }
}
