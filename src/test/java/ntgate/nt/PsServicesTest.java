package ntgate.nt;

import ntgate.cpu.Cpu;
import ntgate.cpu.CpuFault;
import ntgate.cpu.CpuHooks;
import ntgate.nt.layout.Layouts;
import ntgate.nt.layout.Nt;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static ntgate.nt.StatusProgram.status;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * NtQueryInformationProcess, NtGetContextThread and NtSetContextThread through the real gate. CONTEXT offsets:
 * NT-FACTS §2.8; PROCESS_BASIC_INFORMATION: WRK ntpsapi.h; statuses: NT-FACTS §13.
 */
class PsServicesTest {
    static final String EXTERNS = "NtQueryInformationProcess NtGetContextThread NtSetContextThread";
    static final String DATA = """
            pbi:    times 8 dd 0xEEEEEEEE
            retlen: dd 0
            saved:  dd 0
            marker: dd 0
            align 16
            ctx:    times 0x2CC db 0
            ctx2:   times 0x2CC db 0
            """;
    static final int CONTEXT_CONTROL = 0x10001, CONTEXT_INTEGER = 0x10002, CONTEXT_FULL = 0x10007,
            CONTEXT_DEBUG_REGISTERS = 0x10010;

    static String qip(String handle, int infoClass, String buffer, int length) {
        return "    push retlen\n    push " + length + "\n    push " + buffer + "\n    push " + infoClass + "\n    push " + handle
                + "\n    call NtQueryInformationProcess\n";
    }

    @Test
    void processBasicInformationDescribesTheRunningProcess() {
        NtHarness h = StatusProgram.run(EXTERNS, qip("-1", 0, "pbi", 24) + "    st 0\n"
                + qip("-1", 0, "pbi", 23) + "    st 1\n"
                + qip("-1", 0x55, "pbi", 24) + "    st 2\n"
                + qip("0x1234", 0, "pbi", 24) + "    st 3\n"
                + qip("-2", 0, "pbi", 24) + "    st 4\n"
                + qip("-1", 0, "0x80000000", 24) + "    st 5\n"
                + qip("-1", 0, "pbi + 2", 24) + "    st 6\n"
                + qip("-1", 0, "0x00300000", 24) + "    st 7\n", DATA);
        assertEquals(NtStatus.STATUS_SUCCESS, status(h, 0));
        assertEquals(NtStatus.STATUS_INFO_LENGTH_MISMATCH, status(h, 1));
        assertEquals(NtStatus.STATUS_INVALID_INFO_CLASS, status(h, 2));
        assertEquals(NtStatus.STATUS_INVALID_HANDLE, status(h, 3));
        assertEquals(NtStatus.STATUS_OBJECT_TYPE_MISMATCH, status(h, 4));   // NtCurrentThread() is no process
        assertEquals(NtStatus.STATUS_ACCESS_VIOLATION, status(h, 5));
        assertEquals(NtStatus.STATUS_DATATYPE_MISALIGNMENT, status(h, 6));
        assertEquals(NtStatus.STATUS_ACCESS_VIOLATION, status(h, 7));
        int p = h.symbol("pbi");
        assertEquals(NtStatus.STATUS_PENDING, h.u32(p));
        assertEquals(Nt.PEB_ADDRESS, h.u32(p + 4));
        assertEquals(1, h.u32(p + 8));
        assertEquals(8, h.u32(p + 12));
        assertEquals(Kernel.PROCESS_ID, h.u32(p + 16));
        assertEquals(0, h.u32(p + 20));
        assertEquals(24, h.u32(h.symbol("retlen")));
    }

