package lib;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

/**
 * What a backup is, written next to it as {@code <name>.manifest.json}. It is written last and is the
 * commit marker: a dump without a manifest is incomplete. It never holds secrets.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Manifest(
        int formatVersion,
        String database,
        String type,
        String dumpFile,
        String globalsFile,
        String compression,
        String mode,
        String source,
        String serverVersion,
        String pgDumpVersion,
        Instant startedAt,
        Instant finishedAt,
        double durationSeconds,
        long rawBytes,
        long storedBytes,
        String sha256,
        String globalsSha256,
        boolean rolePasswords,
        List<TableCount> tables,
        VerifyResult verify,
        List<String> encryptedFor,
        Offsite offsite) {

    public static final int FORMAT = 1;

    /** A plain backup as taken: not encrypted, not yet off-site. */
    public Manifest(int formatVersion, String database, String type, String dumpFile, String globalsFile, String compression,
                    String mode, String source, String serverVersion, String pgDumpVersion, Instant startedAt, Instant finishedAt,
                    double durationSeconds, long rawBytes, long storedBytes, String sha256, String globalsSha256,
                    boolean rolePasswords, List<TableCount> tables, VerifyResult verify) {
        this(formatVersion, database, type, dumpFile, globalsFile, compression, mode, source, serverVersion, pgDumpVersion,
                startedAt, finishedAt, durationSeconds, rawBytes, storedBytes, sha256, globalsSha256, rolePasswords, tables,
                verify, null, null);
    }

    /**
     * Where the verified off-site copy of this backup is: the remote root, when it was uploaded and how its
     * arrival was checked, and the remote files (encrypted for {@code encryptedFor} when the upload added
     * encryption; otherwise the same files as the local ones).
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Offsite(String remote, String dir, Instant uploadedAt, String check, String dumpFile, long dumpBytes,
                          String dumpSha256, String globalsFile, String globalsSha256, List<String> encryptedFor) {}

    /** Exact row count of one table, as of the dump's snapshot. */
    public record TableCount(String schema, String table, long rows) {
        public String qualified() { return schema + "." + table; }
    }

    /** Outcome of verification: level full/quick/none, status passed/failed/skipped. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record VerifyResult(String level, String status, Instant checkedAt, double seconds, String detail) {
        public boolean passed() { return "passed".equals(status); }

        /** A result checked now, timed from {@code start}. */
        public static VerifyResult since(Instant start, String level, String status, String detail) {
            Instant now = Instant.now();
            return new VerifyResult(level, status, now, java.time.Duration.between(start, now).toMillis() / 1000.0, detail);
        }
    }

    public Manifest withVerify(VerifyResult v) {
        return new Manifest(formatVersion, database, type, dumpFile, globalsFile, compression, mode, source,
                serverVersion, pgDumpVersion, startedAt, finishedAt, durationSeconds, rawBytes, storedBytes, sha256,
                globalsSha256, rolePasswords, tables, v, encryptedFor, offsite);
    }

    public Manifest withOffsite(Offsite o) {
        return new Manifest(formatVersion, database, type, dumpFile, globalsFile, compression, mode, source,
                serverVersion, pgDumpVersion, startedAt, finishedAt, durationSeconds, rawBytes, storedBytes, sha256,
                globalsSha256, rolePasswords, tables, verify, encryptedFor, o);
    }

    /** True when the stored files are OpenPGP messages (ENCRYPT=all). */
    public boolean encrypted() { return encryptedFor != null && !encryptedFor.isEmpty(); }

    public boolean verified() { return verify != null && verify.passed(); }

    public long totalRows() { return tables == null ? 0 : tables.stream().mapToLong(TableCount::rows).sum(); }

    public static final ObjectMapper JSON = new ObjectMapper().registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(SerializationFeature.INDENT_OUTPUT);

    public byte[] toJson() {
        try {
            return JSON.writeValueAsBytes(this);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public static Manifest parse(byte[] json, String what) {
        try {
            return JSON.readValue(json, Manifest.class);
        } catch (IOException e) {
            throw new OpsException(ExitCode.VERIFY_FAILED, "cannot read manifest " + what + ": "
                    + e.getMessage().lines().findFirst().orElse(""), "the manifest is damaged; restore by hand (see README)");
        }
    }

    public static Manifest read(Path file) {
        try {
            return JSON.readValue(Files.readAllBytes(file), Manifest.class);
        } catch (IOException e) {
            throw new OpsException(ExitCode.VERIFY_FAILED, "cannot read manifest " + file + ": "
                    + e.getMessage().lines().findFirst().orElse(""), "the manifest is damaged; restore by hand (see README)");
        }
    }
}
