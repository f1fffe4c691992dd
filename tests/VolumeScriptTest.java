package tests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import lib.ExitCode;
import lib.SafeFiles;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tests.support.Fixtures;
import tests.support.Scripts;
import tests.support.TestContainer;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static tests.VolumeBackupTest.names;

/**
 * End to end through {@code ./jbang backup.java --volumes} and {@code ./jbang restore.java --volume}, as a user
 * or a scheduler runs them: exit codes, one-line errors with hints, the files on disk, the listing, a
 * container that is missing, a Docker engine that cannot be reached, and kill -9 in the middle of a write.
 */
class VolumeScriptTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static TestContainer pgadmin;
    private Path home;

    @BeforeAll
    static void startStandIn() {
        pgadmin = VolumeBackupTest.standIn();
    }

    @BeforeEach
    void newHome() throws IOException {
        home = Fixtures.home();
        Files.createDirectories(home.resolve("config"));
        Files.writeString(home.resolve("config/ops.env"), "KEEP_WEEKLY=4\n");
    }

    @AfterEach
    void cleanUp() {
        SafeFiles.deleteTree(home.getParent());
    }

    private Map<String, String> env(String... kv) {
        Map<String, String> env = pgadmin.env(home, "PGADMIN_CONTAINER", pgadmin.name());
        for (int i = 0; i < kv.length; i += 2) env.put(kv[i], kv[i + 1]);
        return env;
    }

    private static List<String> errLines(Scripts.Run r) {
        return r.err().lines().filter(l -> !l.startsWith("[jbang]") && !l.isBlank()).toList();
    }

    @Test
    void volumesAloneArchiveEveryVolumeAndTheListingShowsThem() throws Exception {
        Scripts.Run r = Scripts.run(env(), "backup.java", "--type", "weekly", "--volumes", "--json");
        assertThat(r.exit()).as(r.all()).isZero();
        JsonNode json = JSON.readTree(r.out());
        assertThat(json.path("volumes")).extracting(v -> v.path("volume").asText() + " " + v.path("status").asText())
                .containsExactly("pgadmin ok", "config ok");
        assertThat(json.path("volumes").get(1).path("warning").asText()).contains("unencrypted");
        assertThat(json.path("volumes").get(0).path("manifest").path("verify").path("status").asText()).isEqualTo("passed");
        assertThat(names(home.resolve("backups/weekly"))).hasSize(4)
                .allMatch(n -> n.matches("(pgadmin-data|config)_\\d{8}T\\d{6}Z_weekly\\.(tar\\.zst|volume\\.json)"));

        Scripts.Run list = Scripts.run(env(), "backup.java", "--list");
        assertThat(list.exit()).as(list.all()).isZero();
        assertThat(list.out()).contains("VOLUME", "pgadmin ", "config ", "passed (full)").doesNotContain("DATABASE");
        JsonNode listed = JSON.readTree(Scripts.run(env(), "backup.java", "--list", "--json").out());
        assertThat(listed.path("backups")).isEmpty();
        assertThat(listed.path("volumes")).hasSize(2);
        assertThat(Scripts.run(env(), "restore.java", "--list").out()).contains("VOLUME", "pgadmin-data_");
    }

    @Test
    void withDbTheDatabaseComesFirstThenTheVolumes() {
        assertThat(pgadmin.exec("psql", "-U", "postgres", "-d", "inventory", "-c",
                "CREATE TABLE IF NOT EXISTS products (id int); INSERT INTO products VALUES (1)").ok()).isTrue();
        Scripts.Run r = Scripts.run(env("VOLUMES", "config"), "backup.java", "--volumes", "--db", "inventory", "--verify", "quick");
        assertThat(r.exit()).as(r.all()).isZero();
        int db = r.out().indexOf("backup of inventory OK");
        int volume = r.out().indexOf("archive of volume config OK");
        assertThat(db).as(r.out()).isNotNegative();
        assertThat(volume).isGreaterThan(db);
        Scripts.Run list = Scripts.run(env(), "backup.java", "--list");
        assertThat(list.out()).contains("DATABASE", "inventory", "VOLUME", "config");
    }

    @Test
    void dryRunChecksTheSourcesAndWritesNothing() {
        Scripts.Run r = Scripts.run(env(), "backup.java", "--volumes", "--type", "daily", "--dry-run");
        assertThat(r.exit()).as(r.all()).isZero();
        assertThat(r.out()).contains("dry run: would archive volume pgadmin (container " + pgadmin.name() + ":/var/lib/pgadmin)",
                "dry run: would archive volume config", "retention: nothing to delete");
        assertThat(home.resolve("backups/daily")).doesNotExist();
    }

    @Test
    void aMissingContainerOrAnUnreachableDockerIsOneLineNamingCauseAndFix() {
        Scripts.Run missing = Scripts.run(env("VOLUMES", "pgadmin", "PGADMIN_CONTAINER", "ra-test-no-such-pgadmin"), "backup.java", "--volumes");
        assertThat(missing.exit()).as(missing.all()).isEqualTo(ExitCode.UNAVAILABLE);
        assertThat(errLines(missing)).hasSize(1);
        assertThat(errLines(missing).get(0)).startsWith("error: pgAdmin data: container ra-test-no-such-pgadmin does not exist")
                .contains("HINT:", "PGADMIN_CONTAINER");
        assertThat(home.resolve("backups")).doesNotExist();

        Scripts.Run down = Scripts.run(env("VOLUMES", "pgadmin", "DOCKER_HOST", "tcp://127.0.0.1:" + TestContainer.freePort()),
                "backup.java", "--volumes", "--type", "daily");
        assertThat(down.exit()).as(down.all()).isEqualTo(ExitCode.UNAVAILABLE);
        assertThat(errLines(down)).hasSize(1);
        assertThat(errLines(down).get(0)).contains("Docker engine is not reachable", "HINT: start Docker Desktop");
        assertThat(home.resolve("backups")).doesNotExist();

        // one volume failing does not stop the other; the exit code is the failure's
        Scripts.Run partly = Scripts.run(env("PGADMIN_CONTAINER", "ra-test-no-such-pgadmin"), "backup.java", "--volumes");
        assertThat(partly.exit()).isEqualTo(ExitCode.UNAVAILABLE);
        assertThat(partly.out()).contains("archive of volume config OK");
    }

    @Test
    void killMinus9DuringTheWriteLeavesNoCommittedArchiveAndTheNextRunCleansUp() throws Exception {
        byte[] chunk = new byte[1 << 20];
        Random random = new Random(42);
        try (OutputStream out = Files.newOutputStream(home.resolve("config/big.bin"))) {
            for (int i = 0; i < 48; i++) {
                random.nextBytes(chunk);
                out.write(chunk);
            }
        }
        Map<String, String> env = env("VOLUMES", "config", "COMPRESSION", "zstd:19");
        Path manual = home.resolve("backups/manual");
        Process p = Scripts.start(env, File.createTempFile("ra-out", ".txt").toPath(), File.createTempFile("ra-err", ".txt").toPath(),
                "backup.java", "--volumes");
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (names(manual).stream().noneMatch(n -> n.endsWith(SafeFiles.PARTIAL)) && p.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertThat(names(manual)).as("the run is writing").anyMatch(n -> n.endsWith(".tar.zst" + SafeFiles.PARTIAL));
        List<ProcessHandle> tree = p.descendants().toList();
        p.destroyForcibly();
        tree.forEach(ProcessHandle::destroyForcibly);
        p.waitFor(1, TimeUnit.MINUTES);

        assertThat(names(manual)).noneMatch(n -> n.endsWith(".volume.json") || n.endsWith(".tar.zst"));
        assertThat(Scripts.run(env, "backup.java", "--list").out()).contains("no backups found");

        Scripts.Run again = Scripts.run(env("VOLUMES", "config"), "backup.java", "--volumes");
        assertThat(again.exit()).as(again.all()).isZero();
        assertThat(names(manual)).hasSize(2).noneMatch(n -> n.endsWith(SafeFiles.PARTIAL));
        assertThat(Files.readString(home.resolve("logs/backup.log"))).contains("removed temp file of an interrupted run");
    }

    @Test
    void restoreScriptPutsBothVolumesBackAndAsksBeforeReplacingPgAdminData() throws Exception {
        assertThat(Scripts.run(env(), "backup.java", "--volumes").exit()).isZero();
        Files.writeString(home.resolve("config/ops.env"), "KEEP_WEEKLY=1\n");

        Scripts.Run config = Scripts.run(env(), "restore.java", "--volume", "config", "--latest");
        assertThat(config.exit()).as(config.all()).isZero();
        assertThat(config.out()).contains("config/ was not touched", "git diff --no-index config config.restored-");
        Path restored = names(home).stream().filter(n -> n.startsWith("config.restored-")).map(home::resolve).findFirst().orElseThrow();
        assertThat(Files.readString(restored.resolve("ops.env"))).isEqualTo("KEEP_WEEKLY=4\n");

        Scripts.Run dry = Scripts.run(env(), "restore.java", "--volume", "pgadmin", "--dry-run");
        assertThat(dry.exit()).as(dry.all()).isZero();
        assertThat(dry.out()).contains("docker stop", "safety:");
        Scripts.Run refused = Scripts.run(env(), "restore.java", "--volume", "pgadmin");
        assertThat(refused.exit()).isEqualTo(ExitCode.USAGE);
        assertThat(errLines(refused).get(errLines(refused).size() - 1)).contains("without confirmation", "--yes");
        Scripts.Run done = Scripts.run(env(), "restore.java", "--volume", "pgadmin", "--yes", "--json");
        assertThat(done.exit()).as(done.all()).isZero();
        assertThat(JSON.readTree(done.out()).path("safetyBackup").asText()).contains("safety");
        assertThat(pgadmin.inspect().running()).isTrue();

        Scripts.Run wrong = Scripts.run(env(), "restore.java", "--volume", "pgadmin", "--target-db", "x");
        assertThat(wrong.exit()).isEqualTo(ExitCode.USAGE);
    }
}
