package lib.volume;

import lib.BackupStore;
import lib.Config;
import lib.ExitCode;
import lib.Lock;
import lib.Log;
import lib.OpsException;
import lib.SafeFiles;
import lib.crypt.Encryption;

import java.io.Console;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Puts a volume archive back, after it has been read back in full against its manifest. pgAdmin's data
 * goes into its container with {@code docker cp}: the container is stopped first and started again
 * after, and an archive of the data being replaced is taken first (type safety). The config folder is
 * never written over: it is unpacked into a new folder {@code config.restored-<stamp>/} beside it, for
 * the operator to compare and copy from.
 */
public final class VolumeRestore {
    /** Folder a config archive is unpacked into: {@code config.restored-<stamp>} in the project home. */
    public static final String RESTORED = ".restored-";

    /**
     * What will happen. {@code container} is pgAdmin's (null for config), {@code target} the container's data
     * folder or the new folder; {@code running} whether the container runs now (it is stopped and started
     * again); {@code contents} what the archive holds.
     */
    public record Plan(VolumeSet archive, String volume, String container, String target, boolean safetyBackup, boolean running,
                       TarContents contents) {}

    /**
     * What happened: seconds taken, the safety archive (or null), for pgAdmin the entries of the data
     * folder the archive does not hold (left in place), for config the links the OS did not allow.
     */
    public record Result(Plan plan, double seconds, Path safetyArchive, List<String> leftInPlace, List<String> skippedLinks) {}

    private final Config cfg;
    private final Log log;
    private final BackupStore store;
    private final Encryption encryption;

    public VolumeRestore(Config cfg, Log log) {
        this.cfg = cfg;
        this.log = log;
        this.store = new BackupStore(cfg.path("BACKUP_DIR"));
        this.encryption = Encryption.from(cfg);
    }

    /** The archive to restore: a file (archive or manifest), else the newest verified one (of a type, on a UTC date). */
    public VolumeSet choose(String volume, Path file, String type, LocalDate date) {
        Volume v = Volume.of(volume, cfg);
        if (file != null) return fromFile(v, file);
        List<VolumeSet> candidates = VolumeSet.list(store, v.archiveName()).stream()
                .filter(VolumeSet::verified)
                .filter(s -> type != null ? s.type().equals(type) : !s.type().equals(BackupStore.SAFETY))
                .filter(s -> date == null || LocalDate.ofInstant(s.at(), ZoneOffset.UTC).equals(date))
                .toList();
        if (candidates.isEmpty()) {
            throw new OpsException(ExitCode.USAGE, "no verified archive of volume " + volume + (type != null ? " of type " + type : "")
                    + (date != null ? " taken on " + date : "") + " in " + store.root(),
                    "list archives with: " + lib.Launcher.command("backup.java --list") + " (or pass a FILE); take one with: " + lib.Launcher.command("backup.java --volumes"));
        }
        return candidates.get(0);
    }

    private static VolumeSet fromFile(Volume v, Path file) {
        Path archive = file.toAbsolutePath();
        String name = archive.getFileName().toString();
        if (name.endsWith(BackupStore.VOLUME_MANIFEST)) {
            String base = name.substring(0, name.length() - BackupStore.VOLUME_MANIFEST.length());
            try (var files = Files.list(archive.getParent())) {
                archive = files.filter(f -> f.getFileName().toString().startsWith(base + ".tar")
                        && !f.getFileName().toString().endsWith(SafeFiles.PARTIAL)).findFirst().orElse(archive);
            } catch (IOException e) {
                throw new OpsException(ExitCode.USAGE, "cannot read folder " + archive.getParent() + ": " + e.getMessage(), null);
            }
        }
        VolumeSet s = VolumeSet.parse(archive).orElseThrow(() -> new OpsException(ExitCode.USAGE, "not a volume archive of this kit: " + file,
                "expected <volume>_<yyyyMMddTHHmmssZ>_<type>.tar.zst[.gpg]; open other archives by hand (docs/backup-format.md)"));
        if (!Files.isRegularFile(s.archive())) {
            throw new OpsException(ExitCode.USAGE, "archive file not found: " + file, "check the path; " + lib.Launcher.command("backup.java --list") + " shows archives");
        }
        if (!s.archiveName().equals(v.archiveName())) {
            throw new OpsException(ExitCode.USAGE, file.getFileName() + " is an archive of " + s.volume() + ", not of " + v.name(),
                    "use --volume " + s.volume());
        }
        if (s.foreign() != null) {
            throw new OpsException(ExitCode.VERIFY_FAILED, s.archive().getFileName() + " is " + s.state() + "; it is not restored",
                    "use another archive (" + lib.Launcher.command("backup.java --list") + "), and find out who wrote that manifest");
        }
        if (s.manifest() == null) {
            throw new OpsException(ExitCode.VERIFY_FAILED, "no readable manifest next to " + s.archive().getFileName()
                    + ": the archive is incomplete or its manifest is damaged", "use another archive (" + lib.Launcher.command("backup.java --list") + ")");
        }
        return s;
    }

    /**
     * Reads the archive back in full (checksum, decryption, every entry) and checks it lands where the
     * settings say; nothing is changed. For pgAdmin the container must exist.
     */
    public Plan plan(VolumeSet s, boolean safetyBackup) {
        Volume v = Volume.of(s.volume(), cfg);
        TarContents contents = new VolumeArchive(s.archive(), encryption).check(s.manifest());
        String top = v instanceof PgAdminData p ? p.top() : ConfigFolder.NAME;
        if (!top.equals(contents.top())) {
            throw new OpsException(ExitCode.USAGE, s.archive().getFileName() + " holds folder " + contents.top() + "/, not " + top + "/",
                    v instanceof PgAdminData ? "PGADMIN_DATA_DIR must end in /" + contents.top() + " (it was " + s.manifest().path() + ")" : null);
        }
        if (v instanceof PgAdminData p) {
            return new Plan(s, v.name(), p.container(), p.source(), safetyBackup, p.inspect().running(), contents);
        }
        Path into = cfg.home().resolve(ConfigFolder.NAME + RESTORED + BackupStore.STAMP.format(Instant.now()));
        return new Plan(s, v.name(), null, into.toString(), false, false, contents);
    }

