package tests;

import lib.Globals;
import org.junit.jupiter.api.Test;

import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class GlobalsTest {
    /** As pg_dumpall --globals-only writes it (PostgreSQL 15), with names that need quoting. */
    private static final String SCRIPT = """
            --
            -- PostgreSQL database cluster dump
            --

            SET default_transaction_read_only = off;

            SET client_encoding = 'UTF8';
            SET standard_conforming_strings = on;

            --
            -- Roles
            --

            CREATE ROLE app;
            ALTER ROLE app WITH NOSUPERUSER INHERIT NOCREATEROLE NOCREATEDB LOGIN NOREPLICATION NOBYPASSRLS PASSWORD 'SCRAM-SHA-256$4096:x;y';
            CREATE ROLE "Odd ""role"";x";
            ALTER ROLE "Odd ""role"";x" WITH NOSUPERUSER INHERIT NOCREATEROLE NOCREATEDB NOLOGIN NOREPLICATION NOBYPASSRLS;
            COMMENT ON ROLE "Odd ""role"";x" IS 'two
            lines; with a semicolon';
            CREATE ROLE postgres;
            ALTER ROLE postgres WITH SUPERUSER INHERIT CREATEROLE CREATEDB LOGIN REPLICATION BYPASSRLS;
            ALTER ROLE app SET search_path TO 'app', 'public';
            ALTER ROLE app IN DATABASE inventory SET work_mem TO '8MB';

            --
            -- Role memberships
            --

            GRANT pg_read_all_data TO app GRANTED BY postgres;
            GRANT app TO "Odd ""role"";x" GRANTED BY postgres;

            --
            -- Tablespaces
            --

            CREATE TABLESPACE fast OWNER postgres LOCATION '/srv/fast';
            COMMENT ON TABLESPACE fast IS 'ssd';
            GRANT ALL ON TABLESPACE fast TO app;
            CREATE TABLESPACE slow OWNER postgres LOCATION '/srv/slow';
            DO $$ BEGIN END $$;
            """;

    @Test
    void keepsOnlyWhatConcernsMissingRolesAndTablespaces() {
        Globals g = Globals.onlyMissing(SCRIPT, Set.of("postgres", "app", "pg_read_all_data"), Set.of("pg_default", "slow"));
        assertThat(g.sql()).contains("SET client_encoding = 'UTF8';", "SET standard_conforming_strings = on;",
                "CREATE ROLE \"Odd \"\"role\"\";x\";", "NOLOGIN", "COMMENT ON ROLE \"Odd \"\"role\"\";x\" IS 'two\nlines; with a semicolon';",
                "GRANT app TO \"Odd \"\"role\"\";x\" GRANTED BY postgres;",
                "CREATE TABLESPACE fast OWNER postgres LOCATION '/srv/fast';", "COMMENT ON TABLESPACE fast IS 'ssd';",
                "GRANT ALL ON TABLESPACE fast TO app;");
        assertThat(g.sql()).doesNotContain("CREATE ROLE app", "ALTER ROLE app", "PASSWORD", "ALTER ROLE postgres",
                "GRANT pg_read_all_data TO app", "slow", "DO $$");
        assertThat(g.skipped()).containsExactly("app", "postgres", "slow");
        assertThat(g.unknown()).singleElement().asString().startsWith("DO $$");
    }

    @Test
    void onAnEmptyServerEverythingKnownIsKept() {
        Globals g = Globals.onlyMissing(SCRIPT, Set.of(), Set.of());
        assertThat(g.skipped()).isEmpty();
        assertThat(g.sql()).contains("ALTER ROLE app WITH NOSUPERUSER", "PASSWORD 'SCRAM-SHA-256$4096:x;y';", "ALTER ROLE postgres WITH SUPERUSER",
                "ALTER ROLE app IN DATABASE inventory SET work_mem TO '8MB';", "CREATE TABLESPACE slow");
    }
}
