package lib.volume;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.Pipe;

/**
 * Passes a tar stream on unchanged and reads it on the side ({@link TarContents}), so that what was
 * written can later be compared with what the stored archive gives back. Closing it ends the side
 * reading but leaves the stream it writes to open (its owner fsyncs and closes it).
 */
final class TarTap extends FilterOutputStream {
    private final OutputStream pipe;
    private final Thread reader;
    private volatile TarContents contents;
    private volatile IOException failure;

    TarTap(OutputStream downstream) throws IOException {
        super(downstream);
        // an OS pipe, unlike PipedInputStream, does not break when the writing thread (a process pump) ends first
        Pipe p = Pipe.open();
        pipe = Channels.newOutputStream(p.sink());
        InputStream in = new java.io.BufferedInputStream(Channels.newInputStream(p.source()), 1 << 16);
        reader = new Thread(() -> {
            try (in) {
                contents = TarContents.read(in);
            } catch (IOException e) {
                failure = e;
                drain(in);
            }
        }, "tar-tap");
        reader.setDaemon(true);
        reader.start();
    }

    /** A stream that is not a tar is still read to its end, or the writer would wait for room forever. */
    private static void drain(InputStream in) {
        try {
            in.transferTo(OutputStream.nullOutputStream());
        } catch (IOException ignored) {
            // the pipe was closed: nothing is left to wait for
        }
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        out.write(b, off, len);
        pipe.write(b, off, len);
    }

    @Override
    public void write(int b) throws IOException { write(new byte[] {(byte) b}, 0, 1); }

    /** Ends the stream and waits for the side reading. */
    @Override
    public void close() throws IOException {
        out.flush();
        pipe.close();
        try {
            reader.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while reading the tar stream", e);
        }
    }

    /** What passed through; valid after {@link #close}. */
    TarContents contents() throws IOException {
        if (failure != null) throw new IOException("not a readable tar stream: " + failure.getMessage(), failure);
        return contents;
    }
}
