/* hook.h - what the SSDT examples share: XP's KeServiceDescriptorTable (a data export of ntoskrnl.exe that
 * MinGW's DDK headers do not declare) and the service number a ZwXxx stub carries at ZwXxx+1
 * (B8 imm32 = mov eax, N). */
#include <ntddk.h>

typedef struct _KSERVICE_TABLE_DESCRIPTOR {
    PULONG Base;            /* KiServiceTable: the service routines */
    PULONG Count;           /* call counters (NULL on free builds) */
    ULONG Limit;            /* number of services */
    PUCHAR Number;          /* KiArgumentTable: argument bytes per service */
} KSERVICE_TABLE_DESCRIPTOR;

__declspec(dllimport) KSERVICE_TABLE_DESCRIPTOR KeServiceDescriptorTable[4];

/* The service number of a kernel ZwXxx stub: the imm32 of its first instruction, mov eax, N. */
#define SERVICE_NUMBER(zw) (*(PULONG)((PUCHAR)(zw) + 1))

/* The handle the user programs close to show the hook at work: no real handle has this value. */
#define MAGIC_HANDLE ((HANDLE)0x00C105E0)
