; exports.asm - what ntoskrnl.exe and hal.dll export to kernel drivers, and the I/O manager's driver calls.
;
; Appended to ntoskrnl.asm (and the generated service part) before the kernel is assembled, so these
; routines live in nt's image at nt!Name. Routines that only touch registers, the KPCR and memory are guest
; code here; the rest are wrappers of Java host routines (nt.drv.DriverServices) with XP's calling
; conventions: stdcall `ret N`, fastcall (ECX, EDX) for the @-decorated exports, cdecl `ret` for DbgPrint
; and the C runtime routines. nt.drv.DriverExports lists which names each DLL exports.
;
; ntgate's kernel is ntkrnlpa, the uniprocessor PAE kernel, with the uniprocessor HAL: acquiring a spin lock
; only raises IRQL to DISPATCH_LEVEL and never touches the lock word, as XP's UP HAL and kernel do.

section .text

; ---------------------------------------------------------------------------------------------------
; The I/O manager's side of driver loading (IopLoadDriver / IopUnloadDriver), called by KiSystemStartup
; before the first thread leaves for user mode, and after the process has ended.
; ---------------------------------------------------------------------------------------------------

; IopInitializeDrivers - calls each loaded driver's DriverEntry(DriverObject, RegistryPath) in turn, at
; PASSIVE_LEVEL in ring 0. The host routine hands out the next driver and reports each status.
IopInitializeDrivers:
        push    ebp
        push    ebx
        mov     ebx, esp                                ; EBX = the stack as it must be after each call |zh| EBX = 每次调用之后栈应有的样子
.next:
        hostcall HC_IopNextDriverEntry                  ; EAX = DriverEntry (0: none left), ECX = DriverObject, EDX = RegistryPath |zh| EAX = DriverEntry（0：没有了），ECX = DriverObject，EDX = RegistryPath
        test    eax, eax
        jz      .done
        push    edx                                     ; RegistryPath |zh| RegistryPath（注册表路径）
        push    ecx                                     ; DriverObject |zh| DriverObject（驱动对象）
        call    eax                                     ; NTSTATUS DriverEntry(DriverObject, RegistryPath) |zh| NTSTATUS DriverEntry(DriverObject, RegistryPath)
        mov     esp, ebx
        hostcall HC_IopDriverEntryReturned              ; EAX = the status: reported; a failure unloads the driver |zh| EAX = 返回状态：报告之；失败则卸载驱动
        jmp     .next
.done:
        pop     ebx
        pop     ebp
        ret

; IopUnloadDrivers - at the end of the run: DriverUnload(DriverObject) of each driver that set one, in
; reverse load order; then the machine stops.
IopUnloadDrivers:
        mov     ebx, esp
.next:
        hostcall HC_IopNextDriverUnload                 ; EAX = DriverUnload (0: none left), ECX = DriverObject |zh| EAX = DriverUnload（0：没有了），ECX = DriverObject
        test    eax, eax
        jz      .done
        push    ecx                                     ; DriverObject |zh| DriverObject（驱动对象）
        call    eax                                     ; VOID DriverUnload(DriverObject) |zh| VOID DriverUnload(DriverObject)
        mov     esp, ebx
        jmp     .next
.done:
        hostcall HC_IopUnloadDone                       ; stops the machine |zh| 停下机器
.halt:
        hlt
        jmp     .halt

; IopInvalidDeviceRequest - the dispatch routine of every IRP_MJ_* a driver leaves unset.
IopInvalidDeviceRequest:
        mov     eax, STATUS_INVALID_DEVICE_REQUEST
        ret     8

; ---------------------------------------------------------------------------------------------------
; hal.dll: IRQL and spin locks (uniprocessor).
; ---------------------------------------------------------------------------------------------------

; KIRQL KeGetCurrentIrql(VOID)
KeGetCurrentIrql:
        movzx   eax, byte [fs:KPCR.Irql]                ; EAX = KPCR.Irql |zh| EAX = KPCR.Irql
        ret

; KIRQL KeRaiseIrqlToDpcLevel(VOID)
KeRaiseIrqlToDpcLevel:
        movzx   eax, byte [fs:KPCR.Irql]                ; EAX = KPCR.Irql |zh| EAX = KPCR.Irql
        mov     byte [fs:KPCR.Irql], DISPATCH_LEVEL     ; KPCR.Irql = DISPATCH_LEVEL |zh| KPCR.Irql = DISPATCH_LEVEL
        ret

