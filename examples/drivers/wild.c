/* wild.c - a driver that reads a system address nothing maps: bug check 0x50, PAGE_FAULT_IN_NONPAGED_AREA. */
#include <ntddk.h>

NTSTATUS NTAPI DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    volatile ULONG *p = (volatile ULONG *)0xC1000000;
    DbgPrint("wild: reading %p\n", p);
    return *p;
}
