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
    call eax                  ; the program's entry point |zh| 程序的入口点
    push eax                  ; ExitStatus = what it returned |zh| ExitStatus = 它的返回值
    push -1                   ; ProcessHandle = NtCurrentProcess() |zh| ProcessHandle = NtCurrentProcess()
    call ZwTerminateProcess   ; does not return |zh| 不返回
    int3

; ---------------------------------------------------------------------------------------------------
; User-mode exception dispatch (NT-FACTS §10.3). Statuses come from nt.NtStatus through the resolver; the
; ExceptionFlags bits are winnt.h's (NT-FACTS §13).
EXCEPTION_NONCONTINUABLE        equ 0x01      ; ExceptionFlags: the exception may not be continued |zh| ExceptionFlags：该异常不可继续执行
EXCEPTION_UNWINDING             equ 0x02
EXCEPTION_EXIT_UNWIND           equ 0x04
EXCEPTION_UNWIND                equ 0x06      ; EXCEPTION_UNWINDING | EXCEPTION_EXIT_UNWIND |zh| EXCEPTION_UNWINDING | EXCEPTION_EXIT_UNWIND
EXCEPTION_STACK_INVALID         equ 0x08      ; a registration record outside the stack or misaligned |zh| 注册记录在栈外或未对齐
EXCEPTION_NESTED_CALL           equ 0x10      ; raised while a handler of this dispatch was running |zh| 在本次分发的某个处理程序运行期间引发
ExceptionContinueExecution      equ 0
ExceptionContinueSearch         equ 1
ExceptionNestedException        equ 2
CONTEXT_FULL_FLAGS              equ 0x10007   ; CONTEXT_FULL (CONTROL | INTEGER | SEGMENTS) |zh| CONTEXT_FULL（CONTROL | INTEGER | SEGMENTS）

; RtlDispatchException(ExceptionRecord, ContextRecord) -> BOOLEAN (AL), stdcall. Walks the SEH chain from
; TEB.NtTib.ExceptionList (fs:[0]) to EXCEPTION_CHAIN_END, as XP's rtl/i386/exdsptch.c does, without the
; vectored handlers and the SafeSEH image check (neither exists in ntgate). Each registration record must lie
; inside [TEB.StackLimit, TEB.StackBase) and be 4-byte aligned, else the record gets EXCEPTION_STACK_INVALID and
; the dispatch fails. Handlers run through RtlpExecuteHandlerForException. TRUE = continue the CONTEXT.
; Frame: [EBP+8] ExceptionRecord, [EBP+0Ch] ContextRecord, [EBP-4] DispatcherContext, [EBP-8] NestedFrame,
; [EBP-0Ch] HighLimit (StackBase), [EBP-10h] LowLimit (StackLimit).
global RtlDispatchException
RtlDispatchException:
    push ebp                  ; standard frame |zh| 标准栈帧
    mov ebp, esp              ; EBP = frame |zh| EBP = 栈帧
    sub esp, 0x10             ; DispatcherContext, NestedFrame, HighLimit, LowLimit |zh| DispatcherContext、NestedFrame、HighLimit、LowLimit
    push ebx                  ; preserve EBX (callee-saved) |zh| 保存 EBX（被调用者保存）
    push esi                  ; preserve ESI |zh| 保存 ESI
    push edi                  ; preserve EDI |zh| 保存 EDI
    mov dword [ebp-8], 0      ; NestedFrame = NULL |zh| NestedFrame = NULL
    mov eax, [fs:TEB.NtTib.StackBase]; EAX = TEB.NtTib.StackBase |zh| EAX = TEB.NtTib.StackBase
    mov [ebp-0x0C], eax       ; HighLimit = TEB.NtTib.StackBase (RtlpGetStackLimits) |zh| HighLimit = TEB.NtTib.StackBase（RtlpGetStackLimits）
    mov eax, [fs:TEB.NtTib.StackLimit]; EAX = TEB.NtTib.StackLimit |zh| EAX = TEB.NtTib.StackLimit
    mov [ebp-0x10], eax       ; LowLimit = TEB.NtTib.StackLimit |zh| LowLimit = TEB.NtTib.StackLimit
    mov ebx, [fs:TEB.NtTib.ExceptionList]               ; TEB.NtTib.ExceptionList: EBX = RegistrationPointer = the chain head (RtlpGetRegistrationHead) |zh| TEB.NtTib.ExceptionList：EBX = RegistrationPointer = 异常链头（RtlpGetRegistrationHead）
