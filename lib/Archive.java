package lib;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import lib.crypt.Encryption;

/**
 * A stored dump file (compressed custom-format archive) and what can be done with it: check its
 * checksum, list it, restore it. Decompression happens here, in-process; pg_restore reads the
 * archive from stdin wherever it runs (on this host or in the container), so no copy is made.
 */
public final class Archive {
    /** The server's message when an owner or grantee of the archive is not a role on the restoring server. */
    private static final Pattern MISSING_ROLE = Pattern.compile("ERROR:\\s+role \"(.*)\" does not exist");
    private final Path file;
    private final PgTarget target;
    private final Encryption encryption;

    public Archive(Path file, PgTarget target) { this(file, target, null); }

    /** An archive that may be encrypted ({@code .gpg}); {@code encryption} supplies the key to read it. */
    public Archive(Path file, PgTarget target, Encryption encryption) {
        this.file = file;
        this.target = target;
        this.encryption = encryption;
    }

    public Path file() { return file; }

    /** Refuses a file that is missing or whose sha256 differs from the manifest. */
    public void checkSum(String expected) {
        if (!Files.isRegularFile(file)) {
            throw new OpsException(ExitCode.VERIFY_FAILED, "backup file not found: " + file, "check the path; --list shows backups");
        }
        String actual;
        try {
            actual = ArchiveWriter.sha256(file);
        } catch (IOException e) {
            throw new OpsException(ExitCode.VERIFY_FAILED, "cannot read " + file + ": " + e.getMessage(), null);
        }
        if (!actual.equalsIgnoreCase(expected)) {
            throw new OpsException(ExitCode.VERIFY_FAILED, "checksum mismatch for " + file.getFileName() + ": the file is damaged"
                    + " (sha256 " + actual.substring(0, 12) + "..., manifest says " + expected.substring(0, Math.min(12, expected.length())) + "...)",
                    "use another backup (--list); keep this one for inspection");
        }
    }

    /**
     * Runs {@code pg_restore --list} on the archive; returns its table-of-contents entries. An empty database
     * gives an archive with a header and no entries: valid. Output without the header is not an archive listing.
     */
    public List<String> listing() {
        Proc.Result r = pipe(List.of("--list"), null, null);
        if (!r.ok()) {
            throw new OpsException(ExitCode.VERIFY_FAILED, "archive listing of " + file.getFileName() + " failed: "
                    + r.lastError(), "the file is not a readable pg_dump archive; use another backup");
        }
        if (r.stdout().lines().noneMatch(l -> l.startsWith("; Archive created at"))) {
            throw new OpsException(ExitCode.VERIFY_FAILED, "archive " + file.getFileName() + " has no archive header",
                    "the file is not a readable pg_dump archive; use another backup");
        }
        List<String> toc = new ArrayList<>();
        r.stdout().lines().filter(l -> !l.isBlank() && !l.startsWith(";")).forEach(toc::add);
        return toc;
    }

    /**
     * Restores into an existing empty database, stopping at the first error.
     * @param noOwner skip ownership and privileges (scratch restores by any role with CREATEDB)
     */
    public void restoreInto(String db, boolean noOwner, int failureCode) {
        List<String> args = new ArrayList<>(List.of("--exit-on-error", "-d", ""));
        if (noOwner) args.addAll(List.of("--no-owner", "--no-privileges"));
        Proc.Result r;
        try {
            r = pipe(args, db, null);
        } catch (OpsException e) {
            throw new OpsException(failureCode, e.getMessage(), e.hint(), e);
        }
        if (!r.ok()) {
            Matcher role = MISSING_ROLE.matcher(r.stderr());
            if (role.find()) {
                throw new OpsException(failureCode, "restore of " + file.getFileName() + " into " + db + " failed: role " + role.group(1)
                        + " does not exist on this server (the backup's objects are owned by it or grant it rights)",
                        "create it first, or add --with-globals (creates the backup's missing roles) or --no-owner "
                                + "(ownership and grants left out, everything owned by the restoring user)");
            }
            throw PgErrors.explain(target, "pg_restore", "restore of " + file.getFileName() + " into " + db, r, failureCode);
        }
    }

    /** Decompresses into pg_restore's stdin; damage in the file is reported as such. */
    private Proc.Result pipe(List<String> args, String db, java.io.OutputStream out) {
        Read read = new Read();
        try (InputStream in = Codec.forFile(file.toString()).decompress(decrypted(new Read.Counting(Files.newInputStream(file), read)));
             Progress p = new Progress((db == null ? "reading " : "restoring into " + db + ": ") + file.getFileName(), () -> read.bytes)) {
            return Proc.run(target.command("pg_restore", args), target.env(db), null, in, out);
        } catch (UncheckedIOException | IOException e) {
            String cause = e instanceof UncheckedIOException u ? u.getCause().getMessage() : e.getMessage();
            throw new OpsException(ExitCode.VERIFY_FAILED, "cannot " + (encrypted() ? "decrypt or " : "") + "decompress "
                    + file.getFileName() + ": " + cause, "the file is damaged or truncated; use another backup");
        }
    }

    private boolean encrypted() { return Encryption.encrypted(file.getFileName().toString().replace(SafeFiles.PARTIAL, "")); }

    /** The stored bytes, decrypted in the same stream when the file is encrypted. */
    private InputStream decrypted(InputStream stored) throws IOException {
        if (encryption != null) return encryption.decrypting(file.getFileName().toString(), stored);
        if (encrypted()) {
            throw new OpsException(ExitCode.USAGE, file.getFileName() + " is encrypted but no key was given to read it",
                    "set DECRYPT_KEY and DECRYPT_PASSPHRASE_FILE");
        }
        return stored;
    }

    /** Bytes of the stored file read so far, for the progress line of long restores. */
    static final class Read {
        volatile long bytes;

        static final class Counting extends java.io.FilterInputStream {
            private final Read read;

            Counting(InputStream in, Read read) {
                super(new BufferedInputStream(in, 1 << 20));
                this.read = read;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                int n = super.read(b, off, len);
                if (n > 0) read.bytes += n;
                return n;
            }
        }
    }
}
