package ntgate.nt.seh;

import ntgate.nt.NtHarness;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * User-mode exceptions (NT-FACTS §10.3): a fault in ring 3 goes through the kernel's trap entry to
 * KiDispatchException, which builds the CONTEXT and the EXCEPTION_RECORD on the user stack and enters
 * ntdll!KiUserExceptionDispatcher; RtlDispatchException walks the fs:[0] chain; the process resumes through
 * NtContinue or ends through NtRaiseException(FirstChance = FALSE) with the one-line report.
 */
class SehTest {
    /** Offsets used by the programs: CONTEXT.Eip B8h, CONTEXT.Esp C4h, CONTEXT.EFlags C0h (NT-FACTS §2.8). */
    private static final String PROLOGUE = """
            extern NtRaiseException, RtlRaiseException, RtlCaptureContext
            section .text
            global start
            """;

    /** A handler that records what it was given, skips {@code skip} bytes and continues execution. */
    private static String recordingHandler(int skip) {
        return """
                handler:
                    mov eax, [esp+4]               ; ExceptionRecord
                    mov [seen_record], eax
                    mov ecx, [eax]                 ; ExceptionCode
                    mov [seen_code], ecx
                    mov ecx, [eax+4]
                    mov [seen_flags], ecx
                    mov ecx, [eax+0x0C]            ; ExceptionAddress
                    mov [seen_address], ecx
                    mov ecx, [eax+0x10]            ; NumberParameters
                    mov [seen_count], ecx
                    mov ecx, [eax+0x14]
                    mov [seen_info0], ecx
                    mov ecx, [eax+0x18]
                    mov [seen_info1], ecx
                    mov ecx, [esp+8]               ; EstablisherFrame
                    mov [seen_frame], ecx
                    mov eax, [esp+12]              ; ContextRecord
                    mov [seen_context], eax
                    mov ecx, [eax+0xB8]
                    mov [seen_eip], ecx
                    mov ecx, [eax+0xC4]
                    mov [seen_esp], ecx
                    mov ecx, [eax]
                    mov [seen_flags_ctx], ecx
                    add dword [eax+0xB8], %d       ; Context.Eip past the faulting instruction
                    inc dword [calls]
                    xor eax, eax                   ; ExceptionContinueExecution
                    ret
                section .data
                seen_record:  dd 0
                seen_code:    dd 0
                seen_flags:   dd 0
                seen_address: dd 0
                seen_count:   dd 0
                seen_info0:   dd 0
                seen_info1:   dd 0
                seen_frame:   dd 0
                seen_context: dd 0
                seen_eip:     dd 0
                seen_esp:     dd 0
                seen_flags_ctx: dd 0
                calls:        dd 0
                esp_at_fault: dd 0
                section .text
                """.formatted(skip);
    }

    /** Installs {@code handler} on fs:[0], runs {@code body} (which ends up in EAX), removes it, returns EAX. */
    private static String guarded(String body) {
        return PROLOGUE + """
                start:
                    push handler                   ; EXCEPTION_REGISTRATION_RECORD.Handler
                    push dword [fs:0]              ; EXCEPTION_REGISTRATION_RECORD.Next
                    mov [fs:0], esp                ; TEB.NtTib.ExceptionList = this record
                    mov [esp_at_fault], esp
                %s
                    pop dword [fs:0]               ; unlink
                    add esp, 4
                    ret
                """.formatted(body);
    }

    private static String err(NtHarness h) {
        return h.stderr.toString(StandardCharsets.UTF_8);
    }

    @Test
    void aHandledWriteToZeroResumesAfterTheFaultWithTheRecordAndContextOnTheUserStack() {
        NtHarness h = NtHarness.run(guarded("""
                    xor eax, eax
                fault:
                    mov dword [eax], 1             ; C7 00 01 00 00 00: 6 bytes
                    mov eax, [calls]               ; 1 when the handler ran once
                    dec eax                        ; exit status 0
                """) + recordingHandler(6));
        assertEquals(0, h.exitStatus(), err(h));
        assertEquals("", err(h));
        assertEquals(0xC0000005, h.u32(h.symbol("seen_code")));
        assertEquals(0, h.u32(h.symbol("seen_flags")));
        assertEquals(h.symbol("fault"), h.u32(h.symbol("seen_address")));
        assertEquals(2, h.u32(h.symbol("seen_count")));
        assertEquals(1, h.u32(h.symbol("seen_info0")), "write");
        assertEquals(0, h.u32(h.symbol("seen_info1")), "target address");
        int esp = h.u32(h.symbol("esp_at_fault"));
        assertEquals(esp, h.u32(h.symbol("seen_frame")), "EstablisherFrame = the registration record");
        assertEquals(h.symbol("fault"), h.u32(h.symbol("seen_eip")));
        assertEquals(esp, h.u32(h.symbol("seen_esp")));
        assertEquals(0x10017, h.u32(h.symbol("seen_flags_ctx")), "CONTEXT_FULL | CONTEXT_DEBUG_REGISTERS");
        // WRK KiDispatchException: CONTEXT at (Esp & ~3) - 2CCh, the record (2 parameters: 1Ch bytes) below it.
        int context = (esp & ~3) - 0x2CC;
        assertEquals(context, h.u32(h.symbol("seen_context")));
        assertEquals(context - 0x1C, h.u32(h.symbol("seen_record")));
    }

