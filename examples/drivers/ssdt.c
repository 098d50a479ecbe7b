/* ssdt.c - the classic SSDT hook: replace NtClose's entry in KiServiceTable with HookNtClose, clearing CR0.WP
 * around the write because ntoskrnl's code (and KiServiceTable inside it) is mapped read-only; DriverUnload
 * puts the original back the same way. HookNtClose answers the magic handle itself and passes every other
 * call on to NtClose. */
#include "hook.h"

typedef NTSTATUS (NTAPI *NT_CLOSE)(HANDLE Handle);

static NT_CLOSE RealNtClose;
static ULONG Index;
static LONG Calls;

static NTSTATUS NTAPI HookNtClose(HANDLE Handle)
{
    LONG n = InterlockedIncrement(&Calls);
    if (Handle == MAGIC_HANDLE) {
        DbgPrint("ssdt: HookNtClose(%p), call %ld: taken by the hook\n", Handle, n);
        return STATUS_SUCCESS;
    }
    DbgPrint("ssdt: HookNtClose(%p), call %ld: passed to NtClose\n", Handle, n);
    return RealNtClose(Handle);
}

/* Writes one KiServiceTable entry with CR0.WP clear and interrupts off; returns the old entry. */
static ULONG WriteEntry(ULONG index, ULONG value)
{
    ULONG cr0, old;
    __asm__ volatile("cli\n\tmovl %%cr0, %0" : "=r"(cr0));
    __asm__ volatile("movl %0, %%cr0" : : "r"(cr0 & ~0x10000));     /* CR0.WP = 0 */
    old = InterlockedExchange((PLONG)&KeServiceDescriptorTable[0].Base[index], value);
    __asm__ volatile("movl %0, %%cr0\n\tsti" : : "r"(cr0));         /* CR0.WP back */
    return old;
}

static VOID NTAPI SsdtUnload(PDRIVER_OBJECT DriverObject)
{
    WriteEntry(Index, (ULONG)RealNtClose);
    DbgPrint("ssdt: KiServiceTable[0x%03lx] restored to %p after %ld calls\n", Index, RealNtClose, Calls);
}

NTSTATUS NTAPI DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    Index = SERVICE_NUMBER(ZwClose);
    RealNtClose = (NT_CLOSE)WriteEntry(Index, (ULONG)HookNtClose);
    DbgPrint("ssdt: KiServiceTable[0x%03lx]: %p -> %p (HookNtClose)\n", Index, RealNtClose, HookNtClose);
    DriverObject->DriverUnload = SsdtUnload;
    return STATUS_SUCCESS;
}
