; 16-bit code: operand and address sizes flip, 66/67 prefixes for 32-bit forms.
bits 16
org 0x7c00

boot:
    cli
    xor ax, ax
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov sp, 0x7c00
    mov si, msg
.print:
    lodsb
    or al, al
    jz .done
    mov ah, 0x0e
    int 0x10
    jmp .print
.done:
    mov eax, cr0
    or eax, 1
    mov cr0, eax
    jmp 0x08:pm
    mov eax, [ebx+ecx*4]
    mov ax, [bx+si+2]
    add eax, 1
    add ax, 1
    push dword 0x12345678
    push word 0x1234
    push 0x1234
    pushad
    pusha
    pushfd
    popf
    iretd
    iret
    retf
    call near boot
    call word 0x0000:0x7c00
    call dword 0x0008:0x12345678
    jmp dword far [bx]
    jmp far [bx]
    movsd
    rep stosw
    a32 movsb
    jcxz .done
    jecxz .done
    loop .done
    in eax, dx
    out dx, ax
    bswap eax
    movzx eax, byte [bx]
    lgdt [gdtr]
    lea eax, [eax+eax*2]
    imul eax, ebx, 100
    shl eax, 1
    xchg eax, ecx
    xchg ax, cx
pm:
msg: db "Booting", 0
gdtr: dw 0x17
      dd 0