    @Test
    void anUnhandledWriteToZeroEndsTheProcessWithAccessViolationAndOneLine() {
        NtHarness h = NtHarness.run(PROLOGUE + """
                start:
                    xor eax, eax
                    nop
                fault:
                    mov dword [eax], 1
                    ret
                """);
        assertEquals(0xC0000005, h.exitStatus());
        assertEquals(String.format("ntgate: unhandled exception 0xC0000005 STATUS_ACCESS_VIOLATION at test!fault (%08X): write to 00000000\n",
                h.symbol("fault")), err(h));
    }

    @Test
    void anUnhandledReadNamesTheTargetAndRead() {
        NtHarness h = NtHarness.run(PROLOGUE + """
                start:
                    mov eax, [0x10]
                    ret
                """);
        assertEquals(0xC0000005, h.exitStatus());
        assertEquals(String.format("ntgate: unhandled exception 0xC0000005 STATUS_ACCESS_VIOLATION at test!start (%08X): read from 00000010\n",
                h.symbol("start")), err(h));
    }

    @Test
    void int3WithoutAHandlerEndsWithBreakpointAtTheInt3() {
        NtHarness h = NtHarness.run(PROLOGUE + """
                start:
                    nop
                brk:
                    int3
                    ret
                """);
        assertEquals(0x80000003, h.exitStatus());
        assertEquals(String.format("ntgate: unhandled exception 0x80000003 STATUS_BREAKPOINT at test!brk (%08X)\n", h.symbol("brk")), err(h));
    }

    @Test
    void aHandledInt3SeesTheInt3AddressInRecordAndContext() {
        NtHarness h = NtHarness.run(guarded("""
                brk:
                    int3
                    mov eax, [calls]
                    dec eax
                """) + recordingHandler(1));
        assertEquals(0, h.exitStatus(), err(h));
        assertEquals(0x80000003, h.u32(h.symbol("seen_code")));
        assertEquals(h.symbol("brk"), h.u32(h.symbol("seen_address")));
        assertEquals(h.symbol("brk"), h.u32(h.symbol("seen_eip")), "KiDispatchException: Context.Eip-- for a breakpoint");
    }

    @Test
    void aHandledDivideByZero() {
        NtHarness h = NtHarness.run(guarded("""
                    xor ecx, ecx
                    mov eax, 5
                    xor edx, edx
                fault:
                    div ecx                        ; F7 F1: 2 bytes
                    mov eax, [calls]
                    dec eax
                """) + recordingHandler(2));
        assertEquals(0, h.exitStatus(), err(h));
        assertEquals(0xC0000094, h.u32(h.symbol("seen_code")));
        assertEquals(h.symbol("fault"), h.u32(h.symbol("seen_address")));
        assertEquals(0, h.u32(h.symbol("seen_count")));
    }

    @Test
    void anUnhandledDivideByZeroEndsWithItsCode() {
        NtHarness h = NtHarness.run(PROLOGUE + """
                start:
                    xor ecx, ecx
                    div ecx
                    ret
                """);
        assertEquals(0xC0000094, h.exitStatus());
        assertEquals(String.format("ntgate: unhandled exception 0xC0000094 STATUS_INTEGER_DIVIDE_BY_ZERO at test!start+0x2 (%08X)\n",
                h.symbol("start") + 2), err(h));
    }

    @Test
    void anIllegalInstructionIsDispatched() {
        NtHarness h = NtHarness.run(guarded("""
                fault:
                    ud2                            ; 0F 0B: 2 bytes
                    mov eax, [calls]
                    dec eax
                """) + recordingHandler(2));
        assertEquals(0, h.exitStatus(), err(h));
        assertEquals(0xC000001D, h.u32(h.symbol("seen_code")));
    }

