package ntgate.nt.ke;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ntgate.nt.NtSystem;
import org.junit.jupiter.api.Test;

/**
 * Issue 10 item 4: ntdll exports all 284 native services of XP SP3's table, NtXxx and ZwXxx at one address, each
 * stub loading its service number ({@code mov eax, N} = B8 imm32, NT-FACTS §11). Names and numbers come from the
 * public XP SP3 table (see {@link XpServiceTablesTest}).
 */
class NtdllServiceStubsTest {
    @Test
    void everyNativeServiceHasItsNtdllStub() throws Exception {
        NtSystem sys = NtSystem.boot("section .text\nglobal start\nstart:\n    ret\n", "t.asm", new NtSystem.Options());
        for (XpServiceTablesTest.Row r : XpServiceTablesTest.publicNative()) {
            int nt = sys.ntdllSymbol(r.name());
            assertEquals(nt, sys.ntdllSymbol("Zw" + r.name().substring(2)), r.name() + ": Nt and Zw are one stub");
            assertEquals(0xB8, sys.mem.u8(Integer.toUnsignedLong(nt)), r.name() + ": mov eax, imm32");
            assertEquals(r.index(), sys.mem.u32(Integer.toUnsignedLong(nt + 1)), r.name() + ": its service number");
        }
    }
}
