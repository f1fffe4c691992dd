package tests;

import lib.*;
import org.junit.jupiter.api.Test;
import tests.support.Fixtures;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BackupTest {
    private final Path home = Fixtures.home();
    private final Config cfg = Fixtures.config(Fixtures.trustCluster(), home);
    private final Pg pg = new Pg(new PgTarget(cfg));

    private Backup.Result backup(Config c, String db, String type, String verify) {
        return new Backup(c, Fixtures.log(c)).run(db, new Backup.Options(type, verify, false, false));
    }

    @Test
    void fullBackupWritesDumpGlobalsAndACompleteManifest() throws Exception {
        Fixtures.createDb(pg, "bk_full", 5000);
        Instant before = Instant.now();
        Backup.Result r = backup(cfg, "bk_full", "daily", "full");
        Manifest m = r.manifest();
        Path dir = home.resolve("backups/daily");
        assertThat(r.dump()).isEqualTo(dir.resolve(m.dumpFile()));
        assertThat(m.dumpFile()).matches("bk_full_\\d{8}T\\d{6}Z_daily\\.dump\\.zst");
        assertThat(dir.resolve(m.globalsFile())).exists();
        assertThat(dir.resolve(m.dumpFile().replace(".dump.zst", ".manifest.json"))).exists();
        assertThat(m.formatVersion()).isEqualTo(1);
        assertThat(m.database()).isEqualTo("bk_full");
        assertThat(m.serverVersion()).startsWith("15.");
        assertThat(m.pgDumpVersion()).contains("pg_dump (PostgreSQL) 15");
        assertThat(m.startedAt()).isAfterOrEqualTo(before.minusSeconds(1));
        assertThat(m.finishedAt()).isAfterOrEqualTo(m.startedAt());
        assertThat(m.storedBytes()).isEqualTo(Files.size(r.dump())).isLessThan(m.rawBytes());
        assertThat(m.sha256()).isEqualTo(ArchiveWriter.sha256(r.dump()));
        assertThat(m.tables()).contains(new Manifest.TableCount("public", "products", 5000));
        assertThat(m.verify().status()).isEqualTo("passed");
        assertThat(m.verify().detail()).contains("test restore matched 2 tables, 5002 rows");
        assertThat(pg.psql().value("postgres", "SELECT count(*) FROM pg_database WHERE datname LIKE 'bk_full_verify_%'")).isEqualTo("0");
        try (var files = Files.list(dir)) {
            assertThat(files.filter(f -> f.toString().endsWith(".partial"))).isEmpty();
        }
    }

    @Test
    void globalsHaveRolesButNoPasswordHashesUnlessAsked() throws Exception {
        Fixtures.createDb(pg, "bk_globals", 10);
        pg.psql().exec("postgres", "DROP ROLE IF EXISTS bk_role; CREATE ROLE bk_role LOGIN PASSWORD 'rolesecret'");
        Backup.Result r = backup(cfg, "bk_globals", "manual", "quick");
        Path globals = r.dump().resolveSibling(r.manifest().globalsFile());
        String sql = new String(Codec.forFile(globals.toString()).decompress(Files.newInputStream(globals)).readAllBytes());
        assertThat(sql).contains("CREATE ROLE bk_role").doesNotContain("SCRAM-SHA-256$");
        Backup.Result withPw = new Backup(cfg, Fixtures.log(cfg)).run("bk_globals", new Backup.Options("manual", "quick", true, false));
        Path g2 = withPw.dump().resolveSibling(withPw.manifest().globalsFile());
        assertThat(new String(Codec.forFile(g2.toString()).decompress(Files.newInputStream(g2)).readAllBytes())).contains("SCRAM-SHA-256$");
        assertThat(withPw.manifest().rolePasswords()).isTrue();
    }

    @Test
    void gzipAndQuickAndNoneLevels() {
        Fixtures.createDb(pg, "bk_levels", 100);
        Config gz = cfg.with(java.util.Map.of("COMPRESSION", "gzip:6"));
        Manifest quick = backup(gz, "bk_levels", "manual", "quick").manifest();
        assertThat(quick.dumpFile()).endsWith(".dump.gz");
        assertThat(quick.verify()).extracting(Manifest.VerifyResult::level, Manifest.VerifyResult::status).containsExactly("quick", "passed");
        Manifest none = backup(cfg, "bk_levels", "manual", "none").manifest();
        assertThat(none.verify().status()).isEqualTo("skipped");
        assertThat(none.verified()).isFalse();
    }

    @Test
    void retentionPrunesTheTierAfterASuccessfulBackup() {
        Fixtures.createDb(pg, "bk_ret", 10);
        Config keep2 = cfg.with(java.util.Map.of("KEEP_DAILY", "2"));
        for (int i = 0; i < 3; i++) backup(keep2, "bk_ret", "daily", "quick");
        assertThat(new BackupStore(home.resolve("backups")).list("bk_ret")).hasSize(2);
        Backup.Result dry = new Backup(keep2.with(java.util.Map.of("KEEP_DAILY", "1")), Fixtures.log(cfg))
                .run("bk_ret", new Backup.Options("daily", "quick", false, true));
        assertThat(dry.wouldPrune()).hasSize(3);
        assertThat(new BackupStore(home.resolve("backups")).list("bk_ret")).hasSize(2);
    }

    @Test
    void failedVerificationKeepsTheFilesMarkedFailedAndSkipsRetention() {
        Fixtures.createDb(pg, "bk_noverify", 10);
        pg.psql().exec("postgres", "DROP ROLE IF EXISTS bk_nocreatedb; CREATE ROLE bk_nocreatedb LOGIN NOCREATEDB;"
                + "ALTER DATABASE bk_noverify OWNER TO bk_nocreatedb");
        pg.psql().exec("bk_noverify", "ALTER TABLE products OWNER TO bk_nocreatedb; ALTER TABLE \"odd \"\"name\"\" ü\" OWNER TO bk_nocreatedb");
        Config limited = cfg.with(java.util.Map.of("PGUSER", "bk_nocreatedb", "KEEP_DAILY", "1"));
        Backup.Result first = backup(limited, "bk_noverify", "daily", "quick");
        assertThat(first.manifest().verified()).isTrue();
        assertThatThrownBy(() -> backup(limited, "bk_noverify", "daily", "full"))
                .isInstanceOf(OpsException.class).hasMessageContaining("failed verification").hasMessageContaining("retention skipped")
                .satisfies(e -> assertThat(((OpsException) e).exitCode()).isEqualTo(ExitCode.VERIFY_FAILED));
        List<BackupStore.Entry> all = new BackupStore(home.resolve("backups")).list("bk_noverify");
        assertThat(all).hasSize(2);
        assertThat(all.get(0).manifest().verify().status()).isEqualTo("failed");
        assertThat(all.get(0).manifest().verify().detail()).contains("permission denied to create database");
        assertThat(all.get(1).verified()).isTrue();
    }

    @Test
    void aScratchDatabaseLeftByAKilledVerificationIsDroppedByTheNextRun() {
        Fixtures.createDb(pg, "bk_left", 10);
        pg.psql().exec("postgres", "CREATE DATABASE bk_left_verify_20261120t020000z");
        backup(cfg, "bk_left", "manual", "quick");
        assertThat(pg.exists("bk_left_verify_20261120t020000z")).isFalse();
    }

    @Test
    void dryRunWritesNothing() {
        Fixtures.createDb(pg, "bk_dry", 10);
        Backup.Result r = new Backup(cfg, Fixtures.log(cfg)).run("bk_dry", new Backup.Options("weekly", "full", false, true));
        assertThat(r.manifest()).isNull();
        assertThat(r.dump().getFileName().toString()).startsWith("bk_dry_").endsWith("_weekly.dump.zst");
        assertThat(r.estimateBytes()).isPositive();
        assertThat(new BackupStore(home.resolve("backups")).list("bk_dry")).isEmpty();
    }

    @Test
    void aRunThatCannotGetTheLockInLockWaitSecondsIsSkippedWithExitThree() {
        Fixtures.createDb(pg, "bk_locked", 10);
        try (Lock l = Lock.acquire(home.resolve("backups"), "bk_locked", "backup")) {
            assertThatThrownBy(() -> backup(cfg.with(java.util.Map.of("LOCK_WAIT_SECONDS", "1")), "bk_locked", "daily", "none"))
                    .isInstanceOf(OpsException.class)
                    .hasMessageContaining("backup of bk_locked skipped: another run held the lock for over 1 s (pid")
                    .satisfies(e -> assertThat(((OpsException) e).exitCode()).isEqualTo(ExitCode.LOCKED));
        }
    }

    // ---------------------------------------------------------------- clock, locks and stalls

    @Test
    void aBackupTakenAfterTheClockWasPutBackIsKeptAndTheFutureSetsAreFlagged() throws Exception {
        Fixtures.createDb(pg, "bk_clock", 10);
        Config keep2 = cfg.with(java.util.Map.of("KEEP_DAILY", "2"));
        for (int d = 1; d <= 3; d++) restamp(backup(keep2, "bk_clock", "daily", "quick").dump(), Instant.now().plus(Duration.ofDays(d)));
        Backup.Result r = backup(keep2, "bk_clock", "daily", "quick");
        assertThat(r.dump()).exists();
        assertThat(r.pruned()).as("nothing of the new set, nor of the future ones").isEmpty();
        assertThat(r.warnings()).singleElement().asString().contains("3 backup set(s) of bk_clock are dated in the future");
        assertThat(new BackupStore(home.resolve("backups")).list("bk_clock")).hasSize(4);
        assertThat(Files.readString(Fixtures.log(cfg).file())).contains("WARN", "are dated in the future");
    }

    @Test
    void aTableLockedByAnotherSessionFailsTheBackupNamingThatSession() throws Exception {
        Fixtures.createDb(pg, "bk_blocked", 10);
        Config c = cfg.with(java.util.Map.of("TABLE_LOCK_TIMEOUT_SECONDS", "2"));
        try (Connection blocker = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + cfg.get("PGPORT") + "/bk_blocked"
                + "?ApplicationName=stock-import", "postgres", "")) {
            blocker.setAutoCommit(false);
            String pid;
            try (Statement st = blocker.createStatement()) {
                st.execute("LOCK TABLE products IN ACCESS EXCLUSIVE MODE");
                ResultSet rs = st.executeQuery("SELECT pg_backend_pid()");
                rs.next();
                pid = rs.getString(1);
            }
            assertThatThrownBy(() -> backup(c, "bk_blocked", "daily", "quick")).isInstanceOf(OpsException.class)
                    .hasMessageContaining("backup of bk_blocked gave up after waiting 2 s for a table lock held by another session: pid "
                            + pid + " (application stock-import, user postgres, idle in transaction since 20")
                    .hasMessageContaining("holds products")
                    .satisfies(e -> assertThat(((OpsException) e).hint()).contains("pg_terminate_backend(" + pid + ")"))
                    .satisfies(e -> assertThat(((OpsException) e).exitCode()).isEqualTo(ExitCode.BACKUP_FAILED));
            blocker.rollback();
        }
        assertThat(new BackupStore(home.resolve("backups")).list("bk_blocked")).isEmpty();
        assertThat(backup(c, "bk_blocked", "daily", "quick").manifest().verified()).as("the lock is free again").isTrue();
    }

    @Test
    void aDumpThatStopsMovingIsStoppedAndOneThatKeepsMovingIsNot() throws Exception {
        Fixtures.createDb(pg, "bk_stall", 2000);
        Path real = Fixtures.bin().resolve("pg_dump");
        Path hung = standInPgDump("hung", "exec sleep 600\n");
        Config stalled = cfg.with(java.util.Map.of("PG_BIN", hung.toString(), "STALL_SECONDS", "2"));
        assertThatThrownBy(() -> backup(stalled, "bk_stall", "daily", "quick")).isInstanceOf(OpsException.class)
                .hasMessageStartingWith("pg_dump of bk_stall: pg_dump stalled: no output for 2 s, stopped")
                .satisfies(e -> assertThat(((OpsException) e).hint()).contains("STALL_SECONDS"));
        assertThat(new BackupStore(home.resolve("backups")).list("bk_stall")).isEmpty();
        assertThat(Lock.acquire(home.resolve("backups"), "bk_stall", "test")).as("the lock was released").isNotNull().satisfies(Lock::close);

        // Twenty pieces half a second apart: longer than the stall limit overall, but never silent for that long.
        Path slow = standInPgDump("slow", "'" + real + "' \"$@\" | exec python3 -c 'import sys,time\nd=sys.stdin.buffer.read(); n=len(d)//20+1\n"
                + "for i in range(0, len(d), n):\n    sys.stdout.buffer.write(d[i:i+n]); sys.stdout.buffer.flush(); time.sleep(0.5)'\n");
        Config progressing = cfg.with(java.util.Map.of("PG_BIN", slow.toString(), "STALL_SECONDS", "6"));
        Backup.Result r = backup(progressing, "bk_stall", "daily", "quick");
        assertThat(r.manifest().verified()).isTrue();
        assertThat(r.manifest().durationSeconds()).as("the dump took longer than STALL_SECONDS").isGreaterThan(6);
    }

    /** A PG_BIN with the real client programs and a stand-in pg_dump (answering --version like the real one). */
    private static Path standInPgDump(String name, String body) throws Exception {
        Path dir = Files.createTempDirectory("ra-pgbin-" + name);
        try (var files = Files.list(Fixtures.bin())) {
            for (Path f : files.toList()) {
                if (!f.getFileName().toString().equals("pg_dump")) Files.createSymbolicLink(dir.resolve(f.getFileName()), f);
            }
        }
        Fixtures.shellScript(dir.resolve("pg_dump"), "[ \"$1\" = --version ] && exec '" + Fixtures.bin().resolve("pg_dump") + "' --version\n" + body);
        return dir;
    }

    /** Renames a set's files, and the names inside its manifest, as if it had been taken at {@code at}. */
    static void restamp(Path dump, Instant at) throws Exception {
        BackupStore.Entry e = BackupStore.parse(dump).orElseThrow();
        String oldStamp = BackupStore.STAMP.format(e.at());
        String newStamp = BackupStore.STAMP.format(at);
        for (Path f : e.files()) {
            Path to = f.resolveSibling(f.getFileName().toString().replace(oldStamp, newStamp));
            if (f.equals(e.manifestFile())) {
                Files.writeString(to, Files.readString(f).replace(oldStamp, newStamp));
                Files.delete(f);
            } else {
                Files.move(f, to);
            }
        }
    }
}
