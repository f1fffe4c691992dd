package lib.volume;

import lib.ArchiveWriter;
import lib.BackupStore;
import lib.Codec;
import lib.Config;
import lib.Disk;
import lib.ExitCode;
import lib.Lock;
import lib.Log;
import lib.OpsException;
import lib.Progress;
import lib.Retention;
import lib.SafeFiles;
import lib.crypt.Encryption;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * One volume's archive, start to finish: the source is checked first (so a missing container or a
 * stopped Docker leaves nothing behind), its tar streams through zstd, OpenPGP when ENCRYPT_TO is set
 * (whatever ENCRYPT says: both volumes hold secrets) and sha256 into a temp file that is fsynced,
 * read back in full, renamed, and committed by its manifest, written last. Retention of the tier
 * follows, per volume, only after a verified archive. Plain archives are owner-only files.
 */
public final class VolumeBackup {
    /** What happened; {@code manifest} is null on a dry run. {@code warning} says why a plain archive is a risk. */
    public record Result(String volume, String type, Path archive, String source, boolean encrypted, VolumeManifest manifest,
                         List<Path> pruned, List<Path> wouldPrune, String warning) {}

    private final Config cfg;
    private final Log log;
    private final BackupStore store;
    private final Encryption encryption;

    public VolumeBackup(Config cfg, Log log) {
        this.cfg = cfg;
        this.log = log;
        this.store = new BackupStore(cfg.path("BACKUP_DIR"));
        this.encryption = Encryption.from(cfg);
    }

    /** The lock a volume's archives and restores hold: one at a time per volume, apart from any database's. */
    public static Lock lock(BackupStore store, Volume v, String what) {
        return Lock.acquire(store.root(), "volume " + v.name(), what);
    }

    /** Takes the volume's lock, then archives it (a dry run only checks and plans). */
    public Result run(String name, String type, boolean dryRun) {
        Volume v = Volume.of(name, cfg);
        v.check();
        if (dryRun) return runLocked(v, type, true);
        try (Lock lock = lock(store, v, "backup")) {
            return runLocked(v, type, false);
        }
    }

    /** Archives {@code v} into tier {@code type}; the caller has checked it and holds its lock (or this is a dry run). */
    public Result runLocked(Volume v, String type, boolean dryRun) {
        Path dir = store.tierDir(type);
        Codec codec = Codec.parse(cfg.get("COMPRESSION"));
        boolean encrypted = encryption.offsite();
        String suffix = ".tar" + codec.extension() + (encrypted ? Encryption.SUFFIX : "");
        String warning = encrypted ? null : v.plainWarning();
        if (dryRun) {
            Path file = dir.resolve(BackupStore.volumeBase(v.archiveName(), type, Instant.now()) + suffix);
            return new Result(v.name(), type, file, v.source(), encrypted, null, List.of(), files(prunable(v, type, null)), warning);
        }
        store.cleanVolumePartials(v.archiveName()).forEach(p -> log.warn("removed temp file of an interrupted run: " + p));
        if (warning != null) log.warn("volume " + v.name() + ": " + warning);
        VolumeManifest m = take(v, type, dir, codec, suffix, encrypted);
        Path archive = dir.resolve(m.archiveFile());
        if (!m.verified()) {
            throw new OpsException(ExitCode.VERIFY_FAILED, "archive of volume " + v.name() + " failed verification: "
                    + m.verify().detail() + "; retention skipped", "the files are kept for inspection; check " + log.file());
        }
        // The archive just written is never pruned by its own run, whatever the stamps around it say.
        List<Path> pruned = Retention.delete(prunable(v, type, archive), log);
        return new Result(v.name(), type, archive, v.source(), encrypted, m, pruned, List.of(), warning);
    }

    private List<VolumeSet> prunable(Volume v, String type, Path written) {
        return Retention.select(VolumeSet.list(store, v.archiveName()), type, cfg, s -> s.archive().equals(written));
    }

    private static List<Path> files(List<VolumeSet> sets) {
        return sets.stream().flatMap(s -> s.files().stream()).toList();
    }

    /** Streams, verifies and commits one archive; returns its manifest (verify failed or passed). */
    private VolumeManifest take(Volume v, String type, Path dir, Codec codec, String suffix, boolean encrypted) {
        Disk.require(dir, VolumeSet.list(store, v.archiveName()).stream().filter(s -> s.manifest() != null).findFirst()
                .map(s -> s.manifest().storedBytes() * 5 / 4).orElse(0L), "the archive of volume " + v.name());
        Instant start = BackupStore.freeStamp(Instant.now(), t -> {
            String b = BackupStore.volumeBase(v.archiveName(), type, t);
            return Files.exists(dir.resolve(b + BackupStore.VOLUME_MANIFEST)) || Files.exists(dir.resolve(b + suffix));
        });
        String base = BackupStore.volumeBase(v.archiveName(), type, start);
        Path tmp = SafeFiles.partial(dir.resolve(base + suffix));
        boolean committed = false;
        try {
            SafeFiles.createDirectories(dir);
            log.info("archive of volume " + v.name() + " (" + type + ") from " + v.path() + " started");
            ArchiveWriter w = new ArchiveWriter(tmp, codec, encrypted ? encryption.recipients() : null);
            TarTap tap = new TarTap(w);
            try (Progress p = new Progress("archiving " + v.name(), w::rawBytes)) {
                v.writeTar(tap);
            } catch (RuntimeException e) {
                closeQuietly(tap);
                closeQuietly(w);
                throw e instanceof UncheckedIOException u ? Disk.explain(u.getCause(), tmp) : e;
            }
            tap.close();
            w.close();
            TarContents written = written(tap, v);
            Instant end = Instant.now();
            VolumeManifest m = new VolumeManifest(VolumeManifest.FORMAT, v.name(), type, base + suffix, codec.toString(),
                    v.container(), v.path(), start, end, Duration.between(start, end).toMillis() / 1000.0, written.entries(),
                    written.contentBytes(), w.rawBytes(), w.storedBytes(), w.sha256(), encrypted ? encryption.fingerprints() : null, null);
            m = m.withVerify(new VolumeArchive(tmp, encryption).verify(m, log));
            SafeFiles.commit(tmp, dir.resolve(base + suffix));
            SafeFiles.write(dir.resolve(base + BackupStore.VOLUME_MANIFEST), m.toJson());
            committed = true;
            log.info("archive of volume " + v.name() + " written: " + dir.resolve(base + suffix) + " (" + Disk.human(m.storedBytes())
                    + " from " + Disk.human(m.rawBytes()) + ", " + m.entries() + " entries), verify " + m.verify().status());
            return m;
        } catch (IOException e) {
            throw Disk.explain(e, tmp);
        } finally {
            if (!committed) SafeFiles.deleteQuietly(tmp);
        }
    }

    /** What the tap read of the stream on its way to the file. */
    private static TarContents written(TarTap tap, Volume v) {
        try {
            return tap.contents();
        } catch (IOException e) {
            throw new OpsException(ExitCode.BACKUP_FAILED, "the data of volume " + v.name() + " did not arrive as a tar: " + e.getMessage(),
                    "nothing was kept; run again, and check " + v.path());
        }
    }

    private static void closeQuietly(java.io.Closeable c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // the original failure is what gets reported
        }
    }
}
