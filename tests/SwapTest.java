package tests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import lib.*;
import lib.health.CheckResult;
import lib.health.HealthCheck;
import lib.health.Status;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tests.support.Fixtures;
import tests.support.Scripts;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A swap killed at each of its steps (SIGTERM and kill -9 on a real {@code restore.java} process, stopped at the
 * step by RA_INFRA_PAUSE_AT), then what the next run, {@code --status}, {@code --repair} and health-check make of it.
 */
class SwapTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int BACKED_UP = 40;
    private static final int CURRENT = 45;

    private Path home;
    private Config cfg;
    private Pg pg;
    private Map<String, String> env;
    private String db;

    @BeforeEach
    void setUp() {
        home = Fixtures.home();
        ScratchServer server = Fixtures.trustCluster();
        cfg = Fixtures.config(server, home);
        pg = new Pg(new PgTarget(cfg));
        env = Fixtures.env(server, home);
        db = "sw_" + Long.toString(ThreadLocalRandom.current().nextLong(1L << 40), 36);
        Fixtures.createDb(pg, db, BACKED_UP);
        new Backup(cfg, Fixtures.log(cfg)).run(db, new Backup.Options("daily", "quick", false, false));
        pg.psql().exec(db, "INSERT INTO products SELECT g, 'later' FROM generate_series(" + (BACKED_UP + 1) + ", " + CURRENT + ") g");
    }

    @AfterEach
    void cleanUp() {
        databases().forEach(d -> {
            try {
                pg.dropDatabase(d);
            } catch (RuntimeException ignored) {
                // best effort
            }
        });
    }

    @Test
    void sigtermWhileConnectionsAreBlockedIsRolledBackByTheNextRestore() throws Exception {
        kill(pausedAt("blocking-connections"), false);
        assertThat(allowsConnections(db)).as("the state a kill leaves").isFalse();

        Scripts.Run status = Scripts.run(env, "restore.java", "--status");
        assertThat(status.exit()).as(status.all()).isEqualTo(ExitCode.FAILED);
        assertThat(status.out()).contains("interrupted: restore of", "into " + db, "at step blocking-connections",
                "previous database " + db + " (refusing connections)", "restore.java --repair rolls the swap back");
        CheckResult check = restoresCheck();
        assertThat(check.status()).isEqualTo(Status.CRITICAL);
        assertThat(check.summary()).contains("restore into " + db, "interrupted at its swap");
        assertThat(check.action()).contains("restore.java --repair");

        Scripts.Run again = Scripts.run(env, "restore.java", "--latest", "--db", db, "--yes");
        assertThat(again.exit()).as(again.all()).isZero();
        assertThat(again.out()).contains("safety backup: ");
        assertThat(BackupScriptTest.filesText(home.resolve("logs"))).contains("was interrupted at its swap (blocking-connections); "
                + "rolled the swap back: " + db + " is the database it was before the restore");
        assertThat(count(db)).isEqualTo(BACKED_UP);
        String kept = only(db + "_before_restore_");
        assertThat(count(kept)).isEqualTo(CURRENT);
        assertThat(allowsConnections(kept)).isTrue();
        assertThat(databases()).containsExactlyInAnyOrder(db, kept);
        assertThat(restoresCheck().status()).isEqualTo(Status.OK);
        assertThat(home.resolve("backups/.restores")).isEmptyDirectory();
    }

    @Test
    void kill9AfterTheTargetWasRenamedIsShownInThePlanAndRolledBackByRepair() throws Exception {
        kill(pausedAt("renaming-target"), true);
        assertThat(pg.exists(db)).as("the state a kill leaves").isFalse();

        Scripts.Run dry = Scripts.run(env, "restore.java", "--latest", "--db", db, "--dry-run");
        assertThat(dry.exit()).as(dry.all()).isZero();
        assertThat(dry.out()).contains("target:   " + db + " (exists: it will be replaced)",
                "first:    the restore into " + db, "was interrupted at its swap (step renaming-target)");

        Scripts.Run repair = Scripts.run(env, "restore.java", "--repair");
        assertThat(repair.exit()).as(repair.all()).isZero();
        assertThat(repair.out()).contains(db + ": rolled the swap back", "the restored copy " + db + "_restoring_");
        assertThat(count(db)).isEqualTo(CURRENT);
        assertThat(allowsConnections(db)).isTrue();
        assertThat(databases()).containsExactly(db);
        Scripts.Run status = Scripts.run(env, "restore.java", "--status", "--json");
        assertThat(status.exit()).as(status.all()).isZero();
        assertThat(JSON.readTree(status.out()).path("unfinished")).isEmpty();
    }

    @Test
    void kill9AfterTheRestoredCopyTookTheNameIsFinishedByRepair() throws Exception {
        kill(pausedAt("renaming-restored"), true);
        assertThat(count(db)).isEqualTo(BACKED_UP);
        String kept = only(db + "_before_restore_");
        assertThat(allowsConnections(kept)).as("the state a kill leaves").isFalse();

        Scripts.Run status = Scripts.run(env, "restore.java", "--status", "--json");
        assertThat(status.exit()).as(status.all()).isEqualTo(ExitCode.FAILED);
        JsonNode row = JSON.readTree(status.out()).path("unfinished").get(0);
        assertThat(row.path("target").asText()).isEqualTo(db);
        assertThat(row.path("keepAs").asText()).isEqualTo(kept);
        assertThat(row.path("running").asBoolean()).isFalse();
        assertThat(row.path("state").asText()).contains("restore.java --repair finishes the swap");

        Scripts.Run repair = Scripts.run(env, "restore.java", "--repair", "--json");
        assertThat(repair.exit()).as(repair.all()).isZero();
        JsonNode done = JSON.readTree(repair.out()).path("repaired").get(0);
        assertThat(done.path("repaired").asBoolean()).isTrue();
        assertThat(done.path("text").asText()).contains("finished the swap", "kept as " + kept);
        assertThat(allowsConnections(kept)).isTrue();
        assertThat(count(kept)).isEqualTo(CURRENT);
        assertThat(databases()).containsExactlyInAnyOrder(db, kept);
        assertThat(restoresCheck().status()).isEqualTo(Status.OK);
    }

    @Test
    void aJournalLeftUnderTheNameEarlierVersionsGaveItIsRepairedAndRemoved() throws Exception {
        String upper = "Sw_" + db.substring(3);
        Fixtures.createDb(pg, upper, BACKED_UP);
        new Backup(cfg, Fixtures.log(cfg)).run(upper, new Backup.Options("daily", "quick", false, false));
        pg.dropDatabase(db);
        db = upper;
        kill(pausedAt("renaming-target"), true);
        Path journals = home.resolve("backups/.restores");
        Path current = journals.resolve(BackupStore.encode(upper) + ".json");
        assertThat(current.getFileName().toString()).as("capitals are escaped now").startsWith("%53w_");
        Files.move(current, journals.resolve(upper + ".json"));

        Scripts.Run repair = Scripts.run(env, "restore.java", "--repair");
        assertThat(repair.exit()).as(repair.all()).isZero();
        assertThat(repair.out()).contains(upper + ": rolled the swap back");
        assertThat(count(upper)).isEqualTo(BACKED_UP);
        assertThat(journals).isEmptyDirectory();
    }

    @Test
    void swapsHostileNamesEndsOtherSessionsAndLeavesNoJournal() throws Exception {
        String target = db + " it's \"swap\" $x \u00fc";
        Fixtures.createDb(pg, target, 10);
        Fixtures.createDb(pg, target + "_new", 20);
        Swap swap = new Swap(pg, home.resolve("backups"));
        try (Proc.Session idle = Proc.start(pg.target().command("psql", List.of("-X", "-q")), pg.target().env(target))) {
            idle.writer().append("BEGIN; SELECT 1;\n").flush();
            Thread.sleep(300);
            swap.run(target, target + "_new", target + "_old", "test");
        }
        assertThat(pg.exists(target + "_new")).isFalse();
        assertThat(count(target)).isEqualTo(20);
        assertThat(count(target + "_old")).isEqualTo(10);
        assertThat(allowsConnections(target + "_old")).isTrue();
        assertThat(Swap.pending(home.resolve("backups"))).isEmpty();
    }

    @Test
    void aSwapThatFailsIsRolledBackAtOnce() {
        pg.psql().exec("postgres", "CREATE DATABASE " + Psql.ident(db + "_taken"));
        Fixtures.createDb(pg, db + "_new", 3);
        Swap swap = new Swap(pg, home.resolve("backups"));
        // the name to keep the old database under is taken: the first rename fails
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> swap.run(db, db + "_new", db + "_taken", "test"))
                .hasMessageContaining("already exists").hasMessageContaining("rolled the swap back");
        assertThat(count(db)).isEqualTo(CURRENT);
        assertThat(allowsConnections(db)).isTrue();
        assertThat(pg.exists(db + "_new")).isFalse();
        assertThat(Swap.pending(home.resolve("backups"))).isEmpty();
    }

    // ================================================================ helpers

    /** A restore of the latest backup into {@code db}, stopped once {@code step} is done. */
    private Process pausedAt(String step) throws Exception {
        Map<String, String> e = new HashMap<>(env);
        e.put("RA_INFRA_PAUSE_AT", step);
        Path out = Files.createTempFile("ra-out", ".txt");
        Path err = Files.createTempFile("ra-err", ".txt");
        Process p = Scripts.start(e, out, err, "restore.java", "--latest", "--db", db, "--yes", "--no-safety-backup");
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(4);
        while (!Files.readString(err, StandardCharsets.UTF_8).contains("paused at " + step)) {
            assertThat(p.isAlive()).as("restore ended before " + step + ": " + Files.readString(err)).isTrue();
            assertThat(System.nanoTime()).as("no pause at " + step).isLessThan(deadline);
            Thread.sleep(100);
        }
        return p;
    }

    /** SIGTERM or SIGKILL to the restore (and to anything a launcher may have started under it). */
    private static void kill(Process p, boolean hard) throws InterruptedException {
        for (ProcessHandle h : p.toHandle().descendants().toList()) {
            if (hard) h.destroyForcibly();
            else h.destroy();
        }
        if (hard) p.destroyForcibly();
        else p.destroy();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    }

    private CheckResult restoresCheck() {
        HealthCheck hc = new HealthCheck(cfg);
        return hc.run(hc.select(List.of("restores"), List.of()), MissingNode.getInstance()).results().get(0);
    }

    private boolean allowsConnections(String database) {
        return "t".equals(pg.psql().value("postgres", "SELECT datallowconn FROM pg_database WHERE datname = " + Psql.literal(database)));
    }

    private long count(String database) {
        return BackupScriptTest.count(pg, database, "products");
    }

    private String only(String prefix) {
        List<String> l = databases().stream().filter(d -> d.startsWith(prefix)).toList();
        assertThat(l).as(prefix + "*").hasSize(1);
        return l.get(0);
    }

    private List<String> databases() {
        return pg.psql().query("postgres", "SELECT datname FROM pg_database WHERE starts_with(datname, " + Psql.literal(db)
                + ") ORDER BY 1").stream().map(m -> (String) m.get("datname")).toList();
    }

}
