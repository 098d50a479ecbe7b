package ntgate.cpu.mem;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Physical RAM: one flat little-endian byte array starting at physical address 0. Reads beyond the end return
 * all ones (an undriven bus) and writes beyond it are dropped, as on a PC with no device at that address.
 */
public final class PhysicalMemory {
    private static final VarHandle I32 = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle I16 = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle I64 = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    final byte[] ram;
    private final int size;

    /** @param size bytes of RAM, a multiple of 4 KiB */
    public PhysicalMemory(int size) {
        if (size <= 0 || (size & 0xFFF) != 0) throw new IllegalArgumentException("RAM size must be a positive multiple of 4 KiB");
        this.ram = new byte[size];
        this.size = size;
    }

    public int size() {
        return size;
    }

    public int pages() {
        return size >>> 12;
    }

    /** True when the 4 KiB page holding {@code physical} is backed by RAM. */
    public boolean backed(long physical) {
        return physical >= 0 && physical < size;
    }

    public int read8(long physical) {
        return physical >= 0 && physical < size ? ram[(int) physical] & 0xFF : 0xFF;
    }

    public void write8(long physical, int value) {
        if (physical >= 0 && physical < size) ram[(int) physical] = (byte) value;
    }

    public int read16(long physical) {
        if (physical >= 0 && physical + 2 <= size) return (short) I16.get(ram, (int) physical) & 0xFFFF;
        return read8(physical) | read8(physical + 1) << 8;
    }

    public int read32(long physical) {
        if (physical >= 0 && physical + 4 <= size) return (int) I32.get(ram, (int) physical);
        return read16(physical) | read16(physical + 2) << 16;
    }

    public long read64(long physical) {
        if (physical >= 0 && physical + 8 <= size) return (long) I64.get(ram, (int) physical);
        return (read32(physical) & 0xFFFFFFFFL) | (long) read32(physical + 4) << 32;
    }

    public void write16(long physical, int value) {
        write8(physical, value);
        write8(physical + 1, value >>> 8);
    }

    public void write32(long physical, int value) {
        if (physical >= 0 && physical + 4 <= size) I32.set(ram, (int) physical, value);
        else for (int i = 0; i < 4; i++) write8(physical + i, value >>> (8 * i));
    }

    public void write64(long physical, long value) {
        write32(physical, (int) value);
        write32(physical + 4, (int) (value >>> 32));
    }

    /** Copies bytes into RAM (host loading; no TLB or code-cache side effects). */
    public void load(long physical, byte[] data, int off, int len) {
        for (int i = 0; i < len; i++) write8(physical + i, data[off + i]);
    }

    // Unchecked fast accessors for the MMU's TLB hits (the physical page is known to be backed).
    int fastRead8(int p) {
        return ram[p] & 0xFF;
    }

    int fastRead16(int p) {
        return (short) I16.get(ram, p) & 0xFFFF;
    }

    int fastRead32(int p) {
        return (int) I32.get(ram, p);
    }

    void fastWrite8(int p, int v) {
        ram[p] = (byte) v;
    }

    void fastWrite16(int p, int v) {
        I16.set(ram, p, (short) v);
    }

    void fastWrite32(int p, int v) {
        I32.set(ram, p, v);
    }
}
