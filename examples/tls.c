/* tls.c - a TLS callback, which the loader (ntdll!LdrpCallTlsInitializers) runs before the entry point. */
#include "ntgate.h"

typedef void (__stdcall *PIMAGE_TLS_CALLBACK)(PVOID DllHandle, ULONG Reason, PVOID Reserved);
typedef struct {
    ULONG StartAddressOfRawData, EndAddressOfRawData, AddressOfIndex, AddressOfCallBacks, SizeOfZeroFill,
          Characteristics;
} IMAGE_TLS_DIRECTORY32;

static volatile ULONG calls;

static void __stdcall tls_callback(PVOID image, ULONG reason, PVOID reserved)
{
    (void)reserved;
    calls++;
    print("tls: callback, image ");
    print_hex((ULONG)image);
    print(", reason ");
    print_hex(reason);
    print("\n");
}

static PIMAGE_TLS_CALLBACK callbacks[] = {tls_callback, 0};
static ULONG tls_index;
/* The linker points data directory 9 at the symbol __tls_used (C name _tls_used on i386). */
const IMAGE_TLS_DIRECTORY32 _tls_used = {0, 0, (ULONG)&tls_index, (ULONG)callbacks, 0, 0};

ULONG __stdcall start(void)
{
    print("tls: entry point, callbacks so far ");
    print_hex(calls);
    print("\n");
    return calls == 1 ? 0 : 1;
}