.next:
    cmp ebx, EXCEPTION_CHAIN_END ; end of the chain? |zh| 到异常链末尾了吗？
    je .notHandled            ; nobody handled it |zh| 没有人处理它
    cmp ebx, [ebp-0x10]       ; below the stack limit? |zh| 低于栈下限吗？
    jb .stackInvalid          ; yes: invalid |zh| 是：无效
    lea eax, [ebx+8]          ; EAX = end of the EXCEPTION_REGISTRATION_RECORD |zh| EAX = EXCEPTION_REGISTRATION_RECORD 的末尾
    cmp eax, [ebp-0x0C]       ; past the stack base? |zh| 超过栈基址了吗？
    ja .stackInvalid          ; yes: invalid |zh| 是：无效
    test bl, 3                ; 4-byte aligned? |zh| 4 字节对齐吗？
    jnz .stackInvalid         ; no: invalid |zh| 否：无效
    push dword [ebx+4]        ; ExceptionRoutine = RegistrationPointer->Handler |zh| ExceptionRoutine = RegistrationPointer->Handler
    lea eax, [ebp-4]          ; EAX = &DispatcherContext |zh| EAX = &DispatcherContext
    push eax                  ; &DispatcherContext |zh| &DispatcherContext
    push dword [ebp+0x0C]     ; ContextRecord |zh| ContextRecord
    push ebx                  ; EstablisherFrame = RegistrationPointer |zh| EstablisherFrame = RegistrationPointer
    push dword [ebp+8]        ; ExceptionRecord |zh| ExceptionRecord（异常记录）
    call RtlpExecuteHandlerForException ; EAX = EXCEPTION_DISPOSITION |zh| EAX = EXCEPTION_DISPOSITION
    mov edx, [ebp+8]          ; EDX = ExceptionRecord |zh| EDX = ExceptionRecord
    cmp [ebp-8], ebx          ; leaving the frame that was active when a nested exception was raised? |zh| 正在离开引发嵌套异常时活动的那个帧吗？
    jne .disposition          ; no |zh| 否
    and dword [edx + EXCEPTION_RECORD.ExceptionFlags], ~EXCEPTION_NESTED_CALL ; ExceptionFlags &= ~NESTED_CALL |zh| ExceptionFlags &= ~NESTED_CALL
    mov dword [ebp-8], 0      ; NestedFrame = NULL |zh| NestedFrame = NULL
.disposition:
    cmp eax, ExceptionContinueExecution; ExceptionContinueExecution? |zh| ExceptionContinueExecution？
    jne .notContinue          ; no |zh| 否
    test dword [edx + EXCEPTION_RECORD.ExceptionFlags], EXCEPTION_NONCONTINUABLE ; may it continue? |zh| 可以继续执行吗？
    jnz .noncontinuable       ; yes: STATUS_NONCONTINUABLE_EXCEPTION |zh| 是：STATUS_NONCONTINUABLE_EXCEPTION
    mov al, 1                 ; TRUE: continue the (possibly edited) CONTEXT |zh| TRUE：以（可能已修改的）CONTEXT 继续执行
    jmp .done                 ; return TRUE |zh| 返回 TRUE
.notContinue:
    cmp eax, ExceptionContinueSearch; ExceptionContinueSearch? |zh| ExceptionContinueSearch？
    je .advance               ; try the next registration |zh| 尝试下一个注册记录
    cmp eax, ExceptionNestedException; ExceptionNestedException? |zh| ExceptionNestedException？
    jne .invalidDisposition   ; anything else: STATUS_INVALID_DISPOSITION |zh| 其他值：STATUS_INVALID_DISPOSITION
    or dword [edx + EXCEPTION_RECORD.ExceptionFlags], EXCEPTION_NESTED_CALL ; ExceptionFlags |= NESTED_CALL |zh| ExceptionFlags |= NESTED_CALL
    mov eax, [ebp-4]          ; EAX = DispatcherContext (establisher of the interrupted handler) |zh| EAX = DispatcherContext（被中断的处理程序的建立者帧）
    cmp eax, [ebp-8]          ; deeper than the current nested frame? |zh| 比当前嵌套帧更深吗？
    jbe .advance              ; no: keep NestedFrame |zh| 否：保留 NestedFrame
    mov [ebp-8], eax          ; NestedFrame = DispatcherContext |zh| NestedFrame = DispatcherContext
