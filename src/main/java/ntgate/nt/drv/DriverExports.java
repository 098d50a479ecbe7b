package ntgate.nt.drv;

import ntgate.nt.ke.Services;

import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The names ntoskrnl.exe and hal.dll export to drivers in ntgate, under XP SP3's export names. Each is a routine
 * or variable of the kernel image (ntoskrnl.asm, the generated service part, and {@code drv/exports.asm}); an
 * import of any other name is a load error. Data exports: KeServiceDescriptorTable (the table the gate dispatches
 * through), MmUserProbeAddress, PsProcessType, PsThreadType.
 */
public final class DriverExports {
    private DriverExports() {}

    /** hal.dll's exports: IRQL and spin locks. KfRaiseIrql/KfLowerIrql are ntoskrnl.asm's routines. */
    static final List<String> HAL = List.of(
            "KeGetCurrentIrql", "KeRaiseIrqlToDpcLevel", "KeRaiseIrqlToSynchLevel", "KfRaiseIrql", "KfLowerIrql",
            "KfAcquireSpinLock", "KfReleaseSpinLock");

    /** ntoskrnl.exe's exports besides the ZwXxx stubs of every declared service. */
    static final List<String> NTOSKRNL = List.of(
            // data
            "KeServiceDescriptorTable", "MmUserProbeAddress", "PsProcessType", "PsThreadType",
            // Ke
            "KeBugCheckEx", "KeInitializeSpinLock", "KefAcquireSpinLockAtDpcLevel", "KefReleaseSpinLockFromDpcLevel",
            "KeAcquireSpinLockAtDpcLevel", "KeReleaseSpinLockFromDpcLevel", "KeGetCurrentThread",
            "KeStackAttachProcess", "KeUnstackDetachProcess",
            "InterlockedIncrement", "InterlockedDecrement", "InterlockedExchange", "InterlockedExchangeAdd",
            "InterlockedCompareExchange",
            // Ps, Ob
            "PsGetCurrentThread", "IoGetCurrentProcess", "PsGetCurrentProcess", "PsGetCurrentProcessId",
            "PsGetCurrentThreadId", "PsLookupProcessByProcessId", "ObReferenceObjectByHandle", "ObfReferenceObject",
            "ObfDereferenceObject", "ObDereferenceObject",
            // C runtime and Rtl
            "memset", "memcpy", "memmove", "memcmp", "strlen", "wcslen", "RtlMoveMemory", "RtlFillMemory",
            "RtlZeroMemory", "RtlCompareMemory", "RtlInitUnicodeString", "RtlInitAnsiString", "RtlInitString",
            "RtlCopyUnicodeString", "RtlEqualUnicodeString", "RtlCompareUnicodeString",
            // debug output
            "DbgPrint", "DbgPrintEx", "vDbgPrintEx", "vDbgPrintExWithPrefix",
            // Ex, Mm
            "ExAllocatePool", "ExAllocatePoolWithTag", "ExFreePool", "ExFreePoolWithTag",
            "MmGetSystemRoutineAddress", "MmIsAddressValid", "ProbeForRead", "ProbeForWrite",
            "IoAllocateMdl", "MmCreateMdl", "IoFreeMdl", "MmBuildMdlForNonPagedPool", "MmMapLockedPages",
            "MmMapLockedPagesSpecifyCache", "MmUnmapLockedPages",
            // Io
            "IoCreateDevice", "IoDeleteDevice", "IoCreateSymbolicLink", "IoDeleteSymbolicLink", "IofCompleteRequest");

    /**
     * The export tables: DLL name (lower case) to export name to address, read from the assembled kernel's
     * symbols.
     *
     * @throws IllegalStateException when the kernel source lacks a listed routine (a bug in ntgate)
     */
    static Map<String, Map<String, Integer>> tables(Map<String, Long> kernelSymbols) {
        Map<String, Map<String, Integer>> t = new TreeMap<>();
        t.put("hal.dll", table(HAL, kernelSymbols));
        Set<String> nt = new LinkedHashSet<>(NTOSKRNL);
        for (Services.Service s : Services.nativeServices()) nt.add(s.zwName());   // ntoskrnl has no Zw stubs for win32k
        t.put("ntoskrnl.exe", table(List.copyOf(nt), kernelSymbols));
        return Collections.unmodifiableMap(t);
    }

    private static Map<String, Integer> table(List<String> names, Map<String, Long> symbols) {
        Map<String, Integer> m = new TreeMap<>();
        for (String n : names) {
            Long v = symbols.get(n);
            if (v == null) throw new IllegalStateException("the kernel defines no " + n + ", which DriverExports lists");
            m.put(n, (int) (long) v);
        }
        return Collections.unmodifiableMap(m);
    }
}
