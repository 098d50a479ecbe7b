; ntgate bare test kernel: a Multiboot v1 image with the a.out-kludge address fields, assembled by ntgate's
; own assembler (and by NASM, to check both give the same bytes).
; Loads a GDT, TSS and IDT, turns on paging with 4 MiB pages, programs the SYSENTER MSRs, drops to ring 3
; with SYSEXIT, comes back with SYSENTER and INT 0x80, takes and handles a not-present and a protection
; page fault, and ends through isa-debug-exit (port 0xF4) with exit code (0x10 << 1) | 1 = 33.
; Each step is reported on port 0xE9 with the guest-visible state it proves (selectors, stack pointers,
; the interrupt frame, the #PF error code and CR2), so that comparing the output with QEMU's compares
; that state, not only the order of the steps. Nothing printed depends on the boot loader (EBX, memory
; sizes) or on flags the SDM leaves undefined.
bits 32
org 0x100000

MB_MAGIC equ 0x1BADB002
MB_FLAGS equ 0x00010000                 ; bit 16: the address fields below are valid

mb_header:
    dd MB_MAGIC
    dd MB_FLAGS
    dd -(MB_MAGIC + MB_FLAGS)
    dd mb_header                        ; header_addr
    dd 0x100000                         ; load_addr
    dd load_end                         ; load_end_addr
    dd bss_end                          ; bss_end_addr
    dd start                            ; entry_addr

start:
    cmp eax, 0x2BADB002                 ; the boot loader's magic
    jne fail
    mov esp, kstack_top
    lgdt [gdtr]
    jmp 0x08:reload                     ; reload CS from our own GDT
reload:
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov fs, ax
    mov gs, ax
    mov eax, tss                        ; patch the TSS base into descriptor 0x28
    mov [gdt + 0x28 + 2], ax
    shr eax, 16
    mov [gdt + 0x28 + 4], al
    mov [gdt + 0x28 + 7], ah
    mov dword [tss + 4], kstack_top     ; TSS.ESP0
    mov dword [tss + 8], 0x10           ; TSS.SS0
    mov ax, 0x28
    ltr ax
    mov eax, pf_handler                 ; #PF: ring-0 interrupt gate
    mov ebx, 14
    mov ecx, 0x8E00
    call set_gate
    mov eax, int80                      ; INT 0x80: DPL-3 interrupt gate
    mov ebx, 0x80
    mov ecx, 0xEE00
    call set_gate
    mov eax, int81                      ; INT 0x81: DPL-3 interrupt gate, ends the test
    mov ebx, 0x81
    mov ecx, 0xEE00
    call set_gate
    mov eax, fail                       ; INT 0x82: DPL-3 interrupt gate, ends the test as failed
    mov ebx, 0x82
    mov ecx, 0xEE00
    call set_gate
    lidt [idtr]
    mov dword [pgdir], 0x00000087       ; 0-4 MiB: present, writable, user, 4 MiB page
    mov eax, pgdir
    mov cr3, eax
    mov eax, cr4
    or eax, 0x10                        ; CR4.PSE
    mov cr4, eax
    mov eax, cr0
    or eax, 0x80000000                  ; CR0.PG
    mov cr0, eax
    mov ecx, 0x174                      ; IA32_SYSENTER_CS
    mov eax, 0x08
    xor edx, edx
    wrmsr
    mov ecx, 0x175                      ; IA32_SYSENTER_ESP
    mov eax, kstack_top
    wrmsr
    mov ecx, 0x176                      ; IA32_SYSENTER_EIP
    mov eax, sysenter_entry
    wrmsr
    mov al, 0xFF                        ; mask both 8259s: ring 3 runs with IF = 1 and nothing may interrupt it
    out 0x21, al
    out 0xA1, al
    mov esi, msg_boot
    call puts
    sti                                 ; SYSEXIT keeps EFLAGS: ring 3 gets IF = 1
    mov ecx, ustack_top                 ; SYSEXIT: ESP = ECX, EIP = EDX, CS = 0x1B, SS = 0x23
    mov edx, user_main
    sysexit

set_gate:                               ; eax = handler, ebx = vector, cx = P/DPL/type word
    mov [idt + ebx*8], ax
    mov word [idt + ebx*8 + 2], 0x08
    mov [idt + ebx*8 + 4], cx
    shr eax, 16
    mov [idt + ebx*8 + 6], ax
    ret

puts:                                   ; esi = NUL-terminated string, to port 0xE9
    lodsb
    test al, al
    jz .done
    out 0xE9, al
    jmp puts
.done:
    ret

sysenter_entry:                         ; ecx = user ESP, edx = user return EIP, eax/ebx = user CS/SS
    mov ebp, esp                        ; IA32_SYSENTER_ESP
    push ecx
    push edx
    push eax
    push ebx
    mov esi, msg_sysenter
    call puts
    mov esi, msg_from_cs                ; the selectors SYSEXIT gave ring 3: 0x1B and 0x23
    mov eax, [esp + 4]
    call put_field
    mov esi, msg_ss
    mov eax, [esp]
    call put_field
    mov esi, msg_cs                     ; the flat ring-0 selectors SYSENTER derived from IA32_SYSENTER_CS
    mov eax, cs
    call put_field
    mov esi, msg_ss
    mov eax, ss
    call put_field
    mov esi, msg_esp
    mov eax, ebp
    call put_field
    mov esi, msg_if                     ; SYSENTER clears IF
    pushfd
    pop eax
    shr eax, 9
    and eax, 1
    call put_field
    mov esi, msg_nl
    call puts
    add esp, 8
    pop edx
    pop ecx
    sti                                 ; as NT's KiSystemCallExit2: SYSEXIT leaves IF as SYSENTER cleared it
    sysexit

int80:                                  ; the frame on the TSS.ESP0 stack: EIP, CS, EFLAGS, ESP, SS
    mov ebp, esp
    mov esi, msg_int
    call puts
    mov esi, msg_frame_eip
    mov eax, [ebp]
    call put_field
    mov esi, msg_cs
    mov eax, [ebp + 4]
    call put_field
    mov esi, msg_uif                    ; ring 3's IF, from the saved EFLAGS
    mov eax, [ebp + 8]
    shr eax, 9
    and eax, 1
    call put_field
    mov esi, msg_esp
    mov eax, [ebp + 12]
    call put_field
    mov esi, msg_ss
    mov eax, [ebp + 16]
    call put_field
    mov esi, msg_kesp                   ; the stack the CPU switched to: the frame's five dwords end at TSS.ESP0
    lea eax, [ebp + 20]
    call put_field
    mov esi, msg_if                     ; an interrupt gate clears IF
    pushfd
    pop eax
    shr eax, 9
    and eax, 1
    call put_field
    mov esi, msg_nl
    call puts
    iretd

pf_handler:                             ; the frame: error code, EIP, CS, EFLAGS, ESP, SS
    pushad
    mov ebp, esp
    mov esi, msg_pf
    call puts
    mov esi, msg_err
    mov eax, [ebp + 32]
    call put_field
    mov esi, msg_cr2
    mov eax, cr2
    call put_field
    mov esi, msg_frame_eip
    mov eax, [ebp + 36]
    call put_field
    mov esi, msg_cs
    mov eax, [ebp + 40]
    call put_field
    mov esi, msg_nl
    call puts
    mov eax, cr2
    cmp eax, 0x400000
    jb fail
    cmp eax, 0x800000
    jae fail
    test dword [ebp + 32], 1            ; P = 0: map 4-8 MiB read-only; P = 1: make it writable
    jnz .protection
    mov dword [pgdir + 4], 0x00400085   ; present, read-only, user, 4 MiB page
    jmp .flush
.protection:
    mov dword [pgdir + 4], 0x00400087   ; present, writable, user, 4 MiB page
.flush:
    mov eax, cr3                        ; flush the TLB
    mov cr3, eax
    popad
    add esp, 4                          ; drop the error code
    iretd                               ; restart the faulting instruction

put_field:                              ; esi = label, eax = value: prints " label=XXXXXXXX"
    push eax                            ; puts leaves AL = 0
    call puts
    pop eax
    mov ecx, 8
.digit:
    rol eax, 4
    mov edx, eax
    and edx, 0x0F
    mov dl, [hexdigits + edx]
    xchg eax, edx
    out 0xE9, al
    xchg eax, edx
    dec ecx
    jnz .digit
    ret

int81:
    mov esi, msg_done
    call puts
    mov al, 0x10
    out 0xF4, al                        ; isa-debug-exit: exit code 0x21
    hlt

fail:
    mov al, 'F'
    out 0xE9, al
    mov al, 1
    out 0xF4, al
    hlt

user_main:
    mov ax, 0x23
    mov ds, ax
    mov es, ax
    mov eax, cs                         ; reported by the SYSENTER handler
    mov ebx, ss
    mov ecx, esp                        ; the kernel returns with SYSEXIT: ESP = ECX, EIP = EDX
    mov edx, .back
    sysenter
.back:
    int 0x80
.read:
    mov eax, [0x400000]                 ; not present: #PF 0x4, mapped read-only by the handler, restarted
.write:
    mov dword [0x400000], 0x1234        ; read-only: #PF 0x7, made writable by the handler, restarted
    cmp dword [0x400000], 0x1234
    jne .bad
    int 0x81
.bad:
    int 0x82                            ; the write was lost: report failure

align 8
gdt:
    dq 0
    dq 0x00CF9A000000FFFF               ; 0x08 ring-0 code
    dq 0x00CF92000000FFFF               ; 0x10 ring-0 data
    dq 0x00CFFA000000FFFF               ; 0x18 ring-3 code
    dq 0x00CFF2000000FFFF               ; 0x20 ring-3 data
    dq 0x0000890000000067               ; 0x28 TSS (base patched at boot)
gdt_end:
gdtr:
    dw gdt_end - gdt - 1
    dd gdt
idtr:
    dw 256 * 8 - 1
    dd idt
msg_boot:      db "boot", 10, 0
msg_sysenter:  db "sysenter", 0
msg_int:       db "int 0x80", 0
msg_pf:        db "page fault", 0
msg_done:      db "done", 10, 0
msg_from_cs:   db " from cs=", 0
msg_cs:        db " cs=", 0
msg_ss:        db " ss=", 0
msg_esp:       db " esp=", 0
msg_kesp:      db " kesp=", 0
msg_if:        db " if=", 0
msg_uif:       db " user_if=", 0
msg_err:       db " err=", 0
msg_cr2:       db " cr2=", 0
msg_frame_eip: db " eip=", 0
msg_nl:        db 10, 0
hexdigits:     db "0123456789abcdef"
load_end:

bss_start  equ 0x100000 + ((load_end - $$ + 4095) & ~4095)
pgdir      equ bss_start
idt        equ bss_start + 0x1000
tss        equ bss_start + 0x1800
kstack_top equ bss_start + 0x3000
ustack_top equ bss_start + 0x4000
bss_end    equ bss_start + 0x4000
