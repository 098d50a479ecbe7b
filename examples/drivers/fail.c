/* fail.c - a DriverEntry that fails: the I/O manager unloads the driver (without calling DriverUnload) and the
 * run goes on. */
#include <ntddk.h>

static VOID NTAPI FailUnload(PDRIVER_OBJECT DriverObject)
{
    DbgPrint("fail: DriverUnload must not run\n");
}

NTSTATUS NTAPI DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    DbgPrint("fail: DriverEntry gives up\n");
    DriverObject->DriverUnload = FailUnload;
    return STATUS_DEVICE_CONFIGURATION_ERROR;
}
