package lib.offsite;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collection;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Several digests of one byte stream in one pass, named as rclone names hash types (sha256, sha1, md5),
 * so a file's local hashes can be compared with what the remote reports.
 */
public final class Hashes extends FilterOutputStream {
    /** Hash types we can compute, in order of preference for checking an upload. */
    static final java.util.List<String> PREFERRED = java.util.List.of("sha256", "sha1", "md5");
    private final Map<String, MessageDigest> digests = new LinkedHashMap<>();
    private long bytes;

    Hashes(OutputStream out, Collection<String> types) {
        super(out);
        types.stream().filter(Objects::nonNull).distinct().forEach(t -> digests.put(t, digest(t)));
    }

    @Override
    public void write(int b) throws IOException { write(new byte[] {(byte) b}, 0, 1); }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        for (MessageDigest d : digests.values()) d.update(b, off, len);
        bytes += len;
        out.write(b, off, len);
    }

    long bytes() { return bytes; }

    /** Lower-case hex per type; call once, after the last write. */
    Map<String, String> hex() {
        Map<String, String> out = new LinkedHashMap<>();
        digests.forEach((t, d) -> out.put(t, HexFormat.of().formatHex(d.digest())));
        return out;
    }

    /** A whole file's hashes of the given types, read once. */
    public static Map<String, String> of(Path file, Collection<String> types) throws IOException {
        try (Hashes h = new Hashes(OutputStream.nullOutputStream(), types); InputStream in = Files.newInputStream(file)) {
            in.transferTo(h);
            return h.hex();
        }
    }

    private static MessageDigest digest(String rcloneType) {
        String alg = switch (rcloneType) {
            case "sha256" -> "SHA-256";
            case "sha1" -> "SHA-1";
            case "md5" -> "MD5";
            default -> throw new IllegalArgumentException("unsupported hash type " + rcloneType);
        };
        try {
            return MessageDigest.getInstance(alg);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
