package tests;

import com.fasterxml.jackson.databind.node.MissingNode;
import lib.*;
import lib.health.CheckResult;
import lib.health.HealthCheck;
import lib.health.Status;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tests.support.Fixtures;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.*;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * The checks in direct mode against real clusters: healthy, stopped, hanging, wrong password, and each
 * threshold crossed for real (sessions that sleep, transactions left idle, old backups).
 */
class HealthCheckTest {
    private Path home;
    private final List<AutoCloseable> closeAfter = new ArrayList<>();

    @BeforeEach
    void newHome() { home = Fixtures.home(); }

    @AfterEach
    void cleanUp() throws Exception {
        for (AutoCloseable c : closeAfter) c.close();
    }

    /** The trust cluster, all thresholds out of the way unless overridden. */
    private Config cfg(ScratchServer server, String... overrides) {
        List<String> o = new ArrayList<>(List.of("DISK_WARN_PERCENT", "99", "DISK_CRITICAL_PERCENT", "100", "SCHEDULED_TYPES", "",
                "PGDATABASE", "postgres"));
        o.addAll(List.of(overrides));
        return Fixtures.config(server, home, o.toArray(String[]::new));
    }

    private static HealthCheck.Health run(Config cfg, String... only) {
        HealthCheck hc = new HealthCheck(cfg);
        return hc.run(hc.select(List.of(only), List.of()), MissingNode.getInstance());
    }

    private static CheckResult result(HealthCheck.Health h, String check) {
        return h.results().stream().filter(r -> r.check().equals(check)).findFirst()
                .orElseThrow(() -> new AssertionError("no result for " + check + " in " + h.results()));
    }

    @Test
    void aHealthyClusterPassesEveryDirectModeCheck() {
        HealthCheck.Health h = run(cfg(Fixtures.trustCluster()));
        assertThat(h.results()).extracting(CheckResult::check)
                .containsExactly("ready", "query", "disk", "connections", "long-queries", "replication", "backups", "restores");
        assertThat(h.results()).allSatisfy(r -> assertThat(r.status()).as(r.check() + ": " + r.summary()).isEqualTo(Status.OK));
        assertThat(h.status()).isEqualTo(Status.OK);
        CheckResult q = result(h, "query");
        assertThat(q.summary()).contains("SELECT 1");
        assertThat(q.values()).containsKeys("latencyMs", "connectMs").containsEntry("attempts", 1);
        assertThat(result(h, "disk").values()).containsKeys("backupsUsedPercent", "volumeUsedPercent", "databaseBytes");
        assertThat(result(h, "replication").summary()).contains("without replicas");
        assertThat(h.millis()).isLessThan(8000);
    }

    @Test
    void aStoppedServerIsCriticalAfterRetriesAndTheSqlChecksAreSkipped() {
        ScratchServer own = ScratchServer.local(Fixtures.bin(), null);
        closeAfter.add(own);
        Config cfg = cfg(own);
        assertThat(run(cfg).status()).isEqualTo(Status.OK);
        own.close();
        HealthCheck.Health h = run(cfg);
        assertThat(h.status()).isEqualTo(Status.CRITICAL);
        assertThat(result(h, "ready").status()).as("counted under query's failure").isEqualTo(Status.SKIPPED);
        CheckResult q = result(h, "query");
        assertThat(q.status()).isEqualTo(Status.CRITICAL);
        assertThat(q.summary()).contains("cannot connect to 127.0.0.1:" + cfg.get("PGPORT")).contains("connection refused")
                .contains("attempts");
        assertThat(q.action()).contains("PGPORT");
        for (String c : List.of("connections", "long-queries", "replication")) {
            assertThat(result(h, c).status()).as(c).isEqualTo(Status.SKIPPED);
            assertThat(result(h, c).summary()).isEqualTo("skipped: query failed");
        }
        assertThat(h.millis()).isLessThan(8000);
    }

    @Test
    void aListenerThatNeverAnswersHitsTheDeadlineInsteadOfHanging() throws Exception {
        ServerSocket hung = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
        List<Socket> accepted = Collections.synchronizedList(new ArrayList<>());
        closeAfter.add(hung);
        closeAfter.add(() -> accepted.forEach(s -> { try { s.close(); } catch (IOException ignored) { } }));
        Thread acceptor = new Thread(() -> {
            try {
                while (true) accepted.add(hung.accept());
            } catch (IOException closed) {
                // test over
            }
        });
        acceptor.setDaemon(true);
        acceptor.start();
        Config cfg = cfg(Fixtures.trustCluster(), "PGPORT", String.valueOf(hung.getLocalPort()), "CHECK_TIMEOUT_SECONDS", "3");
        long start = System.nanoTime();
        HealthCheck.Health h = run(cfg);
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertThat(ms).isLessThan(3000 + 1500);
        assertThat(result(h, "query").status()).isEqualTo(Status.CRITICAL);
        assertThat(result(h, "query").summary()).containsAnyOf("no answer", "within 3 s");
        assertThat(result(h, "ready").status()).isEqualTo(Status.SKIPPED);
        assertThat(result(h, "disk").status()).as("the backup side is still measured").isNotEqualTo(Status.SKIPPED);
        assertThat(result(h, "disk").values()).containsKey("backupsUsedPercent");
        assertThat(accepted).isNotEmpty();
    }

