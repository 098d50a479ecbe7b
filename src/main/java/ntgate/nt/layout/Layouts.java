package ntgate.nt.layout;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import ntgate.asm.AsmOptions;

/**
 * The NT structure layouts of Windows XP SP3 x86, declared once (STYLE.md §7). Every offset
 * and size comes from NT-FACTS.md (section cited on each declaration); where that file says
 * nothing a layout has a gap rather than an invented field. These are the assembler's
 * symbols ({@code [ebp + KTRAP_FRAME.Eip]}), the debugger's {@code dt} and the tracer's names.
 */
public final class Layouts {

    private Layouts() {
    }

    /** LIST_ENTRY: the doubly linked list head/link used throughout NT (size from NT-FACTS §2.5: ApcListHead[0] 0x34, [1] 0x3C). */
    public static final Struct LIST_ENTRY = Struct.builder("LIST_ENTRY", 0x8)
            .ptr(0x00, "Flink", "next entry")
            .ptr(0x04, "Blink", "previous entry")
            .build();

    /** CLIENT_ID: process and thread ids (size from NT-FACTS §2.6: TEB.ClientId 0x20, 8 bytes before +0x28). */
    public static final Struct CLIENT_ID = Struct.builder("CLIENT_ID", 0x8)
            .ptr(0x00, "UniqueProcess", "process id")
            .ptr(0x04, "UniqueThread", "thread id")
            .build();

    /** KTRAP_FRAME, NT-FACTS §1 (size 0x8C, KTRAP_FRAME_LENGTH). */
    public static final Struct KTRAP_FRAME = Struct.builder("KTRAP_FRAME", 0x8C)
            .u32(0x00, "DbgEbp", "copy of the caller's EBP (debugger only)")
            .u32(0x04, "DbgEip", "copy of Eip at entry")
            .u32(0x08, "DbgArgMark", "0xBADB0D00 TRAP_FRAME_MARKER")
            .u32(0x0C, "DbgArgPointer", "EDX at dispatch = caller's argument block")
            .u32(0x10, "TempSegCs", "real CS of an edited kernel-mode frame")
            .u32(0x14, "TempEsp", "new ESP of an edited kernel-mode frame")
            .u32(0x18, "Dr0", "saved user DR0 (debugging active)")
            .u32(0x1C, "Dr1", "saved user DR1")
            .u32(0x20, "Dr2", "saved user DR2")
            .u32(0x24, "Dr3", "saved user DR3")
            .u32(0x28, "Dr6", "saved user DR6")
            .u32(0x2C, "Dr7", "saved user DR7, or 0 (KiFastCallEntry clears it)")
            .u32(0x30, "SegGs", "not saved by the syscall paths; 0 for APC delivery")
            .u32(0x34, "SegEs", "not saved by the syscall paths; 0x23 for APC delivery")
            .u32(0x38, "SegDs", "not saved by the syscall paths; 0x23 for APC delivery")
            .u32(0x3C, "Edx", "syscall paths: previous KTHREAD.TrapFrame (int 2E)")
            .u32(0x40, "Ecx", "volatile, not saved on syscall entry")
            .u32(0x44, "Eax", "service status before user-APC delivery")
            .u32(0x48, "PreviousPreviousMode", "previous KTHREAD.PreviousMode (low byte)")
            .ptr(0x4C, "ExceptionList", "KPCR.NtTib.ExceptionList at entry")
            .u32(0x50, "SegFs", "caller FS (int 2E) or 0x3B (sysenter)")
            .u32(0x54, "Edi", "non-volatile, saved")
            .u32(0x58, "Esi", "non-volatile, saved")
            .u32(0x5C, "Ebx", "non-volatile, saved")
            .u32(0x60, "Ebp", "non-volatile, saved")
            .u32(0x64, "ErrCode", "0 for system calls")
            .u32(0x68, "Eip", "return EIP")
            .u32(0x6C, "SegCs", "caller CS; bit 0 = previous mode")
            .u32(0x70, "EFlags", "caller EFLAGS")
            .u32(0x74, "HardwareEsp", "caller ESP (ring transitions only)")
            .u32(0x78, "HardwareSegSs", "caller SS (ring transitions only)")
            .u32(0x7C, "V86Es", "V86 frames only")
            .u32(0x80, "V86Ds", "V86 frames only")
            .u32(0x84, "V86Fs", "V86 frames only")
            .u32(0x88, "V86Gs", "V86 frames only")
            .build();

    /** NT_TIB: the head of TEB and KPCR (NT-FACTS §2.6 TEB 0x00..0x18, §2.3 KPCR 0x00..0x18; SelfPcr/EnvironmentPointer follow at 0x1C). */
    public static final Struct NT_TIB = Struct.builder("NT_TIB", 0x1C)
            .ptr(0x00, "ExceptionList", "SEH chain head (0xFFFFFFFF = end)")
            .ptr(0x04, "StackBase", "")
            .ptr(0x08, "StackLimit", "")
            .ptr(0x0C, "SubSystemTib", "")
            .ptr(0x10, "FiberData", "")
            .ptr(0x14, "ArbitraryUserPointer", "")
            .ptr(0x18, "Self", "linear address of this TIB (KPCR: PcTeb, the current TEB)")
            .build();

