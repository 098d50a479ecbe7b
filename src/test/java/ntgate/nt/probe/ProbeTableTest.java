package ntgate.nt.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import ntgate.nt.NtHarness;
import ntgate.nt.NtSystem;
import org.junit.jupiter.api.Test;

/**
 * Issue 10 item 7: every row of the probe table in docs/NT-FACTS-additions.md ("Probes of the implemented
 * services"), through the gate from a user-mode program. Each case calls one service through its ntdll stub with
 * one pointer made misaligned, kernel-space, read-only or paired with a bad handle, and checks the NTSTATUS XP's
 * probes give (WRK ex.h probe macros and the services' sources; NT-FACTS §10.2, §13):
 * STATUS_DATATYPE_MISALIGNMENT 80000002h, STATUS_ACCESS_VIOLATION C0000005h, STATUS_INVALID_HANDLE C0000008h,
 * STATUS_ACCESS_DENIED C0000022h, STATUS_END_OF_FILE C0000011h.
 */
class ProbeTableTest {
    static final int SUCCESS = 0, MISALIGNED = 0x80000002, AV = 0xC0000005, INVALID_HANDLE = 0xC0000008,
            ACCESS_DENIED = 0xC0000022, END_OF_FILE = 0xC0000011;
    /** A kernel-space pointer, and KUSER_SHARED_DATA's user view: mapped, user-readable, not writable (NT-FACTS §2.7). */
    static final String KERNEL = "0x80000000", READ_ONLY = "0x7FFE0000";

    /** One call: the service, its arguments in C order (assembler expressions), optional setup, the expected status. */
    record Case(String name, String service, String setup, List<String> args, int expected) {}

    private final List<Case> cases = new ArrayList<>();

    private void c(String name, int expected, String service, String... args) {
        cases.add(new Case(name, service, "", List.of(args), expected));
    }

    private void setup(String name, int expected, String setup, String service, String... args) {
        cases.add(new Case(name, service, setup, List.of(args), expected));
    }

    /** EBX = the standard output handle, ESI = standard input (RTL_USER_PROCESS_PARAMETERS +1Ch / +18h). */
    private NtHarness run() {
        StringBuilder text = new StringBuilder();
        java.util.Set<String> externs = new java.util.TreeSet<>();
        for (int i = 0; i < cases.size(); i++) {
            Case k = cases.get(i);
            externs.add(k.service());
            text.append("    ; ").append(k.name()).append('\n');
            if (!k.setup().isEmpty()) text.append(k.setup()).append('\n');
            for (int a = k.args().size() - 1; a >= 0; a--) text.append("    push ").append(k.args().get(a)).append('\n');
            text.append("    call ").append(k.service()).append('\n');
            text.append("    mov [results + ").append(4 * i).append("], eax\n");
        }
        String program = "extern " + String.join(", ", externs) + "\n"
                + """
                section .text
                global start
                start:
                    mov eax, [fs:0x30]           ; TEB.ProcessEnvironmentBlock
                    mov eax, [eax+0x10]          ; PEB.ProcessParameters
                    mov ebx, [eax+0x1C]          ; StandardOutput
                    mov esi, [eax+0x18]          ; StandardInput
                """ + text + """
                    xor eax, eax
                    ret
                section .data
                msg: db "."
                align 16
                area: times 64 db 0
                align 16
                ctx: times 0x300 db 0
                results: times 64 dd 0xEEEEEEEE
                """;
        NtHarness h = NtHarness.run(program);
        assertEquals(NtSystem.End.EXITED, h.end, "the program ran to its end");
        return h;
    }

    private void check(NtHarness h) {
        StringBuilder wrong = new StringBuilder();
        int results = h.symbol("results");
        for (int i = 0; i < cases.size(); i++) {
            int got = h.u32(results + 4 * i);
            if (got != cases.get(i).expected()) {
                wrong.append(String.format("%s: expected %08X, got %08X%n", cases.get(i).name(), cases.get(i).expected(), got));
            }
        }
        assertEquals("", wrong.toString());
    }

