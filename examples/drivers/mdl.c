/* mdl.c - the same NtClose hook without touching CR0: describe KiServiceTable with an MDL, map its pages a second
 * time through MmMapLockedPages (a new, writable system-PTE mapping of the same frames) and write the entry
 * there. DriverUnload restores the entry through the mapping, then unmaps it and frees the MDL. */
#include "hook.h"

typedef NTSTATUS (NTAPI *NT_CLOSE)(HANDLE Handle);

static NT_CLOSE RealNtClose;
static ULONG Index;
static PMDL Mdl;
static PULONG Table;        /* the writable view of KiServiceTable */

static NTSTATUS NTAPI HookNtClose(HANDLE Handle)
{
    if (Handle == MAGIC_HANDLE) {
        DbgPrint("mdl: HookNtClose(%p): taken by the hook\n", Handle);
        return STATUS_SUCCESS;
    }
    return RealNtClose(Handle);
}

static VOID NTAPI MdlUnload(PDRIVER_OBJECT DriverObject)
{
    InterlockedExchange((PLONG)&Table[Index], (LONG)RealNtClose);
    MmUnmapLockedPages(Table, Mdl);
    IoFreeMdl(Mdl);
    DbgPrint("mdl: KiServiceTable[0x%03lx] restored, mapping removed\n", Index);
}

NTSTATUS NTAPI DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    KSERVICE_TABLE_DESCRIPTOR *d = &KeServiceDescriptorTable[0];

    Mdl = IoAllocateMdl(d->Base, d->Limit * sizeof(ULONG), FALSE, FALSE, NULL);
    if (Mdl == NULL)
        return STATUS_INSUFFICIENT_RESOURCES;
    MmBuildMdlForNonPagedPool(Mdl);
    Mdl->MdlFlags |= MDL_MAPPED_TO_SYSTEM_VA;
    Table = MmMapLockedPages(Mdl, KernelMode);
    if (Table == NULL) {
        IoFreeMdl(Mdl);
        return STATUS_INSUFFICIENT_RESOURCES;
    }
    Index = SERVICE_NUMBER(ZwClose);
    RealNtClose = (NT_CLOSE)InterlockedExchange((PLONG)&Table[Index], (LONG)HookNtClose);
    DbgPrint("mdl: KiServiceTable at %p is writable at %p; entry 0x%03lx: %p -> %p\n", d->Base, Table, Index,
             RealNtClose, HookNtClose);
    DriverObject->DriverUnload = MdlUnload;
    return STATUS_SUCCESS;
}