    /** FLOATING_SAVE_AREA: CONTEXT.FloatSave, 0x70 bytes (NT-FACTS §2.8: FloatSave 0x1C..0x8C); members not given there. */
    public static final Struct FLOATING_SAVE_AREA = Struct.builder("FLOATING_SAVE_AREA", 0x70)
            .build();

    /** CONTEXT (x86), NT-FACTS §2.8 (0x2CC bytes). */
    public static final Struct CONTEXT = Struct.builder("CONTEXT", 0x2CC)
            .u32(0x00, "ContextFlags", "CONTEXT_FULL 0x10007, CONTEXT_DEBUG_REGISTERS 0x10010")
            .u32(0x04, "Dr0", "")
            .u32(0x08, "Dr1", "")
            .u32(0x0C, "Dr2", "")
            .u32(0x10, "Dr3", "")
            .u32(0x14, "Dr6", "")
            .u32(0x18, "Dr7", "")
            .struct(0x1C, "FloatSave", FLOATING_SAVE_AREA, "x87 state")
            .u32(0x8C, "SegGs", "")
            .u32(0x90, "SegFs", "")
            .u32(0x94, "SegEs", "")
            .u32(0x98, "SegDs", "")
            .u32(0x9C, "Edi", "")
            .u32(0xA0, "Esi", "")
            .u32(0xA4, "Ebx", "")
            .u32(0xA8, "Edx", "")
            .u32(0xAC, "Ecx", "")
            .u32(0xB0, "Eax", "")
            .u32(0xB4, "Ebp", "")
            .u32(0xB8, "Eip", "")
            .u32(0xBC, "SegCs", "")
            .u32(0xC0, "EFlags", "")
            .u32(0xC4, "Esp", "")
            .u32(0xC8, "SegSs", "")
            .bytes(0xCC, "ExtendedRegisters", 512, "FXSAVE image")
            .build();

    /** KSPECIAL_REGISTERS (0x54 bytes), NT-FACTS §2.3: KernelDr0 at +0x10 (PRCB 0x1C+0x2CC+0x10), KernelDr0..7 at PRCB 0x2F8..0x30C. */
    public static final Struct KSPECIAL_REGISTERS = Struct.builder("KSPECIAL_REGISTERS", 0x54)
            .u32(0x10, "KernelDr0", "loaded into DR0 when a debugged user thread enters")
            .u32(0x14, "KernelDr1", "")
            .u32(0x18, "KernelDr2", "")
            .u32(0x1C, "KernelDr3", "")
            .u32(0x20, "KernelDr6", "")
            .u32(0x24, "KernelDr7", "")
            .build();

    /** KPROCESSOR_STATE = CONTEXT (0x2CC) + KSPECIAL_REGISTERS (0x54), NT-FACTS §2.3. */
    public static final Struct KPROCESSOR_STATE = Struct.builder("KPROCESSOR_STATE", 0x2CC + 0x54)
            .struct(0x000, "ContextFrame", CONTEXT, "")
            .struct(0x2CC, "SpecialRegisters", KSPECIAL_REGISTERS, "")
            .build();

    /** KPRCB (5.1), NT-FACTS §2.3; size = KPCR size 0xD70 − PrcbData offset 0x120 = 0xC50. */
    public static final Struct KPRCB = Struct.builder("KPRCB", 0xD70 - 0x120)
            .ptr(0x004, "CurrentThread", "KTHREAD* (fs:[124h])")
            .ptr(0x008, "NextThread", "")
            .ptr(0x00C, "IdleThread", "")
            .struct(0x01C, "ProcessorState", KPROCESSOR_STATE, "")
            .u32(0x518, "KeSystemCalls", "incremented once per dispatched service (fs:[638h])")
            .ptr(0x868, "DpcStack", "SYSENTER_ESP MSR value")
            .build();

    /** KPCR (5.1), NT-FACTS §2.3; CPU 0 at 0xFFDFF000, size 0xD70. */
    public static final Struct KPCR = Struct.builder("KPCR", 0xD70)
            .struct(0x00, "NtTib", NT_TIB, "NtTib.ExceptionList = kernel SEH chain head")
            .ptr(0x1C, "SelfPcr", "linear address of this KPCR")
            .ptr(0x20, "Prcb", "-> KPCR+0x120")
            .u8(0x24, "Irql", "")
            .ptr(0x38, "IDT", "")
            .ptr(0x3C, "GDT", "")
            .ptr(0x40, "TSS", "-> KTSS; KiFastCallEntry reads Esp0 from here")
            .u16(0x44, "MajorVersion", "1")
            .u16(0x46, "MinorVersion", "1")
            .u32(0x48, "SetMember", "")
            .u32(0x4C, "StallScaleFactor", "")
            .u8(0x50, "DebugActive", "copy of the current thread's DebugActive (XP only)")
            .u8(0x51, "Number", "processor number")
            .u32(0x54, "VdmAlert", "KiTrap01/0E fast-BOP check")
            .struct(0x120, "PrcbData", KPRCB, "")
            .build();

