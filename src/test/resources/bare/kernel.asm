; ntgate bare test kernel: a Multiboot v1 image with the a.out-kludge address fields.
; Loads a GDT, TSS and IDT, turns on paging with 4 MiB pages, programs the SYSENTER MSRs, drops to ring 3
; with SYSEXIT, comes back with SYSENTER and INT 0x80, takes and handles a page fault, reports each step on
; port 0xE9 and ends through isa-debug-exit (port 0xF4) with exit code (0x10 << 1) | 1 = 33.
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
    mov esi, msg_boot
    call puts
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

sysenter_entry:                         ; ecx = user ESP, edx = user return EIP
    push ecx
    push edx
    mov esi, msg_sysenter
    call puts
    pop edx
    pop ecx
    sysexit

int80:
    mov esi, msg_int
    call puts
    iretd

pf_handler:
    push esi
    mov esi, msg_pf
    call puts
    mov eax, cr2
    cmp eax, 0x400000
    jb fail
    cmp eax, 0x800000
    jae fail
    mov dword [pgdir + 4], 0x00400087   ; map 4-8 MiB
    mov eax, cr3                        ; flush the TLB
    mov cr3, eax
    pop esi
    add esp, 4                          ; drop the error code
    iretd                               ; restart the faulting instruction

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
    mov ecx, esp                        ; the kernel returns with SYSEXIT: ESP = ECX, EIP = EDX
    mov edx, .back
    sysenter
.back:
    int 0x80
    mov eax, [0x400000]                 ; not present: #PF, mapped by the handler, restarted
    mov dword [0x400000], 0x1234
    int 0x81

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
msg_boot:     db "boot", 10, 0
msg_sysenter: db "sysenter", 10, 0
msg_int:      db "int 0x80", 10, 0
msg_pf:       db "page fault", 10, 0
msg_done:     db "done", 10, 0
load_end:

bss_start  equ 0x100000 + ((load_end - $$ + 4095) & ~4095)
pgdir      equ bss_start
idt        equ bss_start + 0x1000
tss        equ bss_start + 0x1800
kstack_top equ bss_start + 0x3000
ustack_top equ bss_start + 0x4000
bss_end    equ bss_start + 0x4000
