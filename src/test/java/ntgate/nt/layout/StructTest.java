package ntgate.nt.layout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class StructTest {

    @Test
    void builderRejectsOverlappingFields() {
        Struct.Builder b = Struct.builder("T", 0x10).u32(0x00, "A", "").u32(0x04, "B", "");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> b.u16(0x06, "C", ""));
        assertTrue(e.getMessage().contains("overlaps B"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Struct.builder("T", 8).u64(0, "A", "").u8(7, "B", ""));
    }

    @Test
    void builderRejectsFieldsBeyondTheSize() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Struct.builder("T", 0x8).u32(0x06, "A", ""));
        assertTrue(e.getMessage().contains("beyond"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> Struct.builder("T", 0x8).struct(0x4, "In", Layouts.LIST_ENTRY, ""));
    }

    @Test
    void builderRejectsDuplicateNames() {
        assertThrows(IllegalArgumentException.class,
                () -> Struct.builder("T", 0x8).u32(0, "A", "").u32(4, "A", ""));
    }

    @Test
    void nestedFieldsAreFlattenedAfterTheirContainer() {
        Struct s = Struct.builder("T", 0x10).u32(0, "X", "").struct(0x8, "Links", Layouts.LIST_ENTRY, "").build();
        assertEquals(4, s.fields().size());
        assertEquals("Links", s.fields().get(1).name());
        assertEquals("Links.Flink", s.fields().get(2).name());
        assertEquals(0xC, s.offset("Links.Blink"));
        assertEquals(1, s.field("Links.Blink").depth());
        assertEquals("Links.Blink", s.fieldAt(0xE).name());
        assertNull(s.fieldAt(0x5));
        assertEquals(Layouts.LIST_ENTRY, s.nestedType("Links"));
    }
}
