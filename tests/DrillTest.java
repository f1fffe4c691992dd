package tests;

import lib.*;
import lib.drill.Destination;
import lib.drill.Drill;
import lib.drill.DrillRecord;
import lib.drill.Evidence;
import lib.alert.Alerts;
import lib.alert.JobAlerts;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tests.support.Fixtures;
import tests.support.HttpReceiver;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** lib/drill/Drill and its Destinations against real clusters and a real container. */
class DrillTest {
    private final Path home = Fixtures.home();
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    @AfterEach
    void cleanUp() {
        BackupScriptTest.deleteTree(home.getParent());
    }

    private Config cfg(String db, String... overrides) {
        return Fixtures.config(Fixtures.trustCluster(), home, overrides).with(Map.of("PGDATABASE", db));
    }

    private static Backup.Result backup(Config cfg, String db) {
        return new Backup(cfg, Fixtures.log(cfg)).run(db, new Backup.Options("daily", "quick", false, false));
    }

    private DrillRecord drill(Config cfg, Destination dest) {
        try (dest) {
            return new Drill(cfg, Fixtures.log(cfg), new PrintStream(out, true)).run(new Drill.Options(null, null, null, null, false),
                    dest, "configured", "restore");
        }
    }

    private static Destination scratch() { return Destination.scratchDatabase(Instant.now()); }

    /** The inventory-like shape: a parent and a child with a foreign key. */
    private static void createShop(Pg pg, String db) {
        Fixtures.createDb(pg, db, 500);
        pg.psql().exec(db, "CREATE TABLE orders (id int PRIMARY KEY, product_id int REFERENCES products(id));"
                + "INSERT INTO orders SELECT g, 1 + g % 500 FROM generate_series(1, 2000) g;");
    }

    @Test
    void restoresTheNewestBackupIntoAScratchDatabaseValidatesAndDropsIt() throws Exception {
        Config cfg = cfg("dr_ok");
        Pg pg = new Pg(new PgTarget(cfg));
        createShop(pg, "dr_ok");
        backup(cfg, "dr_ok");
        Backup.Result newest = backup(cfg, "dr_ok");
        queries(cfg, "-- each must return no rows, or true\n"
                + "SELECT id FROM orders WHERE product_id IS NULL;\nSELECT count(*) = 2000 FROM orders;\n");
        List<String> before = databases(pg);

        DrillRecord d = drill(cfg, scratch());

        assertThat(d.result()).as(d.problems().toString()).isEqualTo("PASS");
        assertThat(d.problems()).isEmpty();
        assertThat(d.backup()).isEqualTo(newest.dump().getFileName().toString());
        assertThat(d.into()).startsWith("database dr_ok_drill_");
        assertThat(d.validated()).isTrue();
        assertThat(d.rpoSeconds()).isBetween(0.0, 600.0);
        assertThat(d.rtoSeconds()).isPositive();
        assertThat(d.steps()).extracting(DrillRecord.Step::name).containsExactly("choose", "prepare", "restore", "validate");
        assertThat(databases(pg)).as("the scratch database is dropped, nothing else changed").isEqualTo(before);
        assertThat(pg.rowCounts("dr_ok")).extracting(Manifest.TableCount::rows).contains(2000L, 500L);
    }

    @Test
    void aFailingValidationQueryOrAnOrphanFailsTheDrill() throws Exception {
        Config cfg = cfg("dr_bad");
        Pg pg = new Pg(new PgTarget(cfg));
        createShop(pg, "dr_bad");
        pg.psql().exec("dr_bad", "CREATE TABLE lines (order_id int); INSERT INTO lines VALUES (1), (99999);"
                + "ALTER TABLE lines ADD CONSTRAINT lines_order_fk FOREIGN KEY (order_id) REFERENCES orders(id) NOT VALID;");
        backup(cfg, "dr_bad");
        queries(cfg, "SELECT id, 'o;dd' AS note FROM orders WHERE id <= 2;\nSELECT false;\n");

        DrillRecord d = drill(cfg, scratch());

        assertThat(d.result()).isEqualTo("FAIL");
        assertThat(d.validated()).isFalse();
        assertThat(d.rtoMet()).as("a copy that failed validation never meets the RTO").isFalse();
        assertThat(d.problems()).anySatisfy(p -> assertThat(p).contains("lines_order_fk", "1 rows of lines"))
                .anySatisfy(p -> assertThat(p).contains("returned 2 row(s)", "o;dd"))
                .anySatisfy(p -> assertThat(p).contains("returned 1 row(s)", "SELECT false"));
        assertThat(pg.exists(d.into().substring("database ".length()))).isFalse();
    }

