; ntdll.dll (user mode, at 0x7C900000): the hand-written routines. The ZwXxx/NtXxx stubs are generated from
; the declared service list (NtdllSource) and follow this file and ldr.asm; the kernel's entry points into
; user mode (KiUserApcDispatcher, KiUserExceptionDispatcher, KiFastSystemCall, ...) come last, from
; ki.asm, at XP SP3's addresses. Byte sequences are XP SP2/SP3's (NT-FACTS §8.4, §11).

section .text

; The first instruction of the process in user mode. The kernel's exit path lands here with EAX = the image's
; entry point and EBX = the PEB, as XP's initial thread context hands them to the start thunk (Vista names this
; routine ntdll!RtlUserThreadStart). The entry point is called without arguments; its return value ends the process.
global RtlUserThreadStart
RtlUserThreadStart:
    call eax                  ; the program's entry point
    push eax                  ; ExitStatus = what it returned
    push -1                   ; ProcessHandle = NtCurrentProcess()
    call ZwTerminateProcess   ; does not return
    int3

; ---------------------------------------------------------------------------------------------------
; User-mode exception dispatch (NT-FACTS §10.3). Statuses come from nt.NtStatus through the resolver; the
; ExceptionFlags bits are winnt.h's (NT-FACTS §13).
EXCEPTION_NONCONTINUABLE        equ 0x01      ; ExceptionFlags: the exception may not be continued
EXCEPTION_UNWINDING             equ 0x02
EXCEPTION_EXIT_UNWIND           equ 0x04
EXCEPTION_UNWIND                equ 0x06      ; EXCEPTION_UNWINDING | EXCEPTION_EXIT_UNWIND
EXCEPTION_STACK_INVALID         equ 0x08      ; a registration record outside the stack or misaligned
EXCEPTION_NESTED_CALL           equ 0x10      ; raised while a handler of this dispatch was running
ExceptionContinueExecution      equ 0
ExceptionContinueSearch         equ 1
ExceptionNestedException        equ 2
CONTEXT_FULL_FLAGS              equ 0x10007   ; CONTEXT_FULL (CONTROL | INTEGER | SEGMENTS)

; RtlDispatchException(ExceptionRecord, ContextRecord) -> BOOLEAN (AL), stdcall. Walks the SEH chain from
; TEB.NtTib.ExceptionList (fs:[0]) to EXCEPTION_CHAIN_END, as XP's rtl/i386/exdsptch.c does, without the
; vectored handlers and the SafeSEH image check (neither exists in ntgate). Each registration record must lie
; inside [TEB.StackLimit, TEB.StackBase) and be 4-byte aligned, else the record gets EXCEPTION_STACK_INVALID and
; the dispatch fails. Handlers run through RtlpExecuteHandlerForException. TRUE = continue the CONTEXT.
; Frame: [EBP+8] ExceptionRecord, [EBP+0Ch] ContextRecord, [EBP-4] DispatcherContext, [EBP-8] NestedFrame,
; [EBP-0Ch] HighLimit (StackBase), [EBP-10h] LowLimit (StackLimit).
global RtlDispatchException
RtlDispatchException:
    push ebp                  ; standard frame
    mov ebp, esp              ; EBP = frame
    sub esp, 0x10             ; DispatcherContext, NestedFrame, HighLimit, LowLimit
    push ebx                  ; preserve EBX (callee-saved)
    push esi                  ; preserve ESI
    push edi                  ; preserve EDI
    mov dword [ebp-8], 0      ; NestedFrame = NULL
    mov eax, [fs:TEB.NtTib.StackBase]; EAX = TEB.NtTib.StackBase
    mov [ebp-0x0C], eax       ; HighLimit = TEB.NtTib.StackBase (RtlpGetStackLimits)
    mov eax, [fs:TEB.NtTib.StackLimit]; EAX = TEB.NtTib.StackLimit
    mov [ebp-0x10], eax       ; LowLimit = TEB.NtTib.StackLimit
    mov ebx, [fs:TEB.NtTib.ExceptionList]               ; TEB.NtTib.ExceptionList: EBX = RegistrationPointer = the chain head (RtlpGetRegistrationHead)
