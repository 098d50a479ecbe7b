; Short/near selection at the edges of the rel8 range, forward and backward, and chains of
; jumps whose sizes depend on each other (the fixed point starts short and grows).
bits 32
org 0x401000

start:
    jmp fwd127
    times 127 - 2 nop
    nop
    nop
fwd127:
    jmp fwd128
    times 128 nop
fwd128:
    jz back
back:
    times 120 nop
    jz back                 ; rel -128: still short?
    times 3 nop
    jnz back                ; too far: near
chain1:
    jmp chain_end
    jz chain_end
    jnz chain_end
    ja chain_end
    jb chain_end
    times 100 nop
    jmp chain_end
    jg chain_end
chain_end:
    jmp short chain1
    jmp near chain1
    call start
    call fwd128
    jecxz .near
    loop .near
.near:
    jmp $
    jmp $+2
    jmp $+0x100
    jz $-0x100
    call $+5
    jmp start + 0x10
last:
