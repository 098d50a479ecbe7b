/* ntgate.h - the little of the Native API the examples use, for programs built with -nostdlib against
 * ntgate's ntdll (see README.md). Declarations follow the DDK/WRK; every service is __stdcall. */
#ifndef NTGATE_H
#define NTGATE_H

typedef long NTSTATUS;
typedef unsigned long ULONG;
typedef unsigned long ULONG_PTR;
typedef unsigned long SIZE_T;
typedef void *HANDLE;
typedef void *PVOID;

#define NtCurrentProcess() ((HANDLE)-1)
#define NtCurrentThread() ((HANDLE)-2)
#define NT_SUCCESS(s) ((NTSTATUS)(s) >= 0)

typedef struct { NTSTATUS Status; ULONG_PTR Information; } IO_STATUS_BLOCK;
typedef void (__stdcall *PIO_APC_ROUTINE)(PVOID, IO_STATUS_BLOCK *, ULONG);
typedef void (__stdcall *PKNORMAL_ROUTINE)(PVOID, PVOID, PVOID);

NTSTATUS __stdcall NtWriteFile(HANDLE File, HANDLE Event, PIO_APC_ROUTINE ApcRoutine, PVOID ApcContext,
                               IO_STATUS_BLOCK *Iosb, const void *Buffer, ULONG Length, void *ByteOffset, ULONG *Key);
NTSTATUS __stdcall NtClose(HANDLE Handle);
NTSTATUS __stdcall NtQueueApcThread(HANDLE Thread, PKNORMAL_ROUTINE Routine, PVOID Arg1, PVOID Arg2, PVOID Arg3);
NTSTATUS __stdcall NtTestAlert(void);
NTSTATUS __stdcall NtTerminateProcess(HANDLE Process, NTSTATUS ExitStatus);
NTSTATUS __stdcall NtAllocateVirtualMemory(HANDLE Process, PVOID *Base, ULONG_PTR ZeroBits, SIZE_T *Size,
                                           ULONG AllocationType, ULONG Protect);
NTSTATUS __stdcall NtProtectVirtualMemory(HANDLE Process, PVOID *Base, SIZE_T *Size, ULONG NewProtect, ULONG *OldProtect);

#define MEM_COMMIT 0x1000
#define MEM_RESERVE 0x2000
#define PAGE_READONLY 0x02
#define PAGE_READWRITE 0x04

/* The standard output handle: TEB -> PEB -> ProcessParameters -> StandardOutput (RTL_USER_PROCESS_PARAMETERS+0x1C). */
static inline HANDLE std_output(void)
{
    char *peb, *params;
    __asm__ volatile("movl %%fs:0x30, %0" : "=r"(peb));   /* TEB.ProcessEnvironmentBlock */
    params = *(char **)(peb + 0x10);                     /* PEB.ProcessParameters */
    return *(HANDLE *)(params + 0x1C);
}

static inline ULONG str_len(const char *s)
{
    ULONG n = 0;
    while (s[n]) n++;
    return n;
}

static inline NTSTATUS print(const char *s)
{
    IO_STATUS_BLOCK iosb;
    return NtWriteFile(std_output(), 0, 0, 0, &iosb, s, str_len(s), 0, 0);
}

/* Prints "0x" and eight hex digits. */
static inline void print_hex(ULONG v)
{
    char b[11];
    int i;
    b[0] = '0';
    b[1] = 'x';
    for (i = 0; i < 8; i++) b[2 + i] = "0123456789ABCDEF"[(v >> (28 - 4 * i)) & 0xF];
    b[10] = 0;
    print(b);
}

/* SEH: the registration record on fs:[0] (EXCEPTION_REGISTRATION_RECORD) and what a handler receives. */
typedef struct {
    ULONG ExceptionCode, ExceptionFlags;
    void *ExceptionRecord, *ExceptionAddress;
    ULONG NumberParameters;
    ULONG_PTR ExceptionInformation[15];
} EXCEPTION_RECORD;

typedef struct {
    ULONG ContextFlags, Dr0, Dr1, Dr2, Dr3, Dr6, Dr7;
    unsigned char FloatSave[112];
    ULONG SegGs, SegFs, SegEs, SegDs, Edi, Esi, Ebx, Edx, Ecx, Eax, Ebp, Eip, SegCs, EFlags, Esp, SegSs;
    unsigned char ExtendedRegisters[512];
} CONTEXT;

typedef int (__cdecl *EXCEPTION_HANDLER)(EXCEPTION_RECORD *, void *, CONTEXT *, void *);
typedef struct EXCEPTION_REGISTRATION { struct EXCEPTION_REGISTRATION *Next; EXCEPTION_HANDLER Handler; } EXCEPTION_REGISTRATION;
#define ExceptionContinueExecution 0
#define ExceptionContinueSearch 1

static inline void seh_push(EXCEPTION_REGISTRATION *r, EXCEPTION_HANDLER h)
{
    r->Handler = h;
    __asm__ volatile("movl %%fs:0, %0" : "=r"(r->Next));
    __asm__ volatile("movl %0, %%fs:0" : : "r"(r) : "memory");
}

static inline void seh_pop(EXCEPTION_REGISTRATION *r)
{
    __asm__ volatile("movl %0, %%fs:0" : : "r"(r->Next) : "memory");
}

#endif