    @Test
    void aWrongPasswordIsReportedAtOnceWithoutRetriesAndWithoutThePassword() {
        Config cfg = cfg(Fixtures.passwordCluster(), "PGPASSWORD", "wrong 'pass\" word");
        long start = System.nanoTime();
        HealthCheck.Health h = run(cfg, "query");
        CheckResult q = result(h, "query");
        assertThat(q.status()).isEqualTo(Status.CRITICAL);
        assertThat(q.summary()).contains("password authentication failed for user postgres").doesNotContain("wrong");
        assertThat(q.action()).contains("PGPASSWORD");
        assertThat((System.nanoTime() - start) / 1_000_000).as("no backoff for a wrong password").isLessThan(1000);
        assertThat(run(Fixtures.config(Fixtures.passwordCluster(), home, "PGDATABASE", "postgres"), "query").status())
                .isEqualTo(Status.OK);
    }

    @Test
    void longQueriesAndIdleTransactionsAreWarningsListingPidDurationAndQuery() throws Exception {
        Config cfg = cfg(Fixtures.trustCluster(), "LONG_QUERY_SECONDS", "1", "IDLE_IN_TRANSACTION_SECONDS", "1");
        Connection sleeper = connect(cfg);
        Connection idle = connect(cfg);
        CompletableFuture<Void> sleeping = CompletableFuture.runAsync(() -> exec(sleeper, "SELECT pg_sleep(20) /* nightly report */"));
        idle.setAutoCommit(false);
        exec(idle, "SELECT 42");
        Thread.sleep(2500);
        try {
            CheckResult r = result(run(cfg, "long-queries"), "long-queries");
            assertThat(r.status()).isEqualTo(Status.WARNING);
            assertThat(r.summary()).contains("2 session(s)").contains("pg_sleep(20)").contains("idle in transaction").contains("pid ");
            assertThat(r.values()).containsEntry("count", 2);
            assertThat(r.action()).contains("pg_cancel_backend");
        } finally {
            exec(connect(cfg), "SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE query LIKE '%nightly report%' AND pid <> pg_backend_pid()");
            sleeping.handle((v, e) -> null).join();
            sleeper.close();
            idle.close();
        }
        assertThat(result(run(cfg, "long-queries"), "long-queries").status()).isEqualTo(Status.OK);
    }

    /** Docker Desktop's disk image lives on a drive of its own that df in the container cannot see: checked with the same thresholds. */
    @Test
    void theDriveHoldingDockerDesktopsDataIsCheckedToo() throws Exception {
        Path data = home.resolve("Docker").resolve("wsl"); // not there yet: its drive is the nearest existing folder's
        java.nio.file.FileStore drive = Files.getFileStore(home);
        double used = 100.0 * (drive.getTotalSpace() - drive.getUsableSpace()) / drive.getTotalSpace();

        CheckResult disk = result(run(cfg(Fixtures.trustCluster(), "DOCKER_DESKTOP_DATA", data.toString(), "DISK_WARN_PERCENT", "1"), "disk"),
                "disk");

        assertThat(disk.status()).isEqualTo(Status.WARNING);
        assertThat(disk.summary()).containsPattern("Docker Desktop drive \\d+% used \\(.+ free\\)");
        assertThat(((Number) disk.values().get("dockerDesktopUsedPercent")).doubleValue()).isCloseTo(used, within(1.0));
        assertThat(disk.action()).contains("Disk image location");
        assertThat(result(run(cfg(Fixtures.trustCluster()), "disk"), "disk").values()).as("not set, not Windows: not looked for")
                .doesNotContainKey("dockerDesktopUsedPercent");
    }

    @Test
    void connectionAndDiskThresholdsGiveWarningThenCritical() {
        ScratchServer s = Fixtures.trustCluster();
        HealthCheck.Health warn = run(cfg(s, "CONNECTIONS_WARN_PERCENT", "1", "DISK_WARN_PERCENT", "1"), "connections", "disk");
        assertThat(result(warn, "connections").status()).isEqualTo(Status.WARNING);
        assertThat(result(warn, "connections").summary()).containsPattern("\\d+ of \\d+ connections in use");
        assertThat(result(warn, "disk").status()).isEqualTo(Status.WARNING);
        assertThat(warn.status()).as("warnings alone are not unhealthy").isEqualTo(Status.WARNING);
        HealthCheck.Health crit = run(cfg(s, "CONNECTIONS_WARN_PERCENT", "1", "CONNECTIONS_CRITICAL_PERCENT", "1",
                "DISK_WARN_PERCENT", "1", "DISK_CRITICAL_PERCENT", "1"), "connections", "disk");
        assertThat(result(crit, "connections").status()).isEqualTo(Status.CRITICAL);
        assertThat(result(crit, "disk").status()).isEqualTo(Status.CRITICAL);
        assertThat(result(crit, "disk").summary()).contains("critical at 1%");
    }

