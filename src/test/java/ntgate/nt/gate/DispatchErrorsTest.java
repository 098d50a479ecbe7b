package ntgate.nt.gate;

import ntgate.nt.NtHarness;
import ntgate.nt.NtSystem;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static ntgate.nt.gate.Gate.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/**
 * Issue 5, "done when" 3: the dispatcher's failure paths (NT-FACTS §4.1, §4.3, §5.3 step 8, §10.1, §14.3, §14.6) and
 * the first win32k call converting the thread (§4.3, §4.4).
 *
 * <p>The argument-pointer cases use a hand-made INT 2Eh stub: there EDX is the argument pointer itself, so it can
 * point anywhere while ESP stays valid. (With SYSENTER, EDX is also the user ESP the return goes to, so a high EDX
 * would only fail afterwards in user mode.) The probe and the copy are the common dispatcher's, shared by both
 * entries.
 */
class DispatchErrorsTest {
    static final String PROGRAM = """
            extern ZwClose
            section .text
            global start
            start:
                mov eax, 0x0FFF           ; index beyond KiServiceTable's limit 11Ch
                call sys0
                mov [s_bad], eax
                mov eax, 0x2019           ; table 2: empty on XP (Limit 0)
                call sys0
                mov [s_tab2], eax
                push 0x0BAD
                mov eax, 0x4019           ; bits 14-31 are ignored: this is NtClose (§4.1)
                call sys1
                mov [s_alias], eax
                mov edx, 0x7FFF0000       ; = MmUserProbeAddress
                call int2e_close
                mov [s_probe], eax
                mov edx, 0xFFFFFFF0       ; far above it
                call int2e_close
                mov [s_probe2], eax
                mov edx, 0x10000000       ; a user address with nothing mapped
                call int2e_close
                mov [s_unmapped], eax
                mov edx, 0x7FFEFFFC       ; below MmUserProbeAddress, in the no-access guard region
                call int2e_close
                mov [s_guard], eax
                push 0x0BAD               ; the kernel goes on: an ordinary call works
                call ZwClose
                mov [s_next], eax
                xor eax, eax
                ret
            sys0:
                mov edx, 0x7FFE0300
                call [edx]
                ret
            sys1:
                mov edx, 0x7FFE0300
                call [edx]
                ret 4
            int2e_close:                  ; EDX = the argument pointer
                mov eax, 0x19
                int 0x2e
                ret
            section .data
            s_bad: dd 1
            s_tab2: dd 1
            s_alias: dd 1
            s_probe: dd 1
            s_probe2: dd 1
            s_unmapped: dd 1
            s_guard: dd 1
            s_next: dd 1
            """;

