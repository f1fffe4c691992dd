package tests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import lib.Backup;
import lib.Config;
import lib.ExitCode;
import lib.Pg;
import lib.PgTarget;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tests.support.Fixtures;
import tests.support.HttpReceiver;
import tests.support.Scripts;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code ./jbang dr-drill.java}: configured drills and the sandbox end to end, on local binaries and in Docker. */
class DrDrillScriptTest {
    private Path home;

    @BeforeEach
    void newHome() {
        home = Fixtures.home();
    }

    @AfterEach
    void cleanUp() {
        BackupScriptTest.deleteTree(home.getParent());
    }

    private Map<String, String> env() {
        return new HashMap<>(Map.of("RA_INFRA_HOME", home.toString()));
    }

    @Test
    void sandboxDrillPassesWithRtoAndRpoAndLeavesTheRealEvidenceAlone() throws Exception {
        Path realLog = home.resolve("docs/restore-test-log.md");
        Files.createDirectories(realLog.getParent());
        String real = "# Restore test log\n\n| the real system's drills |\n";
        Files.writeString(realLog, real);

        Scripts.Run r = Scripts.run(env(), "dr-drill.java", "--sandbox");
        assertThat(r.exit()).as(r.all()).isZero();
        assertThat(r.out()).contains("Sandbox drill (local, db-dropped): PASS", "data: 100000 rows in 3 tables", "verified by test restore")
                .containsPattern("(?m)^  RTO: \\d+\\.\\d s \\(target 60 min\\) met$")
                .containsPattern("(?m)^  RPO: \\d+\\.\\d h \\(target 24 h\\) met$")
                .doesNotContain("MISMATCH");
        assertThat(r.out()).contains("1/5", "2/5", "3/5", "4/5", "5/5");
        assertThat(home.resolve("logs/drill.log")).content().contains("drill PASS (sandbox, db-dropped)");
        assertThat(realLog).content().isEqualTo(real);
        assertThat(home.resolve("logs/drills.jsonl")).as("the real system's last drill").doesNotExist();
        java.util.regex.Matcher shown = java.util.regex.Pattern.compile("sandbox evidence \\(not the real system's restore-test log\\): (\\S+), (\\S+)")
                .matcher(r.out());
        assertThat(shown.find()).as(r.out()).isTrue();
        Path evidence = Path.of(shown.group(2));
        try {
            assertThat(evidence).content().contains("| sandbox: db-dropped | inventory |", "**PASS**");
            assertThat(evidence.getParent()).isNotEqualTo(home).isEqualTo(Path.of(shown.group(1)).getParent());
        } finally {
            BackupScriptTest.deleteTree(evidence.getParent());
        }
    }

    @Test
    void sandboxDrillInDockerReportsJson() throws Exception {
        Fixtures.requireDocker();
        Scripts.Run r = Scripts.run(env(), "dr-drill.java", "--sandbox", "--engine", "docker", "--image", Fixtures.IMAGE, "--json");
        assertThat(r.exit()).as(r.all()).isZero();
        JsonNode json = new ObjectMapper().readTree(r.out());
        assertThat(json.path("pass").asBoolean()).as(r.out()).isTrue();
        assertThat(json.path("engine").asText()).isEqualTo("docker");
        assertThat(json.path("rows").asLong()).isEqualTo(100_000);
        assertThat(json.path("problems").isArray()).isTrue();
        assertThat(json.path("problems")).isEmpty();
        assertThat(json.path("rtoSeconds").asDouble()).isPositive();
        assertThat(json.path("backupBytes").asLong()).isPositive();
        assertThat(json.path("rpoSeconds").asLong()).isBetween(0L, 600L);
        assertThat(json.path("drill").path("result").asText()).isEqualTo("PASS");
        // progress goes to stderr so that stdout is only the JSON
        assertThat(r.err()).contains("starting a throwaway container from " + Fixtures.IMAGE);
        assertThat(json.path("evidence")).hasSize(2);
        assertThat(home.resolve("docs/restore-test-log.md")).doesNotExist();
        BackupScriptTest.deleteTree(Path.of(json.path("evidence").get(0).asText()).getParent());
    }

