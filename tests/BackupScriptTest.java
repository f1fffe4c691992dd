package tests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import lib.*;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tests.support.Fixtures;
import tests.support.HttpReceiver;
import tests.support.Scripts;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.*;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * End to end through {@code ./jbang backup.java}, as a user or a scheduler runs it, against real clusters
 * in direct mode: exit codes, one-line errors with hints, the files on disk (opened with the stock
 * zstd, pg_restore and sha256sum), secrets kept out of argv/logs/output, locking, kill -9, full disks
 * and retention.
 */
class BackupScriptTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** A 3M-row database on the trust cluster, shared by the tests that need a run lasting seconds. */
    private static String bigDb;

    private Path home;
    private final List<String> dropAfter = new ArrayList<>();

    @BeforeEach
    void newHome() {
        home = Fixtures.home();
    }

    @AfterEach
    void cleanUp() {
        for (String db : dropAfter) {
            try {
                pg(Fixtures.trustCluster()).dropDatabase(db);
            } catch (RuntimeException ignored) {
                // best effort
            }
        }
        deleteTree(home.getParent());
    }

    @AfterAll
    static void dropBig() {
        if (bigDb != null) {
            sharedPg().dropDatabase(bigDb);
            bigDb = null;
        }
    }

    // ---------------------------------------------------------------- usage

    @Test
    void helpShowsExamplesAndExitCodesVersionPrintsTheVersion() {
        Map<String, String> env = Fixtures.env(Fixtures.trustCluster(), home);
        Scripts.Run help = Scripts.run(env, "backup.java", "--help");
        assertThat(help.exit()).as(help.all()).isZero();
        assertThat(help.out()).contains("Examples:", "./jbang backup.java --type daily", "Exit codes:",
                "not enough free disk space", "another run holds the lock");
        assertThat(help.out()).containsPattern("(?m)^\\s*7\\s+not enough free disk space");
        assertThat(help.out()).containsPattern("(?m)^\\s*4\\s+server, container");

        Scripts.Run version = Scripts.run(env, "backup.java", "--version");
        assertThat(version.exit()).as(version.all()).isZero();
        assertThat(version.out().strip()).isEqualTo("ra-infrastructure backup " + Version.NUMBER);
    }

    @Test
    void bogusTypeIsAOneLineUsageError() {
        Scripts.Run r = Scripts.run(Fixtures.env(Fixtures.trustCluster(), home), "backup.java", "--type", "bogus");
        assertThat(r.exit()).as(r.all()).isEqualTo(ExitCode.USAGE);
        assertThat(errLines(r)).hasSize(1);
        assertThat(errLines(r).get(0)).startsWith("error: unknown --type bogus").contains("HINT:");
        assertThat(Files.exists(home.resolve("backups/manual"))).isFalse();
    }

    @Test
    void unknownKeyInConfigFileIsAUsageErrorNamingTheKey() throws IOException {
        Path file = Files.writeString(home.resolve("my ops.env"), "KEEP_DAILY=3\nKEEP_DAILLY=4\n");
        Scripts.Run r = Scripts.run(Fixtures.env(Fixtures.trustCluster(), home), "backup.java", "--config", file.toString());
        assertThat(r.exit()).as(r.all()).isEqualTo(ExitCode.USAGE);
        assertThat(errLines(r)).hasSize(1);
        assertThat(errLines(r).get(0)).contains("unknown key KEEP_DAILLY", "line 2", "my ops.env");
    }

    @Test
    void invalidVerifyInEnvironmentIsAUsageError() {
        Map<String, String> env = Fixtures.env(Fixtures.trustCluster(), home);
        env.put("VERIFY", "always");
        Scripts.Run r = Scripts.run(env, "backup.java");
        assertThat(r.exit()).as(r.all()).isEqualTo(ExitCode.USAGE);
        assertThat(errLines(r)).hasSize(1);
        assertThat(errLines(r).get(0)).contains("VERIFY", "always", "full, quick or none");
    }

    // ---------------------------------------------------------------- a good backup

    @Test
    void dailyBackupWritesFilesTheStockToolsOpen() throws Exception {
        ScratchServer server = Fixtures.trustCluster();
        String db = newDb(server, "daily", 1234);
        Scripts.Run r = Scripts.run(Fixtures.env(server, home), "backup.java", "--type", "daily", "--db", db, "--json");
        assertThat(r.exit()).as(r.all()).isZero();

        JsonNode json = JSON.readTree(r.out());
        assertThat(json.path("exitCode").asInt(-1)).isZero();
        JsonNode row = json.path("backups").get(0);
        assertThat(row.path("database").asText()).isEqualTo(db);
        assertThat(row.path("status").asText()).isEqualTo("ok");
        assertThat(row.path("manifest").path("verify").path("status").asText()).isEqualTo("passed");
        assertThat(row.path("manifest").path("verify").path("level").asText()).isEqualTo("full");

        Path daily = home.resolve("backups/daily");
        assertThat(daily.toString()).contains(" ");
        List<String> names = names(daily);
        assertThat(names).hasSize(3);
        String base = names.stream().filter(n -> n.endsWith(".manifest.json")).findFirst().orElseThrow()
                .replace(".manifest.json", "");
        assertThat(base).matches(java.util.regex.Pattern.quote(db) + "_\\d{8}T\\d{6}Z_daily");
        assertThat(names).containsExactlyInAnyOrder(base + ".dump.zst", base + ".globals.sql.zst", base + ".manifest.json");
        // the stamp is UTC "now"
        String stamp = base.substring(db.length() + 1, db.length() + 17);
        java.time.Instant at = BackupStore.STAMP.parse(stamp, java.time.Instant::from);
        assertThat(java.time.Duration.between(at, java.time.Instant.now()).abs().toMinutes()).isLessThan(5);

        Path dump = daily.resolve(base + ".dump.zst");
        Path globals = daily.resolve(base + ".globals.sql.zst");
        JsonNode manifest = JSON.readTree(daily.resolve(base + ".manifest.json").toFile());
        assertThat(row.path("file").asText()).isEqualTo(dump.toString());

        String pgRestore = Path.of(Fixtures.config(server, home).get("PG_BIN"), "pg_restore").toString();
        Cmd list = sh("zstd -dc \"$1\" > \"$3\" && \"$2\" --list \"$3\"", dump.toString(), pgRestore,
                home.resolve("plain dump").toString());
        assertThat(list.exit()).as(list.out()).isZero();
        assertThat(list.out()).contains("TABLE DATA public products", "TABLE public products");
        Cmd test = sh("zstd -tq \"$1\" && zstd -tq \"$2\"", dump.toString(), globals.toString());
        assertThat(test.exit()).as(test.out()).isZero();
        Cmd roles = sh("zstd -dc \"$1\"", globals.toString());
        assertThat(roles.exit()).isZero();
        assertThat(roles.out()).contains("CREATE ROLE postgres");

        Cmd sum = run(List.of("sha256sum", dump.toString()));
        assertThat(sum.exit()).isZero();
        assertThat(sum.out().split("\\s+")[0]).isEqualTo(manifest.path("sha256").asText());
        assertThat(run(List.of("sha256sum", globals.toString())).out().split("\\s+")[0])
                .isEqualTo(manifest.path("globalsSha256").asText());
        assertThat(manifest.path("storedBytes").asLong()).isEqualTo(Files.size(dump));
        assertThat(manifest.path("mode").asText()).isEqualTo("direct");
        Map<String, Long> counts = new HashMap<>();
        manifest.path("tables").forEach(t -> counts.put(t.path("table").asText(), t.path("rows").asLong()));
        assertThat(counts).containsEntry("products", 1234L).containsEntry("odd \"name\" ü", 2L);

        Scripts.Run listing = Scripts.run(Fixtures.env(server, home), "backup.java", "--list");
        assertThat(listing.exit()).as(listing.all()).isZero();
        String line = listing.out().lines().filter(l -> l.contains(base + ".dump.zst")).findFirst().orElse("");
        assertThat(line).as(listing.out()).contains(db, "daily", "passed (full)");
    }

    // ---------------------------------------------------------------- what goes wrong

    @Test
    void wrongPasswordIsExit4WithHintAndTheValueNeverShows() throws IOException {
        ScratchServer server = Fixtures.passwordCluster();
        String wrong = "Wr0ng-Secret 'x' \"y\" $z";
        Map<String, String> env = Fixtures.env(server, home);
        env.put("PGPASSWORD", wrong);
        Scripts.Run r = Scripts.run(env, "backup.java", "--db", "postgres");
        assertThat(r.exit()).as(r.all()).isEqualTo(ExitCode.UNAVAILABLE);
        assertThat(errLines(r)).hasSize(1);
        assertThat(errLines(r).get(0)).contains("password authentication failed", "HINT:");
        assertThat(r.all()).doesNotContain(wrong).doesNotContain("Wr0ng-Secret");
        assertThat(logText()).isNotEmpty().doesNotContain("Wr0ng-Secret");
        assertThat(Files.exists(home.resolve("backups/manual")) ? names(home.resolve("backups/manual")) : List.of()).isEmpty();
    }

    @Test
    void serverDownIsExit4CannotConnect() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Map<String, String> env = Fixtures.env(Fixtures.trustCluster(), home);
        env.put("PGPORT", String.valueOf(port));
        Scripts.Run r = Scripts.run(env, "backup.java", "--db", "postgres");
        assertThat(r.exit()).as(r.all()).isEqualTo(ExitCode.UNAVAILABLE);
        assertThat(errLines(r)).hasSize(1);
        assertThat(errLines(r).get(0)).contains("cannot connect", "127.0.0.1:" + port, "HINT:");
    }

    @Test
    void missingClientToolsIsExit4NamingTheProgram() {
        Map<String, String> env = Fixtures.env(Fixtures.trustCluster(), home);
        env.put("PG_BIN", "/nonexistent");
        Scripts.Run r = Scripts.run(env, "backup.java", "--db", "postgres");
        assertThat(r.exit()).as(r.all()).isEqualTo(ExitCode.UNAVAILABLE);
        assertThat(errLines(r)).hasSize(1);
        assertThat(errLines(r).get(0)).containsPattern("pg_dump|psql").contains("/nonexistent", "HINT:", "PG_BIN");
    }

    @Test
    void missingDatabaseIsExit4AndDoesNotStopTheOthers() throws IOException {
        ScratchServer server = Fixtures.trustCluster();
        String missing = "nosuchdb_" + uid();
        Scripts.Run r = Scripts.run(Fixtures.env(server, home), "backup.java", "--db", missing);
        assertThat(r.exit()).as(r.all()).isEqualTo(ExitCode.UNAVAILABLE);
        assertThat(errLines(r)).hasSize(1);
        assertThat(errLines(r).get(0)).contains("database \"" + missing + "\" does not exist", "HINT:");

        String good = newDb(server, "good", 50);
        Scripts.Run both = Scripts.run(Fixtures.env(server, home), "backup.java", "--db", good, "--db", missing);
        assertThat(both.exit()).as(both.all()).isEqualTo(ExitCode.UNAVAILABLE);
        assertThat(both.out()).contains("backup of " + good + " OK");
        assertThat(errLines(both)).hasSize(1);
        assertThat(errLines(both).get(0)).contains(missing, "does not exist");
        List<BackupStore.Entry> entries = new BackupStore(home.resolve("backups")).list(null);
        assertThat(entries).hasSize(1);
        assertThat(entries.get(0).db()).isEqualTo(good);
        assertThat(entries.get(0).verified()).isTrue();
    }

    @Test
    void aFailedScheduledBackupAlertsOnceAndTheNextGoodOneSendsRecovered() throws Exception {
        ScratchServer server = Fixtures.trustCluster();
        String db = "alerted_" + uid();
        try (HttpReceiver hook = new HttpReceiver()) {
            Files.createDirectories(home.resolve("config"));
            Files.writeString(home.resolve("config/monitoring.env"), "WEBHOOK_URL=" + hook.url("/hook") + "\n");
            Scripts.Run failed = Scripts.run(Fixtures.env(server, home), "backup.java", "--type", "daily", "--db", db);
            assertThat(failed.exit()).as(failed.all()).isEqualTo(ExitCode.UNAVAILABLE);
            JsonNode alert = JSON.readTree(hook.awaitRequests(1, java.time.Duration.ofSeconds(5)).get(0).body());
            assertThat(alert.path("subject").asText()).isEqualTo("[ALERT] ra-infrastructure - backup of " + db + " failed: database does not exist");
            assertThat(alert.path("text").asText()).contains("does not exist").contains("Action:").contains("docs/alerts.md#backups");

            Scripts.Run again = Scripts.run(Fixtures.env(server, home), "backup.java", "--type", "daily", "--db", db);
            assertThat(again.exit()).isEqualTo(ExitCode.UNAVAILABLE);
            assertThat(hook.requests()).as("rate-limited: no second alert").hasSize(1);
            Scripts.Run manual = Scripts.run(Fixtures.env(server, home), "backup.java", "--db", db);
            assertThat(manual.exit()).isEqualTo(ExitCode.UNAVAILABLE);
            assertThat(hook.requests()).as("manual runs are watched by their operator, not alerted").hasSize(1);

            dropAfter.add(db);
            Fixtures.createDb(pg(server), db, 10);
            Scripts.Run good = Scripts.run(Fixtures.env(server, home), "backup.java", "--type", "daily", "--db", db);
            assertThat(good.exit()).as(good.all()).isEqualTo(0);
            JsonNode recovered = JSON.readTree(hook.awaitRequests(2, java.time.Duration.ofSeconds(5)).get(1).body());
            assertThat(recovered.path("subject").asText()).startsWith("[RECOVERED] ra-infrastructure - backup of " + db + " failed: database does not exist (down ");
        }
    }

    // ---------------------------------------------------------------- names and secrets

    @Test
    void hostileDatabaseNamesBackUpAndRestore() {
        ScratchServer server = Fixtures.trustCluster();
        String id = uid();
        String quoted = "it's \"odd\" $x " + id;
        String unicode = "ünï cödé db " + id;
        Pg pg = pg(server);
        Fixtures.createDb(pg, quoted, 321);
        Fixtures.createDb(pg, unicode, 654);
        dropAfter.addAll(List.of(quoted, unicode, quoted + "_copy", unicode + "_copy"));
        Map<String, String> env = Fixtures.env(server, home);

        Scripts.Run b = Scripts.run(env, "backup.java", "--type", "daily", "--db", quoted, "--db", unicode);
        assertThat(b.exit()).as(b.all()).isZero();
        assertThat(b.out()).contains("backup of " + quoted + " OK", "backup of " + unicode + " OK");
        List<BackupStore.Entry> entries = new BackupStore(home.resolve("backups")).list(null);
        assertThat(entries).extracting(BackupStore.Entry::db).containsExactlyInAnyOrder(quoted, unicode);
        assertThat(entries).allMatch(BackupStore.Entry::verified);

        for (var e : Map.of(quoted, 321L, unicode, 654L).entrySet()) {
            String name = e.getKey();
            Scripts.Run r = Scripts.run(env, "restore.java", "--latest", "--db", name, "--target-db", name + "_copy", "--yes");
            assertThat(r.exit()).as(r.all()).isZero();
            assertThat(r.out()).contains("into " + name + "_copy");
            assertThat(pg.exists(name + "_copy")).isTrue();
            assertThat(count(pg, name + "_copy", "products")).isEqualTo(e.getValue());
            assertThat(count(pg, name + "_copy", "odd \"name\" ü")).isEqualTo(2);
            assertThat(count(pg, name, "products")).isEqualTo(e.getValue());
        }
    }

    @Test
    void passwordNeverAppearsInArgvLogsManifestOrOutput() throws Exception {
        ScratchServer server = Fixtures.passwordCluster();
        Pg pg = pg(server);
        String db = "argv_" + uid();
        Fixtures.createDb(pg, db, 2_000_000);
        try {
            Map<String, String> env = Fixtures.env(server, home);
            assertThat(env.get("PGPASSWORD")).isEqualTo(Fixtures.HOSTILE_PASSWORD);
            Path out = home.resolve("out.txt");
            Path err = home.resolve("err.txt");
            Process p = Scripts.start(env, out, err, "backup.java", "--db", db);
            Set<String> seen = new LinkedHashSet<>();
            int polls = 0;
            while (p.isAlive()) {
                seen.addAll(processTree(p.pid()));
                polls++;
                Thread.sleep(30);
            }
            assertThat(p.waitFor(1, TimeUnit.MINUTES)).isTrue();
            String stdout = Files.readString(out);
            String stderr = Files.readString(err);
            assertThat(p.exitValue()).as(stdout + stderr).isZero();
            assertThat(polls).isGreaterThan(5);
            // the polls did catch the tools running, with their arguments
            assertThat(String.join("\n", seen)).contains("pg_dump", "pg_restore", "psql");
            for (String line : seen) {
                assertThat(line).doesNotContain(Fixtures.HOSTILE_PASSWORD).doesNotContain("p@ss w").doesNotContain("w'o\"rd");
            }
            String everything = stdout + stderr + logText() + filesText(home.resolve("backups"));
            assertThat(everything).contains(db).doesNotContain("p@ss w").doesNotContain("w'o\"rd");
        } finally {
            pg.dropDatabase(db);
        }
    }

    // ---------------------------------------------------------------- locking and crashes

    @Test
    void aDailyAndAWeeklyStartedTogetherBothRunOneAfterTheOtherWithoutAlerts() throws Exception {
        ScratchServer server = Fixtures.trustCluster();
        String db = bigDb();
        Map<String, String> env = Fixtures.env(server, home);
        env.put("VERIFY", "quick");
        try (HttpReceiver hook = new HttpReceiver()) {
            Files.createDirectories(home.resolve("config"));
            Files.writeString(home.resolve("config/monitoring.env"), "WEBHOOK_URL=" + hook.url("/hook") + "\n");
            Path o1 = home.resolve("o1"), e1 = home.resolve("e1"), o2 = home.resolve("o2"), e2 = home.resolve("e2");
            Process daily = Scripts.start(env, o1, e1, "backup.java", "--type", "daily", "--db", db);
            Process weekly = Scripts.start(env, o2, e2, "backup.java", "--type", "weekly", "--db", db);
            assertThat(daily.waitFor(5, TimeUnit.MINUTES)).isTrue();
            assertThat(weekly.waitFor(5, TimeUnit.MINUTES)).isTrue();
            assertThat(daily.exitValue()).as(Files.readString(e1)).isZero();
            assertThat(weekly.exitValue()).as(Files.readString(e2)).isZero();
            assertThat(logText()).as("the later one waited for the lock").contains("waits up to 1800 s for the run that holds its lock (pid ");
            assertThat(new BackupStore(home.resolve("backups")).list(db)).extracting(BackupStore.Entry::type, BackupStore.Entry::verified)
                    .containsExactlyInAnyOrder(org.assertj.core.groups.Tuple.tuple("daily", true), org.assertj.core.groups.Tuple.tuple("weekly", true));
            assertThat(hook.requests()).as("nothing failed: no alert").isEmpty();
        }
    }

    @Test
    void aRunThatGivesUpWaitingForTheLockIsExit3SaysItWasSkippedAndAlertsSo() throws Exception {
        ScratchServer server = Fixtures.trustCluster();
        String db = newDb(server, "locked", 10);
        Map<String, String> env = Fixtures.env(server, home);
        env.put("VERIFY", "quick");
        env.put("LOCK_WAIT_SECONDS", "1");
        Path backups = home.resolve("backups");
        try (HttpReceiver hook = new HttpReceiver()) {
            Files.createDirectories(home.resolve("config"));
            Files.writeString(home.resolve("config/monitoring.env"), "WEBHOOK_URL=" + hook.url("/hook") + "\n");
            try (Lock held = Lock.acquire(backups, db, "backup")) {   // this JVM holds it, as another run would
                Scripts.Run r = Scripts.run(env, "backup.java", "--type", "daily", "--db", db);
                assertThat(r.exit()).as(r.all()).isEqualTo(ExitCode.LOCKED);
                assertThat(errLines(r)).hasSize(1);
                assertThat(errLines(r).get(0)).startsWith("warning: backup of " + db + " skipped: another run held the lock for over 1 s (pid "
                        + ProcessHandle.current().pid() + " since ").contains("HINT:").doesNotContain(db + " failed");
                assertThat(new BackupStore(backups).list(db)).isEmpty();
            }
            JsonNode alert = JSON.readTree(hook.awaitRequests(1, java.time.Duration.ofSeconds(5)).get(0).body());
            assertThat(alert.path("subject").asText()).isEqualTo("[WARNING] ra-infrastructure - backup of " + db
                    + " skipped: another run held the lock");
            assertThat(logText()).contains("backup of " + db + " skipped: ").doesNotContain("backup of " + db + " failed");
            Scripts.Run after = Scripts.run(env, "backup.java", "--type", "daily", "--db", db);
            assertThat(after.exit()).as(after.all()).isZero();
            assertThat(new BackupStore(backups).list(db)).hasSize(1);
            JsonNode recovered = JSON.readTree(hook.awaitRequests(2, java.time.Duration.ofSeconds(5)).get(1).body());
            assertThat(recovered.path("subject").asText()).startsWith("[RECOVERED] ra-infrastructure - backup of " + db + " skipped");
        }
    }

    @Test
    void aFrozenDockerEngineFailsTheBackupInBoundedTimeLogsAlertsAndFreesTheLock() throws Exception {
        Path bin = Files.createDirectories(home.resolve("frozen-bin"));
        Fixtures.shellScript(bin.resolve("docker"), "exec sleep 600\n");   // Docker Desktop frozen: every docker call hangs
        Map<String, String> env = Fixtures.env(Fixtures.trustCluster(), home);
        env.put("DOCKER_CONTAINER", "inventory-db");
        env.put("COMMAND_TIMEOUT_SECONDS", "2");
        env.put("PATH", bin + File.pathSeparator + System.getenv("PATH"));
        try (HttpReceiver hook = new HttpReceiver()) {
            Files.createDirectories(home.resolve("config"));
            Files.writeString(home.resolve("config/monitoring.env"), "WEBHOOK_URL=" + hook.url("/hook") + "\n");
            Scripts.Run r = Scripts.run(env, "backup.java", "--type", "daily", "--db", "inventory");
            assertThat(r.exit()).as(r.all()).isEqualTo(ExitCode.UNAVAILABLE);
            assertThat(errLines(r)).singleElement().asString().contains("docker did not finish within 2 s", "HINT:",
                    "the Docker engine does not answer");
            assertThat(logText()).contains("ERROR", "backup of inventory failed: ", "docker did not finish within 2 s");
            JsonNode alert = JSON.readTree(hook.awaitRequests(1, java.time.Duration.ofSeconds(5)).get(0).body());
            assertThat(alert.path("subject").asText()).startsWith("[ALERT] ra-infrastructure - backup of inventory failed");
        }
        Lock.acquire(home.resolve("backups"), "inventory", "test").close();
    }

    @Test
    void killMinus9MidDumpLeavesNothingThatLooksGood() throws Exception {
        ScratchServer server = Fixtures.trustCluster();
        String db = bigDb();
        Map<String, String> env = Fixtures.env(server, home);
        env.put("VERIFY", "quick");
        Path backups = home.resolve("backups");

        Scripts.Run first = Scripts.run(env, "backup.java", "--type", "daily", "--db", db);
        assertThat(first.exit()).as(first.all()).isZero();
        BackupStore store = new BackupStore(backups);
        BackupStore.Entry good = store.list(db).get(0);
        assertThat(good.verified()).isTrue();

        env.put("VERIFY", "full");
        Path out = home.resolve("out.txt");
        Path err = home.resolve("err.txt");
        Process p = Scripts.start(env, out, err, "backup.java", "--type", "daily", "--db", db);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        List<Path> partials = List.of();
        while (partials.isEmpty() && p.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(20);
            partials = partials(backups);
        }
        assertThat(partials).as("a .partial file while the backup runs; " + Files.readString(err)).isNotEmpty();
        List<ProcessHandle> tree = p.descendants().toList();
        p.destroyForcibly();
        tree.forEach(ProcessHandle::destroyForcibly);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isEqualTo(137);
        for (ProcessHandle h : tree) h.onExit().get(30, TimeUnit.SECONDS);

        // nothing of the killed run counts: the only complete dump is the good one, and it is intact
        List<BackupStore.Entry> after = store.list(db);
        assertThat(after.stream().filter(BackupStore.Entry::verified).map(BackupStore.Entry::dump).toList())
                .containsExactly(good.dump());
        try (Stream<Path> s = Files.walk(backups)) {
            List<Path> dumps = s.filter(f -> f.getFileName().toString().endsWith(".dump.zst")).toList();
            assertThat(dumps).containsExactly(good.dump());
        }
        assertThat(ArchiveWriter.sha256(good.dump())).isEqualTo(good.manifest().sha256());
        Scripts.Run listing = Scripts.run(env, "backup.java", "--list");
        assertThat(listing.exit()).isZero();
        assertThat(listing.out().lines().filter(l -> l.contains("passed")).toList()).as(listing.out())
                .hasSize(1).allMatch(l -> l.contains(good.dump().getFileName().toString()));
        assertThat(listing.out()).doesNotContain(".partial");

        // the next run cleans up and succeeds
        env.put("VERIFY", "quick");
        Scripts.Run next = Scripts.run(env, "backup.java", "--type", "daily", "--db", db);
        assertThat(next.exit()).as(next.all()).isZero();
        assertThat(partials(backups)).isEmpty();
        assertThat(logText()).contains("removed temp file of an interrupted run");
        assertThat(store.list(db)).hasSize(2).allMatch(BackupStore.Entry::verified);
        assertThat(ArchiveWriter.sha256(good.dump())).isEqualTo(good.manifest().sha256());
    }

    // ---------------------------------------------------------------- full disks

    @Test
    void smallDiskIsRefusedBeforeWritingAnything() {
        ScratchServer server = Fixtures.trustCluster();
        String db = "rndtext_" + uid();
        dropAfter.add(db);
        Pg pg = pg(server);
        pg.psql().exec("postgres", "CREATE DATABASE " + Psql.ident(db));
        pg.psql().exec(db, "CREATE TABLE noise (id int PRIMARY KEY, a text, b text);"
                + "INSERT INTO noise SELECT g, md5(random()::text), md5(random()::text) FROM generate_series(1, 200000) g;");
        Path disk = home.resolve("small disk");
        withTmpfs(disk, "2m", () -> {
            Map<String, String> env = Fixtures.env(server, home);
            env.put("BACKUP_DIR", disk.toString());
            Scripts.Run r = Scripts.run(env, "backup.java", "--db", db);
            assertThat(r.exit()).as(r.all()).isEqualTo(ExitCode.NO_SPACE);
            assertThat(errLines(r)).hasSize(1);
            assertThat(errLines(r).get(0)).containsAnyOf("disk full", "not enough free space").contains("HINT:");
            assertThat(partials(disk)).isEmpty();
            assertThat(dumpFiles(disk)).isEmpty();
        });
    }

    @Test
    void estimateFromThePreviousBackupRefusesWhenItNoLongerFits() {
        ScratchServer server = Fixtures.trustCluster();
        String db = randomBytesDb(server, 10_000);   // ~10 MB that does not compress
        long dbSize = pg(server).databaseSize(db);
        long tmpfs = dbSize * 55 / 100 + (3 << 20);   // the first estimate (half the database, +10%) fits
        assertThat(tmpfs).isLessThan(2 * 10_000L * 1024);   // the second (1.25 x the first backup, +10%) cannot
        Path disk = home.resolve("filling disk");
        withTmpfs(disk, (tmpfs / 1024) + "k", () -> {
            Map<String, String> env = Fixtures.env(server, home);
            env.put("BACKUP_DIR", disk.toString());
            env.put("VERIFY", "quick");
            Scripts.Run first = Scripts.run(env, "backup.java", "--db", db);
            assertThat(first.exit()).as(first.all()).isZero();
            BackupStore.Entry good = new BackupStore(disk).list(db).get(0);

            Scripts.Run second = Scripts.run(env, "backup.java", "--db", db);
            assertThat(second.exit()).as(second.all()).isEqualTo(ExitCode.NO_SPACE);
            assertThat(errLines(second)).hasSize(1);
            assertThat(errLines(second).get(0)).contains("not enough free space", "need about", "HINT:");
            assertThat(partials(disk)).isEmpty();
            assertThat(dumpFiles(disk)).containsExactly(good.dump());
            assertThat(ArchiveWriter.sha256(good.dump())).isEqualTo(good.manifest().sha256());
        });
    }

    @Test
    void diskFillingUpMidDumpIsExit7AndLeavesNoPartial() {
        ScratchServer server = Fixtures.trustCluster();
        int rows = 30_000;   // ~30 MB that does not compress
        String db = randomBytesDb(server, rows);
        long dbSize = pg(server).databaseSize(db);
        long tmpfs = dbSize * 55 / 100 + (3 << 20);   // the estimate (half the database, +10%) fits...
        assertThat(tmpfs + (3 << 20)).isLessThan(rows * 1024L);   // ...the real dump does not
        Path disk = home.resolve("full disk");
        withTmpfs(disk, (tmpfs / 1024) + "k", () -> {
            Map<String, String> env = Fixtures.env(server, home);
            env.put("BACKUP_DIR", disk.toString());
            Scripts.Run r = Scripts.run(env, "backup.java", "--db", db);
            assertThat(r.exit()).as(r.all()).isEqualTo(ExitCode.NO_SPACE);
            assertThat(errLines(r)).hasSize(1);
            assertThat(errLines(r).get(0)).contains("disk full", "HINT:").doesNotContain("not enough free space");
            assertThat(partials(disk)).isEmpty();
            assertThat(dumpFiles(disk)).isEmpty();
            assertThat(pg(server).psql().value("postgres", "SELECT count(*) FROM pg_database WHERE datname LIKE "
                    + Psql.literal(db + "_verify_%"))).isEqualTo("0");
        });
    }

    // ---------------------------------------------------------------- retention

    @Test
    void retentionKeepsKeepDailySetsAndDryRunDeletesNothing() throws Exception {
        ScratchServer server = Fixtures.trustCluster();
        String db = newDb(server, "ret", 100);
        Map<String, String> env = Fixtures.env(server, home);
        env.put("KEEP_DAILY", "2");
        env.put("VERIFY", "quick");
        Path daily = home.resolve("backups/daily");
        List<String> stamps = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Scripts.Run r = Scripts.run(env, "backup.java", "--type", "daily", "--db", db);
            assertThat(r.exit()).as(r.all()).isZero();
            stamps.add(new BackupStore(home.resolve("backups")).list(db).get(0).dump().getFileName().toString());
            if (i == 2) assertThat(r.out()).contains("retention deleted", stamps.get(0).replace(".dump.zst", ""));
        }
        assertThat(stamps).doesNotHaveDuplicates();
        List<String> left = names(daily);
        assertThat(left).hasSize(6);
        assertThat(left).noneMatch(n -> n.startsWith(stamps.get(0).replace(".dump.zst", "")));
        assertThat(left).contains(stamps.get(1), stamps.get(2));

        env.put("KEEP_DAILY", "1");
        Scripts.Run dry = Scripts.run(env, "backup.java", "--type", "daily", "--db", db, "--dry-run");
        assertThat(dry.exit()).as(dry.all()).isZero();
        assertThat(dry.out()).contains("dry run: would back up " + db);
        List<String> wouldDelete = dry.out().lines().filter(l -> l.startsWith("retention would delete: ")).toList();
        assertThat(wouldDelete).hasSize(3).allMatch(l -> l.contains(stamps.get(1).replace(".dump.zst", "")));
        assertThat(names(daily)).isEqualTo(left);
    }

    // ================================================================ helpers

    private Pg pg(ScratchServer server) {
        return new Pg(new PgTarget(Fixtures.config(server, home)));
    }

    private String newDb(ScratchServer server, String prefix, int rows) {
        String db = prefix + "_" + uid();
        dropAfter.add(db);
        Fixtures.createDb(pg(server), db, rows);
        return db;
    }

    /** A database of {@code rows} rows of 1 KB random bytes (stored as is, and incompressible in the dump). */
    private String randomBytesDb(ScratchServer server, int rows) {
        String db = "rndbytes_" + uid();
        dropAfter.add(db);
        Pg pg = pg(server);
        pg.psql().exec("postgres", "CREATE DATABASE " + Psql.ident(db));
        pg.psql().exec(db, "CREATE TABLE blobs (id int PRIMARY KEY, data bytea NOT NULL);"
                + "INSERT INTO blobs SELECT g, (SELECT decode(string_agg(md5(random()::text || g || s), ''), 'hex')"
                + " FROM generate_series(1, 64) s) FROM generate_series(1, " + rows + ") g;");
        return db;
    }

    private static synchronized String bigDb() {
        if (bigDb == null) {
            String db = "big_" + uid();
            Fixtures.createDb(sharedPg(), db, 3_000_000);
            bigDb = db;
        }
        return bigDb;
    }

    /** The trust cluster, for class-wide set-up (no files are written under the home given). */
    private static Pg sharedPg() {
        return new Pg(new PgTarget(Fixtures.config(Fixtures.trustCluster(), Path.of(System.getProperty("java.io.tmpdir")))));
    }

    static long count(Pg pg, String db, String table) {
        return Long.parseLong(pg.psql().value(db, "SELECT count(*) FROM " + Psql.ident(table)));
    }

    static String uid() {
        return Long.toString(ThreadLocalRandom.current().nextLong(1L << 40), 36);
    }

    /** The script's own stderr lines (JBang's "[jbang] Building jar..." lines on a cold cache are not ours). */
    static List<String> errLines(Scripts.Run r) {
        return r.err().lines().filter(l -> !l.isBlank() && !l.startsWith("[jbang]")).toList();
    }

    private String logText() throws IOException {
        return filesText(home.resolve("logs"));
    }

    static String filesText(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) return "";
        StringBuilder sb = new StringBuilder();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path f : s.filter(Files::isRegularFile).toList()) {
                String n = f.getFileName().toString();
                if (n.contains(".dump")) continue;   // table data only
                if (n.endsWith(".zst")) {
                    sb.append(sh("zstd -dc \"$1\"", f.toString()).out());
                } else {
                    sb.append(new String(Files.readAllBytes(f), StandardCharsets.UTF_8));
                }
            }
        }
        return sb.toString();
    }

    static List<String> names(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<Path> partials(Path dir) {
        return walk(dir).stream().filter(f -> f.getFileName().toString().endsWith(".partial")).toList();
    }

    static List<Path> dumpFiles(Path dir) {
        return walk(dir).stream().filter(f -> f.getFileName().toString().contains(".dump")).toList();
    }

    private static List<Path> walk(Path dir) {
        if (!Files.exists(dir)) return List.of();
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).toList();
        } catch (IOException | UncheckedIOException e) {
            return List.of();   // a file vanished while walking: the caller polls again
        }
    }

    /** "pid args" lines of {@code root} and every process below it, from one ps snapshot. */
    static List<String> processTree(long root) {
        Cmd ps = run(List.of("ps", "-eo", "pid=,ppid=,args="));
        Map<Long, Long> parent = new HashMap<>();
        Map<Long, String> args = new HashMap<>();
        for (String line : ps.out().lines().toList()) {
            String[] f = line.strip().split("\\s+", 3);
            if (f.length < 2) continue;
            long pid = Long.parseLong(f[0]);
            parent.put(pid, Long.parseLong(f[1]));
            args.put(pid, f.length > 2 ? f[2] : "");
        }
        List<String> out = new ArrayList<>();
        for (long pid : args.keySet()) {
            for (long p = pid; p > 1; p = parent.getOrDefault(p, 0L)) {
                if (p == root) {
                    out.add(args.get(pid));
                    break;
                }
            }
        }
        return out;
    }

    interface Body {
        void run() throws Exception;
    }

    /** Mounts a tmpfs of {@code size} on {@code dir} for {@code body}; skips (fails in CI) when mounting is not allowed. */
    static void withTmpfs(Path dir, String size, Body body) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Cmd m = run(List.of("mount", "-t", "tmpfs", "-o", "size=" + size, "tmpfs", dir.toString()));
        if (m.exit() != 0) {
            if ("true".equals(System.getenv("CI"))) fail("CI must be able to mount a tmpfs: " + m.out());
            assumeTrue(false, "cannot mount a tmpfs here (" + m.out().strip() + ")");
        }
        try {
            body.run();
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Exception e) {
            throw new RuntimeException(e);
        } finally {
            Cmd u = run(List.of("umount", dir.toString()));
            if (u.exit() != 0) run(List.of("umount", "-l", dir.toString()));
        }
    }

    record Cmd(int exit, String out) {}

    /** Runs a shell snippet with arguments as $1, $2...; stdout and stderr together. */
    static Cmd sh(String script, String... args) {
        List<String> cmd = new ArrayList<>(List.of("sh", "-c", script, "sh"));
        cmd.addAll(List.of(args));
        return run(cmd);
    }

    static Cmd run(List<String> cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(2, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                fail(cmd + " did not finish");
            }
            return new Cmd(p.exitValue(), out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    static void deleteTree(Path root) {
        if (root == null || !Files.exists(root)) return;
        try (Stream<Path> s = Files.walk(root)) {
            s.sorted(Comparator.reverseOrder()).forEach(f -> {
                try {
                    Files.deleteIfExists(f);
                } catch (IOException ignored) {
                    // best effort
                }
            });
        } catch (IOException | UncheckedIOException ignored) {
            // best effort
        }
    }
}
