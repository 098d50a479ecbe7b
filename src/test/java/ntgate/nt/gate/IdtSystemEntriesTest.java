package ntgate.nt.gate;

import static ntgate.nt.gate.Gate.hex;
import static ntgate.nt.gate.Gate.k32;
import static ntgate.nt.gate.Gate.kw32;
import static ntgate.nt.gate.Gate.nt;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ntgate.nt.NtHarness;
import ntgate.nt.NtSystem;
import org.junit.jupiter.api.Test;

/**
 * Issue 10 item 5: the IDT's system entries 2Ah-2Eh as XP's, through guest programs. Expected values: the XP IDT
 * source declares 2Ah KiGetTickCount, 2Bh KiCallbackReturn, 2Ch KiSetLowWaitHighThread, 2Dh KiDebugService,
 * 2Eh KiSystemService, each {@code D_INT332} (a present 32-bit interrupt gate, DPL 3: attribute word EE00h) with
 * selector 08h (NT-FACTS §2.1/§2.2; §2.2's "KiRaiseAssertion" at 2Ch is Server 2003's); statuses from NT-FACTS §13
 * and ntstatus.h: STATUS_NO_EVENT_PAIR C000014Eh, STATUS_NO_CALLBACK_ACTIVE C0000258h, STATUS_BREAKPOINT 80000003h.
 */
class IdtSystemEntriesTest {
    static final int IDT = 0x8003F400, SHARED = 0xFFDF0000;

    @Test
    void vectors2ATo2EAreDpl3InterruptGatesToXpsRoutines() {
        NtHarness h = NtHarness.boot("section .text\nglobal start\nstart:\n    ret\n");
        String[] names = {"KiGetTickCount", "KiCallbackReturn", "KiSetLowWaitHighThread", "KiDebugService", "KiSystemService"};
        for (int i = 0; i < names.length; i++) {
            int lo = k32(h, IDT + 8 * (0x2A + i)), hi = k32(h, IDT + 8 * (0x2A + i) + 4);
            assertEquals(0x08, lo >>> 16, names[i] + " selector");
            assertEquals(hex(0xEE00), hex(hi & 0xFFFF), names[i] + ": P=1, DPL=3, 32-bit interrupt gate");
            assertEquals(hex(nt(h, names[i])), hex((hi & 0xFFFF0000) | (lo & 0xFFFF)), names[i] + " offset");
        }
    }

    @Test
    void int2AReturnsTheTickCountFromSharedUserData() {
        NtHarness h = NtHarness.boot("""
                section .text
                global start
                start:
                    mov ebx, 0x11111111
                    mov esi, 0x22222222
                    int 0x2a
                    mov [tick], eax
                    mov [high], edx
                    mov [ebx_after], ebx
                    mov [esi_after], esi
                    xor eax, eax
                    ret
                section .data
                tick: dd 0
                high: dd 0
                ebx_after: dd 0
                esi_after: dd 0
                """);
        int ticks = 0x89ABCDEF;
        kw32(h, SHARED, ticks);                                 // KUSER_SHARED_DATA.TickCountLow: the clock ticked
        int multiplier = k32(h, SHARED + 4);                    // KUSER_SHARED_DATA.TickCountMultiplier
        assertEquals(hex(0x0FA00000), hex(multiplier), "15.625 ms per tick, in 8.24 fixed point");
        assertEquals(NtSystem.End.EXITED, h.run());
        long product = Integer.toUnsignedLong(ticks) * Integer.toUnsignedLong(multiplier);
        assertEquals(hex((int) (product >>> 24)), hex(h.u32(h.symbol("tick"))), "EAX = TickCountLow * Multiplier >> 24");
        assertEquals(hex((int) (product >>> 32)), hex(h.u32(h.symbol("high"))), "EDX = the product's high half");
        assertEquals(0x11111111, h.u32(h.symbol("ebx_after")));
        assertEquals(0x22222222, h.u32(h.symbol("esi_after")));
    }