    @Test
    void badSandboxOptionsAreUsageErrors() {
        Scripts.Run bad = Scripts.run(env(), "dr-drill.java", "--sandbox", "--engine", "podman");
        assertThat(bad.exit()).as(bad.all()).isEqualTo(ExitCode.USAGE);
        assertThat(BackupScriptTest.errLines(bad)).hasSize(1);
        assertThat(BackupScriptTest.errLines(bad).get(0)).contains("unknown --engine podman");

        Scripts.Run scenario = Scripts.run(env(), "dr-drill.java", "--sandbox", "--scenario", "meteor");
        assertThat(scenario.exit()).as(scenario.all()).isEqualTo(ExitCode.USAGE);
        assertThat(BackupScriptTest.errLines(scenario).get(0)).contains("unknown --scenario meteor", "corrupted-latest-backup");
    }

    private Map<String, String> clusterEnv(String db) {
        Map<String, String> env = Fixtures.env(Fixtures.trustCluster(), home);
        env.put("PGDATABASE", db);
        return env;
    }

    private void backupOf(String db) {
        Config cfg = Fixtures.config(Fixtures.trustCluster(), home);
        Pg pg = new Pg(new PgTarget(cfg));
        Fixtures.createDb(pg, db, 1000);
        new Backup(cfg, Fixtures.log(cfg)).run(db, new Backup.Options("daily", "quick", false, false));
    }

    @Test
    void aConfiguredDrillPassesAndWritesTheLogRowTheJsonLineAndTheReport() throws Exception {
        backupOf("drs_ok");
        Map<String, String> env = clusterEnv("drs_ok");

        Scripts.Run plan = Scripts.run(env, "dr-drill.java", "--dry-run");
        assertThat(plan.exit()).as(plan.all()).isZero();
        assertThat(plan.out()).contains("dry run: would restore", "drs_ok_", "_daily.dump.zst", "scratch database drs_ok_drill_<stamp>",
                "Nothing was changed");
        assertThat(home.resolve("docs/restore-test-log.md")).doesNotExist();

        Path report = home.resolve("reports/drill 1.html");
        Scripts.Run r = Scripts.run(env, "dr-drill.java", "--report", report.toString(), "--operator", "Ana <ops>");
        assertThat(r.exit()).as(r.all()).isZero();
        assertThat(r.out()).contains("Restore drill of drs_ok: PASS", "restored into: database drs_ok_drill_", "(not the live database)",
                "validation: row counts, foreign keys and validation queries all held").containsPattern("RTO: [\\d.]+ s \\(target 60 min\\) met");
        assertThat(home.resolve("docs/restore-test-log.md")).content()
                .containsPattern("\\| configured \\| drs_ok \\| drs_ok_\\w+_daily\\.dump\\.zst \\(daily, local\\) \\|")
                .contains("**PASS** | Ana <ops> |");
        JsonNode line = new ObjectMapper().readTree(Files.readAllLines(home.resolve("logs/drills.jsonl")).get(0));
        assertThat(line.path("result").asText()).isEqualTo("PASS");
        assertThat(line.path("operator").asText()).isEqualTo("Ana <ops>");
        assertThat(report).content().contains("PASS", "drs_ok", "Ana &lt;ops&gt;").doesNotContain("Ana <ops>");

        Scripts.Run history = Scripts.run(env, "dr-drill.java", "--history");
        assertThat(history.exit()).as(history.all()).isZero();
        assertThat(history.out()).containsPattern("PASS\\s+configured\\s+restore\\s+drs_ok");
    }

    @Test
    void aFailedDrillExitsOneAndAlerts() throws Exception {
        backupOf("drs_fail");
        Files.createDirectories(home.resolve("config"));
        Files.writeString(home.resolve("config/validation.sql"), "SELECT id FROM products WHERE id < 3;\n");
        try (HttpReceiver hook = new HttpReceiver()) {
            Map<String, String> env = clusterEnv("drs_fail");
            env.put("WEBHOOK_URL", hook.url("/hook"));
            Scripts.Run r = Scripts.run(env, "dr-drill.java", "--json");
            assertThat(r.exit()).as(r.all()).isEqualTo(ExitCode.FAILED);
            JsonNode json = new ObjectMapper().readTree(r.out());
            assertThat(json.path("drill").path("result").asText()).isEqualTo("FAIL");
            assertThat(json.path("drill").path("problems").get(0).asText()).contains("returned 2 row(s)");
            assertThat(hook.awaitRequests(1, java.time.Duration.ofSeconds(10))).singleElement()
                    .satisfies(q -> assertThat(q.body()).contains("restore drill of drs_fail FAILED"));
            assertThat(home.resolve("docs/restore-test-log.md")).content().contains("**FAIL**", "returned 2 row(s)");
        }
    }
}
