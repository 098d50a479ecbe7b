/* apc.c - queue a user APC to the current thread and deliver it with NtTestAlert. */
#include "ntgate.h"

static volatile ULONG ran;

static void __stdcall apc_routine(PVOID a1, PVOID a2, PVOID a3)
{
    print("apc: running with arguments ");
    print_hex((ULONG)a1);
    print(" ");
    print_hex((ULONG)a2);
    print(" ");
    print_hex((ULONG)a3);
    print("\n");
    ran++;
}

ULONG __stdcall start(void)
{
    NTSTATUS s = NtQueueApcThread(NtCurrentThread(), apc_routine, (PVOID)1, (PVOID)2, (PVOID)3);
    print("apc: NtQueueApcThread = ");
    print_hex(s);
    print(", ran = ");
    print_hex(ran);
    print("\n");
    s = NtTestAlert();
    print("apc: NtTestAlert = ");
    print_hex(s);
    print(", ran = ");
    print_hex(ran);
    print("\n");
    return ran == 1 ? 0 : 1;
}