    @Test
    void getContextReturnsTheUserStateOfTheSystemCall() {
        NtHarness h = StatusProgram.run(EXTERNS, """
                    mov dword [ctx], 0x10007        ; CONTEXT_FULL
                    mov ebx, 0x11111111
                    mov esi, 0x22222222
                    mov edi, 0x33333333
                    push ebp
                    mov ebp, 0x44444444
                    mov [saved], esp
                    push ctx
                    push -2
                    call NtGetContextThread
                    pop ebp
                    st 0
                    mov dword [ctx2], 0x10007
                    push ctx2
                    push -1
                    call NtGetContextThread
                    st 1
                    push ctx2
                    push 0x1234
                    call NtGetContextThread
                    st 2
                    push 0x80000000
                    push -2
                    call NtGetContextThread
                    st 3
                    push ctx2 + 2
                    push -2
                    call NtGetContextThread
                    st 4
                    push 0x00300000
                    push -2
                    call NtGetContextThread
                    st 5
                """, DATA);
        assertEquals(NtStatus.STATUS_SUCCESS, status(h, 0));
        assertEquals(NtStatus.STATUS_OBJECT_TYPE_MISMATCH, status(h, 1));
        assertEquals(NtStatus.STATUS_INVALID_HANDLE, status(h, 2));
        assertEquals(NtStatus.STATUS_ACCESS_VIOLATION, status(h, 3));
        assertEquals(NtStatus.STATUS_DATATYPE_MISALIGNMENT, status(h, 4));
        assertEquals(NtStatus.STATUS_ACCESS_VIOLATION, status(h, 5));
        int c = h.symbol("ctx");
        assertEquals(CONTEXT_FULL, h.u32(c));
        assertEquals(0x33333333, h.u32(c + 0x9C));     // Edi
        assertEquals(0x22222222, h.u32(c + 0xA0));     // Esi
        assertEquals(0x11111111, h.u32(c + 0xA4));     // Ebx
        assertEquals(0x44444444, h.u32(c + 0xB4));     // Ebp
        assertEquals(h.sys.ntdllSymbol("KiFastSystemCallRet"), h.u32(c + 0xB8));   // Eip = SystemCallReturn
        assertEquals(Nt.USER_CS, h.u32(c + 0xBC));
        assertTrue((h.u32(c + 0xC0) & Nt.EFLAGS_IF) != 0);
        // ESP at SYSENTER: below the two arguments, NtGetContextThread's return address and the stub's call [edx].
        assertEquals(h.u32(h.symbol("saved")) - 16, h.u32(c + 0xC4));
        assertEquals(Nt.USER_DS, h.u32(c + 0xC8));
        assertEquals(Nt.USER_FS, h.u32(c + 0x90));     // SegFs
    }

    @Test
    void setContextRedirectsTheReturnToTheNewEip() {
        NtHarness h = StatusProgram.run(EXTERNS, """
                    mov dword [ctx], 0x10001        ; CONTEXT_CONTROL
                    push ctx
                    push -2
                    call NtGetContextThread
                    st 0
                    mov dword [ctx + 0xB8], landed  ; Eip
                    mov dword [ctx + 0xC0], 0x3202  ; EFlags: IOPL 3 is sanitised away
                    mov [ctx + 0xC4], esp           ; Esp: as after the call, arguments popped
                    push ctx
                    push -2
                    call NtSetContextThread
                    mov dword [marker], 1           ; skipped
                landed:
                    st 1
                    mov dword [ctx], 0x10001
                    push ctx
                    push -1
                    call NtSetContextThread
                    st 2
                    push 0x80000000
                    push -2
                    call NtSetContextThread
                    st 3
                    push 0x00300000
                    push -2
                    call NtSetContextThread
                    st 4
                    pushfd
                    pop eax
                    st 5
                """, DATA);
        assertEquals(NtStatus.STATUS_SUCCESS, status(h, 0));
        assertEquals(NtStatus.STATUS_SUCCESS, status(h, 1));
        assertEquals(0, h.u32(h.symbol("marker")));
        assertEquals(NtStatus.STATUS_OBJECT_TYPE_MISMATCH, status(h, 2));
        assertEquals(NtStatus.STATUS_ACCESS_VIOLATION, status(h, 3));
        assertEquals(NtStatus.STATUS_ACCESS_VIOLATION, status(h, 4));
        assertEquals(0, status(h, 5) & Nt.EFLAGS_IOPL);
    }

    /** The #DB faults the CPU raised, as (eip, CPL, DR6). */
    record Db(int eip, int cpl, int dr6) {}

