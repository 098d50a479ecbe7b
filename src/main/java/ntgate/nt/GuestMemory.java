package ntgate.nt;

import ntgate.cpu.Cpu;
import ntgate.cpu.CpuFault;
import ntgate.nt.layout.Field;
import ntgate.nt.layout.GuestReader;
import ntgate.nt.layout.Struct;

import java.nio.charset.StandardCharsets;

/**
 * Guest virtual memory as kernel code sees it: every access goes through the MMU at the current privilege
 * (host routines run in ring 0), so A/D bits, write protection and not-present pages behave as for guest code
 * and a bad pointer raises the {@link CpuFault} it would on hardware. Structure fields are written by name
 * through the declared layouts.
 */
public final class GuestMemory implements GuestReader {
    private final Cpu cpu;

    public GuestMemory(Cpu cpu) {
        this.cpu = cpu;
    }

    @Override
    public int u8(long a) {
        return cpu.mmu.read8((int) a);
    }

    @Override
    public int u16(long a) {
        return cpu.mmu.read16((int) a);
    }

    @Override
    public int u32(long a) {
        return cpu.mmu.read32((int) a);
    }

    public void w8(long a, int v) {
        cpu.mmu.write8((int) a, v);
    }

    public void w16(long a, int v) {
        cpu.mmu.write16((int) a, v);
    }

    public void w32(long a, int v) {
        cpu.mmu.write32((int) a, v);
    }

    /** Reads field {@code name} of the {@code s} at {@code base} (8-, 16- or 32-bit fields). */
    public int get(Struct s, long base, String name) {
        Field f = s.field(name);
        long a = base + f.offset();
        return switch (f.size()) {
            case 1 -> u8(a);
            case 2 -> u16(a);
            case 4 -> u32(a);
            default -> throw new IllegalArgumentException(s.name() + "." + name + " is " + f.size() + " bytes");
        };
    }

    /** Writes field {@code name} of the {@code s} at {@code base} with its declared size. */
    public void put(Struct s, long base, String name, int v) {
        Field f = s.field(name);
        long a = base + f.offset();
        switch (f.size()) {
            case 1 -> w8(a, v);
            case 2 -> w16(a, v);
            case 4 -> w32(a, v);
            case 8 -> {
                w32(a, v);
                w32(a + 4, 0);
            }
            default -> throw new IllegalArgumentException(s.name() + "." + name + " is " + f.size() + " bytes");
        }
    }

    public byte[] read(long a, int len) {
        byte[] b = new byte[len];
        for (int i = 0; i < len; i++) b[i] = (byte) u8(a + i);
        return b;
    }

    public void write(long a, byte[] b) {
        for (int i = 0; i < b.length; i++) w8(a + i, b[i]);
    }

    /** A UTF-16LE string of {@code chars} characters at {@code a}. */
    public String utf16(long a, int chars) {
        return new String(read(a, chars * 2), StandardCharsets.UTF_16LE);
    }
}