    @Test
    void aDamagedNewestBackupIsReportedAndTheNextOlderOneUsed() throws Exception {
        Config cfg = cfg("dr_dmg");
        createShop(new Pg(new PgTarget(cfg)), "dr_dmg");
        Backup.Result older = backup(cfg, "dr_dmg");
        Backup.Result newest = backup(cfg, "dr_dmg");
        Files.write(newest.dump(), new byte[] {1, 2, 3}, java.nio.file.StandardOpenOption.APPEND);

        DrillRecord d = drill(cfg, scratch());

        assertThat(d.result()).as(d.problems().toString()).isEqualTo("PASS");
        assertThat(d.backup()).isEqualTo(older.dump().getFileName().toString());
        assertThat(d.problems()).singleElement().asString().contains(newest.dump().getFileName().toString(), "checksum", "fell back");
    }

    @Test
    void aDrillThatFallsBackOverADamagedBackupMarksItFailedAndAlerts() throws Exception {
        try (HttpReceiver hook = new HttpReceiver()) {
            Config cfg = cfg("dr_mark", "WEBHOOK_URL", hook.url("/hook"));
            createShop(new Pg(new PgTarget(cfg)), "dr_mark");
            Backup.Result older = backup(cfg, "dr_mark");
            Backup.Result newest = backup(cfg, "dr_mark");
            flipMiddleBytes(newest.dump());

            DrillRecord d = drill(cfg, scratch());
            Evidence.record(cfg, Fixtures.log(cfg), d, null, new JobAlerts(Alerts.from(cfg, Fixtures.log(cfg)), Fixtures.log(cfg)));

            assertThat(d.result()).as(d.problems().toString()).isEqualTo("PASS");
            assertThat(d.backup()).isEqualTo(older.dump().getFileName().toString());
            BackupStore.Entry damaged = BackupStore.parse(newest.dump()).orElseThrow();
            assertThat(damaged.verified()).as("the damaged backup no longer counts as verified").isFalse();
            assertThat(damaged.manifest().verify().status()).isEqualTo("failed");
            assertThat(damaged.manifest().verify().detail()).contains("restore drill", "found it damaged");
            assertThat(damaged.manifest().sha256()).isEqualTo(newest.manifest().sha256());
            assertThat(BackupStore.parse(older.dump()).orElseThrow().verified()).isTrue();
            assertThat(new Restore(cfg, Fixtures.log(cfg)).candidates("dr_mark", null, null)).extracting(BackupStore.Entry::dump)
                    .containsExactly(older.dump());
            assertThat(hook.awaitRequests(1, Duration.ofSeconds(10))).singleElement().satisfies(q -> assertThat(q.body())
                    .contains("restore drill of dr_mark passed on an older backup", newest.dump().getFileName().toString(), "checksum"));
        }
    }

    @Test
    void aDatabaseThatHasTheDrillsScratchNameIsNeverDropped() {
        Config cfg = cfg("dr_taken");
        Pg pg = shopWithBackup(cfg, "dr_taken");
        Instant at = Instant.now();
        String taken = Drill.scratchName("dr_taken", at);
        Fixtures.createDb(pg, taken, 9);

        DrillRecord d = drill(cfg, Destination.scratchDatabase(at));

        assertThat(d.result()).isEqualTo("FAIL");
        assertThat(d.problems()).singleElement().asString().contains(taken, "already exists");
        assertThat(pg.rowCounts(taken)).contains(new Manifest.TableCount("public", "products", 9));
        pg.dropDatabase(taken);
    }

