package tests;

import lib.*;
import org.junit.jupiter.api.Test;
import tests.support.Fixtures;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class SandboxTest {
    @Test
    void localDrillPassesAndReportsEachStep() {
        Config cfg = Config.load(null, Map.of(), Map.of("RA_INFRA_HOME", Fixtures.home().toString()));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Sandbox.Result r = Sandbox.run(cfg, Fixtures.log(cfg), "local", new PrintStream(out, true));
        assertThat(r.pass()).isTrue();
        assertThat(r.problems()).isEmpty();
        assertThat(r.rows()).isEqualTo(100_000);
        assertThat(r.engine()).isEqualTo("local");
        assertThat(r.backupBytes()).isPositive();
        assertThat(r.rtoSeconds()).isPositive();
        assertThat(out.toString()).contains("1/5").contains("3/5 the disaster").contains("5/5");
    }

    @Test
    void comparisonCatchesAChangedOrMissingTable() {
        List<String> problems = Sandbox.compare(Map.of("public.a", "1:x", "public.b", "2:y"), Map.of("public.a", "1:z", "public.c", "0:"));
        assertThat(problems).containsExactlyInAnyOrder("public.a: before 1:x, after 1:z", "public.b: before 2:y, after null",
                "public.c: unexpected table");
    }
}
