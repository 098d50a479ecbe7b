; hello.asm - print a line through NtWriteFile on the process's standard output handle.
;   ./ntgate run examples/hello.asm
extern NtWriteFile

section .text
global start
start:
    mov eax, [fs:0x30]              ; TEB.ProcessEnvironmentBlock
    mov eax, [eax+0x10]             ; PEB.ProcessParameters
    mov eax, [eax+0x1C]             ; RTL_USER_PROCESS_PARAMETERS.StandardOutput
    push 0                          ; Key
    push 0                          ; ByteOffset
    push msg_len                    ; Length
    push msg                        ; Buffer
    push iosb                       ; IoStatusBlock
    push 0                          ; ApcContext
    push 0                          ; ApcRoutine
    push 0                          ; Event
    push eax                        ; FileHandle
    call NtWriteFile
    ret                             ; EAX = the status: the process's exit status

section .data
msg:     db "Hello from ring 3, through SYSENTER and back.", 10
msg_len  equ $ - msg
align 4
iosb:    dd 0, 0               ; IO_STATUS_BLOCK