; KIRQL KeRaiseIrqlToSynchLevel(VOID): SYNCH_LEVEL is DISPATCH_LEVEL on a uniprocessor.
KeRaiseIrqlToSynchLevel:
        movzx   eax, byte [fs:KPCR.Irql]                ; EAX = KPCR.Irql |zh| EAX = KPCR.Irql
        mov     byte [fs:KPCR.Irql], DISPATCH_LEVEL     ; KPCR.Irql = SYNCH_LEVEL (= DISPATCH_LEVEL, UP) |zh| KPCR.Irql = SYNCH_LEVEL（单处理器上 = DISPATCH_LEVEL）
        ret

; KIRQL FASTCALL KfAcquireSpinLock(PKSPIN_LOCK SpinLock = ECX)
KfAcquireSpinLock:
        movzx   eax, byte [fs:KPCR.Irql]                ; EAX = KPCR.Irql |zh| EAX = KPCR.Irql
        mov     byte [fs:KPCR.Irql], DISPATCH_LEVEL     ; KPCR.Irql = DISPATCH_LEVEL (UP: the lock word is not touched) |zh| KPCR.Irql = DISPATCH_LEVEL（单处理器：不碰锁字）
        ret

; VOID FASTCALL KfReleaseSpinLock(PKSPIN_LOCK SpinLock = ECX, KIRQL NewIrql = DL)
KfReleaseSpinLock:
        mov     [fs:KPCR.Irql], dl                      ; KPCR.Irql = the IRQL before the acquire |zh| KPCR.Irql = 获取锁之前的 IRQL
        ret

; ---------------------------------------------------------------------------------------------------
; ntoskrnl.exe: spin locks at DISPATCH_LEVEL, the Interlocked functions.
; ---------------------------------------------------------------------------------------------------

; VOID KeInitializeSpinLock(PKSPIN_LOCK SpinLock)
KeInitializeSpinLock:
        mov     eax, [esp+4]
        mov     dword [eax], 0                          ; *SpinLock = 0 (free) |zh| *SpinLock = 0（空闲）
        ret     4

; VOID FASTCALL KefAcquireSpinLockAtDpcLevel(ECX) / KefReleaseSpinLockFromDpcLevel(ECX): nothing on UP.
KefAcquireSpinLockAtDpcLevel:
KefReleaseSpinLockFromDpcLevel:
        ret

; VOID KeAcquireSpinLockAtDpcLevel(PKSPIN_LOCK) / KeReleaseSpinLockFromDpcLevel(PKSPIN_LOCK): stdcall forms.
KeAcquireSpinLockAtDpcLevel:
KeReleaseSpinLockFromDpcLevel:
        ret     4

; LONG FASTCALL InterlockedIncrement(PLONG Addend = ECX)
InterlockedIncrement:
        mov     eax, 1
        lock xadd [ecx], eax
        inc     eax                                     ; the new value |zh| 新值
        ret

; LONG FASTCALL InterlockedDecrement(PLONG Addend = ECX)
InterlockedDecrement:
        mov     eax, -1
        lock xadd [ecx], eax
        dec     eax                                     ; the new value |zh| 新值
        ret

; LONG FASTCALL InterlockedExchange(PLONG Target = ECX, LONG Value = EDX)
InterlockedExchange:
        mov     eax, edx
        xchg    [ecx], eax                              ; the old value |zh| 旧值
        ret

; LONG FASTCALL InterlockedExchangeAdd(PLONG Addend = ECX, LONG Value = EDX)
InterlockedExchangeAdd:
        lock xadd [ecx], edx
        mov     eax, edx                                ; the old value |zh| 旧值
        ret

; LONG FASTCALL InterlockedCompareExchange(PLONG Destination = ECX, LONG Exchange = EDX, LONG Comperand)
InterlockedCompareExchange:
        mov     eax, [esp+4]
        lock cmpxchg [ecx], edx                         ; the old value |zh| 旧值
        ret     4

; ---------------------------------------------------------------------------------------------------
; ntoskrnl.exe: processes and threads of the current context.
; ---------------------------------------------------------------------------------------------------

; PETHREAD PsGetCurrentThread(VOID) (KeGetCurrentThread is the same on x86)
PsGetCurrentThread:
KeGetCurrentThread:
        mov     eax, [fs:KPCR.PrcbData.CurrentThread]   ; EAX = KPCR.PrcbData.CurrentThread |zh| EAX = KPCR.PrcbData.CurrentThread（当前线程）
        ret

; PEPROCESS IoGetCurrentProcess(VOID) / PsGetCurrentProcess(VOID)
IoGetCurrentProcess:
PsGetCurrentProcess:
        mov     eax, [fs:KPCR.PrcbData.CurrentThread]   ; EAX = KPCR.PrcbData.CurrentThread |zh| EAX = KPCR.PrcbData.CurrentThread（当前线程）
        mov     eax, [eax + KTHREAD.ApcState.Process]   ; EAX = KTHREAD.ApcState.Process (the process whose address space is current) |zh| EAX = KTHREAD.ApcState.Process（当前地址空间所属的进程）
        ret

