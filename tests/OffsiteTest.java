package tests;

import lib.*;
import lib.offsite.Offsite;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tests.support.Fixtures;
import tests.support.GpgKeys;
import tests.support.Remotes;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Off-site copies against real rclone remotes (a local folder, rclone serve sftp, s3proxy): upload, the
 * check after upload, the manifest as commit marker, encryption on the way out, failures that keep the
 * local backup, pending sets sent later, and remote retention.
 */
class OffsiteTest {
    private static final Map<String, Remotes.Remote> REMOTES = new HashMap<>();
    private final Path home = Fixtures.home();
    private final Pg pg = new Pg(new PgTarget(Fixtures.config(Fixtures.trustCluster(), home)));

    @BeforeAll
    static void remotes() {
        REMOTES.put("local", Remotes.local());
        REMOTES.put("sftp", Remotes.sftp());
        REMOTES.put("s3", Remotes.s3());
    }

    @AfterAll
    static void stop() {
        REMOTES.values().forEach(Remotes.Remote::close);
        REMOTES.clear();
    }

    private Config cfg(Remotes.Remote remote, String... kv) {
        Map<String, String> o = new HashMap<>(remote.settings());
        o.put("REMOTE", remote.remote() + "/" + home.getParent().getFileName());  // one folder per test
        o.put("REMOTE_RETRY_DELAY_SECONDS", "0");
        o.put("REMOTE_RETRIES", "1");
        for (int i = 0; i + 1 < kv.length; i += 2) o.put(kv[i], kv[i + 1]);
        return Fixtures.config(Fixtures.trustCluster(), home).with(o);
    }

    private static Backup.Result weekly(Config c, String db) {
        return new Backup(c, Fixtures.log(c)).run(db, new Backup.Options("weekly", "quick", false, false));
    }

    /** The folder behind REMOTE for {@code c} (local and sftp remotes). */
    private Path remoteDir(Remotes.Remote remote, Config c) {
        return remote.dir().orElseThrow().resolve(c.get("REMOTE").substring(c.get("REMOTE").lastIndexOf('/') + 1));
    }

