package tests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import lib.ExitCode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tests.support.Fixtures;
import tests.support.Scripts;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code ./jbang dr-drill.java}: the sandbox drill end to end, on local binaries and in Docker. */
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
    void sandboxDrillPassesWithRtoAndRpo() {
        Scripts.Run r = Scripts.run(env(), "dr-drill.java", "--sandbox");
        assertThat(r.exit()).as(r.all()).isZero();
        assertThat(r.out()).contains("Sandbox drill (local): PASS", "data: 100000 rows in 3 tables", "verified by test restore")
                .containsPattern("(?m)^  RTO: \\d+\\.\\d s \\(restore \\+ validation\\)$")
                .containsPattern("(?m)^  RPO: \\d+ s \\(age of the backup used\\)$")
                .doesNotContain("MISMATCH");
        assertThat(r.out()).contains("1/5", "2/5", "3/5", "4/5", "5/5");
        assertThat(home.resolve("logs/drill.log")).content().contains("sandbox drill PASS");
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
        // progress goes to stderr so that stdout is only the JSON
        assertThat(r.err()).contains("starting a throwaway container from " + Fixtures.IMAGE);
    }

    @Test
    void withoutSandboxOrWithABadEngineItIsAUsageError() {
        Scripts.Run r = Scripts.run(env(), "dr-drill.java");
        assertThat(r.exit()).as(r.all()).isEqualTo(ExitCode.USAGE);
        List<String> err = BackupScriptTest.errLines(r);
        assertThat(err).hasSize(1);
        assertThat(err.get(0)).contains("sandbox only", "HINT: add --sandbox");

        Scripts.Run bad = Scripts.run(env(), "dr-drill.java", "--sandbox", "--engine", "podman");
        assertThat(bad.exit()).as(bad.all()).isEqualTo(ExitCode.USAGE);
        assertThat(BackupScriptTest.errLines(bad)).hasSize(1);
        assertThat(BackupScriptTest.errLines(bad).get(0)).contains("unknown --engine podman");
    }
}
