; ntoskrnl.asm - the guest trap code of ntgate's XP SP3 (ntkrnlpa) kernel.
;
; The system-call gate and the trap entries, as x86 code that runs instruction by instruction on the
; emulated CPU (DESIGN.md, "the gate is guest code"). Every step follows NT-FACTS.md (section cited);
; every instruction that writes a KTRAP_FRAME, KTHREAD or KPCR field names that field in its comment,
; which the tracer shows as the instruction's annotation. Offsets and constants come from
; nt.layout.Layouts / nt.layout.Nt through the assembler's resolver: no offset is written here.
;
; The file is assembled at 0x804D7000 together with a generated part that holds KiServiceTable,
; KiArgumentTable, the service stubs, KeServiceDescriptorTable[Shadow] and the kernel Zw stubs.
; What this file needs from that part is declared `extern` just below the host-call block. The
; assembler rejects a name that is both `extern` and defined in the same source: when the parts are
; concatenated into one source, drop that `extern` line (undefined names are still looked up in the
; resolver); when they are assembled separately, give the generated part's symbols to the resolver.
;
; ---------------------------------------------------------------------------------------------------
; Host calls (hostcall N = 0F 3F iw; N is supplied by the Java side through the resolver).
; Every host routine preserves EBX, ESI, EDI, EBP, ESP and the segment registers unless said
; otherwise, may change ECX/EDX/EFLAGS, and returns to the instruction after the hostcall.
; The guest wrapper that executes it does the stdcall `ret N`; "args" are then at [ESP+4].. as for
; any stdcall routine (the wrapper's return address is at [ESP]).
;
;   HC_KiDeliverApc          wrapper KiDeliverApc, stdcall 3 args (PreviousMode, ExceptionFrame,
;                            TrapFrame), ret 0Ch. Delivers pending kernel APCs and, for UserMode, sets
;                            up one user APC by editing *TrapFrame (KiInitializeUserApc, §8.2/§8.3).
;                            Called at APC_LEVEL with interrupts on. EAX undefined on return.
;   HC_KiDispatchException   wrapper KiDispatchException, stdcall 5 args (ExceptionRecord*,
;                            ExceptionFrame (0), TrapFrame, PreviousMode, FirstChance); EBP = TrapFrame
;                            too. The EXCEPTION_RECORD is on the guest stack. For UserMode it edits the
;                            frame to enter KiUserExceptionDispatcher or terminates the process (§10.3);
;                            the caller then leaves through KiExceptionExit. Never called for kernel mode.
;   HC_MmAccessFault         wrapper MmAccessFault, stdcall 4 args (StoreInstruction (ErrCode bit 1),
;                            VirtualAddress (CR2), PreviousMode of the faulting frame, TrapFrame),
;                            ret 10h; EAX = NTSTATUS: success -> the faulting instruction is retried
;                            (demand paging, §10.1); failure -> that status is raised.
;   HC_KiContinue            wrapper KiContinue, stdcall 3 args (Context*, ExceptionFrame (0),
;                            TrapFrame), ret 0Ch; EAX = NTSTATUS. Probes and copies the CONTEXT into
;                            the trap frame (KeContextToKframes, §8.5 step 3). On success every field
;                            KiServiceExit2 restores must be valid: SegGs/SegEs/SegDs/SegFs (the
;                            system-call entry did not save them), Edx/Ecx/Eax, the non-volatiles,
;                            Eip/SegCs/EFlags/HardwareEsp/HardwareSegSs (sanitised).
;   HC_KiRaiseException     wrapper KiRaiseException, stdcall 5 args (ExceptionRecord*, Context*,
;                            ExceptionFrame (0), TrapFrame, FirstChance), ret 14h; EAX = NTSTATUS.
;                            Probes and captures the user's record and CONTEXT, applies the CONTEXT to
;                            *TrapFrame (KeContextToKframes) and dispatches (KiDispatchException), which
;                            edits the frame to enter KiUserExceptionDispatcher or ends the process.
;   HC_KeTestAlertThread     wrapper KeTestAlertThread, stdcall 1 arg (AlertMode), ret 4;
;                            AL = BOOLEAN was-alerted. May set KTHREAD.ApcState.UserApcPending (§8.1).
;   HC_KeBugCheckEx          wrapper KeBugCheckEx, stdcall 5 args (BugCheckCode, P1..P4). Stops the
;                            machine; never returns.
;   HC_PsConvertToGuiThread  wrapper PsConvertToGuiThread, called by KiBBTUnexpectedRange, no arguments,
;                            EAX = NTSTATUS. Sets KTHREAD.ServiceTable to the shadow table. If it switches to a
;                            large kernel stack it relocates ESP, EBP and KTHREAD.TrapFrame by the
;                            stack delta (KeSwitchKernelStack); ESP then still points at the two
;                            dwords pushed before the hostcall.
;   HC_KeGdiFlushUserBatch   wrapper GdiFlushUserBatch, which the KeGdiFlushUserBatch pointer names; the
;                            dispatcher calls it when TEB.GdiBatchCount != 0, no arguments, no result; may
;                            change EAX/ECX/EDX (the caller saves them).
; ---------------------------------------------------------------------------------------------------
;
; Service calling contract (§5.3 step 10): on entry to a service routine EBP = the KTRAP_FRAME of
; this call, [ESP] = return address (kss60), the copied arguments at [ESP+4].., ECX = 0,
; EAX = the table index, EDX = the caller's argument pointer, ESI/EDI just past the source/copied
; block, interrupts enabled, KTHREAD.PreviousMode = the caller's mode. A service is stdcall (it pops
; its arguments), returns its NTSTATUS in EAX and must preserve EBP (the exit path uses it).
;
; Initial-thread contract (KiStartUserThread): ring 0, CS=08, SS=10, FS=30, DS=ES=23, KPCR.Irql =
; PASSIVE_LEVEL, TSS.Esp0 = InitialStack - 220h, EBP = a KTRAP_FRAME at InitialStack - 29Ch holding
; the complete user context: Eip, SegCs=1B, EFlags (IF set), HardwareEsp, HardwareSegSs=23,
; SegDs=SegEs=23, SegFs=3B, SegGs=0, Eax..Ebp, ExceptionList=EXCEPTION_CHAIN_END,
; PreviousPreviousMode=UserMode, Dr0..Dr7 when the thread's DebugActive is set.

; NTSTATUS values (STATUS_*, KI_EXCEPTION_ACCESS_VIOLATION) come from nt.NtStatus through the resolver.

; From the generated part (service tables), resolved when the two parts are assembled together:
; KeServiceDescriptorTable, KeServiceDescriptorTableShadow, KiServiceTable, the service routines.

global KiSystemService, KiFastCallEntry2, KiFastCallEntry, KiSystemServiceRepeat, Kfsc90, Kfsc91, kss80
global Dr_kss_a, Dr_kss_t, Dr_FastCallDrSave, Dr_FastCallDrReturn, V86ExitHelp, AbiosExitHelp, PsConvertToGuiThread
global KeGdiFlushUserBatch, GdiFlushUserBatch, __imp_@KfRaiseIrql@4, __imp_@KfLowerIrql@4
global KiSystemServiceAccessTeb, KiSystemServiceCopyArguments, kss60, kss61, kss70
global KiBBTUnexpectedRange, KiServiceExit, KiSystemCallExitBranch, KiSystemCallExit
global KiSystemCallExit2, KiServiceExit2, KiExceptionExit, KiStartUserThread, NtContinue, NtRaiseException
global KiDisableFastSyscallReturn, KiEnableFastSyscallReturn, KfRaiseIrql, KfLowerIrql
global KiDeliverApc, KiDispatchException, MmAccessFault, KiContinue, KiRaiseException, KeTestAlertThread, KeBugCheckEx
global KiTrap00, KiTrap01, KiTrap03, KiTrap04, KiTrap05, KiTrap06, KiTrap07, KiTrap0A, KiTrap0B
global KiTrap0C, KiTrap0D, KiTrap0E, KiTrap10, KiTrap11, KiTrap13, KiTrapXX
global MmUserProbeAddress, KiSystemCallExitAdjust, KiSystemCallExitAdjusted, KiFastCallCopyDoneOnce