.advance:
    mov ebx, [ebx]            ; RegistrationPointer = RegistrationPointer->Next |zh| RegistrationPointer = RegistrationPointer->Next
    jmp .next                 ; examine it |zh| 检查它
.stackInvalid:
    mov edx, [ebp+8]          ; EDX = ExceptionRecord |zh| EDX = ExceptionRecord
    or dword [edx + EXCEPTION_RECORD.ExceptionFlags], EXCEPTION_STACK_INVALID ; ExceptionFlags |= STACK_INVALID |zh| ExceptionFlags |= STACK_INVALID
.notHandled:
    xor al, al                ; FALSE: not handled |zh| FALSE：未处理
.done:
    pop edi                   ; restore EDI |zh| 恢复 EDI
    pop esi                   ; restore ESI |zh| 恢复 ESI
    pop ebx                   ; restore EBX |zh| 恢复 EBX
    mov esp, ebp              ; drop the locals |zh| 丢弃局部变量
    pop ebp                   ; restore EBP |zh| 恢复 EBP
    ret 8                     ; stdcall, 2 arguments |zh| stdcall，2 个参数
.noncontinuable:
    mov eax, STATUS_NONCONTINUABLE_EXCEPTION ; a handler continued a noncontinuable exception |zh| 处理程序继续执行了一个不可继续的异常
    jmp .raiseNested          ; raise it |zh| 引发它
.invalidDisposition:
    mov eax, STATUS_INVALID_DISPOSITION ; a handler returned something else |zh| 处理程序返回了别的值
.raiseNested:
    sub esp, EXCEPTION_RECORD_size ; ExceptionRecord1 on the stack |zh| 栈上的 ExceptionRecord1
    mov [esp + EXCEPTION_RECORD.ExceptionCode], eax ; ExceptionCode = the status |zh| ExceptionCode = 该状态
    mov dword [esp + EXCEPTION_RECORD.ExceptionFlags], EXCEPTION_NONCONTINUABLE ; ExceptionFlags = NONCONTINUABLE |zh| ExceptionFlags = NONCONTINUABLE（不可继续）
    mov [esp + EXCEPTION_RECORD.ExceptionRecord], edx ; ExceptionRecord = the one being dispatched |zh| ExceptionRecord = 正在分发的异常记录
    mov dword [esp + EXCEPTION_RECORD.NumberParameters], 0 ; NumberParameters = 0 |zh| NumberParameters = 0
    push esp                  ; ExceptionRecord |zh| ExceptionRecord（异常记录）
    call RtlRaiseException    ; does not return |zh| 不返回
    int3                      ; never reached |zh| 永远不会执行到

; RtlpExecuteHandlerForException(ExceptionRecord, EstablisherFrame, ContextRecord, DispatcherContext,
; ExceptionRoutine) -> EXCEPTION_DISPOSITION, stdcall (XP rtl/i386/xcptmisc.asm). The handler runs under an
; SEH frame of its own, so an exception raised inside a handler is reported as ExceptionNestedException.
global RtlpExecuteHandlerForException
RtlpExecuteHandlerForException:
    mov edx, RtlpExceptionHandler ; EDX = the handler of the protecting frame |zh| EDX = 保护帧的处理程序
    push ebx                  ; ExecuteHandler: preserve EBX |zh| ExecuteHandler：保存 EBX
    push esi                  ; preserve ESI |zh| 保存 ESI
    push edi                  ; preserve EDI |zh| 保存 EDI
    xor eax, eax              ; the handler starts with EAX = 0 |zh| 处理程序开始时 EAX = 0
    xor ebx, ebx              ; EBX = 0 |zh| EBX = 0
    xor esi, esi              ; ESI = 0 |zh| ESI = 0
    xor edi, edi              ; EDI = 0 |zh| EDI = 0
    push dword [esp+0x20]     ; ExceptionRoutine |zh| ExceptionRoutine（异常处理程序）
    push dword [esp+0x20]     ; DispatcherContext |zh| DispatcherContext
    push dword [esp+0x20]     ; ContextRecord |zh| ContextRecord
    push dword [esp+0x20]     ; EstablisherFrame |zh| EstablisherFrame（建立者帧）
    push dword [esp+0x20]     ; ExceptionRecord |zh| ExceptionRecord（异常记录）
    call RtlpExecuteHandler2  ; EAX = disposition |zh| EAX = 处理结果
    pop edi                   ; restore EDI |zh| 恢复 EDI
    pop esi                   ; restore ESI |zh| 恢复 ESI
    pop ebx                   ; restore EBX |zh| 恢复 EBX
    ret 0x14                  ; stdcall, 5 arguments |zh| stdcall，5 个参数