    @Test
    void ntRaiseExceptionFirstChanceIsHandledAndNtContinueResumesTheGivenContext() {
        NtHarness h = NtHarness.run(guarded("""
                    sub esp, 0x2CC                 ; a CONTEXT
                    push esp
                    call RtlCaptureContext         ; Context.Esp = ESP here
                    mov dword [esp+0xB8], resumed  ; Context.Eip
                    push 1                         ; FirstChance = TRUE
                    lea eax, [esp+4]
                    push eax                       ; Context
                    push record                    ; ExceptionRecord
                fault:
                    call NtRaiseException
                    mov eax, 0x55                  ; not reached
                    jmp out
                resumed:
                    mov eax, [calls]
                    dec eax
                out:
                    add esp, 0x2CC
                """) + recordingHandler(0) + """
                section .data
                record: dd 0xE0000001, 0, 0, 0x00401234, 1, 0xABCD
                """);
        assertEquals(0, h.exitStatus(), err(h));
        assertEquals(0xE0000001, h.u32(h.symbol("seen_code")));
        assertEquals(0x00401234, h.u32(h.symbol("seen_address")));
        assertEquals(1, h.u32(h.symbol("seen_count")));
        assertEquals(0xABCD, h.u32(h.symbol("seen_info0")));
        assertEquals(h.symbol("resumed"), h.u32(h.symbol("seen_eip")));
    }

    @Test
    void anUnhandledNtRaiseExceptionEndsTheProcessWithTheRaisedCode() {
        NtHarness h = NtHarness.run(PROLOGUE + """
                start:
                    sub esp, 0x2CC
                    push esp
                    call RtlCaptureContext
                    push 1                         ; FirstChance = TRUE: the chain is empty, then second chance
                    lea eax, [esp+4]
                    push eax
                    push record
                    call NtRaiseException
                    ret
                section .data
                record: dd 0xE0000001, 0, 0, start, 0
                """);
        assertEquals(0xE0000001, h.exitStatus());
        assertEquals(String.format("ntgate: unhandled exception 0xE0000001 at test!start (%08X)\n", h.symbol("start")), err(h));
    }

    @Test
    void rtlRaiseExceptionUnhandledEndsWithTheCodeAtItsCaller() {
        NtHarness h = NtHarness.run(PROLOGUE + """
                start:
                    push record
                    call RtlRaiseException
                after:
                    ret
                section .data
                record: dd 0xE0000002, 0, 0, 0, 0
                """);
        assertEquals(0xE0000002, h.exitStatus());
        assertEquals(String.format("ntgate: unhandled exception 0xE0000002 at test!after (%08X)\n", h.symbol("after")), err(h));
    }

    @Test
    void aChainOfTwoReachesTheOuterHandlerWhenTheInnerOneContinuesTheSearch() {
        NtHarness h = NtHarness.run(guarded("""
                    push inner                     ; a second, inner registration
                    push dword [fs:0]
                    mov [fs:0], esp
                    xor eax, eax
                fault:
                    mov dword [eax], 1
                    pop dword [fs:0]
                    add esp, 4
                    mov eax, [calls]
                    sub eax, 1
                    or eax, [inner_calls]
                    sub eax, 1                     ; 0 when each handler ran once
                """) + recordingHandler(6) + """
                inner:
                    inc dword [inner_calls]
                    mov eax, [calls]
                    mov [calls_before_inner], eax
                    mov eax, 1                     ; ExceptionContinueSearch
                    ret
                section .data
                inner_calls: dd 0
                calls_before_inner: dd 0xFFFF
                """);
        assertEquals(0, h.exitStatus(), err(h));
        assertEquals(1, h.u32(h.symbol("inner_calls")));
        assertEquals(0, h.u32(h.symbol("calls_before_inner")), "the inner handler runs first");
        assertEquals(h.u32(h.symbol("esp_at_fault")), h.u32(h.symbol("seen_frame")), "the outer handler's own frame");
    }

    @Test
    void aMisalignedRegistrationRecordIsNotUsed() {
        NtHarness h = NtHarness.run(PROLOGUE + """
                start:
                    push handler
                    push -1
                    push 0
                    lea eax, [esp+2]               ; a record 2 bytes off
                    mov [fs:0], eax
                    mov dword [0], 1
                    ret
                handler:
                    inc dword [calls]
                    xor eax, eax
                    ret
                section .data
                calls: dd 0
                """);
        assertEquals(0xC0000005, h.exitStatus());
        assertEquals(0, h.u32(h.symbol("calls")));
    }

    @Test
    void aRegistrationRecordOutsideTheStackIsNotUsed() {
        NtHarness h = NtHarness.run(PROLOGUE + """
                start:
                    mov dword [fs:0], outside
                fault:
                    mov dword [0], 1
                    ret
                handler:
                    inc dword [calls]
                    xor eax, eax
                    ret
                section .data
                calls: dd 0
                outside: dd -1, handler            ; a well-formed record in .data, not on the stack
                """);
        assertEquals(0xC0000005, h.exitStatus());
        assertEquals(0, h.u32(h.symbol("calls")));
        assertEquals(String.format("ntgate: unhandled exception 0xC0000005 STATUS_ACCESS_VIOLATION at test!fault (%08X): write to 00000000\n",
                h.symbol("fault")), err(h));
    }

