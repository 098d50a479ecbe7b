package ntgate.debug;

import ntgate.cli.CliRun;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code ntgate debug} driven by -c scripts over examples/hello.asm and small inline programs. */
class DebugCommandTest {
    private static final String HELLO = "examples/hello.asm";

    /** Where the kernel's assembler put a routine (not a number read off the debugger's own output). */
    private static String kernelAddress(String symbol) {
        try {
            ntgate.nt.NtSystem sys = ntgate.nt.NtSystem.boot(Files.readString(Path.of(HELLO)), HELLO, new ntgate.nt.NtSystem.Options());
            return String.format("%08x", sys.kernelSymbol(symbol));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static CliRun debug(String file, String script) {
        return CliRun.of("debug", file, "-c", script);
    }

    /** The output after the last echo of {@code kd> cmd}. */
    private static String after(String out, String cmd) {
        int i = out.lastIndexOf("kd> " + cmd + "\n");
        assertTrue(i >= 0, "no '" + cmd + "' in:\n" + out);
        return out.substring(i + cmd.length() + 5);
    }

    @Test
    void attachesBeforeTheFirstInstructionInRingZero() {
        CliRun r = debug(HELLO, "q");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("nt!KiSystemStartup:"), r.out());
        assertTrue(r.out().contains("cs=0008  ss=0010"), r.out());
        assertFalse(r.out().contains("Hello from ring 3"), "nothing ran");
    }

    @Test
    void breakpointOnKiFastCallEntryStopsAfterSysenterInRingZero() {
        CliRun r = debug(HELLO, "bp nt!KiFastCallEntry; g; r");
        String s = after(r.out(), "r");
        assertTrue(r.out().contains("Breakpoint 0 hit"), r.out());
        assertTrue(s.contains("cs=0008"), s);
        assertTrue(s.contains("nt!KiFastCallEntry:"), s);
        assertTrue(s.contains("eax=00000112"), "NtWriteFile's service number: " + s);
    }

    @Test
    void trapFrameAtABreakpointInTheServiceHoldsTheUserStackSelector() {
        CliRun r = debug(HELLO, "bp nt!NtWriteFile; g; dt nt!_KTRAP_FRAME ebp");
        String s = after(r.out(), "dt nt!_KTRAP_FRAME ebp");
        // WinDbg prints ULONG members in hex without padding (NT-FACTS §2.1: user SS 0x23, CS 0x1B).
        assertTrue(s.contains("+0x078 HardwareSegSs    : 0x23\n"), s);
        assertTrue(s.contains("+0x06c SegCs            : 0x1b\n"), s);
    }

    @Test
    void dtWithoutAddressListsTheFields() {
        String s = after(debug(HELLO, "dt nt!_KTRAP_FRAME").out(), "dt nt!_KTRAP_FRAME");
        // WinDbg's dt of a type lists its members, the first at +0x000, with no header line.
        assertTrue(s.startsWith("   +0x000 DbgEbp           : Uint4B\n"), s);
        assertTrue(s.contains("+0x068 Eip              : Uint4B"), s);
    }

    @Test
    void unassemblesKiFastCallEntryWithAnnotations() {
        String s = after(debug(HELLO, "u nt!KiFastCallEntry L3").out(), "u nt!KiFastCallEntry L3");
        String[] lines = s.split("\n");
        assertEquals("nt!KiFastCallEntry:", lines[0]);
        assertEquals(4, lines.length, s);
        assertTrue(lines[1].startsWith(kernelAddress("KiFastCallEntry") + " "), s);
        assertTrue(s.contains(" ; "), "annotations shown: " + s);
    }

    @Test
    void servicesDescriptorTableWithSymbols() {
        String s = after(debug(HELLO, "dps nt!KeServiceDescriptorTable L4").out(), "dps nt!KeServiceDescriptorTable L4");
        String[] lines = s.split("\n");
        assertEquals(4, lines.length, s);
        assertTrue(lines[0].endsWith("nt!KiServiceTable"), s);
        assertTrue(lines[2].endsWith("0000011c"), "Limit: " + s);
    }

    @Test
    void singleStepAcrossSysenterIsOneStepInUserModeUnlessAKernelBreakpointStopsIt() {
        // As WinDbg debugging a user-mode process: t on sysenter comes back at KiFastSystemCallRet in ring 3.
        CliRun r = debug(HELLO, "bp ntdll!KiFastSystemCall+2; g; t");
        String s = after(r.out(), "t");
        assertTrue(s.contains("ntdll!KiFastSystemCallRet:"), s);
        assertTrue(s.contains("cs=001b"), s);
        assertTrue(s.contains("eax=00000000"), "NtWriteFile returned STATUS_SUCCESS: " + s);
        // A breakpoint in the kernel still stops the step there.
        CliRun k = debug(HELLO, "bp ntdll!KiFastSystemCall+2; g; bp nt!KiFastCallEntry; t");
        String ks = after(k.out(), "t");
        assertTrue(ks.contains("nt!KiFastCallEntry:"), ks);
        assertTrue(ks.contains("cs=0008"), ks);
    }

    @Test
    void stepOverACallInUserModeStopsAfterIt(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path p = dir.resolve("call.asm");
        Files.writeString(p, """
                section .text
                global start
                start:
                    call f
                    mov eax, 7
                    ret
                f:
                    mov ecx, 1
                    mov edx, 2
                    ret
                """);
        CliRun r = debug(p.toString(), "bp program!start; g; p; p; g");
        String s = after(r.out(), "p");
        String first = after(r.out().substring(0, r.out().lastIndexOf("kd> p\n")), "p");
        assertTrue(first.contains("eip=00400005"), "after the call, not inside f: " + first);
        assertTrue(first.contains("ecx=00000001 edx=00000002") || first.contains("edx=00000002"), first);
        assertTrue(s.contains("eax=00000007"), s);
        assertTrue(r.out().contains("the process exited with status 0x00000007"), r.out());
    }

    @Test
    void stackWalkCrossesTheTrapFrame() {
        String s = after(debug(HELLO, "bp nt!NtWriteFile; g; k").out(), "k");
        String[] lines = s.split("\n");
        assertEquals("ChildEBP RetAddr", lines[0], s);
        assertTrue(lines[1].endsWith(" nt!NtWriteFile"), s);
        assertTrue(s.contains(" ntdll!KiFastSystemCallRet\n"), s);
    }

    @Test
    void pcrThreadAndIdt() {
        CliRun r = debug(HELLO, "bp nt!NtWriteFile; g; !pcr; !thread; !idt");
        assertTrue(after(r.out(), "!pcr").contains("SelfPcr: ffdff000"), r.out());
        String t = after(r.out(), "!thread");
        assertTrue(t.contains("PreviousMode 1 (UserMode)"), t);
        assertTrue(t.contains("nt!KeServiceDescriptorTable"), t);
        assertTrue(after(r.out(), "!idt").contains("2e:\t" + kernelAddress("KiSystemService") + " nt!KiSystemService"), r.out());
    }

    @Test
    void registersCanBeSetAndMemoryEdited() {
        CliRun r = debug(HELLO, "r eax=1234; r eax; ed program!iosb 0n10 5; dd program!iosb L2; ? poi(program!iosb)+1");
        assertTrue(after(r.out(), "r eax").startsWith("eax=00001234\n"), r.out());
        assertTrue(r.out().contains("  0000000a 00000005\n"), r.out());
        assertTrue(r.out().contains("Evaluate expression: 11 = 0000000b"), r.out());
    }

    @Test
    void badCommandsGiveOneLineErrorsAndTheSessionGoesOn() {
        CliRun r = debug(HELLO, "xyz; u nt!Nope; bc 7; dt nt!_NOPE; r");
        assertTrue(after(r.out(), "xyz").startsWith("^ Syntax error in 'xyz'\nkd> "), r.out());
        assertTrue(after(r.out(), "u nt!Nope").startsWith("Couldn't resolve error at 'nt!Nope'\nkd> "), r.out());
        assertTrue(after(r.out(), "bc 7").startsWith("Invalid breakpoint ID '7'\n"), r.out());
        assertTrue(after(r.out(), "dt nt!_NOPE").startsWith("Symbol nt!_NOPE not found.\n"), r.out());
        assertTrue(after(r.out(), "r").contains("nt!KiSystemStartup:"), r.out());
        assertEquals("", r.err());
    }

    @Test
    void afterExitMemoryCanStillBeInspected() {
        CliRun r = debug(HELLO, "g; t; db program!msg L5");
        assertTrue(r.out().contains("the process exited with status 0x00000000"), r.out());
        assertTrue(after(r.out(), "t").startsWith("the process exited"), r.out());
        assertTrue(after(r.out(), "db program!msg L5").contains("48 65 6c 6c 6f"), r.out());
    }

    @Test
    void badFileIsExitCodeTwo() {
        CliRun r = CliRun.of("debug", "no/such/file.asm", "-c", "q");
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("no such file"), r.err());
    }

    @Test
    void outputIsDeterministic() {
        String script = "bp nt!KiFastCallEntry; g; t 5; k; g; g";
        assertEquals(debug(HELLO, script).out(), debug(HELLO, script).out());
    }
}