; RtlpExecuteHandler2 (XP ExecuteHandler2): installs {Next, EDX, EstablisherFrame} on fs:[0], calls
; ExceptionRoutine(ExceptionRecord, EstablisherFrame, ContextRecord, DispatcherContext) (cdecl or stdcall: ESP is
; restored from the frame either way) and removes the frame.
RtlpExecuteHandler2:
    push ebp                  ; frame |zh| 栈帧
    mov ebp, esp              ; [EBP+8] ExceptionRecord .. [EBP+18h] ExceptionRoutine |zh| [EBP+8] ExceptionRecord .. [EBP+18h] ExceptionRoutine
    push dword [ebp+0x0C]     ; protecting frame: EstablisherFrame of the handler being run |zh| 保护帧：正在运行的处理程序的建立者帧
    push edx                  ; protecting frame: Handler |zh| 保护帧：Handler
    push dword [fs:TEB.NtTib.ExceptionList]             ; TEB.NtTib.ExceptionList: protecting frame: Next = the current chain head |zh| TEB.NtTib.ExceptionList：保护帧：Next = 当前的异常链头
    mov [fs:TEB.NtTib.ExceptionList], esp ; TEB.NtTib.ExceptionList = the protecting frame |zh| TEB.NtTib.ExceptionList = 保护帧
    push dword [ebp+0x14]     ; DispatcherContext |zh| DispatcherContext
    push dword [ebp+0x10]     ; ContextRecord |zh| ContextRecord
    push dword [ebp+0x0C]     ; EstablisherFrame |zh| EstablisherFrame（建立者帧）
    push dword [ebp+8]        ; ExceptionRecord |zh| ExceptionRecord（异常记录）
    mov ecx, [ebp+0x18]       ; ECX = ExceptionRoutine |zh| ECX = ExceptionRoutine
    call ecx                  ; EAX = EXCEPTION_DISPOSITION |zh| EAX = EXCEPTION_DISPOSITION
    mov esp, [fs:TEB.NtTib.ExceptionList]               ; TEB.NtTib.ExceptionList: ESP = the protecting frame (whatever the handler popped) |zh| TEB.NtTib.ExceptionList：ESP = 保护帧（无论处理程序弹出了什么）
    pop dword [fs:TEB.NtTib.ExceptionList] ; TEB.NtTib.ExceptionList = Next: frame removed |zh| TEB.NtTib.ExceptionList = Next：移除保护帧
    mov esp, ebp              ; drop the frame |zh| 丢弃该帧
    pop ebp                   ; restore EBP |zh| 恢复 EBP
    ret 0x14                  ; stdcall, 5 arguments |zh| stdcall，5 个参数

; RtlpExceptionHandler - the protecting frame's handler (cdecl): during dispatch (not unwind) it reports the
; exception as nested and names the frame whose handler was running in *DispatcherContext.
RtlpExceptionHandler:
    mov ecx, [esp+4]          ; ECX = ExceptionRecord |zh| ECX = ExceptionRecord
    mov eax, ExceptionContinueSearch ; unwinding: keep searching |zh| 正在展开：继续搜索
    test dword [ecx + EXCEPTION_RECORD.ExceptionFlags], EXCEPTION_UNWIND ; an unwind? |zh| 是展开吗？
    jnz .ret                  ; yes: return ContinueSearch |zh| 是：返回 ContinueSearch
    mov ecx, [esp+8]          ; ECX = EstablisherFrame = the protecting frame |zh| ECX = EstablisherFrame = 保护帧
    mov edx, [esp+0x10]       ; EDX = DispatcherContext |zh| EDX = DispatcherContext
    mov eax, [ecx+8]          ; EAX = the EstablisherFrame saved in the protecting frame |zh| EAX = 保护帧中保存的 EstablisherFrame
    mov [edx], eax            ; *DispatcherContext = that frame |zh| *DispatcherContext = 该帧
    mov eax, ExceptionNestedException ; ExceptionNestedException |zh| ExceptionNestedException（嵌套异常）