    @Test
    void badIndexBadPointersAndTheCallAfterThem() {
        NtHarness h = NtHarness.boot(PROGRAM);
        Probe p = new Probe(h);
        List<Integer> counterAtExit = new ArrayList<>();
        int[] baseline = {-1};
        int[] ntCloseCalls = {0};
        p.at(nt(h, "KiFastCallEntry"), cpu -> {
            if (baseline[0] < 0) baseline[0] = k32(h, PCR_KE_SYSTEM_CALLS);
        });
        p.at(nt(h, "KiServiceExit"), cpu -> counterAtExit.add(k32(h, PCR_KE_SYSTEM_CALLS)));
        p.at(nt(h, "NtClose"), cpu -> ntCloseCalls[0]++);
        assertEquals(NtSystem.End.EXITED, p.runAll());
        assertEquals(0, h.exitStatus());

        assertEquals(hex(STATUS_INVALID_SYSTEM_SERVICE), hex(h.u32(h.symbol("s_bad"))), "index 0xFFF");
        assertEquals(hex(STATUS_INVALID_SYSTEM_SERVICE), hex(h.u32(h.symbol("s_tab2"))), "table 2 is empty");
        assertEquals(hex(STATUS_INVALID_HANDLE), hex(h.u32(h.symbol("s_alias"))), "0x4019 dispatches NtClose");
        assertEquals(hex(STATUS_ACCESS_VIOLATION), hex(h.u32(h.symbol("s_probe"))), "EDX = MmUserProbeAddress");
        assertEquals(hex(STATUS_ACCESS_VIOLATION), hex(h.u32(h.symbol("s_probe2"))), "EDX in kernel space");
        assertEquals(hex(STATUS_ACCESS_VIOLATION), hex(h.u32(h.symbol("s_unmapped"))), "unmapped arguments: KiTrap0E fixup");
        assertEquals(hex(STATUS_ACCESS_VIOLATION), hex(h.u32(h.symbol("s_guard"))), "guard region: KiTrap0E fixup");
        assertEquals(hex(STATUS_INVALID_HANDLE), hex(h.u32(h.symbol("s_next"))), "the next call is dispatched normally");
        // Only the two well-formed NtClose calls reached the service; the failed probes and copies skip it.
        assertEquals(2, ntCloseCalls[0], "NtClose ran for 0x4019 and the last call only");

        // §10.1: the two copy faults were #PF in ring 0 at the rep movsd, for the caller's argument address.
        int copy = nt(h, "KiSystemServiceCopyArguments");
        List<Fault> pf = p.faults.stream().filter(f -> f.vector() == 14).toList();
        assertEquals(2, pf.size(), "two page faults: " + pf);
        for (Fault f : pf) {
            assertEquals(copy, f.eip(), "the fault is on KiSystemServiceCopyArguments");
            assertEquals(0, f.cpl());
        }
        assertEquals(0x10000000, pf.get(0).linear());
        assertEquals(0x7FFEFFFC, pf.get(1).linear());

        // §4.3 / §5.3 step 5 / §14.3: KeSystemCalls counts calls that pass the range check, probe failures included.
        assertEquals(8, counterAtExit.size(), "eight calls went out through KiServiceExit");
        List<Integer> deltas = new ArrayList<>();
        int prev = baseline[0];
        for (int c : counterAtExit) {
            deltas.add(c - prev);
            prev = c;
        }
        assertEquals(List.of(0, 0, 1, 1, 1, 1, 1, 1), deltas, "KeSystemCalls increments per call");
    }

    @Test
    void theFirstWin32kCallConvertsTheThreadAndSucceeds() {
        NtHarness h = NtHarness.boot("""
                section .text
                global start
                start:
                    call gdiflush             ; first win32k call: the thread is not GUI yet
                    mov [s1], eax
                    mov dword [fs:0xF70], 3   ; TEB.GdiBatchCount: a pending batch
                    call gdiflush             ; now dispatched directly through the shadow table
                    mov [s2], eax
                    mov eax, [fs:0xF70]
                    mov [batch], eax
                    xor eax, eax
                    ret
                gdiflush:
                    mov eax, 0x1097           ; NtGdiFlush (win32k table, index 97h)
                    mov edx, 0x7FFE0300
                    call [edx]
                    ret
                section .data
                s1: dd 1
                s2: dd 1
                batch: dd 1
                """);
        Probe p = new Probe(h);
        int nativeTable = nt(h, "KeServiceDescriptorTable"), shadow = nt(h, "KeServiceDescriptorTableShadow");
        List<Integer> tableAtEntry = new ArrayList<>(), tableInService = new ArrayList<>();
        int[] unexpectedRange = {0}, flushes = {0};
        p.at(nt(h, "KiSystemServiceRepeat"), cpu -> tableAtEntry.add(k32(h, thread(h) + KT_SERVICE_TABLE)));
        p.at(nt(h, "KiBBTUnexpectedRange"), cpu -> unexpectedRange[0]++);
        p.at(win32k(h, "NtGdiFlush"), cpu -> tableInService.add(k32(h, thread(h) + KT_SERVICE_TABLE)));
        p.at(nt(h, "KiSystemServiceAccessTeb"), cpu -> {
            if (k32(h, TEB + 0xF70) != 0) flushes[0]++;
        });
        assertEquals(NtSystem.End.EXITED, p.runAll());
        assertEquals(0, h.exitStatus());

        // §4.2: the shadow table sits 0x40 below KeServiceDescriptorTable; entry 0 copies the native descriptor.
        assertEquals(nativeTable - 0x40, shadow);
        for (int i = 0; i < 4; i++) assertEquals(k32(h, nativeTable + 4 * i), k32(h, shadow + 4 * i), "shadow[0] = native descriptor");
        assertEquals(0x29B, k32(h, shadow + 0x10 + 8), "win32k Limit");
        assertEquals(STATUS_SUCCESS, h.u32(h.symbol("s1")), "the converting call succeeds");
        assertEquals(STATUS_SUCCESS, h.u32(h.symbol("s2")));
        assertEquals(1, unexpectedRange[0], "only the first win32k call missed the range check");
        // Entries to KiSystemServiceRepeat: call 1, its retry, call 2, ZwTerminateProcess.
        assertEquals(List.of(nativeTable, shadow, shadow, shadow), tableAtEntry, "KTHREAD.ServiceTable switches to the shadow table");
        assertEquals(List.of(shadow, shadow), tableInService);
        assertEquals(1, flushes[0], "the pending GDI batch was seen by the dispatcher (§4.4)");
        assertEquals(0, h.u32(h.symbol("batch")), "and flushed through KeGdiFlushUserBatch");
        assertNotEquals(0, k32(h, thread(h) + 0x130), "KTHREAD.Win32Thread (+0x130) set by the conversion");
    }

