package tests;

import lib.*;
import lib.drill.Sandbox;
import org.junit.jupiter.api.Test;
import tests.support.Fixtures;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** lib/drill/Sandbox: each scenario's disaster staged on a throwaway server and recovered by the real drill. */
class SandboxTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    private Sandbox.Result run(String engine, String scenario, String... settings) {
        Config cfg = Config.load(null, Map.of(), Map.of("RA_INFRA_HOME", Fixtures.home().toString()));
        Map<String, String> o = new java.util.HashMap<>();
        for (int i = 0; i + 1 < settings.length; i += 2) o.put(settings[i], settings[i + 1]);
        cfg = cfg.with(o);
        return Sandbox.run(cfg, Fixtures.log(cfg), engine, scenario, new PrintStream(out, true));
    }

    @Test
    void databaseDroppedIsRestoredInPlaceAndMatchesTableByTable() {
        Sandbox.Result r = run("local", "db-dropped");
        assertThat(r.pass()).as(out.toString()).isTrue();
        assertThat(r.problems()).isEmpty();
        assertThat(r.rows()).isEqualTo(100_000);
        assertThat(r.engine()).isEqualTo("local");
        assertThat(r.backupBytes()).isPositive();
        assertThat(r.rtoSeconds()).isPositive().isEqualTo(r.drill().rtoSeconds());
        assertThat(r.drill().mode()).isEqualTo("sandbox");
        assertThat(r.drill().scenario()).isEqualTo("db-dropped");
        assertThat(r.drill().into()).isEqualTo("database inventory (in place)");
        assertThat(out.toString()).contains("1/5", "3/5 the disaster: DROP DATABASE inventory", "5/5");
    }

    @Test
    void aCorruptedLatestBackupIsDetectedAndThePreviousOneRestored() {
        Sandbox.Result r = run("local", "corrupted-latest-backup");
        assertThat(r.pass()).as(out.toString()).isTrue();
        assertThat(r.drill().problems()).singleElement().asString().contains("checksum mismatch", "fell back");
        assertThat(out.toString()).contains("is damaged on disk", "is not usable");
    }

    @Test
    void hostLostRestoresFromTheRemoteAfterEveryLocalBackupIsGone() {
        Sandbox.Result r = run("local", "host-lost");
        assertThat(r.pass()).as(out.toString()).isTrue();
        assertThat(r.drill().source()).isEqualTo("remote");
        assertThat(r.drill().steps()).extracting(lib.drill.DrillRecord.Step::name).contains("download");
        assertThat(out.toString()).contains("every local backup deleted", "downloading weekly/inventory_");
    }

    @Test
    void hostLostWithoutRcloneFailsWithTheReason() {
        assertThatThrownBy(() -> run("local", "host-lost", "RCLONE", "/nonexistent/rclone"))
                .isInstanceOf(OpsException.class).hasMessageContaining("did not reach the sandbox remote");
    }

    @Test
    void containerLostIsRecreatedFromTheImageAndRestored() {
        Fixtures.requireDocker();
        Sandbox.Result r = run("docker", "container-lost", "SANDBOX_IMAGE", Fixtures.IMAGE);
        assertThat(r.pass()).as(out.toString()).isTrue();
        assertThat(r.engine()).isEqualTo("docker");
        assertThat(r.drill().into()).startsWith("container ra-scratch-");
        assertThat(out.toString()).contains("removed with its data");
        String left = Proc.run(List.of("docker", "ps", "-a", "--format", "{{.Names}}"), Map.of(), Duration.ofSeconds(30)).stdout();
        assertThat(left).as("both sandbox containers are gone").doesNotContain(r.drill().into().substring("container ".length()));
    }

    @Test
    void containerLostNeedsDocker() {
        assertThatThrownBy(() -> run("local", "container-lost")).isInstanceOf(OpsException.class)
                .hasMessageContaining("needs a container");
    }

    @Test
    void comparisonCatchesAChangedOrMissingTable() {
        List<String> problems = Sandbox.compare(Map.of("public.a", "1:x", "public.b", "2:y"), Map.of("public.a", "1:z", "public.c", "0:"));
        assertThat(problems).containsExactlyInAnyOrder("public.a: before 1:x, after 1:z", "public.b: before 2:y, after null",
                "public.c: unexpected table");
    }
}