    @Test
    void ntWriteFileAndNtReadFile() {
        // NtWriteFile(FileHandle, Event, ApcRoutine, ApcContext, IoStatusBlock, Buffer, Length, ByteOffset, Key)
        c("WriteFile: IoStatusBlock unaligned (ProbeForWriteIoStatus: bound only)", SUCCESS,
                "NtWriteFile", "ebx", "0", "0", "0", "area+33", "msg", "1", "0", "0");
        c("WriteFile: IoStatusBlock in kernel space", AV, "NtWriteFile", "ebx", "0", "0", "0", KERNEL, "msg", "1", "0", "0");
        c("WriteFile: IoStatusBlock read-only (touched)", AV, "NtWriteFile", "ebx", "0", "0", "0", READ_ONLY, "msg", "1", "0", "0");
        c("WriteFile: bad handle before the IoStatusBlock probe", INVALID_HANDLE,
                "NtWriteFile", "0x1234", "0", "0", "0", KERNEL, "msg", "1", "0", "0");
        c("WriteFile: access check before the probes", ACCESS_DENIED,
                "NtWriteFile", "esi", "0", "0", "0", KERNEL, "msg", "1", "0", "0");
        c("WriteFile: Buffer in kernel space (ProbeForRead)", AV, "NtWriteFile", "ebx", "0", "0", "0", "area", KERNEL, "1", "0", "0");
        c("WriteFile: Buffer unaligned (byte alignment)", SUCCESS, "NtWriteFile", "ebx", "0", "0", "0", "area", "msg", "1", "0", "0");
        c("WriteFile: ByteOffset 2-aligned (ULONG alignment)", MISALIGNED,
                "NtWriteFile", "ebx", "0", "0", "0", "area", "msg", "1", "area+2", "0");
        c("WriteFile: ByteOffset 4-aligned", SUCCESS, "NtWriteFile", "ebx", "0", "0", "0", "area", "msg", "1", "area+4", "0");
        c("WriteFile: ByteOffset in kernel space", AV, "NtWriteFile", "ebx", "0", "0", "0", "area", "msg", "1", KERNEL, "0");
        c("WriteFile: Key unaligned (ProbeAndReadUlong: no alignment)", SUCCESS,
                "NtWriteFile", "ebx", "0", "0", "0", "area", "msg", "1", "0", "area+1");
        c("WriteFile: Key in kernel space", AV, "NtWriteFile", "ebx", "0", "0", "0", "area", "msg", "1", "0", KERNEL);
        c("WriteFile: IoStatusBlock probed before ByteOffset", AV,
                "NtWriteFile", "ebx", "0", "0", "0", KERNEL, "msg", "1", "area+2", "0");
        // NtReadFile on the (empty) standard input: END_OF_FILE once the probes pass.
        c("ReadFile: IoStatusBlock unaligned", END_OF_FILE, "NtReadFile", "esi", "0", "0", "0", "area+1", "area+16", "4", "0", "0");
        c("ReadFile: Buffer read-only (ProbeForWrite touches it)", AV,
                "NtReadFile", "esi", "0", "0", "0", "area", READ_ONLY, "4", "0", "0");
        c("ReadFile: ByteOffset 2-aligned", MISALIGNED, "NtReadFile", "esi", "0", "0", "0", "area", "area+16", "4", "area+2", "0");
        c("ReadFile: access check before the probes", ACCESS_DENIED,
                "NtReadFile", "ebx", "0", "0", "0", KERNEL, "area+16", "4", "0", "0");
        NtHarness h = run();
        check(h);
        // The unaligned IoStatusBlock of the first call holds the result: Status 0, Information 1 byte.
        int area = h.symbol("area");
        assertEquals(0, h.u32(area + 33));
        assertEquals(1, h.u32(area + 37));
    }

    @Test
    void timeAndSystemInformation() {
        c("QuerySystemTime: 2-aligned (ProbeForWriteSmallStructure, ULONG)", MISALIGNED, "NtQuerySystemTime", "area+2");
        c("QuerySystemTime: 4-aligned", SUCCESS, "NtQuerySystemTime", "area+4");
        c("QuerySystemTime: kernel space", AV, "NtQuerySystemTime", KERNEL);
        c("QuerySystemTime: read-only", AV, "NtQuerySystemTime", READ_ONLY);
        c("QueryPerformanceCounter: counter 2-aligned", MISALIGNED, "NtQueryPerformanceCounter", "area+2", "0");
        c("QueryPerformanceCounter: frequency 2-aligned", MISALIGNED, "NtQueryPerformanceCounter", "area", "area+10");
        c("QueryPerformanceCounter: 4-aligned, no frequency", SUCCESS, "NtQueryPerformanceCounter", "area+4", "0");
        c("QuerySystemInformation: buffer 2-aligned (ProbeForWrite, ULONG)", MISALIGNED,
                "NtQuerySystemInformation", "0", "area+2", "44", "0");
        c("QuerySystemInformation: ReturnLength unaligned (ProbeForWriteUlong)", SUCCESS,
                "NtQuerySystemInformation", "0", "area", "44", "area+49");
        c("QuerySystemInformation: ReturnLength in kernel space", AV, "NtQuerySystemInformation", "0", "area", "44", KERNEL);
        c("QuerySystemInformation: probes before the class check", MISALIGNED,
                "NtQuerySystemInformation", "0x7FFF", "area+2", "44", "0");
        c("DelayExecution: interval 2-aligned (ULONG alignment)", MISALIGNED, "NtDelayExecution", "0", "area+2");
        c("DelayExecution: interval in kernel space", AV, "NtDelayExecution", "0", KERNEL);
        c("DelayExecution: interval 4-aligned", SUCCESS, "NtDelayExecution", "0", "area+4");
        check(run());
    }

