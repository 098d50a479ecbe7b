package ntgate.pe;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The examples whose faults are part of the program: user-mode exception dispatch (KiUserExceptionDispatcher and
 * the SEH chain) and the memory manager's NtAllocateVirtualMemory / NtProtectVirtualMemory.
 */
class PeFaultingExamplesTest {

    @Test
    void sehCatchesTheAccessViolationAndResumes() {
        PeRun r = PeRun.run("seh.exe");
        assertEquals("""
                seh: writing to 0x00000010
                seh: caught 0xC0000005 writing 0x00000010
                seh: resumed after the fault
                """, r.out());
        assertEquals(0, r.exitStatus());
    }

    @Test
    void memoryAllocatesProtectsAndCatchesTheGuardedWrite() {
        PeRun r = PeRun.run("memory.exe");
        String out = r.out();
        String[] lines = out.split("\n", -1);
        assertEquals(8, lines.length, out);
        assertEquals("NtAllocateVirtualMemory = 0x00000000", lines[0]);
        assertEquals("memory: base 0x", lines[1].substring(0, 15));
        assertEquals(" size 0x00002000", lines[1].substring(23));
        String addr = lines[1].substring(13, 23);   // the address is the allocator's choice
        assertEquals("memory: wrote 0x11111111 0x22222222", lines[2]);
        assertEquals("NtProtectVirtualMemory(PAGE_READONLY) = 0x00000000", lines[3]);
        assertEquals("memory: old protection 0x00000004", lines[4]);
        assertEquals("memory: access violation writing " + addr, lines[5]);
        assertEquals("memory: faults 0x00000001, value still 0x11111111", lines[6]);
        assertEquals("", lines[7]);
        assertEquals(0, r.exitStatus());
    }
}
