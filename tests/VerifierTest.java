package tests;

import lib.*;
import org.junit.jupiter.api.Test;
import tests.support.Fixtures;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class VerifierTest {
    private final Config cfg = Fixtures.config(Fixtures.trustCluster(), Fixtures.home());
    private final Pg pg = new Pg(new PgTarget(cfg));

    private Backup.Result backup(String db) {
        Fixtures.createDb(pg, db, 3000);
        return new Backup(cfg, Fixtures.log(cfg)).run(db, new Backup.Options("manual", "none", false, false));
    }

    private String scratchCount(String db) {
        return pg.psql().value("postgres", "SELECT count(*) FROM pg_database WHERE datname LIKE " + Psql.literal(db + "_verify_%"));
    }

    @Test
    void fullVerificationRestoresComparesAndDropsTheScratchDatabase() {
        Backup.Result r = backup("vf_ok");
        Manifest.VerifyResult v = new Verifier(pg, Fixtures.log(cfg)).verify("full", new Archive(r.dump(), pg.target()), r.manifest());
        assertThat(v.status()).isEqualTo("passed");
        assertThat(v.detail()).contains("sha256 ok").contains("test restore matched 2 tables, 3002 rows");
        assertThat(scratchCount("vf_ok")).isEqualTo("0");
    }

    @Test
    void wrongCountsInTheManifestFailAndTheScratchDatabaseIsStillDropped() {
        Backup.Result r = backup("vf_counts");
        Manifest m = r.manifest();
        Manifest lying = new Manifest(m.formatVersion(), m.database(), m.type(), m.dumpFile(), m.globalsFile(), m.compression(), m.mode(),
                m.source(), m.serverVersion(), m.pgDumpVersion(), m.startedAt(), m.finishedAt(), m.durationSeconds(), m.rawBytes(),
                m.storedBytes(), m.sha256(), m.globalsSha256(), false,
                List.of(new Manifest.TableCount("public", "products", 2999), new Manifest.TableCount("public", "odd \"name\" ü", 2)), null);
        Manifest.VerifyResult v = new Verifier(pg, Fixtures.log(cfg)).verify("full", new Archive(r.dump(), pg.target()), lying);
        assertThat(v.status()).isEqualTo("failed");
        assertThat(v.detail()).contains("public.products has 3000 rows, expected 2999");
        assertThat(scratchCount("vf_counts")).isEqualTo("0");
    }

    @Test
    void truncatedAndBitFlippedFilesFailQuickAndFullVerification() throws Exception {
        Backup.Result r = backup("vf_bad");
        byte[] bytes = Files.readAllBytes(r.dump());
        Path dir = Files.createTempDirectory("ra-vf");
        Path cut = dir.resolve("cut.dump.zst");
        Files.write(cut, java.util.Arrays.copyOf(bytes, bytes.length / 2));
        Path flip = dir.resolve("flip.dump.zst");
        bytes[bytes.length / 3] ^= 0x40;
        Files.write(flip, bytes);
        Verifier verifier = new Verifier(pg, Fixtures.log(cfg));
        for (Path bad : List.of(cut, flip)) {
            for (String level : List.of("quick", "full")) {
                Manifest.VerifyResult v = verifier.verify(level, new Archive(bad, pg.target()), r.manifest());
                assertThat(v.status()).as(bad + " " + level).isEqualTo("failed");
                assertThat(v.detail()).contains("checksum mismatch");
            }
        }
        assertThat(scratchCount("vf_bad")).isEqualTo("0");
    }

    /** 63 bytes (PostgreSQL used to cut the scratch name back to the database's own), 55 bytes, and multi-byte UTF-8. */
    private static final List<String> LONG_NAMES = List.of("vf_" + "l".repeat(60), "vf_" + "m".repeat(52), "vf_" + "ü".repeat(30));

    @Test
    void fullVerificationOfLongAndMultiByteNamesKeepsTheDatabaseAndVerifiesTheBackup() {
        for (String db : LONG_NAMES) {
            Fixtures.createDb(pg, db, 40);
            Backup.Result r = new Backup(cfg, Fixtures.log(cfg)).run(db, new Backup.Options("manual", "full", false, false));
            assertThat(r.manifest().verify().status()).as(db).isEqualTo("passed");
            assertThat(r.manifest().verify().detail()).contains("test restore matched 2 tables, 42 rows");
            assertThat(pg.exists(db)).as(db + " still exists").isTrue();
            assertThat(pg.rowCounts(db)).contains(new Manifest.TableCount("public", "products", 40));
            assertThat(pg.databasesStartingWith(DbName.prefix(db, Verifier.SCRATCH))).as("no scratch database left").isEmpty();
        }
        assertThat(DbName.bytes(LONG_NAMES.get(0))).isEqualTo(63);
        assertThat(DbName.bytes(LONG_NAMES.get(2))).isEqualTo(63);
    }

    @Test
    void aDatabaseThatHasTheScratchNameAlreadyIsNeverDropped() {
        Backup.Result r = backup("vf_taken");
        Fixtures.createDb(pg, "vf_taken_someone", 7);
        // every name the verification may pick in the next seconds is somebody else's database (copied fast from a template)
        Instant now = Instant.now();
        List<String> taken = java.util.stream.IntStream.range(0, 8)
                .mapToObj(i -> DbName.of("vf_taken", Verifier.SCRATCH, now.plusSeconds(i))).toList();
        taken.forEach(n -> pg.psql().exec("postgres", "CREATE DATABASE " + Psql.ident(n) + " TEMPLATE vf_taken_someone"));

        Manifest.VerifyResult v = new Verifier(pg, Fixtures.log(cfg)).verify("full", new Archive(r.dump(), pg.target()), r.manifest());

        assertThat(v.status()).as(v.detail()).isEqualTo("passed");
        for (String n : taken) {
            assertThat(pg.rowCounts(n)).as(n).contains(new Manifest.TableCount("public", "products", 7));
            pg.dropDatabase(n);
        }
        assertThat(scratchCount("vf_taken")).isEqualTo("0");
        pg.dropDatabase("vf_taken_someone");
    }

    @Test
    void theNextBackupDropsAnInterruptedVerifysLeftoverOfALongNameButNoLookAlike() {
        String db = LONG_NAMES.get(0);
        String other = db.substring(0, 62) + "x";
        Instant past = Instant.parse("2026-01-02T03:04:05Z");
        Fixtures.createDb(pg, db, 30);
        String leftover = DbName.of(db, Verifier.SCRATCH, past);
        List<String> foreign = List.of(DbName.of(other, Verifier.SCRATCH, past), DbName.prefix(db, Verifier.SCRATCH) + "mine",
                DbName.prefix(db, Verifier.SCRATCH) + "20260102t030405", LONG_NAMES.get(1) + "_verify_");
        for (String n : foreign) Fixtures.createDb(pg, n, 3);
        Fixtures.createDb(pg, leftover, 3);

        Backup.Result r = new Backup(cfg, Fixtures.log(cfg)).run(db, new Backup.Options("manual", "full", false, false));

        assertThat(r.manifest().verified()).isTrue();
        assertThat(pg.exists(leftover)).as("the interrupted run's scratch database").isFalse();
        assertThat(cfg.path("LOG_DIR").resolve("test.log")).content().contains("dropped scratch database of an interrupted run: " + leftover);
        for (String n : foreign) {
            assertThat(pg.exists(n)).as(n).isTrue();
            pg.dropDatabase(n);
        }
        assertThat(pg.rowCounts(db)).contains(new Manifest.TableCount("public", "products", 30));
    }

    @Test
    void noneSkips() {
        Backup.Result r = backup("vf_none");
        assertThat(new Verifier(pg, Fixtures.log(cfg)).verify("none", new Archive(r.dump(), pg.target()), r.manifest()).status())
                .isEqualTo("skipped");
    }

    @Test
    void countComparisonNamesMissingExtraAndDifferentTables() {
        var expected = List.of(new Manifest.TableCount("public", "a", 1), new Manifest.TableCount("public", "b", 2));
        var actual = List.of(new Manifest.TableCount("public", "a", 5), new Manifest.TableCount("public", "c", 0));
        assertThatThrownBy(() -> Verifier.requireSameCounts(expected, actual, "x"))
                .hasMessageContaining("public.a has 5 rows, expected 1").hasMessageContaining("public.b missing")
                .hasMessageContaining("public.c unexpected");
        Verifier.requireSameCounts(expected, expected, "x");
    }
}
