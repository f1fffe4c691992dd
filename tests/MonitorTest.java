package tests;

import lib.*;
import lib.drill.DrillHistory;
import lib.drill.DrillRecord;
import lib.health.CheckResult;
import lib.health.HealthCheck;
import lib.health.Status;
import lib.monitor.*;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tests.support.Fixtures;
import tests.support.TestContainer;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.*;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The monitor's parts: nearest-rank percentiles over the last hour of metrics.jsonl (cut and foreign lines
 * skipped), data gathered from a real cluster without writing anything, the exact frame for known data,
 * programs started from the keys, the log view and the terminal handling.
 */
class MonitorTest {
    private static final Instant NOW = Instant.parse("2026-11-23T17:05:00Z");

    @TempDir Path home;

    // ---- latency percentiles --------------------------------------------------------------------------

    @Test
    void percentilesAreNearestRankOfTheSamples() {
        record Case(List<Double> samples, Double p50, Double p95, Double p99) {}
        List<Double> hundred = new ArrayList<>();
        for (int i = 100; i >= 1; i--) hundred.add((double) i);
        for (Case c : List.of(
                new Case(List.of(1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0), 5.0, 10.0, 10.0),
                new Case(hundred, 50.0, 95.0, 99.0),
                new Case(List.of(30.0, 10.0, 20.0), 20.0, 30.0, 30.0),
                new Case(List.of(7.5), 7.5, 7.5, 7.5),
                new Case(List.of(), null, null, null))) {
            Latency l = Latency.of(c.samples());
            assertThat(l).as("%s", c.samples()).isEqualTo(new Latency(c.samples().size(), c.p50(), c.p95(), c.p99()));
        }
    }

    private static String run(Instant ts, String source, Double latencyMs, Integer restartCount) {
        String query = latencyMs == null ? "{\"status\":\"critical\",\"millis\":5000,\"values\":{}}"
                : "{\"status\":\"ok\",\"millis\":12,\"values\":{\"latencyMs\":" + latencyMs + ",\"connectMs\":3,\"attempts\":1}}";
        String container = restartCount == null ? "" : ",\"container\":{\"status\":\"ok\",\"millis\":40,\"values\":{\"restartCount\":" + restartCount + "}}";
        return "{\"ts\":\"" + ts + "\",\"source\":\"" + source + "\",\"host\":\"h\",\"status\":\"healthy\",\"millis\":50,"
                + "\"checks\":{\"query\":" + query + container + "}}\n";
    }

    private Path logs() throws Exception { return Files.createDirectories(home.resolve("logs")); }

    @Test
    void onlyHealthCheckRunsOfTheLastHourCountAndBrokenLinesAreSkipped() throws Exception {
        Path logs = logs();
        Files.writeString(logs.resolve("metrics.jsonl.1"), run(NOW.minusSeconds(7200), "health-check", 900.0, 1)
                + run(NOW.minusSeconds(3300), "health-check", 40.0, 2));
        Files.writeString(logs.resolve("metrics.jsonl"), run(NOW.minusSeconds(3000), "health-check", 10.0, 2)
                + "{\"ts\":\"" + NOW.minusSeconds(2900) + "\",\"source\":\"health-check\",\"checks\":{\"query\":{\"values\":{\"latencyMs\":77" + "\n"
                + "not json at all\n"
                + run(NOW.minusSeconds(2500), "backup", 500.0, null)
                + run(NOW.minusSeconds(2000), "health-check", null, 3)
                + "{\"ts\":\"yesterday\",\"source\":\"health-check\",\"checks\":{\"query\":{\"values\":{\"latencyMs\":66}}}}\n"
                + run(NOW.minusSeconds(600), "health-check", 20.0, 3)
                + run(NOW.plusSeconds(600), "health-check", 600.0, 3)
                + "{\"ts\":\"" + NOW.minusSeconds(60) + "\",\"source\":\"health-check\",\"checks\":{\"query\":{\"values\":{\"latencyMs\":55");

        RecentRuns recent = RecentRuns.read(new Metrics(logs), NOW.minus(Snapshot.WINDOW), NOW);

        assertThat(recent.records()).as("the rotated file's recent line, then the current file's complete health-check lines")
                .extracting(r -> r.path("ts").asText())
                .containsExactly(NOW.minusSeconds(3300).toString(), NOW.minusSeconds(3000).toString(), NOW.minusSeconds(2000).toString(),
                        NOW.minusSeconds(600).toString());
        assertThat(recent.latency()).as("the failed query has no latency: 3 samples").isEqualTo(new Latency(3, 20.0, 40.0, 40.0));
        assertThat(recent.lowestRestartCount()).hasValue(2);
    }

