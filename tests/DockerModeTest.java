package tests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import lib.*;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tests.support.Fixtures;
import tests.support.Scripts;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Docker mode: the scripts run pg_dump, psql and pg_restore inside the container through
 * {@code docker exec -i}, and every way that can fail (container stopped or missing, engine unreachable,
 * tools missing in the container) is exit 4 with a message that names it and a hint.
 */
class DockerModeTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private Path home;
    private final List<String> containers = new ArrayList<>();

    @BeforeEach
    void newHome() {
        home = Fixtures.home();
    }

    @AfterEach
    void cleanUp() {
        for (String c : containers) BackupScriptTest.run(List.of("docker", "rm", "-f", c));
        BackupScriptTest.deleteTree(home.getParent());
    }

    @Test
    void backupVerifyFullAndRestoreRoundTripThroughTheContainer() throws Exception {
        ScratchServer container = Fixtures.container();
        Pg pg = new Pg(new PgTarget(Fixtures.config(container, home)));
        String db = "dock_" + uid();
        Fixtures.createDb(pg, db, 777);
        try {
            Map<String, String> env = Fixtures.env(container, home);
            assertThat(env.get("DOCKER_CONTAINER")).isEqualTo(container.container());
            Scripts.Run b = Scripts.run(env, "backup.java", "--type", "daily", "--db", db, "--verify", "full");
            assertThat(b.exit()).as(b.all()).isZero();
            BackupStore.Entry e = new BackupStore(home.resolve("backups")).list(db).get(0);
            assertThat(e.verified()).isTrue();
            Manifest m = e.manifest();
            assertThat(m.mode()).isEqualTo("docker");
            assertThat(m.source()).isEqualTo("container " + container.container());
            assertThat(m.verify().level()).isEqualTo("full");
            assertThat(m.verify().detail()).contains("test restore matched");
            assertThat(m.pgDumpVersion()).startsWith("pg_dump (PostgreSQL) 15");
            assertThat(ArchiveWriter.sha256(e.dump())).isEqualTo(m.sha256());
            // the archive made in the container opens with this host's stock tools
            String pgRestore = ScratchServer.findBinaries(null).orElseThrow().resolve("pg_restore").toString();
            BackupScriptTest.Cmd list = BackupScriptTest.sh("zstd -dc \"$1\" > \"$3\" && \"$2\" --list \"$3\"",
                    e.dump().toString(), pgRestore, home.resolve("plain dump").toString());
            assertThat(list.exit()).as(list.out()).isZero();
            assertThat(list.out()).contains("TABLE DATA public products");
            assertThat(pg.psql().value("postgres", "SELECT count(*) FROM pg_database WHERE datname LIKE "
                    + Psql.literal(db + "_verify_%"))).isEqualTo("0");

            pg.psql().exec(db, "DELETE FROM products WHERE id > 700");
            Scripts.Run r = Scripts.run(env, "restore.java", "--latest", "--db", db, "--yes", "--json");
            assertThat(r.exit()).as(r.all()).isZero();
            JsonNode out = JSON.readTree(r.out());
            assertThat(out.path("status").asText()).isEqualTo("ok");
            assertThat(out.path("backup").asText()).isEqualTo(e.dump().toString());
            String keptAs = out.path("keptAs").asText();
            assertThat(keptAs).startsWith(db + "_before_restore_");
            assertThat(out.path("safetyBackup").asText()).contains("/safety/");
            assertThat(BackupScriptTest.count(pg, db, "products")).isEqualTo(777);
            assertThat(BackupScriptTest.count(pg, db, "odd \"name\" ü")).isEqualTo(2);
            assertThat(BackupScriptTest.count(pg, keptAs, "products")).isEqualTo(700);
            pg.dropDatabase(keptAs);
        } finally {
            pg.dropDatabase(db);
        }
    }

    @Test
    void stoppedContainerIsExit4WithDockerStartHint() {
        // A container of its own, so the shared fixture container keeps running for the other tests.
        String name = startIdleContainer(false);
        BackupScriptTest.Cmd stop = BackupScriptTest.run(List.of("docker", "stop", "-t", "1", name));
        assertThat(stop.exit()).as(stop.out()).isZero();
        Scripts.Run r = Scripts.run(dockerEnv(name), "backup.java", "--db", "inventory");
        assertThat(r.exit()).as(r.all()).isEqualTo(ExitCode.UNAVAILABLE);
        assertThat(BackupScriptTest.errLines(r)).hasSize(1);
        assertThat(BackupScriptTest.errLines(r).get(0)).contains("container " + name + " is not running", "HINT:",
                "docker start " + name);
    }

    @Test
    void missingContainerIsExit4DoesNotExist() {
        Fixtures.requireDocker();
        Scripts.Run r = Scripts.run(dockerEnv("ra-no-such-container"), "backup.java", "--db", "inventory");
        assertThat(r.exit()).as(r.all()).isEqualTo(ExitCode.UNAVAILABLE);
        assertThat(BackupScriptTest.errLines(r)).hasSize(1);
        assertThat(BackupScriptTest.errLines(r).get(0)).contains("container ra-no-such-container does not exist", "HINT:",
                "DOCKER_CONTAINER");
    }

    @Test
    void unreachableEngineIsExit4() {
        Fixtures.requireDocker();
        Map<String, String> env = dockerEnv("inventory-db");
        env.put("DOCKER_HOST", "unix:///tmp/nonexistent.sock");
        Scripts.Run r = Scripts.run(env, "backup.java", "--db", "inventory");
        assertThat(r.exit()).as(r.all()).isEqualTo(ExitCode.UNAVAILABLE);
        assertThat(BackupScriptTest.errLines(r)).hasSize(1);
        assertThat(BackupScriptTest.errLines(r).get(0)).contains("Docker engine is not reachable", "HINT:", "DOCKER_HOST");
    }

    @Test
    void postgresToolsMissingInTheContainerIsExit4() {
        String name = startIdleContainer(true);
        Scripts.Run r = Scripts.run(dockerEnv(name), "backup.java", "--db", "inventory");
        assertThat(r.exit()).as(r.all()).isEqualTo(ExitCode.UNAVAILABLE);
        assertThat(BackupScriptTest.errLines(r)).hasSize(1);
        assertThat(BackupScriptTest.errLines(r).get(0)).containsPattern("(psql|pg_dump) not found in container " + name)
                .contains("HINT:");
        assertThat(home.resolve("backups/manual")).doesNotExist();
    }

    @Test
    void passwordIsPassedToDockerByNameOnly() {
        Config cfg = Config.load(null, Map.of("DOCKER_CONTAINER", "inventory-db", "PGPASSWORD", Fixtures.HOSTILE_PASSWORD),
                Map.of("RA_INFRA_HOME", home.toString()));
        PgTarget target = new PgTarget(cfg);
        for (String program : List.of("pg_dump", "pg_dumpall", "pg_restore", "psql")) {
            List<String> argv = target.command(program, List.of("-Fc", "-Z0"));
            assertThat(argv.subList(0, 3)).containsExactly("docker", "exec", "-i");
            assertThat(argv).containsSubsequence("-e", "PGPASSWORD").containsSubsequence("inventory-db", program);
            assertThat(argv).noneMatch(a -> a.contains(Fixtures.HOSTILE_PASSWORD) || a.contains("p@ss") || a.startsWith("PGPASSWORD="));
            assertThat(argv).doesNotContain("-t", "-it");
        }
        // the value travels in the environment of the docker client, which forwards it
        assertThat(target.env("inventory")).containsEntry("PGPASSWORD", Fixtures.HOSTILE_PASSWORD)
                .containsEntry("PGDATABASE", "inventory").doesNotContainKey("PGHOST");

        // direct mode: no password on the command line either
        PgTarget direct = new PgTarget(cfg.with(Map.of("DOCKER_CONTAINER", "")));
        assertThat(direct.command("pg_dump", List.of("-Fc"))).noneMatch(a -> a.contains("p@ss"));
        assertThat(direct.env("inventory")).containsEntry("PGPASSWORD", Fixtures.HOSTILE_PASSWORD);
    }

    // ================================================================ helpers

    private Map<String, String> dockerEnv(String container) {
        return new java.util.HashMap<>(Map.of("RA_INFRA_HOME", home.toString(), "DOCKER_CONTAINER", container,
                "PGUSER", "postgres", "PGPASSWORD", "", "PG_BIN", ""));
    }

    /** A running container of the test image that only sleeps; {@code noTools}: PATH without the PostgreSQL tools. */
    private String startIdleContainer(boolean noTools) {
        Fixtures.requireDocker();
        String name = "ra-test-" + (noTools ? "notools-" : "stopped-") + uid();
        containers.add(name);
        List<String> cmd = new ArrayList<>(List.of("docker", "run", "-d", "--name", name));
        if (noTools) cmd.addAll(List.of("-e", "PATH=/bin"));
        // this image is built FROM scratch: sleep is /usr/bin/sleep, and /bin holds only sh
        cmd.addAll(List.of("--entrypoint", "/usr/bin/sleep", Fixtures.IMAGE, "600"));
        BackupScriptTest.Cmd run = BackupScriptTest.run(cmd);
        assertThat(run.exit()).as(run.out()).isZero();
        return name;
    }

    private static String uid() {
        return Long.toString(ThreadLocalRandom.current().nextLong(1L << 40), 36);
    }
}
