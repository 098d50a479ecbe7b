/* memory.c - allocate two pages, write them, make them read-only, and catch the write that then faults. */
#include "ntgate.h"

extern char memory_resume[];
static volatile ULONG faults;

static int __cdecl handler(EXCEPTION_RECORD *rec, void *frame, CONTEXT *ctx, void *dispatcher)
{
    (void)frame;
    (void)dispatcher;
    if (rec->ExceptionCode != 0xC0000005) return ExceptionContinueSearch;
    print("memory: access violation ");
    print(rec->ExceptionInformation[0] ? "writing " : "reading ");
    print_hex(rec->ExceptionInformation[1]);
    print("\n");
    faults++;
    ctx->Eip = (ULONG)memory_resume;
    return ExceptionContinueExecution;
}

static void report(const char *what, NTSTATUS s)
{
    print(what);
    print(" = ");
    print_hex(s);
    print("\n");
}

ULONG __stdcall start(void)
{
    PVOID base = 0;
    SIZE_T size = 0x2000;
    ULONG old = 0;
    EXCEPTION_REGISTRATION reg;
    volatile ULONG *p;

    report("NtAllocateVirtualMemory", NtAllocateVirtualMemory(NtCurrentProcess(), &base, 0, &size,
                                                              MEM_COMMIT | MEM_RESERVE, PAGE_READWRITE));
    print("memory: base ");
    print_hex((ULONG)base);
    print(" size ");
    print_hex(size);
    print("\n");
    p = (volatile ULONG *)base;
    p[0] = 0x11111111;
    p[1024] = 0x22222222;
    print("memory: wrote ");
    print_hex(p[0]);
    print(" ");
    print_hex(p[1024]);
    print("\n");

    report("NtProtectVirtualMemory(PAGE_READONLY)", NtProtectVirtualMemory(NtCurrentProcess(), &base, &size,
                                                                           PAGE_READONLY, &old));
    print("memory: old protection ");
    print_hex(old);
    print("\n");

    seh_push(&reg, handler);
    __asm__ volatile("movl $0x33333333, (%0)\n\t"
                     ".globl _memory_resume\n"
                     "_memory_resume:" : : "r"(p) : "memory");
    seh_pop(&reg);
    print("memory: faults ");
    print_hex(faults);
    print(", value still ");
    print_hex(p[0]);
    print("\n");
    return faults == 1 ? 0 : 1;
}