.ret:
    ret                       ; cdecl |zh| cdecl

; RtlCaptureContext(ContextRecord), stdcall: CONTEXT_FULL of the caller as it will be after this call returns
; (Eip = the return address, Esp = above the argument). (XP's version records the caller's own caller through
; EBP; this one needs no EBP frame.)
global RtlCaptureContext
RtlCaptureContext:
    push ebx                  ; preserve EBX; [ESP+4] = return address, [ESP+8] = ContextRecord |zh| 保存 EBX；[ESP+4] = 返回地址，[ESP+8] = ContextRecord
    mov ebx, [esp+8]          ; EBX = ContextRecord |zh| EBX = ContextRecord
    mov [ebx + CONTEXT.Eax], eax ; CONTEXT.Eax |zh| CONTEXT.Eax
    mov [ebx + CONTEXT.Ecx], ecx ; CONTEXT.Ecx |zh| CONTEXT.Ecx
    mov [ebx + CONTEXT.Edx], edx ; CONTEXT.Edx |zh| CONTEXT.Edx
    mov eax, [esp]            ; EAX = the caller's EBX |zh| EAX = 调用者的 EBX
    mov [ebx + CONTEXT.Ebx], eax ; CONTEXT.Ebx |zh| CONTEXT.Ebx
    mov [ebx + CONTEXT.Esi], esi ; CONTEXT.Esi |zh| CONTEXT.Esi
    mov [ebx + CONTEXT.Edi], edi ; CONTEXT.Edi |zh| CONTEXT.Edi
    mov [ebx + CONTEXT.Ebp], ebp ; CONTEXT.Ebp |zh| CONTEXT.Ebp
    mov eax, [esp+4]          ; EAX = return address |zh| EAX = 返回地址
    mov [ebx + CONTEXT.Eip], eax ; CONTEXT.Eip = where the caller continues |zh| CONTEXT.Eip = 调用者继续执行的位置
    lea eax, [esp+0x0C]       ; EAX = caller ESP after `ret 4` |zh| EAX = 调用者执行 `ret 4` 之后的 ESP
    mov [ebx + CONTEXT.Esp], eax ; CONTEXT.Esp |zh| CONTEXT.Esp
    xor eax, eax              ; segment selectors are zero-extended |zh| 段选择子做零扩展
    mov ax, cs                ; AX = CS |zh| AX = CS
    mov [ebx + CONTEXT.SegCs], eax ; CONTEXT.SegCs |zh| CONTEXT.SegCs
    mov ax, ss                ; AX = SS |zh| AX = SS
    mov [ebx + CONTEXT.SegSs], eax ; CONTEXT.SegSs |zh| CONTEXT.SegSs
    mov ax, ds                ; AX = DS |zh| AX = DS
    mov [ebx + CONTEXT.SegDs], eax ; CONTEXT.SegDs |zh| CONTEXT.SegDs
    mov ax, es                ; AX = ES |zh| AX = ES
    mov [ebx + CONTEXT.SegEs], eax ; CONTEXT.SegEs |zh| CONTEXT.SegEs
    mov ax, fs                ; AX = FS |zh| AX = FS
    mov [ebx + CONTEXT.SegFs], eax ; CONTEXT.SegFs |zh| CONTEXT.SegFs
    mov ax, gs                ; AX = GS |zh| AX = GS
    mov [ebx + CONTEXT.SegGs], eax ; CONTEXT.SegGs |zh| CONTEXT.SegGs
    pushfd                    ; EFLAGS |zh| EFLAGS
    pop dword [ebx + CONTEXT.EFlags] ; CONTEXT.EFlags |zh| CONTEXT.EFlags
    mov dword [ebx + CONTEXT.ContextFlags], CONTEXT_FULL_FLAGS ; CONTEXT.ContextFlags = CONTEXT_FULL |zh| CONTEXT.ContextFlags = CONTEXT_FULL
    mov eax, [ebx + CONTEXT.Eax] ; EAX unchanged for the caller |zh| 对调用者而言 EAX 不变
    pop ebx                   ; restore EBX |zh| 恢复 EBX
    ret 4                     ; stdcall, 1 argument |zh| stdcall，1 个参数