    /** KTSS, NT-FACTS §2.4 (0x20AC bytes; GDT limit 0x20AB, §2.1). Registers in hardware TSS order. */
    public static final Struct KTSS = Struct.builder("KTSS", 0x20AC)
            .u16(0x00, "Backlink", "")
            .u32(0x04, "Esp0", "InitialStack - 0x220 (non-V86 threads)")
            .u16(0x08, "Ss0", "0x10")
            .u32(0x1C, "CR3", "")
            .u32(0x20, "Eip", "")
            .u32(0x24, "EFlags", "")
            .u32(0x28, "Eax", "")
            .u32(0x2C, "Ecx", "")
            .u32(0x30, "Edx", "")
            .u32(0x34, "Ebx", "")
            .u32(0x38, "Esp", "")
            .u32(0x3C, "Ebp", "")
            .u32(0x40, "Esi", "")
            .u32(0x44, "Edi", "")
            .u16(0x48, "Es", "")
            .u16(0x4C, "Cs", "")
            .u16(0x50, "Ss", "")
            .u16(0x54, "Ds", "")
            .u16(0x58, "Fs", "")
            .u16(0x5C, "Gs", "")
            .u16(0x60, "LDT", "")
            .u16(0x64, "Flags", "")
            .u16(0x66, "IoMapBase", "")
            .bytes(0x68, "IoMaps", 0x20AC - 0x68, "I/O permission maps to the end of the TSS")
            .build();

    /** KAPC_STATE (0x18 bytes), NT-FACTS §2.5, offsets relative to KTHREAD.ApcState at 0x34. */
    public static final Struct KAPC_STATE = Struct.builder("KAPC_STATE", 0x18)
            .bytes(0x00, "ApcListHead", 0x10, "LIST_ENTRY[2]: [KernelMode] +0, [UserMode] +8")
            .ptr(0x10, "Process", "KPROCESS*")
            .u8(0x14, "KernelApcInProgress", "")
            .u8(0x15, "KernelApcPending", "")
            .u8(0x16, "UserApcPending", "set -> KiServiceExit delivers a user APC")
            .build();

    /** KAPC (x86), NT-FACTS §2.5, size 0x30. */
    public static final Struct KAPC = Struct.builder("KAPC", 0x30)
            .u16(0x00, "Type", "")
            .u16(0x02, "Size", "")
            .ptr(0x08, "Thread", "KTHREAD*")
            .struct(0x0C, "ApcListEntry", LIST_ENTRY, "")
            .ptr(0x14, "KernelRoutine", "")
            .ptr(0x18, "RundownRoutine", "")
            .ptr(0x1C, "NormalRoutine", "")
            .ptr(0x20, "NormalContext", "")
            .ptr(0x24, "SystemArgument1", "")
            .ptr(0x28, "SystemArgument2", "")
            .u8(0x2C, "ApcStateIndex", "")
            .u8(0x2D, "ApcMode", "")
            .u8(0x2E, "Inserted", "")
            .build();

    /** KTHREAD (5.1), NT-FACTS §2.5, size 0x1C0. */
    public static final Struct KTHREAD = Struct.builder("KTHREAD", 0x1C0)
            .bytes(0x000, "Header", 0x10, "DISPATCHER_HEADER, Type 6")
            .struct(0x010, "MutantListHead", LIST_ENTRY, "")
            .ptr(0x018, "InitialStack", "top of kernel stack; NPX save area below it")
            .ptr(0x01C, "StackLimit", "")
            .ptr(0x020, "Teb", "user TEB")
            .ptr(0x024, "TlsArray", "")
            .ptr(0x028, "KernelStack", "saved ESP when switched out")
            .u8(0x02C, "DebugActive", "non-zero -> save/restore DR0-7 on user transitions")
            .u8(0x02D, "State", "")
            .bytes(0x02E, "Alerted", 2, "BOOLEAN[2]: [KernelMode] 0x2E, [UserMode] 0x2F")
            .u8(0x030, "Iopl", "non-zero -> IOPL=3 forced when redirecting to a user APC")
            .u8(0x031, "NpxState", "")
            .struct(0x034, "ApcState", KAPC_STATE, "")
            .u32(0x04C, "ContextSwitches", "")
            .u32(0x054, "WaitStatus", "")
            .u8(0x058, "WaitIrql", "")
            .u8(0x059, "WaitMode", "")
            .u8(0x05A, "WaitNext", "")
            .u8(0x05B, "WaitReason", "")
            .ptr(0x05C, "WaitBlockList", "")
            .bytes(0x070, "WaitBlock", 0xD4 - 0x70, "KWAIT_BLOCK[4]")
            .u32(0x0D4, "KernelApcDisable", "")
            .ptr(0x0E0, "ServiceTable", "-> KeServiceDescriptorTable[Shadow]")
            .ptr(0x0E4, "Queue", "")
            .u32(0x0E8, "ApcQueueLock", "")
            .bytes(0x0F0, "Timer", 0x28, "KTIMER")
            .ptr(0x12C, "CallbackStack", "head of the KCALLOUT_FRAME chain")
            .ptr(0x130, "Win32Thread", "W32THREAD (THREADINFO)")
            .ptr(0x134, "TrapFrame", "current trap frame")
            .bytes(0x138, "ApcStatePointer", 8, "KAPC_STATE*[2]")
            .u8(0x140, "PreviousMode", "KPROCESSOR_MODE")
            .u8(0x141, "EnableStackSwap", "")
            .u8(0x142, "LargeStack", "")
            .u8(0x143, "ResourceIndex", "")
            .u32(0x144, "KernelTime", "")
            .u32(0x148, "UserTime", "")
            .struct(0x14C, "SavedApcState", KAPC_STATE, "")
            .u8(0x164, "Alertable", "")
            .u8(0x165, "ApcStateIndex", "")
            .u8(0x166, "ApcQueueable", "")
            .u8(0x167, "AutoAlignment", "")
            .ptr(0x168, "StackBase", "")
            .struct(0x16C, "SuspendApc", KAPC, "")
            .bytes(0x19C, "SuspendSemaphore", 0x1B0 - 0x19C, "KSEMAPHORE")
            .struct(0x1B0, "ThreadListEntry", LIST_ENTRY, "")
            .u8(0x1B8, "FreezeCount", "")
            .u8(0x1B9, "SuspendCount", "")
            .u8(0x1BA, "IdealProcessor", "")
            .u8(0x1BB, "DisableBoost", "")
            .build();

