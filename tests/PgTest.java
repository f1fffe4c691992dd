package tests;

import lib.*;
import org.junit.jupiter.api.Test;
import tests.support.Fixtures;

import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PgTest {
    private final Pg pg = new Pg(new PgTarget(Fixtures.config(Fixtures.trustCluster(), Fixtures.home())));

    @Test
    void exactRowCountsOfEveryUserTableIncludingOddNames() {
        Fixtures.createDb(pg, "pg_counts", 1234);
        pg.psql().exec("pg_counts", "CREATE SCHEMA \"s p\"; CREATE TABLE \"s p\".t (x int); INSERT INTO \"s p\".t VALUES (1);"
                + "CREATE TABLE parted (k int) PARTITION BY RANGE (k); CREATE TABLE parted_1 PARTITION OF parted FOR VALUES FROM (0) TO (10);"
                + "INSERT INTO parted VALUES (1), (2), (3);");
        assertThat(pg.rowCounts("pg_counts")).containsExactly(
                new Manifest.TableCount("public", "odd \"name\" ü", 2),
                new Manifest.TableCount("public", "parted_1", 3),
                new Manifest.TableCount("public", "products", 1234),
                new Manifest.TableCount("s p", "t", 1));
    }

    @Test
    void snapshotCountsIgnoreLaterWrites() {
        Fixtures.createDb(pg, "pg_snap", 100);
        try (Pg.Snapshot snap = pg.snapshot("pg_snap")) {
            assertThat(snap.id()).matches("[0-9A-F]+-[0-9A-F]+-\\d+");
            pg.psql().exec("pg_snap", "INSERT INTO products SELECT g, 'late' FROM generate_series(101, 150) g");
            assertThat(snap.rowCounts()).contains(new Manifest.TableCount("public", "products", 100));
        }
        assertThat(pg.rowCounts("pg_snap")).contains(new Manifest.TableCount("public", "products", 150));
    }

    @Test
    void dropsOnlyExactlyNamedLeftovers() {
        for (String n : List.of("pg_left_verify_20261120t020000z", "pg_left_verify_mine", "pg_left_x_verify_20261120t020000z")) {
            Fixtures.createDb(pg, n, 1);
        }
        assertThat(pg.dropLeftovers("pg_left", Verifier.SCRATCH)).containsExactly("pg_left_verify_20261120t020000z");
        assertThat(pg.exists("pg_left_verify_mine")).isTrue();
        assertThat(pg.exists("pg_left_x_verify_20261120t020000z")).isTrue();
    }

    @Test
    void leftoversOfLongAndMultiByteNamesAreRecognisedExactly() {
        Instant at = Instant.parse("2026-11-20T02:00:00Z");
        for (String db : List.of("pg_" + "l".repeat(60), "pg_" + "ö".repeat(30), "pg_" + "m".repeat(50))) {
            String ours = DbName.of(db, Verifier.SCRATCH, at);
            String lookAlike = DbName.of(db.substring(0, db.length() - 1) + "x", Verifier.SCRATCH, at);
            String mine = DbName.prefix(db, Verifier.SCRATCH) + "kept";
            for (String n : List.of(ours, lookAlike, mine)) Fixtures.createDb(pg, n, 1);
            assertThat(pg.dropLeftovers(db, Verifier.SCRATCH)).as(db).containsExactly(ours);
            assertThat(pg.exists(ours)).isFalse();
            assertThat(pg.exists(lookAlike)).isTrue();
            assertThat(pg.exists(mine)).isTrue();
            pg.dropDatabase(lookAlike);
            pg.dropDatabase(mine);
        }
    }

    @Test
    void aNamePostgresqlWouldCutIsRefusedAndTheDatabaseItWouldHitIsKept() {
        String db = "pg_" + "c".repeat(60);
        Fixtures.createDb(pg, db, 4);
        for (String longer : List.of(db + "_verify_20261120t020000z", db + "x")) {
            assertThatThrownBy(() -> pg.dropDatabase(longer)).isInstanceOf(OpsException.class).hasMessageContaining("longer than 63 bytes");
            assertThatThrownBy(() -> pg.dropOwn(longer)).isInstanceOf(OpsException.class).hasMessageContaining("longer than 63 bytes");
            assertThatThrownBy(() -> pg.createDatabase(longer)).isInstanceOf(OpsException.class);
            assertThat(pg.exists(longer)).as("not the database PostgreSQL would cut it to").isFalse();
        }
        assertThat(pg.rowCounts(db)).contains(new Manifest.TableCount("public", "products", 4));
    }

    @Test
    void dropOwnDropsOnlyTheExactNameWhenItIsThere() {
        Fixtures.createDb(pg, "pg_own", 1);
        Fixtures.createDb(pg, "pg_own_keep", 1);
        assertThat(pg.dropOwn("pg_own")).isTrue();
        assertThat(pg.dropOwn("pg_own")).isFalse();
        assertThat(pg.exists("pg_own_keep")).isTrue();
        pg.dropDatabase("pg_own_keep");
    }

    @Test
    void versionsAndSizes() {
        Fixtures.createDb(pg, "pg_info", 10);
        assertThat(pg.serverVersion("pg_info")).startsWith("15.");
        assertThat(pg.programVersion("pg_dump")).startsWith("pg_dump (PostgreSQL) ");
        assertThat(pg.databaseSize("pg_info")).isGreaterThan(1_000_000);
        assertThat(pg.exists("pg_info")).isTrue();
        assertThat(pg.exists("pg_no_such")).isFalse();
    }

    @Test
    void aSnapshotSessionThatCannotConnectAlwaysSaysWhy() {
        // psql exits at once; its reason must reach the message every time (stderr is drained before zt-exec closes the streams)
        for (int i = 0; i < 15; i++) {
            assertThatThrownBy(() -> pg.snapshot("pg_no_such").close()).as("attempt " + i)
                    .isInstanceOf(OpsException.class).hasMessageContaining("does not exist");
        }
    }

    @Test
    void missingDatabaseIsExplained() {
        assertThatThrownBy(() -> pg.serverVersion("pg_no_such")).isInstanceOf(OpsException.class)
                .hasMessageContaining("does not exist").satisfies(e -> assertThat(((OpsException) e).hint()).contains("--db"));
    }
}
