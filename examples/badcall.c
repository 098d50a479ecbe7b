/* badcall.c - system calls the kernel must refuse: a service number past the table, kernel-mode pointers as
 * arguments, a handle that does not exist. Each status is printed; the process exits normally. */
#include "ntgate.h"

/* Calls service number n through SharedUserData!SystemCall, as an ntdll stub would, with no arguments. */
static NTSTATUS raw_syscall(ULONG n)
{
    NTSTATUS s;
    __asm__ volatile("movl $0x7FFE0300, %%edx\n\t"
                     "call *(%%edx)"
                     : "=a"(s) : "a"(n) : "ecx", "edx", "memory");
    return s;
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
    IO_STATUS_BLOCK iosb;
    report("service 0x0FFF (past KiServiceTable)", raw_syscall(0x0FFF));
    report("NtWriteFile, Buffer in the kernel", NtWriteFile(std_output(), 0, 0, 0, &iosb, (void *)0x804D7000, 16, 0, 0));
    report("NtWriteFile, IoStatusBlock in the kernel", NtWriteFile(std_output(), 0, 0, 0, (IO_STATUS_BLOCK *)0x80000000, "x", 1, 0, 0));
    report("NtClose(0x1234)", NtClose((HANDLE)0x1234));
    return 0;
}
