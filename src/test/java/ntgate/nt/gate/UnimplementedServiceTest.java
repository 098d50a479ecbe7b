package ntgate.nt.gate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import ntgate.cli.CliRun;
import ntgate.nt.NtHarness;
import ntgate.nt.NtSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 10 item 4: a service ntgate does not implement has its own entry point, named after it, that consumes its
 * argument bytes and returns STATUS_NOT_IMPLEMENTED (0xC0000002, NT-FACTS §13) through the gate; the syscall trace
 * says it is not implemented.
 */
class UnimplementedServiceTest {
    static final int STATUS_NOT_IMPLEMENTED = 0xC0000002;
    static final String PROGRAM = """
            extern ZwAcceptConnectPort, NtAccessCheckByTypeResultListAndAuditAlarmByHandle
            section .text
            global start
            start:
                mov [esp0], esp
                push 6
                push 5
                push 4
                push 3
                push 2
                push 1
                call ZwAcceptConnectPort          ; 0x000, 6 arguments
                mov [s1], eax
                mov [esp1], esp
                times 17 push 0
                call NtAccessCheckByTypeResultListAndAuditAlarmByHandle    ; 0x007, 17 arguments
                mov [s2], eax
                mov [esp2], esp
                xor eax, eax
                ret
            section .data
            esp0: dd 0
            esp1: dd 0
            esp2: dd 0
            s1: dd 1
            s2: dd 1
            """;

    @Test
    void itReturnsNotImplementedAndPopsItsArguments() {
        for (boolean int2e : new boolean[] {false, true}) {
            NtHarness h = NtHarness.boot(PROGRAM, o -> o.int2e = int2e);
            Gate.Probe p = new Gate.Probe(h);
            int[] entered = {0, 0};
            p.at(Gate.nt(h, "NtAcceptConnectPort"), cpu -> entered[0]++);
            p.at(Gate.nt(h, "NtAccessCheckByTypeResultListAndAuditAlarmByHandle"), cpu -> entered[1]++);
            assertEquals(NtSystem.End.EXITED, p.runAll());
            assertEquals(0, h.exitStatus());
            assertEquals(Gate.hex(STATUS_NOT_IMPLEMENTED), Gate.hex(h.u32(h.symbol("s1"))));
            assertEquals(Gate.hex(STATUS_NOT_IMPLEMENTED), Gate.hex(h.u32(h.symbol("s2"))));
            assertEquals(h.u32(h.symbol("esp0")), h.u32(h.symbol("esp1")), "the stub popped 6 arguments");
            assertEquals(h.u32(h.symbol("esp0")), h.u32(h.symbol("esp2")), "the stub popped 17 arguments");
            assertEquals(1, entered[0], "the service's own entry point ran (int2e=" + int2e + ")");
            assertEquals(1, entered[1]);
        }
    }

    @Test
    void theSyscallTraceSaysItIsNotImplemented(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("ni.asm");
        Files.writeString(f, PROGRAM);
        CliRun r = CliRun.of("run", "--trace", "syscalls", f.toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.err().contains("NtAcceptConnectPort(0x00000001, 0x00000002, 0x00000003, 0x00000004, 0x00000005, "
                + "0x00000006) [not implemented in ntgate] = 0xC0000002 STATUS_NOT_IMPLEMENTED"), r.err());
    }
}