    @Test
    void aLongNameIsDrilledIntoAScratchDatabaseThatFitsAndAnInterruptedOnesSideCopyIsKnown() {
        String db = "dr_" + "é".repeat(30);
        Config cfg = cfg(db);
        Pg pg = shopWithBackup(cfg, db);
        Instant past = Instant.parse("2020-01-01T00:00:00Z");
        String side = DbName.of(Drill.scratchName(db, past), Restore.RESTORING, past.plusSeconds(1));
        String lookAlike = DbName.of(Drill.scratchName("dr_" + "é".repeat(29) + "e", past), Restore.RESTORING, past.plusSeconds(1));
        for (String n : List.of(side, lookAlike)) Fixtures.createDb(pg, n, 1);
        List<String> before = databases(pg);

        DrillRecord d = drill(cfg, scratch());

        assertThat(d.result()).as(d.problems() + "\n" + out).isEqualTo("PASS");
        String scratch = d.into().substring("database ".length());
        assertThat(DbName.bytes(scratch)).isLessThanOrEqualTo(63);
        assertThat(pg.exists(side)).as("an interrupted drill's side copy is dropped").isFalse();
        assertThat(pg.exists(lookAlike)).as("another database's is not").isTrue();
        assertThat(databases(pg)).as("the scratch database is dropped, the live one kept").contains(db).doesNotContain(scratch)
                .hasSize(before.size() - 1);
        assertThat(pg.rowCounts(db)).extracting(Manifest.TableCount::rows).contains(2000L, 500L);
        pg.dropDatabase(lookAlike);
    }

    /** The shop database with one daily backup. */
    private static Pg shopWithBackup(Config cfg, String db) {
        Pg pg = new Pg(new PgTarget(cfg));
        createShop(pg, db);
        backup(cfg, db);
        return pg;
    }

    /** As the sandbox's corrupted-latest-backup scenario does: same size and name, different bytes. */
    private static void flipMiddleBytes(Path file) throws java.io.IOException {
        byte[] b = Files.readAllBytes(file);
        for (int i = b.length / 2; i < Math.min(b.length, b.length / 2 + 64); i++) b[i] = (byte) ~b[i];
        Files.write(file, b);
    }

    @Test
    void fromTheRemoteAnEncryptedOffsiteCopyIsDownloadedDecryptedRestoredAndTheDownloadRemoved() {
        try (tests.support.Remotes.Remote remote = tests.support.Remotes.sftp()) {
            tests.support.GpgKeys.Key key = tests.support.GpgKeys.sharedCurve25519();
            Map<String, String> s = new java.util.HashMap<>(remote.settings());
            s.putAll(Map.of("OFFSITE_TYPES", "daily", "ENCRYPT_TO", key.publicArmored().toString(), "DECRYPT_KEY", key.secret().toString(),
                    "DECRYPT_PASSPHRASE", key.passphrase()));
            Config cfg = cfg("dr_remote").with(s);
            createShop(new Pg(new PgTarget(cfg)), "dr_remote");
            Backup.Result b = backup(cfg, "dr_remote");
            assertThat(b.offsite().failed()).isFalse();
            SafeFiles.deleteTree(cfg.path("BACKUP_DIR").resolve("daily"));

            DrillRecord d;
            try (Destination dest = scratch()) {
                d = new Drill(cfg, Fixtures.log(cfg), new PrintStream(out, true)).run(new Drill.Options(null, null, null, null, true),
                        dest, "configured", "restore");
            }

            assertThat(d.result()).as(d.problems() + "\n" + out).isEqualTo("PASS");
            assertThat(d.source()).isEqualTo("remote");
            assertThat(d.backup()).isEqualTo(b.dump().getFileName().toString());
            assertThat(d.steps()).extracting(DrillRecord.Step::name).containsExactly("choose", "download", "prepare", "restore", "validate");
            assertThat(cfg.path("BACKUP_DIR").resolve(".downloads")).isEmptyDirectory();
        }
    }

    @Test
    void anInterruptedDrillsLeftoverIsDroppedAndAKeptOneOnlyPointedOut() {
        Config cfg = cfg("dr_left");
        Pg pg = shopWithBackup(cfg, "dr_left");
        String kept = "dr_left_drill_20200101t000000z";
        String cut = kept + Restore.RESTORING + "20200101t000001z";
        String mine = "dr_left_drill_restoring_notes";
        for (String n : List.of(kept, cut, mine)) {
            if (!pg.exists(n)) pg.createDatabase(n);
        }

        DrillRecord d = drill(cfg, scratch());

        assertThat(d.result()).as(d.problems().toString()).isEqualTo("PASS");
        assertThat(pg.exists(cut)).isFalse();
        assertThat(pg.exists(kept)).isTrue();
        assertThat(pg.exists(mine)).as("a look-alike that no drill made").isTrue();
        pg.dropDatabase(kept);
        pg.dropDatabase(mine);
    }

