/* hello.c - one line to standard output through NtWriteFile; the return value is the exit status. */
#include "ntgate.h"

ULONG __stdcall start(void)
{
    NTSTATUS s = print("Hello from a PE32 program, through ntdll and SYSENTER.\n");
    return s;
}
