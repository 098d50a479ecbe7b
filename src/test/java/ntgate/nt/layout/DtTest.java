package ntgate.nt.layout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

class DtTest {

    private static final long BASE = 0x8054_0000L;

    private static byte[] trapFrame() {
        ByteBuffer b = ByteBuffer.allocate(0x8C).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0x08, 0xBADB0D00);
        b.putInt(0x68, 0x7C90E4F4);
        b.putInt(0x6C, 0x1B);
        b.putInt(0x74, 0x0012FF7C);
        return b.array();
    }

    @Test
    void formatsLikeWinDbg() {
        String out = Dt.format(Layouts.KTRAP_FRAME, BASE, GuestReader.ofBytes(BASE, trapFrame()));
        assertTrue(out.startsWith("nt!_KTRAP_FRAME @ 0x80540000\n"), out);
        assertTrue(out.contains("   +0x068 Eip              : 0x7c90e4f4\n"), out);
        assertTrue(out.contains("   +0x008 DbgArgMark       : 0xbadb0d00\n"), out);
        assertTrue(out.contains("   +0x06c SegCs            : 0x0000001b\n"), out);
        assertEquals(1 + Layouts.KTRAP_FRAME.fields().size(), out.split("\n").length);
    }

    @Test
    void unreadableMemoryShowsQuestionMarks() {
        byte[] half = new byte[0x70];
        String out = Dt.format(Layouts.KTRAP_FRAME, BASE, GuestReader.ofBytes(BASE, half));
        assertTrue(out.contains("   +0x06c SegCs            : 0x00000000\n"), out);
        assertTrue(out.contains("   +0x074 HardwareEsp      : ????????\n"), out);
        String none = Dt.format(Layouts.CONTEXT, 0, a -> {
            throw new GuestReader.Unreadable(a);
        });
        assertTrue(none.contains("+0x0b8 Eip              : ????????"), none);
    }

    @Test
    void nestedMembersAreIndentedWithRelativeOffsets() {
        byte[] t = new byte[0x1C0];
        t[0x4A] = 1;
        String out = Dt.format(Layouts.KTHREAD, BASE, GuestReader.ofBytes(BASE, t));
        assertTrue(out.contains("   +0x034 ApcState         : _KAPC_STATE\n"), out);
        assertTrue(out.contains("      +0x016 UserApcPending   : 0x01\n"), out);
        assertTrue(out.contains("   +0x02e Alerted          : 00 00\n"), out);
    }

    @Test
    void layoutWithoutMemoryShowsTypes() {
        String out = Dt.format(Layouts.KSERVICE_TABLE_DESCRIPTOR);
        assertTrue(out.contains("   +0x008 Limit            : Uint4B\n"), out);
        assertTrue(out.contains("   +0x000 Base             : Ptr32 Void\n"), out);
    }
}