    @Test
    void int2BWithNoCallbackActiveAndInt2CWithNoEventPairReturnTheirStatuses() {
        NtHarness h = NtHarness.boot("""
                section .text
                global start
                start:
                    mov [esp0], esp
                    mov ebx, 0x33333333
                    mov edi, 0x44444444
                    mov eax, 0                ; Status
                    xor ecx, ecx              ; OutputBuffer
                    xor edx, edx              ; OutputLength
                    int 0x2b
                    mov [s2b], eax
                    int 0x2c
                    mov [s2c], eax
                    mov [esp1], esp
                    mov [ebx_after], ebx
                    mov [edi_after], edi
                    xor eax, eax
                    ret
                section .data
                s2b: dd 1
                s2c: dd 1
                esp0: dd 0
                esp1: dd 0
                ebx_after: dd 0
                edi_after: dd 0
                """);
        Gate.Probe p = new Gate.Probe(h);
        int[] exits = {0};
        p.at(nt(h, "KiServiceExit"), cpu -> exits[0]++);
        assertEquals(NtSystem.End.EXITED, p.runAll());
        assertEquals(hex(0xC0000258), hex(h.u32(h.symbol("s2b"))), "STATUS_NO_CALLBACK_ACTIVE");
        assertEquals(hex(0xC000014E), hex(h.u32(h.symbol("s2c"))), "STATUS_NO_EVENT_PAIR");
        assertEquals(h.u32(h.symbol("esp0")), h.u32(h.symbol("esp1")));
        assertEquals(0x33333333, h.u32(h.symbol("ebx_after")));
        assertEquals(0x44444444, h.u32(h.symbol("edi_after")));
        assertEquals(2, exits[0], "both returned through KiServiceExit (NtTerminateProcess does not return)");
    }

    /** An SEH-guarded int 2Dh with EAX = service; the handler records the breakpoint and resumes at Context.Eip. */
    private static NtHarness debugService(int service) {
        return NtHarness.run("""
                section .text
                global start
                start:
                    push handler
                    push dword [fs:0]
                    mov [fs:0], esp
                    mov eax, %d
                    mov ecx, 0x0C0C0C0C
                    mov edx, 0x0D0D0D0D
                    int 0x2d
                after_int2d:
                    int3                      ; ntdll's DebugService puts an int 3 here
                after_int3:
                    mov dword [resumed], 1
                    pop dword [fs:0]
                    add esp, 4
                    xor eax, eax
                    ret
                handler:
                    mov eax, [esp+4]          ; ExceptionRecord
                    mov ecx, [eax]
                    mov [code], ecx
                    mov ecx, [eax+0x0C]
                    mov [address], ecx
                    mov ecx, [eax+0x10]
                    mov [count], ecx
                    mov ecx, [eax+0x14]
                    mov [info0], ecx
                    mov ecx, [eax+0x18]
                    mov [info1], ecx
                    mov ecx, [eax+0x1C]
                    mov [info2], ecx
                    mov eax, [esp+12]         ; ContextRecord
                    mov ecx, [eax+0xB8]
                    mov [ctx_eip], ecx
                    mov dword [eax+0xB8], after_int3
                    inc dword [calls]
                    xor eax, eax              ; ExceptionContinueExecution
                    ret
                section .data
                code: dd 0
                address: dd 0
                count: dd 0
                info0: dd 0
                info1: dd 0
                info2: dd 0
                ctx_eip: dd 0
                calls: dd 0
                resumed: dd 0
                """.formatted(service));
    }

    @Test
    void int2DPrintAndSymbolRequestsAreConsumedWithoutADebugger() {
        for (int service : new int[] {1, 3, 4}) {
            NtHarness h = debugService(service);
            assertEquals(0, h.exitStatus(), "service " + service);
            assertEquals(0, h.u32(h.symbol("calls")), "no exception reaches the program (service " + service + ")");
            assertEquals(1, h.u32(h.symbol("resumed")), "it resumed past the int 3 after the int 2Dh");
        }
    }

    @Test
    void int2DAnyOtherRequestIsABreakpointAtTheByteAfterIt() {
        for (int service : new int[] {0, 2, 5}) {
            NtHarness h = debugService(service);
            assertEquals(0, h.exitStatus(), "service " + service);
            assertEquals(1, h.u32(h.symbol("calls")), "one exception (service " + service + ")");
            assertEquals(hex(0x80000003), hex(h.u32(h.symbol("code"))), "STATUS_BREAKPOINT");
            assertEquals(hex(h.symbol("after_int2d")), hex(h.u32(h.symbol("address"))), "ExceptionAddress");
            assertEquals(hex(h.symbol("after_int2d")), hex(h.u32(h.symbol("ctx_eip"))), "Context.Eip");
            assertEquals(3, h.u32(h.symbol("count")), "three parameters: EAX, ECX, EDX");
            assertEquals(service, h.u32(h.symbol("info0")));
            assertEquals(0x0C0C0C0C, h.u32(h.symbol("info1")));
            assertEquals(0x0D0D0D0D, h.u32(h.symbol("info2")));
            assertEquals(1, h.u32(h.symbol("resumed")));
        }
    }
}
