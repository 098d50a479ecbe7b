package ntgate.debug.gdb;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Listens for GDB clients on {@code [HOST:]PORT} (the loopback interface unless a host is named) and serves them
 * one at a time: a client that connects while another is attached is turned away at once. When a client goes away
 * without detaching, the machine stays stopped and the next client finds it as it was.
 */
public final class GdbServer implements AutoCloseable {
    private final ServerSocket server;
    private final AtomicBoolean busy = new AtomicBoolean();
    private final SynchronousQueue<Socket> handoff = new SynchronousQueue<>();

    /** A {@code [HOST:]PORT} that cannot be used: the message is one line for the user. */
    public static final class BadAddress extends Exception {
        public BadAddress(String message) {
            super(message, null, false, false);
        }
    }

    /** Parses {@code [HOST:]PORT}; the host defaults to the loopback address. */
    public static InetSocketAddress address(String spec) throws BadAddress {
        String host = null, port = spec.strip();
        int colon = port.lastIndexOf(':');
        if (colon >= 0) {
            host = port.substring(0, colon);
            port = port.substring(colon + 1);
            if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
        }
        int n;
        try {
            n = Integer.parseInt(port);
        } catch (NumberFormatException e) {
            throw new BadAddress("'" + spec + "' is not [HOST:]PORT");
        }
        if (n < 0 || n > 65535) throw new BadAddress("port " + n + " is not between 0 and 65535");
        try {
            InetAddress a = host == null || host.isEmpty() ? InetAddress.getLoopbackAddress() : InetAddress.getByName(host);
            return new InetSocketAddress(a, n);
        } catch (IOException e) {
            throw new BadAddress("unknown host '" + host + "'");
        }
    }

    public GdbServer(InetSocketAddress address) throws IOException {
        server = new ServerSocket();
        server.setReuseAddress(true);
        server.bind(address, 4);
        Thread acceptor = new Thread(this::acceptLoop, "gdb-acceptor");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /** The address actually bound (the port chosen when 0 was asked). */
    public InetSocketAddress bound() {
        return (InetSocketAddress) server.getLocalSocketAddress();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            Socket s;
            try {
                s = server.accept();
            } catch (IOException e) {
                return;
            }
            if (!busy.compareAndSet(false, true)) {
                try {
                    s.getOutputStream().write("$E.another client is attached#00".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
                    s.close();
                } catch (IOException e) {
                    // it went away first
                }
                continue;
            }
            try {
                handoff.put(s);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /**
     * Serves clients until one kills the session or detaches, or the machine has ended and its client went away.
     *
     * @return how the last session ended
     */
    public GdbStub.Outcome serve(GdbStub stub, PrintStream log) throws IOException {
        while (true) {
            Socket s;
            try {
                s = handoff.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return GdbStub.Outcome.DISCONNECTED;
            }
            GdbStub.Outcome o;
            try (s) {
                s.setTcpNoDelay(true);
                log.println("ntgate: gdb client connected from " + s.getRemoteSocketAddress());
                GdbConnection c = new GdbConnection(new BufferedInputStream(s.getInputStream()),
                        new BufferedOutputStream(s.getOutputStream()));
                o = stub.session(c);
            } catch (IOException e) {
                o = GdbStub.Outcome.DISCONNECTED;
            } finally {
                busy.set(false);
            }
            if (o != GdbStub.Outcome.DISCONNECTED || stub.ended()) return o;
            log.println("ntgate: the gdb client went away; the machine stays stopped, waiting for the next one");
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