    /**
     * Without --yes, asks on the terminal for the container's name; without a terminal it refuses. Unpacking
     * config into a new folder replaces nothing and asks nothing.
     */
    public static void confirm(Plan p, boolean yes) {
        if (yes || p.container() == null) return;
        String container = p.container();
        Console console = System.console();
        if (console == null) {
            throw new OpsException(ExitCode.USAGE, "refusing to replace the pgAdmin data in " + container + " without confirmation",
                    "not on a terminal: add --yes to confirm");
        }
        String answer = console.readLine("Type the container name (%s) to replace its pgAdmin data: ", container);
        if (answer == null || !answer.strip().equals(container)) throw new OpsException(ExitCode.USAGE, "not confirmed; nothing was changed", null);
    }

    /** Runs a plan made by {@link #plan} (and confirmed). */
    public Result execute(Plan p) {
        Instant start = Instant.now();
        Volume v = Volume.of(p.volume(), cfg);
        Result r = v instanceof PgAdminData data ? intoContainer(p, data, start) : intoNewFolder(p, Path.of(p.target()), start);
        log.info("restored " + p.archive().archive().getFileName() + " into " + p.target() + " in " + r.seconds() + " s");
        return r;
    }

    private Result intoContainer(Plan p, PgAdminData v, Instant start) {
        try (Lock lock = VolumeBackup.lock(store, v, "restore")) {
            Path safety = null;
            if (p.safetyBackup()) {
                log.info("safety archive of " + p.target() + " before restoring");
                safety = new VolumeBackup(cfg, log).runLocked(v, BackupStore.SAFETY, false).archive();
            }
            boolean running = v.inspect().running();
            if (running) v.stop();
            try (InputStream in = new VolumeArchive(p.archive().archive(), encryption).open()) {
                v.unpack(in);
            } catch (IOException | UncheckedIOException e) {
                throw new OpsException(ExitCode.RESTORE_FAILED, "cannot read " + p.archive().archive().getFileName() + ": "
                        + (e instanceof UncheckedIOException u ? u.getCause() : e).getMessage(),
                        "the data may be partly replaced" + (safety != null ? "; the safety archive " + safety.getFileName() + " holds it as it was" : ""));
            } finally {
                if (running) v.start();
            }
            List<String> left = compare(p.contents(), now(v));
            return new Result(p, Duration.between(start, Instant.now()).toMillis() / 1000.0, safety, left, List.of());
        }
    }

    /** The data folder as the container has it now. */
    private static TarContents now(PgAdminData v) {
        try {
            TarTap tap = new TarTap(OutputStream.nullOutputStream());
            try {
                v.writeTar(tap);
            } finally {
                tap.close();
            }
            return tap.contents();
        } catch (IOException e) {
            throw new OpsException(ExitCode.RESTORE_FAILED, "cannot read back the pgAdmin data after the restore: " + e.getMessage(), null);
        }
    }

    /** Every archived entry must be in the container as archived; returns the container's entries the archive lacks. */
    private static List<String> compare(TarContents archived, TarContents now) {
        List<String> wrong = new ArrayList<>();
        for (Map.Entry<String, TarContents.Item> e : archived.items().entrySet()) {
            TarContents.Item got = now.items().get(e.getKey());
            if (got == null || !got.equals(e.getValue())) wrong.add(e.getKey());
        }
        if (!wrong.isEmpty()) {
            throw new OpsException(ExitCode.RESTORE_FAILED, wrong.size() + " restored entries differ from the archive, e.g. " + wrong.get(0),
                    "restore again; the safety archive (" + lib.Launcher.command("backup.java --list") + ", type safety) holds the data as it was");
        }
        return now.items().keySet().stream().filter(n -> !archived.items().containsKey(n)).toList();
    }

    private Result intoNewFolder(Plan p, Path into, Instant start) {
        Path partial = SafeFiles.partial(into);
        boolean done = false;
        try {
            if (Files.exists(into)) throw new OpsException(ExitCode.USAGE, into + " already exists", "run again in a second");
            if (partial.getFileSystem().supportedFileAttributeViews().contains("posix")) {
                Files.createDirectory(partial, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            } else {
                Files.createDirectory(partial);
            }
            List<String> skipped;
            try (InputStream in = new VolumeArchive(p.archive().archive(), encryption).open()) {
                skipped = FolderTar.extract(in, ConfigFolder.NAME, partial);
            }
            Files.move(partial, into, StandardCopyOption.ATOMIC_MOVE);
            done = true;
            skipped.forEach(l -> log.warn("symbolic link not restored: " + l));
            return new Result(p, Duration.between(start, Instant.now()).toMillis() / 1000.0, null, List.of(), skipped);
        } catch (IOException | UncheckedIOException e) {
            throw new OpsException(ExitCode.RESTORE_FAILED, "cannot unpack " + p.archive().archive().getFileName() + " into " + into + ": "
                    + (e instanceof UncheckedIOException u ? u.getCause() : e).getMessage(), "config/ was not touched");
        } finally {
            if (!done) SafeFiles.deleteTree(partial);
        }
    }
}