; HANDLE PsGetCurrentProcessId(VOID)
PsGetCurrentProcessId:
        mov     eax, [fs:KPCR.PrcbData.CurrentThread]   ; EAX = KPCR.PrcbData.CurrentThread |zh| EAX = KPCR.PrcbData.CurrentThread（当前线程）
        mov     eax, [eax + ETHREAD.Cid.UniqueProcess]
        ret

; HANDLE PsGetCurrentThreadId(VOID)
PsGetCurrentThreadId:
        mov     eax, [fs:KPCR.PrcbData.CurrentThread]   ; EAX = KPCR.PrcbData.CurrentThread |zh| EAX = KPCR.PrcbData.CurrentThread（当前线程）
        mov     eax, [eax + ETHREAD.Cid.UniqueThread]
        ret

; ---------------------------------------------------------------------------------------------------
; ntoskrnl.exe: memory routines of the C runtime (cdecl) and of Rtl (stdcall).
; ---------------------------------------------------------------------------------------------------

; void *memset(void *dest, int c, size_t count)
memset:
        push    edi
        mov     edi, [esp+8]
        mov     eax, [esp+12]
        mov     ecx, [esp+16]
        rep stosb
        mov     eax, [esp+8]
        pop     edi
        ret

; void *memcpy(void *dest, const void *src, size_t count), and memmove: overlapping ranges are copied
; as memmove copies them.
memcpy:
memmove:
        push    esi
        push    edi
        mov     edi, [esp+12]
        mov     esi, [esp+16]
        mov     ecx, [esp+20]
        cmp     edi, esi
        jbe     .forward
        lea     eax, [esi+ecx]
        cmp     edi, eax
        jae     .forward
        lea     esi, [esi+ecx-1]                        ; overlapping, destination above: copy backwards |zh| 重叠且目的地址在上方：从后向前复制
        lea     edi, [edi+ecx-1]
        std
        rep movsb
        cld
        jmp     .done
.forward:
        rep movsb
.done:
        mov     eax, [esp+12]
        pop     edi
        pop     esi
        ret

; int memcmp(const void *a, const void *b, size_t count)
memcmp:
        push    esi
        push    edi
        mov     esi, [esp+12]
        mov     edi, [esp+16]
        mov     ecx, [esp+20]
        xor     eax, eax
        repe cmpsb
        je      .done
        movzx   eax, byte [esi-1]
        movzx   ecx, byte [edi-1]
        sub     eax, ecx
.done:
        pop     edi
        pop     esi
        ret

; size_t strlen(const char *s)
strlen:
        push    edi
        mov     edi, [esp+8]
        xor     eax, eax
        mov     ecx, -1
        repne scasb
        not     ecx
        lea     eax, [ecx-1]
        pop     edi
        ret

; size_t wcslen(const wchar_t *s)
wcslen:
        push    edi
        mov     edi, [esp+8]
        xor     eax, eax
        mov     ecx, -1
        repne scasw
        not     ecx
        lea     eax, [ecx-1]
        pop     edi
        ret

; VOID RtlMoveMemory(PVOID Destination, CONST VOID *Source, SIZE_T Length)
RtlMoveMemory:
        push    dword [esp+12]
        push    dword [esp+12]
        push    dword [esp+12]
        call    memmove
        add     esp, 12
        ret     12

; VOID RtlFillMemory(PVOID Destination, SIZE_T Length, UCHAR Fill)
RtlFillMemory:
        push    edi
        mov     edi, [esp+8]
        mov     ecx, [esp+12]
        mov     al, [esp+16]
        rep stosb
        pop     edi
        ret     12

; VOID RtlZeroMemory(PVOID Destination, SIZE_T Length)
RtlZeroMemory:
        push    edi
        mov     edi, [esp+8]
        mov     ecx, [esp+12]
        xor     eax, eax
        rep stosb
        pop     edi
        ret     8

; SIZE_T RtlCompareMemory(CONST VOID *Source1, CONST VOID *Source2, SIZE_T Length): bytes that match
RtlCompareMemory:
        push    esi
        push    edi
        mov     esi, [esp+12]
        mov     edi, [esp+16]
        mov     ecx, [esp+20]
        mov     edx, ecx
        jecxz   .done
        repe cmpsb
        je      .done
        inc     ecx                                     ; the mismatching byte is not counted |zh| 不匹配的那个字节不计入
.done:
        mov     eax, edx
        sub     eax, ecx
        pop     edi
        pop     esi
        ret     12

; ---------------------------------------------------------------------------------------------------
; Host-routine wrappers (nt.drv.DriverServices): debug output, pool, Rtl strings, Mm, MDLs, Io, Ob, Ps, Ke.
; ---------------------------------------------------------------------------------------------------