; Where XP SP3's ntkrnlpa.exe places the gate (RVAs from the seed listing; NT-FACTS §15).
KI_GATE_RVA             equ 0x6A304     ; KiBBTUnexpectedRange: KiFastCallEntry (0x6A520) - 0x21C
KI_V86_EXIT_RVA         equ 0x6AFD8     ; V86ExitHelp (the seed's loc_46AFD8)
KI_ABIOS_EXIT_RVA       equ 0x6AFF4     ; AbiosExitHelp (the seed's loc_46AFF4)
; Where XP SP3 places the descriptor tables (public `dd nt!KeServiceDescriptorTable` dumps of XP SP3:
; 80553fa0  80502b8c 00000000 0000011c 80503000; the shadow table 0x40 below it). The generated part fills
; .sdtdata, which follows .data from 0x80550000 (ntgate's choice: the 64 KiB boundary below them).
KI_SDTDATA_RVA          equ 0x79000     ; 0x80550000
KI_DESCRIPTOR_TABLES_RVA equ 0x7CF60    ; KeServiceDescriptorTableShadow (0x80553F60), KeServiceDescriptorTable (+0x40)
section .data
section .sdtdata
        align 0x10000                                   ; (the section starts at 0x80550000)
        times KI_DESCRIPTOR_TABLES_RVA - KI_SDTDATA_RVA db 0 ; (padding up to KeServiceDescriptorTableShadow)

section .text

; ===================================================================================================
; The system-call gate at XP SP3's addresses. From KiBBTUnexpectedRange (nt+0x6A304) to the probe-failure
; chunk (nt+0x6A7D4), and the two exit helpers at nt+0x6AFD8/0x6AFF4, every instruction sits where it sits in
; ntkrnlpa.exe 5.1.2600.5512 (the project's seed listing: KiFastCallEntry at RVA 0x6A520, KiServiceExit at
; +0x10E, KiSystemCallExitBranch at KiServiceExit+0xEB), with MASM's encodings. Code added to the kernel
; goes outside this region; the `times` lines below fail the assembly if the region ever moves.
; ===================================================================================================

        times KI_GATE_RVA - ($ - $$) db 0xCC            ; (padding up to the gate region)

; KiBBTUnexpectedRange - index >= Limit (Kss_ErrorHandler). ECX = table offset, EBX = the full number,
; EDX = argument pointer, ESI = current thread, EBP = ESP = trap frame.
KiBBTUnexpectedRange:
        cmp     ecx, SERVICE_TABLE_TEST                 ; a GUI (win32k) service?
        jnz     short .limitError                       ; no: STATUS_INVALID_SYSTEM_SERVICE
        push    edx                                     ; keep the argument pointer
        push    ebx                                     ; and the full service number
        call    PsConvertToGuiThread                    ; EAX = NTSTATUS; KTHREAD.ServiceTable = shadow table on success
        or      eax, eax                                ; converted?
        pop     eax                                     ; EAX = the full service number
        pop     edx                                     ; EDX = the argument pointer
        mov     ebp, esp                                ; EBP = the trap frame (it may be on a new stack)
        mov     [esi + KTHREAD.TrapFrame], ebp          ; KTHREAD.TrapFrame = this frame
        jz      KiSystemServiceRepeat                   ; converted: dispatch again through the shadow table
        lea     edx, [KeServiceDescriptorTableShadow + SERVICE_TABLE_TEST] ; EDX = the win32k descriptor
        mov     ecx, [edx + KSERVICE_TABLE_DESCRIPTOR.Limit] ; ECX = W32pServiceTable's Limit
        mov     edx, [edx + KSERVICE_TABLE_DESCRIPTOR.Base] ; EDX = KSERVICE_TABLE_DESCRIPTOR.Base (W32pServiceTable)
        lea     edx, [edx + ecx*4]                      ; EDX = the failure bytes after the table
        and     eax, SERVICE_NUMBER_MASK                ; EAX = the index
        add     edx, eax
        movsx   eax, byte [edx]                         ; EAX = the failure byte, sign-extended
        or      eax, eax
        jle     kss70                                   ; 0 -> the service returns 0, -1 -> it returns -1
.limitError:
        mov     eax, STATUS_INVALID_SYSTEM_SERVICE      ; EAX = STATUS_INVALID_SYSTEM_SERVICE
        jmp     kss70

        align 4
; Dr_kss_a - KiSystemService with KTHREAD.DebugActive set: for a user or V86 frame, save the user's DR0-3,
; DR6, DR7 in the trap frame, clear DR7, then load the kernel's debug registers from the KPRCB.
Dr_kss_a:
        test    dword [ebp + KTRAP_FRAME.EFlags], EFLAGS_VM ; KTRAP_FRAME.EFlags: a V86 frame?
        jnz     short .save
        test    dword [ebp + KTRAP_FRAME.SegCs], MODE_MASK ; KTRAP_FRAME.SegCs: a user frame?
        jz      Dr_kss_t                                ; called from kernel mode: nothing to save
.save:
        mov     ebx, dr0
        mov     ecx, dr1
        mov     edi, dr2
        mov     [ebp + KTRAP_FRAME.Dr0], ebx            ; KTRAP_FRAME.Dr0 = DR0
        mov     [ebp + KTRAP_FRAME.Dr1], ecx            ; KTRAP_FRAME.Dr1 = DR1
        mov     [ebp + KTRAP_FRAME.Dr2], edi            ; KTRAP_FRAME.Dr2 = DR2
        mov     ebx, dr3
        mov     ecx, dr6
        mov     edi, dr7
        mov     [ebp + KTRAP_FRAME.Dr3], ebx            ; KTRAP_FRAME.Dr3 = DR3
        mov     [ebp + KTRAP_FRAME.Dr6], ecx            ; KTRAP_FRAME.Dr6 = DR6
        xor     ebx, ebx
        mov     [ebp + KTRAP_FRAME.Dr7], edi            ; KTRAP_FRAME.Dr7 = DR7
        mov     dr7, ebx                                ; DR7 = 0 before the kernel's values are loaded
        mov     edi, [fs:KPCR.Prcb]                     ; EDI = KPCR.Prcb (the KPRCB)
        mov     ebx, [edi + KPRCB.ProcessorState.SpecialRegisters.KernelDr0] ; EBX = KPRCB.ProcessorState.SpecialRegisters.KernelDr0
        mov     ecx, [edi + KPRCB.ProcessorState.SpecialRegisters.KernelDr1] ; ECX = KPRCB.ProcessorState.SpecialRegisters.KernelDr1
        mov     dr0, ebx                                ; DR0 = KPRCB.ProcessorState.SpecialRegisters.KernelDr0
        mov     dr1, ecx                                ; DR1 = KernelDr1
        mov     ebx, [edi + KPRCB.ProcessorState.SpecialRegisters.KernelDr2] ; EBX = KPRCB.ProcessorState.SpecialRegisters.KernelDr2
        mov     ecx, [edi + KPRCB.ProcessorState.SpecialRegisters.KernelDr3] ; ECX = KPRCB.ProcessorState.SpecialRegisters.KernelDr3
        mov     dr2, ebx                                ; DR2 = KernelDr2
        mov     dr3, ecx                                ; DR3 = KernelDr3
        mov     ebx, [edi + KPRCB.ProcessorState.SpecialRegisters.KernelDr6] ; EBX = KPRCB.ProcessorState.SpecialRegisters.KernelDr6
        mov     ecx, [edi + KPRCB.ProcessorState.SpecialRegisters.KernelDr7] ; ECX = KPRCB.ProcessorState.SpecialRegisters.KernelDr7
        mov     dr6, ebx                                ; DR6 = KernelDr6
        mov     dr7, ecx                                ; DR7 = KernelDr7
        jmp     Dr_kss_t

        align 4
; Dr_FastCallDrSave - the same for KiFastCallEntry (XP's function chunk below KiFastCallEntry).
Dr_FastCallDrSave:
        test    dword [ebp + KTRAP_FRAME.EFlags], EFLAGS_VM ; KTRAP_FRAME.EFlags: a V86 frame?
        jnz     short .save
        test    dword [ebp + KTRAP_FRAME.SegCs], MODE_MASK ; KTRAP_FRAME.SegCs: a user frame?
        jz      Dr_FastCallDrReturn                     ; called from kernel mode: nothing to save
.save:
        mov     ebx, dr0
        mov     ecx, dr1
        mov     edi, dr2
        mov     [ebp + KTRAP_FRAME.Dr0], ebx            ; KTRAP_FRAME.Dr0 = DR0
        mov     [ebp + KTRAP_FRAME.Dr1], ecx            ; KTRAP_FRAME.Dr1 = DR1
        mov     [ebp + KTRAP_FRAME.Dr2], edi            ; KTRAP_FRAME.Dr2 = DR2
        mov     ebx, dr3
        mov     ecx, dr6
        mov     edi, dr7
        mov     [ebp + KTRAP_FRAME.Dr3], ebx            ; KTRAP_FRAME.Dr3 = DR3
        mov     [ebp + KTRAP_FRAME.Dr6], ecx            ; KTRAP_FRAME.Dr6 = DR6
        xor     ebx, ebx
        mov     [ebp + KTRAP_FRAME.Dr7], edi            ; KTRAP_FRAME.Dr7 = DR7
        mov     dr7, ebx                                ; DR7 = 0 before the kernel's values are loaded
        mov     edi, [fs:KPCR.Prcb]                     ; EDI = KPCR.Prcb (the KPRCB)
        mov     ebx, [edi + KPRCB.ProcessorState.SpecialRegisters.KernelDr0] ; EBX = KPRCB.ProcessorState.SpecialRegisters.KernelDr0
        mov     ecx, [edi + KPRCB.ProcessorState.SpecialRegisters.KernelDr1] ; ECX = KPRCB.ProcessorState.SpecialRegisters.KernelDr1
        mov     dr0, ebx                                ; DR0 = KPRCB.ProcessorState.SpecialRegisters.KernelDr0
        mov     dr1, ecx                                ; DR1 = KernelDr1
        mov     ebx, [edi + KPRCB.ProcessorState.SpecialRegisters.KernelDr2] ; EBX = KPRCB.ProcessorState.SpecialRegisters.KernelDr2
        mov     ecx, [edi + KPRCB.ProcessorState.SpecialRegisters.KernelDr3] ; ECX = KPRCB.ProcessorState.SpecialRegisters.KernelDr3
        mov     dr2, ebx                                ; DR2 = KernelDr2
        mov     dr3, ecx                                ; DR3 = KernelDr3
        mov     ebx, [edi + KPRCB.ProcessorState.SpecialRegisters.KernelDr6] ; EBX = KPRCB.ProcessorState.SpecialRegisters.KernelDr6
        mov     ecx, [edi + KPRCB.ProcessorState.SpecialRegisters.KernelDr7] ; ECX = KPRCB.ProcessorState.SpecialRegisters.KernelDr7
        mov     dr6, ebx                                ; DR6 = KernelDr6
        mov     dr7, ecx                                ; DR7 = KernelDr7
        jmp     Dr_FastCallDrReturn

; KiSystemService - the INT 2Eh entry. The CPU pushed [SS, ESP,] EFLAGS, CS, EIP.
; EAX = service number, EDX = argument pointer.
KiSystemService:
        push    0                                       ; KTRAP_FRAME.ErrCode = 0
        push    ebp                                     ; KTRAP_FRAME.Ebp = caller EBP
        push    ebx                                     ; KTRAP_FRAME.Ebx = caller EBX
        push    esi                                     ; KTRAP_FRAME.Esi = caller ESI
        push    edi                                     ; KTRAP_FRAME.Edi = caller EDI
        push    fs                                      ; KTRAP_FRAME.SegFs = caller FS
        mov     ebx, KGDT_R0_PCR
        mov     fs, bx                                  ; FS = 30h: fs:[x] is the KPCR (DS/ES are not reloaded)
        push    dword [fs:KPCR.NtTib.ExceptionList]     ; KTRAP_FRAME.ExceptionList = KPCR.NtTib.ExceptionList
        mov     dword [fs:KPCR.NtTib.ExceptionList], EXCEPTION_CHAIN_END ; KPCR.NtTib.ExceptionList = -1 (end of chain)
        mov     esi, [fs:KPCR.PrcbData.CurrentThread]   ; ESI = KPCR.PrcbData.CurrentThread (the current thread)
        push    dword [esi + KTHREAD.PreviousMode]      ; KTRAP_FRAME.PreviousPreviousMode = KTHREAD.PreviousMode (whole dword, DS-relative on purpose)
        sub     esp, KTRAP_FRAME.PreviousPreviousMode   ; allocate KTRAP_FRAME.DbgEbp..Eax, below PreviousPreviousMode (not initialised)
        mov     ebx, [esp + KTRAP_FRAME.SegCs]          ; EBX = KTRAP_FRAME.SegCs
        and     ebx, MODE_MASK                          ; new previous mode = caller CS bit 0
        mov     [esi + KTHREAD.PreviousMode], bl        ; KTHREAD.PreviousMode = caller mode
        mov     ebp, esp                                ; EBP = trap frame
        mov     ebx, [esi + KTHREAD.TrapFrame]          ; EBX = KTHREAD.TrapFrame (the previous frame)
        mov     [ebp + KTRAP_FRAME.Edx], ebx            ; KTRAP_FRAME.Edx = previous KTHREAD.TrapFrame
        mov     [esi + KTHREAD.TrapFrame], ebp          ; KTHREAD.TrapFrame = this frame
        cld
        mov     ebx, [ebp + KTRAP_FRAME.Ebp]            ; EBX = KTRAP_FRAME.Ebp
        mov     edi, [ebp + KTRAP_FRAME.Eip]            ; EDI = KTRAP_FRAME.Eip
        mov     [ebp + KTRAP_FRAME.DbgArgPointer], edx  ; KTRAP_FRAME.DbgArgPointer = argument pointer
        mov     dword [ebp + KTRAP_FRAME.DbgArgMark], TRAP_FRAME_MARKER ; KTRAP_FRAME.DbgArgMark = BADB0D00h
        mov     [ebp + KTRAP_FRAME.DbgEbp], ebx         ; KTRAP_FRAME.DbgEbp = caller EBP
        mov     [ebp + KTRAP_FRAME.DbgEip], edi         ; KTRAP_FRAME.DbgEip = return EIP
        test    byte [esi + KTHREAD.DebugActive], 0xFF  ; KTHREAD.DebugActive: is the thread being debugged?
        jnz     Dr_kss_a                                ; yes: save the user's debug registers
Dr_kss_t:
        sti                                             ; interrupts on (XP SP3 does not clear KTRAP_FRAME.Dr7 on this path)
        jmp     KiSystemServiceRepeat

; KiFastCallEntry2 - entered instead of KiFastCallEntry when the user single-stepped into SYSENTER
; (KiTrap01 redirects the #DB frame here). Sets TF in the saved user EFLAGS so the exit uses IRETD and
; the debugger sees the step after the call.
KiFastCallEntry2:
        mov     ecx, KGDT_R0_PCR
        mov     fs, ecx                                 ; FS = 30h
        mov     ecx, USER_DS
        mov     ds, ecx                                 ; DS = 23h
        mov     es, ecx                                 ; ES = 23h
        mov     ecx, [fs:KPCR.TSS]                      ; ECX = KPCR.TSS
        mov     esp, [ecx + KTSS.Esp0]                  ; ESP = KTSS.Esp0 = InitialStack - 220h
        push    USER_DS                                 ; KTRAP_FRAME.HardwareSegSs = 23h
        push    edx                                     ; KTRAP_FRAME.HardwareEsp = user ESP
        pushfd                                          ; KTRAP_FRAME.EFlags = user EFLAGS
        or      byte [esp + 1], EFLAGS_TF >> 8          ; KTRAP_FRAME.EFlags |= TF (the step continues after the call)
        jmp     short KiFastCallEntry.Kfsc10

; Kfsc90 - SYSENTER from a thread whose Esp0 has not the non-V86 layout (a V86 thread, or SYSENTER in V86
; mode): fake a V86 #UD frame and report an invalid opcode through KiTrap06.
Kfsc90:
        mov     ecx, [fs:KPCR.TSS]                      ; ECX = KPCR.TSS
        mov     esp, [ecx + KTSS.Esp0]                  ; ESP = KTSS.Esp0
        push    0                                       ; KTRAP_FRAME.V86Gs = 0
        push    0                                       ; KTRAP_FRAME.V86Fs = 0
        push    0                                       ; KTRAP_FRAME.V86Ds = 0
        push    0                                       ; KTRAP_FRAME.V86Es = 0
        push    USER_DS                                 ; KTRAP_FRAME.HardwareSegSs = 23h
        push    0                                       ; KTRAP_FRAME.HardwareEsp = 0 (the user ESP is not known)
        push    EFLAGS_VM | EFLAGS_IF | 2               ; KTRAP_FRAME.EFlags = 20202h (VM, IF)
        push    USER_CS                                 ; KTRAP_FRAME.SegCs = 1Bh
        push    0                                       ; KTRAP_FRAME.Eip = 0 (the user EIP is not known)
        jmp     KiTrap06                                ; an invalid opcode in V86 mode
Kfsc91:
        jmp     short Kfsc90                            ; KiFastCallEntry's bad-stack branch lands here

        align 16
; ---------------------------------------------------------------------------------------------------
; KiFastCallEntry - the SYSENTER target (IA32_SYSENTER_EIP), nt+0x6A520.
; CPL 0, CS=08, SS=10, ESP = the DPC stack, IF=0; EAX = service number, EDX = user ESP.
; ---------------------------------------------------------------------------------------------------
KiFastCallEntry:
        mov     ecx, USER_DS                            ; ECX = 23h
        push    KGDT_R0_PCR                             ; (on the DPC stack)
        pop     fs                                      ; FS = 30h: fs:[x] is the KPCR
        mov     ds, ecx                                 ; DS = 23h
        mov     es, ecx                                 ; ES = 23h
        mov     ecx, [fs:KPCR.TSS]                      ; ECX = KPCR.TSS
        mov     esp, [ecx + KTSS.Esp0]                  ; ESP = KTSS.Esp0 = InitialStack - 220h, just above KTRAP_FRAME.V86Es
        push    USER_DS                                 ; KTRAP_FRAME.HardwareSegSs = 23h
        push    edx                                     ; KTRAP_FRAME.HardwareEsp = user ESP
        pushfd                                          ; KTRAP_FRAME.EFlags = user EFLAGS (IF/VM/RF cleared by SYSENTER)
.Kfsc10:
        push    2                                       ; (kernel EFLAGS: only the reserved bit 1)
        add     edx, 8                                  ; EDX = user arguments (past the two return addresses)
        popfd                                           ; kernel EFLAGS = 2: IF, DF, TF, NT, AC, IOPL clear
        or      byte [esp + 1], EFLAGS_IF >> 8          ; KTRAP_FRAME.EFlags |= IF (the saved user flags always have IF)
        push    USER_CS                                 ; KTRAP_FRAME.SegCs = 1Bh
        push    dword [KERNEL_SHARED_SYSTEM_CALL_RETURN] ; KTRAP_FRAME.Eip = SharedUserData->SystemCallReturn (KiFastSystemCallRet)
        push    0                                       ; KTRAP_FRAME.ErrCode = 0
        push    ebp                                     ; KTRAP_FRAME.Ebp = user EBP
        push    ebx                                     ; KTRAP_FRAME.Ebx = user EBX
        push    esi                                     ; KTRAP_FRAME.Esi = user ESI
        push    edi                                     ; KTRAP_FRAME.Edi = user EDI
        mov     ebx, [fs:KPCR.SelfPcr]                  ; EBX = KPCR.SelfPcr
        push    USER_FS                                 ; KTRAP_FRAME.SegFs = 3Bh (constant; the user FS is not read)
        mov     esi, [ebx + KPCR.PrcbData.CurrentThread] ; ESI = KPCR.PrcbData.CurrentThread
        push    dword [ebx + KPCR.NtTib.ExceptionList]  ; KTRAP_FRAME.ExceptionList = KPCR.NtTib.ExceptionList
        mov     dword [ebx + KPCR.NtTib.ExceptionList], EXCEPTION_CHAIN_END ; KPCR.NtTib.ExceptionList = -1 (end of chain)
        mov     ebp, [esi + KTHREAD.InitialStack]       ; EBP = KTHREAD.InitialStack
        push    UserMode                                ; KTRAP_FRAME.PreviousPreviousMode = UserMode
        sub     esp, KTRAP_FRAME.PreviousPreviousMode   ; allocate KTRAP_FRAME.DbgEbp..Eax, below PreviousPreviousMode (not initialised)
        sub     ebp, INITIAL_TRAP_FRAME_BIAS            ; EBP = InitialStack - 29Ch (NPX area + KTRAP_FRAME), where the frame must be
        mov     byte [esi + KTHREAD.PreviousMode], UserMode ; KTHREAD.PreviousMode = UserMode
        cmp     ebp, esp                                ; is ESP where the frame must be?
        jnz     short Kfsc91                            ; no: Esp0 without the non-V86 layout (bad stack)
        and     dword [ebp + KTRAP_FRAME.Dr7], 0        ; KTRAP_FRAME.Dr7 = 0
        test    byte [esi + KTHREAD.DebugActive], 0xFF  ; KTHREAD.DebugActive: is the thread being debugged?
        mov     [esi + KTHREAD.TrapFrame], ebp          ; KTHREAD.TrapFrame = this frame (the previous one is not kept in KTRAP_FRAME.Edx on this path)
        jnz     Dr_FastCallDrSave                       ; yes: save the user's debug registers
Dr_FastCallDrReturn:
        mov     ebx, [ebp + KTRAP_FRAME.Ebp]            ; EBX = KTRAP_FRAME.Ebp
        mov     edi, [ebp + KTRAP_FRAME.Eip]            ; EDI = KTRAP_FRAME.Eip
        mov     [ebp + KTRAP_FRAME.DbgArgPointer], edx  ; KTRAP_FRAME.DbgArgPointer = argument pointer
        mov     dword [ebp + KTRAP_FRAME.DbgArgMark], TRAP_FRAME_MARKER ; KTRAP_FRAME.DbgArgMark = BADB0D00h
        mov     [ebp + KTRAP_FRAME.DbgEbp], ebx         ; KTRAP_FRAME.DbgEbp = user EBP
        mov     [ebp + KTRAP_FRAME.DbgEip], edi         ; KTRAP_FRAME.DbgEip = return EIP
        sti                                             ; interrupts on for the first time
; The common dispatcher (KiFastCallEntry+0x8F; KiSystemService and KiBBTUnexpectedRange jump here).
; EAX = service number, EDX = argument pointer, ESI = current thread, EBP = ESP = trap frame, IF=1.
KiSystemServiceRepeat:
        mov     edi, eax                                ; EDI = service number
        shr     edi, SERVICE_TABLE_SHIFT
        and     edi, SERVICE_TABLE_MASK                 ; EDI = table offset 0/10h/20h/30h
        mov     ecx, edi                                ; ECX = table offset
        add     edi, [esi + KTHREAD.ServiceTable]       ; EDI = the descriptor in KTHREAD.ServiceTable
        mov     ebx, eax                                ; EBX = full service number
        and     eax, SERVICE_NUMBER_MASK                ; EAX = index
        cmp     eax, [edi + KSERVICE_TABLE_DESCRIPTOR.Limit] ; index < KSERVICE_TABLE_DESCRIPTOR.Limit?
        jnb     KiBBTUnexpectedRange                    ; no: out of range
        cmp     ecx, SERVICE_TABLE_TEST                 ; a win32k service?
        jnz     short Kss40                            ; no
        mov     ecx, [fs:KPCR.NtTib.Self]               ; ECX = current TEB (KPCR.NtTib.Self)
        xor     ebx, ebx
KiSystemServiceAccessTeb:
        or      ebx, [ecx + TEB.GdiBatchCount]          ; EBX = TEB.GdiBatchCount (a fault here is fixed up by KiTrap0E)
        jz      short Kss40                            ; nothing batched
        push    edx                                     ; keep the argument pointer
        push    eax                                     ; and the index
        call    dword [KeGdiFlushUserBatch]             ; flush the thread's GDI batch (win32k's routine)
        pop     eax
        pop     edx
Kss40:
        inc     dword [fs:KPCR.PrcbData.KeSystemCalls]  ; KPCR.PrcbData.KeSystemCalls += 1
        mov     esi, edx                                ; ESI = caller's arguments
        mov     ebx, [edi + KSERVICE_TABLE_DESCRIPTOR.Number] ; EBX = KSERVICE_TABLE_DESCRIPTOR.Number (KiArgumentTable)
        xor     ecx, ecx
        mov     cl, [ebx + eax]                         ; ECX = the service's argument bytes
        mov     edi, [edi + KSERVICE_TABLE_DESCRIPTOR.Base] ; EDI = KSERVICE_TABLE_DESCRIPTOR.Base (KiServiceTable)
        mov     ebx, [edi + eax*4]                      ; EBX = the service routine
        sub     esp, ecx                                ; room for the arguments
        shr     ecx, 2                                  ; ECX = argument dwords
        mov     edi, esp                                ; EDI = where they go
        cmp     esi, [MmUserProbeAddress]               ; only the start address is checked
        jnb     kss80                                   ; not a user address
KiSystemServiceCopyArguments:
        rep movsd                                       ; copy the arguments; a fault is fixed up by KiTrap0E
        call    ebx                                     ; the service: EBP = trap frame, stdcall; returns to KiFastCallEntry+0xFC
kss60:
kss61:
        mov     esp, ebp                                ; drop any leftover argument space
kss70:
        mov     ecx, [fs:KPCR.PrcbData.CurrentThread]   ; ECX = KPCR.PrcbData.CurrentThread (the current thread)
        mov     edx, [ebp + KTRAP_FRAME.Edx]            ; EDX = KTRAP_FRAME.Edx (the previous frame)
        mov     [ecx + KTHREAD.TrapFrame], edx          ; KTHREAD.TrapFrame = KTRAP_FRAME.Edx
        ; falls into KiServiceExit

; ---------------------------------------------------------------------------------------------------
; KiServiceExit - the return from an ordinary service (KiFastCallEntry+0x10E). EBP = ESP = trap frame,
; EAX = status.
; ---------------------------------------------------------------------------------------------------
KiServiceExit:
        cli
.apcLoop:
        test    dword [ebp + KTRAP_FRAME.EFlags], EFLAGS_VM ; KTRAP_FRAME.EFlags: returning to V86 mode?
        jnz     short .userMode                         ; yes: user APCs may be delivered
        test    byte [ebp + KTRAP_FRAME.SegCs], MODE_MASK ; KTRAP_FRAME.SegCs: returning to user mode?
        jz      short .noUserApc                        ; no: a kernel caller
.userMode:
        mov     ebx, [fs:KPCR.PrcbData.CurrentThread]   ; EBX = KPCR.PrcbData.CurrentThread (the current thread)
        mov     byte [ebx + KTHREAD.Alerted], 0         ; KTHREAD.Alerted[KernelMode] = FALSE
        cmp     byte [ebx + KTHREAD.ApcState.UserApcPending], 0 ; KTHREAD.ApcState.UserApcPending?
        jz      short .noUserApc                        ; no user APC to deliver
        mov     ebx, ebp                                ; EBX = trap frame
        mov     [ebx + KTRAP_FRAME.Eax], eax            ; KTRAP_FRAME.Eax = service status
        mov     dword [ebx + KTRAP_FRAME.SegFs], USER_FS ; KTRAP_FRAME.SegFs = 3Bh
        mov     dword [ebx + KTRAP_FRAME.SegDs], USER_DS ; KTRAP_FRAME.SegDs = 23h
        mov     dword [ebx + KTRAP_FRAME.SegEs], USER_DS ; KTRAP_FRAME.SegEs = 23h
        mov     dword [ebx + KTRAP_FRAME.SegGs], 0      ; KTRAP_FRAME.SegGs = 0
        mov     ecx, APC_LEVEL                          ; ECX = APC_LEVEL
        call    dword [__imp_@KfRaiseIrql@4]            ; AL = the old IRQL
        push    eax                                     ; keep the old IRQL
        sti
        push    ebx                                     ; TrapFrame
        push    0                                       ; ExceptionFrame = NULL
        push    UserMode                                ; PreviousMode = UserMode
        call    KiDeliverApc                            ; sets up the user APC by editing the frame
        pop     ecx                                     ; ECX = the old IRQL
        call    dword [__imp_@KfLowerIrql@4]            ; back to the old IRQL
        mov     eax, [ebx + KTRAP_FRAME.Eax]            ; EAX = KTRAP_FRAME.Eax (the status, possibly changed)
        cli
        jmp     short .userMode                         ; another user APC?
.noUserApc:
        mov     edx, [esp + KTRAP_FRAME.ExceptionList]  ; EDX = KTRAP_FRAME.ExceptionList
        mov     ebx, [fs:KPCR.DebugActive]              ; EBX = KPCR.DebugActive
        mov     [fs:KPCR.NtTib.ExceptionList], edx      ; KPCR.NtTib.ExceptionList = KTRAP_FRAME.ExceptionList
        mov     ecx, [esp + KTRAP_FRAME.PreviousPreviousMode] ; ECX = KTRAP_FRAME.PreviousPreviousMode
        mov     esi, [fs:KPCR.PrcbData.CurrentThread]   ; ESI = KPCR.PrcbData.CurrentThread (the current thread)
        mov     [esi + KTHREAD.PreviousMode], cl        ; KTHREAD.PreviousMode = KTRAP_FRAME.PreviousPreviousMode
        test    ebx, 0xFF                               ; is the thread being debugged?
        jnz     short .Dr_ExitHelp                      ; yes: load the user's debug registers
.Dr_ExitHelp_Target:
        test    dword [esp + KTRAP_FRAME.EFlags], EFLAGS_VM ; KTRAP_FRAME.EFlags: returning to V86 mode?
        jnz     V86ExitHelp                             ; yes
        test    word [esp + KTRAP_FRAME.SegCs], FRAME_EDITED ; KTRAP_FRAME.SegCs & 0FFF8h = 0: an edited kernel frame?
        jz      .editedFrame                            ; yes: emulate an IRETD to the new ESP
        cmp     word [esp + KTRAP_FRAME.SegCs], USER_CS ; ZF = (KTRAP_FRAME.SegCs == 1Bh)
        bt      word [esp + KTRAP_FRAME.SegCs], 0       ; CF = KTRAP_FRAME.SegCs bit 0 (user mode)
        cmc
        ja      .nonFlatPm                              ; user mode but not CS 1Bh (a VDM LDT code segment)
        cmp     word [ebp + KTRAP_FRAME.SegCs], KGDT_R0_CODE ; KTRAP_FRAME.SegCs: a kernel caller?
        jz      short .kernelCaller                     ; yes: FS stays 30h
.NonFlatPm_Target:
        lea     esp, [ebp + KTRAP_FRAME.SegFs]          ; ESP = &KTRAP_FRAME.SegFs
.popFs:
        pop     fs                                      ; FS = KTRAP_FRAME.SegFs; DS/ES/GS are not restored
.kernelCaller:
        lea     esp, [ebp + KTRAP_FRAME.Edi]            ; ESP = &KTRAP_FRAME.Edi
        pop     edi                                     ; EDI = KTRAP_FRAME.Edi
        pop     esi                                     ; ESI = KTRAP_FRAME.Esi
        pop     ebx                                     ; EBX = KTRAP_FRAME.Ebx
        pop     ebp                                     ; EBP = KTRAP_FRAME.Ebp
        cmp     word [esp + 8], 0x80                    ; KTRAP_FRAME.SegCs > 80h (an ABIOS code segment)?
        ja      AbiosExitHelp                           ; yes
        add     esp, 4                                  ; drop KTRAP_FRAME.ErrCode: [ESP] = Eip, SegCs, EFlags, HardwareEsp, HardwareSegSs
        test    dword [esp + 4], MODE_MASK              ; returning to user mode?
KiSystemCallExitBranch:
        jnz     short KiSystemCallExit                  ; yes: IRETD, or SYSEXIT once KiEnableFastSyscallReturn patched this jump
        pop     edx                                     ; kernel caller: EDX = KTRAP_FRAME.Eip
        pop     ecx                                     ; drop KTRAP_FRAME.SegCs
        popfd                                           ; EFLAGS = KTRAP_FRAME.EFlags (the caller's, including IF)
        jmp     edx                                     ; back to the kernel caller
KiSystemCallExit:
        iretd                                           ; to user mode: EIP, CS, EFLAGS, ESP, SS from the frame
KiSystemCallExit2:
        test    byte [esp + 9], EFLAGS_TF >> 8          ; KTRAP_FRAME.EFlags.TF: single-stepping?
        jnz     short KiSystemCallExit                  ; yes: IRETD, so the step lands after the call
        pop     edx                                     ; EDX = KTRAP_FRAME.Eip (the SYSEXIT target)
        add     esp, 4                                  ; drop KTRAP_FRAME.SegCs
        and     byte [esp + 1], ~(EFLAGS_IF >> 8)       ; clear IF in the EFLAGS image: no interrupt while still on the kernel stack
        popfd                                           ; EFLAGS = KTRAP_FRAME.EFlags without IF
        pop     ecx                                     ; ECX = KTRAP_FRAME.HardwareEsp (the SYSEXIT stack)
        sti                                             ; the STI shadow covers SYSEXIT
.sysexit:
        sysexit                                         ; to user mode: EIP = EDX, ESP = ECX, CS = 1Bh, SS = 23h
        iretd                                           ; never reached

        align 4
; KiServiceExit's out-of-line chunk (XP's function chunk at KiServiceExit+0x10A).
KiServiceExit.Dr_ExitHelp:                              ; the thread is debugged: load the user's debug registers
        test    dword [ebp + KTRAP_FRAME.EFlags], EFLAGS_VM ; KTRAP_FRAME.EFlags: a V86 frame?
        jnz     short .loadDr
        test    dword [ebp + KTRAP_FRAME.SegCs], MODE_MASK ; KTRAP_FRAME.SegCs: a user frame?
        jz      KiServiceExit.Dr_ExitHelp_Target        ; no: the kernel's debug registers stay
.loadDr:
        xor     ebx, ebx
        mov     esi, [ebp + KTRAP_FRAME.Dr0]            ; ESI = KTRAP_FRAME.Dr0
        mov     edi, [ebp + KTRAP_FRAME.Dr1]            ; EDI = KTRAP_FRAME.Dr1
        mov     dr7, ebx                                ; DR7 = 0 while DR0-3 change
        mov     dr0, esi                                ; DR0 = KTRAP_FRAME.Dr0
        mov     ebx, [ebp + KTRAP_FRAME.Dr2]            ; EBX = KTRAP_FRAME.Dr2
        mov     dr1, edi                                ; DR1 = KTRAP_FRAME.Dr1
        mov     dr2, ebx                                ; DR2 = KTRAP_FRAME.Dr2
        mov     esi, [ebp + KTRAP_FRAME.Dr3]            ; ESI = KTRAP_FRAME.Dr3
        mov     edi, [ebp + KTRAP_FRAME.Dr6]            ; EDI = KTRAP_FRAME.Dr6
        mov     ebx, [ebp + KTRAP_FRAME.Dr7]            ; EBX = KTRAP_FRAME.Dr7
        mov     dr3, esi                                ; DR3 = KTRAP_FRAME.Dr3
        mov     dr6, edi                                ; DR6 = KTRAP_FRAME.Dr6
        mov     dr7, ebx                                ; DR7 = KTRAP_FRAME.Dr7
        jmp     KiServiceExit.Dr_ExitHelp_Target
KiServiceExit.nonFlatPm:                                ; user mode with a non-flat CS: restore the segments too
        mov     eax, [esp + KTRAP_FRAME.Eax]            ; EAX = KTRAP_FRAME.Eax, before any selector is loaded
        add     esp, KTRAP_FRAME.SegGs                  ; ESP = &KTRAP_FRAME.SegGs
KiServiceExit.popGs:
        pop     gs                                      ; GS = KTRAP_FRAME.SegGs
KiServiceExit.popEs:
        pop     es                                      ; ES = KTRAP_FRAME.SegEs
KiServiceExit.popDs:
        pop     ds                                      ; DS = KTRAP_FRAME.SegDs
        pop     edx                                     ; EDX = KTRAP_FRAME.Edx
        pop     ecx                                     ; ECX = KTRAP_FRAME.Ecx
        jmp     KiServiceExit.NonFlatPm_Target
KiServiceExit.editedFrame:                              ; an edited kernel frame: IRETD to KTRAP_FRAME.TempEsp
        mov     ebx, [esp + KTRAP_FRAME.TempSegCs]      ; EBX = KTRAP_FRAME.TempSegCs
        mov     [esp + KTRAP_FRAME.SegCs], ebx          ; KTRAP_FRAME.SegCs = TempSegCs (the real CS)
        mov     ebx, [esp + KTRAP_FRAME.TempEsp]        ; EBX = KTRAP_FRAME.TempEsp
        sub     ebx, 12                                 ; T = TempEsp - 12: room for EIP, CS, EFLAGS
        mov     [esp + KTRAP_FRAME.ErrCode], ebx        ; KTRAP_FRAME.ErrCode = T (scratch new ESP)
        mov     esi, [esp + KTRAP_FRAME.EFlags]         ; ESI = KTRAP_FRAME.EFlags
        mov     [ebx + 8], esi                          ; [T+8] = EFLAGS
        mov     esi, [esp + KTRAP_FRAME.SegCs]          ; ESI = KTRAP_FRAME.SegCs
        mov     [ebx + 4], esi                          ; [T+4] = CS
        mov     esi, [esp + KTRAP_FRAME.Eip]            ; ESI = KTRAP_FRAME.Eip
        mov     [ebx], esi                              ; [T] = EIP
        add     esp, KTRAP_FRAME.Edi                    ; ESP = &KTRAP_FRAME.Edi
        pop     edi                                     ; EDI = KTRAP_FRAME.Edi
        pop     esi                                     ; ESI = KTRAP_FRAME.Esi
        pop     ebx                                     ; EBX = KTRAP_FRAME.Ebx
        pop     ebp                                     ; EBP = KTRAP_FRAME.Ebp
        mov     esp, [esp]                              ; ESP = T
KiServiceExit.editedIret:
        iretd                                           ; EIP, CS, EFLAGS from the new stack

; kss80 - the argument pointer is not a user address (KiFastCallEntry's chunk at +0x2A0).
kss80:
        test    byte [ebp + KTRAP_FRAME.SegCs], MODE_MASK ; KTRAP_FRAME.SegCs: a user caller?
        jz      KiSystemServiceCopyArguments            ; no: a kernel caller copies anyway
        mov     eax, STATUS_ACCESS_VIOLATION            ; EAX = STATUS_ACCESS_VIOLATION; the service is not called
        jmp     kss60

; ===================================================================================================
; KiServiceExit2 - full-state exit (NT-FACTS §6.2): NtContinue, thread start, exception returns.
; EBP = ESP = trap frame holding a complete context. Always ends in IRETD.
; ===================================================================================================
KiServiceExit2:
        cli
        call    KiUserApcLoop
        mov     edx, [ebp + KTRAP_FRAME.ExceptionList]  ; EDX = KTRAP_FRAME.ExceptionList
        mov     [fs:KPCR.NtTib.ExceptionList], edx      ; KPCR.NtTib.ExceptionList = KTRAP_FRAME.ExceptionList
        mov     ecx, [ebp + KTRAP_FRAME.PreviousPreviousMode] ; ECX = KTRAP_FRAME.PreviousPreviousMode
        mov     esi, [fs:KPCR.PrcbData.CurrentThread]   ; ESI = KPCR.PrcbData.CurrentThread
        mov     [esi + KTHREAD.PreviousMode], cl        ; KTHREAD.PreviousMode = KTRAP_FRAME.PreviousPreviousMode
        jmp     KiExitAll

; ===================================================================================================
; KiExceptionExit - return from a trap (WRK EXIT_ALL without the PreviousMode restore).
; EBP = trap frame. Always ends in IRETD.
; ===================================================================================================
KiExceptionExit:
        cli
        mov     esp, ebp
        call    KiUserApcLoop
        mov     edx, [ebp + KTRAP_FRAME.ExceptionList]  ; EDX = KTRAP_FRAME.ExceptionList
        mov     [fs:KPCR.NtTib.ExceptionList], edx      ; KPCR.NtTib.ExceptionList = KTRAP_FRAME.ExceptionList
        ; fall into KiExitAll

; KiExitAll - restore everything in the frame at EBP, volatiles included, and IRETD.
KiExitAll:
        mov     esp, ebp
        test    byte [fs:KPCR.DebugActive], 0xFF        ; test KPCR.DebugActive
        jz      .drDone
        call    KiRestoreDebugRegisters
.drDone:
        test    dword [esp + KTRAP_FRAME.EFlags], EFLAGS_VM ; test KTRAP_FRAME.EFlags
        jnz     V86ExitHelp
        test    word [esp + KTRAP_FRAME.SegCs], FRAME_EDITED ; test KTRAP_FRAME.SegCs
        jz      .editedFrame
.volatiles:
        mov     edx, [esp + KTRAP_FRAME.Edx]            ; EDX = KTRAP_FRAME.Edx
        mov     ecx, [esp + KTRAP_FRAME.Ecx]            ; ECX = KTRAP_FRAME.Ecx
        mov     eax, [esp + KTRAP_FRAME.Eax]            ; EAX = KTRAP_FRAME.Eax
        cmp     word [esp + KTRAP_FRAME.SegCs], KGDT_R0_CODE ; compare KTRAP_FRAME.SegCs
        je      .fs                                     ; a kernel frame keeps DS/ES/GS
        lea     esp, [ebp + KTRAP_FRAME.SegGs]          ; ESP = &KTRAP_FRAME.SegGs
.popGs:
        pop     gs                                      ; GS = KTRAP_FRAME.SegGs
.popEs:
        pop     es                                      ; ES = KTRAP_FRAME.SegEs
.popDs:
        pop     ds                                      ; DS = KTRAP_FRAME.SegDs
.fs:
        lea     esp, [ebp + KTRAP_FRAME.SegFs]          ; ESP = &KTRAP_FRAME.SegFs
.popFs:
        pop     fs                                      ; FS = KTRAP_FRAME.SegFs
        pop     edi
        pop     esi
        pop     ebx
        pop     ebp
        add     esp, 4                                  ; drop ErrCode
.iret:
        iretd

.editedFrame:                                           ; an edited kernel frame, with the volatiles restored
        mov     ebx, [esp + KTRAP_FRAME.TempSegCs]      ; EBX = KTRAP_FRAME.TempSegCs
        mov     [esp + KTRAP_FRAME.SegCs], ebx          ; KTRAP_FRAME.SegCs = TempSegCs
        mov     ebx, [esp + KTRAP_FRAME.TempEsp]        ; EBX = KTRAP_FRAME.TempEsp
        sub     ebx, 12
        mov     [esp + KTRAP_FRAME.ErrCode], ebx        ; KTRAP_FRAME.ErrCode = T (scratch new ESP)
        mov     esi, [esp + KTRAP_FRAME.EFlags]         ; ESI = KTRAP_FRAME.EFlags
        mov     [ebx + 8], esi
        mov     esi, [esp + KTRAP_FRAME.SegCs]          ; ESI = KTRAP_FRAME.SegCs
        mov     [ebx + 4], esi
        mov     esi, [esp + KTRAP_FRAME.Eip]            ; ESI = KTRAP_FRAME.Eip
        mov     [ebx], esi
        mov     eax, [esp + KTRAP_FRAME.Eax]            ; EAX = KTRAP_FRAME.Eax
        mov     edx, [esp + KTRAP_FRAME.Edx]            ; EDX = KTRAP_FRAME.Edx
        mov     ecx, [esp + KTRAP_FRAME.Ecx]            ; ECX = KTRAP_FRAME.Ecx
        lea     esp, [ebp + KTRAP_FRAME.Edi]            ; ESP = &KTRAP_FRAME.Edi
        pop     edi
        pop     esi
        pop     ebx
        pop     ebp
        mov     esp, [esp]                              ; ESP = T
        iretd

; KiUserApcLoop - DISPATCH_USER_APC for KiServiceExit2/KiExceptionExit: no status store, no segment
; forcing (the frame already holds a complete context). In: EBP = trap frame, IF=0.
; Out: IF=0, no user APC pending. Changes EAX, EBX, ECX, EDX.
KiUserApcLoop:
        test    dword [ebp + KTRAP_FRAME.EFlags], EFLAGS_VM ; test KTRAP_FRAME.EFlags
        jnz     .userMode
        test    byte [ebp + KTRAP_FRAME.SegCs], MODE_MASK ; test KTRAP_FRAME.SegCs
        jz      .done
.userMode:
        mov     ebx, [fs:KPCR.PrcbData.CurrentThread]   ; EBX = KPCR.PrcbData.CurrentThread
        mov     byte [ebx + KTHREAD.Alerted], 0         ; KTHREAD.Alerted[KernelMode] = FALSE
        cmp     byte [ebx + KTHREAD.ApcState.UserApcPending], 0 ; compare KTHREAD.ApcState.UserApcPending
        je      .done
        mov     ecx, APC_LEVEL
        call    KfRaiseIrql
        push    eax
        sti
        push    ebp                                     ; TrapFrame
        push    0                                       ; ExceptionFrame = NULL
        push    UserMode                                ; PreviousMode = UserMode
        call    KiDeliverApc
        pop     ecx
        call    KfLowerIrql
        cli
        jmp     KiUserApcLoop
.done:
        ret

; KiSaveDebugRegisters - Dr_FastCallDrSave / Dr_kss_a: for a user or V86 frame at EBP, save DR0-3,
; DR6, DR7 into it, clear DR7, then load the kernel's DRs from KPRCB.ProcessorState.SpecialRegisters.
; Changes EBX, ECX, EDI.
KiSaveDebugRegisters:
        test    dword [ebp + KTRAP_FRAME.EFlags], EFLAGS_VM ; test KTRAP_FRAME.EFlags
        jnz     .save
        test    byte [ebp + KTRAP_FRAME.SegCs], MODE_MASK ; test KTRAP_FRAME.SegCs
        jz      .done
.save:
        mov     ebx, dr0
        mov     ecx, dr1
        mov     edi, dr2
        mov     [ebp + KTRAP_FRAME.Dr0], ebx            ; KTRAP_FRAME.Dr0 = DR0
        mov     [ebp + KTRAP_FRAME.Dr1], ecx            ; KTRAP_FRAME.Dr1 = DR1
        mov     [ebp + KTRAP_FRAME.Dr2], edi            ; KTRAP_FRAME.Dr2 = DR2
        mov     ebx, dr3
        mov     ecx, dr6
        mov     edi, dr7
        mov     [ebp + KTRAP_FRAME.Dr3], ebx            ; KTRAP_FRAME.Dr3 = DR3
        xor     ebx, ebx
        mov     [ebp + KTRAP_FRAME.Dr6], ecx            ; KTRAP_FRAME.Dr6 = DR6
        mov     [ebp + KTRAP_FRAME.Dr7], edi            ; KTRAP_FRAME.Dr7 = DR7
        mov     dr7, ebx
        mov     edi, [fs:KPCR.Prcb]                     ; EDI = KPCR.Prcb
        mov     ebx, [edi + KPRCB.ProcessorState.SpecialRegisters.KernelDr0] ; EBX = KPRCB.ProcessorState.SpecialRegisters.KernelDr0
        mov     ecx, [edi + KPRCB.ProcessorState.SpecialRegisters.KernelDr1] ; ECX = KPRCB.ProcessorState.SpecialRegisters.KernelDr1
        mov     dr0, ebx
        mov     dr1, ecx
        mov     ebx, [edi + KPRCB.ProcessorState.SpecialRegisters.KernelDr2] ; EBX = KPRCB.ProcessorState.SpecialRegisters.KernelDr2
        mov     ecx, [edi + KPRCB.ProcessorState.SpecialRegisters.KernelDr3] ; ECX = KPRCB.ProcessorState.SpecialRegisters.KernelDr3
        mov     dr2, ebx
        mov     dr3, ecx
        mov     ebx, [edi + KPRCB.ProcessorState.SpecialRegisters.KernelDr6] ; EBX = KPRCB.ProcessorState.SpecialRegisters.KernelDr6
        mov     ecx, [edi + KPRCB.ProcessorState.SpecialRegisters.KernelDr7] ; ECX = KPRCB.ProcessorState.SpecialRegisters.KernelDr7
        mov     dr6, ebx
        mov     dr7, ecx
.done:
        ret

; KiRestoreDebugRegisters - Dr_ExitHelp: for a user or V86 frame at EBP, clear DR7, load DR0-3 and
; DR6 from the frame, then DR7. Changes EBX, ESI, EDI (reloaded from the frame afterwards).
KiRestoreDebugRegisters:
        test    dword [ebp + KTRAP_FRAME.EFlags], EFLAGS_VM ; test KTRAP_FRAME.EFlags
        jnz     .load
        test    byte [ebp + KTRAP_FRAME.SegCs], MODE_MASK ; test KTRAP_FRAME.SegCs
        jz      .done
.load:
        xor     ebx, ebx
        mov     esi, [ebp + KTRAP_FRAME.Dr0]            ; ESI = KTRAP_FRAME.Dr0
        mov     edi, [ebp + KTRAP_FRAME.Dr1]            ; EDI = KTRAP_FRAME.Dr1
        mov     dr7, ebx
        mov     dr0, esi
        mov     dr1, edi
        mov     esi, [ebp + KTRAP_FRAME.Dr2]            ; ESI = KTRAP_FRAME.Dr2
        mov     edi, [ebp + KTRAP_FRAME.Dr3]            ; EDI = KTRAP_FRAME.Dr3
        mov     dr2, esi
        mov     dr3, edi
        mov     esi, [ebp + KTRAP_FRAME.Dr6]            ; ESI = KTRAP_FRAME.Dr6
        mov     edi, [ebp + KTRAP_FRAME.Dr7]            ; EDI = KTRAP_FRAME.Dr7
        mov     dr6, esi
        mov     dr7, edi
.done:
        ret


        times KI_V86_EXIT_RVA - ($ - $$) db 0xCC        ; (padding up to XP's V86ExitHelp)

; V86ExitHelp - KiServiceExit and KiExitAll for a frame that returns to V86 mode (nt+0x6AFD8, where
; KiServiceExit's jnz lands on XP): the volatiles, the non-volatiles, then IRETD, which pops the V86 segments.
V86ExitHelp:
        mov     edx, [esp + KTRAP_FRAME.Edx]            ; EDX = KTRAP_FRAME.Edx
        mov     ecx, [esp + KTRAP_FRAME.Ecx]            ; ECX = KTRAP_FRAME.Ecx
        mov     eax, [esp + KTRAP_FRAME.Eax]            ; EAX = KTRAP_FRAME.Eax
        lea     esp, [ebp + KTRAP_FRAME.Edi]            ; ESP = &KTRAP_FRAME.Edi
        pop     edi                                     ; EDI = KTRAP_FRAME.Edi
        pop     esi                                     ; ESI = KTRAP_FRAME.Esi
        pop     ebx                                     ; EBX = KTRAP_FRAME.Ebx
        pop     ebp                                     ; EBP = KTRAP_FRAME.Ebp
        add     esp, 4                                  ; drop KTRAP_FRAME.ErrCode
.iret:
        iretd                                           ; EIP, CS, EFLAGS, ESP, SS and the four V86 segments from the frame

        times KI_ABIOS_EXIT_RVA - ($ - $$) db 0xCC      ; (padding up to XP's AbiosExitHelp)

; AbiosExitHelp - KiServiceExit for a frame whose CS is above 80h (nt+0x6AFF4). XP switches back from an
; ABIOS 16-bit stack here; ntgate has no ABIOS selectors (choice), so it drops KTRAP_FRAME.ErrCode and
; returns with IRETD, which checks the CS it loads.
AbiosExitHelp:
        add     esp, 4                                  ; drop KTRAP_FRAME.ErrCode
.iret:
        iretd                                           ; EIP, CS, EFLAGS (ESP, SS) from the frame

; ===================================================================================================
; KiStartUserThread - the initial entry of a user thread: it reaches ring 3 the way NT starts one,
; through the kernel's exit path (KiServiceExit2, IRETD). EBP = the prepared frame (see the
; initial-thread contract at the top). Pending user APCs are delivered on the way out.
; ===================================================================================================
KiStartUserThread:
        mov     esp, ebp
        jmp     KiServiceExit2

; ===================================================================================================
; NtContinue(Context, TestAlert) - service 20h (NT-FACTS §8.5). EBP = trap frame (dispatcher contract).
; Success leaves through KiServiceExit2 (IRETD, full context); failure returns the status normally.
; ===================================================================================================
NtContinue:
        mov     esi, [fs:KPCR.PrcbData.CurrentThread]   ; ESI = KPCR.PrcbData.CurrentThread
        mov     ebx, [ebp + KTRAP_FRAME.Edx]            ; EBX = KTRAP_FRAME.Edx
        mov     [esi + KTHREAD.TrapFrame], ebx          ; KTHREAD.TrapFrame = KTRAP_FRAME.Edx (previous frame), at once
        push    ebp                                     ; TrapFrame
        push    0                                       ; ExceptionFrame = NULL
        push    dword [esp + 4 + 8]                     ; Context
        call    KiContinue                              ; CONTEXT -> trap frame
        or      eax, eax
        jnz     .failed
        cmp     byte [esp + 8], 0                       ; TestAlert?
        je      .exit
        movzx   eax, byte [esi + KTHREAD.PreviousMode]  ; EAX = KTHREAD.PreviousMode
        push    eax                                     ; AlertMode = PreviousMode
        call    KeTestAlertThread                       ; may set UserApcPending: the next APC runs at once
.exit:
        mov     esp, ebp
        jmp     KiServiceExit2
.failed:
        ret     8                                       ; back to kss60 -> KiServiceExit with the status

; ===================================================================================================
; NtRaiseException(ExceptionRecord, Context, FirstChance) - service B5h (NT-FACTS §10.3; WRK trap.asm
; _NtRaiseException). EBP = trap frame (dispatcher contract). The CONTEXT becomes the trap frame and
; the exception is dispatched from there: success leaves through KiServiceExit2 (IRETD into
; KiUserExceptionDispatcher, or nowhere when the process ended); failure returns the status normally.
; ===================================================================================================
NtRaiseException:
        mov     esi, [fs:KPCR.PrcbData.CurrentThread]   ; ESI = KPCR.PrcbData.CurrentThread
        mov     ebx, [ebp + KTRAP_FRAME.Edx]            ; EBX = KTRAP_FRAME.Edx
        mov     [esi + KTHREAD.TrapFrame], ebx          ; KTHREAD.TrapFrame = KTRAP_FRAME.Edx (previous frame), at once
        mov     ebx, [ebp + KTRAP_FRAME.ExceptionList]  ; EBX = KTRAP_FRAME.ExceptionList
        mov     [fs:KPCR.NtTib.ExceptionList], ebx      ; KPCR.NtTib.ExceptionList = KTRAP_FRAME.ExceptionList
        push    dword [esp + 12]                        ; FirstChance
        push    ebp                                     ; TrapFrame
        push    0                                       ; ExceptionFrame = NULL
        push    dword [esp + 8 + 12]                    ; Context
        push    dword [esp + 4 + 16]                    ; ExceptionRecord
        call    KiRaiseException                        ; CONTEXT -> trap frame, then KiDispatchException
        or      eax, eax
        jnz     .failed
        mov     esp, ebp
        jmp     KiServiceExit2
.failed:
        ret     0x0C                                    ; back to kss60 -> KiServiceExit with the status

; ===================================================================================================
; Trap entries. Each pushes the error code (or a dummy 0 where the CPU pushes none) and EBP, puts the
; address of its body in EBP and joins KiTrapEnter, which builds the rest of the KTRAP_FRAME.
; A body runs with EBP = ESP = trap frame, FS=30h, DS=ES=23h, IF=0, DF=0.
; A user-mode fault is dispatched (KiCommonDispatchException -> KiExceptionExit); a kernel-mode fault
; outside a fixup is a bug check. Stop-code choice: KERNEL_MODE_EXCEPTION_NOT_HANDLED (8Eh: code,
; address, trap frame, 0) for exceptions, PAGE_FAULT_IN_NONPAGED_AREA (50h: address, write, EIP, 0)
; for an unresolvable kernel page fault on a system address, UNEXPECTED_KERNEL_MODE_TRAP (7Fh:
; vector, 0, 0, 0) for the traps the kernel never expects.
; ===================================================================================================
KiTrap00:                                               ; #DE, no error code
        push    0                                       ; KTRAP_FRAME.ErrCode = 0 (dummy)
        push    ebp                                     ; KTRAP_FRAME.Ebp
        mov     ebp, .body
        jmp     KiTrapEnter
.body:
        mov     eax, STATUS_INTEGER_DIVIDE_BY_ZERO
        jmp     KiTrapSimpleException

KiTrap01:                                               ; #DB (trap), no error code
        push    0                                       ; KTRAP_FRAME.ErrCode = 0 (dummy)
        push    ebp                                     ; KTRAP_FRAME.Ebp
        mov     ebp, .body
        jmp     KiTrapEnter
.body:
        ; (XP's VdmAlert fast-BOP check is omitted: ntgate has no VDM.)
        cmp     dword [ebp + KTRAP_FRAME.Eip], KiFastCallEntry ; compare KTRAP_FRAME.Eip
        jne     .notFastCall
        ; Single-stepped into SYSENTER (§10.4): restart at KiFastCallEntry2 without TF.
        mov     dword [ebp + KTRAP_FRAME.Eip], KiFastCallEntry2 ; KTRAP_FRAME.Eip = KiFastCallEntry2
        and     dword [ebp + KTRAP_FRAME.EFlags], ~EFLAGS_TF ; KTRAP_FRAME.EFlags &= ~TF
        jmp     KiExceptionExit
.notFastCall:
        and     dword [ebp + KTRAP_FRAME.EFlags], ~EFLAGS_TF ; KTRAP_FRAME.EFlags &= ~TF
        mov     eax, STATUS_SINGLE_STEP
        jmp     KiTrapSimpleException

KiTrap03:                                               ; #BP (int 3), no error code
        push    0                                       ; KTRAP_FRAME.ErrCode = 0 (dummy)
        push    ebp                                     ; KTRAP_FRAME.Ebp
        mov     ebp, .body
        jmp     KiTrapEnter
.body:
        test    dword [ebp + KTRAP_FRAME.EFlags], EFLAGS_VM ; test KTRAP_FRAME.EFlags
        jnz     .user
        test    byte [ebp + KTRAP_FRAME.SegCs], MODE_MASK ; test KTRAP_FRAME.SegCs
        jz      .kernel
.user:
        mov     eax, STATUS_BREAKPOINT
        mov     ebx, [ebp + KTRAP_FRAME.Eip]            ; EBX = KTRAP_FRAME.Eip
        dec     ebx                                     ; ExceptionAddress = the int 3 (KiDispatchException does Eip-- itself)
        mov     ecx, 1
        xor     edx, edx                                ; Parameter[0] = BREAKPOINT_BREAK
        jmp     KiCommonDispatchException
.kernel:
        mov     eax, STATUS_BREAKPOINT
        jmp     KiBugCheckKernelException

KiTrap04:                                               ; #OF, no error code
        push    0                                       ; KTRAP_FRAME.ErrCode = 0 (dummy)
        push    ebp                                     ; KTRAP_FRAME.Ebp
        mov     ebp, .body
        jmp     KiTrapEnter
.body:
        mov     eax, STATUS_INTEGER_OVERFLOW
        jmp     KiTrapSimpleException

KiTrap05:                                               ; #BR, no error code
        push    0                                       ; KTRAP_FRAME.ErrCode = 0 (dummy)
        push    ebp                                     ; KTRAP_FRAME.Ebp
        mov     ebp, .body
        jmp     KiTrapEnter
.body:
        mov     eax, STATUS_ARRAY_BOUNDS_EXCEEDED
        jmp     KiTrapSimpleException

KiTrap06:                                               ; #UD, no error code
        push    0                                       ; KTRAP_FRAME.ErrCode = 0 (dummy)
        push    ebp                                     ; KTRAP_FRAME.Ebp
        mov     ebp, .body
        jmp     KiTrapEnter
.body:
        mov     eax, STATUS_ILLEGAL_INSTRUCTION
        jmp     KiTrapSimpleException

KiTrap0D:                                               ; #GP, error code pushed by the CPU
        push    ebp                                     ; KTRAP_FRAME.Ebp
        mov     ebp, .body
        jmp     KiTrapEnter
.body:
        test    dword [ebp + KTRAP_FRAME.EFlags], EFLAGS_VM ; test KTRAP_FRAME.EFlags
        jnz     .user
        test    byte [ebp + KTRAP_FRAME.SegCs], MODE_MASK ; test KTRAP_FRAME.SegCs
        jnz     .user
        ; Kernel mode: a fault of the exit path on the way to user mode?
        call    KiClassifyExitFault
        cmp     eax, 1
        je      .zeroSelector
        cmp     eax, 2
        je      .iretFault
        ; The lazy DS/ES reload of an int 2Eh caller's bad selectors (§10.5).
        cmp     word [ebp + KTRAP_FRAME.SegDs], USER_DS ; compare KTRAP_FRAME.SegDs
        je      .checkEs
        mov     dword [ebp + KTRAP_FRAME.SegDs], USER_DS ; KTRAP_FRAME.SegDs = 23h
        jmp     KiExceptionExit                         ; restart the instruction with DS = 23h
.checkEs:
        cmp     word [ebp + KTRAP_FRAME.SegEs], USER_DS ; compare KTRAP_FRAME.SegEs
        je      .kernel
        mov     dword [ebp + KTRAP_FRAME.SegEs], USER_DS ; KTRAP_FRAME.SegEs = 23h
        jmp     KiExceptionExit
.kernel:
        mov     eax, STATUS_ACCESS_VIOLATION
        jmp     KiBugCheckKernelException
.zeroSelector:
        ; A POP of a bad selector: zero the selector in the frame being restored (the dword the POP reads, at
        ; the faulting ESP = &KTRAP_FRAME.HardwareEsp of this same-ring frame) and retry: a null selector always
        ; loads, and the thread meets the null selector when it uses it.
        mov     dword [ebp + KTRAP_FRAME.HardwareEsp], 0 ; the interrupted frame's selector slot = 0 (same-ring #GP: no HardwareEsp here)
        jmp     KiExceptionExit
.iretFault:
        ; The IRETD to user mode refused the frame it was given (a CS or SS a CONTEXT supplied: RPL 3 on a
        ; kernel segment, a data segment as CS, a null SS, a selector past the GDT). The fault frame sits just
        ; below the IRETD frame, so KTRAP_FRAME.HardwareEsp.. of this frame hold the EIP, CS, EFLAGS, ESP and SS
        ; being restored, and the registers the exit path had already loaded are in the rest of it. Make this
        ; the frame of a user-mode fault at that EIP and raise the access violation there (WRK Kt0d: the fault
        ; is reflected to the thread, the kernel goes on).
        mov     eax, [ebp + KTRAP_FRAME.HardwareEsp]    ; EAX = KTRAP_FRAME.HardwareEsp: the EIP being restored
        mov     ecx, [ebp + KTRAP_FRAME.HardwareSegSs]  ; ECX = KTRAP_FRAME.HardwareSegSs: the CS being restored
        mov     edx, [ebp + KTRAP_FRAME.V86Es]          ; EDX = KTRAP_FRAME.V86Es: the EFLAGS being restored
        mov     ebx, [ebp + KTRAP_FRAME.V86Ds]          ; EBX = KTRAP_FRAME.V86Ds: the ESP being restored
        mov     esi, [ebp + KTRAP_FRAME.V86Fs]          ; ESI = KTRAP_FRAME.V86Fs: the SS being restored
        mov     [ebp + KTRAP_FRAME.Eip], eax            ; KTRAP_FRAME.Eip = the user EIP
        mov     [ebp + KTRAP_FRAME.SegCs], ecx          ; KTRAP_FRAME.SegCs = the user CS
        mov     [ebp + KTRAP_FRAME.EFlags], edx         ; KTRAP_FRAME.EFlags = the user EFLAGS
        mov     [ebp + KTRAP_FRAME.HardwareEsp], ebx    ; KTRAP_FRAME.HardwareEsp = the user ESP
        mov     [ebp + KTRAP_FRAME.HardwareSegSs], esi  ; KTRAP_FRAME.HardwareSegSs = the user SS
        or      dword [ebp + KTRAP_FRAME.SegCs], MODE_MASK ; KTRAP_FRAME.SegCs |= 1: a user frame whatever RPL the bad CS had
        jmp     .accessViolation
.user:
        ; A #GP(0) on a privileged instruction is STATUS_PRIVILEGED_INSTRUCTION (XP Kt0d; ReactOS
        ; KiTrap0DHandler has the same tables): skip up to 15 prefixes, then test the opcode. The bytes were
        ; just fetched by the CPU, so reading them here does not fault.
        cmp     dword [ebp + KTRAP_FRAME.ErrCode], 0    ; compare KTRAP_FRAME.ErrCode
        jne     .accessViolation                        ; a selector error code: not an instruction class
        test    dword [ebp + KTRAP_FRAME.EFlags], EFLAGS_VM ; test KTRAP_FRAME.EFlags
        jnz     .accessViolation                        ; (no VDM in ntgate)
        mov     esi, [ebp + KTRAP_FRAME.Eip]            ; KTRAP_FRAME.Eip: ESI = the faulting instruction
        mov     ecx, 15                                 ; an instruction is at most 15 bytes
.prefix:
        mov     al, [esi]                               ; AL = next byte
        cmp     al, 0x26                                ; ES:
        je      .skipPrefix
        cmp     al, 0x2E                                ; CS:
        je      .skipPrefix
        cmp     al, 0x36                                ; SS:
        je      .skipPrefix
        cmp     al, 0x3E                                ; DS:
        je      .skipPrefix
        cmp     al, 0x64                                ; FS:
        je      .skipPrefix
        cmp     al, 0x65                                ; GS:
        je      .skipPrefix
        cmp     al, 0x66                                ; operand size
        je      .skipPrefix
        cmp     al, 0x67                                ; address size
        je      .skipPrefix
        cmp     al, 0xF0                                ; LOCK
        je      .skipPrefix
        cmp     al, 0xF2                                ; REPNE
        je      .skipPrefix
        cmp     al, 0xF3                                ; REP
        jne     .opcode
.skipPrefix:
        inc     esi
        dec     ecx
        jnz     .prefix
        mov     eax, STATUS_ILLEGAL_INSTRUCTION         ; nothing but prefixes: too long
        jmp     KiTrapSimpleException.user
.opcode:
        cmp     al, 0xF4                                ; HLT
        je      .privileged
        cmp     al, 0x0F
        je      .twoByte
        mov     edx, [ebp + KTRAP_FRAME.EFlags]         ; EDX = KTRAP_FRAME.EFlags
        shr     edx, 12
        and     edx, 3                                  ; EDX = IOPL
        mov     ebx, [ebp + KTRAP_FRAME.SegCs]          ; EBX = KTRAP_FRAME.SegCs
        and     ebx, 3                                  ; EBX = CPL of the faulting code
        cmp     ebx, edx
        jbe     .accessViolation                        ; CPL <= IOPL: not an I/O-privilege fault
        cmp     al, 0xFA                                ; CLI
        je      .privileged
        cmp     al, 0xFB                                ; STI
        je      .privileged
        mov     dl, al
        and     dl, 0xF4
        cmp     dl, 0xE4                                ; IN/OUT imm8 (E4-E7) or DX (EC-EF)
        je      .privileged
        mov     dl, al
        and     dl, 0xFC
        cmp     dl, 0x6C                                ; INS/OUTS (6C-6F)
        je      .privileged
        jmp     .accessViolation
.twoByte:
        mov     al, [esi + 1]                           ; AL = second opcode byte
        mov     dl, [esi + 2]
        and     dl, 0x38                                ; DL = ModRM.reg
        cmp     al, 0x00                                ; group 6
        jne     .group7
        cmp     dl, 0x10                                ; LLDT
        je      .privileged
        cmp     dl, 0x18                                ; LTR
        je      .privileged
        jmp     .accessViolation
.group7:
        cmp     al, 0x01                                ; group 7
        jne     .others
        cmp     dl, 0x10                                ; LGDT
        je      .privileged
        cmp     dl, 0x18                                ; LIDT
        je      .privileged
        cmp     dl, 0x30                                ; LMSW
        je      .privileged
        cmp     dl, 0x38                                ; INVLPG
        je      .privileged
        jmp     .accessViolation
.others:
        cmp     al, 0x06                                ; CLTS
        je      .privileged
        cmp     al, 0x08                                ; INVD
        je      .privileged
        cmp     al, 0x09                                ; WBINVD
        je      .privileged
        cmp     al, 0x30                                ; WRMSR
        je      .privileged
        cmp     al, 0x32                                ; RDMSR
        je      .privileged
        cmp     al, 0x33                                ; RDPMC
        je      .privileged
        cmp     al, 0x35                                ; SYSEXIT
        je      .privileged
        mov     dl, al
        and     dl, 0xF8
        cmp     dl, 0x20                                ; MOV to/from CRn, DRn, TRn (0F 20-27)
        jne     .accessViolation
.privileged:
        mov     eax, STATUS_PRIVILEGED_INSTRUCTION      ; no parameters, address = the instruction
        jmp     KiTrapSimpleException.user
.accessViolation:
        mov     eax, STATUS_ACCESS_VIOLATION
        mov     ebx, [ebp + KTRAP_FRAME.Eip]            ; EBX = KTRAP_FRAME.Eip
        mov     ecx, 2
        xor     edx, edx                                ; Parameter[0] = 0 (read)
        mov     esi, 0xFFFFFFFF                         ; Parameter[1] = -1 (no address)
        jmp     KiCommonDispatchException

KiTrap0E:                                               ; #PF, error code pushed by the CPU
        push    ebp                                     ; KTRAP_FRAME.Ebp
        mov     ebp, .body
        jmp     KiTrapEnter
.body:
        mov     edi, cr2                                ; EDI = faulting address
        mov     eax, [ebp + KTRAP_FRAME.SegCs]          ; EAX = KTRAP_FRAME.SegCs
        and     eax, MODE_MASK
        test    dword [ebp + KTRAP_FRAME.EFlags], EFLAGS_VM ; test KTRAP_FRAME.EFlags
        jz      .mode
        mov     eax, UserMode
.mode:
        mov     ecx, [ebp + KTRAP_FRAME.ErrCode]        ; ECX = KTRAP_FRAME.ErrCode
        shr     ecx, 1
        and     ecx, 1                                  ; StoreInstruction = ErrCode bit 1
        movzx   edx, byte [fs:KPCR.Irql]                ; EDX = KPCR.Irql
        cmp     edx, DISPATCH_LEVEL
        jae     .irql                                   ; nothing may page at DISPATCH_LEVEL or above
        push    ebp                                     ; TrapInformation
        push    eax                                     ; PreviousMode of the faulting frame
        push    edi                                     ; VirtualAddress
        push    ecx                                     ; StoreInstruction
        call    MmAccessFault
        test    eax, eax
        jge     KiExceptionExit                         ; resolved: retry the instruction
        test    dword [ebp + KTRAP_FRAME.EFlags], EFLAGS_VM ; test KTRAP_FRAME.EFlags
        jnz     .user
        test    byte [ebp + KTRAP_FRAME.SegCs], MODE_MASK ; test KTRAP_FRAME.SegCs
        jnz     .user
        ; Kernel mode: the argument-copy and TEB-read fixups (§10.1).
        cmp     dword [ebp + KTRAP_FRAME.Eip], KiSystemServiceCopyArguments ; compare KTRAP_FRAME.Eip
        je      .fixupCopy
        cmp     dword [ebp + KTRAP_FRAME.Eip], KiSystemServiceAccessTeb ; compare KTRAP_FRAME.Eip
        je      .fixupTeb
        cmp     edi, MM_SYSTEM_RANGE_START
        jb      .kernelUser
        mov     ecx, [ebp + KTRAP_FRAME.ErrCode]        ; ECX = KTRAP_FRAME.ErrCode
        shr     ecx, 1
        and     ecx, 1
        push    0
        push    dword [ebp + KTRAP_FRAME.Eip]           ; push KTRAP_FRAME.Eip
        push    ecx
        push    edi
        push    PAGE_FAULT_IN_NONPAGED_AREA
        call    KeBugCheckEx
.kernelUser:
        mov     eax, STATUS_ACCESS_VIOLATION
        jmp     KiBugCheckKernelException
.irql:
        push    dword [ebp + KTRAP_FRAME.Eip]           ; KTRAP_FRAME.Eip: P4 = the faulting instruction
        push    ecx                                     ; P3 = 1 for a write
        push    edx                                     ; P2 = the IRQL
        push    edi                                     ; P1 = the address referenced
        push    IRQL_NOT_LESS_OR_EQUAL
        call    KeBugCheckEx
.fixupCopy:
        mov     ecx, [ebp + KTRAP_FRAME.Ebp]            ; KTRAP_FRAME.Ebp: the system-service frame
        test    byte [ecx + KTRAP_FRAME.SegCs], MODE_MASK ; test KTRAP_FRAME.SegCs
        jz      .kernelUser                             ; a kernel caller is not fixed up
        mov     dword [ebp + KTRAP_FRAME.Eip], kss60    ; KTRAP_FRAME.Eip = kss60: the service is never called
        mov     dword [ebp + KTRAP_FRAME.Eax], STATUS_ACCESS_VIOLATION ; KTRAP_FRAME.Eax = STATUS_ACCESS_VIOLATION
        jmp     KiExceptionExit
.fixupTeb:
        mov     ecx, [ebp + KTRAP_FRAME.Ebp]            ; ECX = KTRAP_FRAME.Ebp
        test    byte [ecx + KTRAP_FRAME.SegCs], MODE_MASK ; test KTRAP_FRAME.SegCs
        jz      .kernelUser
        mov     dword [ebp + KTRAP_FRAME.Eip], kss61    ; KTRAP_FRAME.Eip = kss61
        mov     dword [ebp + KTRAP_FRAME.Eax], STATUS_ACCESS_VIOLATION ; KTRAP_FRAME.Eax = STATUS_ACCESS_VIOLATION
        jmp     KiExceptionExit
.user:
        cmp     eax, STATUS_ACCESS_VIOLATION
        jne     .raise
        mov     eax, KI_EXCEPTION_ACCESS_VIOLATION      ; KiDispatchException turns it back into C0000005h
.raise:
        mov     ebx, [ebp + KTRAP_FRAME.Eip]            ; EBX = KTRAP_FRAME.Eip
        mov     ecx, 2
        mov     edx, [ebp + KTRAP_FRAME.ErrCode]        ; EDX = KTRAP_FRAME.ErrCode
        shr     edx, 1
        and     edx, 1                                  ; Parameter[0] = 1 for a write
        test    dword [ebp + KTRAP_FRAME.ErrCode], 0x10 ; KTRAP_FRAME.ErrCode: I/D: an instruction fetch (only with EFER.NXE)
        jz      .notExecute
        mov     edx, 8                                  ; Parameter[0] = 8: execute (EXCEPTION_EXECUTE_FAULT)
.notExecute:
        mov     esi, edi                                ; Parameter[1] = faulting address
        jmp     KiCommonDispatchException

; The traps the kernel does not expect. User mode gets STATUS_ILLEGAL_INSTRUCTION (choice: ntgate has
; no FPU, no segment-not-present handling and no alignment checks); kernel mode is bug check 7Fh.
KiTrap07:                                               ; #NM, no error code
        push    0                                       ; KTRAP_FRAME.ErrCode = 0 (dummy)
        push    ebp                                     ; KTRAP_FRAME.Ebp
        mov     ebp, .body
        jmp     KiTrapEnter
.body:
        mov     eax, 0x07
        jmp     KiTrapUnexpected

KiTrap0A:                                               ; #TS, error code pushed by the CPU
        push    ebp                                     ; KTRAP_FRAME.Ebp
        mov     ebp, .body
        jmp     KiTrapEnter
.body:
        mov     eax, 0x0A
        jmp     KiTrapUnexpected

KiTrap0B:                                               ; #NP, error code pushed by the CPU
        push    ebp                                     ; KTRAP_FRAME.Ebp
        mov     ebp, .body
        jmp     KiTrapEnter
.body:
        test    dword [ebp + KTRAP_FRAME.EFlags], EFLAGS_VM ; KTRAP_FRAME.EFlags: a V86 fault?
        jnz     .unexpected
        test    byte [ebp + KTRAP_FRAME.SegCs], MODE_MASK ; KTRAP_FRAME.SegCs: a user-mode fault?
        jnz     .unexpected
        ; Kernel mode: a not-present (or stack) segment that an exit path's POP or IRETD loads is the same
        ; user-supplied selector problem KiTrap0D handles.
        call    KiClassifyExitFault
        cmp     eax, 1
        je      KiTrap0D.zeroSelector
        cmp     eax, 2
        je      KiTrap0D.iretFault
.unexpected:
        mov     eax, 0x0B
        jmp     KiTrapUnexpected

KiTrap0C:                                               ; #SS, error code pushed by the CPU
        push    ebp                                     ; KTRAP_FRAME.Ebp
        mov     ebp, .body
        jmp     KiTrapEnter
.body:
        test    dword [ebp + KTRAP_FRAME.EFlags], EFLAGS_VM ; KTRAP_FRAME.EFlags: a V86 fault?
        jnz     .unexpected
        test    byte [ebp + KTRAP_FRAME.SegCs], MODE_MASK ; KTRAP_FRAME.SegCs: a user-mode fault?
        jnz     .unexpected
        ; Kernel mode: a not-present (or stack) segment that an exit path's POP or IRETD loads is the same
        ; user-supplied selector problem KiTrap0D handles.
        call    KiClassifyExitFault
        cmp     eax, 1
        je      KiTrap0D.zeroSelector
        cmp     eax, 2
        je      KiTrap0D.iretFault
.unexpected:
        mov     eax, 0x0C
        jmp     KiTrapUnexpected

KiTrap10:                                               ; #MF, no error code
        push    0                                       ; KTRAP_FRAME.ErrCode = 0 (dummy)
        push    ebp                                     ; KTRAP_FRAME.Ebp
        mov     ebp, .body
        jmp     KiTrapEnter
.body:
        mov     eax, 0x10
        jmp     KiTrapUnexpected

KiTrap11:                                               ; #AC, error code pushed by the CPU
        push    ebp                                     ; KTRAP_FRAME.Ebp
        mov     ebp, .body
        jmp     KiTrapEnter
.body:
        mov     eax, 0x11
        jmp     KiTrapUnexpected

KiTrap13:                                               ; #XM, no error code
        push    0                                       ; KTRAP_FRAME.ErrCode = 0 (dummy)
        push    ebp                                     ; KTRAP_FRAME.Ebp
        mov     ebp, .body
        jmp     KiTrapEnter
.body:
        mov     eax, 0x13
        jmp     KiTrapUnexpected

KiTrapXX:                                               ; any other vector (no error code assumed); reported as vector FFh
        push    0                                       ; KTRAP_FRAME.ErrCode = 0 (dummy)
        push    ebp                                     ; KTRAP_FRAME.Ebp
        mov     ebp, .body
        jmp     KiTrapEnter
.body:
        mov     eax, 0xFF
        jmp     KiTrapUnexpected

; KiClassifyExitFault - a kernel-mode segment fault (#GP, #NP, #SS) with EBP = its trap frame: is the
; faulting instruction one of the exit paths' segment POPs or their IRETD to user (or V86) mode, loading a
; selector that came from a CONTEXT? Out: EAX = 1 (a POP), 2 (an IRETD to an outer level), 0 (neither).
; The IRETD frame's CS is at KTRAP_FRAME.HardwareSegSs of the fault frame (same ring: the fault pushed no
; ESP/SS); an IRETD back to ring 0 (the edited-frame exits) is the kernel's own and stays a bug check.
KiClassifyExitFault:
        mov     eax, [ebp + KTRAP_FRAME.Eip]            ; EAX = KTRAP_FRAME.Eip: the faulting instruction
        cmp     eax, KiExitAll.popGs
        je      .pop
        cmp     eax, KiExitAll.popEs
        je      .pop
        cmp     eax, KiExitAll.popDs
        je      .pop
        cmp     eax, KiExitAll.popFs
        je      .pop
        cmp     eax, KiServiceExit.popFs
        je      .pop
        cmp     eax, KiServiceExit.popGs
        je      .pop
        cmp     eax, KiServiceExit.popEs
        je      .pop
        cmp     eax, KiServiceExit.popDs
        je      .pop
        cmp     eax, KiSystemCallExit
        je      .iret
        cmp     eax, KiExitAll.iret
        je      .iret
        cmp     eax, V86ExitHelp.iret
        je      .iret
        cmp     eax, AbiosExitHelp.iret
        je      .iret
        xor     eax, eax
        ret
.pop:
        mov     eax, 1
        ret
.iret:
        test    dword [ebp + KTRAP_FRAME.V86Es], EFLAGS_VM ; KTRAP_FRAME.V86Es, the EFLAGS image: back to V86 mode?
        jnz     .outer
        test    byte [ebp + KTRAP_FRAME.HardwareSegSs], MODE_MASK ; KTRAP_FRAME.HardwareSegSs, the CS image: an outer level?
        jz      .kernelIret
.outer:
        mov     eax, 2
        ret
.kernelIret:
        xor     eax, eax
        ret

; KiTrapEnter - ENTER_TRAP: the rest of the KTRAP_FRAME below ErrCode/Ebp. In: EBP = the body.
KiTrapEnter:
        push    ebx                                     ; KTRAP_FRAME.Ebx
        push    esi                                     ; KTRAP_FRAME.Esi
        push    edi                                     ; KTRAP_FRAME.Edi
        push    fs                                      ; KTRAP_FRAME.SegFs
        mov     ebx, KGDT_R0_PCR
        mov     fs, bx                                  ; FS = 30h
        push    dword [fs:KPCR.NtTib.ExceptionList]     ; KTRAP_FRAME.ExceptionList = KPCR.NtTib.ExceptionList
        push    -1                                      ; KTRAP_FRAME.PreviousPreviousMode = -1 (a trap frame, not a system call)
        push    eax                                     ; KTRAP_FRAME.Eax
        push    ecx                                     ; KTRAP_FRAME.Ecx
        push    edx                                     ; KTRAP_FRAME.Edx
        push    ds                                      ; KTRAP_FRAME.SegDs
        push    es                                      ; KTRAP_FRAME.SegEs
        push    gs                                      ; KTRAP_FRAME.SegGs
        mov     ax, USER_DS
        sub     esp, KTRAP_FRAME.SegGs                  ; KTRAP_FRAME.SegGs: allocate KTRAP_FRAME.DbgEbp..Dr7
        mov     ds, ax                                  ; DS = 23h
        mov     es, ax                                  ; ES = 23h
        mov     esi, ebp                                ; ESI = body
        mov     ebp, esp                                ; EBP = trap frame
        cld
        mov     ebx, [ebp + KTRAP_FRAME.Ebp]            ; EBX = KTRAP_FRAME.Ebp
        mov     edi, [ebp + KTRAP_FRAME.Eip]            ; EDI = KTRAP_FRAME.Eip
        mov     dword [ebp + KTRAP_FRAME.DbgArgPointer], 0 ; KTRAP_FRAME.DbgArgPointer = 0 (no arguments)
        mov     dword [ebp + KTRAP_FRAME.DbgArgMark], TRAP_FRAME_MARKER ; KTRAP_FRAME.DbgArgMark = BADB0D00h
        mov     [ebp + KTRAP_FRAME.DbgEbp], ebx         ; KTRAP_FRAME.DbgEbp = interrupted EBP
        mov     [ebp + KTRAP_FRAME.DbgEip], edi         ; KTRAP_FRAME.DbgEip = interrupted EIP
        test    byte [fs:KPCR.DebugActive], 0xFF        ; test KPCR.DebugActive
        jz      .go
        call    KiSaveDebugRegisters
.go:
        jmp     esi

; KiTrapSimpleException - EAX = exception code, no parameters, address = frame Eip.
KiTrapSimpleException:
        test    dword [ebp + KTRAP_FRAME.EFlags], EFLAGS_VM ; test KTRAP_FRAME.EFlags
        jnz     .user
        test    byte [ebp + KTRAP_FRAME.SegCs], MODE_MASK ; test KTRAP_FRAME.SegCs
        jz      KiBugCheckKernelException
.user:
        mov     ebx, [ebp + KTRAP_FRAME.Eip]            ; EBX = KTRAP_FRAME.Eip
        xor     ecx, ecx
        jmp     KiCommonDispatchException

; KiTrapUnexpected - EAX = vector.
KiTrapUnexpected:
        test    dword [ebp + KTRAP_FRAME.EFlags], EFLAGS_VM ; test KTRAP_FRAME.EFlags
        jnz     .user
        test    byte [ebp + KTRAP_FRAME.SegCs], MODE_MASK ; test KTRAP_FRAME.SegCs
        jnz     .user
        push    0
        push    0
        push    0
        push    eax                                     ; P1 = vector
        push    UNEXPECTED_KERNEL_MODE_TRAP
        call    KeBugCheckEx
.user:
        mov     eax, STATUS_ILLEGAL_INSTRUCTION
        jmp     KiTrapSimpleException.user

; KiBugCheckKernelException - EAX = exception code of a kernel-mode fault nobody handles.
KiBugCheckKernelException:
        push    0
        push    ebp                                     ; P3 = trap frame
        push    dword [ebp + KTRAP_FRAME.Eip]           ; KTRAP_FRAME.Eip: P2 = address
        push    eax                                     ; P1 = exception code
        push    KERNEL_MODE_EXCEPTION_NOT_HANDLED
        call    KeBugCheckEx

; KiCommonDispatchException - CommonDispatchException: build an EXCEPTION_RECORD on the stack and
; dispatch it to user mode. EAX = code, EBX = address, ECX = parameter count (0..3), EDX/ESI/EDI =
; parameters, EBP = trap frame of a user-mode (or V86) fault. Leaves through KiExceptionExit.
KiCommonDispatchException:
        sub     esp, EXCEPTION_RECORD_size
        mov     [esp + EXCEPTION_RECORD.ExceptionCode], eax
        xor     eax, eax
        mov     [esp + EXCEPTION_RECORD.ExceptionFlags], eax
        mov     [esp + EXCEPTION_RECORD.ExceptionRecord], eax
        mov     [esp + EXCEPTION_RECORD.ExceptionAddress], ebx
        mov     [esp + EXCEPTION_RECORD.NumberParameters], ecx
        mov     [esp + EXCEPTION_RECORD.ExceptionInformation], edx
        mov     [esp + EXCEPTION_RECORD.ExceptionInformation + 4], esi
        mov     [esp + EXCEPTION_RECORD.ExceptionInformation + 8], edi
        mov     ecx, esp
        push    1                                       ; FirstChance = TRUE
        push    UserMode                                ; PreviousMode
        push    ebp                                     ; TrapFrame
        push    0                                       ; ExceptionFrame = NULL
        push    ecx                                     ; ExceptionRecord
        call    KiDispatchException
        mov     esp, ebp
        jmp     KiExceptionExit

; ===================================================================================================
; Small kernel routines.
; ===================================================================================================

; KfRaiseIrql (fastcall): CL = new IRQL; returns the old IRQL in AL.
KfRaiseIrql:
        movzx   eax, byte [fs:KPCR.Irql]                ; EAX = KPCR.Irql
        mov     [fs:KPCR.Irql], cl                      ; KPCR.Irql = new IRQL
        ret

; KfLowerIrql (fastcall): CL = new IRQL. (No software-interrupt check: ntgate has no DPCs.)
KfLowerIrql:
        mov     [fs:KPCR.Irql], cl                      ; KPCR.Irql = new IRQL
        ret

; Host-routine wrappers (contracts at the top of the file).
KiDeliverApc:
        hostcall HC_KiDeliverApc
        ret     0x0C

KiDispatchException:
        hostcall HC_KiDispatchException
        ret     0x14

MmAccessFault:
        hostcall HC_MmAccessFault
        ret     0x10

KiContinue:
        hostcall HC_KiContinue
        ret     0x0C

KiRaiseException:
        hostcall HC_KiRaiseException
        ret     0x14

KeTestAlertThread:
        hostcall HC_KeTestAlertThread
        ret     4

PsConvertToGuiThread:
        hostcall HC_PsConvertToGuiThread                ; EAX = NTSTATUS; KTHREAD.ServiceTable = the shadow table on success
        ret

; win32k's batch flush (ntgate's stand-in, choice of name); KeGdiFlushUserBatch points here.
GdiFlushUserBatch:
        hostcall HC_KeGdiFlushUserBatch                 ; TEB.GdiBatchCount = 0
        ret

KeBugCheckEx:
        hostcall HC_KeBugCheckEx
.halt:
        hlt                                             ; never reached: the host stops the machine
        jmp     .halt

; KiEnableFastSyscallReturn (NT-FACTS §7): point KiSystemCallExitBranch at KiSystemCallExit2.
KiEnableFastSyscallReturn:
        mov     al, [KiSystemCallExitAdjusted]
        cmp     al, [KiSystemCallExitAdjust]
        jne     .patch
        cmp     byte [KiFastCallCopyDoneOnce], 0
        jne     .done                                   ; already applied (the image may be read-only)
.patch:
        mov     cl, [KiSystemCallExitBranch + 1]
        sub     cl, al
        add     cl, [KiSystemCallExitAdjust]
        cmp     cl, 0x80
        jae     .once                                   ; the displacement must stay a short forward jump
        call    KiWriteProtectOff                       ; the image is read-only: clear CR0.WP around the patch
        mov     [KiSystemCallExitBranch + 1], cl        ; patch the jnz displacement
        call    KiWriteProtectOn
        mov     al, [KiSystemCallExitAdjust]
        mov     [KiSystemCallExitAdjusted], al
.once:
        mov     byte [KiFastCallCopyDoneOnce], 1
.done:
        ret

; KiDisableFastSyscallReturn (NT-FACTS §7): back to IRETD.
KiDisableFastSyscallReturn:
        mov     al, [KiSystemCallExitAdjusted]
        or      al, al
        jz      .done
        call    KiWriteProtectOff                       ; the image is read-only: clear CR0.WP around the patch
        sub     [KiSystemCallExitBranch + 1], al        ; patch the jnz displacement back
        call    KiWriteProtectOn
        mov     byte [KiSystemCallExitAdjusted], 0
.done:
        ret

; KiWriteProtectOff / KiWriteProtectOn: the kernel patches its own code with interrupts off and CR0.WP
; clear, since ntoskrnl's code pages are mapped read-only (small pages, docs/NT-FACTS-additions.md).
; Off saves EFLAGS and CR0 in KiWriteProtectFlags / KiWriteProtectCr0; On restores both. EDX is kept.
KiWriteProtectOff:
        pushfd
        pop     dword [KiWriteProtectFlags]             ; the caller's EFLAGS (IF)
        cli
        push    edx
        mov     edx, cr0
        mov     [KiWriteProtectCr0], edx
        and     edx, ~CR0_WP
        mov     cr0, edx                                ; CR0.WP = 0: ring 0 may write read-only pages
        pop     edx
        ret

KiWriteProtectOn:
        push    edx
        mov     edx, [KiWriteProtectCr0]
        mov     cr0, edx                                ; CR0.WP restored
        pop     edx
        push    dword [KiWriteProtectFlags]
        popfd                                           ; IF restored
        ret

section .data

; The pointers the gate calls through, as XP's call instructions do (FF 15): win32k's flush routine, and
; the HAL's IRQL routines (imported by ntkrnlpa; ntgate's kernel holds them itself).
KeGdiFlushUserBatch:        dd GdiFlushUserBatch
__imp_@KfRaiseIrql@4:       dd KfRaiseIrql
__imp_@KfLowerIrql@4:       dd KfLowerIrql

; MmUserProbeAddress: the first address a user pointer may not reach (§5.3 step 8, §13).
MmUserProbeAddress:         dd MM_USER_PROBE_ADDRESS
; KiSystemCallExitAdjust = KiSystemCallExit2 - KiSystemCallExit (1), computed at boot in XP.
KiSystemCallExitAdjust:     db KiSystemCallExit2 - KiSystemCallExit
KiSystemCallExitAdjusted:   db 0
KiFastCallCopyDoneOnce:     db 0
KiWriteProtectCr0:          dd 0
KiWriteProtectFlags:        dd 0