    @Test
    void aSecondDrillAtTheSameTimeIsRefusedNotRecordedAsAFailure() {
        Config cfg = cfg("dr_busy");
        try (Lock held = Lock.acquire(cfg.path("BACKUP_DIR"), "dr-drill", "drill")) {
            assertThatThrownBy(() -> drill(cfg, scratch())).isInstanceOfSatisfying(OpsException.class,
                    e -> assertThat(e.exitCode()).isEqualTo(ExitCode.LOCKED));
        }
    }

    @Test
    void anOldBackupMissesTheRpoTarget() throws Exception {
        Config cfg = cfg("dr_old", "RPO_TARGET_HOURS", "24");
        createShop(new Pg(new PgTarget(cfg)), "dr_old");
        Backup.Result b = backup(cfg, "dr_old");
        Path manifest = BackupStore.parse(b.dump()).orElseThrow().manifestFile();
        String old = Instant.now().minus(Duration.ofHours(30)).toString();
        Files.writeString(manifest, Files.readString(manifest).replaceFirst("\"startedAt\" : \"[^\"]+\"", "\"startedAt\" : \"" + old + "\""));

        DrillRecord d = drill(cfg, scratch());

        assertThat(d.validated()).isTrue();
        assertThat(d.rpoSeconds()).isGreaterThan(29 * 3600.0);
        assertThat(d.result()).isEqualTo("FAIL");
        assertThat(d.problems()).singleElement().asString().contains("RPO 30.0 h is over the 24 h target");
    }

    @Test
    void noBackupAtAllIsAFailedDrillNotACrash() {
        Config cfg = cfg("dr_none");
        DrillRecord d = drill(cfg, scratch());
        assertThat(d.result()).isEqualTo("FAIL");
        assertThat(d.backup()).isNull();
        assertThat(d.rpoSeconds()).isEqualTo(-1);
        assertThat(d.problems()).singleElement().asString().contains("no verified backup of dr_none");
    }

    @Test
    void aServerThatIsDownFailsTheDrillWithTheReason() {
        Config cfg = cfg("dr_down");
        createShop(new Pg(new PgTarget(cfg)), "dr_down");
        backup(cfg, "dr_down");
        Config down = cfg.with(Map.of("PGPORT", String.valueOf(tests.support.TestContainer.freePort())));
        DrillRecord d = drill(down, scratch());
        assertThat(d.result()).isEqualTo("FAIL");
        assertThat(d.problems()).singleElement().asString().containsIgnoringCase("connect");
    }

    @Test
    void aScratchContainerFromTheLiveContainersImageGetsTheRolesAndIsRemovedAfter() {
        ScratchServer live = Fixtures.container();
        Config cfg = Fixtures.config(live, home).with(Map.of("PGDATABASE", "dr_box"));
        Pg pg = new Pg(new PgTarget(cfg));
        Fixtures.createDb(pg, "dr_box", 300);
        pg.psql().exec("postgres", "DROP ROLE IF EXISTS \"dr o'wner\"; CREATE ROLE \"dr o'wner\"");
        pg.psql().exec("dr_box", "ALTER TABLE products OWNER TO \"dr o'wner\"");
        backup(cfg, "dr_box");

        DrillRecord d = drill(cfg, Destination.container(null));

        assertThat(d.result()).as(d.problems().toString()).isEqualTo("PASS");
        String scratch = d.into().substring("container ".length());
        assertThat(scratch).startsWith("ra-scratch-").isNotEqualTo(live.container());
        assertThat(Proc.run(List.of("docker", "ps", "-a", "--format", "{{.Names}}"), Map.of(), Duration.ofSeconds(30)).stdout())
                .as("the scratch container is removed").doesNotContain(scratch);
        assertThat(d.steps()).extracting(DrillRecord.Step::name).contains("prepare");
    }

    private static void queries(Config cfg, String sql) throws java.io.IOException {
        Files.createDirectories(cfg.path("DRILL_VALIDATION_SQL").getParent());
        Files.writeString(cfg.path("DRILL_VALIDATION_SQL"), sql);
    }

    private static List<String> databases(Pg pg) {
        return pg.psql().query("postgres", "SELECT datname FROM pg_database ORDER BY 1").stream().map(r -> (String) r.get("datname")).toList();
    }
}
