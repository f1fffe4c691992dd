package tests;

import lib.*;
import org.junit.jupiter.api.Test;
import tests.support.Fixtures;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RestoreTest {
    private final Path home = Fixtures.home();
    private final Config cfg = Fixtures.config(Fixtures.trustCluster(), home);
    private final Pg pg = new Pg(new PgTarget(cfg));

    private BackupStore.Entry backup(String db, int rows) {
        Fixtures.createDb(pg, db, rows);
        new Backup(cfg, Fixtures.log(cfg)).run(db, new Backup.Options("daily", "quick", false, false));
        return new BackupStore(home.resolve("backups")).list(db).get(0);
    }

    private Restore.Result restore(Restore r, BackupStore.Entry e, Restore.Options o) {
        Restore.Plan plan = r.plan(e, o);
        r.check(plan);
        return r.execute(plan, o);
    }

    private long products(String db) {
        return Long.parseLong(pg.psql().value(db, "SELECT count(*) FROM products"));
    }

    private String leftovers(String db) {
        return pg.psql().value("postgres", "SELECT count(*) FROM pg_database WHERE datname LIKE " + Psql.literal(db + "_restoring_%"));
    }

    @Test
    void replacesTheTargetKeepsTheOldOneAndTakesASafetyBackup() {
        BackupStore.Entry e = backup("rs_swap", 100);
        pg.psql().exec("rs_swap", "INSERT INTO products SELECT g, 'later' FROM generate_series(101, 150) g");
        Restore r = new Restore(cfg, Fixtures.log(cfg));
        Restore.Result res = restore(r, e, new Restore.Options(null, true, false, false));
        assertThat(products("rs_swap")).isEqualTo(100);
        assertThat(products(res.plan().keepAs())).isEqualTo(150);
        assertThat(res.plan().keepAs()).startsWith("rs_swap_before_restore_");
        assertThat(res.safetyBackup()).isNotNull().exists();
        assertThat(res.safetyBackup().getParent().getFileName().toString()).isEqualTo("safety");
        assertThat(res.seconds()).isPositive();
        assertThat(res.backupAge()).isPositive();
        assertThat(leftovers("rs_swap")).isEqualTo("0");
        // --latest never picks the safety backup it just took
        assertThat(r.choose(null, "rs_swap", null, null).type()).isEqualTo("daily");
        assertThat(r.choose(null, "rs_swap", "safety", null).type()).isEqualTo("safety");
    }

    @Test
    void restoresIntoANewDatabaseWithoutTouchingTheSource() {
        BackupStore.Entry e = backup("rs_src", 77);
        Restore r = new Restore(cfg, Fixtures.log(cfg));
        pg.dropDatabase("rs_src_copy");
        Restore.Result res = restore(r, e, new Restore.Options("rs_src_copy", true, false, false));
        assertThat(res.plan().targetExists()).isFalse();
        assertThat(res.safetyBackup()).isNull();
        assertThat(products("rs_src_copy")).isEqualTo(77);
        assertThat(products("rs_src")).isEqualTo(77);
    }

    @Test
    void damagedBackupIsRefusedBeforeAnythingChanges() throws Exception {
        BackupStore.Entry e = backup("rs_damaged", 100);
        pg.psql().exec("rs_damaged", "INSERT INTO products VALUES (1000, 'current')");
        byte[] b = Files.readAllBytes(e.dump());
        b[b.length - 20] ^= 0x7f;
        Files.write(e.dump(), b);
        Restore r = new Restore(cfg, Fixtures.log(cfg));
        Restore.Plan plan = r.plan(e, new Restore.Options(null, true, false, false));
        assertThatThrownBy(() -> r.check(plan)).hasMessageContaining("checksum mismatch")
                .satisfies(x -> assertThat(((OpsException) x).exitCode()).isEqualTo(ExitCode.VERIFY_FAILED));
        assertThat(products("rs_damaged")).isEqualTo(101);
        assertThat(new BackupStore(home.resolve("backups")).list("rs_damaged")).noneMatch(x -> x.type().equals("safety"));
    }

    @Test
    void aFailingRestoreLeavesTheTargetUntouchedAndCleansUp() {
        BackupStore.Entry e = backup("rs_fail", 100);
        pg.psql().exec("rs_fail", "INSERT INTO products VALUES (1000, 'current')");
        // restoring ownership to a role that no longer exists fails half-way through pg_restore
        pg.psql().exec("postgres", "DROP ROLE IF EXISTS rs_gone; CREATE ROLE rs_gone");
        pg.psql().exec("rs_fail", "ALTER TABLE products OWNER TO rs_gone");
        new Backup(cfg, Fixtures.log(cfg)).run("rs_fail", new Backup.Options("daily", "quick", false, false));
        pg.psql().exec("rs_fail", "ALTER TABLE products OWNER TO postgres");
        pg.psql().exec("postgres", "DROP ROLE rs_gone");
        Restore r = new Restore(cfg, Fixtures.log(cfg));
        BackupStore.Entry latest = r.choose(null, "rs_fail", "daily", null);
        assertThat(latest.at()).isAfter(e.at());
        assertThatThrownBy(() -> restore(r, latest, new Restore.Options(null, false, false, false)))
                .isInstanceOf(OpsException.class).hasMessageContaining("rs_gone")
                .satisfies(x -> assertThat(((OpsException) x).exitCode()).isEqualTo(ExitCode.RESTORE_FAILED));
        assertThat(products("rs_fail")).isEqualTo(101);
        assertThat(leftovers("rs_fail")).isEqualTo("0");
        // the same backup restores with --no-owner
        restore(r, latest, new Restore.Options(null, false, false, true));
        assertThat(products("rs_fail")).isEqualTo(101);
    }

    @Test
    void choosesByDateTypeAndFileAndExplainsWhenNothingMatches() {
        BackupStore.Entry e = backup("rs_choose", 5);
        Restore r = new Restore(cfg, Fixtures.log(cfg));
        LocalDate today = LocalDate.ofInstant(e.at(), ZoneOffset.UTC);
        assertThat(r.choose(null, "rs_choose", null, today).dump()).isEqualTo(e.dump());
        assertThat(r.choose(e.dump(), null, null, null).dump()).isEqualTo(e.dump());
        assertThat(r.choose(e.manifestFile(), null, null, null).dump()).isEqualTo(e.dump());
        assertThatThrownBy(() -> r.choose(null, "rs_choose", null, today.minusDays(3)))
                .hasMessageContaining("no verified backup of rs_choose taken on " + today.minusDays(3));
        assertThatThrownBy(() -> r.choose(null, "rs_choose", "weekly", null)).hasMessageContaining("of type weekly");
        assertThatThrownBy(() -> r.choose(home.resolve("nope.dump.zst"), null, null, null)).hasMessageContaining("backup file not found");
    }

    @Test
    void withGlobalsReplaysRoles() {
        pg.psql().exec("postgres", "DROP ROLE IF EXISTS rs_role; CREATE ROLE rs_role NOLOGIN");
        BackupStore.Entry e = backup("rs_globals", 5);
        pg.psql().exec("postgres", "DROP ROLE rs_role");
        Restore r = new Restore(cfg, Fixtures.log(cfg));
        restore(r, e, new Restore.Options(null, false, true, false));
        assertThat(pg.psql().value("postgres", "SELECT count(*) FROM pg_roles WHERE rolname = 'rs_role'")).isEqualTo("1");
    }
}
