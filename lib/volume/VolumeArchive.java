package lib.volume;

import lib.Archive;
import lib.Codec;
import lib.ExitCode;
import lib.Log;
import lib.Manifest;
import lib.OpsException;
import lib.crypt.Encryption;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Instant;

/**
 * A stored volume archive read back: its sha256, then (when it can be decrypted) the whole tar walked
 * and compared with what the manifest says was written. Decryption and decompression happen in one
 * stream, so the zstd frame checksum and OpenPGP's integrity check are proved along the way.
 */
public final class VolumeArchive {
    /** Verify level when the tar was read back; {@link #CHECKSUM} when only the stored bytes could be checked. */
    public static final String FULL = "full";
    public static final String CHECKSUM = "checksum";
    private final Path file;
    private final Encryption encryption;

    public VolumeArchive(Path file, Encryption encryption) {
        this.file = file;
        this.encryption = encryption;
    }

    /**
     * Checks the archive against its manifest; failures are recorded in the result, not thrown. An encrypted
     * archive without DECRYPT_KEY gets its checksum checked only, and the result says so.
     */
    public Manifest.VerifyResult verify(VolumeManifest m, Log log) {
        Instant start = Instant.now();
        boolean readable = !m.encrypted() || encryption.hasKey();
        String level = readable ? FULL : CHECKSUM;
        try {
            String detail;
            if (readable) {
                TarContents c = check(m);
                detail = "sha256 ok, read back " + c.entries() + " entries, " + c.contentBytes() + " bytes";
            } else {
                new Archive(file, null).checkSum(m.sha256());
                detail = "sha256 ok; not decrypted (DECRYPT_KEY is not set), so the tar was not read back";
            }
            log.info("verify " + level + " passed for " + file.getFileName() + ": " + detail);
            return Manifest.VerifyResult.since(start, level, "passed", detail);
        } catch (OpsException e) {
            log.error("verify " + level + " FAILED for " + file.getFileName() + ": " + e.oneLine());
            return Manifest.VerifyResult.since(start, level, "failed", e.getMessage());
        }
    }

    /** Checksum, decryption and the whole tar, compared with the manifest; throws VERIFY_FAILED naming the difference. */
    public TarContents check(VolumeManifest m) {
        new Archive(file, null).checkSum(m.sha256());
        TarContents c;
        try (InputStream in = open()) {
            c = TarContents.read(in);
        } catch (IOException | UncheckedIOException e) {
            String cause = e instanceof UncheckedIOException u ? u.getCause().getMessage() : e.getMessage();
            throw new OpsException(ExitCode.VERIFY_FAILED, "cannot read " + file.getFileName() + " back: " + cause,
                    "the file is damaged or truncated; use another archive (" + lib.Launcher.command("backup.java --list") + ")");
        }
        if (c.entries() != m.entries() || c.contentBytes() != m.contentBytes()) {
            throw new OpsException(ExitCode.VERIFY_FAILED, file.getFileName() + " reads back as " + c.entries() + " entries, "
                    + c.contentBytes() + " bytes; " + m.entries() + " entries, " + m.contentBytes() + " bytes were written",
                    "use another archive (" + lib.Launcher.command("backup.java --list") + ")");
        }
        return c;
    }

    /** The tar stream: decrypted (needs DECRYPT_KEY) and decompressed on the fly. */
    public InputStream open() throws IOException {
        InputStream stored = encryption.open(file);
        try {
            return Codec.forFile(file.getFileName().toString()).decompress(stored);
        } catch (IOException | RuntimeException e) {
            stored.close();
            throw e;
        }
    }
}
