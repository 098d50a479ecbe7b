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
        cmp     dword [esp + 4], USER_CS                ; the caller's CS (iret frame: EIP, CS, EFLAGS)
        jne     .notUser
.compute:
        mov     eax, [KI_USER_SHARED_DATA + KUSER_SHARED_DATA.TickCountLow]          ; EAX = KUSER_SHARED_DATA.TickCountLow
        mul     dword [KI_USER_SHARED_DATA + KUSER_SHARED_DATA.TickCountMultiplier]  ; EDX:EAX = ticks x multiplier
        shrd    eax, edx, 24                            ; EAX = the tick count in milliseconds
        iretd
.notUser:
        test    dword [esp + 8], EFLAGS_VM
        jnz     .gp                                     ; V86 caller
        test    byte [esp + 4], MODE_MASK
        jz      .compute                                ; kernel caller
.gp:
        push    0                                       ; error code 0, as a #GP(0) pushes it
        jmp     KiTrap0D

; ===================================================================================================
; KiSyscallFrameEnter (local) - the trap frame of a system-call-style entry (int 2Bh, int 2Ch), built
; as KiSystemService builds it (NT-FACTS §5.2), with the caller's ECX saved too. Entered by jmp after
; the entry pushed KTRAP_FRAME.ErrCode (0) and KTRAP_FRAME.Ebp, with EBP = the entry's body. Jumps to
; the body with EBP = ESP = the trap frame, ESI = current thread, IF = 1, EAX and EDX the caller's,
; ECX = KTRAP_FRAME.Ecx.
; ===================================================================================================
KiSyscallFrameEnter:
        push    ebx                                     ; KTRAP_FRAME.Ebx = caller EBX
        push    esi                                     ; KTRAP_FRAME.Esi = caller ESI
        push    edi                                     ; KTRAP_FRAME.Edi = caller EDI
        push    fs                                      ; KTRAP_FRAME.SegFs = caller FS
        mov     ebx, KGDT_R0_PCR                        ; FS = 30h: fs:[x] is the KPCR
        mov     fs, bx
        push    dword [fs:KPCR.NtTib.ExceptionList]     ; KTRAP_FRAME.ExceptionList = KPCR.NtTib.ExceptionList
        mov     dword [fs:KPCR.NtTib.ExceptionList], EXCEPTION_CHAIN_END ; KPCR.NtTib.ExceptionList = end of chain
        mov     esi, [fs:KPCR.PrcbData.CurrentThread]   ; ESI = KPRCB.CurrentThread
        push    dword [esi + KTHREAD.PreviousMode]      ; KTRAP_FRAME.PreviousPreviousMode = KTHREAD.PreviousMode
        sub     esp, KTRAP_FRAME.PreviousPreviousMode   ; allocate KTRAP_FRAME.DbgEbp..Eax (below PreviousPreviousMode)
        mov     ebx, [esp + KTRAP_FRAME.SegCs]          ; EBX = KTRAP_FRAME.SegCs
        and     ebx, MODE_MASK                          ; new previous mode = caller CS bit 0
        mov     [esi + KTHREAD.PreviousMode], bl        ; KTHREAD.PreviousMode = caller mode
        mov     edi, ebp                                ; EDI = the body
        mov     ebp, esp                                ; EBP = trap frame
        mov     [ebp + KTRAP_FRAME.Ecx], ecx            ; KTRAP_FRAME.Ecx = caller ECX
        mov     ebx, [esi + KTHREAD.TrapFrame]          ; EBX = KTHREAD.TrapFrame (the previous frame)
        mov     [ebp + KTRAP_FRAME.Edx], ebx            ; KTRAP_FRAME.Edx = previous KTHREAD.TrapFrame
        mov     [esi + KTHREAD.TrapFrame], ebp          ; KTHREAD.TrapFrame = this frame
        cld
        mov     ebx, [ebp + KTRAP_FRAME.Ebp]            ; EBX = KTRAP_FRAME.Ebp
        mov     [ebp + KTRAP_FRAME.DbgEbp], ebx         ; KTRAP_FRAME.DbgEbp = caller EBP
        mov     ebx, [ebp + KTRAP_FRAME.Eip]            ; EBX = KTRAP_FRAME.Eip
        mov     [ebp + KTRAP_FRAME.DbgEip], ebx         ; KTRAP_FRAME.DbgEip = return EIP
        mov     [ebp + KTRAP_FRAME.DbgArgPointer], edx  ; KTRAP_FRAME.DbgArgPointer = EDX
        mov     dword [ebp + KTRAP_FRAME.DbgArgMark], TRAP_FRAME_MARKER ; KTRAP_FRAME.DbgArgMark = BADB0D00h
        test    byte [esi + KTHREAD.DebugActive], 0xFF  ; KTHREAD.DebugActive: the user's debug registers are live
        jz      .go
        push    edi
        call    KiSaveDebugRegisters                    ; save the user's DR0-7 into the frame
        pop     edi
