package tests;

import lib.Config;
import lib.PgTarget;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class PgTargetTest {
    @TempDir Path home;

    private Config cfg(Map<String, String> env) {
        var e = new java.util.HashMap<>(env);
        e.put("RA_INFRA_HOME", home.toString());
        return Config.load(null, Map.of(), e);
    }

    @Test
    void dockerModeForwardsVariableNamesOnlyNeverValues() {
        String secret = "s3cret with spaces";
        PgTarget t = new PgTarget(cfg(Map.of("PGPASSWORD", secret, "DOCKER_CONTAINER", "inventory-db")));
        List<String> cmd = t.command("pg_dump", List.of("-Fc"));
        assertThat(cmd.subList(0, 3)).containsExactly("docker", "exec", "-i");
        assertThat(cmd).containsSubsequence("-e", "PGPASSWORD").containsSubsequence("inventory-db", "pg_dump", "-Fc")
                .doesNotContain("-t").noneMatch(a -> a.contains(secret));
        assertThat(t.env("it's odd")).containsEntry("PGPASSWORD", secret).containsEntry("PGDATABASE", "it's odd")
                .doesNotContainKey("PGHOST");
        assertThat(t.describe()).isEqualTo("container inventory-db");
    }

    @Test
    void directModeUsesPgBinAndPassesHostAndPortByEnvironment() {
        PgTarget t = new PgTarget(cfg(Map.of("DOCKER_CONTAINER", "", "PG_BIN", "/opt/pg 15/bin", "PGHOST", "db.local", "PGPORT", "6543")));
        assertThat(t.command("pg_restore", List.of("--list"))).containsExactly(Path.of("/opt/pg 15/bin", "pg_restore").toString(), "--list");
        assertThat(t.env("inventory")).containsEntry("PGHOST", "db.local").containsEntry("PGPORT", "6543").containsEntry("PGDATABASE", "inventory");
        assertThat(t.describe()).isEqualTo("server db.local:6543");
    }

    @Test
    void dockerModeReadsThePasswordFromPgpassWhenNotSet() throws Exception {
        Path pgpass = home.resolve("pgpass");
        Files.writeString(pgpass, "# comment\nother:5432:*:postgres:nope\nlocalhost:*:*:postgres:pa\\:ss\\\\x\n");
        PgTarget t = new PgTarget(cfg(Map.of("PGPASSFILE", pgpass.toString(), "DOCKER_CONTAINER", "db")));
        assertThat(t.password()).isEqualTo("pa:ss\\x");
        assertThat(t.command("psql", List.of())).containsSubsequence("-e", "PGPASSWORD");
        PgTarget direct = new PgTarget(cfg(Map.of("PGPASSFILE", pgpass.toString(), "DOCKER_CONTAINER", "")));
        assertThat(direct.password()).isEmpty();
        assertThat(direct.env("x")).containsEntry("PGPASSFILE", pgpass.toString());
    }
}
