package tests;

import lib.*;
import org.junit.jupiter.api.Test;
import tests.support.Fixtures;

import static org.assertj.core.api.Assertions.assertThat;

class DatabasePropertiesTest {
    private final Config cfg = Fixtures.config(Fixtures.trustCluster(), Fixtures.home());
    private final Pg pg = new Pg(new PgTarget(cfg));

    @Test
    void aCopyMadeFromThePropertiesHasTheSameProperties() {
        pg.dropDatabase("dp_src");
        pg.dropDatabase("dp_copy");
        pg.psql().exec("postgres", "DROP ROLE IF EXISTS \"dp \"\"owner\"\"\"; CREATE ROLE \"dp \"\"owner\"\"\";"
                + "DROP ROLE IF EXISTS dp_reader; CREATE ROLE dp_reader;"
                + "CREATE DATABASE dp_src TEMPLATE template0 ENCODING 'SQL_ASCII' LC_COLLATE 'C' LC_CTYPE 'C' OWNER \"dp \"\"owner\"\"\"");
        pg.psql().exec("dp_src", "ALTER DATABASE dp_src SET search_path = \"a, b\", public; ALTER DATABASE dp_src SET datestyle = 'ISO, DMY';"
                + "ALTER DATABASE dp_src SET temp_tablespaces = '';"
                + "GRANT CREATE ON DATABASE dp_src TO dp_reader WITH GRANT OPTION; REVOKE TEMPORARY ON DATABASE dp_src FROM PUBLIC;");
        DatabaseProperties src = DatabaseProperties.of(pg.psql(), "dp_src");
        assertThat(src.acl()).isNotNull();
        pg.psql().exec("postgres", src.createStatement("dp_copy"));
        assertThat(DatabaseProperties.of(pg.psql(), "dp_copy").differences(src)).as("before").isNotEmpty();
        src.applyTo(pg.psql(), "dp_copy");
        assertThat(DatabaseProperties.of(pg.psql(), "dp_copy")).isEqualTo(src);
        assertThat(pg.psql().value("dp_copy", "SHOW search_path")).isEqualTo("\"a, b\", public");
        assertThat(pg.psql().value("dp_copy", "SHOW datestyle")).isEqualTo("ISO, DMY");
        pg.dropDatabase("dp_src");
        pg.dropDatabase("dp_copy");
    }

    @Test
    void defaultPrivilegesStayDefault() {
        pg.dropDatabase("dp_plain");
        pg.psql().exec("postgres", "CREATE DATABASE dp_plain");
        DatabaseProperties p = DatabaseProperties.of(pg.psql(), "dp_plain");
        assertThat(p.acl()).isNull();
        assertThat(p.settings()).isEmpty();
        assertThat(p.summary()).startsWith("owner ").doesNotContain("privileges", "settings", "comment");
        pg.dropDatabase("dp_plain");
    }

    @Test
    void inDockerModeARestoreInPlaceKeepsALatin1DatabaseAsItWas() {
        Config docker = Fixtures.config(Fixtures.container(), Fixtures.home());
        Pg dpg = new Pg(new PgTarget(docker));
        String db = "dp_docker";
        dpg.dropDatabase(db);
        dpg.psql().exec("postgres", "DROP ROLE IF EXISTS dp_app; CREATE ROLE dp_app LOGIN;"
                + "CREATE DATABASE " + db + " TEMPLATE template0 ENCODING 'LATIN1' LC_COLLATE 'C' LC_CTYPE 'C' CONNECTION LIMIT 4");
        dpg.psql().exec(db, "CREATE TABLE products (id int PRIMARY KEY); INSERT INTO products VALUES (1), (2);"
                + "REVOKE CONNECT ON DATABASE " + db + " FROM PUBLIC; GRANT CONNECT ON DATABASE " + db + " TO dp_app;"
                + "ALTER DATABASE " + db + " SET lock_timeout = '3s'; COMMENT ON DATABASE " + db + " IS 'shop';");
        DatabaseProperties before = DatabaseProperties.of(dpg.psql(), db);
        new Backup(docker, Fixtures.log(docker)).run(db, new Backup.Options("daily", "quick", false, false));
        Restore r = new Restore(docker, Fixtures.log(docker));
        Restore.Options o = new Restore.Options(null, false, false, false);
        Restore.Plan plan = r.plan(r.choose(null, db, "daily", null), o);
        r.check(plan);
        r.execute(plan, o);
        assertThat(DatabaseProperties.of(dpg.psql(), db)).isEqualTo(before);
        assertThat(before.encoding()).isEqualTo("LATIN1");
        assertThat(before.acl()).isNotNull();
        assertThat(dpg.rowCounts(db)).singleElement().satisfies(t -> assertThat(t.rows()).isEqualTo(2));
    }
}
