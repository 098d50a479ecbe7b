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
KI_GATE_RVA             equ 0x6A304     ; KiBBTUnexpectedRange: KiFastCallEntry (0x6A520) - 0x21C |zh| KiBBTUnexpectedRange：KiFastCallEntry (0x6A520) - 0x21C
KI_V86_EXIT_RVA         equ 0x6AFD8     ; V86ExitHelp (the seed's loc_46AFD8) |zh| V86ExitHelp（原帖中的 loc_46AFD8）
KI_ABIOS_EXIT_RVA       equ 0x6AFF4     ; AbiosExitHelp (the seed's loc_46AFF4) |zh| AbiosExitHelp（原帖中的 loc_46AFF4）
; Where XP SP3 places the descriptor tables (public `dd nt!KeServiceDescriptorTable` dumps of XP SP3:
; 80553fa0  80502b8c 00000000 0000011c 80503000; the shadow table 0x40 below it). The generated part fills
; .sdtdata, which follows .data from 0x80550000 (ntgate's choice: the 64 KiB boundary below them).
KI_SDTDATA_RVA          equ 0x79000     ; 0x80550000 |zh| 0x80550000
KI_DESCRIPTOR_TABLES_RVA equ 0x7CF60    ; KeServiceDescriptorTableShadow (0x80553F60), KeServiceDescriptorTable (+0x40) |zh| KeServiceDescriptorTableShadow（0x80553F60），KeServiceDescriptorTable（+0x40）
section .data
section .sdtdata
        align 0x10000                                   ; (the section starts at 0x80550000) |zh| （该节从 0x80550000 开始）
        times KI_DESCRIPTOR_TABLES_RVA - KI_SDTDATA_RVA db 0 ; (padding up to KeServiceDescriptorTableShadow) |zh| （填充到 KeServiceDescriptorTableShadow）

section .text

; ===================================================================================================
; The system-call gate at XP SP3's addresses. From KiBBTUnexpectedRange (nt+0x6A304) to the probe-failure
; chunk (nt+0x6A7D4), and the two exit helpers at nt+0x6AFD8/0x6AFF4, every instruction sits where it sits in
; ntkrnlpa.exe 5.1.2600.5512 (the project's seed listing: KiFastCallEntry at RVA 0x6A520, KiServiceExit at
; +0x10E, KiSystemCallExitBranch at KiServiceExit+0xEB), with MASM's encodings. Code added to the kernel
; goes outside this region; the `times` lines below fail the assembly if the region ever moves.
; ===================================================================================================

        times KI_GATE_RVA - ($ - $$) db 0xCC            ; (padding up to the gate region) |zh| （填充到系统调用门所在区域）

; KiBBTUnexpectedRange - index >= Limit (Kss_ErrorHandler). ECX = table offset, EBX = the full number,
; EDX = argument pointer, ESI = current thread, EBP = ESP = trap frame.
KiBBTUnexpectedRange:
        cmp     ecx, SERVICE_TABLE_TEST                 ; a GUI (win32k) service? |zh| 是 GUI (win32k) 服务吗？
        jnz     short .limitError                       ; no: STATUS_INVALID_SYSTEM_SERVICE |zh| 不是：STATUS_INVALID_SYSTEM_SERVICE
        push    edx                                     ; keep the argument pointer |zh| 保存参数指针
        push    ebx                                     ; and the full service number |zh| 以及完整的系统服务号
        call    PsConvertToGuiThread                    ; EAX = NTSTATUS; KTHREAD.ServiceTable = shadow table on success |zh| EAX = NTSTATUS；成功时 KTHREAD.ServiceTable = 影子系统服务表
        or      eax, eax                                ; converted? |zh| 转换成功了吗？
        pop     eax                                     ; EAX = the full service number |zh| EAX = 完整的系统服务号
        pop     edx                                     ; EDX = the argument pointer |zh| EDX = 参数指针
        mov     ebp, esp                                ; EBP = the trap frame (it may be on a new stack) |zh| EBP = 陷阱帧（可能已在新的内核栈上）
        mov     [esi + KTHREAD.TrapFrame], ebp          ; KTHREAD.TrapFrame = this frame |zh| KTHREAD.TrapFrame = 本陷阱帧
        jz      KiSystemServiceRepeat                   ; converted: dispatch again through the shadow table |zh| 已转换：通过影子系统服务表重新分发
        lea     edx, [KeServiceDescriptorTableShadow + SERVICE_TABLE_TEST] ; EDX = the win32k descriptor |zh| EDX = win32k 的服务表描述符
        mov     ecx, [edx + KSERVICE_TABLE_DESCRIPTOR.Limit] ; ECX = W32pServiceTable's Limit |zh| ECX = W32pServiceTable 的 Limit
        mov     edx, [edx + KSERVICE_TABLE_DESCRIPTOR.Base] ; EDX = KSERVICE_TABLE_DESCRIPTOR.Base (W32pServiceTable) |zh| EDX = KSERVICE_TABLE_DESCRIPTOR.Base（W32pServiceTable，win32k 的系统服务表）
        lea     edx, [edx + ecx*4]                      ; EDX = the failure bytes after the table |zh| EDX = 表后面的失败返回字节
        and     eax, SERVICE_NUMBER_MASK                ; EAX = the index |zh| EAX = 索引
        add     edx, eax
        movsx   eax, byte [edx]                         ; EAX = the failure byte, sign-extended |zh| EAX = 失败字节（符号扩展）
        or      eax, eax
        jle     kss70                                   ; 0 -> the service returns 0, -1 -> it returns -1 |zh| 0 -> 服务返回 0，-1 -> 返回 -1
.limitError:
        mov     eax, STATUS_INVALID_SYSTEM_SERVICE      ; EAX = STATUS_INVALID_SYSTEM_SERVICE |zh| EAX = STATUS_INVALID_SYSTEM_SERVICE
        jmp     kss70

        align 4
; Dr_kss_a - KiSystemService with KTHREAD.DebugActive set: for a user or V86 frame, save the user's DR0-3,
; DR6, DR7 in the trap frame, clear DR7, then load the kernel's debug registers from the KPRCB.
Dr_kss_a:
        test    dword [ebp + KTRAP_FRAME.EFlags], EFLAGS_VM ; KTRAP_FRAME.EFlags: a V86 frame? |zh| 陷阱帧.EFlags：是 V86 帧吗？
        jnz     short .save
        test    dword [ebp + KTRAP_FRAME.SegCs], MODE_MASK ; KTRAP_FRAME.SegCs: a user frame? |zh| 陷阱帧.SegCs：是用户态的帧吗？
        jz      Dr_kss_t                                ; called from kernel mode: nothing to save |zh| 从内核态调用：无需保存
.save:
        mov     ebx, dr0
        mov     ecx, dr1
        mov     edi, dr2
        mov     [ebp + KTRAP_FRAME.Dr0], ebx            ; KTRAP_FRAME.Dr0 = DR0 |zh| 陷阱帧.Dr0 = DR0
        mov     [ebp + KTRAP_FRAME.Dr1], ecx            ; KTRAP_FRAME.Dr1 = DR1 |zh| 陷阱帧.Dr1 = DR1
        mov     [ebp + KTRAP_FRAME.Dr2], edi            ; KTRAP_FRAME.Dr2 = DR2 |zh| 陷阱帧.Dr2 = DR2
        mov     ebx, dr3
        mov     ecx, dr6
        mov     edi, dr7
        mov     [ebp + KTRAP_FRAME.Dr3], ebx            ; KTRAP_FRAME.Dr3 = DR3 |zh| 陷阱帧.Dr3 = DR3
        mov     [ebp + KTRAP_FRAME.Dr6], ecx            ; KTRAP_FRAME.Dr6 = DR6 |zh| 陷阱帧.Dr6 = DR6
        xor     ebx, ebx
        mov     [ebp + KTRAP_FRAME.Dr7], edi            ; KTRAP_FRAME.Dr7 = DR7 |zh| 陷阱帧.Dr7 = DR7
        mov     dr7, ebx                                ; DR7 = 0 before the kernel's values are loaded |zh| 装入内核的值之前先令 DR7 = 0
        mov     edi, [fs:KPCR.Prcb]                     ; EDI = KPCR.Prcb (the KPRCB) |zh| EDI = KPCR.Prcb（即 KPRCB）
        mov     ebx, [edi + KPRCB.ProcessorState.SpecialRegisters.KernelDr0] ; EBX = KPRCB.ProcessorState.SpecialRegisters.KernelDr0 |zh| EBX = KPRCB.ProcessorState.SpecialRegisters.KernelDr0
        mov     ecx, [edi + KPRCB.ProcessorState.SpecialRegisters.KernelDr1] ; ECX = KPRCB.ProcessorState.SpecialRegisters.KernelDr1 |zh| ECX = KPRCB.ProcessorState.SpecialRegisters.KernelDr1
        mov     dr0, ebx                                ; DR0 = KPRCB.ProcessorState.SpecialRegisters.KernelDr0 |zh| DR0 = KPRCB.ProcessorState.SpecialRegisters.KernelDr0
        mov     dr1, ecx                                ; DR1 = KernelDr1 |zh| DR1 = KernelDr1
        mov     ebx, [edi + KPRCB.ProcessorState.SpecialRegisters.KernelDr2] ; EBX = KPRCB.ProcessorState.SpecialRegisters.KernelDr2 |zh| EBX = KPRCB.ProcessorState.SpecialRegisters.KernelDr2
        mov     ecx, [edi + KPRCB.ProcessorState.SpecialRegisters.KernelDr3] ; ECX = KPRCB.ProcessorState.SpecialRegisters.KernelDr3 |zh| ECX = KPRCB.ProcessorState.SpecialRegisters.KernelDr3
        mov     dr2, ebx                                ; DR2 = KernelDr2 |zh| DR2 = KernelDr2
        mov     dr3, ecx                                ; DR3 = KernelDr3 |zh| DR3 = KernelDr3
        mov     ebx, [edi + KPRCB.ProcessorState.SpecialRegisters.KernelDr6] ; EBX = KPRCB.ProcessorState.SpecialRegisters.KernelDr6 |zh| EBX = KPRCB.ProcessorState.SpecialRegisters.KernelDr6
        mov     ecx, [edi + KPRCB.ProcessorState.SpecialRegisters.KernelDr7] ; ECX = KPRCB.ProcessorState.SpecialRegisters.KernelDr7 |zh| ECX = KPRCB.ProcessorState.SpecialRegisters.KernelDr7
        mov     dr6, ebx                                ; DR6 = KernelDr6 |zh| DR6 = KernelDr6
        mov     dr7, ecx                                ; DR7 = KernelDr7 |zh| DR7 = KernelDr7
        jmp     Dr_kss_t

        align 4
; Dr_FastCallDrSave - the same for KiFastCallEntry (XP's function chunk below KiFastCallEntry).
Dr_FastCallDrSave:
        test    dword [ebp + KTRAP_FRAME.EFlags], EFLAGS_VM ; KTRAP_FRAME.EFlags: a V86 frame? |zh| 陷阱帧.EFlags：是 V86 帧吗？
        jnz     short .save
        test    dword [ebp + KTRAP_FRAME.SegCs], MODE_MASK ; KTRAP_FRAME.SegCs: a user frame? |zh| 陷阱帧.SegCs：是用户态的帧吗？
        jz      Dr_FastCallDrReturn                     ; called from kernel mode: nothing to save |zh| 从内核态调用：无需保存
.save:
        mov     ebx, dr0
        mov     ecx, dr1
        mov     edi, dr2
        mov     [ebp + KTRAP_FRAME.Dr0], ebx            ; KTRAP_FRAME.Dr0 = DR0 |zh| 陷阱帧.Dr0 = DR0
        mov     [ebp + KTRAP_FRAME.Dr1], ecx            ; KTRAP_FRAME.Dr1 = DR1 |zh| 陷阱帧.Dr1 = DR1
        mov     [ebp + KTRAP_FRAME.Dr2], edi            ; KTRAP_FRAME.Dr2 = DR2 |zh| 陷阱帧.Dr2 = DR2
        mov     ebx, dr3
        mov     ecx, dr6
        mov     edi, dr7
        mov     [ebp + KTRAP_FRAME.Dr3], ebx            ; KTRAP_FRAME.Dr3 = DR3 |zh| 陷阱帧.Dr3 = DR3
        mov     [ebp + KTRAP_FRAME.Dr6], ecx            ; KTRAP_FRAME.Dr6 = DR6 |zh| 陷阱帧.Dr6 = DR6
        xor     ebx, ebx
        mov     [ebp + KTRAP_FRAME.Dr7], edi            ; KTRAP_FRAME.Dr7 = DR7 |zh| 陷阱帧.Dr7 = DR7
        mov     dr7, ebx                                ; DR7 = 0 before the kernel's values are loaded |zh| 装入内核的值之前先令 DR7 = 0
        mov     edi, [fs:KPCR.Prcb]                     ; EDI = KPCR.Prcb (the KPRCB) |zh| EDI = KPCR.Prcb（即 KPRCB）
        mov     ebx, [edi + KPRCB.ProcessorState.SpecialRegisters.KernelDr0] ; EBX = KPRCB.ProcessorState.SpecialRegisters.KernelDr0 |zh| EBX = KPRCB.ProcessorState.SpecialRegisters.KernelDr0
        mov     ecx, [edi + KPRCB.ProcessorState.SpecialRegisters.KernelDr1] ; ECX = KPRCB.ProcessorState.SpecialRegisters.KernelDr1 |zh| ECX = KPRCB.ProcessorState.SpecialRegisters.KernelDr1
        mov     dr0, ebx                                ; DR0 = KPRCB.ProcessorState.SpecialRegisters.KernelDr0 |zh| DR0 = KPRCB.ProcessorState.SpecialRegisters.KernelDr0
        mov     dr1, ecx                                ; DR1 = KernelDr1 |zh| DR1 = KernelDr1
        mov     ebx, [edi + KPRCB.ProcessorState.SpecialRegisters.KernelDr2] ; EBX = KPRCB.ProcessorState.SpecialRegisters.KernelDr2 |zh| EBX = KPRCB.ProcessorState.SpecialRegisters.KernelDr2
        mov     ecx, [edi + KPRCB.ProcessorState.SpecialRegisters.KernelDr3] ; ECX = KPRCB.ProcessorState.SpecialRegisters.KernelDr3 |zh| ECX = KPRCB.ProcessorState.SpecialRegisters.KernelDr3
        mov     dr2, ebx                                ; DR2 = KernelDr2 |zh| DR2 = KernelDr2
        mov     dr3, ecx                                ; DR3 = KernelDr3 |zh| DR3 = KernelDr3
        mov     ebx, [edi + KPRCB.ProcessorState.SpecialRegisters.KernelDr6] ; EBX = KPRCB.ProcessorState.SpecialRegisters.KernelDr6 |zh| EBX = KPRCB.ProcessorState.SpecialRegisters.KernelDr6
        mov     ecx, [edi + KPRCB.ProcessorState.SpecialRegisters.KernelDr7] ; ECX = KPRCB.ProcessorState.SpecialRegisters.KernelDr7 |zh| ECX = KPRCB.ProcessorState.SpecialRegisters.KernelDr7
        mov     dr6, ebx                                ; DR6 = KernelDr6 |zh| DR6 = KernelDr6
        mov     dr7, ecx                                ; DR7 = KernelDr7 |zh| DR7 = KernelDr7
        jmp     Dr_FastCallDrReturn

; KiSystemService - the INT 2Eh entry. The CPU pushed [SS, ESP,] EFLAGS, CS, EIP.
; EAX = service number, EDX = argument pointer.
KiSystemService:
        push    0                                       ; KTRAP_FRAME.ErrCode = 0 |zh| 陷阱帧.ErrCode = 0
        push    ebp                                     ; KTRAP_FRAME.Ebp = caller EBP |zh| 陷阱帧.Ebp = 调用者的 EBP
        push    ebx                                     ; KTRAP_FRAME.Ebx = caller EBX |zh| 陷阱帧.Ebx = 调用者的 EBX
        push    esi                                     ; KTRAP_FRAME.Esi = caller ESI |zh| 陷阱帧.Esi = 调用者的 ESI
        push    edi                                     ; KTRAP_FRAME.Edi = caller EDI |zh| 陷阱帧.Edi = 调用者的 EDI
        push    fs                                      ; KTRAP_FRAME.SegFs = caller FS |zh| 陷阱帧.SegFs = 调用者的 FS
        mov     ebx, KGDT_R0_PCR
        mov     fs, bx                                  ; FS = 30h: fs:[x] is the KPCR (DS/ES are not reloaded) |zh| FS = 30h：fs:[x] 即 KPCR（DS/ES 不重新装载）
        push    dword [fs:KPCR.NtTib.ExceptionList]     ; KTRAP_FRAME.ExceptionList = KPCR.NtTib.ExceptionList |zh| 陷阱帧.ExceptionList = KPCR.NtTib.ExceptionList
        mov     dword [fs:KPCR.NtTib.ExceptionList], EXCEPTION_CHAIN_END ; KPCR.NtTib.ExceptionList = -1 (end of chain) |zh| KPCR.NtTib.ExceptionList = -1（异常链结束）
        mov     esi, [fs:KPCR.PrcbData.CurrentThread]   ; ESI = KPCR.PrcbData.CurrentThread (the current thread) |zh| ESI = KPCR.PrcbData.CurrentThread（当前线程）
        push    dword [esi + KTHREAD.PreviousMode]      ; KTRAP_FRAME.PreviousPreviousMode = KTHREAD.PreviousMode (whole dword, DS-relative on purpose) |zh| 陷阱帧.PreviousPreviousMode = KTHREAD.PreviousMode（整个双字，有意通过 DS 访问）
        sub     esp, KTRAP_FRAME.PreviousPreviousMode   ; allocate KTRAP_FRAME.DbgEbp..Eax, below PreviousPreviousMode (not initialised) |zh| 在内核栈上留出陷阱帧的 DbgEbp..Eax，位于 PreviousPreviousMode 之下（不初始化）
        mov     ebx, [esp + KTRAP_FRAME.SegCs]          ; EBX = KTRAP_FRAME.SegCs |zh| EBX = 陷阱帧.SegCs
        and     ebx, MODE_MASK                          ; new previous mode = caller CS bit 0 |zh| 新的先前模式 = 调用者 CS 的第 0 位
        mov     [esi + KTHREAD.PreviousMode], bl        ; KTHREAD.PreviousMode = caller mode |zh| KTHREAD.PreviousMode（先前模式）= 调用者的模式
        mov     ebp, esp                                ; EBP = trap frame |zh| EBP = 陷阱帧
        mov     ebx, [esi + KTHREAD.TrapFrame]          ; EBX = KTHREAD.TrapFrame (the previous frame) |zh| EBX = KTHREAD.TrapFrame（上一个陷阱帧）
        mov     [ebp + KTRAP_FRAME.Edx], ebx            ; KTRAP_FRAME.Edx = previous KTHREAD.TrapFrame |zh| 陷阱帧.Edx = 原来的 KTHREAD.TrapFrame
        mov     [esi + KTHREAD.TrapFrame], ebp          ; KTHREAD.TrapFrame = this frame |zh| KTHREAD.TrapFrame = 本陷阱帧
        cld
        mov     ebx, [ebp + KTRAP_FRAME.Ebp]            ; EBX = KTRAP_FRAME.Ebp |zh| EBX = 陷阱帧.Ebp
        mov     edi, [ebp + KTRAP_FRAME.Eip]            ; EDI = KTRAP_FRAME.Eip |zh| EDI = 陷阱帧.Eip
        mov     [ebp + KTRAP_FRAME.DbgArgPointer], edx  ; KTRAP_FRAME.DbgArgPointer = argument pointer |zh| 陷阱帧.DbgArgPointer = 参数指针
        mov     dword [ebp + KTRAP_FRAME.DbgArgMark], TRAP_FRAME_MARKER ; KTRAP_FRAME.DbgArgMark = BADB0D00h |zh| 陷阱帧.DbgArgMark = BADB0D00h
        mov     [ebp + KTRAP_FRAME.DbgEbp], ebx         ; KTRAP_FRAME.DbgEbp = caller EBP |zh| 陷阱帧.DbgEbp = 调用者的 EBP
        mov     [ebp + KTRAP_FRAME.DbgEip], edi         ; KTRAP_FRAME.DbgEip = return EIP |zh| 陷阱帧.DbgEip = 返回 EIP
        test    byte [esi + KTHREAD.DebugActive], 0xFF  ; KTHREAD.DebugActive: is the thread being debugged? |zh| KTHREAD.DebugActive：线程正在被调试吗？
        jnz     Dr_kss_a                                ; yes: save the user's debug registers |zh| 是：保存用户态的调试寄存器
Dr_kss_t:
        sti                                             ; interrupts on (XP SP3 does not clear KTRAP_FRAME.Dr7 on this path) |zh| 开中断（XP SP3 在这条路径上不清除陷阱帧.Dr7）
        jmp     KiSystemServiceRepeat

; KiFastCallEntry2 - entered instead of KiFastCallEntry when the user single-stepped into SYSENTER
; (KiTrap01 redirects the #DB frame here). Sets TF in the saved user EFLAGS so the exit uses IRETD and
; the debugger sees the step after the call.
KiFastCallEntry2:
        mov     ecx, KGDT_R0_PCR
        mov     fs, ecx                                 ; FS = 30h |zh| FS = 30h
        mov     ecx, USER_DS
        mov     ds, ecx                                 ; DS = 23h |zh| DS = 23h
        mov     es, ecx                                 ; ES = 23h |zh| ES = 23h
        mov     ecx, [fs:KPCR.TSS]                      ; ECX = KPCR.TSS |zh| ECX = KPCR.TSS
        mov     esp, [ecx + KTSS.Esp0]                  ; ESP = KTSS.Esp0 = InitialStack - 220h |zh| ESP = KTSS.Esp0 = InitialStack - 220h（切换到内核栈）
        push    USER_DS                                 ; KTRAP_FRAME.HardwareSegSs = 23h |zh| 陷阱帧.HardwareSegSs = 23h
        push    edx                                     ; KTRAP_FRAME.HardwareEsp = user ESP |zh| 陷阱帧.HardwareEsp = 用户态 ESP
        pushfd                                          ; KTRAP_FRAME.EFlags = user EFLAGS |zh| 陷阱帧.EFlags = 用户态 EFLAGS
        or      byte [esp + 1], EFLAGS_TF >> 8          ; KTRAP_FRAME.EFlags |= TF (the step continues after the call) |zh| 陷阱帧.EFlags |= TF（单步在调用返回后继续）
        jmp     short KiFastCallEntry.Kfsc10

; Kfsc90 - SYSENTER from a thread whose Esp0 has not the non-V86 layout (a V86 thread, or SYSENTER in V86
; mode): fake a V86 #UD frame and report an invalid opcode through KiTrap06.
Kfsc90:
        mov     ecx, [fs:KPCR.TSS]                      ; ECX = KPCR.TSS |zh| ECX = KPCR.TSS
        mov     esp, [ecx + KTSS.Esp0]                  ; ESP = KTSS.Esp0 |zh| ESP = KTSS.Esp0
        push    0                                       ; KTRAP_FRAME.V86Gs = 0 |zh| 陷阱帧.V86Gs = 0
        push    0                                       ; KTRAP_FRAME.V86Fs = 0 |zh| 陷阱帧.V86Fs = 0
        push    0                                       ; KTRAP_FRAME.V86Ds = 0 |zh| 陷阱帧.V86Ds = 0
        push    0                                       ; KTRAP_FRAME.V86Es = 0 |zh| 陷阱帧.V86Es = 0
        push    USER_DS                                 ; KTRAP_FRAME.HardwareSegSs = 23h |zh| 陷阱帧.HardwareSegSs = 23h
        push    0                                       ; KTRAP_FRAME.HardwareEsp = 0 (the user ESP is not known) |zh| 陷阱帧.HardwareEsp = 0（用户态 ESP 未知）
        push    EFLAGS_VM | EFLAGS_IF | 2               ; KTRAP_FRAME.EFlags = 20202h (VM, IF) |zh| 陷阱帧.EFlags = 20202h（VM、IF）
        push    USER_CS                                 ; KTRAP_FRAME.SegCs = 1Bh |zh| 陷阱帧.SegCs = 1Bh
        push    0                                       ; KTRAP_FRAME.Eip = 0 (the user EIP is not known) |zh| 陷阱帧.Eip = 0（用户态 EIP 未知）
        jmp     KiTrap06                                ; an invalid opcode in V86 mode |zh| V86 模式下的无效操作码
Kfsc91:
        jmp     short Kfsc90                            ; KiFastCallEntry's bad-stack branch lands here |zh| KiFastCallEntry 的坏栈分支跳到这里

        align 16
; ---------------------------------------------------------------------------------------------------
; KiFastCallEntry - the SYSENTER target (IA32_SYSENTER_EIP), nt+0x6A520.
; CPL 0, CS=08, SS=10, ESP = the DPC stack, IF=0; EAX = service number, EDX = user ESP.
; ---------------------------------------------------------------------------------------------------
KiFastCallEntry:
        mov     ecx, USER_DS                            ; ECX = 23h |zh| ECX = 23h
        push    KGDT_R0_PCR                             ; (on the DPC stack) |zh| （在 DPC 栈上）
        pop     fs                                      ; FS = 30h: fs:[x] is the KPCR |zh| FS = 30h：fs:[x] 即 KPCR
        mov     ds, ecx                                 ; DS = 23h |zh| DS = 23h
        mov     es, ecx                                 ; ES = 23h |zh| ES = 23h
        mov     ecx, [fs:KPCR.TSS]                      ; ECX = KPCR.TSS |zh| ECX = KPCR.TSS
        mov     esp, [ecx + KTSS.Esp0]                  ; ESP = KTSS.Esp0 = InitialStack - 220h, just above KTRAP_FRAME.V86Es |zh| ESP = KTSS.Esp0 = InitialStack - 220h，正好在陷阱帧.V86Es 处（切换到内核栈）
        push    USER_DS                                 ; KTRAP_FRAME.HardwareSegSs = 23h |zh| 陷阱帧.HardwareSegSs = 23h
        push    edx                                     ; KTRAP_FRAME.HardwareEsp = user ESP |zh| 陷阱帧.HardwareEsp = 用户态 ESP
        pushfd                                          ; KTRAP_FRAME.EFlags = user EFLAGS (IF/VM/RF cleared by SYSENTER) |zh| 陷阱帧.EFlags = 用户态 EFLAGS（IF/VM/RF 已被 SYSENTER 清除）
.Kfsc10:
        push    2                                       ; (kernel EFLAGS: only the reserved bit 1) |zh| （内核 EFLAGS：只有保留位 1）
        add     edx, 8                                  ; EDX = user arguments (past the two return addresses) |zh| EDX = 用户态参数（越过两个返回地址）
        popfd                                           ; kernel EFLAGS = 2: IF, DF, TF, NT, AC, IOPL clear |zh| 内核 EFLAGS = 2：IF、DF、TF、NT、AC、IOPL 全部清零
        or      byte [esp + 1], EFLAGS_IF >> 8          ; KTRAP_FRAME.EFlags |= IF (the saved user flags always have IF) |zh| 陷阱帧.EFlags |= IF（保存的用户态标志总带 IF）
        push    USER_CS                                 ; KTRAP_FRAME.SegCs = 1Bh |zh| 陷阱帧.SegCs = 1Bh
        push    dword [KERNEL_SHARED_SYSTEM_CALL_RETURN] ; KTRAP_FRAME.Eip = SharedUserData->SystemCallReturn (KiFastSystemCallRet) |zh| 陷阱帧.Eip = SharedUserData->SystemCallReturn（KiFastSystemCallRet）
        push    0                                       ; KTRAP_FRAME.ErrCode = 0 |zh| 陷阱帧.ErrCode = 0
        push    ebp                                     ; KTRAP_FRAME.Ebp = user EBP |zh| 陷阱帧.Ebp = 用户态 EBP
        push    ebx                                     ; KTRAP_FRAME.Ebx = user EBX |zh| 陷阱帧.Ebx = 用户态 EBX
        push    esi                                     ; KTRAP_FRAME.Esi = user ESI |zh| 陷阱帧.Esi = 用户态 ESI
        push    edi                                     ; KTRAP_FRAME.Edi = user EDI |zh| 陷阱帧.Edi = 用户态 EDI
        mov     ebx, [fs:KPCR.SelfPcr]                  ; EBX = KPCR.SelfPcr |zh| EBX = KPCR.SelfPcr
        push    USER_FS                                 ; KTRAP_FRAME.SegFs = 3Bh (constant; the user FS is not read) |zh| 陷阱帧.SegFs = 3Bh（常量；不读取用户态 FS）
        mov     esi, [ebx + KPCR.PrcbData.CurrentThread] ; ESI = KPCR.PrcbData.CurrentThread |zh| ESI = KPCR.PrcbData.CurrentThread（当前线程）
        push    dword [ebx + KPCR.NtTib.ExceptionList]  ; KTRAP_FRAME.ExceptionList = KPCR.NtTib.ExceptionList |zh| 陷阱帧.ExceptionList = KPCR.NtTib.ExceptionList
        mov     dword [ebx + KPCR.NtTib.ExceptionList], EXCEPTION_CHAIN_END ; KPCR.NtTib.ExceptionList = -1 (end of chain) |zh| KPCR.NtTib.ExceptionList = -1（异常链结束）
        mov     ebp, [esi + KTHREAD.InitialStack]       ; EBP = KTHREAD.InitialStack |zh| EBP = KTHREAD.InitialStack（内核栈顶）
        push    UserMode                                ; KTRAP_FRAME.PreviousPreviousMode = UserMode |zh| 陷阱帧.PreviousPreviousMode = UserMode
        sub     esp, KTRAP_FRAME.PreviousPreviousMode   ; allocate KTRAP_FRAME.DbgEbp..Eax, below PreviousPreviousMode (not initialised) |zh| 在内核栈上留出陷阱帧的 DbgEbp..Eax，位于 PreviousPreviousMode 之下（不初始化）
        sub     ebp, INITIAL_TRAP_FRAME_BIAS            ; EBP = InitialStack - 29Ch (NPX area + KTRAP_FRAME), where the frame must be |zh| EBP = InitialStack - 29Ch（NPX 区 + 陷阱帧），陷阱帧应在的位置
        mov     byte [esi + KTHREAD.PreviousMode], UserMode ; KTHREAD.PreviousMode = UserMode |zh| KTHREAD.PreviousMode（先前模式）= UserMode
        cmp     ebp, esp                                ; is ESP where the frame must be? |zh| ESP 是否正好在陷阱帧应在的位置？
        jnz     short Kfsc91                            ; no: Esp0 without the non-V86 layout (bad stack) |zh| 不是：Esp0 不符合非 V86 布局（坏栈）
        and     dword [ebp + KTRAP_FRAME.Dr7], 0        ; KTRAP_FRAME.Dr7 = 0 |zh| 陷阱帧.Dr7 = 0
        test    byte [esi + KTHREAD.DebugActive], 0xFF  ; KTHREAD.DebugActive: is the thread being debugged? |zh| KTHREAD.DebugActive：线程正在被调试吗？
        mov     [esi + KTHREAD.TrapFrame], ebp          ; KTHREAD.TrapFrame = this frame (the previous one is not kept in KTRAP_FRAME.Edx on this path) |zh| KTHREAD.TrapFrame = 本陷阱帧（这条路径不把上一个帧存进陷阱帧.Edx）
        jnz     Dr_FastCallDrSave                       ; yes: save the user's debug registers |zh| 是：保存用户态的调试寄存器
Dr_FastCallDrReturn:
        mov     ebx, [ebp + KTRAP_FRAME.Ebp]            ; EBX = KTRAP_FRAME.Ebp |zh| EBX = 陷阱帧.Ebp
        mov     edi, [ebp + KTRAP_FRAME.Eip]            ; EDI = KTRAP_FRAME.Eip |zh| EDI = 陷阱帧.Eip
        mov     [ebp + KTRAP_FRAME.DbgArgPointer], edx  ; KTRAP_FRAME.DbgArgPointer = argument pointer |zh| 陷阱帧.DbgArgPointer = 参数指针
        mov     dword [ebp + KTRAP_FRAME.DbgArgMark], TRAP_FRAME_MARKER ; KTRAP_FRAME.DbgArgMark = BADB0D00h |zh| 陷阱帧.DbgArgMark = BADB0D00h
        mov     [ebp + KTRAP_FRAME.DbgEbp], ebx         ; KTRAP_FRAME.DbgEbp = user EBP |zh| 陷阱帧.DbgEbp = 用户态 EBP
        mov     [ebp + KTRAP_FRAME.DbgEip], edi         ; KTRAP_FRAME.DbgEip = return EIP |zh| 陷阱帧.DbgEip = 返回 EIP
        sti                                             ; interrupts on for the first time |zh| 第一次开中断
; The common dispatcher (KiFastCallEntry+0x8F; KiSystemService and KiBBTUnexpectedRange jump here).
; EAX = service number, EDX = argument pointer, ESI = current thread, EBP = ESP = trap frame, IF=1.
KiSystemServiceRepeat:
        mov     edi, eax                                ; EDI = service number |zh| EDI = 系统服务号
        shr     edi, SERVICE_TABLE_SHIFT
        and     edi, SERVICE_TABLE_MASK                 ; EDI = table offset 0/10h/20h/30h |zh| EDI = 服务表偏移 0/10h/20h/30h
        mov     ecx, edi                                ; ECX = table offset |zh| ECX = 服务表偏移
        add     edi, [esi + KTHREAD.ServiceTable]       ; EDI = the descriptor in KTHREAD.ServiceTable |zh| EDI = KTHREAD.ServiceTable 中的系统服务表描述符
        mov     ebx, eax                                ; EBX = full service number |zh| EBX = 完整的系统服务号
        and     eax, SERVICE_NUMBER_MASK                ; EAX = index |zh| EAX = 索引
        cmp     eax, [edi + KSERVICE_TABLE_DESCRIPTOR.Limit] ; index < KSERVICE_TABLE_DESCRIPTOR.Limit? |zh| 索引 < KSERVICE_TABLE_DESCRIPTOR.Limit？
        jnb     KiBBTUnexpectedRange                    ; no: out of range |zh| 否：超出范围
        cmp     ecx, SERVICE_TABLE_TEST                 ; a win32k service? |zh| 是 win32k 服务吗？
        jnz     short Kss40                            ; no |zh| 否
        mov     ecx, [fs:KPCR.NtTib.Self]               ; ECX = current TEB (KPCR.NtTib.Self) |zh| ECX = 当前 TEB（KPCR.NtTib.Self）
        xor     ebx, ebx
KiSystemServiceAccessTeb:
        or      ebx, [ecx + TEB.GdiBatchCount]          ; EBX = TEB.GdiBatchCount (a fault here is fixed up by KiTrap0E) |zh| EBX = TEB.GdiBatchCount（此处的缺页由 KiTrap0E 修复）
        jz      short Kss40                            ; nothing batched |zh| 没有批处理的 GDI 调用
        push    edx                                     ; keep the argument pointer |zh| 保存参数指针
        push    eax                                     ; and the index |zh| 以及索引
        call    dword [KeGdiFlushUserBatch]             ; flush the thread's GDI batch (win32k's routine) |zh| 刷新线程的 GDI 批处理（win32k 的例程）
        pop     eax
        pop     edx
Kss40:
        inc     dword [fs:KPCR.PrcbData.KeSystemCalls]  ; KPCR.PrcbData.KeSystemCalls += 1 |zh| KPCR.PrcbData.KeSystemCalls += 1（系统调用计数）
        mov     esi, edx                                ; ESI = caller's arguments |zh| ESI = 调用者的参数
        mov     ebx, [edi + KSERVICE_TABLE_DESCRIPTOR.Number] ; EBX = KSERVICE_TABLE_DESCRIPTOR.Number (KiArgumentTable) |zh| EBX = KSERVICE_TABLE_DESCRIPTOR.Number（KiArgumentTable，参数字节表）
        xor     ecx, ecx
        mov     cl, [ebx + eax]                         ; ECX = the service's argument bytes |zh| ECX = 该服务的参数字节数
        mov     edi, [edi + KSERVICE_TABLE_DESCRIPTOR.Base] ; EDI = KSERVICE_TABLE_DESCRIPTOR.Base (KiServiceTable) |zh| EDI = KSERVICE_TABLE_DESCRIPTOR.Base（KiServiceTable，系统服务表）
        mov     ebx, [edi + eax*4]                      ; EBX = the service routine |zh| EBX = 服务例程
        sub     esp, ecx                                ; room for the arguments |zh| 在内核栈上为参数留出空间
        shr     ecx, 2                                  ; ECX = argument dwords |zh| ECX = 参数双字数
        mov     edi, esp                                ; EDI = where they go |zh| EDI = 参数复制的目的地
        cmp     esi, [MmUserProbeAddress]               ; only the start address is checked |zh| 只检查起始地址
        jnb     kss80                                   ; not a user address |zh| 不是用户态地址
KiSystemServiceCopyArguments:
        rep movsd                                       ; copy the arguments; a fault is fixed up by KiTrap0E |zh| 复制参数；缺页由 KiTrap0E 修复
        call    ebx                                     ; the service: EBP = trap frame, stdcall; returns to KiFastCallEntry+0xFC |zh| 调用服务：EBP = 陷阱帧，stdcall；返回到 KiFastCallEntry+0xFC
kss60:
kss61:
        mov     esp, ebp                                ; drop any leftover argument space |zh| 丢弃剩余的参数空间
kss70:
        mov     ecx, [fs:KPCR.PrcbData.CurrentThread]   ; ECX = KPCR.PrcbData.CurrentThread (the current thread) |zh| ECX = KPCR.PrcbData.CurrentThread（当前线程）
        mov     edx, [ebp + KTRAP_FRAME.Edx]            ; EDX = KTRAP_FRAME.Edx (the previous frame) |zh| EDX = 陷阱帧.Edx（上一个陷阱帧）
        mov     [ecx + KTHREAD.TrapFrame], edx          ; KTHREAD.TrapFrame = KTRAP_FRAME.Edx |zh| KTHREAD.TrapFrame = 陷阱帧.Edx
        ; falls into KiServiceExit

; ---------------------------------------------------------------------------------------------------
; KiServiceExit - the return from an ordinary service (KiFastCallEntry+0x10E). EBP = ESP = trap frame,
; EAX = status.
; ---------------------------------------------------------------------------------------------------
KiServiceExit:
        cli
.apcLoop:
        test    dword [ebp + KTRAP_FRAME.EFlags], EFLAGS_VM ; KTRAP_FRAME.EFlags: returning to V86 mode? |zh| 陷阱帧.EFlags：要返回 V86 模式吗？
        jnz     short .userMode                         ; yes: user APCs may be delivered |zh| 是：可以投递用户 APC
        test    byte [ebp + KTRAP_FRAME.SegCs], MODE_MASK ; KTRAP_FRAME.SegCs: returning to user mode? |zh| 陷阱帧.SegCs：要返回用户态吗？
        jz      short .noUserApc                        ; no: a kernel caller |zh| 否：内核态调用者
.userMode:
        mov     ebx, [fs:KPCR.PrcbData.CurrentThread]   ; EBX = KPCR.PrcbData.CurrentThread (the current thread) |zh| EBX = KPCR.PrcbData.CurrentThread（当前线程）
        mov     byte [ebx + KTHREAD.Alerted], 0         ; KTHREAD.Alerted[KernelMode] = FALSE |zh| KTHREAD.Alerted[KernelMode] = FALSE
        cmp     byte [ebx + KTHREAD.ApcState.UserApcPending], 0 ; KTHREAD.ApcState.UserApcPending? |zh| KTHREAD.ApcState.UserApcPending（有待投递的用户 APC）？
        jz      short .noUserApc                        ; no user APC to deliver |zh| 没有要投递的用户 APC
        mov     ebx, ebp                                ; EBX = trap frame |zh| EBX = 陷阱帧
        mov     [ebx + KTRAP_FRAME.Eax], eax            ; KTRAP_FRAME.Eax = service status |zh| 陷阱帧.Eax = 服务的返回状态
        mov     dword [ebx + KTRAP_FRAME.SegFs], USER_FS ; KTRAP_FRAME.SegFs = 3Bh |zh| 陷阱帧.SegFs = 3Bh
        mov     dword [ebx + KTRAP_FRAME.SegDs], USER_DS ; KTRAP_FRAME.SegDs = 23h |zh| 陷阱帧.SegDs = 23h
        mov     dword [ebx + KTRAP_FRAME.SegEs], USER_DS ; KTRAP_FRAME.SegEs = 23h |zh| 陷阱帧.SegEs = 23h
        mov     dword [ebx + KTRAP_FRAME.SegGs], 0      ; KTRAP_FRAME.SegGs = 0 |zh| 陷阱帧.SegGs = 0
        mov     ecx, APC_LEVEL                          ; ECX = APC_LEVEL |zh| ECX = APC_LEVEL
        call    dword [__imp_@KfRaiseIrql@4]            ; AL = the old IRQL |zh| AL = 原来的 IRQL
        push    eax                                     ; keep the old IRQL |zh| 保存原来的 IRQL
        sti
        push    ebx                                     ; TrapFrame |zh| TrapFrame（陷阱帧）
        push    0                                       ; ExceptionFrame = NULL |zh| ExceptionFrame = NULL
        push    UserMode                                ; PreviousMode = UserMode |zh| PreviousMode（先前模式）= UserMode
        call    KiDeliverApc                            ; sets up the user APC by editing the frame |zh| 通过修改陷阱帧来安排用户 APC
        pop     ecx                                     ; ECX = the old IRQL |zh| ECX = 原来的 IRQL
        call    dword [__imp_@KfLowerIrql@4]            ; back to the old IRQL |zh| 恢复原来的 IRQL
        mov     eax, [ebx + KTRAP_FRAME.Eax]            ; EAX = KTRAP_FRAME.Eax (the status, possibly changed) |zh| EAX = 陷阱帧.Eax（返回状态，可能已被修改）
        cli
        jmp     short .userMode                         ; another user APC? |zh| 还有用户 APC 吗？
.noUserApc:
        mov     edx, [esp + KTRAP_FRAME.ExceptionList]  ; EDX = KTRAP_FRAME.ExceptionList |zh| EDX = 陷阱帧.ExceptionList
        mov     ebx, [fs:KPCR.DebugActive]              ; EBX = KPCR.DebugActive |zh| EBX = KPCR.DebugActive
        mov     [fs:KPCR.NtTib.ExceptionList], edx      ; KPCR.NtTib.ExceptionList = KTRAP_FRAME.ExceptionList |zh| KPCR.NtTib.ExceptionList = 陷阱帧.ExceptionList
        mov     ecx, [esp + KTRAP_FRAME.PreviousPreviousMode] ; ECX = KTRAP_FRAME.PreviousPreviousMode |zh| ECX = 陷阱帧.PreviousPreviousMode
        mov     esi, [fs:KPCR.PrcbData.CurrentThread]   ; ESI = KPCR.PrcbData.CurrentThread (the current thread) |zh| ESI = KPCR.PrcbData.CurrentThread（当前线程）
        mov     [esi + KTHREAD.PreviousMode], cl        ; KTHREAD.PreviousMode = KTRAP_FRAME.PreviousPreviousMode |zh| KTHREAD.PreviousMode（先前模式）= 陷阱帧.PreviousPreviousMode
        test    ebx, 0xFF                               ; is the thread being debugged? |zh| 线程正在被调试吗？
        jnz     short .Dr_ExitHelp                      ; yes: load the user's debug registers |zh| 是：装入用户态的调试寄存器
.Dr_ExitHelp_Target:
        test    dword [esp + KTRAP_FRAME.EFlags], EFLAGS_VM ; KTRAP_FRAME.EFlags: returning to V86 mode? |zh| 陷阱帧.EFlags：要返回 V86 模式吗？
        jnz     V86ExitHelp                             ; yes |zh| 是
        test    word [esp + KTRAP_FRAME.SegCs], FRAME_EDITED ; KTRAP_FRAME.SegCs & 0FFF8h = 0: an edited kernel frame? |zh| 陷阱帧.SegCs & 0FFF8h = 0：是被编辑过的内核帧吗？
        jz      .editedFrame                            ; yes: emulate an IRETD to the new ESP |zh| 是：模拟一次返回到新 ESP 的 IRETD
        cmp     word [esp + KTRAP_FRAME.SegCs], USER_CS ; ZF = (KTRAP_FRAME.SegCs == 1Bh) |zh| ZF = (陷阱帧.SegCs == 1Bh)
        bt      word [esp + KTRAP_FRAME.SegCs], 0       ; CF = KTRAP_FRAME.SegCs bit 0 (user mode) |zh| CF = 陷阱帧.SegCs 的第 0 位（用户态）
        cmc
        ja      .nonFlatPm                              ; user mode but not CS 1Bh (a VDM LDT code segment) |zh| 用户态但 CS 不是 1Bh（VDM 的 LDT 代码段）
        cmp     word [ebp + KTRAP_FRAME.SegCs], KGDT_R0_CODE ; KTRAP_FRAME.SegCs: a kernel caller? |zh| 陷阱帧.SegCs：是内核态调用者吗？
        jz      short .kernelCaller                     ; yes: FS stays 30h |zh| 是：FS 保持 30h
.NonFlatPm_Target:
        lea     esp, [ebp + KTRAP_FRAME.SegFs]          ; ESP = &KTRAP_FRAME.SegFs |zh| ESP = &陷阱帧.SegFs
.popFs:
        pop     fs                                      ; FS = KTRAP_FRAME.SegFs; DS/ES/GS are not restored |zh| FS = 陷阱帧.SegFs；DS/ES/GS 不恢复
.kernelCaller:
        lea     esp, [ebp + KTRAP_FRAME.Edi]            ; ESP = &KTRAP_FRAME.Edi |zh| ESP = &陷阱帧.Edi
        pop     edi                                     ; EDI = KTRAP_FRAME.Edi |zh| EDI = 陷阱帧.Edi
        pop     esi                                     ; ESI = KTRAP_FRAME.Esi |zh| ESI = 陷阱帧.Esi
        pop     ebx                                     ; EBX = KTRAP_FRAME.Ebx |zh| EBX = 陷阱帧.Ebx
        pop     ebp                                     ; EBP = KTRAP_FRAME.Ebp |zh| EBP = 陷阱帧.Ebp
        cmp     word [esp + 8], 0x80                    ; KTRAP_FRAME.SegCs > 80h (an ABIOS code segment)? |zh| 陷阱帧.SegCs > 80h（ABIOS 代码段）？
        ja      AbiosExitHelp                           ; yes |zh| 是
        add     esp, 4                                  ; drop KTRAP_FRAME.ErrCode: [ESP] = Eip, SegCs, EFlags, HardwareEsp, HardwareSegSs |zh| 丢弃陷阱帧.ErrCode：[ESP] = Eip、SegCs、EFlags、HardwareEsp、HardwareSegSs
        test    dword [esp + 4], MODE_MASK              ; returning to user mode? |zh| 要返回用户态吗？
KiSystemCallExitBranch:
        jnz     short KiSystemCallExit                  ; yes: IRETD, or SYSEXIT once KiEnableFastSyscallReturn patched this jump |zh| 是：IRETD；KiEnableFastSyscallReturn 修补此跳转后改走 SYSEXIT
        pop     edx                                     ; kernel caller: EDX = KTRAP_FRAME.Eip |zh| 内核态调用者：EDX = 陷阱帧.Eip
        pop     ecx                                     ; drop KTRAP_FRAME.SegCs |zh| 丢弃陷阱帧.SegCs
        popfd                                           ; EFLAGS = KTRAP_FRAME.EFlags (the caller's, including IF) |zh| EFLAGS = 陷阱帧.EFlags（调用者的，包括 IF）
        jmp     edx                                     ; back to the kernel caller |zh| 返回内核态调用者
KiSystemCallExit:
        iretd                                           ; to user mode: EIP, CS, EFLAGS, ESP, SS from the frame |zh| 返回用户态：从陷阱帧取 EIP、CS、EFLAGS、ESP、SS
KiSystemCallExit2:
        test    byte [esp + 9], EFLAGS_TF >> 8          ; KTRAP_FRAME.EFlags.TF: single-stepping? |zh| 陷阱帧.EFlags.TF：正在单步吗？
        jnz     short KiSystemCallExit                  ; yes: IRETD, so the step lands after the call |zh| 是：走 IRETD，单步停在调用之后
        pop     edx                                     ; EDX = KTRAP_FRAME.Eip (the SYSEXIT target) |zh| EDX = 陷阱帧.Eip（SYSEXIT 的目标）
        add     esp, 4                                  ; drop KTRAP_FRAME.SegCs |zh| 丢弃陷阱帧.SegCs
        and     byte [esp + 1], ~(EFLAGS_IF >> 8)       ; clear IF in the EFLAGS image: no interrupt while still on the kernel stack |zh| 清除 EFLAGS 映像中的 IF：仍在内核栈上时不许中断
        popfd                                           ; EFLAGS = KTRAP_FRAME.EFlags without IF |zh| EFLAGS = 不带 IF 的陷阱帧.EFlags
        pop     ecx                                     ; ECX = KTRAP_FRAME.HardwareEsp (the SYSEXIT stack) |zh| ECX = 陷阱帧.HardwareEsp（SYSEXIT 的用户栈）
        sti                                             ; the STI shadow covers SYSEXIT |zh| STI 的中断屏蔽窗口覆盖 SYSEXIT
.sysexit:
        sysexit                                         ; to user mode: EIP = EDX, ESP = ECX, CS = 1Bh, SS = 23h |zh| 返回用户态：EIP = EDX，ESP = ECX，CS = 1Bh，SS = 23h
        iretd                                           ; never reached |zh| 永远不会执行到

        align 4
; KiServiceExit's out-of-line chunk (XP's function chunk at KiServiceExit+0x10A).
KiServiceExit.Dr_ExitHelp:                              ; the thread is debugged: load the user's debug registers |zh| 线程被调试：装入用户态的调试寄存器
        test    dword [ebp + KTRAP_FRAME.EFlags], EFLAGS_VM ; KTRAP_FRAME.EFlags: a V86 frame? |zh| 陷阱帧.EFlags：是 V86 帧吗？
        jnz     short .loadDr
        test    dword [ebp + KTRAP_FRAME.SegCs], MODE_MASK ; KTRAP_FRAME.SegCs: a user frame? |zh| 陷阱帧.SegCs：是用户态的帧吗？
        jz      KiServiceExit.Dr_ExitHelp_Target        ; no: the kernel's debug registers stay |zh| 否：保留内核的调试寄存器
.loadDr:
        xor     ebx, ebx
        mov     esi, [ebp + KTRAP_FRAME.Dr0]            ; ESI = KTRAP_FRAME.Dr0 |zh| ESI = 陷阱帧.Dr0
        mov     edi, [ebp + KTRAP_FRAME.Dr1]            ; EDI = KTRAP_FRAME.Dr1 |zh| EDI = 陷阱帧.Dr1
        mov     dr7, ebx                                ; DR7 = 0 while DR0-3 change |zh| 修改 DR0-3 期间 DR7 = 0
        mov     dr0, esi                                ; DR0 = KTRAP_FRAME.Dr0 |zh| DR0 = 陷阱帧.Dr0
        mov     ebx, [ebp + KTRAP_FRAME.Dr2]            ; EBX = KTRAP_FRAME.Dr2 |zh| EBX = 陷阱帧.Dr2
        mov     dr1, edi                                ; DR1 = KTRAP_FRAME.Dr1 |zh| DR1 = 陷阱帧.Dr1
        mov     dr2, ebx                                ; DR2 = KTRAP_FRAME.Dr2 |zh| DR2 = 陷阱帧.Dr2
        mov     esi, [ebp + KTRAP_FRAME.Dr3]            ; ESI = KTRAP_FRAME.Dr3 |zh| ESI = 陷阱帧.Dr3
        mov     edi, [ebp + KTRAP_FRAME.Dr6]            ; EDI = KTRAP_FRAME.Dr6 |zh| EDI = 陷阱帧.Dr6
        mov     ebx, [ebp + KTRAP_FRAME.Dr7]            ; EBX = KTRAP_FRAME.Dr7 |zh| EBX = 陷阱帧.Dr7
        mov     dr3, esi                                ; DR3 = KTRAP_FRAME.Dr3 |zh| DR3 = 陷阱帧.Dr3
        mov     dr6, edi                                ; DR6 = KTRAP_FRAME.Dr6 |zh| DR6 = 陷阱帧.Dr6
        mov     dr7, ebx                                ; DR7 = KTRAP_FRAME.Dr7 |zh| DR7 = 陷阱帧.Dr7
        jmp     KiServiceExit.Dr_ExitHelp_Target
KiServiceExit.nonFlatPm:                                ; user mode with a non-flat CS: restore the segments too |zh| 用户态且 CS 不是平坦段：段寄存器也要恢复
        mov     eax, [esp + KTRAP_FRAME.Eax]            ; EAX = KTRAP_FRAME.Eax, before any selector is loaded |zh| EAX = 陷阱帧.Eax，在装入任何选择子之前
        add     esp, KTRAP_FRAME.SegGs                  ; ESP = &KTRAP_FRAME.SegGs |zh| ESP = &陷阱帧.SegGs
KiServiceExit.popGs:
        pop     gs                                      ; GS = KTRAP_FRAME.SegGs |zh| GS = 陷阱帧.SegGs
KiServiceExit.popEs:
        pop     es                                      ; ES = KTRAP_FRAME.SegEs |zh| ES = 陷阱帧.SegEs
KiServiceExit.popDs:
        pop     ds                                      ; DS = KTRAP_FRAME.SegDs |zh| DS = 陷阱帧.SegDs
        pop     edx                                     ; EDX = KTRAP_FRAME.Edx |zh| EDX = 陷阱帧.Edx
        pop     ecx                                     ; ECX = KTRAP_FRAME.Ecx |zh| ECX = 陷阱帧.Ecx
        jmp     KiServiceExit.NonFlatPm_Target
KiServiceExit.editedFrame:                              ; an edited kernel frame: IRETD to KTRAP_FRAME.TempEsp |zh| 被编辑的内核帧：IRETD 到陷阱帧.TempEsp
        mov     ebx, [esp + KTRAP_FRAME.TempSegCs]      ; EBX = KTRAP_FRAME.TempSegCs |zh| EBX = 陷阱帧.TempSegCs
        mov     [esp + KTRAP_FRAME.SegCs], ebx          ; KTRAP_FRAME.SegCs = TempSegCs (the real CS) |zh| 陷阱帧.SegCs = TempSegCs（真正的 CS）
        mov     ebx, [esp + KTRAP_FRAME.TempEsp]        ; EBX = KTRAP_FRAME.TempEsp |zh| EBX = 陷阱帧.TempEsp
        sub     ebx, 12                                 ; T = TempEsp - 12: room for EIP, CS, EFLAGS |zh| T = TempEsp - 12：为 EIP、CS、EFLAGS 留出空间
        mov     [esp + KTRAP_FRAME.ErrCode], ebx        ; KTRAP_FRAME.ErrCode = T (scratch new ESP) |zh| 陷阱帧.ErrCode = T（临时存放新的 ESP）
        mov     esi, [esp + KTRAP_FRAME.EFlags]         ; ESI = KTRAP_FRAME.EFlags |zh| ESI = 陷阱帧.EFlags
        mov     [ebx + 8], esi                          ; [T+8] = EFLAGS |zh| [T+8] = EFLAGS
        mov     esi, [esp + KTRAP_FRAME.SegCs]          ; ESI = KTRAP_FRAME.SegCs |zh| ESI = 陷阱帧.SegCs
        mov     [ebx + 4], esi                          ; [T+4] = CS |zh| [T+4] = CS
        mov     esi, [esp + KTRAP_FRAME.Eip]            ; ESI = KTRAP_FRAME.Eip |zh| ESI = 陷阱帧.Eip
        mov     [ebx], esi                              ; [T] = EIP |zh| [T] = EIP
        add     esp, KTRAP_FRAME.Edi                    ; ESP = &KTRAP_FRAME.Edi |zh| ESP = &陷阱帧.Edi
        pop     edi                                     ; EDI = KTRAP_FRAME.Edi |zh| EDI = 陷阱帧.Edi
        pop     esi                                     ; ESI = KTRAP_FRAME.Esi |zh| ESI = 陷阱帧.Esi
        pop     ebx                                     ; EBX = KTRAP_FRAME.Ebx |zh| EBX = 陷阱帧.Ebx
        pop     ebp                                     ; EBP = KTRAP_FRAME.Ebp |zh| EBP = 陷阱帧.Ebp
        mov     esp, [esp]                              ; ESP = T |zh| ESP = T
KiServiceExit.editedIret:
        iretd                                           ; EIP, CS, EFLAGS from the new stack |zh| 从新栈取 EIP、CS、EFLAGS

; kss80 - the argument pointer is not a user address (KiFastCallEntry's chunk at +0x2A0).
kss80:
        test    byte [ebp + KTRAP_FRAME.SegCs], MODE_MASK ; KTRAP_FRAME.SegCs: a user caller? |zh| 陷阱帧.SegCs：是用户态调用者吗？
        jz      KiSystemServiceCopyArguments            ; no: a kernel caller copies anyway |zh| 否：内核态调用者照样复制
        mov     eax, STATUS_ACCESS_VIOLATION            ; EAX = STATUS_ACCESS_VIOLATION; the service is not called |zh| EAX = STATUS_ACCESS_VIOLATION；不调用服务
        jmp     kss60

; ===================================================================================================
; KiServiceExit2 - full-state exit (NT-FACTS §6.2): NtContinue, thread start, exception returns.
; EBP = ESP = trap frame holding a complete context. Always ends in IRETD.
; ===================================================================================================
KiServiceExit2:
        cli
        call    KiUserApcLoop
        mov     edx, [ebp + KTRAP_FRAME.ExceptionList]  ; EDX = KTRAP_FRAME.ExceptionList |zh| EDX = 陷阱帧.ExceptionList
        mov     [fs:KPCR.NtTib.ExceptionList], edx      ; KPCR.NtTib.ExceptionList = KTRAP_FRAME.ExceptionList |zh| KPCR.NtTib.ExceptionList = 陷阱帧.ExceptionList
        mov     ecx, [ebp + KTRAP_FRAME.PreviousPreviousMode] ; ECX = KTRAP_FRAME.PreviousPreviousMode |zh| ECX = 陷阱帧.PreviousPreviousMode
        mov     esi, [fs:KPCR.PrcbData.CurrentThread]   ; ESI = KPCR.PrcbData.CurrentThread |zh| ESI = KPCR.PrcbData.CurrentThread（当前线程）
        mov     [esi + KTHREAD.PreviousMode], cl        ; KTHREAD.PreviousMode = KTRAP_FRAME.PreviousPreviousMode |zh| KTHREAD.PreviousMode（先前模式）= 陷阱帧.PreviousPreviousMode
        jmp     KiExitAll

; ===================================================================================================
; KiExceptionExit - return from a trap (WRK EXIT_ALL without the PreviousMode restore).
; EBP = trap frame. Always ends in IRETD.
; ===================================================================================================
KiExceptionExit:
        cli
        mov     esp, ebp
        call    KiUserApcLoop
        mov     edx, [ebp + KTRAP_FRAME.ExceptionList]  ; EDX = KTRAP_FRAME.ExceptionList |zh| EDX = 陷阱帧.ExceptionList
        mov     [fs:KPCR.NtTib.ExceptionList], edx      ; KPCR.NtTib.ExceptionList = KTRAP_FRAME.ExceptionList |zh| KPCR.NtTib.ExceptionList = 陷阱帧.ExceptionList
        ; fall into KiExitAll

; KiExitAll - restore everything in the frame at EBP, volatiles included, and IRETD.
KiExitAll:
        mov     esp, ebp
        test    byte [fs:KPCR.DebugActive], 0xFF        ; test KPCR.DebugActive |zh| 测试 KPCR.DebugActive
        jz      .drDone
        call    KiRestoreDebugRegisters
.drDone:
        test    dword [esp + KTRAP_FRAME.EFlags], EFLAGS_VM ; test KTRAP_FRAME.EFlags |zh| 测试陷阱帧.EFlags
        jnz     V86ExitHelp
        test    word [esp + KTRAP_FRAME.SegCs], FRAME_EDITED ; test KTRAP_FRAME.SegCs |zh| 测试陷阱帧.SegCs
        jz      .editedFrame
.volatiles:
        mov     edx, [esp + KTRAP_FRAME.Edx]            ; EDX = KTRAP_FRAME.Edx |zh| EDX = 陷阱帧.Edx
        mov     ecx, [esp + KTRAP_FRAME.Ecx]            ; ECX = KTRAP_FRAME.Ecx |zh| ECX = 陷阱帧.Ecx
        mov     eax, [esp + KTRAP_FRAME.Eax]            ; EAX = KTRAP_FRAME.Eax |zh| EAX = 陷阱帧.Eax
        cmp     word [esp + KTRAP_FRAME.SegCs], KGDT_R0_CODE ; compare KTRAP_FRAME.SegCs |zh| 比较陷阱帧.SegCs
        je      .fs                                     ; a kernel frame keeps DS/ES/GS |zh| 内核帧保留 DS/ES/GS
        lea     esp, [ebp + KTRAP_FRAME.SegGs]          ; ESP = &KTRAP_FRAME.SegGs |zh| ESP = &陷阱帧.SegGs
.popGs:
        pop     gs                                      ; GS = KTRAP_FRAME.SegGs |zh| GS = 陷阱帧.SegGs
.popEs:
        pop     es                                      ; ES = KTRAP_FRAME.SegEs |zh| ES = 陷阱帧.SegEs
.popDs:
        pop     ds                                      ; DS = KTRAP_FRAME.SegDs |zh| DS = 陷阱帧.SegDs
.fs:
        lea     esp, [ebp + KTRAP_FRAME.SegFs]          ; ESP = &KTRAP_FRAME.SegFs |zh| ESP = &陷阱帧.SegFs
.popFs:
        pop     fs                                      ; FS = KTRAP_FRAME.SegFs |zh| FS = 陷阱帧.SegFs
        pop     edi
        pop     esi
        pop     ebx
        pop     ebp
        add     esp, 4                                  ; drop ErrCode |zh| 丢弃 ErrCode
.iret:
        iretd

.editedFrame:                                           ; an edited kernel frame, with the volatiles restored |zh| 被编辑的内核帧，并恢复易失寄存器
        mov     ebx, [esp + KTRAP_FRAME.TempSegCs]      ; EBX = KTRAP_FRAME.TempSegCs |zh| EBX = 陷阱帧.TempSegCs
        mov     [esp + KTRAP_FRAME.SegCs], ebx          ; KTRAP_FRAME.SegCs = TempSegCs |zh| 陷阱帧.SegCs = TempSegCs
        mov     ebx, [esp + KTRAP_FRAME.TempEsp]        ; EBX = KTRAP_FRAME.TempEsp |zh| EBX = 陷阱帧.TempEsp
        sub     ebx, 12
        mov     [esp + KTRAP_FRAME.ErrCode], ebx        ; KTRAP_FRAME.ErrCode = T (scratch new ESP) |zh| 陷阱帧.ErrCode = T（临时存放新的 ESP）
        mov     esi, [esp + KTRAP_FRAME.EFlags]         ; ESI = KTRAP_FRAME.EFlags |zh| ESI = 陷阱帧.EFlags
        mov     [ebx + 8], esi
        mov     esi, [esp + KTRAP_FRAME.SegCs]          ; ESI = KTRAP_FRAME.SegCs |zh| ESI = 陷阱帧.SegCs
        mov     [ebx + 4], esi
        mov     esi, [esp + KTRAP_FRAME.Eip]            ; ESI = KTRAP_FRAME.Eip |zh| ESI = 陷阱帧.Eip
        mov     [ebx], esi
        mov     eax, [esp + KTRAP_FRAME.Eax]            ; EAX = KTRAP_FRAME.Eax |zh| EAX = 陷阱帧.Eax
        mov     edx, [esp + KTRAP_FRAME.Edx]            ; EDX = KTRAP_FRAME.Edx |zh| EDX = 陷阱帧.Edx
        mov     ecx, [esp + KTRAP_FRAME.Ecx]            ; ECX = KTRAP_FRAME.Ecx |zh| ECX = 陷阱帧.Ecx
        lea     esp, [ebp + KTRAP_FRAME.Edi]            ; ESP = &KTRAP_FRAME.Edi |zh| ESP = &陷阱帧.Edi
        pop     edi
        pop     esi
        pop     ebx
        pop     ebp
        mov     esp, [esp]                              ; ESP = T |zh| ESP = T
        iretd

; KiUserApcLoop - DISPATCH_USER_APC for KiServiceExit2/KiExceptionExit: no status store, no segment
; forcing (the frame already holds a complete context). In: EBP = trap frame, IF=0.
; Out: IF=0, no user APC pending. Changes EAX, EBX, ECX, EDX.
KiUserApcLoop:
        test    dword [ebp + KTRAP_FRAME.EFlags], EFLAGS_VM ; test KTRAP_FRAME.EFlags |zh| 测试陷阱帧.EFlags
        jnz     .userMode
        test    byte [ebp + KTRAP_FRAME.SegCs], MODE_MASK ; test KTRAP_FRAME.SegCs |zh| 测试陷阱帧.SegCs
        jz      .done
.userMode:
        mov     ebx, [fs:KPCR.PrcbData.CurrentThread]   ; EBX = KPCR.PrcbData.CurrentThread |zh| EBX = KPCR.PrcbData.CurrentThread（当前线程）
        mov     byte [ebx + KTHREAD.Alerted], 0         ; KTHREAD.Alerted[KernelMode] = FALSE |zh| KTHREAD.Alerted[KernelMode] = FALSE
        cmp     byte [ebx + KTHREAD.ApcState.UserApcPending], 0 ; compare KTHREAD.ApcState.UserApcPending |zh| 比较 KTHREAD.ApcState.UserApcPending（待投递的用户 APC）
        je      .done
        mov     ecx, APC_LEVEL
        call    KfRaiseIrql
        push    eax
        sti
        push    ebp                                     ; TrapFrame |zh| TrapFrame（陷阱帧）
        push    0                                       ; ExceptionFrame = NULL |zh| ExceptionFrame = NULL
        push    UserMode                                ; PreviousMode = UserMode |zh| PreviousMode（先前模式）= UserMode
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
        test    dword [ebp + KTRAP_FRAME.EFlags], EFLAGS_VM ; test KTRAP_FRAME.EFlags |zh| 测试陷阱帧.EFlags
        jnz     .save
        test    byte [ebp + KTRAP_FRAME.SegCs], MODE_MASK ; test KTRAP_FRAME.SegCs |zh| 测试陷阱帧.SegCs
        jz      .done
.save:
        mov     ebx, dr0
        mov     ecx, dr1
        mov     edi, dr2
        mov     [ebp + KTRAP_FRAME.Dr0], ebx            ; KTRAP_FRAME.Dr0 = DR0 |zh| 陷阱帧.Dr0 = DR0
        mov     [ebp + KTRAP_FRAME.Dr1], ecx            ; KTRAP_FRAME.Dr1 = DR1 |zh| 陷阱帧.Dr1 = DR1
        mov     [ebp + KTRAP_FRAME.Dr2], edi            ; KTRAP_FRAME.Dr2 = DR2 |zh| 陷阱帧.Dr2 = DR2
        mov     ebx, dr3
        mov     ecx, dr6
        mov     edi, dr7
        mov     [ebp + KTRAP_FRAME.Dr3], ebx            ; KTRAP_FRAME.Dr3 = DR3 |zh| 陷阱帧.Dr3 = DR3
        xor     ebx, ebx
        mov     [ebp + KTRAP_FRAME.Dr6], ecx            ; KTRAP_FRAME.Dr6 = DR6 |zh| 陷阱帧.Dr6 = DR6
        mov     [ebp + KTRAP_FRAME.Dr7], edi            ; KTRAP_FRAME.Dr7 = DR7 |zh| 陷阱帧.Dr7 = DR7
        mov     dr7, ebx
        mov     edi, [fs:KPCR.Prcb]                     ; EDI = KPCR.Prcb |zh| EDI = KPCR.Prcb
        mov     ebx, [edi + KPRCB.ProcessorState.SpecialRegisters.KernelDr0] ; EBX = KPRCB.ProcessorState.SpecialRegisters.KernelDr0 |zh| EBX = KPRCB.ProcessorState.SpecialRegisters.KernelDr0
        mov     ecx, [edi + KPRCB.ProcessorState.SpecialRegisters.KernelDr1] ; ECX = KPRCB.ProcessorState.SpecialRegisters.KernelDr1 |zh| ECX = KPRCB.ProcessorState.SpecialRegisters.KernelDr1
        mov     dr0, ebx
        mov     dr1, ecx
        mov     ebx, [edi + KPRCB.ProcessorState.SpecialRegisters.KernelDr2] ; EBX = KPRCB.ProcessorState.SpecialRegisters.KernelDr2 |zh| EBX = KPRCB.ProcessorState.SpecialRegisters.KernelDr2
        mov     ecx, [edi + KPRCB.ProcessorState.SpecialRegisters.KernelDr3] ; ECX = KPRCB.ProcessorState.SpecialRegisters.KernelDr3 |zh| ECX = KPRCB.ProcessorState.SpecialRegisters.KernelDr3
        mov     dr2, ebx
        mov     dr3, ecx
        mov     ebx, [edi + KPRCB.ProcessorState.SpecialRegisters.KernelDr6] ; EBX = KPRCB.ProcessorState.SpecialRegisters.KernelDr6 |zh| EBX = KPRCB.ProcessorState.SpecialRegisters.KernelDr6
        mov     ecx, [edi + KPRCB.ProcessorState.SpecialRegisters.KernelDr7] ; ECX = KPRCB.ProcessorState.SpecialRegisters.KernelDr7 |zh| ECX = KPRCB.ProcessorState.SpecialRegisters.KernelDr7
        mov     dr6, ebx
        mov     dr7, ecx
.done:
        ret

; KiRestoreDebugRegisters - Dr_ExitHelp: for a user or V86 frame at EBP, clear DR7, load DR0-3 and
; DR6 from the frame, then DR7. Changes EBX, ESI, EDI (reloaded from the frame afterwards).
KiRestoreDebugRegisters:
        test    dword [ebp + KTRAP_FRAME.EFlags], EFLAGS_VM ; test KTRAP_FRAME.EFlags |zh| 测试陷阱帧.EFlags
        jnz     .load
        test    byte [ebp + KTRAP_FRAME.SegCs], MODE_MASK ; test KTRAP_FRAME.SegCs |zh| 测试陷阱帧.SegCs
        jz      .done
.load:
        xor     ebx, ebx
        mov     esi, [ebp + KTRAP_FRAME.Dr0]            ; ESI = KTRAP_FRAME.Dr0 |zh| ESI = 陷阱帧.Dr0
        mov     edi, [ebp + KTRAP_FRAME.Dr1]            ; EDI = KTRAP_FRAME.Dr1 |zh| EDI = 陷阱帧.Dr1
        mov     dr7, ebx
        mov     dr0, esi
        mov     dr1, edi
        mov     esi, [ebp + KTRAP_FRAME.Dr2]            ; ESI = KTRAP_FRAME.Dr2 |zh| ESI = 陷阱帧.Dr2
        mov     edi, [ebp + KTRAP_FRAME.Dr3]            ; EDI = KTRAP_FRAME.Dr3 |zh| EDI = 陷阱帧.Dr3
        mov     dr2, esi
        mov     dr3, edi
        mov     esi, [ebp + KTRAP_FRAME.Dr6]            ; ESI = KTRAP_FRAME.Dr6 |zh| ESI = 陷阱帧.Dr6
        mov     edi, [ebp + KTRAP_FRAME.Dr7]            ; EDI = KTRAP_FRAME.Dr7 |zh| EDI = 陷阱帧.Dr7
        mov     dr6, esi
        mov     dr7, edi
.done:
        ret


        times KI_V86_EXIT_RVA - ($ - $$) db 0xCC        ; (padding up to XP's V86ExitHelp) |zh| （填充到 XP 的 V86ExitHelp）

; V86ExitHelp - KiServiceExit and KiExitAll for a frame that returns to V86 mode (nt+0x6AFD8, where
; KiServiceExit's jnz lands on XP): the volatiles, the non-volatiles, then IRETD, which pops the V86 segments.
V86ExitHelp:
        mov     edx, [esp + KTRAP_FRAME.Edx]            ; EDX = KTRAP_FRAME.Edx |zh| EDX = 陷阱帧.Edx
        mov     ecx, [esp + KTRAP_FRAME.Ecx]            ; ECX = KTRAP_FRAME.Ecx |zh| ECX = 陷阱帧.Ecx
        mov     eax, [esp + KTRAP_FRAME.Eax]            ; EAX = KTRAP_FRAME.Eax |zh| EAX = 陷阱帧.Eax
        lea     esp, [ebp + KTRAP_FRAME.Edi]            ; ESP = &KTRAP_FRAME.Edi |zh| ESP = &陷阱帧.Edi
        pop     edi                                     ; EDI = KTRAP_FRAME.Edi |zh| EDI = 陷阱帧.Edi
        pop     esi                                     ; ESI = KTRAP_FRAME.Esi |zh| ESI = 陷阱帧.Esi
        pop     ebx                                     ; EBX = KTRAP_FRAME.Ebx |zh| EBX = 陷阱帧.Ebx
        pop     ebp                                     ; EBP = KTRAP_FRAME.Ebp |zh| EBP = 陷阱帧.Ebp
        add     esp, 4                                  ; drop KTRAP_FRAME.ErrCode |zh| 丢弃陷阱帧.ErrCode
.iret:
        iretd                                           ; EIP, CS, EFLAGS, ESP, SS and the four V86 segments from the frame |zh| 从陷阱帧取 EIP、CS、EFLAGS、ESP、SS 以及四个 V86 段寄存器

        times KI_ABIOS_EXIT_RVA - ($ - $$) db 0xCC      ; (padding up to XP's AbiosExitHelp) |zh| （填充到 XP 的 AbiosExitHelp）

; AbiosExitHelp - KiServiceExit for a frame whose CS is above 80h (nt+0x6AFF4). XP switches back from an
; ABIOS 16-bit stack here; ntgate has no ABIOS selectors (choice), so it drops KTRAP_FRAME.ErrCode and
; returns with IRETD, which checks the CS it loads.
AbiosExitHelp:
        add     esp, 4                                  ; drop KTRAP_FRAME.ErrCode |zh| 丢弃陷阱帧.ErrCode
.iret:
        iretd                                           ; EIP, CS, EFLAGS (ESP, SS) from the frame |zh| 从陷阱帧取 EIP、CS、EFLAGS（以及 ESP、SS）

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
        mov     esi, [fs:KPCR.PrcbData.CurrentThread]   ; ESI = KPCR.PrcbData.CurrentThread |zh| ESI = KPCR.PrcbData.CurrentThread（当前线程）
        mov     ebx, [ebp + KTRAP_FRAME.Edx]            ; EBX = KTRAP_FRAME.Edx |zh| EBX = 陷阱帧.Edx
        mov     [esi + KTHREAD.TrapFrame], ebx          ; KTHREAD.TrapFrame = KTRAP_FRAME.Edx (previous frame), at once |zh| 立即令 KTHREAD.TrapFrame = 陷阱帧.Edx（上一个帧）
        push    ebp                                     ; TrapFrame |zh| TrapFrame（陷阱帧）
        push    0                                       ; ExceptionFrame = NULL |zh| ExceptionFrame = NULL
        push    dword [esp + 4 + 8]                     ; Context |zh| Context（CONTEXT 指针）
        call    KiContinue                              ; CONTEXT -> trap frame |zh| CONTEXT -> 陷阱帧
        or      eax, eax
        jnz     .failed
        cmp     byte [esp + 8], 0                       ; TestAlert? |zh| TestAlert？
        je      .exit
        movzx   eax, byte [esi + KTHREAD.PreviousMode]  ; EAX = KTHREAD.PreviousMode |zh| EAX = KTHREAD.PreviousMode（先前模式）
        push    eax                                     ; AlertMode = PreviousMode |zh| AlertMode = PreviousMode（先前模式）
        call    KeTestAlertThread                       ; may set UserApcPending: the next APC runs at once |zh| 可能设置 UserApcPending：下一个 APC 立即执行
.exit:
        mov     esp, ebp
        jmp     KiServiceExit2
.failed:
        ret     8                                       ; back to kss60 -> KiServiceExit with the status |zh| 带着返回状态回到 kss60 -> KiServiceExit

; ===================================================================================================
; NtRaiseException(ExceptionRecord, Context, FirstChance) - service B5h (NT-FACTS §10.3; WRK trap.asm
; _NtRaiseException). EBP = trap frame (dispatcher contract). The CONTEXT becomes the trap frame and
; the exception is dispatched from there: success leaves through KiServiceExit2 (IRETD into
; KiUserExceptionDispatcher, or nowhere when the process ended); failure returns the status normally.
; ===================================================================================================
NtRaiseException:
        mov     esi, [fs:KPCR.PrcbData.CurrentThread]   ; ESI = KPCR.PrcbData.CurrentThread |zh| ESI = KPCR.PrcbData.CurrentThread（当前线程）
        mov     ebx, [ebp + KTRAP_FRAME.Edx]            ; EBX = KTRAP_FRAME.Edx |zh| EBX = 陷阱帧.Edx
        mov     [esi + KTHREAD.TrapFrame], ebx          ; KTHREAD.TrapFrame = KTRAP_FRAME.Edx (previous frame), at once |zh| 立即令 KTHREAD.TrapFrame = 陷阱帧.Edx（上一个帧）
        mov     ebx, [ebp + KTRAP_FRAME.ExceptionList]  ; EBX = KTRAP_FRAME.ExceptionList |zh| EBX = 陷阱帧.ExceptionList
        mov     [fs:KPCR.NtTib.ExceptionList], ebx      ; KPCR.NtTib.ExceptionList = KTRAP_FRAME.ExceptionList |zh| KPCR.NtTib.ExceptionList = 陷阱帧.ExceptionList
        push    dword [esp + 12]                        ; FirstChance |zh| FirstChance（第一次机会）
        push    ebp                                     ; TrapFrame |zh| TrapFrame（陷阱帧）
        push    0                                       ; ExceptionFrame = NULL |zh| ExceptionFrame = NULL
        push    dword [esp + 8 + 12]                    ; Context |zh| Context（CONTEXT 指针）
        push    dword [esp + 4 + 16]                    ; ExceptionRecord |zh| ExceptionRecord（异常记录）
        call    KiRaiseException                        ; CONTEXT -> trap frame, then KiDispatchException |zh| CONTEXT -> 陷阱帧，然后 KiDispatchException 分发异常
        or      eax, eax
        jnz     .failed
        mov     esp, ebp
        jmp     KiServiceExit2
.failed:
        ret     0x0C                                    ; back to kss60 -> KiServiceExit with the status |zh| 带着返回状态回到 kss60 -> KiServiceExit

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
KiTrap00:                                               ; #DE, no error code |zh| #DE，无错误码
        push    0                                       ; KTRAP_FRAME.ErrCode = 0 (dummy) |zh| 陷阱帧.ErrCode = 0（占位）
        push    ebp                                     ; KTRAP_FRAME.Ebp |zh| 陷阱帧.Ebp
        mov     ebp, .body
        jmp     KiTrapEnter
.body:
        mov     eax, STATUS_INTEGER_DIVIDE_BY_ZERO
        jmp     KiTrapSimpleException

KiTrap01:                                               ; #DB (trap), no error code |zh| #DB（陷阱），无错误码
        push    0                                       ; KTRAP_FRAME.ErrCode = 0 (dummy) |zh| 陷阱帧.ErrCode = 0（占位）
        push    ebp                                     ; KTRAP_FRAME.Ebp |zh| 陷阱帧.Ebp
        mov     ebp, .body
        jmp     KiTrapEnter
.body:
        ; (XP's VdmAlert fast-BOP check is omitted: ntgate has no VDM.)
        cmp     dword [ebp + KTRAP_FRAME.Eip], KiFastCallEntry ; compare KTRAP_FRAME.Eip |zh| 比较陷阱帧.Eip
        jne     .notFastCall
        ; Single-stepped into SYSENTER (§10.4): restart at KiFastCallEntry2 without TF.
        mov     dword [ebp + KTRAP_FRAME.Eip], KiFastCallEntry2 ; KTRAP_FRAME.Eip = KiFastCallEntry2 |zh| 陷阱帧.Eip = KiFastCallEntry2
        and     dword [ebp + KTRAP_FRAME.EFlags], ~EFLAGS_TF ; KTRAP_FRAME.EFlags &= ~TF |zh| 陷阱帧.EFlags &= ~TF
        jmp     KiExceptionExit
.notFastCall:
        and     dword [ebp + KTRAP_FRAME.EFlags], ~EFLAGS_TF ; KTRAP_FRAME.EFlags &= ~TF |zh| 陷阱帧.EFlags &= ~TF
        mov     eax, STATUS_SINGLE_STEP
        jmp     KiTrapSimpleException

KiTrap03:                                               ; #BP (int 3), no error code |zh| #BP（int 3），无错误码
        push    0                                       ; KTRAP_FRAME.ErrCode = 0 (dummy) |zh| 陷阱帧.ErrCode = 0（占位）
        push    ebp                                     ; KTRAP_FRAME.Ebp |zh| 陷阱帧.Ebp
        mov     ebp, .body
        jmp     KiTrapEnter
.body:
        test    dword [ebp + KTRAP_FRAME.EFlags], EFLAGS_VM ; test KTRAP_FRAME.EFlags |zh| 测试陷阱帧.EFlags
        jnz     .user
        test    byte [ebp + KTRAP_FRAME.SegCs], MODE_MASK ; test KTRAP_FRAME.SegCs |zh| 测试陷阱帧.SegCs
        jz      .kernel
.user:
        mov     eax, STATUS_BREAKPOINT
        mov     ebx, [ebp + KTRAP_FRAME.Eip]            ; EBX = KTRAP_FRAME.Eip |zh| EBX = 陷阱帧.Eip
        dec     ebx                                     ; ExceptionAddress = the int 3 (KiDispatchException does Eip-- itself) |zh| ExceptionAddress = 那条 int 3（KiDispatchException 自己做 Eip--）
        mov     ecx, 1
        xor     edx, edx                                ; Parameter[0] = BREAKPOINT_BREAK |zh| Parameter[0] = BREAKPOINT_BREAK
        jmp     KiCommonDispatchException
.kernel:
        mov     eax, STATUS_BREAKPOINT
        jmp     KiBugCheckKernelException

KiTrap04:                                               ; #OF, no error code |zh| #OF，无错误码
        push    0                                       ; KTRAP_FRAME.ErrCode = 0 (dummy) |zh| 陷阱帧.ErrCode = 0（占位）
        push    ebp                                     ; KTRAP_FRAME.Ebp |zh| 陷阱帧.Ebp
        mov     ebp, .body
        jmp     KiTrapEnter
.body:
        mov     eax, STATUS_INTEGER_OVERFLOW
        jmp     KiTrapSimpleException

KiTrap05:                                               ; #BR, no error code |zh| #BR，无错误码
        push    0                                       ; KTRAP_FRAME.ErrCode = 0 (dummy) |zh| 陷阱帧.ErrCode = 0（占位）
        push    ebp                                     ; KTRAP_FRAME.Ebp |zh| 陷阱帧.Ebp
        mov     ebp, .body
        jmp     KiTrapEnter
.body:
        mov     eax, STATUS_ARRAY_BOUNDS_EXCEEDED
        jmp     KiTrapSimpleException

KiTrap06:                                               ; #UD, no error code |zh| #UD，无错误码
        push    0                                       ; KTRAP_FRAME.ErrCode = 0 (dummy) |zh| 陷阱帧.ErrCode = 0（占位）
        push    ebp                                     ; KTRAP_FRAME.Ebp |zh| 陷阱帧.Ebp
        mov     ebp, .body
        jmp     KiTrapEnter
.body:
        mov     eax, STATUS_ILLEGAL_INSTRUCTION
        jmp     KiTrapSimpleException

KiTrap0D:                                               ; #GP, error code pushed by the CPU |zh| #GP，错误码由 CPU 压栈
        push    ebp                                     ; KTRAP_FRAME.Ebp |zh| 陷阱帧.Ebp
        mov     ebp, .body
        jmp     KiTrapEnter
.body:
        test    dword [ebp + KTRAP_FRAME.EFlags], EFLAGS_VM ; test KTRAP_FRAME.EFlags |zh| 测试陷阱帧.EFlags
        jnz     .user
        test    byte [ebp + KTRAP_FRAME.SegCs], MODE_MASK ; test KTRAP_FRAME.SegCs |zh| 测试陷阱帧.SegCs
        jnz     .user
        ; Kernel mode: a fault of the exit path on the way to user mode?
        call    KiClassifyExitFault
        cmp     eax, 1
        je      .zeroSelector
        cmp     eax, 2
        je      .iretFault
        ; The lazy DS/ES reload of an int 2Eh caller's bad selectors (§10.5).
        cmp     word [ebp + KTRAP_FRAME.SegDs], USER_DS ; compare KTRAP_FRAME.SegDs |zh| 比较陷阱帧.SegDs
        je      .checkEs
        mov     dword [ebp + KTRAP_FRAME.SegDs], USER_DS ; KTRAP_FRAME.SegDs = 23h |zh| 陷阱帧.SegDs = 23h
        jmp     KiExceptionExit                         ; restart the instruction with DS = 23h |zh| 以 DS = 23h 重新执行该指令
.checkEs:
        cmp     word [ebp + KTRAP_FRAME.SegEs], USER_DS ; compare KTRAP_FRAME.SegEs |zh| 比较陷阱帧.SegEs
        je      .kernel
        mov     dword [ebp + KTRAP_FRAME.SegEs], USER_DS ; KTRAP_FRAME.SegEs = 23h |zh| 陷阱帧.SegEs = 23h
        jmp     KiExceptionExit
.kernel:
        mov     eax, STATUS_ACCESS_VIOLATION
        jmp     KiBugCheckKernelException
.zeroSelector:
        ; A POP of a bad selector: zero the selector in the frame being restored (the dword the POP reads, at
        ; the faulting ESP = &KTRAP_FRAME.HardwareEsp of this same-ring frame) and retry: a null selector always
        ; loads, and the thread meets the null selector when it uses it.
        mov     dword [ebp + KTRAP_FRAME.HardwareEsp], 0 ; the interrupted frame's selector slot = 0 (same-ring #GP: no HardwareEsp here) |zh| 被中断帧的选择子槽位 = 0（同级 #GP：这里没有 HardwareEsp）
        jmp     KiExceptionExit
.iretFault:
        ; The IRETD to user mode refused the frame it was given (a CS or SS a CONTEXT supplied: RPL 3 on a
        ; kernel segment, a data segment as CS, a null SS, a selector past the GDT). The fault frame sits just
        ; below the IRETD frame, so KTRAP_FRAME.HardwareEsp.. of this frame hold the EIP, CS, EFLAGS, ESP and SS
        ; being restored, and the registers the exit path had already loaded are in the rest of it. Make this
        ; the frame of a user-mode fault at that EIP and raise the access violation there (WRK Kt0d: the fault
        ; is reflected to the thread, the kernel goes on).
        mov     eax, [ebp + KTRAP_FRAME.HardwareEsp]    ; EAX = KTRAP_FRAME.HardwareEsp: the EIP being restored |zh| EAX = 陷阱帧.HardwareEsp：正要恢复的 EIP
        mov     ecx, [ebp + KTRAP_FRAME.HardwareSegSs]  ; ECX = KTRAP_FRAME.HardwareSegSs: the CS being restored |zh| ECX = 陷阱帧.HardwareSegSs：正要恢复的 CS
        mov     edx, [ebp + KTRAP_FRAME.V86Es]          ; EDX = KTRAP_FRAME.V86Es: the EFLAGS being restored |zh| EDX = 陷阱帧.V86Es：正要恢复的 EFLAGS
        mov     ebx, [ebp + KTRAP_FRAME.V86Ds]          ; EBX = KTRAP_FRAME.V86Ds: the ESP being restored |zh| EBX = 陷阱帧.V86Ds：正要恢复的 ESP
        mov     esi, [ebp + KTRAP_FRAME.V86Fs]          ; ESI = KTRAP_FRAME.V86Fs: the SS being restored |zh| ESI = 陷阱帧.V86Fs：正要恢复的 SS
        mov     [ebp + KTRAP_FRAME.Eip], eax            ; KTRAP_FRAME.Eip = the user EIP |zh| 陷阱帧.Eip = 用户态 EIP
        mov     [ebp + KTRAP_FRAME.SegCs], ecx          ; KTRAP_FRAME.SegCs = the user CS |zh| 陷阱帧.SegCs = 用户态 CS
        mov     [ebp + KTRAP_FRAME.EFlags], edx         ; KTRAP_FRAME.EFlags = the user EFLAGS |zh| 陷阱帧.EFlags = 用户态 EFLAGS
        mov     [ebp + KTRAP_FRAME.HardwareEsp], ebx    ; KTRAP_FRAME.HardwareEsp = the user ESP |zh| 陷阱帧.HardwareEsp = 用户态 ESP
        mov     [ebp + KTRAP_FRAME.HardwareSegSs], esi  ; KTRAP_FRAME.HardwareSegSs = the user SS |zh| 陷阱帧.HardwareSegSs = 用户态 SS
        or      dword [ebp + KTRAP_FRAME.SegCs], MODE_MASK ; KTRAP_FRAME.SegCs |= 1: a user frame whatever RPL the bad CS had |zh| 陷阱帧.SegCs |= 1：无论坏 CS 的 RPL 是多少，都当作用户态帧
        jmp     .accessViolation
.user:
        ; A #GP(0) on a privileged instruction is STATUS_PRIVILEGED_INSTRUCTION (XP Kt0d; ReactOS
        ; KiTrap0DHandler has the same tables): skip up to 15 prefixes, then test the opcode. The bytes were
        ; just fetched by the CPU, so reading them here does not fault.
        cmp     dword [ebp + KTRAP_FRAME.ErrCode], 0    ; compare KTRAP_FRAME.ErrCode |zh| 比较陷阱帧.ErrCode
        jne     .accessViolation                        ; a selector error code: not an instruction class |zh| 选择子错误码：不属于指令类错误
        test    dword [ebp + KTRAP_FRAME.EFlags], EFLAGS_VM ; test KTRAP_FRAME.EFlags |zh| 测试陷阱帧.EFlags
        jnz     .accessViolation                        ; (no VDM in ntgate) |zh| （ntgate 没有 VDM）
        mov     esi, [ebp + KTRAP_FRAME.Eip]            ; KTRAP_FRAME.Eip: ESI = the faulting instruction |zh| 陷阱帧.Eip：ESI = 出错的指令
        mov     ecx, 15                                 ; an instruction is at most 15 bytes |zh| 一条指令最长 15 字节
.prefix:
        mov     al, [esi]                               ; AL = next byte |zh| AL = 下一个字节
        cmp     al, 0x26                                ; ES: |zh| ES:
        je      .skipPrefix
        cmp     al, 0x2E                                ; CS: |zh| CS:
        je      .skipPrefix
        cmp     al, 0x36                                ; SS: |zh| SS:
        je      .skipPrefix
        cmp     al, 0x3E                                ; DS: |zh| DS:
        je      .skipPrefix
        cmp     al, 0x64                                ; FS: |zh| FS:
        je      .skipPrefix
        cmp     al, 0x65                                ; GS: |zh| GS:
        je      .skipPrefix
        cmp     al, 0x66                                ; operand size |zh| 操作数大小前缀
        je      .skipPrefix
        cmp     al, 0x67                                ; address size |zh| 地址大小前缀
        je      .skipPrefix
        cmp     al, 0xF0                                ; LOCK |zh| LOCK
        je      .skipPrefix
        cmp     al, 0xF2                                ; REPNE |zh| REPNE
        je      .skipPrefix
        cmp     al, 0xF3                                ; REP |zh| REP
        jne     .opcode
.skipPrefix:
        inc     esi
        dec     ecx
        jnz     .prefix
        mov     eax, STATUS_ILLEGAL_INSTRUCTION         ; nothing but prefixes: too long |zh| 全是前缀：太长
        jmp     KiTrapSimpleException.user
.opcode:
        cmp     al, 0xF4                                ; HLT |zh| HLT
        je      .privileged
        cmp     al, 0x0F
        je      .twoByte
        mov     edx, [ebp + KTRAP_FRAME.EFlags]         ; EDX = KTRAP_FRAME.EFlags |zh| EDX = 陷阱帧.EFlags
        shr     edx, 12
        and     edx, 3                                  ; EDX = IOPL |zh| EDX = IOPL
        mov     ebx, [ebp + KTRAP_FRAME.SegCs]          ; EBX = KTRAP_FRAME.SegCs |zh| EBX = 陷阱帧.SegCs
        and     ebx, 3                                  ; EBX = CPL of the faulting code |zh| EBX = 出错代码的 CPL
        cmp     ebx, edx
        jbe     .accessViolation                        ; CPL <= IOPL: not an I/O-privilege fault |zh| CPL <= IOPL：不是 I/O 特权错误
        cmp     al, 0xFA                                ; CLI |zh| CLI
        je      .privileged
        cmp     al, 0xFB                                ; STI |zh| STI
        je      .privileged
        mov     dl, al
        and     dl, 0xF4
        cmp     dl, 0xE4                                ; IN/OUT imm8 (E4-E7) or DX (EC-EF) |zh| IN/OUT imm8（E4-E7）或 DX（EC-EF）
        je      .privileged
        mov     dl, al
        and     dl, 0xFC
        cmp     dl, 0x6C                                ; INS/OUTS (6C-6F) |zh| INS/OUTS（6C-6F）
        je      .privileged
        jmp     .accessViolation
.twoByte:
        mov     al, [esi + 1]                           ; AL = second opcode byte |zh| AL = 第二个操作码字节
        mov     dl, [esi + 2]
        and     dl, 0x38                                ; DL = ModRM.reg |zh| DL = ModRM.reg
        cmp     al, 0x00                                ; group 6 |zh| 第 6 组
        jne     .group7
        cmp     dl, 0x10                                ; LLDT |zh| LLDT
        je      .privileged
        cmp     dl, 0x18                                ; LTR |zh| LTR
        je      .privileged
        jmp     .accessViolation
.group7:
        cmp     al, 0x01                                ; group 7 |zh| 第 7 组
        jne     .others
        cmp     dl, 0x10                                ; LGDT |zh| LGDT
        je      .privileged
        cmp     dl, 0x18                                ; LIDT |zh| LIDT
        je      .privileged
        cmp     dl, 0x30                                ; LMSW |zh| LMSW
        je      .privileged
        cmp     dl, 0x38                                ; INVLPG |zh| INVLPG
        je      .privileged
        jmp     .accessViolation
.others:
        cmp     al, 0x06                                ; CLTS |zh| CLTS
        je      .privileged
        cmp     al, 0x08                                ; INVD |zh| INVD
        je      .privileged
        cmp     al, 0x09                                ; WBINVD |zh| WBINVD
        je      .privileged
        cmp     al, 0x30                                ; WRMSR |zh| WRMSR
        je      .privileged
        cmp     al, 0x32                                ; RDMSR |zh| RDMSR
        je      .privileged
        cmp     al, 0x33                                ; RDPMC |zh| RDPMC
        je      .privileged
        cmp     al, 0x35                                ; SYSEXIT |zh| SYSEXIT
        je      .privileged
        mov     dl, al
        and     dl, 0xF8
        cmp     dl, 0x20                                ; MOV to/from CRn, DRn, TRn (0F 20-27) |zh| MOV 到/自 CRn、DRn、TRn（0F 20-27）
        jne     .accessViolation
.privileged:
        mov     eax, STATUS_PRIVILEGED_INSTRUCTION      ; no parameters, address = the instruction |zh| 无参数，地址 = 该指令
        jmp     KiTrapSimpleException.user
.accessViolation:
        mov     eax, STATUS_ACCESS_VIOLATION
        mov     ebx, [ebp + KTRAP_FRAME.Eip]            ; EBX = KTRAP_FRAME.Eip |zh| EBX = 陷阱帧.Eip
        mov     ecx, 2
        xor     edx, edx                                ; Parameter[0] = 0 (read) |zh| Parameter[0] = 0（读）
        mov     esi, 0xFFFFFFFF                         ; Parameter[1] = -1 (no address) |zh| Parameter[1] = -1（无地址）
        jmp     KiCommonDispatchException

KiTrap0E:                                               ; #PF, error code pushed by the CPU |zh| #PF，错误码由 CPU 压栈
        push    ebp                                     ; KTRAP_FRAME.Ebp |zh| 陷阱帧.Ebp
        mov     ebp, .body
        jmp     KiTrapEnter
.body:
        mov     edi, cr2                                ; EDI = faulting address |zh| EDI = 出错地址
        mov     eax, [ebp + KTRAP_FRAME.SegCs]          ; EAX = KTRAP_FRAME.SegCs |zh| EAX = 陷阱帧.SegCs
        and     eax, MODE_MASK
        test    dword [ebp + KTRAP_FRAME.EFlags], EFLAGS_VM ; test KTRAP_FRAME.EFlags |zh| 测试陷阱帧.EFlags
        jz      .mode
        mov     eax, UserMode
.mode:
        mov     ecx, [ebp + KTRAP_FRAME.ErrCode]        ; ECX = KTRAP_FRAME.ErrCode |zh| ECX = 陷阱帧.ErrCode
        shr     ecx, 1
        and     ecx, 1                                  ; StoreInstruction = ErrCode bit 1 |zh| StoreInstruction = ErrCode 的第 1 位
        movzx   edx, byte [fs:KPCR.Irql]                ; EDX = KPCR.Irql |zh| EDX = KPCR.Irql
        cmp     edx, DISPATCH_LEVEL
        jae     .irql                                   ; nothing may page at DISPATCH_LEVEL or above |zh| 在 DISPATCH_LEVEL 及以上不允许缺页换页
        push    ebp                                     ; TrapInformation |zh| TrapInformation（陷阱帧）
        push    eax                                     ; PreviousMode of the faulting frame |zh| 出错帧的先前模式
        push    edi                                     ; VirtualAddress |zh| VirtualAddress（出错的虚拟地址）
        push    ecx                                     ; StoreInstruction |zh| StoreInstruction（是否写操作）
        call    MmAccessFault
        test    eax, eax
        jge     KiExceptionExit                         ; resolved: retry the instruction |zh| 已解决：重新执行该指令
        test    dword [ebp + KTRAP_FRAME.EFlags], EFLAGS_VM ; test KTRAP_FRAME.EFlags |zh| 测试陷阱帧.EFlags
        jnz     .user
        test    byte [ebp + KTRAP_FRAME.SegCs], MODE_MASK ; test KTRAP_FRAME.SegCs |zh| 测试陷阱帧.SegCs
        jnz     .user
        ; Kernel mode: the argument-copy and TEB-read fixups (§10.1).
        cmp     dword [ebp + KTRAP_FRAME.Eip], KiSystemServiceCopyArguments ; compare KTRAP_FRAME.Eip |zh| 比较陷阱帧.Eip
        je      .fixupCopy
        cmp     dword [ebp + KTRAP_FRAME.Eip], KiSystemServiceAccessTeb ; compare KTRAP_FRAME.Eip |zh| 比较陷阱帧.Eip
        je      .fixupTeb
        cmp     edi, MM_SYSTEM_RANGE_START
        jb      .kernelUser
        mov     ecx, [ebp + KTRAP_FRAME.ErrCode]        ; ECX = KTRAP_FRAME.ErrCode |zh| ECX = 陷阱帧.ErrCode
        shr     ecx, 1
        and     ecx, 1
        push    0
        push    dword [ebp + KTRAP_FRAME.Eip]           ; push KTRAP_FRAME.Eip |zh| 压入陷阱帧.Eip
        push    ecx
        push    edi
        push    PAGE_FAULT_IN_NONPAGED_AREA
        call    KeBugCheckEx
.kernelUser:
        mov     eax, STATUS_ACCESS_VIOLATION
        jmp     KiBugCheckKernelException
.irql:
        push    dword [ebp + KTRAP_FRAME.Eip]           ; KTRAP_FRAME.Eip: P4 = the faulting instruction |zh| 陷阱帧.Eip：P4 = 出错的指令
        push    ecx                                     ; P3 = 1 for a write |zh| P3 = 写操作时为 1
        push    edx                                     ; P2 = the IRQL |zh| P2 = IRQL
        push    edi                                     ; P1 = the address referenced |zh| P1 = 访问的地址
        push    IRQL_NOT_LESS_OR_EQUAL
        call    KeBugCheckEx
.fixupCopy:
        mov     ecx, [ebp + KTRAP_FRAME.Ebp]            ; KTRAP_FRAME.Ebp: the system-service frame |zh| 陷阱帧.Ebp：系统服务的陷阱帧
        test    byte [ecx + KTRAP_FRAME.SegCs], MODE_MASK ; test KTRAP_FRAME.SegCs |zh| 测试陷阱帧.SegCs
        jz      .kernelUser                             ; a kernel caller is not fixed up |zh| 内核态调用者不做修复
        mov     dword [ebp + KTRAP_FRAME.Eip], kss60    ; KTRAP_FRAME.Eip = kss60: the service is never called |zh| 陷阱帧.Eip = kss60：服务不会被调用
        mov     dword [ebp + KTRAP_FRAME.Eax], STATUS_ACCESS_VIOLATION ; KTRAP_FRAME.Eax = STATUS_ACCESS_VIOLATION |zh| 陷阱帧.Eax = STATUS_ACCESS_VIOLATION
        jmp     KiExceptionExit
.fixupTeb:
        mov     ecx, [ebp + KTRAP_FRAME.Ebp]            ; ECX = KTRAP_FRAME.Ebp |zh| ECX = 陷阱帧.Ebp
        test    byte [ecx + KTRAP_FRAME.SegCs], MODE_MASK ; test KTRAP_FRAME.SegCs |zh| 测试陷阱帧.SegCs
        jz      .kernelUser
        mov     dword [ebp + KTRAP_FRAME.Eip], kss61    ; KTRAP_FRAME.Eip = kss61 |zh| 陷阱帧.Eip = kss61
        mov     dword [ebp + KTRAP_FRAME.Eax], STATUS_ACCESS_VIOLATION ; KTRAP_FRAME.Eax = STATUS_ACCESS_VIOLATION |zh| 陷阱帧.Eax = STATUS_ACCESS_VIOLATION
        jmp     KiExceptionExit
.user:
        cmp     eax, STATUS_ACCESS_VIOLATION
        jne     .raise
        mov     eax, KI_EXCEPTION_ACCESS_VIOLATION      ; KiDispatchException turns it back into C0000005h |zh| KiDispatchException 会把它还原成 C0000005h
.raise:
        mov     ebx, [ebp + KTRAP_FRAME.Eip]            ; EBX = KTRAP_FRAME.Eip |zh| EBX = 陷阱帧.Eip
        mov     ecx, 2
        mov     edx, [ebp + KTRAP_FRAME.ErrCode]        ; EDX = KTRAP_FRAME.ErrCode |zh| EDX = 陷阱帧.ErrCode
        shr     edx, 1
        and     edx, 1                                  ; Parameter[0] = 1 for a write |zh| Parameter[0] = 写操作时为 1
        test    dword [ebp + KTRAP_FRAME.ErrCode], 0x10 ; KTRAP_FRAME.ErrCode: I/D: an instruction fetch (only with EFER.NXE) |zh| 陷阱帧.ErrCode：I/D：取指令引起（仅在 EFER.NXE 时）
        jz      .notExecute
        mov     edx, 8                                  ; Parameter[0] = 8: execute (EXCEPTION_EXECUTE_FAULT) |zh| Parameter[0] = 8：执行（EXCEPTION_EXECUTE_FAULT）
.notExecute:
        mov     esi, edi                                ; Parameter[1] = faulting address |zh| Parameter[1] = 出错地址
        jmp     KiCommonDispatchException

; The traps the kernel does not expect. User mode gets STATUS_ILLEGAL_INSTRUCTION (choice: ntgate has
; no FPU, no segment-not-present handling and no alignment checks); kernel mode is bug check 7Fh.
KiTrap07:                                               ; #NM, no error code |zh| #NM，无错误码
        push    0                                       ; KTRAP_FRAME.ErrCode = 0 (dummy) |zh| 陷阱帧.ErrCode = 0（占位）
        push    ebp                                     ; KTRAP_FRAME.Ebp |zh| 陷阱帧.Ebp
        mov     ebp, .body
        jmp     KiTrapEnter
.body:
        mov     eax, 0x07
        jmp     KiTrapUnexpected

KiTrap0A:                                               ; #TS, error code pushed by the CPU |zh| #TS，错误码由 CPU 压栈
        push    ebp                                     ; KTRAP_FRAME.Ebp |zh| 陷阱帧.Ebp
        mov     ebp, .body
        jmp     KiTrapEnter
.body:
        mov     eax, 0x0A
        jmp     KiTrapUnexpected

KiTrap0B:                                               ; #NP, error code pushed by the CPU |zh| #NP，错误码由 CPU 压栈
        push    ebp                                     ; KTRAP_FRAME.Ebp |zh| 陷阱帧.Ebp
        mov     ebp, .body
        jmp     KiTrapEnter
.body:
        test    dword [ebp + KTRAP_FRAME.EFlags], EFLAGS_VM ; KTRAP_FRAME.EFlags: a V86 fault? |zh| 陷阱帧.EFlags：是 V86 模式下的异常吗？
        jnz     .unexpected
        test    byte [ebp + KTRAP_FRAME.SegCs], MODE_MASK ; KTRAP_FRAME.SegCs: a user-mode fault? |zh| 陷阱帧.SegCs：是用户态的异常吗？
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

KiTrap0C:                                               ; #SS, error code pushed by the CPU |zh| #SS，错误码由 CPU 压栈
        push    ebp                                     ; KTRAP_FRAME.Ebp |zh| 陷阱帧.Ebp
        mov     ebp, .body
        jmp     KiTrapEnter
.body:
        test    dword [ebp + KTRAP_FRAME.EFlags], EFLAGS_VM ; KTRAP_FRAME.EFlags: a V86 fault? |zh| 陷阱帧.EFlags：是 V86 模式下的异常吗？
        jnz     .unexpected
        test    byte [ebp + KTRAP_FRAME.SegCs], MODE_MASK ; KTRAP_FRAME.SegCs: a user-mode fault? |zh| 陷阱帧.SegCs：是用户态的异常吗？
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

KiTrap10:                                               ; #MF, no error code |zh| #MF，无错误码
        push    0                                       ; KTRAP_FRAME.ErrCode = 0 (dummy) |zh| 陷阱帧.ErrCode = 0（占位）
        push    ebp                                     ; KTRAP_FRAME.Ebp |zh| 陷阱帧.Ebp
        mov     ebp, .body
        jmp     KiTrapEnter
.body:
        mov     eax, 0x10
        jmp     KiTrapUnexpected

KiTrap11:                                               ; #AC, error code pushed by the CPU |zh| #AC，错误码由 CPU 压栈
        push    ebp                                     ; KTRAP_FRAME.Ebp |zh| 陷阱帧.Ebp
        mov     ebp, .body
        jmp     KiTrapEnter
.body:
        mov     eax, 0x11
        jmp     KiTrapUnexpected

KiTrap13:                                               ; #XM, no error code |zh| #XM，无错误码
        push    0                                       ; KTRAP_FRAME.ErrCode = 0 (dummy) |zh| 陷阱帧.ErrCode = 0（占位）
        push    ebp                                     ; KTRAP_FRAME.Ebp |zh| 陷阱帧.Ebp
        mov     ebp, .body
        jmp     KiTrapEnter
.body:
        mov     eax, 0x13
        jmp     KiTrapUnexpected

KiTrapXX:                                               ; any other vector (no error code assumed); reported as vector FFh |zh| 其他任何向量（假定无错误码）；报告为向量 FFh
        push    0                                       ; KTRAP_FRAME.ErrCode = 0 (dummy) |zh| 陷阱帧.ErrCode = 0（占位）
        push    ebp                                     ; KTRAP_FRAME.Ebp |zh| 陷阱帧.Ebp
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
        mov     eax, [ebp + KTRAP_FRAME.Eip]            ; EAX = KTRAP_FRAME.Eip: the faulting instruction |zh| EAX = 陷阱帧.Eip：出错的指令
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
        test    dword [ebp + KTRAP_FRAME.V86Es], EFLAGS_VM ; KTRAP_FRAME.V86Es, the EFLAGS image: back to V86 mode? |zh| 陷阱帧.V86Es，即 EFLAGS 映像：要回到 V86 模式吗？
        jnz     .outer
        test    byte [ebp + KTRAP_FRAME.HardwareSegSs], MODE_MASK ; KTRAP_FRAME.HardwareSegSs, the CS image: an outer level? |zh| 陷阱帧.HardwareSegSs，即 CS 映像：要回到外层特权级吗？
        jz      .kernelIret
.outer:
        mov     eax, 2
        ret
.kernelIret:
        xor     eax, eax
        ret

; KiTrapEnter - ENTER_TRAP: the rest of the KTRAP_FRAME below ErrCode/Ebp. In: EBP = the body.
KiTrapEnter:
        push    ebx                                     ; KTRAP_FRAME.Ebx |zh| 陷阱帧.Ebx
        push    esi                                     ; KTRAP_FRAME.Esi |zh| 陷阱帧.Esi
        push    edi                                     ; KTRAP_FRAME.Edi |zh| 陷阱帧.Edi
        push    fs                                      ; KTRAP_FRAME.SegFs |zh| 陷阱帧.SegFs
        mov     ebx, KGDT_R0_PCR
        mov     fs, bx                                  ; FS = 30h |zh| FS = 30h
        push    dword [fs:KPCR.NtTib.ExceptionList]     ; KTRAP_FRAME.ExceptionList = KPCR.NtTib.ExceptionList |zh| 陷阱帧.ExceptionList = KPCR.NtTib.ExceptionList
        push    -1                                      ; KTRAP_FRAME.PreviousPreviousMode = -1 (a trap frame, not a system call) |zh| 陷阱帧.PreviousPreviousMode = -1（异常陷阱帧，不是系统调用）
        push    eax                                     ; KTRAP_FRAME.Eax |zh| 陷阱帧.Eax
        push    ecx                                     ; KTRAP_FRAME.Ecx |zh| 陷阱帧.Ecx
        push    edx                                     ; KTRAP_FRAME.Edx |zh| 陷阱帧.Edx
        push    ds                                      ; KTRAP_FRAME.SegDs |zh| 陷阱帧.SegDs
        push    es                                      ; KTRAP_FRAME.SegEs |zh| 陷阱帧.SegEs
        push    gs                                      ; KTRAP_FRAME.SegGs |zh| 陷阱帧.SegGs
        mov     ax, USER_DS
        sub     esp, KTRAP_FRAME.SegGs                  ; KTRAP_FRAME.SegGs: allocate KTRAP_FRAME.DbgEbp..Dr7 |zh| 陷阱帧.SegGs：在内核栈上留出陷阱帧的 DbgEbp..Dr7
        mov     ds, ax                                  ; DS = 23h |zh| DS = 23h
        mov     es, ax                                  ; ES = 23h |zh| ES = 23h
        mov     esi, ebp                                ; ESI = body |zh| ESI = 处理主体
        mov     ebp, esp                                ; EBP = trap frame |zh| EBP = 陷阱帧
        cld
        mov     ebx, [ebp + KTRAP_FRAME.Ebp]            ; EBX = KTRAP_FRAME.Ebp |zh| EBX = 陷阱帧.Ebp
        mov     edi, [ebp + KTRAP_FRAME.Eip]            ; EDI = KTRAP_FRAME.Eip |zh| EDI = 陷阱帧.Eip
        mov     dword [ebp + KTRAP_FRAME.DbgArgPointer], 0 ; KTRAP_FRAME.DbgArgPointer = 0 (no arguments) |zh| 陷阱帧.DbgArgPointer = 0（无参数）
        mov     dword [ebp + KTRAP_FRAME.DbgArgMark], TRAP_FRAME_MARKER ; KTRAP_FRAME.DbgArgMark = BADB0D00h |zh| 陷阱帧.DbgArgMark = BADB0D00h
        mov     [ebp + KTRAP_FRAME.DbgEbp], ebx         ; KTRAP_FRAME.DbgEbp = interrupted EBP |zh| 陷阱帧.DbgEbp = 被中断处的 EBP
        mov     [ebp + KTRAP_FRAME.DbgEip], edi         ; KTRAP_FRAME.DbgEip = interrupted EIP |zh| 陷阱帧.DbgEip = 被中断处的 EIP
        test    byte [fs:KPCR.DebugActive], 0xFF        ; test KPCR.DebugActive |zh| 测试 KPCR.DebugActive
        jz      .go
        call    KiSaveDebugRegisters
.go:
        jmp     esi

; KiTrapSimpleException - EAX = exception code, no parameters, address = frame Eip.
KiTrapSimpleException:
        test    dword [ebp + KTRAP_FRAME.EFlags], EFLAGS_VM ; test KTRAP_FRAME.EFlags |zh| 测试陷阱帧.EFlags
        jnz     .user
        test    byte [ebp + KTRAP_FRAME.SegCs], MODE_MASK ; test KTRAP_FRAME.SegCs |zh| 测试陷阱帧.SegCs
        jz      KiBugCheckKernelException
.user:
        mov     ebx, [ebp + KTRAP_FRAME.Eip]            ; EBX = KTRAP_FRAME.Eip |zh| EBX = 陷阱帧.Eip
        xor     ecx, ecx
        jmp     KiCommonDispatchException

; KiTrapUnexpected - EAX = vector.
KiTrapUnexpected:
        test    dword [ebp + KTRAP_FRAME.EFlags], EFLAGS_VM ; test KTRAP_FRAME.EFlags |zh| 测试陷阱帧.EFlags
        jnz     .user
        test    byte [ebp + KTRAP_FRAME.SegCs], MODE_MASK ; test KTRAP_FRAME.SegCs |zh| 测试陷阱帧.SegCs
        jnz     .user
        push    0
        push    0
        push    0
        push    eax                                     ; P1 = vector |zh| P1 = 向量号
        push    UNEXPECTED_KERNEL_MODE_TRAP
        call    KeBugCheckEx
.user:
        mov     eax, STATUS_ILLEGAL_INSTRUCTION
        jmp     KiTrapSimpleException.user

; KiBugCheckKernelException - EAX = exception code of a kernel-mode fault nobody handles.
KiBugCheckKernelException:
        push    0
        push    ebp                                     ; P3 = trap frame |zh| P3 = 陷阱帧
        push    dword [ebp + KTRAP_FRAME.Eip]           ; KTRAP_FRAME.Eip: P2 = address |zh| 陷阱帧.Eip：P2 = 地址
        push    eax                                     ; P1 = exception code |zh| P1 = 异常代码
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
        push    1                                       ; FirstChance = TRUE |zh| FirstChance（第一次机会）= TRUE
        push    UserMode                                ; PreviousMode |zh| PreviousMode（先前模式）
        push    ebp                                     ; TrapFrame |zh| TrapFrame（陷阱帧）
        push    0                                       ; ExceptionFrame = NULL |zh| ExceptionFrame = NULL
        push    ecx                                     ; ExceptionRecord |zh| ExceptionRecord（异常记录）
        call    KiDispatchException
        mov     esp, ebp
        jmp     KiExceptionExit

; ===================================================================================================
; Small kernel routines.
; ===================================================================================================

; KfRaiseIrql (fastcall): CL = new IRQL; returns the old IRQL in AL.
KfRaiseIrql:
        movzx   eax, byte [fs:KPCR.Irql]                ; EAX = KPCR.Irql |zh| EAX = KPCR.Irql
        mov     [fs:KPCR.Irql], cl                      ; KPCR.Irql = new IRQL |zh| KPCR.Irql = 新的 IRQL
        ret

; KfLowerIrql (fastcall): CL = new IRQL. (No software-interrupt check: ntgate has no DPCs.)
KfLowerIrql:
        mov     [fs:KPCR.Irql], cl                      ; KPCR.Irql = new IRQL |zh| KPCR.Irql = 新的 IRQL
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
        hostcall HC_PsConvertToGuiThread                ; EAX = NTSTATUS; KTHREAD.ServiceTable = the shadow table on success |zh| EAX = NTSTATUS；成功时 KTHREAD.ServiceTable = 影子系统服务表
        ret

; win32k's batch flush (ntgate's stand-in, choice of name); KeGdiFlushUserBatch points here.
GdiFlushUserBatch:
        hostcall HC_KeGdiFlushUserBatch                 ; TEB.GdiBatchCount = 0 |zh| TEB.GdiBatchCount = 0
        ret

KeBugCheckEx:
        hostcall HC_KeBugCheckEx
.halt:
        hlt                                             ; never reached: the host stops the machine |zh| 永远不会执行到：宿主会停下机器
        jmp     .halt

; KiEnableFastSyscallReturn (NT-FACTS §7): point KiSystemCallExitBranch at KiSystemCallExit2.
KiEnableFastSyscallReturn:
        mov     al, [KiSystemCallExitAdjusted]
        cmp     al, [KiSystemCallExitAdjust]
        jne     .patch
        cmp     byte [KiFastCallCopyDoneOnce], 0
        jne     .done                                   ; already applied (the image may be read-only) |zh| 已经修补过（映像可能是只读的）
.patch:
        mov     cl, [KiSystemCallExitBranch + 1]
        sub     cl, al
        add     cl, [KiSystemCallExitAdjust]
        cmp     cl, 0x80
        jae     .once                                   ; the displacement must stay a short forward jump |zh| 位移必须保持为短的向前跳转
        call    KiWriteProtectOff                       ; the image is read-only: clear CR0.WP around the patch |zh| 映像是只读的：修补前后清除 CR0.WP
        mov     [KiSystemCallExitBranch + 1], cl        ; patch the jnz displacement |zh| 修补 jnz 的位移
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
        call    KiWriteProtectOff                       ; the image is read-only: clear CR0.WP around the patch |zh| 映像是只读的：修补前后清除 CR0.WP
        sub     [KiSystemCallExitBranch + 1], al        ; patch the jnz displacement back |zh| 把 jnz 的位移改回去
        call    KiWriteProtectOn
        mov     byte [KiSystemCallExitAdjusted], 0
.done:
        ret

; KiWriteProtectOff / KiWriteProtectOn: the kernel patches its own code with interrupts off and CR0.WP
; clear, since ntoskrnl's code pages are mapped read-only (small pages, docs/NT-FACTS-additions.md).
; Off saves EFLAGS and CR0 in KiWriteProtectFlags / KiWriteProtectCr0; On restores both. EDX is kept.
KiWriteProtectOff:
        pushfd
        pop     dword [KiWriteProtectFlags]             ; the caller's EFLAGS (IF) |zh| 调用者的 EFLAGS（IF）
        cli
        push    edx
        mov     edx, cr0
        mov     [KiWriteProtectCr0], edx
        and     edx, ~CR0_WP
        mov     cr0, edx                                ; CR0.WP = 0: ring 0 may write read-only pages |zh| CR0.WP = 0：ring 0 可以写只读页
        pop     edx
        ret

KiWriteProtectOn:
        push    edx
        mov     edx, [KiWriteProtectCr0]
        mov     cr0, edx                                ; CR0.WP restored |zh| 恢复 CR0.WP
        pop     edx
        push    dword [KiWriteProtectFlags]
        popfd                                           ; IF restored |zh| 恢复 IF
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
