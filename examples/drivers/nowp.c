/* nowp.c - the classic mistake: writing KiServiceTable without clearing CR0.WP. ntoskrnl's code pages are
 * read-only, so the write is a kernel-mode page fault on a read-only system page: bug check 0xBE,
 * ATTEMPTED_WRITE_TO_READONLY_MEMORY. */
#include "hook.h"

NTSTATUS NTAPI DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    ULONG index = SERVICE_NUMBER(ZwClose);
    DbgPrint("nowp: writing KiServiceTable[0x%03lx] at %p with CR0.WP set\n", index,
             &KeServiceDescriptorTable[0].Base[index]);
    KeServiceDescriptorTable[0].Base[index] = 0;
    DbgPrint("nowp: not reached\n");
    return STATUS_SUCCESS;
}
