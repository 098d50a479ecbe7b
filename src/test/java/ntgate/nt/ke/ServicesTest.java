package ntgate.nt.ke;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Numbers and argument counts from NT-FACTS.md §12. */
class ServicesTest {

    @Test
    void xpSp3NumbersAndArguments() {
        assertEquals(0x19, Services.byName("NtClose").number());
        assertEquals(1, Services.byName("NtClose").argCount());
        Services.Service c = Services.byName("ZwContinue");
        assertEquals(0x20, c.number());
        assertEquals(2, c.argCount());
        assertEquals(8, c.argBytes());
        assertEquals(0x89, Services.byName("NtProtectVirtualMemory").number());
        assertEquals(0x14, Services.byName("NtProtectVirtualMemory").argBytes());
        assertEquals(0x24, Services.byName("NtReadFile").argBytes());
        assertEquals(0x103, Services.byName("NtTestAlert").number());
        assertEquals(0, Services.byName("NtTestAlert").argBytes());
        assertEquals("ZwClose", Services.byName("NtClose").zwName());
    }

    @Test
    void limitIs0x11C() {
        assertEquals(0x11C, Services.NATIVE_LIMIT);
        assertTrue(Services.nativeServices().stream().allMatch(s -> s.index() < Services.NATIVE_LIMIT));
        assertEquals(284, Services.nativeServices().size(), "the whole XP SP3 native table");
        assertEquals(667, Services.win32k().size(), "the whole XP SP3 win32k table");
    }

    @Test
    void noDuplicateNumbersAndTablesAreDense() {
        Set<Integer> seen = new HashSet<>();
        int last = -1;
        for (Services.Service s : Services.all()) {
            assertTrue(seen.add(s.number()), s.name());
            assertTrue(s.number() == last + 1 || s.index() == 0, "dense and sorted: " + s.name());
            last = s.number();
        }
    }

    @Test
    void byNumberIgnoresBits14Up() {
        assertSame(Services.byName("NtClose"), Services.byNumber(0x19));
        assertSame(Services.byName("NtClose"), Services.byNumber(0x4019));
        assertNull(Services.byNumber(0x11C));
        assertNull(Services.byNumber(0x2019));
    }

    @Test
    void win32kShadowRows() {
        assertEquals(0x1097, Services.byName("NtGdiFlush").number());
        assertEquals(0, Services.byName("NtGdiFlush").argCount());
        assertEquals(0x100D, Services.byName("NtGdiBitBlt").number());
        assertEquals(0x11DA, Services.byName("NtUserPeekMessage").number());
        assertEquals(0x11B3, Services.byName("NtUserGetThreadState").number());
        assertTrue(Services.win32k().stream().allMatch(s -> s.table() == 1));
        assertThrows(IllegalArgumentException.class, () -> Services.byName("NtNoSuchService"));
    }
}