    /** ETHREAD (5.1), NT-FACTS §2.5, size 0x258. */
    public static final Struct ETHREAD = Struct.builder("ETHREAD", 0x258)
            .struct(0x000, "Tcb", KTHREAD, "")
            .u64(0x1C0, "CreateTime", "")
            .u32(0x1D0, "ExitStatus", "")
            .struct(0x1EC, "Cid", CLIENT_ID, "")
            .ptr(0x220, "ThreadsProcess", "EPROCESS*")
            .ptr(0x224, "StartAddress", "")
            .ptr(0x228, "Win32StartAddress", "")
            .u32(0x248, "CrossThreadFlags", "bit 4 = SystemThread")
            .build();

    /** KSERVICE_TABLE_DESCRIPTOR, NT-FACTS §4.2 (16 bytes). */
    public static final Struct KSERVICE_TABLE_DESCRIPTOR = Struct.builder("KSERVICE_TABLE_DESCRIPTOR", 0x10)
            .ptr(0x00, "Base", "ULONG[] of routine addresses")
            .ptr(0x04, "Count", "per-service call counters (NULL on free builds)")
            .u32(0x08, "Limit", "number of services")
            .ptr(0x0C, "Number", "UCHAR[] argument byte counts")
            .build();

    /** EXCEPTION_RECORD, NT-FACTS §2.8 (0x50 bytes). */
    public static final Struct EXCEPTION_RECORD = Struct.builder("EXCEPTION_RECORD", 0x50)
            .u32(0x00, "ExceptionCode", "")
            .u32(0x04, "ExceptionFlags", "")
            .ptr(0x08, "ExceptionRecord", "chained record")
            .ptr(0x0C, "ExceptionAddress", "")
            .u32(0x10, "NumberParameters", "")
            .bytes(0x14, "ExceptionInformation", 15 * 4, "ULONG_PTR[15]")
            .build();

    /**
     * KCALLOUT_FRAME, pushed by KiCallUserMode: NT-FACTS §9 lists its ten dwords in order
     * (InitialStack lowest, pushed last), hence 0x28 bytes.
     */
    public static final Struct KCALLOUT_FRAME = Struct.builder("KCALLOUT_FRAME", 0x28)
            .ptr(0x00, "InitialStack", "caller's KTHREAD.InitialStack")
            .ptr(0x04, "TrapFrame", "caller's KTHREAD.TrapFrame")
            .ptr(0x08, "CallbackStack", "previous KTHREAD.CallbackStack")
            .u32(0x0C, "Edi", "")
            .u32(0x10, "Esi", "")
            .u32(0x14, "Ebx", "")
            .u32(0x18, "Ebp", "")
            .ptr(0x1C, "ReturnAddress", "into KeUserModeCallback")
            .ptr(0x20, "Result", "PVOID* OutputBuffer")
            .ptr(0x24, "ResultLength", "ULONG* OutputLength")
            .build();

    /** KDESCRIPTOR: the sgdt/sidt image used by NT, NT-FACTS §2.1 (Pad, Limit, Base). */
    public static final Struct KDESCRIPTOR = Struct.builder("KDESCRIPTOR", 0x8)
            .u16(0x00, "Pad", "aligns the 6-byte image at +2")
            .u16(0x02, "Limit", "")
            .u32(0x04, "Base", "")
            .build();