    private static List<String> files(Path dir) throws Exception {
        if (!Files.isDirectory(dir)) return List.of();
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"local", "sftp", "s3"})
    void weeklyBackupLandsOnTheRemoteCheckedWithTheBestHashAndIsRecorded(String name) throws Exception {
        Remotes.Remote remote = REMOTES.get(name);
        Fixtures.createDb(pg, "off_" + name, 2000);
        Config c = cfg(remote);
        Backup.Result r = weekly(c, "off_" + name);
        assertThat(r.offsite()).isNotNull();
        assertThat(r.offsite().failure()).isNull();
        assertThat(r.offsite().sent()).hasSize(1);
        String expected = Map.of("local", "size and sha256 matched", "sftp", "size and sha1 matched", "s3", "size and md5 matched").get(name);
        Manifest local = Manifest.read(r.dump().resolveSibling(BackupStore.baseOf(r.dump().getFileName().toString()) + ".manifest.json"));
        assertThat(local.offsite()).isNotNull();
        assertThat(local.offsite().check()).isEqualTo(expected);
        assertThat(local.offsite().remote()).isEqualTo(c.get("REMOTE"));
        assertThat(local.offsite().dumpSha256()).isEqualTo(local.sha256());
        assertThat(local.offsite().encryptedFor()).isNull();
        var sets = Offsite.store(c, Fixtures.log(c)).list("off_" + name);
        assertThat(sets).hasSize(1);
        assertThat(sets.get(0).complete()).isTrue();
        assertThat(sets.get(0).verified()).isTrue();
        assertThat(sets.get(0).files()).hasSize(3);
        assertThat(sets.get(0).manifest().offsite()).isEqualTo(local.offsite());
        if (remote.dir().isPresent() && !name.equals("s3")) {
            Path weekly = remoteDir(remote, c).resolve("weekly");
            assertThat(ArchiveWriter.sha256(weekly.resolve(local.dumpFile()))).isEqualTo(local.sha256());
        }
    }

    @Test
    void encryptedOnTheWayOutWhileTheLocalCopyStaysPlainAndGpgOpensIt() throws Exception {
        Remotes.Remote remote = REMOTES.get("sftp");
        GpgKeys.Key key = GpgKeys.sharedCurve25519();
        Fixtures.createDb(pg, "off_enc", 500);
        Config c = cfg(remote, "ENCRYPT_TO", key.publicArmored().toString());
        Backup.Result r = weekly(c, "off_enc");
        assertThat(r.offsite().failure()).isNull();
        assertThat(r.dump().getFileName().toString()).endsWith(".dump.zst");
        Path weekly = remoteDir(remote, c).resolve("weekly");
        String base = BackupStore.baseOf(r.dump().getFileName().toString());
        assertThat(files(weekly)).containsExactly(base + ".dump.zst.gpg", base + ".globals.sql.zst.gpg", base + ".manifest.json");
        Manifest m = Manifest.read(weekly.resolve(base + ".manifest.json"));
        assertThat(m.offsite().encryptedFor()).containsExactly(key.fingerprint());
        assertThat(m.offsite().dumpSha256()).isEqualTo(ArchiveWriter.sha256(weekly.resolve(base + ".dump.zst.gpg")));
        assertThat(Files.readString(weekly.resolve(base + ".manifest.json"))).doesNotContain(key.passphrase());
        Path out = home.resolve("decrypted.dump.zst");
        key.gpgDecrypt(weekly.resolve(base + ".dump.zst.gpg"), out);
        assertThat(ArchiveWriter.sha256(out)).isEqualTo(m.sha256());
        assertThat(files(home.resolve("backups/.outbox/weekly"))).isEmpty();
    }

    @Test
    void remoteDownKeepsTheLocalBackupPendingAndUploadPendingSendsItLater() throws Exception {
        Fixtures.createDb(pg, "off_down", 300);
        Config down = cfg(Remotes.down(), "RCLONE_FLAGS", "--contimeout 2s --low-level-retries 1", "KEEP_WEEKLY", "1");
        Backup.Result first = weekly(down, "off_down");
        assertThat(first.offsite().failure()).isNotNull();
        assertThat(first.offsite().failure().exitCode()).isEqualTo(ExitCode.REMOTE_FAILED);
        assertThat(first.offsite().failure().getMessage()).contains("connection refused");
        assertThat(first.dump()).exists();
        Backup.Result second = weekly(down, "off_down");
        assertThat(second.offsite().failed()).isTrue();
        // KEEP_WEEKLY=1, but neither set reached the remote: local retention holds both
        assertThat(new BackupStore(home.resolve("backups")).list("off_down")).hasSize(2);

        Remotes.Remote remote = REMOTES.get("local");
        Config up = cfg(remote, "KEEP_WEEKLY", "1");
        Offsite off = new Backup(up, Fixtures.log(up)).offsite();
        assertThat(off.pendingOf("off_down")).hasSize(2);
        Offsite.Outcome o = off.afterBackup("off_down");
        assertThat(o.failure()).isNull();
        assertThat(o.sent()).hasSize(2);
        assertThat(off.pendingOf("off_down")).isEmpty();
        assertThat(Offsite.store(up, Fixtures.log(up)).list("off_down")).hasSize(2).allMatch(s -> s.verified());
        // now both are off-site, the next backup's local retention may prune
        weekly(up, "off_down");
        assertThat(new BackupStore(home.resolve("backups")).list("off_down")).hasSize(1);
    }

    @Test
    void aCopyThatArrivesDamagedIsCaughtByTheCheckAndNeverCommitted() throws Exception {
        Remotes.Remote remote = REMOTES.get("local");
        Fixtures.createDb(pg, "off_bad", 300);
        Config plain = cfg(remote);
        Path dir = remoteDir(remote, plain);
        // rclone that damages every dump it uploads, after the upload
        Path corrupting = Fixtures.shellScript(home.resolve("rclone-corrupting"), remote.program() + " \"$@\"\nrc=$?\n"
                + "if [ \"$1\" = copyto ] && [ $rc -eq 0 ]; then for f in " + dir + "/weekly/*.dump.zst; do "
                + "printf XXXX | dd of=\"$f\" bs=1 seek=100 conv=notrunc 2>/dev/null; done; fi\nexit $rc\n");
        Config c = plain.with(Map.of("RCLONE", corrupting.toString()));
        Backup.Result r = weekly(c, "off_bad");
        assertThat(r.offsite().failure()).isNotNull();
        assertThat(r.offsite().failure().exitCode()).isEqualTo(ExitCode.REMOTE_FAILED);
        assertThat(r.offsite().failure().getMessage()).contains("is not what was sent").contains("sha256");
        assertThat(files(dir.resolve("weekly"))).noneMatch(f -> f.endsWith(".manifest.json") || f.contains(".dump"));
        Manifest local = Manifest.read(r.dump().resolveSibling(BackupStore.baseOf(r.dump().getFileName().toString()) + ".manifest.json"));
        assertThat(local.offsite()).isNull();
        assertThat(local.sha256()).isEqualTo(ArchiveWriter.sha256(r.dump()));
    }

    @Test
    void aDamagedLocalFileIsNeverSent() throws Exception {
        Remotes.Remote remote = REMOTES.get("local");
        Fixtures.createDb(pg, "off_rot", 300);
        Config down = cfg(Remotes.down(), "RCLONE_FLAGS", "--contimeout 1s --low-level-retries 1", "REMOTE_RETRIES", "0");
        Backup.Result r = weekly(down, "off_rot");
        try (RandomAccessFile f = new RandomAccessFile(r.dump().toFile(), "rw")) {
            f.seek(50);
            f.write(new byte[] {1, 2, 3, 4});
        }
        Config up = cfg(remote);
        Offsite.Outcome o = new Backup(up, Fixtures.log(up)).offsite().afterBackup("off_rot");
        assertThat(o.failure().exitCode()).isEqualTo(ExitCode.VERIFY_FAILED);
        assertThat(o.failure().getMessage()).contains("no longer matches its manifest").contains("not sent off-site");
        assertThat(files(remoteDir(remote, up).resolve("weekly"))).isEmpty();
    }

    @Test
    void remoteRetentionKeepsTheNewestPerTierAndOnlyOurFiles() throws Exception {
        Remotes.Remote remote = REMOTES.get("sftp");
        Fixtures.createDb(pg, "off_keep", 100);
        Config c = cfg(remote, "REMOTE_KEEP_WEEKLY", "2");
        Path weekly = remoteDir(remote, c).resolve("weekly");
        Files.createDirectories(weekly);
        Files.writeString(weekly.resolve("notes.txt"), "not ours");
        Files.writeString(weekly.resolve("other_20200101T000000Z_weekly.dump.zst.txt"), "not ours either");
        Backup.Result oldest = weekly(c, "off_keep");
        weekly(c, "off_keep");
        Backup.Result newest = weekly(c, "off_keep");
        assertThat(newest.offsite().deleted()).hasSize(3).allMatch(p -> p.contains(BackupStore.baseOf(oldest.dump().getFileName().toString())));
        var sets = Offsite.store(c, Fixtures.log(c)).list("off_keep");
        assertThat(sets).hasSize(2);
        assertThat(weekly.resolve("notes.txt")).exists();
        assertThat(weekly.resolve("other_20200101T000000Z_weekly.dump.zst.txt")).exists();
    }

    @Test
    void dryRunShowsTheUploadAndTheRemoteRetentionPlanAndChangesNothing() throws Exception {
        Remotes.Remote remote = REMOTES.get("local");
        Fixtures.createDb(pg, "off_dry", 100);
        Config c = cfg(remote, "REMOTE_KEEP_WEEKLY", "1");
        weekly(c, "off_dry");
        Backup.Result dry = new Backup(c, Fixtures.log(c)).run("off_dry", new Backup.Options("weekly", "quick", false, true));
        assertThat(dry.offsite().plan()).anyMatch(l -> l.startsWith("would upload " + c.get("REMOTE") + "/weekly/off_dry_"))
                .anyMatch(l -> l.startsWith("remote retention would delete "));
        assertThat(Offsite.store(c, Fixtures.log(c)).list("off_dry")).hasSize(1);
    }
}
