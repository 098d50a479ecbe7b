; demo.asm - the program `ntgate demo` runs: six kinds of system call through the real gate, each status printed.
extern NtWriteFile
extern NtTestAlert
extern NtQueueApcThread
extern KiIntSystemCall
extern NtYieldExecution

section .text
global start
start:
    push msg_hello_len
    push msg_hello
    call print                      ; 1. NtWriteFile through ntdll and SYSENTER
    push eax
    push l_write_len
    push l_write
    call report

    call NtTestAlert                ; 2. the null call: nothing is pending, the gate alone runs
    push eax
    push l_null_len
    push l_null
    call report

    call bad_service                ; 3. a service number past the end of KiServiceTable
    push eax
    push l_bad_len
    push l_bad
    call report

    push 16
    push 0x80000000                 ; 4. Buffer in kernel space: the service's probe refuses it
    call print
    push eax
    push l_kaddr_len
    push l_kaddr
    call report

    mov eax, [NtYieldExecution + 1] ; 5. NtYieldExecution's service number, read from its ntdll stub (B8 imm32)
    call KiIntSystemCall            ;    lea edx,[esp+8] / int 0x2e / ret
    push eax
    push l_int2e_len
    push l_int2e
    call report

    push 0x33333333                 ; SystemArgument2
    push 0x22222222                 ; SystemArgument1
    push 0x11111111                 ; NormalContext
    push apc_routine                ; ApcRoutine
    push -2                         ; ThreadHandle = NtCurrentThread()
    call NtQueueApcThread           ; 6. queue a user APC to this thread
    push eax
    push l_queue_len
    push l_queue
    call report

    call NtTestAlert                ; 7. the exit path delivers the APC before returning
    push eax
    push l_alert_len
    push l_alert
    call report

    xor eax, eax
    ret                             ; exit status 0

; A hand-made stub for a service that does not exist (table 0, number 0xFFF).
bad_service:
    mov eax, 0x0FFF                 ; service number
    mov edx, 0x7FFE0300             ; EDX = &SharedUserData.SystemCall
    call dword [edx]                ; KiFastSystemCall
    ret

; The APC's NormalRoutine(NormalContext, SystemArgument1, SystemArgument2), stdcall, run by KiUserApcDispatcher.
apc_routine:
    push dword [esp+4]              ; NormalContext
    push l_apc_len
    push l_apc
    call report
    ret 12

; print(Buffer, Length): NtWriteFile on the process's standard output; returns its status.
print:
    push ebp
    mov ebp, esp
    mov eax, [fs:0x30]              ; TEB.ProcessEnvironmentBlock
    mov eax, [eax+0x10]             ; PEB.ProcessParameters
    mov eax, [eax+0x1C]             ; RTL_USER_PROCESS_PARAMETERS.StandardOutput
    push 0                          ; Key
    push 0                          ; ByteOffset
    push dword [ebp+12]             ; Length
    push dword [ebp+8]              ; Buffer
    push iosb                       ; IoStatusBlock
    push 0                          ; ApcContext
    push 0                          ; ApcRoutine
    push 0                          ; Event
    push eax                        ; FileHandle
    call NtWriteFile
    pop ebp
    ret 8

; report(Label, Length, Value): prints the label, then the value as 0xXXXXXXXX and a line feed.
report:
    push ebp
    mov ebp, esp
    push edi
    push dword [ebp+12]
    push dword [ebp+8]
    call print
    mov eax, [ebp+16]
    mov edi, hexbuf+2
    mov ecx, 8
next_digit:
    rol eax, 4                      ; the next nibble, most significant first
    mov edx, eax
    and edx, 0xF
    mov dl, [hexdigits+edx]
    mov [edi], dl
    inc edi
    dec ecx
    jnz next_digit
    push hexbuf_len
    push hexbuf
    call print
    pop edi
    pop ebp
    ret 12

section .data
msg_hello:   db "Hello from ring 3: this line went out through NtWriteFile, SYSENTER and SYSEXIT.", 10
msg_hello_len equ $ - msg_hello
l_write:     db "  1. NtWriteFile via SYSENTER                       status "
l_write_len  equ $ - l_write
l_null:      db "  2. NtTestAlert, nothing pending (null call)        status "
l_null_len   equ $ - l_null
l_bad:       db "  3. service 0xFFF via SYSENTER (no such service)    status "
l_bad_len    equ $ - l_bad
l_kaddr:     db "  4. NtWriteFile, Buffer = 0x80000000 (kernel)       status "
l_kaddr_len  equ $ - l_kaddr
l_int2e:     db "  5. NtYieldExecution via INT 2Eh                    status "
l_int2e_len  equ $ - l_int2e
l_queue:     db "  6. NtQueueApcThread(NtCurrentThread(), apc, ...)   status "
l_queue_len  equ $ - l_queue
l_apc:       db "     APC routine runs in user mode, NormalContext =        "
l_apc_len    equ $ - l_apc
l_alert:     db "  7. NtTestAlert, after the APC was delivered        status "
l_alert_len  equ $ - l_alert
hexdigits:   db "0123456789ABCDEF"
hexbuf:      db "0x00000000", 10
hexbuf_len   equ $ - hexbuf
align 4
iosb:        dd 0, 0                ; IO_STATUS_BLOCK
