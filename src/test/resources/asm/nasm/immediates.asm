; Immediates of every size and the form NASM picks for each: sign-extended byte (83, 6B, 6A),
; accumulator short forms, full-width forms, strict sizes and the edges of each range.
bits 32
org 0
    add eax, 127
    add eax, 128
    add eax, -128
    add eax, -129
    add eax, 0xffffffff
    add eax, 0xffffff80
    add eax, 0xffffff7f
    add ebx, 0x7fffffff
    add ebx, -0x80000000
    add ax, 0xffff
    add ax, 0xff80
    add ax, 0x7f
    add ax, 0x80
    add bx, -32768
    add al, 255
    add al, -128
    add bl, 0x80
    and eax, byte -1
    and eax, dword 1
    and eax, strict dword 1
    and ecx, strict dword 1
    and ecx, strict byte 1
    or dword [eax], 0x7f
    or dword [eax], 0x80
    or word [eax], 0x80
    or byte [eax], 0x80
    cmp eax, 'ab'
    cmp al, 'a'
    push 0
    push 127
    push 128
    push -128
    push -129
    push 0xffffffff
    push word -1
    push strict word 5
    push 'abcd'
    imul eax, eax, 127
    imul eax, eax, 128
    imul ax, bx, -2
    imul ax, bx, 0x1234
    mov eax, 0
    mov eax, -1
    mov al, -1
    mov ah, 255
    mov ax, -1
    mov ax, 0xffff
    mov dword [eax], -1
    mov word [eax], 0xffff
    mov byte [eax], -128
    test eax, 0xffffffff
    test ax, 0x8000
    test bl, 0xff
    shl eax, 0
    shl eax, 1
    shl eax, 31
    shl eax, 255
    rol byte [eax], 1
    enter 0xffff, 0xff
    ret 0xffff
    int 0
    int 0xff
    in al, 0xff
    out 0, al
    mov eax, 1 + 2 * 3 - 4 / 2
    mov eax, (0x12 << 8) | 0x34
    mov eax, ~0
    mov eax, -0x80000000
