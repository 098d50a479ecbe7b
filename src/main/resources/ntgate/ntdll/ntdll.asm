; ntdll.dll (user mode, at 0x7C900000): the hand-written routines. The ZwXxx/NtXxx stubs are generated from
; the declared service list (NtdllSource) and follow this file. Byte sequences are XP SP2/SP3's (NT-FACTS §8.4, §11).

section .text

global KiFastSystemCall
KiFastSystemCall:
    mov edx, esp              ; EDX = user ESP: [edx] = return into the stub, [edx+8] = first argument
    sysenter                  ; -> nt!KiFastCallEntry
global KiFastSystemCallRet
KiFastSystemCallRet:
    ret                       ; SharedUserData.SystemCallReturn points here; SYSEXIT lands on this ret

global KiIntSystemCall
KiIntSystemCall:
    lea edx, [esp+8]          ; EDX = the first argument
    int 0x2e                  ; -> nt!KiSystemService
    ret

global KiUserApcDispatcher
KiUserApcDispatcher:
    lea edi, [esp+0x10]       ; EDI = &CONTEXT saved by KiInitializeUserApc
    pop eax                   ; EAX = NormalRoutine
    call eax                  ; NormalRoutine(NormalContext, SystemArgument1, SystemArgument2), stdcall
    push 1                    ; TestAlert = TRUE
    push edi                  ; Context
    call ZwContinue           ; resume the interrupted context; does not return
    nop

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
