package ntgate.debug.gdb;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The GDB remote serial protocol's framing over one connection: packets {@code $data#cc} with a two-digit
 * modulo-256 checksum, {@code +}/{@code -} acknowledgements (until {@code QStartNoAckMode}), the interrupt byte
 * 0x03, and binary data escaped with {@code }} (the byte XOR 0x20). A packet longer than {@link #MAX_PACKET} is
 * read to its end and reported as {@link #TOO_LONG}, so a hostile client can neither exhaust memory nor desynchronise
 * the stream.
 */
final class GdbConnection {
    /** The largest packet accepted, and the PacketSize offered in qSupported. */
    static final int MAX_PACKET = 0x4000;
    /** Returned by {@link #read} for a packet that was longer than {@link #MAX_PACKET}. */
    static final String TOO_LONG = "\u0000too long";
    /** Returned by {@link #read} when the client sent the interrupt byte 0x03 outside a packet. */
    static final String INTERRUPT = "\u0003";

    private final InputStream in;
    private final OutputStream out;
    private boolean ack = true;
    private byte[] lastSent;
    /** Bytes read while the machine ran, not yet consumed. */
    private final java.util.ArrayDeque<Integer> pushback = new java.util.ArrayDeque<>();

    GdbConnection(InputStream in, OutputStream out) {
        this.in = in;
        this.out = out;
    }

    void noAck() {
        ack = false;
    }

    private int next() throws IOException {
        if (!pushback.isEmpty()) return pushback.poll();
        return in.read();
    }

    /**
     * The next packet's payload (unescaped, as ISO-8859-1 text so that every byte is one char), {@link #INTERRUPT},
     * {@link #TOO_LONG}, or null at end of stream. Bad checksums are answered with {@code -} and skipped.
     */
    String read() throws IOException {
        while (true) {
            int c = next();
            if (c < 0) return null;
            if (c == 0x03) return INTERRUPT;
            if (c == '-' && lastSent != null && ack) {
                out.write(lastSent);
                out.flush();
                continue;
            }
            if (c != '$') continue;   // '+' acknowledgements and noise between packets
            ByteArrayOutputStream data = new ByteArrayOutputStream();
            int sum = 0;
            boolean tooLong = false;
            while (true) {
                c = next();
                if (c < 0) return null;
                if (c == '#') break;
                sum += c;
                if (data.size() < MAX_PACKET) data.write(c);
                else tooLong = true;
            }
            int h = next(), l = next();
            if (h < 0 || l < 0) return null;
            int given = hexDigit(h) << 4 | hexDigit(l);
            if (ack) {
                if (given != (sum & 0xFF) || hexDigit(h) < 0 || hexDigit(l) < 0) {
                    out.write('-');
                    out.flush();
                    continue;
                }
                out.write('+');
                out.flush();
            }
            if (tooLong) return TOO_LONG;
            return unescape(data.toByteArray());
        }
    }

    private static String unescape(byte[] b) {
        StringBuilder sb = new StringBuilder(b.length);
        for (int i = 0; i < b.length; i++) {
            int c = b[i] & 0xFF;
            if (c == '}' && i + 1 < b.length) c = (b[++i] & 0xFF) ^ 0x20;
            sb.append((char) c);
        }
        return sb.toString();
    }

    static int hexDigit(int c) {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    }

    /** True when the client sent the interrupt byte since the last call (other bytes are kept for {@link #read}). */
    boolean interrupted() throws IOException {
        boolean hit = false;
        while (in.available() > 0) {
            int c = in.read();
            if (c < 0) break;
            if (c == 0x03) hit = true;
            else pushback.add(c);
        }
        return hit;
    }

    /** Sends a packet whose payload is text (hex, names, XML), escaping what the framing reserves. */
    void send(String payload) throws IOException {
        send(payload.getBytes(StandardCharsets.ISO_8859_1));
    }

    void send(byte[] payload) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream(payload.length + 8);
        b.write('$');
        int sum = 0;
        for (byte x : payload) {
            int c = x & 0xFF;
            if (c == '$' || c == '#' || c == '}' || c == '*') {
                b.write('}');
                sum += '}';
                c ^= 0x20;
            }
            b.write(c);
            sum += c;
        }
        b.write('#');
        b.write(Character.forDigit((sum >>> 4) & 0xF, 16));
        b.write(Character.forDigit(sum & 0xF, 16));
        lastSent = b.toByteArray();
        out.write(lastSent);
        out.flush();
    }
}
