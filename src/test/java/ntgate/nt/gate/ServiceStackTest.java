package ntgate.nt.gate;

import ntgate.nt.NtHarness;
import org.junit.jupiter.api.Test;

import static ntgate.nt.gate.Gate.*;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * What a debugger walks at a breakpoint in a service, as on XP SP3: the service's return address is
 * nt!KiFastCallEntry+0xFC (0x8054161C); EBP is the trap frame, whose DbgEbp/DbgEip pair reads as one more
 * EBP frame (the caller's EBP, then ntdll!KiFastSystemCallRet at 0x7C90E4F4); and the user stack at
 * KTRAP_FRAME.HardwareEsp holds the return into ntdll!ZwClose+0xC, then the return into the program.
 * Addresses are XP SP3's (NT-FACTS §15); the names are how the symbolizer shows them.
 */
class ServiceStackTest {
    static final String PROGRAM = """
            extern ZwClose
            section .text
            global start
            start:
                push ebp
                mov ebp, esp
                mov [user_ebp], ebp
                push 0x1234               ; Handle
                call ZwClose
            after_call:
                pop ebp
                xor eax, eax
                ret
            section .data
            user_ebp: dd 0
            """;

    @Test
    void atABreakpointInTheServiceTheStackReadsThroughTheTrapFrameIntoUserMode() {
        NtHarness h = NtHarness.boot(PROGRAM);
        Probe p = new Probe(h);
        int[] seen = new int[8];
        p.at(nt(h, "NtClose"), cpu -> {
            int esp = cpu.gpr[4], ebp = cpu.gpr[5];
            int userEsp = k32(h, ebp + TF_HARDWARE_ESP);
            seen[0] = k32(h, esp);                    // the service's return address
            seen[1] = ebp;
            seen[2] = k32(h, ebp + TF_DBG_EBP);       // [EBP]: the next frame's EBP
            seen[3] = k32(h, ebp + TF_DBG_EIP);       // [EBP+4]: the next frame's return address
            seen[4] = k32(h, userEsp);                // KiFastSystemCallRet returns into the stub
            seen[5] = k32(h, userEsp + 4);            // the stub returns into the program
            seen[6] = k32(h, userEsp + 8);            // the first argument
            seen[7] = k32(h, ebp + TF_EIP);
        });
        h.run();
        assertEquals(0x80541520 + 0xFC, seen[0], "the return address of a service: nt!KiFastCallEntry+0xFC");
        assertEquals("nt!KiFastCallEntry+0xfc", h.sys.symbolize(seen[0]));
        assertEquals(k32(h, thread(h) + KT_INITIAL_STACK) - TRAP_FRAME_BIAS, seen[1], "EBP = the trap frame");
        assertEquals(k32(h, h.symbol("user_ebp")), seen[2], "KTRAP_FRAME.DbgEbp = the caller's EBP");
        assertEquals(0x7C90E4F4, seen[3], "KTRAP_FRAME.DbgEip = ntdll!KiFastSystemCallRet");
        assertEquals(0x7C90E4F4, seen[7], "KTRAP_FRAME.Eip = ntdll!KiFastSystemCallRet");
        assertEquals("ntdll!KiFastSystemCallRet", h.sys.symbolize(seen[3]));
        assertEquals(ntdll(h, "ZwClose") + 0xC, seen[4], "the return into the stub, after its call [edx]");
        assertEquals("ntdll!ZwClose+0xc", h.sys.symbolize(seen[4]));
        assertEquals(h.symbol("after_call"), seen[5]);
        assertEquals(0x1234, seen[6]);
    }
}