    /**
     * TEB, NT-FACTS §2.6. The size 0xFB8 is XP SP3's sizeof(TEB), which NT-FACTS does not give
     * [?]; GdiBatchCount at 0xF70 and Vdm at 0xF18 lie inside it.
     */
    public static final Struct TEB = Struct.builder("TEB", 0xFB8)
            .struct(0x000, "NtTib", NT_TIB, "NtTib.ExceptionList = user SEH chain head (fs:[0])")
            .ptr(0x01C, "EnvironmentPointer", "")
            .struct(0x020, "ClientId", CLIENT_ID, "")
            .ptr(0x02C, "ThreadLocalStoragePointer", "")
            .ptr(0x030, "ProcessEnvironmentBlock", "PEB*")
            .u32(0x034, "LastErrorValue", "")
            .u32(0x038, "CountOfOwnedCriticalSections", "")
            .ptr(0x040, "Win32ThreadInfo", "")
            .u32(0x1A4, "ExceptionCode", "")
            .bytes(0x1D4, "GdiTebBatch", 0x4E0, "GDI_TEB_BATCH")
            .ptr(0xE0C, "DeallocationStack", "")
            .bytes(0xE10, "TlsSlots", 64 * 4, "PVOID[64]")
            .ptr(0xF18, "Vdm", "")
            .u32(0xF70, "GdiBatchCount", "read by KiSystemService for win32k calls")
            .build();

    /** PEB, NT-FACTS §2.6. The size 0x210 is XP SP3's sizeof(PEB), not given in NT-FACTS [?]. */
    public static final Struct PEB = Struct.builder("PEB", 0x210)
            .u8(0x02, "BeingDebugged", "")
            .ptr(0x08, "ImageBaseAddress", "")
            .ptr(0x0C, "Ldr", "PEB_LDR_DATA*")
            .ptr(0x10, "ProcessParameters", "RTL_USER_PROCESS_PARAMETERS*")
            .ptr(0x18, "ProcessHeap", "")
            .ptr(0x2C, "KernelCallbackTable", "used by KiUserCallbackDispatcher")
            .build();

    /**
     * KUSER_SHARED_DATA, NT-FACTS §2.7 (user 0x7FFE0000, kernel 0xFFDF0000). The size 0x338 is
     * XP SP3's sizeof, not given in NT-FACTS [?]; KSYSTEM_TIME fields are 0xC bytes (the gaps
     * between InterruptTime, SystemTime and TimeZoneBias).
     */
    public static final Struct KUSER_SHARED_DATA = Struct.builder("KUSER_SHARED_DATA", 0x338)
            .u32(0x000, "TickCountLow", "")
            .u32(0x004, "TickCountMultiplier", "")
            .bytes(0x008, "InterruptTime", 0xC, "KSYSTEM_TIME")
            .bytes(0x014, "SystemTime", 0xC, "KSYSTEM_TIME")
            .bytes(0x020, "TimeZoneBias", 0xC, "KSYSTEM_TIME")
            .bytes(0x030, "NtSystemRoot", 260 * 2, "WCHAR[260]")
            .u32(0x264, "NtProductType", "")
            .u32(0x26C, "NtMajorVersion", "5")
            .u32(0x270, "NtMinorVersion", "1")
            .bytes(0x274, "ProcessorFeatures", 64, "BOOLEAN[64]")
            .u8(0x2D4, "KdDebuggerEnabled", "")
            .u8(0x2D5, "NXSupportPolicy", "")
            .u8(0x2EC, "SafeBootMode", "")
            .u64(0x2F8, "TestRetInstruction", "0xC3 (ret)")
            .ptr(0x300, "SystemCall", "-> ntdll!KiFastSystemCall or KiIntSystemCall")
            .ptr(0x304, "SystemCallReturn", "-> ntdll!KiFastSystemCallRet")
            .bytes(0x308, "SystemCallPad", 3 * 8, "ULONGLONG[3]")
            .bytes(0x320, "TickCount", 0xC, "KSYSTEM_TIME")
            .u32(0x330, "Cookie", "")
            .build();

    /**
     * KPROCESS: NT-FACTS gives no member. The size 0x6C is where EPROCESS.ProcessLock follows Pcb
     * in an XP {@code dt _EPROCESS} dump [?].
     */
    public static final Struct KPROCESS = Struct.builder("KPROCESS", 0x6C)
            .bytes(0x00, "Header", 0x10, "DISPATCHER_HEADER")
            .build();

    /**
     * EPROCESS: NT-FACTS gives no member. Pcb, UniqueProcessId and ActiveProcessLinks are from an
     * XP {@code dt _EPROCESS} dump; the size 0x260 is XP SP3's sizeof [?].
     */
    public static final Struct EPROCESS = Struct.builder("EPROCESS", 0x260)
            .struct(0x000, "Pcb", KPROCESS, "")
            .ptr(0x084, "UniqueProcessId", "")
            .struct(0x088, "ActiveProcessLinks", LIST_ENTRY, "")
            .build();

