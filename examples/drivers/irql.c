/* irql.c - a page fault at DISPATCH_LEVEL: the same unmapped read with the IRQL raised is bug check 0xA,
 * IRQL_NOT_LESS_OR_EQUAL, whatever the address (nothing may be paged in at DISPATCH_LEVEL). */
#include <ntddk.h>

NTSTATUS NTAPI DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    volatile ULONG *p = (volatile ULONG *)0xC1000000;
    KIRQL old;
    KeRaiseIrql(DISPATCH_LEVEL, &old);
    DbgPrint("irql: reading %p at IRQL %d\n", p, KeGetCurrentIrql());
    return *p;
}