; ULONG __cdecl DbgPrint(PCSTR Format, ...)
DbgPrint:
        hostcall HC_DbgPrint
        ret

; ULONG __cdecl DbgPrintEx(ULONG ComponentId, ULONG Level, PCSTR Format, ...)
DbgPrintEx:
        hostcall HC_DbgPrintEx
        ret

; ULONG vDbgPrintEx(ULONG ComponentId, ULONG Level, PCCH Format, va_list ap)
vDbgPrintEx:
        hostcall HC_vDbgPrintEx
        ret     16

; ULONG vDbgPrintExWithPrefix(PCCH Prefix, ULONG ComponentId, ULONG Level, PCCH Format, va_list ap)
vDbgPrintExWithPrefix:
        hostcall HC_vDbgPrintExWithPrefix
        ret     20

ExAllocatePool:
        hostcall HC_ExAllocatePool
        ret     8

ExAllocatePoolWithTag:
        hostcall HC_ExAllocatePoolWithTag
        ret     12

ExFreePool:
        hostcall HC_ExFreePool
        ret     4

ExFreePoolWithTag:
        hostcall HC_ExFreePoolWithTag
        ret     8

RtlInitUnicodeString:
        hostcall HC_RtlInitUnicodeString
        ret     8

RtlInitAnsiString:
        hostcall HC_RtlInitAnsiString
        ret     8

RtlInitString:
        hostcall HC_RtlInitAnsiString
        ret     8

RtlCopyUnicodeString:
        hostcall HC_RtlCopyUnicodeString
        ret     8

RtlEqualUnicodeString:
        hostcall HC_RtlEqualUnicodeString
        ret     12

RtlCompareUnicodeString:
        hostcall HC_RtlCompareUnicodeString
        ret     12

MmGetSystemRoutineAddress:
        hostcall HC_MmGetSystemRoutineAddress
        ret     4

MmIsAddressValid:
        hostcall HC_MmIsAddressValid
        ret     4

IoAllocateMdl:
        hostcall HC_IoAllocateMdl
        ret     20

MmCreateMdl:
        hostcall HC_MmCreateMdl
        ret     12

IoFreeMdl:
        hostcall HC_IoFreeMdl
        ret     4

MmBuildMdlForNonPagedPool:
        hostcall HC_MmBuildMdlForNonPagedPool
        ret     4

MmMapLockedPages:
        hostcall HC_MmMapLockedPages
        ret     8

MmMapLockedPagesSpecifyCache:
        hostcall HC_MmMapLockedPagesSpecifyCache
        ret     24

MmUnmapLockedPages:
        hostcall HC_MmUnmapLockedPages
        ret     8

IoCreateDevice:
        hostcall HC_IoCreateDevice
        ret     28

IoDeleteDevice:
        hostcall HC_IoDeleteDevice
        ret     4

IoCreateSymbolicLink:
        hostcall HC_IoCreateSymbolicLink
        ret     8

IoDeleteSymbolicLink:
        hostcall HC_IoDeleteSymbolicLink
        ret     4

; VOID FASTCALL IofCompleteRequest(PIRP Irp = ECX, CCHAR PriorityBoost = DL)
IofCompleteRequest:
        hostcall HC_IofCompleteRequest
        ret

PsLookupProcessByProcessId:
        hostcall HC_PsLookupProcessByProcessId
        ret     8

ObReferenceObjectByHandle:
        hostcall HC_ObReferenceObjectByHandle
        ret     24

; LONG_PTR FASTCALL ObfReferenceObject(PVOID Object = ECX) / ObfDereferenceObject(ECX)
ObfReferenceObject:
        hostcall HC_ObfReferenceObject
        ret

ObfDereferenceObject:
        hostcall HC_ObfDereferenceObject
        ret

; VOID ObDereferenceObject(PVOID Object): the stdcall form XP also exports
ObDereferenceObject:
        mov     ecx, [esp+4]
        hostcall HC_ObfDereferenceObject
        ret     4

KeStackAttachProcess:
        hostcall HC_KeStackAttachProcess
        ret     8

KeUnstackDetachProcess:
        hostcall HC_KeUnstackDetachProcess
        ret     4

ProbeForRead:
        hostcall HC_ProbeForRead
        ret     12

ProbeForWrite:
        hostcall HC_ProbeForWrite
        ret     12

section .data
align 4

; POBJECT_TYPE PsProcessType, PsThreadType: data exports that point at the object types ObReferenceObjectByHandle
; checks against (ntgate's type objects carry no fields).
PsProcessType:              dd PspProcessObjectType
PsThreadType:               dd PspThreadObjectType
PspProcessObjectType:       times 0x10 dd 0
PspThreadObjectType:        times 0x10 dd 0
