package tests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import lib.*;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tests.support.*;

import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.*;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Off-site copies end to end through {@code ./jbang backup.java} and {@code restore.java}, as a scheduler
 * and an operator run them: weekly backups to real rclone remotes, --list --remote, restore from the
 * remote (encrypted, the local backups gone), a damaged remote copy, the remote down with its alert,
 * an upload killed half-way and --upload-pending.
 */
class OffsiteScriptTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static Remotes.Remote sftp;
    private static Remotes.Remote local;
    private final Path home = Fixtures.home();
    private final ScratchServer server = Fixtures.trustCluster();
    private final Pg pg = new Pg(new PgTarget(Fixtures.config(server, home)));

    @BeforeAll
    static void remotes() {
        sftp = Remotes.sftp();
        local = Remotes.local();
    }

    @AfterAll
    static void stop() {
        sftp.close();
        local.close();
    }

    /** Environment for the scripts: the cluster, this home, the remote (one folder per test) and extra settings. */
    private Map<String, String> env(Remotes.Remote remote, String... kv) {
        Map<String, String> env = new HashMap<>(Fixtures.env(server, home));
        env.putAll(remote.settings());
        env.put("REMOTE", remote.remote() + "/" + home.getParent().getFileName());
        env.put("REMOTE_RETRY_DELAY_SECONDS", "0");
        env.put("REMOTE_RETRIES", "1");
        for (int i = 0; i + 1 < kv.length; i += 2) env.put(kv[i], kv[i + 1]);
        return env;
    }

    private Path remoteDir(Remotes.Remote remote) {
        return remote.dir().orElseThrow().resolve(home.getParent().getFileName().toString());
    }

    private static List<Path> files(Path dir) throws Exception {
        if (!Files.isDirectory(dir)) return List.of();
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).toList();
        }
    }

    private String count(String db) { return pg.psql().value(db, "SELECT count(*) FROM products"); }

    @Test
    void encryptedWeeklyBackupGoesOffSiteAndRestoresFromThereWhenTheLocalCopiesAreGone() throws Exception {
        GpgKeys.Key key = GpgKeys.sharedCurve25519();
        Fixtures.createDb(pg, "offs_enc", 1500);
        Map<String, String> env = env(sftp, "ENCRYPT_TO", key.publicArmored().toString(), "DECRYPT_KEY", key.secret().toString(),
                "DECRYPT_PASSPHRASE", key.passphrase());

        Scripts.Run backup = Scripts.run(env, "backup.java", "--type", "weekly", "--db", "offs_enc");
        assertThat(backup.exit()).as(backup.all()).isZero();
        assertThat(backup.out()).contains("off-site copy verified: weekly/offs_enc_").contains(".dump.zst.gpg")
                .contains("size and sha1 matched").contains("encrypted for " + key.fingerprint());

        Scripts.Run list = Scripts.run(env, "backup.java", "--list", "--remote", "--json");
        assertThat(list.exit()).as(list.all()).isZero();
        JsonNode sets = JSON.readTree(list.out()).get("backups");
        assertThat(sets).hasSize(1);
        assertThat(sets.get(0).get("complete").asBoolean()).isTrue();
        assertThat(sets.get(0).get("verified").asBoolean()).isTrue();
        assertThat(sets.get(0).get("encrypted").asBoolean()).isTrue();
        Scripts.Run table = Scripts.run(env, "backup.java", "--list", "--remote");
        assertThat(table.out()).contains("offs_enc").contains("weekly").contains("passed (full), encrypted");

        pg.psql().exec("offs_enc", "DELETE FROM products WHERE id > 100");
        SafeFiles.deleteTree(home.resolve("backups"));
        Scripts.Run restore = Scripts.run(env, "restore.java", "--from-remote", "--latest", "--db", "offs_enc", "--yes");
        assertThat(restore.exit()).as(restore.all()).isZero();
        assertThat(restore.out()).contains("restored offs_enc_").contains(" into offs_enc in ");
        assertThat(count("offs_enc")).isEqualTo("1500");
        assertThat(home.resolve("backups/.downloads")).isEmptyDirectory();
        String logs = Files.readString(home.resolve("logs/restore.log"), StandardCharsets.UTF_8)
                + Files.readString(home.resolve("logs/backup.log"), StandardCharsets.UTF_8);
        assertThat(logs).contains("downloaded weekly/offs_enc_").doesNotContain(key.passphrase());
        assertThat(restore.all() + backup.all()).doesNotContain(key.passphrase());
        dropQuietly("offs_enc");
    }

    @Test
    void aRemoteCopyDamagedAfterUploadIsRefusedAndTheDatabaseIsUntouched() throws Exception {
        Fixtures.createDb(pg, "offs_bad", 400);
        Map<String, String> env = env(local);
        assertThat(Scripts.run(env, "backup.java", "--type", "weekly", "--db", "offs_bad").exit()).isZero();
        Path dump = files(remoteDir(local)).stream().filter(p -> p.toString().endsWith(".dump.zst")).findFirst().orElseThrow();
        try (RandomAccessFile f = new RandomAccessFile(dump.toFile(), "rw")) {
            f.seek(Files.size(dump) / 2);
            f.write(new byte[] {9, 9, 9});
        }
        pg.psql().exec("offs_bad", "DELETE FROM products WHERE id > 10");
        Scripts.Run restore = Scripts.run(env, "restore.java", "--from-remote", "--latest", "--db", "offs_bad", "--yes");
        assertThat(restore.exit()).as(restore.all()).isEqualTo(ExitCode.VERIFY_FAILED);
        assertThat(restore.err()).contains("checksum mismatch for downloaded offs_bad_").contains("the remote copy is damaged");
        assertThat(count("offs_bad")).isEqualTo("10");
        assertThat(files(home.resolve("backups/.downloads"))).isEmpty();
        dropQuietly("offs_bad");
    }

    @Test
    void remoteDownExitsNineKeepsTheLocalBackupAlertsOnceAndUploadPendingCatchesUp() throws Exception {
        try (SmtpServer mail = SmtpServer.start(SmtpServer.Tls.NONE)) {
            Files.createDirectories(home.resolve("config"));
            Files.writeString(home.resolve("config/monitoring.env"), "SMTP_HOST=127.0.0.1\nSMTP_PORT=" + mail.port()
                    + "\nSMTP_SECURITY=none\nALERT_EMAIL=oncall@example.com\n");
            Fixtures.createDb(pg, "offs_down", 200);
            Remotes.Remote down = Remotes.down();
            Map<String, String> broken = env(down, "RCLONE_FLAGS", "--contimeout 2s --low-level-retries 1");

            Scripts.Run first = Scripts.run(broken, "backup.java", "--type", "weekly", "--db", "offs_down");
            Scripts.Run second = Scripts.run(broken, "backup.java", "--type", "weekly", "--db", "offs_down", "--json");
            assertThat(first.exit()).as(first.all()).isEqualTo(ExitCode.REMOTE_FAILED);
            assertThat(first.out()).contains("backup of offs_down OK").contains("off-site copy FAILED: ").contains("connection refused")
                    .contains("backup.java --upload-pending");
            assertThat(second.exit()).isEqualTo(ExitCode.REMOTE_FAILED);
            assertThat(JSON.readTree(second.out()).at("/backups/0/offsite/status").asText()).isEqualTo("failed");
            assertThat(new BackupStore(home.resolve("backups")).list("offs_down")).hasSize(2).allMatch(BackupStore.Entry::verified);
            List<SmtpServer.Received> got = mail.awaitMessages(1, Duration.ofSeconds(10));
            assertThat(got.get(0).subject()).contains("off-site copy of offs_down failed");
            assertThat(got.get(0).body()).contains("docs/alerts.md#off-site");
            Thread.sleep(1000);
            assertThat(mail.messages()).as("rate-limited: the second failure sends nothing").hasSize(1);

            Scripts.Run pending = Scripts.run(env(local), "backup.java", "--upload-pending");
            assertThat(pending.exit()).as(pending.all()).isZero();
            assertThat(pending.out()).contains("offs_down: 2 set(s) sent");
            assertThat(mail.awaitMessages(2, Duration.ofSeconds(10)).get(1).subject()).contains("RECOVERED");
            Scripts.Run again = Scripts.run(env(local), "backup.java", "--upload-pending");
            assertThat(again.out()).contains("nothing pending");
            down.close();
        }
        dropQuietly("offs_down");
    }

    @Test
    void anUploadKilledHalfWayLeavesAnIncompleteSetThatUploadPendingCompletes() throws Exception {
        Fixtures.createDb(pg, "offs_kill", 10);
        pg.psql().exec("offs_kill", "INSERT INTO products SELECT g, md5(random()::text) || md5(random()::text) FROM generate_series(11, 60000) g");
        Map<String, String> slow = env(sftp, "RCLONE_FLAGS", "--bwlimit 200k");
        Path out = home.resolve("out.txt");
        Process p = Scripts.start(slow, out, home.resolve("err.txt"), "backup.java", "--type", "weekly", "--db", "offs_kill");
        Path weekly = remoteDir(sftp).resolve("weekly");
        long deadline = System.currentTimeMillis() + 120_000;
        while (files(weekly).stream().noneMatch(f -> f.toString().endsWith(".dump.zst")) && System.currentTimeMillis() < deadline) {
            assertThat(p.isAlive()).as("the backup ended before its upload could be killed").isTrue();
            Thread.sleep(100);
        }
        Thread.sleep(500);
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly().waitFor();

        Scripts.Run list = Scripts.run(env(sftp), "backup.java", "--list", "--remote");
        assertThat(list.out()).contains("offs_kill").contains("incomplete (no manifest)");
        assertThat(files(weekly)).noneMatch(f -> f.toString().endsWith(".manifest.json"));
        List<BackupStore.Entry> localSets = new BackupStore(home.resolve("backups")).list("offs_kill");
        assertThat(localSets).hasSize(1).allMatch(BackupStore.Entry::verified);
        assertThat(localSets.get(0).manifest().offsite()).isNull();

        Scripts.Run pending = Scripts.run(env(sftp), "backup.java", "--upload-pending", "--db", "offs_kill");
        assertThat(pending.exit()).as(pending.all()).isZero();
        Scripts.Run after = Scripts.run(env(sftp), "backup.java", "--list", "--remote", "--json");
        JsonNode sets = JSON.readTree(after.out()).get("backups");
        assertThat(sets).hasSize(1);
        assertThat(sets.get(0).get("complete").asBoolean()).isTrue();
        Manifest m = Manifest.read(files(weekly).stream().filter(f -> f.toString().endsWith(".manifest.json")).findFirst().orElseThrow());
        assertThat(ArchiveWriter.sha256(weekly.resolve(m.dumpFile()))).isEqualTo(m.sha256());
        dropQuietly("offs_kill");
    }

    @Test
    void usageErrors() {
        Scripts.Run remoteAlone = Scripts.run(env(local), "backup.java", "--remote");
        assertThat(remoteAlone.exit()).isEqualTo(ExitCode.USAGE);
        assertThat(remoteAlone.err()).contains("--remote only goes with --list");
        Map<String, String> noRemote = new HashMap<>(Fixtures.env(server, home));
        Scripts.Run fromRemote = Scripts.run(noRemote, "restore.java", "--from-remote", "--latest");
        assertThat(fromRemote.exit()).isEqualTo(ExitCode.USAGE);
        assertThat(fromRemote.err()).contains("REMOTE is not set");
        Scripts.Run noKey = Scripts.run(env(local, "ENCRYPT", "all"), "backup.java", "--type", "weekly");
        assertThat(noKey.exit()).isEqualTo(ExitCode.USAGE);
        assertThat(noKey.err()).contains("ENCRYPT_TO names no public key");
        assertThat(home.resolve("backups/weekly")).doesNotExist();
    }

    private void dropQuietly(String db) {
        try {
            pg.dropDatabase(db);
            for (String n : pg.psql().value("postgres", "SELECT string_agg(datname, ',') FROM pg_database WHERE datname LIKE '" + db + "_before_restore_%'")
                    .split(",")) {
                if (!n.isBlank()) pg.dropDatabase(n);
            }
        } catch (RuntimeException ignored) {
            // best effort
        }
    }

    @Test
    void aHostileRemoteManifestIsRefusedAndNothingIsWrittenOutsideTheBackupFolder() throws Exception {
        Fixtures.createDb(pg, "offs_hostile", 20);
        Map<String, String> env = env(local);
        Scripts.Run backup = Scripts.run(env, "backup.java", "--type", "weekly", "--db", "offs_hostile");
        assertThat(backup.exit()).as(backup.all()).isZero();
        Path weekly = remoteDir(local).resolve("weekly");
        Path manifest = files(weekly).stream().filter(f -> f.toString().endsWith(".manifest.json")).findFirst().orElseThrow();
        String base = BackupStore.baseOf(manifest.getFileName().toString());
        Path outside = home.resolve("planted.dump.zst");
        Path served = weekly.resolve(outside.toString().substring(1)); // what the remote hands out under that name
        Files.createDirectories(served.getParent());
        Files.writeString(served, "planted");
        BackupStoreTest.edit(manifest, "offsite.dumpFile", outside.toString(), "offsite.dumpSha256", ArchiveWriter.sha256(served),
                "dumpFile", outside.toString());
        List<Path> before = outsideBackups();

        Scripts.Run named = Scripts.run(env, "restore.java", "--from-remote", base + ".dump.zst", "--dry-run");
        assertThat(named.exit()).as(named.all()).isEqualTo(ExitCode.VERIFY_FAILED);
        assertThat(named.err()).contains("the backup " + base + " on " + env.get("REMOTE") + " is foreign (its manifest names " + outside);
        Scripts.Run latest = Scripts.run(env, "restore.java", "--from-remote", "--latest", "--db", "offs_hostile", "--dry-run");
        assertThat(latest.exit()).as(latest.all()).isEqualTo(ExitCode.USAGE);
        assertThat(latest.err()).contains("no verified backup of offs_hostile");
        Scripts.Run list = Scripts.run(env, "restore.java", "--list", "--from-remote", "--db", "offs_hostile");
        assertThat(list.out()).as(list.all()).contains("foreign (its manifest names " + outside);
        assertThat(outside).doesNotExist();
        assertThat(outsideBackups()).isEqualTo(before);
    }

    /** Every file under this test's home but outside BACKUP_DIR and LOG_DIR. */
    private List<Path> outsideBackups() throws Exception {
        return files(home).stream().filter(f -> !f.startsWith(home.resolve("backups")) && !f.startsWith(home.resolve("logs"))).toList();
    }
}
