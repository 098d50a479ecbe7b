/* kfce.c - the KiFastCallEntry inline hook: find KiFastCallEntry through MSR 0x176 (IA32_SYSENTER_EIP), scan it
 * for XP's `sub esp,ecx / shr ecx,2` (2B E1 C1 E9 02, at KiFastCallEntry+0xE5), and overwrite those five bytes
 * with a jmp to KfceStub. There EBX holds the service routine the dispatcher just read from the table, EAX the
 * service index and EDI the table: KfceFilter may swap the routine (here NtClose's, for HookNtClose) before the
 * stub does the two overwritten instructions and jumps back. DriverUnload writes the original bytes back. Every
 * write to the kernel's code runs with CR0.WP clear. */
#include "hook.h"

typedef NTSTATUS (NTAPI *NT_CLOSE)(HANDLE Handle);

static const UCHAR Signature[5] = {0x2B, 0xE1, 0xC1, 0xE9, 0x02};   /* sub esp,ecx ; shr ecx,2 */
static PUCHAR Site;                                                 /* the signature's address */
static UCHAR Saved[5];                                              /* the bytes the jmp replaced */
ULONG KfceResume;                                                   /* Site + 5: back into KiFastCallEntry */
static ULONG CloseIndex;
static NT_CLOSE RealNtClose;
static LONG Dispatches, Swaps;

static NTSTATUS NTAPI HookNtClose(HANDLE Handle)
{
    if (Handle == MAGIC_HANDLE) {
        DbgPrint("kfce: HookNtClose(%p): taken by the hook\n", Handle);
        return STATUS_SUCCESS;
    }
    return RealNtClose(Handle);
}

/* Called from KfceStub for every service dispatched through KiFastCallEntry: returns the routine to call. */
ULONG NTAPI KfceFilter(PULONG Table, ULONG Index, ULONG Routine)
{
    InterlockedIncrement(&Dispatches);
    if (Table == KeServiceDescriptorTable[0].Base && Index == CloseIndex) {
        InterlockedIncrement(&Swaps);
        return (ULONG)HookNtClose;
    }
    return Routine;
}

/* The detour: EBX = routine, EAX = index, EDI = table, ECX = argument bytes (KiFastCallEntry+0xE5's state). */
__asm__(".text\n"
        ".globl _KfceStub\n"
        "_KfceStub:\n"
        "    pushal\n"
        "    pushfl\n"
        "    pushl %ebx\n"
        "    pushl %eax\n"
        "    pushl %edi\n"
        "    call _KfceFilter@12\n"
        "    movl %eax, 20(%esp)\n"         /* the EBX that popal restores */
        "    popfl\n"
        "    popal\n"
        "    subl %ecx, %esp\n"             /* the two instructions the jmp replaced */
        "    shrl $2, %ecx\n"
        "    jmp *_KfceResume\n");
void KfceStub(void);

static void WriteCode(PUCHAR at, const UCHAR *bytes, ULONG n)
{
    ULONG cr0, i;
    __asm__ volatile("cli\n\tmovl %%cr0, %0" : "=r"(cr0));
    __asm__ volatile("movl %0, %%cr0" : : "r"(cr0 & ~0x10000));     /* CR0.WP = 0 */
    for (i = 0; i < n; i++)
        at[i] = bytes[i];
    __asm__ volatile("movl %0, %%cr0\n\tsti" : : "r"(cr0));         /* CR0.WP back */
}

static VOID NTAPI KfceUnload(PDRIVER_OBJECT DriverObject)
{
    WriteCode(Site, Saved, 5);
    DbgPrint("kfce: %02x %02x %02x %02x %02x written back at %p; %ld dispatches seen, %ld swapped\n",
             Saved[0], Saved[1], Saved[2], Saved[3], Saved[4], Site, Dispatches, Swaps);
}

NTSTATUS NTAPI DriverEntry(PDRIVER_OBJECT DriverObject, PUNICODE_STRING RegistryPath)
{
    ULONG lo, hi, i;
    PUCHAR entry;
    UCHAR jmp[5];

    __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(0x176));    /* IA32_SYSENTER_EIP = KiFastCallEntry */
    entry = (PUCHAR)lo;
    for (i = 0; i < 0x200 && Site == NULL; i++) {
        if (RtlCompareMemory(entry + i, Signature, sizeof Signature) == sizeof Signature)
            Site = entry + i;
    }
    if (Site == NULL) {
        DbgPrint("kfce: no 2B E1 C1 E9 02 in the 0x200 bytes at %p\n", entry);
        return STATUS_NOT_FOUND;
    }
    CloseIndex = SERVICE_NUMBER(ZwClose);
    RealNtClose = (NT_CLOSE)KeServiceDescriptorTable[0].Base[CloseIndex];
    for (i = 0; i < 5; i++)
        Saved[i] = Site[i];
    KfceResume = (ULONG)(Site + 5);
    jmp[0] = 0xE9;                                                   /* jmp rel32 KfceStub */
    *(PULONG)(jmp + 1) = (ULONG)KfceStub - (ULONG)(Site + 5);
    WriteCode(Site, jmp, 5);
    DbgPrint("kfce: KiFastCallEntry (MSR 0x176) = %p; the signature is at +0x%lx; jmp KfceStub written\n",
             entry, (ULONG)(Site - entry));
    DriverObject->DriverUnload = KfceUnload;
    return STATUS_SUCCESS;
}
