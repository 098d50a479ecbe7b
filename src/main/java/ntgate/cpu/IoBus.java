package ntgate.cpu;

/** The I/O port space (IN/OUT/INS/OUTS), after the CPU's IOPL and I/O-bitmap checks have passed. */
public interface IoBus {
    /** Reads {@code size} bytes (1, 2, 4) from {@code port}. */
    int in(int port, int size);

    void out(int port, int size, int value);

    /** No devices: reads return all ones, writes are dropped. */
    IoBus NONE = new IoBus() {
        @Override
        public int in(int port, int size) {
            return size == 4 ? -1 : (1 << (8 * size)) - 1;
        }

        @Override
        public void out(int port, int size, int value) {
        }
    };
}
