; kiint2x.asm - the IDT's system entries 2Ah-2Dh of ntgate's XP SP3 kernel (2Eh, KiSystemService, is in
; ntoskrnl.asm). All four are DPL 3 interrupt gates (user mode may execute int 2Ah..2Dh), selector 08h, as
; XP's IDT declares them (IDTEntry ..., D_INT332). Assembled together with ntoskrnl.asm.
;
;   2Ah KiGetTickCount          EAX = the tick count, computed from KUSER_SHARED_DATA as XP does
;   2Bh KiCallbackReturn        NtCallbackReturn(ECX = OutputBuffer, EDX = OutputLength, EAX = Status)
;   2Ch KiSetLowWaitHighThread  the event-pair fast path; an XP thread has no event pair: STATUS_NO_EVENT_PAIR
;   2Dh KiDebugService          the debug-service convention (EAX = service, ECX, EDX = its arguments)

global KiGetTickCount, KiCallbackReturn, KiSetLowWaitHighThread, KiDebugService

section .text

; ===================================================================================================
; KiGetTickCount - int 2Ah. No trap frame: the tick count is TickCountLow x TickCountMultiplier / 2^24,
; the same product ntdll!GetTickCount forms from SharedUserData (EDX keeps the product's high half).
; A user caller (CS = 1Bh) or a kernel caller gets it; anything else (V86, another code selector) is
; treated as the general protection fault the instruction would be without this gate.
; ===================================================================================================
KiGetTickCount:
        cmp     dword [esp + 4], USER_CS                ; the caller's CS (iret frame: EIP, CS, EFLAGS) |zh| 调用者的 CS（iret 帧：EIP、CS、EFLAGS）
        jne     .notUser
.compute:
        mov     eax, [KI_USER_SHARED_DATA + KUSER_SHARED_DATA.TickCountLow]          ; EAX = KUSER_SHARED_DATA.TickCountLow |zh| EAX = KUSER_SHARED_DATA.TickCountLow
        mul     dword [KI_USER_SHARED_DATA + KUSER_SHARED_DATA.TickCountMultiplier]  ; EDX:EAX = ticks x multiplier |zh| EDX:EAX = 滴答数 × 乘数
        shrd    eax, edx, 24                            ; EAX = the tick count in milliseconds |zh| EAX = 以毫秒计的滴答计数
        iretd
.notUser:
        test    dword [esp + 8], EFLAGS_VM
        jnz     .gp                                     ; V86 caller |zh| V86 模式的调用者
        test    byte [esp + 4], MODE_MASK
        jz      .compute                                ; kernel caller |zh| 内核态调用者
.gp:
        push    0                                       ; error code 0, as a #GP(0) pushes it |zh| 错误码 0，与 #GP(0) 压入的一样
        jmp     KiTrap0D

; ===================================================================================================
; KiSyscallFrameEnter (local) - the trap frame of a system-call-style entry (int 2Bh, int 2Ch), built
; as KiSystemService builds it (NT-FACTS §5.2), with the caller's ECX saved too. Entered by jmp after
; the entry pushed KTRAP_FRAME.ErrCode (0) and KTRAP_FRAME.Ebp, with EBP = the entry's body. Jumps to
; the body with EBP = ESP = the trap frame, ESI = current thread, IF = 1, EAX and EDX the caller's,
; ECX = KTRAP_FRAME.Ecx.
; ===================================================================================================
KiSyscallFrameEnter:
        push    ebx                                     ; KTRAP_FRAME.Ebx = caller EBX |zh| 陷阱帧.Ebx = 调用者的 EBX
        push    esi                                     ; KTRAP_FRAME.Esi = caller ESI |zh| 陷阱帧.Esi = 调用者的 ESI
        push    edi                                     ; KTRAP_FRAME.Edi = caller EDI |zh| 陷阱帧.Edi = 调用者的 EDI
        push    fs                                      ; KTRAP_FRAME.SegFs = caller FS |zh| 陷阱帧.SegFs = 调用者的 FS
        mov     ebx, KGDT_R0_PCR                        ; FS = 30h: fs:[x] is the KPCR |zh| FS = 30h：fs:[x] 即 KPCR
        mov     fs, bx
        push    dword [fs:KPCR.NtTib.ExceptionList]     ; KTRAP_FRAME.ExceptionList = KPCR.NtTib.ExceptionList |zh| 陷阱帧.ExceptionList = KPCR.NtTib.ExceptionList
        mov     dword [fs:KPCR.NtTib.ExceptionList], EXCEPTION_CHAIN_END ; KPCR.NtTib.ExceptionList = end of chain |zh| KPCR.NtTib.ExceptionList = 链尾
        mov     esi, [fs:KPCR.PrcbData.CurrentThread]   ; ESI = KPRCB.CurrentThread |zh| ESI = KPRCB.CurrentThread（当前线程）
        push    dword [esi + KTHREAD.PreviousMode]      ; KTRAP_FRAME.PreviousPreviousMode = KTHREAD.PreviousMode |zh| 陷阱帧.PreviousPreviousMode = KTHREAD.PreviousMode
        sub     esp, KTRAP_FRAME.PreviousPreviousMode   ; allocate KTRAP_FRAME.DbgEbp..Eax (below PreviousPreviousMode) |zh| 在内核栈上留出陷阱帧的 DbgEbp..Eax（位于 PreviousPreviousMode 之下）
        mov     ebx, [esp + KTRAP_FRAME.SegCs]          ; EBX = KTRAP_FRAME.SegCs |zh| EBX = 陷阱帧.SegCs
        and     ebx, MODE_MASK                          ; new previous mode = caller CS bit 0 |zh| 新的先前模式 = 调用者 CS 的第 0 位
        mov     [esi + KTHREAD.PreviousMode], bl        ; KTHREAD.PreviousMode = caller mode |zh| KTHREAD.PreviousMode（先前模式）= 调用者的模式
        mov     edi, ebp                                ; EDI = the body |zh| EDI = 处理主体
        mov     ebp, esp                                ; EBP = trap frame |zh| EBP = 陷阱帧
        mov     [ebp + KTRAP_FRAME.Ecx], ecx            ; KTRAP_FRAME.Ecx = caller ECX |zh| 陷阱帧.Ecx = 调用者的 ECX
        mov     ebx, [esi + KTHREAD.TrapFrame]          ; EBX = KTHREAD.TrapFrame (the previous frame) |zh| EBX = KTHREAD.TrapFrame（上一个陷阱帧）
        mov     [ebp + KTRAP_FRAME.Edx], ebx            ; KTRAP_FRAME.Edx = previous KTHREAD.TrapFrame |zh| 陷阱帧.Edx = 原来的 KTHREAD.TrapFrame
        mov     [esi + KTHREAD.TrapFrame], ebp          ; KTHREAD.TrapFrame = this frame |zh| KTHREAD.TrapFrame = 本陷阱帧
        cld
        mov     ebx, [ebp + KTRAP_FRAME.Ebp]            ; EBX = KTRAP_FRAME.Ebp |zh| EBX = 陷阱帧.Ebp
        mov     [ebp + KTRAP_FRAME.DbgEbp], ebx         ; KTRAP_FRAME.DbgEbp = caller EBP |zh| 陷阱帧.DbgEbp = 调用者的 EBP
        mov     ebx, [ebp + KTRAP_FRAME.Eip]            ; EBX = KTRAP_FRAME.Eip |zh| EBX = 陷阱帧.Eip
        mov     [ebp + KTRAP_FRAME.DbgEip], ebx         ; KTRAP_FRAME.DbgEip = return EIP |zh| 陷阱帧.DbgEip = 返回地址 EIP
        mov     [ebp + KTRAP_FRAME.DbgArgPointer], edx  ; KTRAP_FRAME.DbgArgPointer = EDX |zh| 陷阱帧.DbgArgPointer = EDX
        mov     dword [ebp + KTRAP_FRAME.DbgArgMark], TRAP_FRAME_MARKER ; KTRAP_FRAME.DbgArgMark = BADB0D00h |zh| 陷阱帧.DbgArgMark = BADB0D00h
        test    byte [esi + KTHREAD.DebugActive], 0xFF  ; KTHREAD.DebugActive: the user's debug registers are live |zh| KTHREAD.DebugActive：用户的调试寄存器处于启用状态
        jz      .go
        push    edi
        call    KiSaveDebugRegisters                    ; save the user's DR0-7 into the frame |zh| 把用户的 DR0-7 保存进陷阱帧
        pop     edi
.go:
        mov     ecx, [ebp + KTRAP_FRAME.Ecx]            ; ECX = KTRAP_FRAME.Ecx (the caller's ECX) |zh| ECX = 陷阱帧.Ecx（调用者的 ECX）
        sti
        jmp     edi

; KiSyscallFrameExit (local) - EAX = status: KTHREAD.TrapFrame = the previous frame (KTRAP_FRAME.Edx),
; then out through KiServiceExit, as a system service returns (kss70).
KiSyscallFrameExit:
        mov     esp, ebp
        mov     ecx, [fs:KPCR.PrcbData.CurrentThread]   ; ECX = KPRCB.CurrentThread |zh| ECX = KPRCB.CurrentThread（当前线程）
        mov     edx, [ebp + KTRAP_FRAME.Edx]            ; EDX = KTRAP_FRAME.Edx (the previous frame) |zh| EDX = 陷阱帧.Edx（上一个陷阱帧）
        mov     [ecx + KTHREAD.TrapFrame], edx          ; KTHREAD.TrapFrame = KTRAP_FRAME.Edx (previous frame) |zh| KTHREAD.TrapFrame = 陷阱帧.Edx（上一个陷阱帧）
        jmp     KiServiceExit

; ===================================================================================================
; KiCallbackReturn - int 2Bh, the end of a user-mode callback (user32's XyCallbackReturn: EAX = status,
; ECX = output buffer, EDX = output length). Calls NtCallbackReturn, which does not return when a
; callback is active; if it returns, the return failed (STATUS_NO_CALLBACK_ACTIVE) and that status goes
; back to the caller like a system service's.
; ===================================================================================================
KiCallbackReturn:
        push    0                                       ; KTRAP_FRAME.ErrCode = 0 |zh| 陷阱帧.ErrCode = 0
        push    ebp                                     ; KTRAP_FRAME.Ebp = caller EBP |zh| 陷阱帧.Ebp = 调用者的 EBP
        mov     ebp, .body
        jmp     KiSyscallFrameEnter
.body:
        push    eax                                     ; Status |zh| Status（状态）
        push    edx                                     ; OutputLength |zh| OutputLength（输出长度）
        push    ecx                                     ; OutputBuffer |zh| OutputBuffer（输出缓冲区）
        call    NtCallbackReturn                        ; returns only on failure |zh| 只有失败时才返回
        jmp     KiSyscallFrameExit

; ===================================================================================================
; KiSetLowWaitHighThread - int 2Ch, the fast path of NtSetLowWaitHighThread (ntdll's stub is int 2Ch):
; set the low event and wait on the high one of the thread's event pair. An XP thread has no event
; pair attached (the client/server event-pair mechanism of NT 3.x/4.0 is gone), so the call returns
; STATUS_NO_EVENT_PAIR through the system-service exit.
; ===================================================================================================
KiSetLowWaitHighThread:
        push    0                                       ; KTRAP_FRAME.ErrCode = 0 |zh| 陷阱帧.ErrCode = 0
        push    ebp                                     ; KTRAP_FRAME.Ebp = caller EBP |zh| 陷阱帧.Ebp = 调用者的 EBP
        mov     ebp, .body
        jmp     KiSyscallFrameEnter
.body:
        mov     eax, STATUS_NO_EVENT_PAIR               ; the thread has no event pair |zh| 该线程没有事件对
        jmp     KiSyscallFrameExit

; ===================================================================================================
; KiDebugService - int 2Dh, the debug-service convention: EAX = the service (1 BREAKPOINT_PRINT,
; 2 BREAKPOINT_PROMPT, 3 BREAKPOINT_LOAD_SYMBOLS, 4 BREAKPOINT_UNLOAD_SYMBOLS), ECX and EDX its
; arguments; ntdll's DebugService follows the int 2Dh with an int 3. Like XP's, it advances the saved
; EIP by one and raises STATUS_BREAKPOINT through KiTrap03's dispatch with three parameters
; (EAX, ECX, EDX), the address being the byte after the int 2Dh. With no debugger attached,
; KiDispatchException's debug routine (KdpStub) consumes a print or symbol (un)load request and the
; caller resumes one byte past the int 2Dh (the int 3 is skipped); any other request reaches the
; caller as a STATUS_BREAKPOINT exception at the byte after the int 2Dh.
; ===================================================================================================
KiDebugService:
        push    0                                       ; KTRAP_FRAME.ErrCode = 0 (dummy) |zh| 陷阱帧.ErrCode = 0（占位）
        push    ebp                                     ; KTRAP_FRAME.Ebp |zh| 陷阱帧.Ebp
        mov     ebp, .body
        jmp     KiTrapEnter
.body:
        inc     dword [ebp + KTRAP_FRAME.Eip]           ; KTRAP_FRAME.Eip += 1 (past the byte after int 2Dh) |zh| 陷阱帧.Eip += 1（跳过 int 2Dh 之后的那个字节）
        mov     eax, [ebp + KTRAP_FRAME.Eax]            ; Parameter[0] = KTRAP_FRAME.Eax, the service |zh| Parameter[0] = 陷阱帧.Eax，即调试服务号
        mov     ecx, [ebp + KTRAP_FRAME.Ecx]            ; Parameter[1] = KTRAP_FRAME.Ecx |zh| Parameter[1] = 陷阱帧.Ecx
        mov     edx, [ebp + KTRAP_FRAME.Edx]            ; Parameter[2] = KTRAP_FRAME.Edx |zh| Parameter[2] = 陷阱帧.Edx
        test    dword [ebp + KTRAP_FRAME.EFlags], EFLAGS_VM ; KTRAP_FRAME.EFlags.VM: a V86 caller |zh| 陷阱帧.EFlags.VM：V86 模式的调用者
        jnz     .user
        test    byte [ebp + KTRAP_FRAME.SegCs], MODE_MASK ; KTRAP_FRAME.SegCs bit 0: a user caller |zh| 陷阱帧.SegCs 第 0 位：用户态调用者
        jz      .kernel
.user:
        mov     esi, ecx                                ; ExceptionInformation[1] |zh| ExceptionInformation[1]（异常信息）
        mov     edi, edx                                ; ExceptionInformation[2] |zh| ExceptionInformation[2]（异常信息）
        mov     edx, eax                                ; ExceptionInformation[0] |zh| ExceptionInformation[0]（异常信息）
        mov     ebx, [ebp + KTRAP_FRAME.Eip]            ; EBX = KTRAP_FRAME.Eip |zh| EBX = 陷阱帧.Eip
        dec     ebx                                     ; ExceptionAddress (KiDispatchException does Eip-- itself) |zh| ExceptionAddress（异常地址；KiDispatchException 自己会做 Eip--）
        mov     ecx, 3
        mov     eax, STATUS_BREAKPOINT
        jmp     KiCommonDispatchException
.kernel:
        ; A kernel-mode caller with no debugger: a print or symbol (un)load is consumed (KdpStub), the
        ; resumption one byte past the int 2Dh; any other request is a breakpoint nobody handles.
        cmp     eax, BREAKPOINT_PRINT
        je      .consumed
        cmp     eax, BREAKPOINT_LOAD_SYMBOLS
        je      .consumed
        cmp     eax, BREAKPOINT_UNLOAD_SYMBOLS
        je      .consumed
        mov     eax, STATUS_BREAKPOINT
        jmp     KiBugCheckKernelException
.consumed:
        mov     esp, ebp
        jmp     KiExceptionExit
