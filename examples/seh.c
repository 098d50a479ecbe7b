/* seh.c - a hand-built SEH frame on fs:[0] catches an access violation and resumes after the faulting store,
 * as a __try/__except would. */
#include "ntgate.h"

extern char resume_here[];   /* the label after the faulting instruction, defined in the asm below */

static int __cdecl handler(EXCEPTION_RECORD *rec, void *frame, CONTEXT *ctx, void *dispatcher)
{
    (void)frame;
    (void)dispatcher;
    print("seh: caught ");
    print_hex(rec->ExceptionCode);
    print(rec->ExceptionInformation[0] ? " writing " : " reading ");
    print_hex(rec->ExceptionInformation[1]);
    print("\n");
    if (rec->ExceptionCode != 0xC0000005) return ExceptionContinueSearch;
    ctx->Eip = (ULONG)resume_here;   /* skip the store */
    return ExceptionContinueExecution;
}

ULONG __stdcall start(void)
{
    EXCEPTION_REGISTRATION reg;
    seh_push(&reg, handler);
    print("seh: writing to 0x00000010\n");
    __asm__ volatile("movl $0x2A, 0x00000010\n\t"   /* the first 64 KiB are never mapped */
                     ".globl _resume_here\n"
                     "_resume_here:" : : : "memory");
    print("seh: resumed after the fault\n");
    seh_pop(&reg);
    return 0;
}