.next:
    cmp ebx, EXCEPTION_CHAIN_END ; end of the chain?
    je .notHandled            ; nobody handled it
    cmp ebx, [ebp-0x10]       ; below the stack limit?
    jb .stackInvalid          ; yes: invalid
    lea eax, [ebx+8]          ; EAX = end of the EXCEPTION_REGISTRATION_RECORD
    cmp eax, [ebp-0x0C]       ; past the stack base?
    ja .stackInvalid          ; yes: invalid
    test bl, 3                ; 4-byte aligned?
    jnz .stackInvalid         ; no: invalid
    push dword [ebx+4]        ; ExceptionRoutine = RegistrationPointer->Handler
    lea eax, [ebp-4]          ; EAX = &DispatcherContext
    push eax                  ; &DispatcherContext
    push dword [ebp+0x0C]     ; ContextRecord
    push ebx                  ; EstablisherFrame = RegistrationPointer
    push dword [ebp+8]        ; ExceptionRecord
    call RtlpExecuteHandlerForException ; EAX = EXCEPTION_DISPOSITION
    mov edx, [ebp+8]          ; EDX = ExceptionRecord
    cmp [ebp-8], ebx          ; leaving the frame that was active when a nested exception was raised?
    jne .disposition          ; no
    and dword [edx + EXCEPTION_RECORD.ExceptionFlags], ~EXCEPTION_NESTED_CALL ; ExceptionFlags &= ~NESTED_CALL
    mov dword [ebp-8], 0      ; NestedFrame = NULL
.disposition:
    cmp eax, ExceptionContinueExecution; ExceptionContinueExecution?
    jne .notContinue          ; no
    test dword [edx + EXCEPTION_RECORD.ExceptionFlags], EXCEPTION_NONCONTINUABLE ; may it continue?
    jnz .noncontinuable       ; yes: STATUS_NONCONTINUABLE_EXCEPTION
    mov al, 1                 ; TRUE: continue the (possibly edited) CONTEXT
    jmp .done                 ; return TRUE
.notContinue:
    cmp eax, ExceptionContinueSearch; ExceptionContinueSearch?
    je .advance               ; try the next registration
    cmp eax, ExceptionNestedException; ExceptionNestedException?
    jne .invalidDisposition   ; anything else: STATUS_INVALID_DISPOSITION
    or dword [edx + EXCEPTION_RECORD.ExceptionFlags], EXCEPTION_NESTED_CALL ; ExceptionFlags |= NESTED_CALL
    mov eax, [ebp-4]          ; EAX = DispatcherContext (establisher of the interrupted handler)
    cmp eax, [ebp-8]          ; deeper than the current nested frame?
    jbe .advance              ; no: keep NestedFrame
    mov [ebp-8], eax          ; NestedFrame = DispatcherContext
.advance:
    mov ebx, [ebx]            ; RegistrationPointer = RegistrationPointer->Next
    jmp .next                 ; examine it
.stackInvalid:
    mov edx, [ebp+8]          ; EDX = ExceptionRecord
    or dword [edx + EXCEPTION_RECORD.ExceptionFlags], EXCEPTION_STACK_INVALID ; ExceptionFlags |= STACK_INVALID
.notHandled:
    xor al, al                ; FALSE: not handled
.done:
    pop edi                   ; restore EDI
    pop esi                   ; restore ESI
    pop ebx                   ; restore EBX
    mov esp, ebp              ; drop the locals
    pop ebp                   ; restore EBP
    ret 8                     ; stdcall, 2 arguments
.noncontinuable:
    mov eax, STATUS_NONCONTINUABLE_EXCEPTION ; a handler continued a noncontinuable exception
    jmp .raiseNested          ; raise it
.invalidDisposition:
    mov eax, STATUS_INVALID_DISPOSITION ; a handler returned something else
.raiseNested:
    sub esp, EXCEPTION_RECORD_size ; ExceptionRecord1 on the stack
    mov [esp + EXCEPTION_RECORD.ExceptionCode], eax ; ExceptionCode = the status
    mov dword [esp + EXCEPTION_RECORD.ExceptionFlags], EXCEPTION_NONCONTINUABLE ; ExceptionFlags = NONCONTINUABLE
    mov [esp + EXCEPTION_RECORD.ExceptionRecord], edx ; ExceptionRecord = the one being dispatched
    mov dword [esp + EXCEPTION_RECORD.NumberParameters], 0 ; NumberParameters = 0
    push esp                  ; ExceptionRecord
    call RtlRaiseException    ; does not return
    int3                      ; never reached

