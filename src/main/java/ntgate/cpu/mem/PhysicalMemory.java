package ntgate.cpu.mem;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Physical RAM: little-endian bytes starting at physical address 0. Reads beyond the end return all ones (an
 * undriven bus) and writes beyond it are dropped, as on a PC with no device at that address.
 *
 * <p>RAM is allocated lazily: the host array covers only the part from address 0 up to the highest byte written
 * (or cached by the TLB) so far, and grows (doubling) when a write or a TLB fill reaches past it; RAM above it
 * reads as zero. A 512 MiB machine that touches 8 MiB costs 8 MiB (or the initial capacity). The TLB's fast paths
 * index the array directly, so growth happens only on slow paths, and the MMU takes the new array through
 * {@link #onGrow}.
 */
public final class PhysicalMemory {
    private static final VarHandle I32 = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle I16 = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle I64 = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    /** The largest RAM one host array can hold (a multiple of 4 KiB below 2 GiB). */
    public static final int MAX_SIZE = 2047 << 20;
    /** What is allocated up front (or the whole RAM when smaller). */
    static final int INITIAL_CAPACITY = 16 << 20;

    byte[] ram;
    private final int size;
    private Runnable growListener;

    /** @param size bytes of RAM, a multiple of 4 KiB, at most {@link #MAX_SIZE} */
    public PhysicalMemory(int size) {
        if (size <= 0 || (size & 0xFFF) != 0 || size > MAX_SIZE) {
            throw new IllegalArgumentException("RAM size must be a positive multiple of 4 KiB, at most 2047 MiB");
        }
        this.ram = new byte[Math.min(size, INITIAL_CAPACITY)];
        this.size = size;
    }

    public int size() {
        return size;
    }

    public int pages() {
        return size >>> 12;
    }

    /** Host bytes allocated so far for this RAM. */
    public int capacity() {
        return ram.length;
    }

    /** Called after each growth (the MMU re-reads the array). */
    void onGrow(Runnable r) {
        growListener = r;
    }

    /** True when the 4 KiB page holding {@code physical} is backed by RAM. */
    public boolean backed(long physical) {
        return physical >= 0 && physical < size;
    }

    /** Makes the host array cover the 4 KiB page holding {@code physical} (a RAM address). */
    void ensure(long physical) {
        long need = (physical | 0xFFF) + 1;
        if (need <= ram.length) return;
        long n = Math.max(need, Math.min((long) ram.length * 2, size));
        byte[] a = new byte[(int) Math.min(n, size)];
        System.arraycopy(ram, 0, a, 0, ram.length);
        ram = a;
        if (growListener != null) growListener.run();
    }

    public int read8(long physical) {
        if (physical >= 0 && physical < ram.length) return ram[(int) physical] & 0xFF;
        return physical >= 0 && physical < size ? 0 : 0xFF;
    }

    public void write8(long physical, int value) {
        if (physical < 0 || physical >= size) return;
        if (physical >= ram.length) {
            if ((byte) value == 0) return;   // RAM above the array is zero already
            ensure(physical);
        }
        ram[(int) physical] = (byte) value;
    }

    public int read16(long physical) {
        if (physical >= 0 && physical + 2 <= ram.length) return (short) I16.get(ram, (int) physical) & 0xFFFF;
        return read8(physical) | read8(physical + 1) << 8;
    }

    public int read32(long physical) {
        if (physical >= 0 && physical + 4 <= ram.length) return (int) I32.get(ram, (int) physical);
        return read16(physical) | read16(physical + 2) << 16;
    }

    public long read64(long physical) {
        if (physical >= 0 && physical + 8 <= ram.length) return (long) I64.get(ram, (int) physical);
        return (read32(physical) & 0xFFFFFFFFL) | (long) read32(physical + 4) << 32;
    }

    public void write16(long physical, int value) {
        write8(physical, value);
        write8(physical + 1, value >>> 8);
    }

    public void write32(long physical, int value) {
        if (physical >= 0 && physical + 4 <= ram.length) I32.set(ram, (int) physical, value);
        else for (int i = 0; i < 4; i++) write8(physical + i, value >>> (8 * i));
    }

    public void write64(long physical, long value) {
        if (physical >= 0 && physical + 8 <= ram.length) I64.set(ram, (int) physical, value);
        else {
            write32(physical, (int) value);
            write32(physical + 4, (int) (value >>> 32));
        }
    }

    /** Zeroes the 4 KiB page at {@code physical} (page aligned); a page above the array is zero already. */
    public void zeroPage(long physical) {
        if (physical < 0 || physical + 0x1000 > ram.length) return;
        java.util.Arrays.fill(ram, (int) physical, (int) physical + 0x1000, (byte) 0);
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