    @Test
    void eventsAndWaits() {
        c("WaitForSingleObject: Timeout unaligned (ProbeAndReadLargeInteger), then the handle", INVALID_HANDLE,
                "NtWaitForSingleObject", "0x1234", "0", "area+1");
        c("WaitForSingleObject: Timeout probed before the handle", AV, "NtWaitForSingleObject", "0x1234", "0", KERNEL);
        c("CreateEvent: EventHandle unaligned (ProbeForWriteHandle)", SUCCESS, "NtCreateEvent", "area+1", "0x1F0003", "0", "0", "0");
        c("CreateEvent: EventHandle probed before the type check", AV, "NtCreateEvent", KERNEL, "0x1F0003", "0", "5", "0");
        c("CreateEvent: EventHandle read-only", AV, "NtCreateEvent", READ_ONLY, "0x1F0003", "0", "0", "0");
        c("SetEvent: PreviousState probed before the handle", AV, "NtSetEvent", "0x1234", KERNEL);
        c("SetEvent: PreviousState unaligned (ProbeForWriteLong)", INVALID_HANDLE, "NtSetEvent", "0x1234", "area+1");
        c("ResetEvent: PreviousState probed before the handle", AV, "NtResetEvent", "0x1234", KERNEL);
        check(run());
    }

    @Test
    void virtualMemoryAndProcessInformation() {
        String sizes = "    mov dword [area+1], 0\n    mov dword [area+9], 0x1000";
        setup("AllocateVirtualMemory: BaseAddress and RegionSize unaligned (ProbeForWritePointer / Ulong_ptr)", SUCCESS, sizes,
                "NtAllocateVirtualMemory", "-1", "area+1", "0", "area+9", "0x3000", "4");
        c("AllocateVirtualMemory: BaseAddress probed before the process handle", AV,
                "NtAllocateVirtualMemory", "0x1234", KERNEL, "0", "area+9", "0x3000", "4");
        c("FreeVirtualMemory: BaseAddress probed before the process handle", AV,
                "NtFreeVirtualMemory", "0x1234", KERNEL, "area+9", "0x8000");
        c("ProtectVirtualMemory: OldProtect probed before the process handle", AV,
                "NtProtectVirtualMemory", "0x1234", "area+1", "area+9", "4", KERNEL);
        c("QueryVirtualMemory: buffer 2-aligned (ProbeForWrite, ULONG_PTR)", MISALIGNED,
                "NtQueryVirtualMemory", "-1", "0x00400000", "0", "area+2", "28", "0");
        c("QueryInformationProcess: buffer 2-aligned (ProbeForWrite, ULONG)", MISALIGNED,
                "NtQueryInformationProcess", "-1", "0", "area+2", "24", "0");
        c("QueryInformationProcess: probes before the handle", MISALIGNED,
                "NtQueryInformationProcess", "0x1234", "0", "area+2", "24", "0");
        check(run());
    }

    @Test
    void contextsAndExceptions() {
        c("GetContextThread: the handle before the CONTEXT probe", INVALID_HANDLE, "NtGetContextThread", "0x1234", "ctx+2");
        c("GetContextThread: CONTEXT 2-aligned (ProbeForWrite, CONTEXT_ALIGN 4)", MISALIGNED, "NtGetContextThread", "-2", "ctx+2");
        c("SetContextThread: the handle before the CONTEXT probe", INVALID_HANDLE, "NtSetContextThread", "0x1234", "ctx+2");
        c("SetContextThread: CONTEXT 2-aligned", MISALIGNED, "NtSetContextThread", "-2", "ctx+2");
        c("Continue: CONTEXT 2-aligned (ProbeForReadSmallStructure, CONTEXT_ALIGN)", MISALIGNED, "NtContinue", "ctx+2", "0");
        c("Continue: CONTEXT in kernel space", AV, "NtContinue", KERNEL, "0");
        c("RaiseException: CONTEXT probed before the record", MISALIGNED, "NtRaiseException", KERNEL, "ctx+2", "1");
        c("RaiseException: record 2-aligned", MISALIGNED, "NtRaiseException", "area+2", "ctx", "1");
        c("DisplayString: UNICODE_STRING unaligned (ProbeAndReadUnicodeString)", SUCCESS, "NtDisplayString", "area+1");
        check(run());
    }
}
