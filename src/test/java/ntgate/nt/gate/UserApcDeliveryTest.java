package ntgate.nt.gate;

import ntgate.nt.NtHarness;
import ntgate.nt.NtSystem;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static ntgate.nt.gate.Gate.*;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Issue 5, "done when" 4: a user APC queued with NtQueueApcThread and made pending by NtTestAlert runs once, with
 * its three arguments, on the way out of NtTestAlert (KiServiceExit's DISPATCH_USER_APC, NT-FACTS §6 step 2, §8),
 * through KiUserApcDispatcher (§8.4) and NtContinue (§8.5), and the caller resumes with the registers the saved
 * CONTEXT holds.
 */
class UserApcDeliveryTest {
    static final String PROGRAM = """
            extern ZwQueueApcThread, ZwTestAlert
            section .text
            global start
            start:
                push ebp
                push 0x33333333           ; Arg3 -> SystemArgument2
                push 0x22222222           ; Arg2 -> SystemArgument1
                push 0x11111111           ; Arg1 -> NormalContext
                push apc                  ; ApcRoutine
                push -2                   ; NtCurrentThread()
                call ZwQueueApcThread
                mov [s_queue], eax
                mov ebx, 0xB0B0B0B0
                mov esi, 0x51515151
                mov edi, 0xD1D1D1D1
                mov ebp, 0xEBEBEBEB
                mov [esp_before], esp
                stc                       ; CF = 1: the flags come back from the CONTEXT
                pushfd
                pop dword [efl_before]
                call ZwTestAlert
            after:
                pushfd
                pop dword [efl_after]
                mov [r_eax], eax
                mov [r_ecx], ecx
                mov [r_edx], edx
                mov [r_ebx], ebx
                mov [r_esi], esi
                mov [r_edi], edi
                mov [r_ebp], ebp
                mov [r_esp], esp
                mov eax, [apc_count]
                mov [count_after], eax
                call ZwTestAlert          ; nothing queued any more
                mov [s_second], eax
                pop ebp
                xor eax, eax
                ret
            apc:                          ; VOID NTAPI ApcRoutine(NormalContext, SystemArgument1, SystemArgument2)
                inc dword [apc_count]
                mov eax, [esp+4]
                mov [a1], eax
                mov eax, [esp+8]
                mov [a2], eax
                mov eax, [esp+12]
                mov [a3], eax
                mov eax, 0xAAAAAAAA       ; clobber the volatiles
                mov ecx, 0xCCCCCCCC
                mov edx, 0xDDDDDDDD
                ret 12
            section .data
            s_queue: dd 1
            s_second: dd 1
            apc_count: dd 0
            count_after: dd 0
            a1: dd 0
            a2: dd 0
            a3: dd 0
            esp_before: dd 0
            efl_before: dd 0
            efl_after: dd 0
            r_eax: dd 0
            r_ecx: dd 0
            r_edx: dd 0
            r_ebx: dd 0
            r_esi: dd 0
            r_edi: dd 0
            r_ebp: dd 0
            r_esp: dd 0
            """;

    @Test
    void aQueuedApcRunsOnceWithItsArgumentsBeforeNtTestAlertReturns() {
        NtHarness h = NtHarness.boot(PROGRAM);
        Probe p = new Probe(h);
        List<String> order = new ArrayList<>();
        int[] ctx = new int[0x2CC / 4];
        int[] dispatcherEsp = {0}, hardwareEsp = {0}, frameEcx = {0}, frameEdx = {0}, userApcPending = {-1};
        int[] onStack = new int[4];
        p.at(nt(h, "KiDeliverApc"), cpu -> {
            int frame = k32(h, cpu.gpr[4] + 12);   // KiDeliverApc(PreviousMode, ExceptionFrame, TrapFrame)
            order.add("KiDeliverApc");
            hardwareEsp[0] = k32(h, frame + TF_HARDWARE_ESP);
            frameEcx[0] = k32(h, frame + TF_ECX);
            frameEdx[0] = k32(h, frame + TF_EDX);
            userApcPending[0] = k8(h, thread(h) + KT_USER_APC_PENDING);
        });
        p.at(ntdll(h, "KiUserApcDispatcher"), cpu -> {
            order.add("KiUserApcDispatcher");
            dispatcherEsp[0] = cpu.gpr[4];
            for (int i = 0; i < 4; i++) onStack[i] = h.u32(cpu.gpr[4] + 4 * i);
            for (int i = 0; i < ctx.length; i++) ctx[i] = h.u32(cpu.gpr[4] + 0x10 + 4 * i);
        });
        p.at(h.symbol("apc"), cpu -> order.add("apc"));
        p.at(h.symbol("after"), cpu -> order.add("after"));
        assertEquals(NtSystem.End.EXITED, p.runAll());
        assertEquals(0, h.exitStatus());

        assertEquals(STATUS_SUCCESS, h.u32(h.symbol("s_queue")), "NtQueueApcThread");
        assertEquals(List.of("KiDeliverApc", "KiUserApcDispatcher", "apc", "after"), order, "delivered on NtTestAlert's way out");
        assertEquals(1, userApcPending[0], "NtTestAlert set UserApcPending (§8.1)");
        assertEquals(1, h.u32(h.symbol("count_after")), "ran exactly once before NtTestAlert returned");
        assertEquals(1, h.u32(h.symbol("apc_count")), "and never again");
        assertEquals(STATUS_SUCCESS, h.u32(h.symbol("s_second")));
        assertEquals(0x11111111, h.u32(h.symbol("a1")), "NormalContext");
        assertEquals(0x22222222, h.u32(h.symbol("a2")), "SystemArgument1");
        assertEquals(0x33333333, h.u32(h.symbol("a3")), "SystemArgument2");

        // §8.3: the user stack at KiUserApcDispatcher.
        assertEquals((hardwareEsp[0] & ~3) - 0x2DC, dispatcherEsp[0], "UserStack = (Esp & ~3) - 0x2DC");
        assertEquals(List.of(h.symbol("apc"), 0x11111111, 0x22222222, 0x33333333),
                List.of(onStack[0], onStack[1], onStack[2], onStack[3]), "NormalRoutine, NormalContext, Sys1, Sys2");
        // §2.8 CONTEXT offsets.
        assertEquals(hex(0x10017), hex(ctx[0x00 / 4]), "ContextFlags = FULL | DEBUG_REGISTERS");
        assertEquals(hex(ntdll(h, "KiFastSystemCallRet")), hex(ctx[0xB8 / 4]), "Context.Eip");
        assertEquals(hex(hardwareEsp[0]), hex(ctx[0xC4 / 4]), "Context.Esp");
        assertEquals(hex(STATUS_SUCCESS), hex(ctx[0xB0 / 4]), "Context.Eax = NtTestAlert's status (§6 step 2d)");
        assertEquals(USER_CS, ctx[0xBC / 4]);
        assertEquals(USER_DS, ctx[0xC8 / 4]);
        assertEquals(USER_DS, ctx[0x98 / 4], "SegDs forced 23h");
        assertEquals(USER_DS, ctx[0x94 / 4], "SegEs forced 23h");
        assertEquals(USER_FS, ctx[0x90 / 4], "SegFs forced 3Bh");
        assertEquals(0, ctx[0x8C / 4], "SegGs forced 0");
        assertEquals(0xB0B0B0B0, ctx[0xA4 / 4]);
        assertEquals(0x51515151, ctx[0xA0 / 4]);
        assertEquals(0xD1D1D1D1, ctx[0x9C / 4]);
        assertEquals(0xEBEBEBEB, ctx[0xB4 / 4]);

        // The caller after NtTestAlert: non-volatiles and ESP intact; EAX = the status; ECX/EDX = what the frame's
        // Ecx/Edx slots held (the CONTEXT NtContinue restores, not the APC routine's values); flags as before.
        assertEquals(0xB0B0B0B0, h.u32(h.symbol("r_ebx")), "EBX");
        assertEquals(0x51515151, h.u32(h.symbol("r_esi")), "ESI");
        assertEquals(0xD1D1D1D1, h.u32(h.symbol("r_edi")), "EDI");
        assertEquals(0xEBEBEBEB, h.u32(h.symbol("r_ebp")), "EBP");
        assertEquals(h.u32(h.symbol("esp_before")), h.u32(h.symbol("r_esp")), "ESP");
        assertEquals(STATUS_SUCCESS, h.u32(h.symbol("r_eax")), "EAX = NtTestAlert's status");
        assertEquals(hex(frameEcx[0]), hex(h.u32(h.symbol("r_ecx"))), "ECX = the frame's Ecx slot");
        assertEquals(hex(frameEdx[0]), hex(h.u32(h.symbol("r_edx"))), "EDX = the frame's Edx slot");
        assertEquals(hex(frameEcx[0]), hex(ctx[0xAC / 4]));
        assertEquals(hex(frameEdx[0]), hex(ctx[0xA8 / 4]));
        int mask = 0xCD5;   // CF PF AF ZF SF DF OF
        assertEquals(hex(h.u32(h.symbol("efl_before")) & mask), hex(h.u32(h.symbol("efl_after")) & mask), "arithmetic flags");
        assertEquals(1, h.u32(h.symbol("efl_after")) & 1, "CF still set");

        // §14.5 / §6.2: NtTestAlert leaves through its KiServiceExit by SYSEXIT into KiUserApcDispatcher; NtContinue
        // leaves through KiServiceExit2 by IRETD.
        List<Step> seq = p.steps.stream().filter(s -> s.kind() != Kind.OTHER && s.kind() != Kind.JMP_EDX).toList();
        List<Kind> kinds = seq.stream().map(Step::kind).toList();
        // thread start, NtQueueApcThread, NtTestAlert (+ APC), NtContinue, NtTestAlert, NtTerminateProcess
        assertEquals(List.of(Kind.IRETD, Kind.SYSENTER, Kind.SYSEXIT, Kind.SYSENTER, Kind.SYSEXIT, Kind.SYSENTER, Kind.IRETD,
                Kind.SYSENTER, Kind.SYSEXIT, Kind.SYSENTER), kinds);
    }
}
