package tests.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A server that accepts every connection and never says a word: a hung SMTP, webhook or ping service. */
public final class HangingServer implements AutoCloseable {
    private final ServerSocket socket;
    private final List<Socket> held = new CopyOnWriteArrayList<>();

    public HangingServer() {
        try {
            socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Thread t = new Thread(() -> {
            while (!socket.isClosed()) {
                try {
                    held.add(socket.accept());
                } catch (IOException closed) {
                    return;
                }
            }
        }, "hanging-server");
        t.setDaemon(true);
        t.start();
    }

    public int port() { return socket.getLocalPort(); }

    public String url(String path) { return "http://127.0.0.1:" + port() + path; }

    /** Connections accepted so far (each one left waiting). */
    public int connections() { return held.size(); }

    @Override
    public void close() throws IOException {
        socket.close();
        for (Socket s : held) s.close();
    }
}