    @Test
    void aHardwareBreakpointSetThroughTheContextTriggersInUserModeAfterTheCall() {
        NtHarness h = NtHarness.boot("""
                extern NtSetContextThread
                extern NtGetContextThread
                section .text
                global start
                start:
                    mov dword [ctx], 0x10010        ; CONTEXT_DEBUG_REGISTERS
                    mov dword [ctx + 4], target     ; Dr0: an execute breakpoint
                    mov dword [ctx + 8], 0x80001000 ; Dr1: a kernel address, dropped for a user thread
                    mov dword [ctx + 0x18], 0x5     ; Dr7: L0 | L1, R/W0 = LEN0 = 00 (execute, 1 byte)
                    push ctx
                    push -2
                    call NtSetContextThread
                    mov [status], eax
                    mov dword [ctx2], 0x10010
                    push ctx2
                    push -2
                    call NtGetContextThread
                    mov [status + 4], eax
                    nop
                target:
                    mov dword [reached], 1
                    xor eax, eax
                    ret
                section .data
                status:  dd -1, -1
                reached: dd 0
                align 16
                ctx:     times 0x2CC db 0
                ctx2:    times 0x2CC db 0
                """);
        List<Db> dbs = new ArrayList<>();
        h.sys.cpu.setHooks(new CpuHooks() {
            @Override
            public void onFault(Cpu cpu, CpuFault fault, int eip) {
                if (fault.vector == 1) dbs.add(new Db(eip, cpu.st.cpl, cpu.st.dr[6]));
            }
        });
        h.run();
        int target = h.symbol("target");
        assertEquals(NtStatus.STATUS_SUCCESS, h.u32(h.symbol("status")));
        assertEquals(NtStatus.STATUS_SUCCESS, h.u32(h.symbol("status") + 4));
        int c2 = h.symbol("ctx2");
        assertEquals(target, h.u32(c2 + 4));            // Dr0 as set
        assertEquals(0, h.u32(c2 + 8));                 // Dr1 dropped: a kernel address
        // Dr7 as the entry path read it from the CPU: bit 10 always reads 1 (SDM Vol.3B 17.2.4).
        assertEquals(0x405, h.u32(c2 + 0x18));
        assertEquals(1, h.sys.mem.get(Layouts.KTHREAD, NtSystem.ETHREAD_ADDRESS, "DebugActive"));
        assertEquals(List.of(new Db(target, 3, dbs.isEmpty() ? 0 : dbs.get(0).dr6())), dbs);
        assertEquals(1, dbs.get(0).dr6() & 0xF, "DR6.B0");
        assertEquals(0, h.u32(h.symbol("reached")));   // the fault came before the instruction
        // Until user-mode SEH exists, an unhandled user exception ends the process (ExceptionDispatch).
        assertEquals(NtSystem.End.EXITED, h.end);
    }

    @Test
    void ntContinueWithDebugRegistersArmsThemForTheResumedContext() {
        // NtGetContextThread captures the caller (CONTEXT_FULL | CONTEXT_DEBUG_REGISTERS); the program points
        // Eip at 'resume' and Dr0 at 'target' and continues: KiServiceExit2 loads DR0/DR7 (KPCR.DebugActive set
        // by KiContinue), so the first instruction at 'target' raises #DB in user mode (SDM Vol.3B 17.3.1.1).
        NtHarness h = NtHarness.boot("""
                extern NtGetContextThread
                extern NtContinue
                section .text
                global start
                start:
                    mov dword [ctx], 0x10017        ; CONTEXT_FULL | CONTEXT_DEBUG_REGISTERS
                    push ctx
                    push -2
                    call NtGetContextThread
                    mov dword [ctx + 0xB8], resume  ; Eip
                    mov dword [ctx + 4], target     ; Dr0
                    mov dword [ctx + 0x18], 1       ; Dr7: L0, execute, 1 byte
                    push 0                          ; TestAlert = FALSE
                    push ctx
                    call NtContinue
                    mov dword [reached], 0xBAD      ; never: NtContinue does not return
                resume:
                    nop
                target:
                    mov dword [reached], 1
                    xor eax, eax
                    ret
                section .data
                reached: dd 0
                align 16
                ctx:     times 0x2CC db 0
                """);
        List<Db> dbs = new ArrayList<>();
        h.sys.cpu.setHooks(new CpuHooks() {
            @Override
            public void onFault(Cpu cpu, CpuFault fault, int eip) {
                if (fault.vector == 1) dbs.add(new Db(eip, cpu.st.cpl, cpu.st.dr[6]));
            }
        });
        h.run();
        int target = h.symbol("target");
        assertEquals(1, dbs.size(), dbs.toString());
        assertEquals(target, dbs.get(0).eip());
        assertEquals(3, dbs.get(0).cpl());
        assertEquals(1, dbs.get(0).dr6() & 0xF, "DR6.B0");
        assertEquals(0, h.u32(h.symbol("reached")));
        assertEquals(0x80000004, h.exitStatus());   // STATUS_SINGLE_STEP, no handler on the chain
    }
}
