; One or more lines for every instruction family of the opcode table, in NASM spelling,
; with the register/memory/immediate shapes each family accepts.
bits 32
org 0x401000

arith:
    add eax, ebx                ; 01 /r: NASM's choice for reg,reg
    add ebx, [esi+4]
    add [edi], ecx
    add al, 5                   ; 04 ib
    add ax, 0x1234
    add eax, 0x12345678         ; 05 id
    add ecx, 1                  ; 83 /0 ib
    add ecx, -128
    add ecx, 127
    add ecx, 128                ; 81 /0 id
    add byte [eax], 0xff
    add word [eax], -1
    add dword [eax], 0x80
    adc edx, esi
    adc cl, bh
    sbb eax, 2
    sbb byte [ebp-8], dl
    sub esp, 0x1c
    sub eax, [ebp+8]
    cmp eax, 0x10
    cmp byte [esi], 'A'
    cmp dx, ax
    inc eax
    inc cx
    inc byte [ebx]
    inc dword [ebx+4]
    dec edi
    dec word [esp]
    neg eax
    neg byte [ecx]
    not dword [edx]
    not bl
    daa
    das
    aaa
    aas
    aam
    aam 16
    aad
    aad 7
    salc

logic:
    and eax, 0xfffffff0
    and al, 0x0f
    or ecx, edx
    or word [eax], 0x100
    xor eax, eax
    xor byte [eax+ecx], 0x80
    test eax, eax
    test al, 1
    test eax, 0x200
    test ecx, 0x200
    test byte [ebx], 4
    test [ebx], ecx
    test ecx, [ebx]
    test word [esi], 0x8000

shifts:
    shl eax, 1
    shl eax, 4
    shl eax, cl
    sal ebx, 1
    shr byte [esi], 1
    shr word [esi], cl
    sar edx, 31
    rol al, 3
    ror ax, 1
    rcl dword [eax], cl
    rcr bl, 7
    shld eax, edx, 8
    shld [ebx], ecx, cl
    shrd ax, dx, 3
    shrd dword [ebp-4], esi, cl

muldiv:
    mul ecx
    mul byte [eax]
    imul ebx
    imul word [esi]
    imul eax, ecx
    imul eax, [ebx+8]
    imul eax, ecx, 10
    imul eax, ecx, 1000
    imul esi, 3
    imul edx, [esp+4], -1
    div bl
    div dword [ebp+0xc]
    idiv ecx
    idiv word [eax]
    cbw
    cwde
    cwd
    cdq

bits_ops:
    bt eax, ecx
    bt dword [ebx], 31
    bts [esi], eax
    bts ecx, 3
    btr word [edi], 15
    btr eax, edx
    btc ecx, 0
    btc [eax], ebx
    bsf eax, ecx
    bsr edx, [esi]
    bswap eax
    bswap edi
    setz al
    sete byte [ebx]
    setnz cl
    setne dl
    setb al
    setc al
    setnae al
    setae al
    setnb al
    setnc al
    setbe al
    setna al
    seta al
    setnbe al
    sets al
    setns al
    setp al
    setpe al
    setnp al
    setpo al
    setl al
    setnge al
    setge al
    setnl al
    setle al
    setng al
    setg al
    setnle al
    seto al
    setno al
    cmovz eax, ecx
    cmove eax, [esi]
    cmovne ax, bx
    cmovb eax, ebx
    cmovc eax, ebx
    cmova eax, ebx
    cmovbe eax, ebx
    cmovl eax, ebx
    cmovge eax, ebx
    cmovle eax, ebx
    cmovg eax, ebx
    cmovs eax, ebx
    cmovns eax, ebx
    cmovp eax, ebx
    cmovnp eax, ebx
    cmovo eax, ebx
    cmovno eax, ebx

moves:
    mov eax, ebx                ; 89 /r
    mov al, bl
    mov ax, bx
    mov eax, [ebx]
    mov [ebx], al
    mov eax, 0x12345678         ; B8+r
    mov cl, 0x12
    mov si, 0xffff
    mov byte [eax], 1
    mov word [eax], 2
    mov dword [eax], 3
    mov al, [0x7ffe0000]        ; A0 moffs
    mov eax, [0x7ffe0300]       ; A1 moffs
    mov [0x7ffe0000], al
    mov [0x7ffe0000], eax
    mov ax, [0x100]
    mov eax, [fs:0x124]         ; KPCR->PrcbData.CurrentThread
    mov eax, fs:[0x124]         ; the same, written outside the brackets
    mov eax, ds
    mov ax, ss
    mov [esp], fs
    mov word [esp], gs
    mov ds, ax
    mov es, eax
    mov fs, [ebx]
    mov ss, word [ebp]
    mov eax, cr0
    mov cr0, eax
    mov ecx, cr2
    mov cr3, edx
    mov eax, cr4
    mov dr7, eax
    mov esi, dr6
    mov dr0, ebx
    movzx eax, al
    movzx eax, byte [esi]
    movzx eax, word [esi]
    movzx ax, bl
    movzx ecx, dx
    movsx eax, bl
    movsx eax, word [esp+4]
    movsx cx, byte [eax]
    lea eax, [ebx+ecx*4+8]
    lea esp, [ebp-0x10]
    lea ax, [si]
    xchg eax, ebx
    xchg ebx, eax
    xchg eax, eax
    xchg ax, cx
    xchg ecx, edx
    xchg [eax], ebx
    xchg ebx, [eax]
    xchg al, ah
    xchg [esi], cl
    xadd [eax], ecx
    xadd bl, cl
    cmpxchg [ebx], edx
    cmpxchg al, cl
    cmpxchg8b [esi]
    cmpxchg8b qword [esi]
    bound eax, [ebx]
    bound ax, [ebx]
    arpl ax, bx
    arpl [eax], cx
    xlat
    xlatb
    lahf
    sahf
    nop
    nop eax
    nop dword [eax+eax*1+0]
    nop word [eax]
    pause