    /**
     * RTL_USER_PROCESS_PARAMETERS, XP size 0x290 [?]. The standard handles at +0x18/+0x1C/+0x20 are the ones
     * issue 5 specifies; ImagePathName +0x38 and CommandLine +0x40 (UNICODE_STRINGs) are the XP offsets of
     * ReactOS's and the WRK's declaration.
     */
    public static final Struct RTL_USER_PROCESS_PARAMETERS = Struct.builder("RTL_USER_PROCESS_PARAMETERS", 0x290)
            .u32(0x00, "MaximumLength", "")
            .u32(0x04, "Length", "")
            .u32(0x08, "Flags", "1 = normalized (pointers, not offsets)")
            .ptr(0x10, "ConsoleHandle", "")
            .ptr(0x18, "StandardInput", "")
            .ptr(0x1C, "StandardOutput", "")
            .ptr(0x20, "StandardError", "")
            .u64(0x38, "ImagePathName", "UNICODE_STRING: Length, MaximumLength, Buffer")
            .u64(0x40, "CommandLine", "UNICODE_STRING: Length, MaximumLength, Buffer")
            .build();

    /**
     * MEMORY_BASIC_INFORMATION (x86, 28 bytes): NtQueryVirtualMemory's MemoryBasicInformation class (WRK
     * {@code public/sdk/inc/ntmmapi.h}; winnt.h).
     */
    public static final Struct MEMORY_BASIC_INFORMATION = Struct.builder("MEMORY_BASIC_INFORMATION", 0x1C)
            .ptr(0x00, "BaseAddress", "first page of the run of like pages")
            .ptr(0x04, "AllocationBase", "base of the allocation (VAD start), 0 when free")
            .u32(0x08, "AllocationProtect", "protection given at reservation")
            .u32(0x0C, "RegionSize", "bytes in the run")
            .u32(0x10, "State", "MEM_COMMIT / MEM_RESERVE / MEM_FREE")
            .u32(0x14, "Protect", "current protection of the run (0 when reserved)")
            .u32(0x18, "Type", "MEM_PRIVATE / MEM_MAPPED / MEM_IMAGE, 0 when free")
            .build();

    /**
     * SYSTEM_BASIC_INFORMATION (x86, 44 bytes): NtQuerySystemInformation class 0 (WRK
     * {@code public/sdk/inc/ntexapi.h}; NumberOfProcessors is a CCHAR followed by padding).
     */
    public static final Struct SYSTEM_BASIC_INFORMATION = Struct.builder("SYSTEM_BASIC_INFORMATION", 0x2C)
            .u32(0x00, "Reserved", "0")
            .u32(0x04, "TimerResolution", "clock interval in 100 ns units (KeMaximumIncrement)")
            .u32(0x08, "PageSize", "0x1000")
            .u32(0x0C, "NumberOfPhysicalPages", "")
            .u32(0x10, "LowestPhysicalPageNumber", "")
            .u32(0x14, "HighestPhysicalPageNumber", "")
            .u32(0x18, "AllocationGranularity", "0x10000")
            .ptr(0x1C, "MinimumUserModeAddress", "MM_LOWEST_USER_ADDRESS 0x10000")
            .ptr(0x20, "MaximumUserModeAddress", "MM_HIGHEST_USER_ADDRESS 0x7FFEFFFF")
            .u32(0x24, "ActiveProcessorsAffinityMask", "")
            .u8(0x28, "NumberOfProcessors", "")
            .build();

    /**
     * PROCESS_BASIC_INFORMATION (x86, 24 bytes): NtQueryInformationProcess class 0 (WRK
     * {@code public/sdk/inc/ntpsapi.h}).
     */
    public static final Struct PROCESS_BASIC_INFORMATION = Struct.builder("PROCESS_BASIC_INFORMATION", 0x18)
            .u32(0x00, "ExitStatus", "STATUS_PENDING while the process runs")
            .ptr(0x04, "PebBaseAddress", "")
            .u32(0x08, "AffinityMask", "")
            .u32(0x0C, "BasePriority", "")
            .ptr(0x10, "UniqueProcessId", "")
            .ptr(0x14, "InheritedFromUniqueProcessId", "")
            .build();

    /**
     * PEB_LDR_DATA, XP (0x28 bytes; ReactOS/WRK declaration and an XP {@code dt _PEB_LDR_DATA} dump [?]: NT-FACTS
     * gives only PEB.Ldr at 0x0C).
     */
    public static final Struct PEB_LDR_DATA = Struct.builder("PEB_LDR_DATA", 0x28)
            .u32(0x00, "Length", "sizeof(PEB_LDR_DATA)")
            .u8(0x04, "Initialized", "")
            .ptr(0x08, "SsHandle", "")
            .struct(0x0C, "InLoadOrderModuleList", LIST_ENTRY, "-> LDR_DATA_TABLE_ENTRY.InLoadOrderLinks")
            .struct(0x14, "InMemoryOrderModuleList", LIST_ENTRY, "-> LDR_DATA_TABLE_ENTRY.InMemoryOrderLinks")
            .struct(0x1C, "InInitializationOrderModuleList", LIST_ENTRY, "-> .InInitializationOrderLinks")
            .ptr(0x24, "EntryInProgress", "")
            .build();

