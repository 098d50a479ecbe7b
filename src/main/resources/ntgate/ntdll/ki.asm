; ntdll.dll's entry points from the kernel, at XP SP3's addresses (appended last by NtdllSource, after the
; ZwXxx stubs). Each `times` line pads up to the next address and fails the assembly if the code before it
; grew past it. The addresses and their sources are in docs/NT-FACTS-additions.md.

section .text

        times 0xE430 - ($ - $$) db 0x90       ; (padding up to KiUserApcDispatcher, 7C90E430) |zh| （填充到 KiUserApcDispatcher，7C90E430）
global KiUserApcDispatcher
KiUserApcDispatcher:
    lea edi, [esp+0x10]       ; EDI = &CONTEXT saved by KiInitializeUserApc |zh| EDI = KiInitializeUserApc 保存的 CONTEXT 的地址
    pop eax                   ; EAX = NormalRoutine |zh| EAX = NormalRoutine
    call eax                  ; NormalRoutine(NormalContext, SystemArgument1, SystemArgument2), stdcall |zh| NormalRoutine(NormalContext, SystemArgument1, SystemArgument2)，stdcall
    push 1                    ; TestAlert = TRUE |zh| TestAlert = TRUE
    push edi                  ; Context |zh| Context（CONTEXT 指针）
    call ZwContinue           ; resume the interrupted context; does not return |zh| 恢复被中断的上下文；不返回
    nop


        times 0xE47C - ($ - $$) db 0x90       ; (padding up to KiUserExceptionDispatcher, 7C90E47C) |zh| （填充到 KiUserExceptionDispatcher，7C90E47C）
; KiUserExceptionDispatcher - entered from the kernel (KiDispatchException edited the trap frame) with
; [ESP] = ExceptionRecord*, [ESP+4] = Context*, both on this stack (XP SP3 byte sequence: 8B 4C 24 04
; 8B 1C 24 51 53 E8 ...). Never returns: the CONTEXT is resumed, or the exception raised a second time.
global KiUserExceptionDispatcher
KiUserExceptionDispatcher:
    mov ecx, [esp+4]          ; ECX = ContextRecord |zh| ECX = ContextRecord
    mov ebx, [esp]            ; EBX = ExceptionRecord |zh| EBX = ExceptionRecord
    push ecx                  ; Context |zh| Context（CONTEXT 指针）
    push ebx                  ; ExceptionRecord |zh| ExceptionRecord（异常记录）
    call RtlDispatchException ; walk the fs:[0] chain; AL = handled |zh| 遍历 fs:[0] 异常链；AL = 是否已处理
    or al, al                 ; a handler said ExceptionContinueExecution? |zh| 有处理程序返回 ExceptionContinueExecution 吗？
    jz .raise                 ; no: second chance |zh| 否：第二次机会
    pop ebx                   ; EBX = ExceptionRecord (the two dispatcher arguments are dropped) |zh| EBX = ExceptionRecord（丢弃分发器的两个参数）
    pop ecx                   ; ECX = ContextRecord |zh| ECX = ContextRecord
    push 0                    ; TestAlert = FALSE |zh| TestAlert = FALSE
    push ecx                  ; Context (possibly edited by the handler) |zh| Context（可能已被处理程序修改）
    call ZwContinue           ; resume the context; returns only on failure |zh| 恢复上下文；只在失败时返回
    jmp .nested               ; ZwContinue failed: raise its status |zh| ZwContinue 失败：以其状态引发异常
.raise:
    pop ebx                   ; EBX = ExceptionRecord |zh| EBX = ExceptionRecord
    pop ecx                   ; ECX = ContextRecord |zh| ECX = ContextRecord
    push 0                    ; FirstChance = FALSE: the kernel's second chance |zh| FirstChance = FALSE：内核的第二次机会
    push ecx                  ; Context |zh| Context（CONTEXT 指针）
    push ebx                  ; ExceptionRecord |zh| ExceptionRecord（异常记录）
    call ZwRaiseException     ; with no debugger the process ends; returns only on failure |zh| 没有调试器时进程结束；只在失败时返回
.nested:
    sub esp, EXCEPTION_RECORD_size ; a nested record for the failure status |zh| 为失败状态建立嵌套的异常记录
    mov [esp + EXCEPTION_RECORD.ExceptionCode], eax ; ExceptionCode = the status ZwContinue/ZwRaiseException returned |zh| ExceptionCode = ZwContinue/ZwRaiseException 返回的状态
    mov dword [esp + EXCEPTION_RECORD.ExceptionFlags], EXCEPTION_NONCONTINUABLE ; ExceptionFlags = NONCONTINUABLE |zh| ExceptionFlags = NONCONTINUABLE（不可继续）
    mov [esp + EXCEPTION_RECORD.ExceptionRecord], ebx ; ExceptionRecord = the original record |zh| ExceptionRecord = 原来的异常记录
    mov dword [esp + EXCEPTION_RECORD.NumberParameters], 0 ; NumberParameters = 0 |zh| NumberParameters = 0
    push esp                  ; ExceptionRecord |zh| ExceptionRecord（异常记录）
    call RtlRaiseException    ; does not return |zh| 不返回
    int3                      ; never reached |zh| 永远不会执行到

        times 0xE4F0 - ($ - $$) db 0x90       ; (padding up to KiFastSystemCall, 7C90E4F0) |zh| （填充到 KiFastSystemCall，7C90E4F0）
global KiFastSystemCall, KiFastSystemCallRet, KiIntSystemCall
KiFastSystemCall:
    mov edx, esp              ; EDX = user ESP: [edx] = return into the stub, [edx+8] = first argument |zh| EDX = 用户态 ESP：[edx] = 返回桩函数的地址，[edx+8] = 第一个参数
    sysenter                  ; -> nt!KiFastCallEntry |zh| -> nt!KiFastCallEntry（进入内核）
KiFastSystemCallRet:
    ret                       ; SharedUserData.SystemCallReturn points here; SYSEXIT lands on this ret |zh| SharedUserData.SystemCallReturn 指向这里；SYSEXIT 回到这条 ret


        times 0xE500 - ($ - $$) db 0x90       ; (padding up to KiIntSystemCall, 7C90E500: ntgate's choice) |zh| （填充到 KiIntSystemCall，7C90E500：ntgate 的选择）
KiIntSystemCall:
    lea edx, [esp+8]          ; EDX = the first argument |zh| EDX = 第一个参数
    int 0x2e                  ; -> nt!KiSystemService |zh| -> nt!KiSystemService（进入内核）
    ret

