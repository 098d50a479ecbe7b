/* hello.c - the smallest driver: DbgPrint from DriverEntry and DriverUnload, a pool block, the IRQL. */
#include <ntddk.h>

static VOID NTAPI HelloUnload(PDRIVER_OBJECT DriverObject)
{
    DbgPrint("hello: DriverUnload(%p)\n", DriverObject);
}

NTSTATUS NTAPI DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    KIRQL old;
    PCHAR block;

    DbgPrint("hello: DriverEntry(%p, %wZ)\n", DriverObject, RegistryPath);
    DbgPrint("hello: I am %wZ at %p, %lu bytes, IRQL %d\n", &DriverObject->DriverName,
             DriverObject->DriverStart, DriverObject->DriverSize, KeGetCurrentIrql());
    KeRaiseIrql(DISPATCH_LEVEL, &old);
    DbgPrint("hello: raised to IRQL %d from %d\n", KeGetCurrentIrql(), old);
    KeLowerIrql(old);
    block = ExAllocatePoolWithTag(NonPagedPool, 64, 0x6F6C6C48 /* 'Hllo' */);
    DbgPrint("hello: pool block %s, tag %.4s\n", block ? "allocated" : "refused", (PCHAR)block - 4);
    ExFreePoolWithTag(block, 0x6F6C6C48);
    DbgPrintEx(DPFLTR_IHVDRIVER_ID, DPFLTR_ERROR_LEVEL, "hello: DbgPrintEx at the error level prints\n");
    DbgPrintEx(DPFLTR_IHVDRIVER_ID, DPFLTR_INFO_LEVEL, "hello: and at the info level it does not\n");
    DriverObject->DriverUnload = HelloUnload;
    return STATUS_SUCCESS;
}