    /**
     * LDR_DATA_TABLE_ENTRY, XP (0x50 bytes; offsets of an XP {@code dt _LDR_DATA_TABLE_ENTRY} dump and the WRK [?]).
     */
    public static final Struct LDR_DATA_TABLE_ENTRY = Struct.builder("LDR_DATA_TABLE_ENTRY", 0x50)
            .struct(0x00, "InLoadOrderLinks", LIST_ENTRY, "")
            .struct(0x08, "InMemoryOrderLinks", LIST_ENTRY, "")
            .struct(0x10, "InInitializationOrderLinks", LIST_ENTRY, "")
            .ptr(0x18, "DllBase", "")
            .ptr(0x1C, "EntryPoint", "")
            .u32(0x20, "SizeOfImage", "")
            .u64(0x24, "FullDllName", "UNICODE_STRING: Length, MaximumLength, Buffer")
            .u64(0x2C, "BaseDllName", "UNICODE_STRING: Length, MaximumLength, Buffer")
            .u32(0x34, "Flags", "")
            .u16(0x38, "LoadCount", "0xFFFF for static imports")
            .u16(0x3A, "TlsIndex", "")
            .struct(0x3C, "HashLinks", LIST_ENTRY, "")
            .u32(0x44, "TimeDateStamp", "")
            .ptr(0x48, "EntryPointActivationContext", "")
            .ptr(0x4C, "PatchInformation", "")
            .build();

    /** UNICODE_STRING (ntdef.h): Length and MaximumLength in bytes, then the buffer. */
    public static final Struct UNICODE_STRING = Struct.builder("UNICODE_STRING", 0x8)
            .u16(0x00, "Length", "bytes in use, without a terminator")
            .u16(0x02, "MaximumLength", "bytes of the buffer")
            .ptr(0x04, "Buffer", "WCHAR*")
            .build();

    /** DRIVER_EXTENSION as far as the DDK's wdm.h declares it (XP keeps private fields after ServiceKeyName). */
    public static final Struct DRIVER_EXTENSION = Struct.builder("DRIVER_EXTENSION", 0x1C)
            .ptr(0x00, "DriverObject", "back pointer")
            .ptr(0x04, "AddDevice", "PnP AddDevice routine")
            .u32(0x08, "Count", "times DriverEntry/reinitialize ran")
            .struct(0x0C, "ServiceKeyName", UNICODE_STRING, "the service key's name")
            .build();

    /** DRIVER_OBJECT (wdm.h, x86; Type 4, Size 0xA8): 28 major functions, IRP_MJ_MAXIMUM_FUNCTION = 0x1B. */
    public static final Struct DRIVER_OBJECT = Struct.builder("DRIVER_OBJECT", 0xA8)
            .u16(0x00, "Type", "IO_TYPE_DRIVER = 4")
            .u16(0x02, "Size", "0xA8")
            .ptr(0x04, "DeviceObject", "first DEVICE_OBJECT of the driver")
            .u32(0x08, "Flags", "")
            .ptr(0x0C, "DriverStart", "image base")
            .u32(0x10, "DriverSize", "SizeOfImage")
            .ptr(0x14, "DriverSection", "the loader's LDR_DATA_TABLE_ENTRY")
            .ptr(0x18, "DriverExtension", "DRIVER_EXTENSION*")
            .struct(0x1C, "DriverName", UNICODE_STRING, "\\Driver\\Name")
            .ptr(0x24, "HardwareDatabase", "UNICODE_STRING*")
            .ptr(0x28, "FastIoDispatch", "")
            .ptr(0x2C, "DriverInit", "DriverEntry")
            .ptr(0x30, "DriverStartIo", "")
            .ptr(0x34, "DriverUnload", "called when the driver is unloaded")
            .bytes(0x38, "MajorFunction", 0x70, "PDRIVER_DISPATCH[28]")
            .build();

    /** DEVICE_OBJECT (wdm.h, x86; Type 3, Size 0xB8 plus the device extension). */
    public static final Struct DEVICE_OBJECT = Struct.builder("DEVICE_OBJECT", 0xB8)
            .u16(0x00, "Type", "IO_TYPE_DEVICE = 3")
            .u16(0x02, "Size", "0xB8 + DeviceExtensionSize")
            .u32(0x04, "ReferenceCount", "")
            .ptr(0x08, "DriverObject", "")
            .ptr(0x0C, "NextDevice", "the driver's next device")
            .ptr(0x10, "AttachedDevice", "")
            .ptr(0x14, "CurrentIrp", "")
            .ptr(0x18, "Timer", "")
            .u32(0x1C, "Flags", "DO_*")
            .u32(0x20, "Characteristics", "FILE_DEVICE_* characteristics")
            .ptr(0x24, "Vpb", "")
            .ptr(0x28, "DeviceExtension", "")
            .u32(0x2C, "DeviceType", "FILE_DEVICE_*")
            .u8(0x30, "StackSize", "")
            .u32(0x5C, "AlignmentRequirement", "")
            .ptr(0xB0, "DeviceObjectExtension", "")
            .build();

