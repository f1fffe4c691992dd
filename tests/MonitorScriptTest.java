package tests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import lib.*;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tests.support.Fixtures;
import tests.support.Scripts;
import tests.support.TestContainer;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.*;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * End to end through {@code ./jbang monitor.java}: --once as scripts use it (the exact frame, JSON, a database
 * that is down, bad input), and the live dashboard in a real terminal (tmux, 100x40) driven with send-keys and
 * read with capture-pane: the frame, the log view, a real manual backup, a container restart refused and then
 * done, and quitting with the terminal back in its normal mode.
 */
class MonitorScriptTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The first run compiles the script: generous, and only a limit for a hung run, never a measurement. */
    private static final Duration PATIENCE = Duration.ofMinutes(4);

    private final Path home = Fixtures.home();
    private final List<String> tmuxSockets = new ArrayList<>();

    @AfterEach
    void killTmux() throws Exception {
        for (String s : tmuxSockets) {
            new ProcessBuilder("tmux", "-S", s, "kill-server").redirectErrorStream(true).start().waitFor();
            Files.deleteIfExists(Path.of(s));
        }
    }

    /** Settings in a config file, as an operator keeps them; the programs the monitor starts get it through --config. */
    private Path configFile(Map<String, String> settings) throws IOException {
        Map<String, String> all = new TreeMap<>(settings);
        all.put("LOG_DIR", home.resolve("logs").toString());
        all.put("BACKUP_DIR", home.resolve("backups").toString());
        all.putIfAbsent("SCHEDULED_TYPES", "");
        all.putIfAbsent("DISK_WARN_PERCENT", "99");
        all.putIfAbsent("DISK_CRITICAL_PERCENT", "100");
        // a drill started from the monitor writes its evidence here, not into the project's docs/
        all.put("DRILL_LOG", home.resolve("restore-test-log.md").toString());
        all.put("DRILL_VALIDATION_SQL", home.resolve("no-validation.sql").toString());
        StringBuilder sb = new StringBuilder();
        all.forEach((k, v) -> sb.append(k).append("='").append(v).append("'\n"));
        Files.createDirectories(home.resolve("config"));
        return Files.writeString(home.resolve("config/test.env"), sb);
    }

    /** Direct mode on the trust cluster, database {@code db} (created with a few rows). */
    private Path trustConfig(String db, String... overrides) throws IOException {
        Config cfg = Fixtures.config(Fixtures.trustCluster(), home);
        Fixtures.createDb(new Pg(new PgTarget(cfg)), db, 20);
        Map<String, String> s = new HashMap<>();
        for (String k : List.of("PGHOST", "PGPORT", "PGUSER", "DOCKER_CONTAINER", "PG_BIN")) s.put(k, cfg.get(k));
        s.put("PGDATABASE", db);
        for (int i = 0; i + 1 < overrides.length; i += 2) s.put(overrides[i], overrides[i + 1]);
        return configFile(s);
    }

    /** The project is the real one (its launcher and scripts); everything the run reads or writes is under {@code home}. */
    private static Map<String, String> env(String... kv) {
        Map<String, String> env = new HashMap<>(Map.of("RA_INFRA_HOME", Scripts.root().toString(), "LC_ALL", "C.UTF-8"));
        for (int i = 0; i + 1 < kv.length; i += 2) env.put(kv[i], kv[i + 1]);
        return env;
    }

    private static String metricsLine(Instant ts, double latencyMs) {
        return "{\"ts\":\"" + ts + "\",\"source\":\"health-check\",\"host\":\"h\",\"status\":\"healthy\",\"millis\":40,"
                + "\"checks\":{\"query\":{\"status\":\"ok\",\"millis\":20,\"values\":{\"latencyMs\":" + latencyMs + "}}}}\n";
    }

    /** Four runs of the last hour (5, 7, 9, 11 ms), one from yesterday, and a line cut by a kill -9 in between. */
    private void metrics() throws IOException {
        Instant now = Instant.now();
        Files.createDirectories(home.resolve("logs"));
        Files.writeString(home.resolve("logs/metrics.jsonl"), metricsLine(now.minusSeconds(86_400), 900)
                + metricsLine(now.minusSeconds(1800), 11) + metricsLine(now.minusSeconds(1500), 5)
                + "{\"ts\":\"" + now.minusSeconds(1400) + "\",\"source\":\"health-check\",\"checks\":{\"query\":{\"values\":{\"lat\n"
                + metricsLine(now.minusSeconds(1200), 9) + metricsLine(now.minusSeconds(900), 7));
    }

    private void dailyBackup(Path config) {
        Config cfg = Config.load(config, Map.of(), Map.of("RA_INFRA_HOME", home.toString()));
        new Backup(cfg, Fixtures.log(cfg)).run(cfg.get("PGDATABASE"), new Backup.Options("daily", "quick", false, false));
    }

    private static void assertLines(String out, String... patterns) {
        List<String> lines = out.lines().toList();
        assertThat(lines).as(out).hasSize(patterns.length);
        for (int i = 0; i < patterns.length; i++) assertThat(lines.get(i)).as("line %d of\n%s", i + 1, out).matches(patterns[i]);
    }

    // ---- --once -----------------------------------------------------------------------------------------

    @Test
    void onceWithoutATerminalPrintsExactlyTheFramePlainAndExitsZero() throws Exception {
        Path config = trustConfig("mon_once");
        metrics();
        dailyBackup(config);

        Scripts.Run run = Scripts.run(env(), "monitor.java", "--once", "--config", config.toString());

        assertThat(run.exit()).as(run.all()).isEqualTo(0);
        assertThat(run.out()).doesNotContain("\033");
        assertLines(run.out(),
                "ra-infrastructure monitor  \\S+  \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC",
                "healthy \\(8 checks in \\d+ ms\\)",
                "ready        OK       127\\.0\\.0\\.1:\\d+ - accepting connections",
                "query        OK       SELECT 1 on 127\\.0\\.0\\.1:\\d+/mon_once in \\d+\\.\\d ms",
                "disk         OK       backups \\d+% used \\(\\d+\\.\\d [KMGT]B free\\), volume \\d+% used .*",
                "connections  OK       \\d+ of \\d+ connections in use \\(\\d+%\\)",
                "long-queries OK       none over 300 s, no transaction idle over 60 s",
                "replication  OK       primary without replicas",
                "backups      OK       no scheduled backup types \\(SCHEDULED_TYPES is empty\\)",
                "restores     OK       no interrupted restore",
                "disk backups \\[#*-*\\|?-*\\|?-*] +\\d+% OK       \\d+\\.\\d [KMGT]B free",
                "disk volume  \\[#*-*\\|?-*\\|?-*] +\\d+% OK       \\d+\\.\\d [KMGT]B free",
                "connections  \\[#*-*\\|--\\|--] +\\d+% OK       \\d+ of \\d+",
                "SELECT 1     P50 7\\.0 ms  P95 11\\.0 ms  P99 11\\.0 ms  \\(last hour, 4 samples\\)",
                "backups      daily +0m +[\\d.]+ (B|KB|MB)  passed \\(quick\\)",
                "drill        none recorded yet \\(\\./jbang dr-drill\\.java\\)");
        assertThat(home.resolve("logs")).as("nothing written: no metrics line, no alert state, no log")
                .isDirectoryNotContaining(p -> !p.getFileName().toString().equals("metrics.jsonl") && !p.getFileName().toString().equals("test.log"));
    }

    @Test
    void onceJsonGivesTheFramesData() throws Exception {
        Path config = trustConfig("mon_json");
        metrics();
        dailyBackup(config);

        Scripts.Run run = Scripts.run(env(), "monitor.java", "--once", "--json", "--config", config.toString());

        assertThat(run.exit()).as(run.all()).isEqualTo(0);
        JsonNode j = JSON.readTree(run.out());
        assertThat(j.path("verdict").asText()).isEqualTo("healthy");
        assertThat(j.path("checks")).extracting(c -> c.path("check").asText())
                .containsExactly("ready", "query", "disk", "connections", "long-queries", "replication", "backups", "restores");
        assertThat(j.path("checks").get(1).path("values").path("latencyMs").isNumber()).isTrue();
        JsonNode lat = j.path("selectLatency");
        assertThat(List.of(lat.path("samples").asInt(), lat.path("p50Ms").asDouble(), lat.path("p95Ms").asDouble(), lat.path("p99Ms").asDouble()))
                .containsExactly(4, 7.0, 11.0, 11.0);
        assertThat(j.path("backups")).hasSize(1);
        assertThat(j.path("backups").get(0).path("type").asText()).isEqualTo("daily");
        assertThat(j.path("backups").get(0).path("verified").asBoolean()).isTrue();
        assertThat(j.path("drill").isNull()).isTrue();
    }

    @Test
    void aDatabaseThatIsDownShowsCriticalAndTheFrameStillComes() throws Exception {
        Path config = configFile(Map.of("DOCKER_CONTAINER", "", "PGHOST", "127.0.0.1", "PGPORT", String.valueOf(TestContainer.freePort()),
                "CHECK_TIMEOUT_SECONDS", "3"));

        Scripts.Run run = Scripts.run(env(), "monitor.java", "--once", "--config", config.toString());

        assertThat(run.exit()).as("the monitor reports, health-check decides: " + run.all()).isEqualTo(0);
        assertThat(run.out()).containsPattern("(?m)^UNHEALTHY: 1 critical(, 1 warning)? \\(8 checks in \\d+ ms\\)$")
                .containsPattern("(?m)^query        CRITICAL cannot connect to 127\\.0\\.0\\.1:\\d+ \\(connection refused\\)")
                .contains("connections  \u2014 (not measured)\n", "SELECT 1     P50 \u2014  P95 \u2014  P99 \u2014  (last hour, 0 samples)\n",
                        "drill        none recorded yet");

        Scripts.Run cp437 = Scripts.run(env("JAVA_TOOL_OPTIONS", "-Dsun.stdout.encoding=IBM437"), "monitor.java", "--once",
                "--config", config.toString());
        assertThat(cp437.out()).as("a console without the dash (a Windows code page) gets a plain one, not a ?")
                .contains("connections  - (not measured)\n")
                .contains("SELECT 1     P50 -  P95 -  P99 -  (last hour, 0 samples)\n");
    }

    @Test
    void badInputIsExitTwoWithAHint() throws Exception {
        Path config = configFile(Map.of("DOCKER_CONTAINER", ""));
        record Case(List<String> args, String error) {}
        for (Case c : List.of(
                new Case(List.of("--once", "--config", home.resolve("missing.env").toString()), "error: config file not found: "),
                new Case(List.of("--once", "--refresh", "0", "--config", config.toString()),
                        "error: MONITOR_REFRESH_SECONDS (from flag) must be a whole number from 1 to 3600, got '0'"),
                new Case(List.of("--json", "--config", config.toString()), "error: --json needs --once HINT: ./jbang monitor.java --once --json"),
                new Case(List.of("--config", config.toString()),
                        "error: the monitor needs a terminal (stdin and stdout) HINT: for scripts use --once (one frame) or --once --json"))) {
            Scripts.Run run = Scripts.run(env(), "monitor.java", c.args().toArray(String[]::new));
            assertThat(run.exit()).as("%s: %s", c.args(), run.all()).isEqualTo(2);
            assertThat(run.err()).as("%s", c.args()).contains(c.error());
            assertThat(run.out()).as("%s", c.args()).isEmpty();
        }
    }

    @Test
    void helpListsTheKeysExamplesAndExitCodes() {
        Scripts.Run run = Scripts.run(env(), "monitor.java", "--help");
        assertThat(run.exit()).isEqualTo(0);
        assertThat(run.out()).contains("[B]ackup now", "[R]estart container", "--once", "Examples:", "./jbang monitor.java --once --json",
                "Exit codes:", "Exit 0 after [Q], Ctrl-C or --once");
    }

    // ---- the live dashboard in tmux ---------------------------------------------------------------------

    /**
     * A monitor running in a tmux server of its own (a socket of its own, removed after the test), in a 100x40
     * window; once the monitor has exited, its exit code and the terminal's modes are saved.
     */
    private final class Tmux {
        final String socket = home.resolve("tmux-" + UUID.randomUUID().toString().substring(0, 8)).toString();
        final Path exitFile = home.resolve("monitor.exit");
        final Path sttyFile = home.resolve("stty.txt");
        final Path errFile = home.resolve("monitor.err");

        Tmux(String... args) throws Exception {
            tmuxSockets.add(socket);
            List<String> cmd = new ArrayList<>(List.of("tmux", "-S", socket, "new-session", "-d", "-x", "100", "-y", "40",
                    "-c", Scripts.root().toString(), "--", "sh", "-c",
                    // Ctrl-C reaches the whole foreground group: the wrapper shell traps it (so that it lives on to
                    // record the exit code) where an interactive shell would ignore it; the monitor gets it as usual
                    "trap true INT; \"$@\" 2>\"$ERR\"; echo \"exit=$?\" > \"$EXIT\"; stty -a > \"$STTY\"", "sh",
                    Scripts.root().resolve("jbang").toString(), Scripts.root().resolve("monitor.java").toString()));
            cmd.addAll(List.of(args));
            ProcessBuilder pb = new ProcessBuilder(cmd).directory(Scripts.root().toFile()).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD);
            pb.environment().keySet().removeIf(k -> k.startsWith("PG") || k.startsWith("TMUX") || k.equals("DOCKER_CONTAINER")
                    || k.equals("NO_COLOR"));
            pb.environment().putAll(env());
            pb.environment().putAll(Map.of("ERR", errFile.toString(), "EXIT", exitFile.toString(), "STTY", sttyFile.toString()));
            assertThat(pb.start().waitFor()).as("tmux new-session").isEqualTo(0);
        }

        String screen() throws Exception {
            Process p = new ProcessBuilder("tmux", "-S", socket, "capture-pane", "-p", "-t", "0").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor(30, TimeUnit.SECONDS);
            return out;
        }

        void keys(String... keys) throws Exception {
            List<String> cmd = new ArrayList<>(List.of("tmux", "-S", socket, "send-keys", "-t", "0"));
            cmd.addAll(List.of(keys));
            assertThat(new ProcessBuilder(cmd).redirectErrorStream(true).start().waitFor()).as("send-keys %s", List.of(keys)).isEqualTo(0);
        }

        /** Polls the screen until {@code ok} holds; fails with the screen and stderr after {@link #PATIENCE}. */
        String await(String what, Predicate<String> ok) throws Exception {
            long deadline = System.nanoTime() + PATIENCE.toNanos();
            String s = "";
            while (System.nanoTime() < deadline) {
                s = screen();
                if (ok.test(s)) return s;
                if (Files.exists(exitFile)) break;
                TestContainer.sleep(200);
            }
            throw new AssertionError("never saw " + what + "; screen:\n" + s + "\nstderr:\n" + read(errFile) + "\nexit: " + read(exitFile));
        }

        String await(String text) throws Exception { return await(text, s -> s.contains(text)); }

        /** Waits for the monitor to end; returns "exit=N". */
        String exit() throws Exception {
            long deadline = System.nanoTime() + PATIENCE.toNanos();
            while (!Files.exists(sttyFile) && System.nanoTime() < deadline) TestContainer.sleep(100);
            TestContainer.sleep(200); // the shell writes the file, then the session ends
            return read(exitFile).strip();
        }

        /** The monitor's JVM: the launcher replaced itself with it, as the only child of the pane's shell. */
        ProcessHandle monitor() throws Exception {
            Process p = new ProcessBuilder("tmux", "-S", socket, "display-message", "-p", "-t", "0", "#{pane_pid}").start();
            long shell = Long.parseLong(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip());
            List<ProcessHandle> children = ProcessHandle.of(shell).orElseThrow().children().toList();
            assertThat(children).as("the pane's shell runs one program").hasSize(1);
            return children.get(0);
        }

        boolean alive() throws Exception {
            return new ProcessBuilder("tmux", "-S", socket, "has-session").redirectErrorStream(true).start().waitFor() == 0;
        }
    }

    private static String read(Path f) throws IOException {
        return Files.exists(f) ? Files.readString(f, StandardCharsets.UTF_8) : "";
    }

    private static void assertTerminalRestored(String stty) {
        assertThat(stty).as("canonical mode and echo are back").containsPattern("(^|\\s)icanon\\s").containsPattern("(^|\\s)echo\\s")
                .doesNotContain("-icanon").doesNotContain(" -echo ");
    }

    @Test
    void theDashboardShowsTheFrameTheLogsRunsABackupAndADrillAndQuitsCleanly() throws Exception {
        Path config = trustConfig("mon_live");
        metrics();
        dailyBackup(config);
        Files.writeString(home.resolve("logs/health-check.log"), "2026-11-23T17:00:00.000Z INFO [1] healthy (7 checks in 40 ms)\n"
                + "2026-11-23T17:05:00.000Z WARN [2] the line the log view must show\n");
        // the backup above logged to test.log a moment ago: clearly older, whatever the clock's granularity
        Files.setLastModifiedTime(home.resolve("logs/test.log"), FileTime.from(Instant.now().minusSeconds(60)));
        Tmux t = new Tmux("--config", config.toString());

        String frame = t.await("SELECT 1     P50 7.0 ms  P95 11.0 ms  P99 11.0 ms  (last hour, 4 samples)");
        assertThat(frame).containsPattern("(?m)^healthy \\(8 checks in \\d+ ms\\)$")
                .containsPattern("(?m)^query        OK       SELECT 1 on 127\\.0\\.0\\.1:\\d+/mon_live in \\d+\\.\\d ms$")
                .containsPattern("(?m)^replication  OK       primary without replicas$")
                .containsPattern("(?m)^backups      daily +\\d+m +[\\d.]+ (B|KB|MB)  passed \\(quick\\)$")
                .contains("[B]ackup now  [V]erify latest  [L]ogs  [Q]uit").doesNotContain("[R]estart");

        t.keys("l");
        String logs = t.await("press any key to return");
        assertThat(logs).contains("health-check.log (last lines) - press any key to return")
                .contains("2026-11-23T17:05:00.000Z WARN [2] the line the log view must show");
        t.keys("Down");
        t.await("the frame again", s -> s.contains("[B]ackup now") && !s.contains("press any key"));
        t.keys("Down", "Up", "l");
        t.await("press any key to return");
        assertThat(home.resolve("logs/monitor.log")).as("arrow keys (ESC [ B...) started nothing").doesNotExist();
        t.keys("Escape");
        t.await("the frame again", s -> s.contains("[B]ackup now") && !s.contains("press any key"));

        t.keys("b", "v");
        String busy = t.await("restore test refused", s -> s.contains("backup is still running: one program at a time"));
        assertThat(busy).containsPattern("(?m)^backup running for \\d+ s$");
        t.await("backup finished OK after");
        assertThat(t.await("the new manual backup", x -> x.contains(" manual "))).as("verified in full by backup.java")
                .containsPattern("(?m)^ +manual +\\d+m +[\\d.]+ (B|KB|MB)  passed \\(full\\)$");
        assertThat(new BackupStore(home.resolve("backups")).list("mon_live")).extracting(BackupStore.Entry::type).contains("manual", "daily");
        assertThat(read(home.resolve("logs/monitor.log"))).contains("starting " + Scripts.root().resolve("backup.java")
                + " --type manual --config " + config).contains("backup finished OK");

        t.keys("v");
        t.await("restore test finished OK after");
        assertThat(t.await("the drill", x -> x.contains("drill        PASS")))
                .containsPattern("(?m)^drill        PASS \\d+m ago, RTO \\d+ s \\(target 60m\\), RPO (\\d+ s|\\d+m) \\(target 24h\\)$");

        t.keys("q");
        assertThat(t.exit()).isEqualTo("exit=0");
        assertTerminalRestored(read(t.sttyFile));
        assertThat(t.alive()).as("the session ended with the monitor").isFalse();
    }

    @Test
    void killedItStillGivesTheTerminalBack() throws Exception {
        Path config = configFile(Map.of("DOCKER_CONTAINER", "", "PGHOST", "127.0.0.1", "PGPORT", String.valueOf(TestContainer.freePort()),
                "CHECK_TIMEOUT_SECONDS", "2"));
        Tmux t = new Tmux("--config", config.toString());
        t.await("query        CRITICAL");

        t.monitor().destroy(); // SIGTERM, as kill or a closing ssh session sends

        assertThat(t.exit()).isEqualTo("exit=143");
        assertTerminalRestored(read(t.sttyFile));
    }

    @Test
    void restartAsksFirstNoLeavesTheContainerAloneYesRestartsItAndCtrlCQuits() throws Exception {
        Fixtures.requireDocker();
        try (TestContainer c = TestContainer.postgres()) {
            Map<String, String> settings = new HashMap<>(c.env(home));
            settings.remove("RA_INFRA_HOME");
            Path config = configFile(settings);
            Tmux t = new Tmux("--config", config.toString());
            t.await("container    OK       container " + c.name() + " running, healthy");
            String started = c.inspect().startedAt();
            assertThat(t.screen()).contains("[R]estart container").containsPattern("(?m)^restarts     " + c.name() + ": \\d+ in total, ");

            t.keys("r");
            t.await("Restart container " + c.name() + "? [y/N]");
            t.keys("n");
            t.await("restart cancelled: " + c.name() + " was not restarted");
            assertThat(c.inspect().startedAt()).as("not restarted").isEqualTo(started);

            t.keys("R");
            t.await("Restart container " + c.name() + "? [y/N]");
            t.keys("y");
            t.await("restart of " + c.name() + " finished OK");
            assertThat(c.inspect().startedAt()).as("restarted").isNotEqualTo(started);

            t.keys("C-c");
            assertThat(t.exit()).isEqualTo("exit=0");
            assertTerminalRestored(read(t.sttyFile));
            assertThat(read(home.resolve("logs/monitor.log"))).contains("restarting container " + c.name() + " (asked at the monitor)");
        }
    }
}
