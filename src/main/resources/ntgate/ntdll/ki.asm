; ntdll.dll's entry points from the kernel, at XP SP3's addresses (appended last by NtdllSource, after the
; ZwXxx stubs). Each `times` line pads up to the next address and fails the assembly if the code before it
; grew past it. The addresses and their sources are in docs/NT-FACTS-additions.md.

section .text

        times 0xE430 - ($ - $$) db 0x90       ; (padding up to KiUserApcDispatcher, 7C90E430)
global KiUserApcDispatcher
KiUserApcDispatcher:
    lea edi, [esp+0x10]       ; EDI = &CONTEXT saved by KiInitializeUserApc
    pop eax                   ; EAX = NormalRoutine
    call eax                  ; NormalRoutine(NormalContext, SystemArgument1, SystemArgument2), stdcall
    push 1                    ; TestAlert = TRUE
    push edi                  ; Context
    call ZwContinue           ; resume the interrupted context; does not return
    nop


        times 0xE47C - ($ - $$) db 0x90       ; (padding up to KiUserExceptionDispatcher, 7C90E47C)
; KiUserExceptionDispatcher - entered from the kernel (KiDispatchException edited the trap frame) with
; [ESP] = ExceptionRecord*, [ESP+4] = Context*, both on this stack (XP SP3 byte sequence: 8B 4C 24 04
; 8B 1C 24 51 53 E8 ...). Never returns: the CONTEXT is resumed, or the exception raised a second time.
global KiUserExceptionDispatcher
KiUserExceptionDispatcher:
    mov ecx, [esp+4]          ; ECX = ContextRecord
    mov ebx, [esp]            ; EBX = ExceptionRecord
    push ecx                  ; Context
    push ebx                  ; ExceptionRecord
    call RtlDispatchException ; walk the fs:[0] chain; AL = handled
    or al, al                 ; a handler said ExceptionContinueExecution?
    jz .raise                 ; no: second chance
    pop ebx                   ; EBX = ExceptionRecord (the two dispatcher arguments are dropped)
    pop ecx                   ; ECX = ContextRecord
    push 0                    ; TestAlert = FALSE
    push ecx                  ; Context (possibly edited by the handler)
    call ZwContinue           ; resume the context; returns only on failure
    jmp .nested               ; ZwContinue failed: raise its status
.raise:
    pop ebx                   ; EBX = ExceptionRecord
    pop ecx                   ; ECX = ContextRecord
    push 0                    ; FirstChance = FALSE: the kernel's second chance
    push ecx                  ; Context
    push ebx                  ; ExceptionRecord
    call ZwRaiseException     ; with no debugger the process ends; returns only on failure
.nested:
    sub esp, EXCEPTION_RECORD_size ; a nested record for the failure status
    mov [esp + EXCEPTION_RECORD.ExceptionCode], eax ; ExceptionCode = the status ZwContinue/ZwRaiseException returned
    mov dword [esp + EXCEPTION_RECORD.ExceptionFlags], EXCEPTION_NONCONTINUABLE ; ExceptionFlags = NONCONTINUABLE
    mov [esp + EXCEPTION_RECORD.ExceptionRecord], ebx ; ExceptionRecord = the original record
    mov dword [esp + EXCEPTION_RECORD.NumberParameters], 0 ; NumberParameters = 0
    push esp                  ; ExceptionRecord
    call RtlRaiseException    ; does not return
    int3                      ; never reached

        times 0xE4F0 - ($ - $$) db 0x90       ; (padding up to KiFastSystemCall, 7C90E4F0)
global KiFastSystemCall, KiFastSystemCallRet, KiIntSystemCall
KiFastSystemCall:
    mov edx, esp              ; EDX = user ESP: [edx] = return into the stub, [edx+8] = first argument
    sysenter                  ; -> nt!KiFastCallEntry
KiFastSystemCallRet:
    ret                       ; SharedUserData.SystemCallReturn points here; SYSEXIT lands on this ret


        times 0xE500 - ($ - $$) db 0x90       ; (padding up to KiIntSystemCall, 7C90E500: ntgate's choice)
KiIntSystemCall:
    lea edx, [esp+8]          ; EDX = the first argument
    int 0x2e                  ; -> nt!KiSystemService
    ret