    @Test
    void aLongFileIsReadBackExactlyAsFarAsTheHourGoes() throws Exception {
        Path logs = logs();
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 3000; i++) sb.append(run(NOW.minusSeconds(90_000 - i), "health-check", 999.0, 0));
        for (int i = 0; i < 2000; i++) sb.append(run(NOW.minusSeconds(3500 - i), "health-check", (double) (i % 100 + 1), 0));
        Files.writeString(logs.resolve("metrics.jsonl"), sb);
        Files.writeString(logs.resolve("metrics.jsonl.1"), run(NOW.minusSeconds(60), "health-check", 999.0, 0));
        assertThat(Files.size(logs.resolve("metrics.jsonl"))).as("well past the first read").isGreaterThan(4 * 64 * 1024);

        Latency l = RecentRuns.read(new Metrics(logs), NOW.minus(Snapshot.WINDOW), NOW).latency();

        assertThat(l).as("all 2000 recent runs, none older, and not the rotated file once the current one goes back far enough")
                .isEqualTo(new Latency(2000, 50.0, 95.0, 99.0));
    }

    @Test
    void noMetricsFileMeansNoSamples() {
        assertThat(RecentRuns.read(new Metrics(home.resolve("logs")), NOW.minus(Snapshot.WINDOW), NOW).latency())
                .isEqualTo(new Latency(0, null, null, null));
    }

    // ---- the frame ------------------------------------------------------------------------------------

    private Config config(String... overrides) {
        Map<String, String> flags = new HashMap<>(Map.of("DOCKER_CONTAINER", "inventory-db", "PGDATABASE", "inventory",
                "BACKUP_DIR", home.resolve("backups").toString(), "LOG_DIR", home.resolve("logs").toString()));
        for (int i = 0; i + 1 < overrides.length; i += 2) flags.put(overrides[i], overrides[i + 1]);
        return Config.load(null, flags, Map.of("RA_INFRA_HOME", home.toString()));
    }

    private static CheckResult check(String name, Status s, String summary, Object... kv) {
        Map<String, Object> values = new LinkedHashMap<>();
        for (int i = 0; i + 1 < kv.length; i += 2) values.put((String) kv[i], kv[i + 1]);
        return new CheckResult(name, s, summary, values, null, 10);
    }

    private static HealthCheck.Health health() {
        return new HealthCheck.Health(List.of(
                check("docker", Status.OK, "engine 28.2.2 answers"),
                check("container", Status.OK, "container inventory-db running, healthy", "restartCount", 3),
                check("ready", Status.OK, "/var/run/postgresql:5432 - accepting connections"),
                check("query", Status.OK, "SELECT 1 on localhost:5432/inventory in 9.6 ms", "latencyMs", 9.6),
                check("pgadmin", Status.WARNING, "container inventory-pgadmin is exited (0)"),
                check("disk", Status.WARNING, "backups 41% used (75.4 GB free), volume 72% used (52.0 GB free), database 7.3 MB",
                        "backupsUsedPercent", 41.0, "backupsFreeBytes", 80_960_000_000L, "volumeUsedPercent", 72.0,
                        "volumeFreeBytes", 55_834_574_848L, "databaseBytes", 7_654_321L),
                check("connections", Status.OK, "1 of 100 connections in use (1%)", "used", 1L, "max", 100L, "percent", 1.0),
                check("long-queries", Status.OK, "none over 300 s, no transaction idle over 60 s"),
                check("replication", Status.OK, "primary without replicas"),
                check("backups", Status.OK, "newest verified: daily 15h 5m old (1.5 KB)")), Status.WARNING, 493);
    }

    /** A backup set written by hand: a dump of {@code bytes} bytes and, unless {@code verify} is null, its manifest. */
    private BackupStore.Entry backup(String type, Instant at, int bytes, String verify, boolean offsite) throws Exception {
        Path dir = Files.createDirectories(home.resolve("backups").resolve(type));
        String base = BackupStore.baseName("inventory", type, at);
        Path dump = Files.write(dir.resolve(base + ".dump.zst"), new byte[bytes]);
        if (verify == null) return BackupStore.parse(dump).orElseThrow();
        Manifest m = new Manifest(Manifest.FORMAT, "inventory", type, base + ".dump.zst", null, "zstd:3", "docker", "inventory-db",
                "15.8", "pg_dump (PostgreSQL) 15.8", at, at.plusSeconds(20), 20, bytes * 4L, bytes, "00", null, false, List.of(),
                new Manifest.VerifyResult("full", verify, at.plusSeconds(30), 9, "test restore"));
        if (offsite) m = m.withOffsite(new Manifest.Offsite("gdrive:b", type, at.plusSeconds(60), "sha256", base + ".dump.zst", bytes,
                "00", null, null, null));
        Files.write(dir.resolve(base + ".manifest.json"), m.toJson());
        return BackupStore.parse(dump).orElseThrow();
    }

    private static DrillRecord drill(Instant at, String result, double rto, double rpo, List<String> problems) {
        return new DrillRecord(at, "configured", "restore", "inventory", "inventory_20261120T020000Z_daily.dump.zst", "daily",
                at.minusSeconds(3 * 3600), 1536, "local", "database inventory_drill", rto, rpo, 60, 24, result.equals("PASS"), result,
                problems, List.of(), "ops", "office-pc");
    }

    private Snapshot snapshot(DrillRecord drill) throws Exception {
        List<BackupStore.Entry> backups = List.of(
                backup("daily", Instant.parse("2026-11-23T02:00:00Z"), 1536, "passed", true),
                backup("weekly", Instant.parse("2026-11-22T03:00:00Z"), 2048, null, false),
                backup("manual", Instant.parse("2026-11-23T16:00:00Z"), 512, "failed", false));
        return new Snapshot(NOW, "office-pc", health(), Latency.of(List.of(9.6, 12.0, 8.1, 30.5)), 1, backups, drill);
    }

    @Test
    void theFrameForKnownDataIsExactlyThisAndFitsEightyColumns() throws Exception {
        Snapshot s = snapshot(drill(Instant.parse("2026-11-20T05:00:00Z"), "PASS", 42.4, 10_800, List.of()));

        List<String> lines = new Frame(config(), 80, Frame.Style.PLAIN).body(s);

        assertThat(lines).containsExactly(
                "ra-infrastructure monitor  office-pc  2026-11-23 17:05:00 UTC",
                "healthy, 2 warnings (10 checks in 493 ms)",
                "docker       OK       engine 28.2.2 answers",
                "container    OK       container inventory-db running, healthy",
                "ready        OK       /var/run/postgresql:5432 - accepting connections",
                "query        OK       SELECT 1 on localhost:5432/inventory in 9.6 ms",
                "pgadmin      WARNING  container inventory-pgadmin is exited (0)",
                "disk         WARNING  backups 41% used (75.4 GB free), volume 72% used (52.0 ...",
                "connections  OK       1 of 100 connections in use (1%)",
                "long-queries OK       none over 300 s, no transaction idle over 60 s",
                "replication  OK       primary without replicas",
                "backups      OK       newest verified: daily 15h 5m old (1.5 KB)",
                "disk backups [############---------|---|----]  41% OK       75.4 GB free",
                "disk volume  [######################---|----]  72% WARNING  52.0 GB free",
                "connections  [------------------------|--|--]   1% OK       1 of 100",
                "restarts     inventory-db: 3 in total, 1 in the last hour",
                "SELECT 1     P50 9.6 ms  P95 30.5 ms  P99 30.5 ms  (last hour, 4 samples)",
                "backups      daily    15h 5m    1.5 KB  passed (full), off-site",
                "             weekly   1d 14h    2.0 KB  incomplete (no manifest)",
                "             manual    1h 5m     512 B  failed (full)",
                "drill        PASS 3d 12h ago, RTO 42 s (target 60m), RPO 3h 0m (target 24h)");
        assertThat(lines).allSatisfy(l -> assertThat(l.length()).isLessThanOrEqualTo(80));
    }

    @Test
    void aFailedDrillNamesItsFirstProblemAndMissingDataShowsADash() throws Exception {
        Snapshot s = new Snapshot(NOW, "office-pc", new HealthCheck.Health(List.of(
                check("query", Status.CRITICAL, "connection refused on 127.0.0.1:1"),
                check("disk", Status.OK, "backups 41% used (75.4 GB free)", "backupsUsedPercent", 41.0, "backupsFreeBytes", 80_960_000_000L),
                check("connections", Status.SKIPPED, "skipped: query failed")), Status.CRITICAL, 5002),
                Latency.of(List.of()), null, List.of(),
                drill(Instant.parse("2026-11-23T16:00:00Z"), "FAIL", 30, 600, List.of("row counts differ: public.products", "other")));

        List<String> lines = new Frame(config("DOCKER_CONTAINER", ""), 80, new Frame.Style(false, true)).body(s);

        assertThat(lines).containsExactly(
                "ra-infrastructure monitor  office-pc  2026-11-23 17:05:00 UTC",
                "UNHEALTHY: 1 critical (3 checks in 5002 ms)",
                "query        CRITICAL connection refused on 127.0.0.1:1",
                "disk         OK       backups 41% used (75.4 GB free)",
                "connections  SKIPPED  skipped: query failed",
                "disk backups [############---------|---|----]  41% OK       75.4 GB free",
                "connections  \u2014 (not measured)",
                "SELECT 1     P50 \u2014  P95 \u2014  P99 \u2014  (last hour, 0 samples)",
                "backups      none of inventory in " + home.resolve("backups"),
                "drill        FAIL 1h 5m ago: row counts differ: public.products");
    }

    @Test
    void coloursOnlyWhenAskedAndTheDashOnlyWhereTheCharsetHasIt() throws Exception {
        Snapshot s = snapshot(null);
        Frame.Style colour = Frame.Style.of(true, StandardCharsets.UTF_8, Map.of());
        List<String> coloured = new Frame(config(), 80, colour).body(s);
        assertThat(String.join("\n", coloured)).contains("\033[32mOK       \033[0m").contains("\033[33mWARNING  \033[0m")
                .contains("drill        none recorded yet");
        assertThat(coloured).allSatisfy(l -> assertThat(visible(l)).isLessThanOrEqualTo(80));

        assertThat(colour).isEqualTo(new Frame.Style(true, true));
        assertThat(Frame.Style.of(true, StandardCharsets.UTF_8, Map.of("NO_COLOR", "1"))).isEqualTo(new Frame.Style(false, true));
        assertThat(Frame.Style.of(true, StandardCharsets.UTF_8, Map.of("NO_COLOR", ""))).as("empty NO_COLOR does not count")
                .isEqualTo(new Frame.Style(true, true));
        assertThat(Frame.Style.of(false, StandardCharsets.UTF_8, Map.of())).as("not a terminal").isEqualTo(new Frame.Style(false, true));
        Frame.Style ascii = Frame.Style.of(false, StandardCharsets.US_ASCII, Map.of());
        assertThat(ascii).isEqualTo(Frame.Style.PLAIN);

        Snapshot empty = new Snapshot(NOW, "h", new HealthCheck.Health(List.of(), Status.OK, 1), Latency.of(List.of()), null, List.of(), null);
        assertThat(new Frame(config(), 80, ascii).body(empty)).contains("SELECT 1     P50 -  P95 -  P99 -  (last hour, 0 samples)")
                .noneMatch(l -> l.contains("\033"));
    }

    private static int visible(String line) { return line.replaceAll("\033\\[[0-9;]*m", "").length(); }

    @Test
    void narrowTerminalsGetLinesCutWithAMark() throws Exception {
        List<String> lines = new Frame(config(), 40, Frame.Style.PLAIN).body(snapshot(null));
        assertThat(lines).allSatisfy(l -> assertThat(l.length()).isLessThanOrEqualTo(40));
        assertThat(lines).contains("query        OK       SELECT 1 on loc...");
    }

    @Test
    void theKeyLineOffersRestartOnlyWithAContainer() {
        assertThat(new Frame(config(), 80, Frame.Style.PLAIN).keys())
                .isEqualTo("[B]ackup now  [V]erify latest  [L]ogs  [R]estart container  [Q]uit");
        assertThat(new Frame(config("DOCKER_CONTAINER", ""), 80, Frame.Style.PLAIN).keys())
                .isEqualTo("[B]ackup now  [V]erify latest  [L]ogs  [Q]uit");
    }

    // ---- gathering from real servers ------------------------------------------------------------------

    @Test
    void aSnapshotOfARealClusterRunsTheChecksFindsTheNewestBackupPerTierAndWritesNothing() throws Exception {
        Path h = Fixtures.home();
        Config cfg = Fixtures.config(Fixtures.trustCluster(), h, "PGDATABASE", "mon_snap", "SCHEDULED_TYPES", "daily",
                "DISK_WARN_PERCENT", "99", "DISK_CRITICAL_PERCENT", "100");
        Fixtures.createDb(new Pg(new PgTarget(cfg)), "mon_snap", 50);
        Backup backup = new Backup(cfg, Fixtures.log(cfg));
        backup.run("mon_snap", new Backup.Options("daily", "quick", false, false));
        Backup.Result newest = backup.run("mon_snap", new Backup.Options("daily", "quick", false, false));
        Backup.Result manual = backup.run("mon_snap", new Backup.Options("manual", "none", false, false));
        Path logs = Files.createDirectories(cfg.path("LOG_DIR"));
        Instant now = Instant.now();
        Files.writeString(logs.resolve("metrics.jsonl"), run(now.minusSeconds(600), "health-check", 4.0, null)
                + run(now.minusSeconds(300), "health-check", 6.0, null));
        DrillRecord last = drill(now.minusSeconds(3600), "PASS", 12, 3600, List.of());
        new DrillHistory(logs).append(drill(now.minusSeconds(7200), "FAIL", 12, 3600, List.of("older")));
        new DrillHistory(logs).append(last);
        Map<Path, FileTime> before = listing(logs);

        Snapshot s = Snapshot.take(cfg);

        assertThat(s.result("query")).get().extracting(CheckResult::status).isEqualTo(Status.OK);
        assertThat(s.result("backups")).get().extracting(CheckResult::status).isEqualTo(Status.OK);
        assertThat(s.health().results()).extracting(CheckResult::check).as("direct mode: no docker, container or pgAdmin check")
                .containsExactly("ready", "query", "disk", "connections", "long-queries", "replication", "backups", "restores");
        assertThat(s.backups()).extracting(e -> e.dump().getFileName().toString())
                .containsExactly(newest.dump().getFileName().toString(), manual.dump().getFileName().toString());
        assertThat(s.backups().get(1).state()).isEqualTo("skipped (none)");
        assertThat(s.latency()).isEqualTo(new Latency(2, 4.0, 6.0, 6.0));
        assertThat(s.restartsLastHour()).as("no container in direct mode").isNull();
        assertThat(s.drill()).isEqualTo(last);
        assertThat(listing(logs)).as("no metrics line, no alert state, no log written").isEqualTo(before);

        Map<String, Object> json = s.json();
        assertThat(json.get("verdict")).isEqualTo("healthy");
        assertThat(json.get("selectLatency")).isEqualTo(Map.of("windowSeconds", 3600L, "samples", 2, "p50Ms", 4.0, "p95Ms", 6.0, "p99Ms", 6.0));
        assertThat(Manifest.JSON.writeValueAsString(json)).contains("\"type\" : \"daily\"").contains("\"verified\" : true")
                .contains("\"result\" : \"PASS\"");
    }

    private static Map<Path, FileTime> listing(Path dir) throws Exception {
        Map<Path, FileTime> out = new TreeMap<>();
        try (var files = Files.list(dir)) {
            for (Path f : files.toList()) out.put(f.getFileName(), Files.getLastModifiedTime(f));
        }
        return out;
    }

    @Test
    void aDatabaseThatIsDownIsShownCriticalNotACrash() throws Exception {
        Path h = Fixtures.home();
        Config cfg = Fixtures.config(Fixtures.trustCluster(), h, "PGPORT", String.valueOf(TestContainer.freePort()),
                "SCHEDULED_TYPES", "", "CHECK_TIMEOUT_SECONDS", "3");

        Snapshot s = Snapshot.take(cfg);
        List<String> lines = new Frame(cfg, 80, Frame.Style.PLAIN).body(s);

        assertThat(lines.get(1)).startsWith("UNHEALTHY: ");
        assertThat(lines).anyMatch(l -> l.startsWith("query        CRITICAL cannot connect to 127.0.0.1:"))
                .contains("connections  - (not measured)", "SELECT 1     P50 -  P95 -  P99 -  (last hour, 0 samples)",
                        "drill        none recorded yet (./jbang dr-drill.java)");
    }

    @Test
    void restartsOfARealContainerAreCountedOverTheLastHour() throws Exception {
        Fixtures.requireDocker();
        try (TestContainer c = TestContainer.postgres()) {
            Path h = Fixtures.home();
            Config cfg = c.config(h);
            int count = c.inspect().restartCount();
            Path logs = Files.createDirectories(cfg.path("LOG_DIR"));
            Instant now = Instant.now();
            Files.writeString(logs.resolve("metrics.jsonl"), run(now.minusSeconds(7000), "health-check", 3.0, count - 5)
                    + run(now.minusSeconds(1200), "health-check", 3.0, count - 2) + run(now.minusSeconds(300), "health-check", 3.0, count));

            Snapshot s = Snapshot.take(cfg);

            assertThat(s.result("container")).get().extracting(CheckResult::status).isEqualTo(Status.OK);
            assertThat(s.restartsLastHour()).as("the run 2 h ago does not count").isEqualTo(2);
            assertThat(new Frame(cfg, 80, Frame.Style.PLAIN).body(s))
                    .contains("restarts     " + c.name() + ": " + count + " in total, 2 in the last hour");
        }
    }

    // ---- programs started from the keys, the log view, the terminal ---------------------------------

    private static Job await(Job job) {
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (job.running() && System.nanoTime() < deadline) TestContainer.sleep(50);
        assertThat(job.running()).as("ended within 2 minutes").isFalse();
        return job;
    }

    @Test
    void aJobKeepsTheLastCleanLinesOfBothStreamsAndItsOutcome() {
        Path prog = Fixtures.shellScript(home.resolve("prog"), "echo starting \"$@\"\nprintf 'step 1\\rstep 2\\r'\n"
                + "printf '\\033[1;32mgreen\\033[0m\\n' >&2\nprintf 'no newline at the end'\nexit 6\n");
        List<Job> changes = Collections.synchronizedList(new ArrayList<>());

        Job job = await(Job.start("backup", List.of(prog.toString(), "--type", "manual"), Map.of(), null, changes::add));

        assertThat(job.succeeded()).isFalse();
        assertThat(job.describe(Instant.now())).matches("backup FAILED \\(exit 6\\) after \\d+ s");
        assertThat(job.lastLines(10)).contains("starting --type manual", "step 1", "step 2", "green", "no newline at the end");
        assertThat(job.lastLines(1)).hasSize(1);
        assertThat(changes).isNotEmpty().allMatch(j -> j == job);
    }

    @Test
    void aJobThatSucceedsSaysSoAndAMissingProgramIsAFailureNotACrash() {
        Path ok = Fixtures.shellScript(home.resolve("ok"), "echo done\n");
        assertThat(await(Job.start("restore test", List.of(ok.toString()), Map.of(), null, j -> { })).describe(Instant.now()))
                .matches("restore test finished OK after \\d+ s");
        Job missing = await(Job.start("backup", List.of(home.resolve("nope").toString()), Map.of(), null, j -> { }));
        assertThat(missing.succeeded()).isFalse();
        assertThat(missing.describe(Instant.now())).startsWith("backup FAILED: cannot run " + home.resolve("nope"));
    }

    @Test
    void theLogViewShowsTheEndOfTheNewestLog() throws Exception {
        Path logs = logs();
        Path old = Files.writeString(logs.resolve("backup.log"), "old line\n");
        StringBuilder sb = new StringBuilder();
        for (int i = 1; i <= 5000; i++) sb.append("line ").append(i).append(" of the health check log\n");
        Path newest = Files.writeString(logs.resolve("health-check.log"), sb);
        Files.writeString(logs.resolve("metrics.jsonl"), "{}\n");
        Files.setLastModifiedTime(old, FileTime.from(Instant.now().minusSeconds(60)));
        Files.setLastModifiedTime(newest, FileTime.from(Instant.now().minusSeconds(30)));

        assertThat(LogTail.newest(logs)).as("only *.log files count").hasValue(newest);
        assertThat(LogTail.tail(newest, 3)).containsExactly("line 4998 of the health check log", "line 4999 of the health check log",
                "line 5000 of the health check log");
        assertThat(LogTail.tail(old, 10)).containsExactly("old line");
        assertThat(LogTail.newest(home.resolve("none"))).isEmpty();
    }

    /** A terminal that replays typed characters and records what is written: Screen's own logic, no terminal needed. */
    private static final class TypedTty implements Tty {
        final Deque<Integer> typed = new ArrayDeque<>();
        final StringBuilder written = new StringBuilder();
        int restored;

        TypedTty type(int... chars) {
            for (int c : chars) typed.add(c);
            return this;
        }

        public int read(long timeoutMillis) { return typed.isEmpty() ? TIMEOUT : typed.poll(); }
        public int width() { return 20; }
        public int height() { return 5; }
        public void write(String text) { written.append(text); }
        public java.nio.charset.Charset charset() { return StandardCharsets.UTF_8; }
        public void restore() { restored++; }
    }

    @Test
    void arrowAndFunctionKeysNeverTriggerALetterKeyAndTheTerminalIsRestoredOnce() {
        TypedTty tty = new TypedTty().type(27, '[', 'B', 27, 'O', 'P', 27, '[', '1', '5', '~', 'B', 3, 27);
        Screen screen = new Screen(tty);
        List<Integer> keys = new ArrayList<>();
        for (int k; (k = screen.key(10)) != Tty.TIMEOUT; ) keys.add(k);
        assertThat(keys).as("down arrow, F1, F5, then b, Ctrl-C, a lone Esc").containsExactly(27, 27, 27, (int) 'b', Tty.INTERRUPT, 27);

        screen.draw(List.of("short", "x".repeat(20)));
        assertThat(tty.written.toString()).startsWith("\033[?1049h").endsWith("\033[Hshort\033[K\r\n" + "x".repeat(20) + "\033[J");

        screen.close();
        screen.close();
        assertThat(tty.restored).isEqualTo(1);
        assertThat(tty.written.toString()).endsWith("\033[?25h\033[?1049l");
    }
}
