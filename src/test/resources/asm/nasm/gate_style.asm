; Code in the style of the gate routines: structure fields as dotted names, fs: overrides,
; annotations after ';' on every line (kept by the assembler as the instruction's annotation).
bits 32
org 0x804de6d0

KTRAP_FRAME.DbgEbp      equ 0x00
KTRAP_FRAME.ExceptionList equ 0x4c
KTRAP_FRAME.PreviousPreviousMode equ 0x48
KTRAP_FRAME.Eip         equ 0x68
KTRAP_FRAME.SegCs       equ 0x6c
KTRAP_FRAME.EFlags      equ 0x70
KTRAP_FRAME.HardwareEsp equ 0x74
KTRAP_FRAME.HardwareSegSs equ 0x78
KPCR.ExceptionList      equ 0x00
KPCR.TSS                equ 0x40
KPCR.PrcbData.CurrentThread equ 0x124
KTSS.Esp0               equ 0x04
KTHREAD.PreviousMode    equ 0x140
KTHREAD.TrapFrame       equ 0x134

KiFastCallEntry:
    mov ecx, 0x23               ; user data selector
    push 0x30                   ; KGDT_R0_PCR
    pop fs                      ; fs -> KPCR
    mov ds, cx
    mov es, cx
    mov ecx, [fs:KPCR.TSS]      ; the TSS
    mov esp, [ecx + KTSS.Esp0]  ; the kernel stack of this thread
    push 0x23                   ; KTRAP_FRAME.HardwareSegSs
    push edx                    ; KTRAP_FRAME.HardwareEsp = user ESP
    pushfd                      ; KTRAP_FRAME.EFlags
    push 2
    add edx, 8                  ; edx -> arguments
    popfd                       ; clean EFLAGS
    or byte [esp + 1], 2        ; IF in the saved EFLAGS
    push 0x1b                   ; KTRAP_FRAME.SegCs
    push dword [0xffdf0304]     ; KTRAP_FRAME.Eip = SharedUserData->SystemCallReturn
    push 0                      ; ErrCode
    push ebp
    push ebx
    push esi
    push edi
    mov ebx, [fs:KPCR.ExceptionList]
    push ebx                    ; KTRAP_FRAME.ExceptionList
    mov dword [fs:KPCR.ExceptionList], -1
    mov esi, [fs:KPCR.PrcbData.CurrentThread]
    push -1                     ; PreviousPreviousMode
    sub esp, 0x48
    mov ebx, [esp + KTRAP_FRAME.SegCs]
    and ebx, 1
    mov [esi + KTHREAD.PreviousMode], bl
    mov ebp, esp
    mov ebx, [esi + KTHREAD.TrapFrame]
    mov [ebp + 0x3c], ebx
    mov [esi + KTHREAD.TrapFrame], ebp
    cld
    mov ebx, [ebp + 0x60]
    mov edi, [ebp + KTRAP_FRAME.Eip]
    mov [ebp + 0x0c], edx
    mov dword [ebp + 0x08], 0xbadb0d00
    mov [ebp + KTRAP_FRAME.DbgEbp], ebx
    mov [ebp + 0x04], edi
    test byte [esi + 0x2c], 0xff
    jnz .dr_active
    sti
.dispatch:
    mov edi, eax
    shr edi, 8
    and edi, 0x30
    mov ecx, edi
    add edi, [esi + 0xe0]
    mov ebx, eax
    and eax, 0xfff
    cmp eax, [edi + 8]
    jae .invalid
    mov esi, edx
    mov ebx, [edi + 0x0c]
    xor ecx, ecx
    mov cl, [eax + ebx]
    mov edi, [edi]
    mov ebx, [edi + eax*4]
    sub esp, ecx
    shr ecx, 2
    mov edi, esp
    cmp esi, [0x8055b1b4]       ; MmUserProbeAddress
    jae .probe_fault
    rep movsd
    call ebx
    mov esp, ebp
    jmp .exit
.dr_active:
    jmp .dispatch
.invalid:
    mov eax, 0xc000001c         ; STATUS_INVALID_SYSTEM_SERVICE
    jmp .exit
.probe_fault:
    mov eax, 0xc0000005         ; STATUS_ACCESS_VIOLATION
.exit:
    cli
    mov edx, [ebp + KTRAP_FRAME.HardwareEsp]
    mov ecx, [ebp + KTRAP_FRAME.Eip]
    add esp, KTRAP_FRAME.SegCs + 4
    and dword [esp + 4], ~0x200
    popfd
    sti
    sysexit
