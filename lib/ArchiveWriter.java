package lib;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

import lib.crypt.Recipients;

/**
 * The single streaming pass of a backup: bytes in, counted, compressed, hashed (sha256 of the stored
 * file, so {@code sha256sum} can check it too), counted again, written, fsynced on close.
 */
public final class ArchiveWriter extends OutputStream {
    private final FileChannel channel;
    private final Counter stored;
    private final MessageDigest digest;
    private final OutputStream compressed;
    private final Counter raw;
    private final Path file;

    public ArchiveWriter(Path file, Codec codec) throws IOException { this(file, codec, null); }

    /** With {@code recipients}, the compressed bytes are OpenPGP-encrypted in the same pass, before hashing. */
    public ArchiveWriter(Path file, Codec codec, Recipients recipients) throws IOException {
        this.file = file;
        channel = SafeFiles.create(file);
        digest = newDigest();
        stored = new Counter(new DigestOutputStream(new java.io.BufferedOutputStream(new KeepOpen(Channels.newOutputStream(channel)), 1 << 20), digest));
        compressed = codec.compress(recipients == null ? stored : recipients.encrypt(stored));
        raw = new Counter(compressed);
    }

    @Override public void write(int b) throws IOException { raw.write(b); }

    @Override public void write(byte[] b, int off, int len) throws IOException { raw.write(b, off, len); }

    /** Finishes compression, flushes and fsyncs. */
    @Override
    public void close() throws IOException {
        try {
            raw.close();
            stored.close(); // the encrypting stream finishes its message but leaves the file stream open
            channel.force(true);
        } finally {
            channel.close();
        }
    }

    public long rawBytes() { return raw.count; }

    public long storedBytes() { return stored.count; }

    /** Hex sha256 of the stored bytes; valid after close. */
    public String sha256() { return HexFormat.of().formatHex(digest.digest()); }

    public Path file() { return file; }

    static MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** sha256 of a whole file, read in 1 MB chunks. */
    public static String sha256(Path file) throws IOException { return hash(file, "SHA-256"); }

    /** A whole file's digest ({@code SHA-256}, {@code SHA-1}, {@code MD5}) in lower-case hex. */
    public static String hash(Path file, String algorithm) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance(algorithm);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalArgumentException(algorithm, e);
        }
        try (InputStream in = new DigestInputStream(java.nio.file.Files.newInputStream(file), md)) {
            byte[] buf = new byte[1 << 20];
            while (in.read(buf) >= 0) { /* digesting */ }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    /** Closing the stream chain must flush, not close, the channel: it is fsynced afterwards. */
    static final class KeepOpen extends FilterOutputStream {
        KeepOpen(OutputStream out) { super(out); }

        @Override public void write(byte[] b, int off, int len) throws IOException { out.write(b, off, len); }

        @Override public void close() throws IOException { out.flush(); }
    }

    static final class Counter extends FilterOutputStream {
        long count;

        Counter(OutputStream out) { super(out); }

        @Override public void write(int b) throws IOException { out.write(b); count++; }

        @Override public void write(byte[] b, int off, int len) throws IOException { out.write(b, off, len); count += len; }
    }
}
