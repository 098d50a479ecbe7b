/* closer.c - the user-mode side of the SSDT hooks: NtClose of the magic handle (STATUS_INVALID_HANDLE without a
 * hook; whatever the hook answers with one) and of another handle nobody owns, through ntdll and SYSENTER. */
#include "../ntgate.h"

static void report(const char *what, NTSTATUS s)
{
    print(what);
    print(" = ");
    print_hex(s);
    print("\n");
}

ULONG __stdcall start(void)
{
    report("NtClose(0x00C105E0)", NtClose((HANDLE)0x00C105E0));
    report("NtClose(0x00001234)", NtClose((HANDLE)0x1234));
    return 0;
}