; RtlpExecuteHandlerForException(ExceptionRecord, EstablisherFrame, ContextRecord, DispatcherContext,
; ExceptionRoutine) -> EXCEPTION_DISPOSITION, stdcall (XP rtl/i386/xcptmisc.asm). The handler runs under an
; SEH frame of its own, so an exception raised inside a handler is reported as ExceptionNestedException.
global RtlpExecuteHandlerForException
RtlpExecuteHandlerForException:
    mov edx, RtlpExceptionHandler ; EDX = the handler of the protecting frame
    push ebx                  ; ExecuteHandler: preserve EBX
    push esi                  ; preserve ESI
    push edi                  ; preserve EDI
    xor eax, eax              ; the handler starts with EAX = 0
    xor ebx, ebx              ; EBX = 0
    xor esi, esi              ; ESI = 0
    xor edi, edi              ; EDI = 0
    push dword [esp+0x20]     ; ExceptionRoutine
    push dword [esp+0x20]     ; DispatcherContext
    push dword [esp+0x20]     ; ContextRecord
    push dword [esp+0x20]     ; EstablisherFrame
    push dword [esp+0x20]     ; ExceptionRecord
    call RtlpExecuteHandler2  ; EAX = disposition
    pop edi                   ; restore EDI
    pop esi                   ; restore ESI
    pop ebx                   ; restore EBX
    ret 0x14                  ; stdcall, 5 arguments

; RtlpExecuteHandler2 (XP ExecuteHandler2): installs {Next, EDX, EstablisherFrame} on fs:[0], calls
; ExceptionRoutine(ExceptionRecord, EstablisherFrame, ContextRecord, DispatcherContext) (cdecl or stdcall: ESP is
; restored from the frame either way) and removes the frame.
RtlpExecuteHandler2:
    push ebp                  ; frame
    mov ebp, esp              ; [EBP+8] ExceptionRecord .. [EBP+18h] ExceptionRoutine
    push dword [ebp+0x0C]     ; protecting frame: EstablisherFrame of the handler being run
    push edx                  ; protecting frame: Handler
    push dword [fs:TEB.NtTib.ExceptionList]             ; TEB.NtTib.ExceptionList: protecting frame: Next = the current chain head
    mov [fs:TEB.NtTib.ExceptionList], esp ; TEB.NtTib.ExceptionList = the protecting frame
    push dword [ebp+0x14]     ; DispatcherContext
    push dword [ebp+0x10]     ; ContextRecord
    push dword [ebp+0x0C]     ; EstablisherFrame
    push dword [ebp+8]        ; ExceptionRecord
    mov ecx, [ebp+0x18]       ; ECX = ExceptionRoutine
    call ecx                  ; EAX = EXCEPTION_DISPOSITION
    mov esp, [fs:TEB.NtTib.ExceptionList]               ; TEB.NtTib.ExceptionList: ESP = the protecting frame (whatever the handler popped)
    pop dword [fs:TEB.NtTib.ExceptionList] ; TEB.NtTib.ExceptionList = Next: frame removed
    mov esp, ebp              ; drop the frame
    pop ebp                   ; restore EBP
    ret 0x14                  ; stdcall, 5 arguments

; RtlpExceptionHandler - the protecting frame's handler (cdecl): during dispatch (not unwind) it reports the
; exception as nested and names the frame whose handler was running in *DispatcherContext.
RtlpExceptionHandler:
    mov ecx, [esp+4]          ; ECX = ExceptionRecord
    mov eax, ExceptionContinueSearch ; unwinding: keep searching
    test dword [ecx + EXCEPTION_RECORD.ExceptionFlags], EXCEPTION_UNWIND ; an unwind?
    jnz .ret                  ; yes: return ContinueSearch
    mov ecx, [esp+8]          ; ECX = EstablisherFrame = the protecting frame
    mov edx, [esp+0x10]       ; EDX = DispatcherContext
    mov eax, [ecx+8]          ; EAX = the EstablisherFrame saved in the protecting frame
    mov [edx], eax            ; *DispatcherContext = that frame
    mov eax, ExceptionNestedException ; ExceptionNestedException
.ret:
    ret                       ; cdecl