    @Test
    void anInvalidDispositionRaisesStatusInvalidDisposition() {
        NtHarness h = NtHarness.run(guarded("""
                    mov dword [0], 1
                """) + """
                handler:
                    inc dword [calls]
                    mov eax, 1                     ; ExceptionContinueSearch the second time
                    cmp dword [calls], 1
                    jne .r
                    mov eax, 7                     ; not a disposition
                .r: ret
                section .data
                calls: dd 0
                esp_at_fault: dd 0
                """);
        assertEquals(0xC0000026, h.exitStatus());
        assertEquals(2, h.u32(h.symbol("calls")));
    }

    @Test
    void aUserStackThatCannotTakeTheFrameEndsTheProcessWithTheCode() {
        NtHarness h = NtHarness.run(PROLOGUE + """
                start:
                    mov esp, 0x1000                ; nothing is mapped below
                    mov dword [0], 1
                    ret
                """);
        assertEquals(0xC0000005, h.exitStatus());
    }

    @Test
    void singleStepIsDispatchedAsStatusSingleStep() {
        NtHarness h = NtHarness.run(guarded("""
                    pushfd
                    or dword [esp], 0x100          ; TF
                    popfd
                fault:
                    nop                            ; #DB after this one
                after:
                    mov eax, [calls]
                    dec eax
                """) + recordingHandler(0));
        assertEquals(0, h.exitStatus(), err(h));
        assertEquals(0x80000004, h.u32(h.symbol("seen_code")));
        assertEquals(h.symbol("after"), h.u32(h.symbol("seen_address")));
    }

    @Test
    void privilegedInstructionsAreStatusPrivilegedInstruction() {
        for (String insn : new String[] {"hlt", "cli", "sti", "in al, dx", "out 0x80, al", "mov eax, cr0", "wrmsr", "rep insb", "lgdt [eax]"}) {
            NtHarness h = NtHarness.run(PROLOGUE + """
                    start:
                        %s
                        ret
                    """.formatted(insn));
            assertEquals(0xC0000096, h.exitStatus(), insn + ": " + err(h));
            assertEquals(String.format("ntgate: unhandled exception 0xC0000096 STATUS_PRIVILEGED_INSTRUCTION at test!start (%08X)\n", h.symbol("start")), err(h), insn);
        }
    }

    @Test
    void aGeneralProtectionFaultOnASelectorIsAnAccessViolationWithoutTarget() {
        NtHarness h = NtHarness.run(PROLOGUE + """
                start:
                    mov ax, 0x28                   ; the TSS selector: not a data segment
                    mov ds, ax
                    ret
                """);
        assertEquals(0xC0000005, h.exitStatus());
        assertEquals(String.format("ntgate: unhandled exception 0xC0000005 STATUS_ACCESS_VIOLATION at test!start+0x4 (%08X)\n", h.symbol("start") + 4), err(h));
    }

    @Test
    void aJumpToAnUnmappedAddressNamesNoSymbol() {
        NtHarness h = NtHarness.run(PROLOGUE + """
                start:
                    xor eax, eax
                    jmp eax
                """);
        assertEquals(0xC0000005, h.exitStatus());
        assertEquals("ntgate: unhandled exception 0xC0000005 STATUS_ACCESS_VIOLATION at 00000000: read from 00000000\n", err(h));
    }

    @Test
    void aFaultInsideAHandlerIsDispatchedAsANestedCall() {
        NtHarness h = NtHarness.run(guarded("""
                    mov dword [0], 1               ; C7 05 00 00 00 00 01 00 00 00: 10 bytes
                    mov eax, [calls]
                    sub eax, 2                     ; 0 when the handler ran twice
                """) + """
                handler:
                    inc dword [calls]
                    mov eax, [esp+4]
                    mov eax, [eax+4]               ; ExceptionFlags
                    mov ecx, [calls]
                    mov [flags_by_call + ecx*4], eax
                    cmp dword [calls], 1
                    jne .second
                    mov dword [4], 2               ; the handler itself faults (10 bytes)
                .second:
                    mov eax, [esp+12]
                    add dword [eax+0xB8], 10       ; skip the faulting move (either one)
                    xor eax, eax
                    ret
                section .data
                calls: dd 0
                esp_at_fault: dd 0
                flags_by_call: dd 0, 0, 0
                """);
        assertEquals(0, h.exitStatus(), err(h));
        assertEquals(0, h.u32(h.symbol("flags_by_call") + 4), "the first dispatch");
        assertEquals(0x10, h.u32(h.symbol("flags_by_call") + 8), "EXCEPTION_NESTED_CALL for the fault inside the handler");
    }
}