; RtlRaiseException(ExceptionRecord), stdcall (XP rtl/i386/raise.asm, user mode): capture the caller's context,
; set ExceptionAddress to the return address, dispatch in user mode; handled -> ZwContinue(Context, FALSE),
; otherwise ZwRaiseException(Record, Context, FALSE) (second chance). If either returns, its status is raised
; as a noncontinuable nested exception.
global RtlRaiseException
RtlRaiseException:
    push ebp                  ; frame |zh| 栈帧
    mov ebp, esp              ; [EBP+4] = return address, [EBP+8] = ExceptionRecord |zh| [EBP+4] = 返回地址，[EBP+8] = ExceptionRecord
    sub esp, CONTEXT_size     ; the CONTEXT |zh| CONTEXT 结构
    push esp                  ; ContextRecord |zh| ContextRecord
    call RtlCaptureContext    ; registers as at this point |zh| 此刻的寄存器
    mov eax, [ebp]            ; EAX = the caller's EBP |zh| EAX = 调用者的 EBP
    mov [esp + CONTEXT.Ebp], eax ; CONTEXT.Ebp = the caller's EBP |zh| CONTEXT.Ebp = 调用者的 EBP
    mov eax, [ebp+4]          ; EAX = return address |zh| EAX = 返回地址
    mov [esp + CONTEXT.Eip], eax ; CONTEXT.Eip = the caller's continuation |zh| CONTEXT.Eip = 调用者的后续执行位置
    lea eax, [ebp+0x0C]       ; EAX = the caller's ESP after `ret 4` |zh| EAX = 调用者执行 `ret 4` 之后的 ESP
    mov [esp + CONTEXT.Esp], eax ; CONTEXT.Esp |zh| CONTEXT.Esp
    mov eax, [ebp+8]          ; EAX = ExceptionRecord |zh| EAX = ExceptionRecord
    mov ecx, [ebp+4]          ; ECX = return address |zh| ECX = 返回地址
    mov [eax + EXCEPTION_RECORD.ExceptionAddress], ecx ; ExceptionRecord.ExceptionAddress = the caller |zh| ExceptionRecord.ExceptionAddress = 调用者
    mov ecx, esp              ; ECX = ContextRecord |zh| ECX = ContextRecord
    push ecx                  ; Context |zh| Context（CONTEXT 指针）
    push eax                  ; ExceptionRecord |zh| ExceptionRecord（异常记录）
    call RtlDispatchException ; AL = handled |zh| AL = 是否已处理
    mov ecx, esp              ; ECX = ContextRecord |zh| ECX = ContextRecord
    or al, al                 ; handled? |zh| 已处理吗？
    jz .raise                 ; no: second chance |zh| 否：第二次机会
    push 0                    ; TestAlert = FALSE |zh| TestAlert = FALSE
    push ecx                  ; Context |zh| Context（CONTEXT 指针）
    call ZwContinue           ; resume; returns only on failure |zh| 恢复执行；只在失败时返回
    jmp .failed               ; ZwContinue failed: raise its status |zh| ZwContinue 失败：以其状态引发异常
.raise:
    push 0                    ; FirstChance = FALSE |zh| FirstChance = FALSE
    push ecx                  ; Context |zh| Context（CONTEXT 指针）
    push dword [ebp+8]        ; ExceptionRecord |zh| ExceptionRecord（异常记录）
    call ZwRaiseException     ; second chance; returns only on failure |zh| 第二次机会；只在失败时返回
.failed:
    mov edx, [ebp+8]          ; EDX = ExceptionRecord |zh| EDX = ExceptionRecord
    sub esp, EXCEPTION_RECORD_size ; the nested record |zh| 嵌套的异常记录
    mov [esp + EXCEPTION_RECORD.ExceptionCode], eax ; ExceptionCode = the failure status |zh| ExceptionCode = 失败状态
    mov dword [esp + EXCEPTION_RECORD.ExceptionFlags], EXCEPTION_NONCONTINUABLE ; ExceptionFlags = NONCONTINUABLE |zh| ExceptionFlags = NONCONTINUABLE（不可继续）
    mov [esp + EXCEPTION_RECORD.ExceptionRecord], edx ; ExceptionRecord = the original |zh| ExceptionRecord = 原来的异常记录
    mov dword [esp + EXCEPTION_RECORD.NumberParameters], 0 ; NumberParameters = 0 |zh| NumberParameters = 0
    push esp                  ; ExceptionRecord |zh| ExceptionRecord（异常记录）
    call RtlRaiseException    ; does not return |zh| 不返回
    int3                      ; never reached |zh| 永远不会执行到
