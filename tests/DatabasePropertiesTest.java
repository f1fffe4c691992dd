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
}
