package tests;

import lib.BackupStore;
import lib.Config;
import lib.Pg;
import lib.PgTarget;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tests.support.Fixtures;
import tests.support.Scripts;
import tests.support.TestContainer;
import tests.support.WindowsEngine;

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

    @Test
    void aServerOnItsOwnPortInsideTheContainerIsBackedUpAndRestoredWithoutPgportInItsEnvironment() {
        Fixtures.requireDocker();
        try (TestContainer db = TestContainer.postgresWithoutPgport()) {
            Path h = Fixtures.home();
            // a user's settings: docker mode, no PGHOST/PGPORT, nothing about the port inside the container
            Map<String, String> env = db.env(h, "PGHOST", "", "PGPORT", "");
            Pg pg = new Pg(new PgTarget(db.config(h, "PGHOST", "", "PGPORT", "")));
            assertThat(pg.target().containerPort().number()).isEqualTo(String.valueOf(db.port()));
            Fixtures.createDb(pg, "shop", 321);

            Scripts.Run backup = Scripts.run(env, "backup.java", "--type", "daily", "--db", "shop", "--verify", "full");
            pg.psql().exec("shop", "DELETE FROM products WHERE id > 100");
            Scripts.Run restore = Scripts.run(env, "restore.java", "--latest", "--db", "shop", "--yes");

            assertThat(backup.exit()).as(backup.all()).isZero();
            assertThat(new BackupStore(h.resolve("backups")).list("shop")).filteredOn(e -> e.type().equals("daily"))
                    .singleElement().satisfies(e -> assertThat(e.verified()).isTrue());
            assertThat(restore.exit()).as(restore.all()).isZero();
            assertThat(pg.psql().value("shop", "SELECT count(*) FROM products")).isEqualTo("321");
        }
    }

    @Test
    void aPortThatCannotBeFoundIsNamedInTheHintWithTheSettingThatFixesIt() {
        Fixtures.requireDocker();
        try (TestContainer db = TestContainer.postgresWithoutPgport(); TestContainer pgport = TestContainer.postgres()) {
            Path h = Fixtures.home();
            String wrong = String.valueOf(db.port() == 65535 ? 65534 : db.port() + 1);
            Scripts.Run r = Scripts.run(db.env(h, "PGHOST", "", "PGPORT", "", "PG_CONTAINER_PORT", wrong), "backup.java", "--type", "daily");

            assertThat(r.exit()).as(r.all()).isEqualTo(4);
            assertThat(r.err()).contains("cannot connect to container " + db.name()).contains("port " + wrong + " inside the container")
                    .contains("PG_CONTAINER_PORT").doesNotContain("check PGHOST");
            assertThat(new PgTarget(pgport.config(h, "PGPORT", "")).containerPort())
                    .isEqualTo(new PgTarget.Port(String.valueOf(pgport.port()), "PGPORT in the container's environment"));
            assertThat(new PgTarget(db.config(h, "PG_CONTAINER_PORT", "6543")).containerPort().number()).isEqualTo("6543");
        }
    }

    /** A backup finds no container because Docker Desktop runs Windows containers: the message and the alert say so. */
    @Test
    void aMissingContainerUnderAWindowsContainersEngineNamesThatAsTheCause() {
        Path h = Fixtures.home();
        Map<String, String> env = WindowsEngine.onPath(h, Map.of("RA_INFRA_HOME", h.toString(), "DOCKER_CONTAINER", "inventory-db",
                "PGPASSWORD", "unused"));

        Scripts.Run r = Scripts.run(env, "backup.java", "--type", "daily", "--db", "inventory");

        assertThat(r.exit()).as(r.all()).isEqualTo(4);
        assertThat(r.err()).contains("container inventory-db does not exist: Docker Desktop is running Windows containers; "
                + "inventory-db is a Linux container").contains("HINT: right-click the Docker icon").doesNotContain("docker ps -a");
    }

    @Test
    void aMissingContainerUnderALinuxEngineIsReportedPlainly() {
        Fixtures.requireDocker();
        PgTarget t = new PgTarget(cfg(Map.of("DOCKER_CONTAINER", "ra-test-no-such-container")));

        var m = t.missingContainer("check DOCKER_CONTAINER");

        assertThat(m).isEqualTo(new lib.DockerOs.Missing("container ra-test-no-such-container does not exist", "check DOCKER_CONTAINER", false));
    }
}
