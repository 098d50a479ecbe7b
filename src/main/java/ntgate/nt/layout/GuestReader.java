package ntgate.nt.layout;

/**
 * Reads guest memory for {@link Dt}. Addresses are guest linear addresses (unsigned 32-bit in a
 * long). An implementation signals memory it cannot read by throwing {@link Unreadable}.
 */
public interface GuestReader {

    /** The byte at {@code linear}, 0..255. */
    int u8(long linear);

    /** The little-endian word at {@code linear}, 0..65535. Default: two {@link #u8} reads. */
    default int u16(long linear) {
        return u8(linear) | u8(linear + 1) << 8;
    }

    /** The little-endian dword at {@code linear}. Default: two {@link #u16} reads. */
    default int u32(long linear) {
        return u16(linear) | u16(linear + 2) << 16;
    }

    /** Thrown by a reader for memory that is not present or not readable. */
    final class Unreadable extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public Unreadable(long linear) {
            super(String.format("guest memory at 0x%08x is not readable", linear & 0xFFFFFFFFL), null, false, false);
        }
    }

    /** A reader over a little-endian byte array mapped at {@code base} (tests, snapshots). */
    static GuestReader ofBytes(long base, byte[] bytes) {
        return linear -> {
            long i = linear - base;
            if (i < 0 || i >= bytes.length) {
                throw new Unreadable(linear);
            }
            return bytes[(int) i] & 0xFF;
        };
    }
}