    @Test
    void anUnreadableTebOnAWin32kCallIsFixedUpToAnAccessViolation() {
        // §4.4 / §10.1: the GDI batch check reads TEB.GdiBatchCount through KPCR.NtTib.Self (fs:[18h]); a fault
        // there is on KiSystemServiceAccessTeb, and KiTrap0E resumes at kss61 with STATUS_ACCESS_VIOLATION.
        NtHarness h = NtHarness.boot("""
                section .text
                global start
                start:
                    call gdiflush             ; converts the thread (PcTeb intact)
                    mov [s1], eax
                    call gdiflush             ; the test points PcTeb at unmapped memory for this one
                    mov [s2], eax
                    call gdiflush             ; PcTeb restored: works again
                    mov [s3], eax
                    xor eax, eax
                    ret
                gdiflush:
                    mov eax, 0x1097           ; NtGdiFlush
                    mov edx, 0x7FFE0300
                    call [edx]
                    ret
                section .data
                s1: dd 1
                s2: dd 1
                s3: dd 1
                """);
        Probe p = new Probe(h);
        int pcTeb = KPCR + 0x18;
        int[] calls = {0}, bodies = {0};
        p.at(ntdll(h, "KiFastSystemCall") + 2, cpu -> {
            if (++calls[0] == 2) kw32(h, pcTeb, 0x10000000);
        });
        p.at(ntdll(h, "KiFastSystemCallRet"), cpu -> {
            if (cpu.st.cpl == 3) kw32(h, pcTeb, TEB);
        });
        p.at(win32k(h, "NtGdiFlush"), cpu -> bodies[0]++);
        assertEquals(NtSystem.End.EXITED, p.runAll());
        assertEquals(0, h.exitStatus());
        assertEquals(STATUS_SUCCESS, h.u32(h.symbol("s1")));
        assertEquals(hex(STATUS_ACCESS_VIOLATION), hex(h.u32(h.symbol("s2"))), "TEB read fixed up");
        assertEquals(STATUS_SUCCESS, h.u32(h.symbol("s3")), "the next call works");
        assertEquals(2, bodies[0], "the service was not called for the faulting one");
        List<Fault> pf = p.faults.stream().filter(f -> f.vector() == 14).toList();
        assertEquals(1, pf.size());
        assertEquals(nt(h, "KiSystemServiceAccessTeb"), pf.get(0).eip());
        assertEquals(0x10000000 + 0xF70, pf.get(0).linear(), "TEB.GdiBatchCount at +0xF70");
        assertEquals(0, pf.get(0).cpl());
    }
}
