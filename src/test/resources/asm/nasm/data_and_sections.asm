; Data directives, strings, times, align, reservations, equ, expressions, number formats,
; local labels and sections laid out one after the other (bin format: .text, progbits, nobits).
bits 32
org 0x804d7000

STATUS_SUCCESS          equ 0
STATUS_INVALID_HANDLE   equ 0xC0000008
KTRAP_FRAME.Eip         equ 0x68        ; a dot inside a name is part of the name
KTRAP_FRAME.HardwareEsp equ 0x74
KTRAP_FRAME_LENGTH      equ 0x8c
FLAGS                   equ (1 << 9) | (1 << 1)

section .text
KiFastCallEntry:
    mov ecx, 0x23
    push 0x30
    pop fs
    mov esp, [fs:0x40]              ; KPCR->TSS
    mov esp, [esp+4]                ; TSS->Esp0
    sub esp, KTRAP_FRAME_LENGTH
    mov [esp + KTRAP_FRAME.Eip], edx
    mov [esp + KTRAP_FRAME.HardwareEsp], ecx
    mov eax, STATUS_INVALID_HANDLE
    mov ebx, table_end - table      ; difference of labels
    mov ecx, $ - KiFastCallEntry
    mov edx, $$
    push FLAGS
    popfd
.again:                              ; KiFastCallEntry.again
    dec ecx
    jnz .again
    jmp KiFastCallEntry.again
    mov eax, message
    mov eax, [counter]
    mov ebx, buffer
    mov ecx, buffer_end - buffer
    ret
    align 16
Second:
.again:
    jmp .again
    align 4
    times 3 nop
    times 2 push eax

section .data
counter:    dd 0x11223344
words:      dw 1, 2, 0xffff, -1
bytes:      db 1, 2, 3, -1, 255, 'x', "y", `z\n`
message:    db "hello, world", 13, 10, 0
wide:       dw 'ab', 'c'
dwords:     dd 'abcd', 7, table
qwords:     dq 0x123456789abcdef0, -2
            align 8
table:      dd KiFastCallEntry, Second, KiFastCallEntry.again, Second.again
table_end:
numbers:    dd 0x10, 10h, 0Ah, 0b1010, 1010b, 1010y, 0o17, 17o, 17q, 0d99, 99d, 1_000_000, 0xdead_beef
chars:      dd 'a', 'ab', 'abc', 'abcd'
exprs:      dd 1+2*3, (1+2)*3, 7/2, 7 % 3, -7//2, -7 %% 3, 1<<4, 256>>4, 6&3, 6|3, 6^3, ~0, -(-5), !0, !7
            dd $ - exprs, $$
filler:     times 5 db 0xcc
            times 2 dw 0x1234
            times 3 dd 7
pad:        db 1
            align 16

section .rdata
ro:         db "read only", 0
            align 4
ptrs:       dd ro, counter

section .bss
buffer:     resb 64
buffer_end:
            resw 3
            resd 2
            alignb 16
aligned:    resq 1
