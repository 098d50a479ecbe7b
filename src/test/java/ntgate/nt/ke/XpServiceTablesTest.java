package ntgate.nt.ke;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Issue 10 item 4: the declared service list is XP SP3's, row for row. The expected rows are the public dump of
 * XP SP3's KiServiceTable / W32pServiceTable kept in this test's resources (tinysec/windows-syscall-table,
 * 5.1.2600-sp3-windows-xp/i386; each file names its source), never ntgate's own output.
 */
public class XpServiceTablesTest {

    /** One row of a public table: index, name, DWORD argument count. */
    public record Row(int index, String name, int argc) {}

    /** The public XP SP3 native table (284 rows). */
    public static List<Row> publicNative() {
        return read("xpsp3-ssdt.tsv");
    }

    /** The public XP SP3 win32k table (667 rows). */
    public static List<Row> publicWin32k() {
        return read("xpsp3-shadowssdt.tsv");
    }

    private static List<Row> read(String name) {
        try (InputStream in = XpServiceTablesTest.class.getResourceAsStream("/ntgate/nt/ke/" + name)) {
            List<Row> rows = new ArrayList<>();
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (line.isBlank() || line.startsWith("#")) continue;
                String[] f = line.split("\t");
                rows.add(new Row(Integer.parseInt(f[0], 16), f[1], Integer.parseInt(f[2].strip())));
            }
            return rows;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void theNativeTableIsXpSp3s() {
        List<Row> expected = publicNative();
        assertEquals(284, expected.size());
        assertEquals(expected.size(), Services.NATIVE_LIMIT);
        List<Services.Service> actual = Services.nativeServices();
        assertEquals(expected.size(), actual.size());
        for (int i = 0; i < expected.size(); i++) {
            Row r = expected.get(i);
            Services.Service s = actual.get(i);
            assertEquals(r.index(), s.number(), r.name());
            assertEquals(r.name(), s.name(), "name at " + Integer.toHexString(r.index()));
            assertEquals(r.argc(), s.argCount(), r.name());
        }
    }

    @Test
    void theWin32kTableIsXpSp3s() {
        List<Row> expected = publicWin32k();
        assertEquals(667, expected.size());
        assertEquals(expected.size(), Services.WIN32K_LIMIT);
        List<Services.Service> actual = Services.win32k();
        assertEquals(expected.size(), actual.size());
        for (int i = 0; i < expected.size(); i++) {
            Row r = expected.get(i);
            Services.Service s = actual.get(i);
            assertEquals(0x1000 + r.index(), s.number(), r.name());
            assertEquals(r.name(), s.name(), "name at " + Integer.toHexString(0x1000 + r.index()));
            assertEquals(r.argc(), s.argCount(), r.name());
        }
    }
}