    @Test
    void backupFreshnessIsCriticalWithoutARecentVerifiedBackupOfEachScheduledType() throws Exception {
        ScratchServer s = Fixtures.trustCluster();
        Config cfg = cfg(s, "SCHEDULED_TYPES", "daily", "PGDATABASE", "fresh_db", "VERIFY", "quick");
        Pg pg = new Pg(new PgTarget(cfg));
        Fixtures.createDb(pg, "fresh_db", 100);
        try {
            CheckResult none = result(run(cfg, "backups"), "backups");
            assertThat(none.status()).isEqualTo(Status.CRITICAL);
            assertThat(none.summary()).contains("no verified daily backup of fresh_db yet");
            assertThat(none.action()).contains("./jbang backup.java --type daily");

            Backup.Result taken = new Backup(cfg, Fixtures.log(cfg)).run("fresh_db", new Backup.Options("daily", "quick", false, false));
            CheckResult fresh = result(run(cfg, "backups"), "backups");
            assertThat(fresh.status()).as(fresh.summary()).isEqualTo(Status.OK);
            assertThat(fresh.values()).containsKey("dailyAgeSeconds");

            ageBackup(taken.dump(), Duration.ofHours(27));
            CheckResult stale = result(run(cfg, "backups"), "backups");
            assertThat(stale.status()).isEqualTo(Status.CRITICAL);
            assertThat(stale.summary()).contains("daily 1d 3h old").contains("limit 1d 2h");
        } finally {
            pg.dropDatabase("fresh_db");
        }
    }

    @Test
    void aNewScheduleIsNotLateBeforeItsFirstDueTimeAndTheHintNamesTheCommandThatClearsIt() throws Exception {
        Config cfg = cfg(Fixtures.trustCluster(), "SCHEDULED_TYPES", "daily,weekly", "PGDATABASE", "first_db");
        Path backups = cfg.path("BACKUP_DIR");
        Instant firstDaily = Instant.now().minus(Duration.ofHours(1)).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        BackupStoreTest.put(backups, "first_db", "daily", firstDaily, "passed");
        CheckResult day1 = result(run(cfg, "backups"), "backups");
        assertThat(day1.status()).as(day1.summary()).isEqualTo(Status.OK);
        assertThat(day1.summary()).contains("no weekly yet (first due by " + firstDaily.plus(Duration.ofDays(8))
                .truncatedTo(java.time.temporal.ChronoUnit.MINUTES) + ")");

        BackupStoreTest.put(backups, "first_db", "daily", Instant.now().minus(Duration.ofDays(9)), "passed");
        CheckResult overdue = result(run(cfg, "backups"), "backups");
        assertThat(overdue.status()).isEqualTo(Status.CRITICAL);
        assertThat(overdue.summary()).contains("no verified weekly backup of first_db yet");
        assertThat(overdue.action()).endsWith("run it now: ./jbang backup.java --type weekly");
    }

    @Test
    void backupsDatedInTheFutureMakeTheCheckWarnAndDoNotCountAsFresh() throws Exception {
        Config cfg = cfg(Fixtures.trustCluster(), "SCHEDULED_TYPES", "daily", "PGDATABASE", "clock_db");
        Path backups = cfg.path("BACKUP_DIR");
        BackupStoreTest.put(backups, "clock_db", "daily", Instant.now().minus(Duration.ofHours(2)), "passed");
        BackupStoreTest.put(backups, "clock_db", "daily", Instant.now().plus(Duration.ofDays(2)), "passed");
        CheckResult r = result(run(cfg, "backups"), "backups");
        assertThat(r.status()).isEqualTo(Status.WARNING);
        assertThat(r.summary()).contains("daily 2h 0m old", "1 backup set(s) of clock_db are dated in the future");
        assertThat(r.action()).contains("system clock");
    }

    /** Renames a backup's files as if it had been taken {@code age} ago (the time is in the names). */
    private static void ageBackup(Path dump, Duration age) throws Exception {
        BackupTest.restamp(dump, Instant.now().minus(age));
    }

    @Test
    void unknownCheckNamesAreUsageErrors() {
        HealthCheck hc = new HealthCheck(cfg(Fixtures.trustCluster()));
        assertThatThrownBy(() -> hc.select(List.of("qurey"), List.of()))
                .isInstanceOfSatisfying(OpsException.class, e -> {
                    assertThat(e.exitCode()).isEqualTo(ExitCode.USAGE);
                    assertThat(e.oneLine()).contains("unknown check qurey").contains("long-queries");
                });
        assertThat(hc.select(List.of(), List.of("disk", "backups"))).extracting(c -> c.name())
                .doesNotContain("disk", "backups").contains("query");
    }

    private static Connection connect(Config cfg) {
        try {
            return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + cfg.get("PGPORT") + "/postgres", "postgres", "");
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void exec(Connection c, String sql) {
        try (Statement st = c.createStatement()) {
            st.execute(sql);
        } catch (java.sql.SQLException e) {
            if (!"57014".equals(e.getSQLState())) throw new IllegalStateException(e);
        }
    }
}