; RtlCaptureContext(ContextRecord), stdcall: CONTEXT_FULL of the caller as it will be after this call returns
; (Eip = the return address, Esp = above the argument). (XP's version records the caller's own caller through
; EBP; this one needs no EBP frame.)
global RtlCaptureContext
RtlCaptureContext:
    push ebx                  ; preserve EBX; [ESP+4] = return address, [ESP+8] = ContextRecord
    mov ebx, [esp+8]          ; EBX = ContextRecord
    mov [ebx + CONTEXT.Eax], eax ; CONTEXT.Eax
    mov [ebx + CONTEXT.Ecx], ecx ; CONTEXT.Ecx
    mov [ebx + CONTEXT.Edx], edx ; CONTEXT.Edx
    mov eax, [esp]            ; EAX = the caller's EBX
    mov [ebx + CONTEXT.Ebx], eax ; CONTEXT.Ebx
    mov [ebx + CONTEXT.Esi], esi ; CONTEXT.Esi
    mov [ebx + CONTEXT.Edi], edi ; CONTEXT.Edi
    mov [ebx + CONTEXT.Ebp], ebp ; CONTEXT.Ebp
    mov eax, [esp+4]          ; EAX = return address
    mov [ebx + CONTEXT.Eip], eax ; CONTEXT.Eip = where the caller continues
    lea eax, [esp+0x0C]       ; EAX = caller ESP after `ret 4`
    mov [ebx + CONTEXT.Esp], eax ; CONTEXT.Esp
    xor eax, eax              ; segment selectors are zero-extended
    mov ax, cs                ; AX = CS
    mov [ebx + CONTEXT.SegCs], eax ; CONTEXT.SegCs
    mov ax, ss                ; AX = SS
    mov [ebx + CONTEXT.SegSs], eax ; CONTEXT.SegSs
    mov ax, ds                ; AX = DS
    mov [ebx + CONTEXT.SegDs], eax ; CONTEXT.SegDs
    mov ax, es                ; AX = ES
    mov [ebx + CONTEXT.SegEs], eax ; CONTEXT.SegEs
    mov ax, fs                ; AX = FS
    mov [ebx + CONTEXT.SegFs], eax ; CONTEXT.SegFs
    mov ax, gs                ; AX = GS
    mov [ebx + CONTEXT.SegGs], eax ; CONTEXT.SegGs
    pushfd                    ; EFLAGS
    pop dword [ebx + CONTEXT.EFlags] ; CONTEXT.EFlags
    mov dword [ebx + CONTEXT.ContextFlags], CONTEXT_FULL_FLAGS ; CONTEXT.ContextFlags = CONTEXT_FULL
    mov eax, [ebx + CONTEXT.Eax] ; EAX unchanged for the caller
    pop ebx                   ; restore EBX
    ret 4                     ; stdcall, 1 argument

; RtlRaiseException(ExceptionRecord), stdcall (XP rtl/i386/raise.asm, user mode): capture the caller's context,
; set ExceptionAddress to the return address, dispatch in user mode; handled -> ZwContinue(Context, FALSE),
; otherwise ZwRaiseException(Record, Context, FALSE) (second chance). If either returns, its status is raised
; as a noncontinuable nested exception.
global RtlRaiseException
RtlRaiseException:
    push ebp                  ; frame
    mov ebp, esp              ; [EBP+4] = return address, [EBP+8] = ExceptionRecord
    sub esp, CONTEXT_size     ; the CONTEXT
    push esp                  ; ContextRecord
    call RtlCaptureContext    ; registers as at this point
    mov eax, [ebp]            ; EAX = the caller's EBP
    mov [esp + CONTEXT.Ebp], eax ; CONTEXT.Ebp = the caller's EBP
    mov eax, [ebp+4]          ; EAX = return address
    mov [esp + CONTEXT.Eip], eax ; CONTEXT.Eip = the caller's continuation
    lea eax, [ebp+0x0C]       ; EAX = the caller's ESP after `ret 4`
    mov [esp + CONTEXT.Esp], eax ; CONTEXT.Esp
    mov eax, [ebp+8]          ; EAX = ExceptionRecord
    mov ecx, [ebp+4]          ; ECX = return address
    mov [eax + EXCEPTION_RECORD.ExceptionAddress], ecx ; ExceptionRecord.ExceptionAddress = the caller
    mov ecx, esp              ; ECX = ContextRecord
    push ecx                  ; Context
    push eax                  ; ExceptionRecord
    call RtlDispatchException ; AL = handled
    mov ecx, esp              ; ECX = ContextRecord
    or al, al                 ; handled?
    jz .raise                 ; no: second chance
    push 0                    ; TestAlert = FALSE
    push ecx                  ; Context
    call ZwContinue           ; resume; returns only on failure
    jmp .failed               ; ZwContinue failed: raise its status
.raise:
    push 0                    ; FirstChance = FALSE
    push ecx                  ; Context
    push dword [ebp+8]        ; ExceptionRecord
    call ZwRaiseException     ; second chance; returns only on failure
.failed:
    mov edx, [ebp+8]          ; EDX = ExceptionRecord
    sub esp, EXCEPTION_RECORD_size ; the nested record
    mov [esp + EXCEPTION_RECORD.ExceptionCode], eax ; ExceptionCode = the failure status
    mov dword [esp + EXCEPTION_RECORD.ExceptionFlags], EXCEPTION_NONCONTINUABLE ; ExceptionFlags = NONCONTINUABLE
    mov [esp + EXCEPTION_RECORD.ExceptionRecord], edx ; ExceptionRecord = the original
    mov dword [esp + EXCEPTION_RECORD.NumberParameters], 0 ; NumberParameters = 0
    push esp                  ; ExceptionRecord
    call RtlRaiseException    ; does not return
    int3                      ; never reached
