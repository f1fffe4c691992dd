package lib.volume;

import com.fasterxml.jackson.annotation.JsonInclude;
import lib.ExitCode;
import lib.Manifest;
import lib.OpsException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

/**
 * What a volume archive is, written next to it as {@code <volume>_<stamp>_<type>.volume.json}. Like a
 * database backup's manifest it is written last and is the commit marker, and it never holds secrets.
 * {@code container} is absent for a folder of this machine; {@code path} is where the data was read.
 * {@code entries} and {@code contentBytes} count the tar's entries and the bytes of their content,
 * {@code rawBytes} the whole tar stream, {@code storedBytes} the file on disk.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record VolumeManifest(
        int formatVersion,
        String volume,
        String type,
        String archiveFile,
        String compression,
        String container,
        String path,
        Instant startedAt,
        Instant finishedAt,
        double durationSeconds,
        long entries,
        long contentBytes,
        long rawBytes,
        long storedBytes,
        String sha256,
        List<String> encryptedFor,
        Manifest.VerifyResult verify) {

    public static final int FORMAT = 1;

    public VolumeManifest withVerify(Manifest.VerifyResult v) {
        return new VolumeManifest(formatVersion, volume, type, archiveFile, compression, container, path, startedAt, finishedAt,
                durationSeconds, entries, contentBytes, rawBytes, storedBytes, sha256, encryptedFor, v);
    }

    /** True when the archive is an OpenPGP message. */
    public boolean encrypted() { return encryptedFor != null && !encryptedFor.isEmpty(); }

    public boolean verified() { return verify != null && verify.passed(); }

    /** Where the data came from: {@code container inventory-pgadmin:/var/lib/pgadmin} or {@code folder /srv/ra/config}. */
    public String source() { return Volume.source(container, path); }

    public byte[] toJson() {
        try {
            return Manifest.JSON.writeValueAsBytes(this);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public static VolumeManifest read(Path file) {
        try {
            return Manifest.JSON.readValue(Files.readAllBytes(file), VolumeManifest.class);
        } catch (IOException e) {
            throw new OpsException(ExitCode.VERIFY_FAILED, "cannot read manifest " + file + ": "
                    + e.getMessage().lines().findFirst().orElse(""), "the manifest is damaged; open the archive by hand (docs/backup-format.md)");
        }
    }
}
