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
                .isInstanceOf(OpsException.class).hasMessageContaining("role rs_gone does not exist")
                .satisfies(x -> assertThat(((OpsException) x).exitCode()).isEqualTo(ExitCode.RESTORE_FAILED))
                .satisfies(x -> assertThat(((OpsException) x).hint()).contains("--with-globals", "--no-owner"));
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
    void carriesEncodingLocalePrivilegesSettingsLimitAndCommentOver() {
        String db = "rs_latin1";
        pg.dropDatabase(db);
        pg.psql().exec("postgres", "DROP ROLE IF EXISTS rs_reader; CREATE ROLE rs_reader LOGIN;"
                + "CREATE DATABASE " + db + " TEMPLATE template0 ENCODING 'LATIN1' LC_COLLATE 'C' LC_CTYPE 'C' CONNECTION LIMIT 7");
        pg.psql().exec(db, "CREATE TABLE products (id int PRIMARY KEY, name text); INSERT INTO products VALUES (1, 'caf\u00e9');"
                + "REVOKE CONNECT, TEMPORARY ON DATABASE " + db + " FROM PUBLIC; GRANT CONNECT ON DATABASE " + db + " TO rs_reader;"
                + "ALTER DATABASE " + db + " SET work_mem = '12MB';"
                + "ALTER DATABASE " + db + " SET search_path = app, \"My Schema\", public;"
                + "ALTER ROLE rs_reader IN DATABASE " + db + " SET statement_timeout = '5s';"
                + "COMMENT ON DATABASE " + db + " IS 'the shop''s data';");
        DatabaseProperties before = DatabaseProperties.of(pg.psql(), db);
        assertThat(before.encoding()).isEqualTo("LATIN1");
        new Backup(cfg, Fixtures.log(cfg)).run(db, new Backup.Options("daily", "quick", false, false));
        Restore r = new Restore(cfg, Fixtures.log(cfg));
        Restore.Plan plan = r.plan(r.choose(null, db, "daily", null), new Restore.Options(null, false, false, false));
        assertThat(plan.properties()).isEqualTo(before);
        r.check(plan);
        r.execute(plan, new Restore.Options(null, false, false, false));

        DatabaseProperties after = DatabaseProperties.of(pg.psql(), db);
        assertThat(after).isEqualTo(before);
        assertThat(after.encoding()).isEqualTo("LATIN1");
        assertThat(after.collate()).isEqualTo("C");
        assertThat(after.connectionLimit()).isEqualTo(7);
        assertThat(after.comment()).isEqualTo("the shop's data");
        assertThat(pg.psql().value("postgres", "SELECT has_database_privilege('public', " + Psql.literal(db) + ", 'CONNECT')")).isEqualTo("f");
        assertThat(pg.psql().value("postgres", "SELECT has_database_privilege('rs_reader', " + Psql.literal(db) + ", 'CONNECT')")).isEqualTo("t");
        assertThat(pg.psql().value(db, "SHOW search_path")).isEqualTo("app, \"My Schema\", public");
        assertThat(pg.psql().value(db, "SHOW work_mem")).isEqualTo("12MB");
        assertThat(pg.psql().value(db, "SELECT name FROM products")).isEqualTo("caf\u00e9");
        assertThat(DatabaseProperties.of(pg.psql(), plan.keepAs())).as("the kept copy keeps them too").isEqualTo(before);
    }

    @Test
    void withGlobalsCreatesOnlyMissingRolesAndLeavesExistingOnesAsTheyAre() {
        pg.psql().exec("postgres", "DROP ROLE IF EXISTS rs_kept; DROP ROLE IF EXISTS rs_new;"
                + "CREATE ROLE rs_kept LOGIN PASSWORD 'from the backup'; CREATE ROLE rs_new LOGIN CONNECTION LIMIT 3");
        BackupStore.Entry e = backup("rs_globals_only", 5);
        pg.psql().exec("postgres", "ALTER ROLE rs_kept NOLOGIN PASSWORD NULL; DROP ROLE rs_new");
        Restore r = new Restore(cfg, Fixtures.log(cfg));
        restore(r, e, new Restore.Options(null, false, true, false));
        assertThat(pg.psql().value("postgres", "SELECT rolcanlogin::text || ' ' || (rolpassword IS NULL)::text FROM pg_authid WHERE rolname = 'rs_kept'"))
                .as("the existing role is left as it is").isEqualTo("false true");
        assertThat(pg.psql().value("postgres", "SELECT rolcanlogin::text || ' ' || rolconnlimit FROM pg_roles WHERE rolname = 'rs_new'"))
                .as("the missing role is created as in the backup").isEqualTo("true 3");
    }

    @Test
    void onAPasswordServerGlobalsAndPropertiesComeThroughToo() {
        Config pw = Fixtures.config(Fixtures.passwordCluster(), Fixtures.home());
        Pg ppg = new Pg(new PgTarget(pw));
        Fixtures.createDb(ppg, "rs_pw", 3);
        ppg.psql().exec("postgres", "DROP ROLE IF EXISTS rs_pw_kept; DROP ROLE IF EXISTS rs_pw_new; CREATE ROLE rs_pw_kept LOGIN; CREATE ROLE rs_pw_new;"
                + "ALTER DATABASE rs_pw CONNECTION LIMIT 9; REVOKE CONNECT ON DATABASE rs_pw FROM PUBLIC");
        new Backup(pw, Fixtures.log(pw)).run("rs_pw", new Backup.Options("daily", "quick", false, false));
        ppg.psql().exec("postgres", "ALTER ROLE rs_pw_kept NOLOGIN; DROP ROLE rs_pw_new");
        DatabaseProperties before = DatabaseProperties.of(ppg.psql(), "rs_pw");
        Restore r = new Restore(pw, Fixtures.log(pw));
        restore(r, r.choose(null, "rs_pw", "daily", null), new Restore.Options(null, true, true, false));
        assertThat(DatabaseProperties.of(ppg.psql(), "rs_pw")).isEqualTo(before);
        assertThat(ppg.psql().value("postgres", "SELECT string_agg(rolname || '=' || rolcanlogin, ',' ORDER BY rolname) FROM pg_roles "
                + "WHERE rolname LIKE 'rs_pw_%'")).isEqualTo("rs_pw_kept=false,rs_pw_new=false");
    }

    @Test
    void systemDatabasesAreRefusedBeforeAnything() {
        BackupStore.Entry e = backup("rs_sys", 5);
        Restore r = new Restore(cfg, Fixtures.log(cfg));
        for (String sys : java.util.List.of("postgres", "template0", "template1")) {
            assertThatThrownBy(() -> r.plan(e, new Restore.Options(sys, true, false, false)))
                    .hasMessageContaining("refusing to restore into " + sys)
                    .satisfies(x -> assertThat(((OpsException) x).exitCode()).isEqualTo(ExitCode.USAGE))
                    .satisfies(x -> assertThat(((OpsException) x).hint()).contains("--target-db " + sys + "_restored"));
        }
        assertThat(new BackupStore(home.resolve("backups")).list("postgres")).isEmpty();
    }

    @Test
    void aTargetClosedByHandIsNamedBeforeTheSafetyBackupWouldFail() {
        BackupStore.Entry e = backup("rs_closed", 5);
        pg.psql().exec("postgres", "ALTER DATABASE rs_closed WITH ALLOW_CONNECTIONS false");
        Restore r = new Restore(cfg, Fixtures.log(cfg));
        assertThatThrownBy(() -> r.plan(e, new Restore.Options(null, true, false, false)))
                .hasMessageContaining("database rs_closed does not allow connections")
                .satisfies(x -> assertThat(((OpsException) x).hint()).contains("ALLOW_CONNECTIONS true", "--no-safety-backup"));
        Restore.Result res = restore(r, e, new Restore.Options(null, false, false, false));
        assertThat(products("rs_closed")).isEqualTo(5);
        assertThat(pg.psql().value("postgres", "SELECT datallowconn FROM pg_database WHERE datname = " + Psql.literal(res.plan().keepAs())))
                .as("the kept copy stays closed as it was").isEqualTo("f");
        pg.dropDatabase(res.plan().keepAs());
    }

    @Test
    void anEmptyDatabaseIsAValidBackupVerifiedInFullAndRestores() {
        String db = "rs_empty";
        pg.dropDatabase(db);
        pg.psql().exec("postgres", "CREATE DATABASE " + db);
        Backup.Result b = new Backup(cfg, Fixtures.log(cfg)).run(db, new Backup.Options("daily", "full", false, false));
        assertThat(b.manifest().verify().status()).as(b.manifest().verify().detail()).isEqualTo("passed");
        BackupStore.Entry e = new BackupStore(home.resolve("backups")).list(db).get(0);
        assertThat(e.verified()).isTrue();
        Restore r = new Restore(cfg, Fixtures.log(cfg));
        Restore.Result res = restore(r, e, new Restore.Options(null, true, false, false));
        assertThat(pg.exists(db)).isTrue();
        assertThat(pg.exists(res.plan().keepAs())).isTrue();
        assertThat(pg.rowCounts(db)).isEmpty();
    }

    @Test
    void restoringTwiceIntoNamesOf55And63BytesKeepsEveryNameDistinct() {
        for (int length : new int[] {55, 63}) {
            String db = "rs_long_" + "x".repeat(length - 8);
            assertThat(DbName.bytes(db)).isEqualTo(length);
            BackupStore.Entry e = backup(db, 10);
            Restore r = new Restore(cfg, Fixtures.log(cfg));
            Restore.Result first = restore(r, e, new Restore.Options(null, false, false, false));
            Restore.Result second = restore(r, e, new Restore.Options(null, false, false, false));
            java.util.List<String> names = java.util.List.of(db, first.plan().keepAs(), second.plan().keepAs());
            assertThat(names).doesNotHaveDuplicates().allSatisfy(n -> {
                assertThat(DbName.bytes(n)).isLessThanOrEqualTo(DbName.MAX_BYTES);
                assertThat(pg.exists(n)).as(n).isTrue();
            });
            assertThat(first.plan().restoring()).isNotEqualTo(second.plan().restoring()).isNotEqualTo(db);
            assertThat(products(db)).isEqualTo(10);
            for (String n : names) pg.dropDatabase(n);
        }
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