stack:
    push eax
    push ax
    push 1
    push -1
    push 0x80
    push 0x12345678
    push word 5
    push dword 5
    push strict dword 5
    push byte 5
    push dword [ebp+8]
    push word [eax]
    push es
    push cs
    push ss
    push ds
    push fs
    push gs
    pop ecx
    pop di
    pop dword [esp+4]
    pop es
    pop ss
    pop ds
    pop fs
    pop gs
    pusha
    pushad
    pushaw
    popa
    popad
    popaw
    pushf
    pushfd
    pushfw
    popf
    popfd
    popfw
    enter 0x10, 0
    enter 8, 1
    leave

strings:
    movsb
    movsw
    movsd
    cmpsb
    cmpsw
    cmpsd
    stosb
    stosw
    stosd
    lodsb
    lodsw
    lodsd
    scasb
    scasw
    scasd
    insb
    insw
    insd
    outsb
    outsw
    outsd
    rep movsb
    rep movsd
    rep stosd
    repe cmpsb
    repz cmpsd
    repne scasb
    repnz scasw
    rep insb
    rep outsd
    rep lodsb
    fs lodsb
    es movsd
    a16 movsb
    a16 rep stosw
    o16 movsb

io:
    in al, 0x60
    in ax, 0x60
    in eax, 0x60
    in al, dx
    in ax, dx
    in eax, dx
    out 0x80, al
    out 0x80, ax
    out 0x80, eax
    out dx, al
    out dx, ax
    out dx, eax

flags:
    clc
    stc
    cmc
    cld
    std
    cli
    sti

system:
    int3
    int 3
    int 0x2e
    int1
    icebp
    into
    iret
    iretd
    iretw
    hlt
    wait
    fwait
    ud2
    cpuid
    rdtsc
    rdmsr
    wrmsr
    rdpmc
    sysenter
    sysexit
    clts
    invd
    wbinvd
    invlpg [eax]
    invlpg [0xc0300000]
    lgdt [eax]
    lidt [ebx+6]
    sgdt [esp]
    sidt [ebp-8]
    lldt ax
    lldt [eax]
    sldt eax
    sldt ax
    sldt [eax]
    ltr bx
    ltr word [esi]
    str eax
    str dx
    str [esp]
    smsw eax
    smsw ax
    smsw [eax]
    lmsw ax
    lmsw [ebx]
    verr ax
    verr [eax]
    verw cx
    lar eax, bx
    lar eax, ecx
    lar ax, word [eax]
    lsl eax, ebx
    lsl ecx, [edx]
    lds esi, [ebx]
    les di, [ebx]
    lfs eax, [esp]
    lgs ecx, [eax]
    lss esp, [ebp+0x10]

locked:
    lock add [eax], ecx
    lock inc dword [ebx]
    lock dec byte [ecx]
    lock xadd [esi], eax
    lock cmpxchg [edi], edx
    lock cmpxchg8b [ebp]
    lock bts dword [eax], 3
    lock btr [eax], ecx
    lock btc word [eax], 1
    lock or byte [eax], 1
    lock xchg [eax], ecx
    lock neg dword [esp]
    lock not byte [eax+4]
    lock sbb [ecx], dl

control:
    jmp eax
    jmp ax
    jmp [eax]
    jmp dword [esi+4]
    jmp word [esi]
    jmp far [eax]
    jmp 0x08:0x12345678
    jmp word 0x08:0x1234
    call ebx
    call [ebx]
    call dword [0x7ffe0300]     ; SharedUserData!SystemCall
    call far [ecx]
    call 0x1b:0x401000
    ret
    ret 8
    retn
    retn 4
    retf
    retf 0x10
.loop:
    loop .loop
    loope .loop
    loopz .loop
    loopne .loop
    loopnz .loop
    jecxz .loop
    jcxz .loop
    jo .loop
    jno .loop
    jb .loop
    jc .loop
    jnae .loop
    jae .loop
    jnb .loop
    jnc .loop
    je .loop
    jz .loop
    jne .loop
    jnz .loop
    jbe .loop
    jna .loop
    ja .loop
    jnbe .loop
    js .loop
    jns .loop
    jp .loop
    jpe .loop
    jnp .loop
    jpo .loop
    jl .loop
    jnge .loop
    jge .loop
    jnl .loop
    jle .loop
    jng .loop
    jg .loop
    jnle .loop
    jmp short .loop
    jmp near .loop
    jz near .loop
    call .loop
    call arith
    jmp arith
    jnz arith