    /** MDL (wdm.h, x86): the header; the PFN_NUMBER array of the pages follows at +0x1C. */
    public static final Struct MDL = Struct.builder("MDL", 0x1C)
            .ptr(0x00, "Next", "")
            .u16(0x04, "Size", "header + 4 bytes per page")
            .u16(0x06, "MdlFlags", "MDL_*")
            .ptr(0x08, "Process", "")
            .ptr(0x0C, "MappedSystemVa", "")
            .ptr(0x10, "StartVa", "page of the first byte")
            .u32(0x14, "ByteCount", "")
            .u32(0x18, "ByteOffset", "offset of the first byte in its page")
            .build();

    private static final List<Struct> ALL = List.of(
            KTRAP_FRAME, KPCR, KPRCB, KPROCESSOR_STATE, KSPECIAL_REGISTERS, KTSS, KTHREAD, ETHREAD,
            KAPC, KAPC_STATE, KPROCESS, EPROCESS, TEB, NT_TIB, PEB, CLIENT_ID, KUSER_SHARED_DATA, CONTEXT,
            FLOATING_SAVE_AREA, EXCEPTION_RECORD, KSERVICE_TABLE_DESCRIPTOR, KDESCRIPTOR, KCALLOUT_FRAME, LIST_ENTRY,
            RTL_USER_PROCESS_PARAMETERS, MEMORY_BASIC_INFORMATION, SYSTEM_BASIC_INFORMATION,
            PROCESS_BASIC_INFORMATION, PEB_LDR_DATA, LDR_DATA_TABLE_ENTRY,
            UNICODE_STRING, DRIVER_EXTENSION, DRIVER_OBJECT, DEVICE_OBJECT, MDL);

    private static final Map<String, Struct> BY_NAME;
    private static final Map<String, Long> SYMBOLS;

    static {
        Map<String, Struct> m = new LinkedHashMap<>();
        for (Struct s : ALL) {
            if (m.put(s.name(), s) != null) {
                throw new ExceptionInInitializerError("duplicate layout " + s.name());
            }
        }
        BY_NAME = Collections.unmodifiableMap(m);
        Map<String, Long> syms = new LinkedHashMap<>();
        for (Struct s : ALL) {
            syms.put(s.name() + "_size", (long) s.size());
            for (Field f : s.fields()) {
                syms.put(s.name() + "." + f.name(), (long) f.offset());
            }
        }
        for (Map.Entry<String, Long> e : Nt.symbols().entrySet()) {
            if (syms.put(e.getKey(), e.getValue()) != null) {
                throw new ExceptionInInitializerError("constant clashes with a layout symbol: " + e.getKey());
            }
        }
        // The NTSTATUS values, so guest sources write STATUS_ACCESS_VIOLATION without declaring it again.
        for (Map.Entry<Integer, String> e : ntgate.nt.NtStatus.all().entrySet()) {
            if (syms.put(e.getValue(), Integer.toUnsignedLong(e.getKey())) != null) {
                throw new ExceptionInInitializerError("status clashes with a layout symbol: " + e.getValue());
            }
        }
        SYMBOLS = Collections.unmodifiableMap(syms);
    }

    /** Every declared layout, in a fixed order. */
    public static List<Struct> all() {
        return ALL;
    }

    /**
     * The layout of that name. Accepts {@code KTRAP_FRAME}, {@code _KTRAP_FRAME} and
     * {@code nt!_KTRAP_FRAME} (module prefix ignored); names are case-sensitive.
     *
     * @throws IllegalArgumentException when no such layout is declared
     */
    public static Struct byName(String name) {
        Struct s = find(name);
        if (s == null) {
            throw new IllegalArgumentException("no structure layout " + name);
        }
        return s;
    }

    /** Like {@link #byName} but null when unknown. */
    public static Struct find(String name) {
        String n = name.trim();
        int bang = n.indexOf('!');
        if (bang >= 0) {
            n = n.substring(bang + 1);
        }
        if (n.startsWith("_")) {
            n = n.substring(1);
        }
        return BY_NAME.get(n);
    }

    /**
     * The assembler symbols: {@code KTRAP_FRAME.Eip} = 0x68, {@code KTRAP_FRAME_size} = 0x8C,
     * {@code KTHREAD.ApcState.UserApcPending} = 0x4A for every field of every layout, plus the
     * constants of {@link Nt#symbols()} ({@code KGDT_R3_TEB}, {@code MM_USER_PROBE_ADDRESS}, ...) and the statuses
     * of {@link ntgate.nt.NtStatus} ({@code STATUS_ACCESS_VIOLATION}).
     */
    public static Map<String, Long> symbols() {
        return SYMBOLS;
    }

    /**
     * The assembler's resolver over {@link #symbols()}, so guest sources can write
     * {@code mov [ebp + KTRAP_FRAME.Eip], edi} or {@code push KGDT_R0_PCR}.
     */
    public static AsmOptions.Resolver resolver() {
        return name -> {
            Long v = SYMBOLS.get(name);
            return v == null ? OptionalLong.empty() : OptionalLong.of(v);
        };
    }
}
