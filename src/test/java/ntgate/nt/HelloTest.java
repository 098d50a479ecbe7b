package ntgate.nt;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The first vertical slice: a program writes a line through NtWriteFile, SYSENTER and SYSEXIT, and exits. */
class HelloTest {
    @Test
    void helloPrintsItsLineAndExitsWithTheStatusOfNtWriteFile() throws Exception {
        NtHarness h = NtHarness.run(Files.readString(Path.of("examples/hello.asm")));
        assertEquals("Hello from ring 3, through SYSENTER and back.\n", h.out());
        assertEquals(0, h.exitStatus());
    }

    @Test
    void anUnknownNtdllNameIsALoadErrorNamingIt() {
        NtSystem.LoadError e = org.junit.jupiter.api.Assertions.assertThrows(NtSystem.LoadError.class,
                () -> NtSystem.boot("extern NtFrobnicate\nstart: call NtFrobnicate\nret\n", "bad.asm", new NtSystem.Options()));
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("NtFrobnicate"), e.getMessage());
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().startsWith("bad.asm:"), e.getMessage());
    }
}
