; ntdll.dll, the loader's part (appended to ntdll.asm by NtdllSource).

section .text

; Runs the image's TLS callbacks, then enters the image. When the image has TLS callbacks the process's first
; trap frame hands this routine to RtlUserThreadStart in place of the entry point (XP's LdrpInitializeProcess
; calls LdrpCallTlsInitializers before the entry point in the same way). EBX = the PEB. Each callback is
; PIMAGE_TLS_CALLBACK(DllHandle = image base, Reason = DLL_PROCESS_ATTACH, Reserved = 0), stdcall.
; The entry point is reached by a jump, so its return goes back to RtlUserThreadStart.
global LdrpCallTlsInitializers
LdrpCallTlsInitializers:
    push esi
    push edi
    mov esi, [ebx + PEB.ImageBaseAddress]   ; ESI = the image (its headers are mapped at its base) |zh| ESI = 映像（其头部映射在基址处）
    mov eax, [esi + 0x3C]     ; IMAGE_DOS_HEADER.e_lfanew |zh| IMAGE_DOS_HEADER.e_lfanew
    add eax, esi              ; EAX = IMAGE_NT_HEADERS |zh| EAX = IMAGE_NT_HEADERS
    mov ecx, [eax + 0xC0]     ; OptionalHeader.DataDirectory[IMAGE_DIRECTORY_ENTRY_TLS].VirtualAddress |zh| OptionalHeader.DataDirectory[IMAGE_DIRECTORY_ENTRY_TLS].VirtualAddress
    test ecx, ecx
    jz .done
    mov edi, [esi + ecx + 0x0C]   ; IMAGE_TLS_DIRECTORY32.AddressOfCallBacks (a VA, relocated) |zh| IMAGE_TLS_DIRECTORY32.AddressOfCallBacks（虚拟地址，已重定位）
    test edi, edi
    jz .done
.next:
    mov eax, [edi]            ; the next callback; the array ends with NULL |zh| 下一个回调；数组以 NULL 结尾
    test eax, eax
    jz .done
    push 0                    ; Reserved |zh| Reserved
    push 1                    ; Reason = DLL_PROCESS_ATTACH |zh| Reason = DLL_PROCESS_ATTACH
    push esi                  ; DllHandle = the image base |zh| DllHandle = 映像基址
    call eax
    add edi, 4
    jmp .next
.done:
    mov eax, [esi + 0x3C]
    mov eax, [esi + eax + 0x28]   ; OptionalHeader.AddressOfEntryPoint |zh| OptionalHeader.AddressOfEntryPoint
    add eax, esi              ; EAX = the entry point |zh| EAX = 入口点
    pop edi
    pop esi
    jmp eax                   ; the entry point returns to RtlUserThreadStart |zh| 入口点返回到 RtlUserThreadStart
