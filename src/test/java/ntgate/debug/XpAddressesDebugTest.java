package ntgate.debug;

import ntgate.cli.CliRun;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code ntgate debug} shows XP SP3's addresses and bytes (NT-FACTS §11, §15): KiFastCallEntry at 0x80541520
 * (nt 0x804D7000 + the seed listing's RVA 0x6A520), KiFastSystemCall at 0x7C90E4F0, and ntdll's NtClose stub as
 * XP's: mov eax,19h / mov edx,7FFE0300h / call dword ptr [edx] / ret 4.
 */
class XpAddressesDebugTest {
    private static String after(String out, String cmd) {
        int i = out.lastIndexOf("kd> " + cmd + "\n");
        assertTrue(i >= 0, "no '" + cmd + "' in:\n" + out);
        String rest = out.substring(i + cmd.length() + 5);
        int next = rest.indexOf("kd> ");
        return next < 0 ? rest : rest.substring(0, next);
    }

    @Test
    void theGateAndNtdllSitAtXpSp3sAddressesWithXpsStubBytes() {
        CliRun r = CliRun.of("debug", "examples/hello.asm", "-c",
                "? nt!KiFastCallEntry; ? nt!KiServiceExit; ? ntdll!KiFastSystemCall; ? ntdll!KiFastSystemCallRet; "
                        + "? ntdll!KiUserApcDispatcher; db ntdll!NtClose L0f; ? nt!KeServiceDescriptorTable; "
                        + "? nt!KeServiceDescriptorTableShadow; q");
        assertEquals(0, r.exit(), r.err());
        assertTrue(after(r.out(), "? nt!KiFastCallEntry").trim().endsWith("= 80541520"), r.out());
        assertTrue(after(r.out(), "? nt!KiServiceExit").trim().endsWith("= 8054162e"), r.out());
        assertTrue(after(r.out(), "? ntdll!KiFastSystemCall").trim().endsWith("= 7c90e4f0"), r.out());
        assertTrue(after(r.out(), "? ntdll!KiFastSystemCallRet").trim().endsWith("= 7c90e4f4"), r.out());
        assertTrue(after(r.out(), "? ntdll!KiUserApcDispatcher").trim().endsWith("= 7c90e430"), r.out());
        // Public XP SP3 dumps: `dd nt!KeServiceDescriptorTable` at 80553fa0, the shadow table 0x40 below it.
        assertTrue(after(r.out(), "? nt!KeServiceDescriptorTable").trim().endsWith("= 80553fa0"), r.out());
        assertTrue(after(r.out(), "? nt!KeServiceDescriptorTableShadow").trim().endsWith("= 80553f60"), r.out());
        String db = after(r.out(), "db ntdll!NtClose L0f").trim();
        assertTrue(db.matches("7c9[0-9a-f]{5}  b8 19 00 00 00 ba 00 03-fe 7f ff 12 c2 04 00 .*"), db);
    }
}