.go:
        mov     ecx, [ebp + KTRAP_FRAME.Ecx]            ; ECX = KTRAP_FRAME.Ecx (the caller's ECX)
        sti
        jmp     edi

; KiSyscallFrameExit (local) - EAX = status: KTHREAD.TrapFrame = the previous frame (KTRAP_FRAME.Edx),
; then out through KiServiceExit, as a system service returns (kss70).
KiSyscallFrameExit:
        mov     esp, ebp
        mov     ecx, [fs:KPCR.PrcbData.CurrentThread]   ; ECX = KPRCB.CurrentThread
        mov     edx, [ebp + KTRAP_FRAME.Edx]            ; EDX = KTRAP_FRAME.Edx (the previous frame)
        mov     [ecx + KTHREAD.TrapFrame], edx          ; KTHREAD.TrapFrame = KTRAP_FRAME.Edx (previous frame)
        jmp     KiServiceExit

; ===================================================================================================
; KiCallbackReturn - int 2Bh, the end of a user-mode callback (user32's XyCallbackReturn: EAX = status,
; ECX = output buffer, EDX = output length). Calls NtCallbackReturn, which does not return when a
; callback is active; if it returns, the return failed (STATUS_NO_CALLBACK_ACTIVE) and that status goes
; back to the caller like a system service's.
; ===================================================================================================
KiCallbackReturn:
        push    0                                       ; KTRAP_FRAME.ErrCode = 0
        push    ebp                                     ; KTRAP_FRAME.Ebp = caller EBP
        mov     ebp, .body
        jmp     KiSyscallFrameEnter
.body:
        push    eax                                     ; Status
        push    edx                                     ; OutputLength
        push    ecx                                     ; OutputBuffer
        call    NtCallbackReturn                        ; returns only on failure
        jmp     KiSyscallFrameExit

; ===================================================================================================
; KiSetLowWaitHighThread - int 2Ch, the fast path of NtSetLowWaitHighThread (ntdll's stub is int 2Ch):
; set the low event and wait on the high one of the thread's event pair. An XP thread has no event
; pair attached (the client/server event-pair mechanism of NT 3.x/4.0 is gone), so the call returns
; STATUS_NO_EVENT_PAIR through the system-service exit.
; ===================================================================================================
KiSetLowWaitHighThread:
        push    0                                       ; KTRAP_FRAME.ErrCode = 0
        push    ebp                                     ; KTRAP_FRAME.Ebp = caller EBP
        mov     ebp, .body
        jmp     KiSyscallFrameEnter
.body:
        mov     eax, STATUS_NO_EVENT_PAIR               ; the thread has no event pair
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
        push    0                                       ; KTRAP_FRAME.ErrCode = 0 (dummy)
        push    ebp                                     ; KTRAP_FRAME.Ebp
        mov     ebp, .body
        jmp     KiTrapEnter
.body:
        inc     dword [ebp + KTRAP_FRAME.Eip]           ; KTRAP_FRAME.Eip += 1 (past the byte after int 2Dh)
        mov     eax, [ebp + KTRAP_FRAME.Eax]            ; Parameter[0] = KTRAP_FRAME.Eax, the service
        mov     ecx, [ebp + KTRAP_FRAME.Ecx]            ; Parameter[1] = KTRAP_FRAME.Ecx
        mov     edx, [ebp + KTRAP_FRAME.Edx]            ; Parameter[2] = KTRAP_FRAME.Edx
        test    dword [ebp + KTRAP_FRAME.EFlags], EFLAGS_VM ; KTRAP_FRAME.EFlags.VM: a V86 caller
        jnz     .user
        test    byte [ebp + KTRAP_FRAME.SegCs], MODE_MASK ; KTRAP_FRAME.SegCs bit 0: a user caller
        jz      .kernel
.user:
        mov     esi, ecx                                ; ExceptionInformation[1]
        mov     edi, edx                                ; ExceptionInformation[2]
        mov     edx, eax                                ; ExceptionInformation[0]
        mov     ebx, [ebp + KTRAP_FRAME.Eip]            ; EBX = KTRAP_FRAME.Eip
        dec     ebx                                     ; ExceptionAddress (KiDispatchException does Eip-- itself)
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
