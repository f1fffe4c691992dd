package tests;

import lib.Config;
import lib.Pg;
import lib.PgTarget;
import lib.drill.Validation;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tests.support.Fixtures;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** lib/drill/Validation: the statement splitter, orphan detection and the pass rule of user queries, on a real cluster. */
class ValidationTest {
    private final Path home = Fixtures.home();
    private final Config cfg = Fixtures.config(Fixtures.trustCluster(), home);
    private final Pg pg = new Pg(new PgTarget(cfg));

    @AfterEach
    void cleanUp() {
        BackupScriptTest.deleteTree(home.getParent());
    }

    @Test
    void splitsAtTopLevelSemicolonsOnly() {
        String sql = """
                -- a comment; with a semicolon
                SELECT 'a;b' AS x;  /* block; comment */
                SELECT "odd;col" FROM t;
                SELECT $$ $x$; $$ ;SELECT $q$ it's; $q$;
                SELECT 'it''s; fine'
                ;;  -- only a comment after
                """;
        assertThat(Validation.statements(sql)).containsExactly("SELECT 'a;b' AS x", "SELECT \"odd;col\" FROM t",
                "SELECT $$ $x$; $$", "SELECT $q$ it's; $q$", "SELECT 'it''s; fine'");
        assertThat(Validation.statements("  \n-- nothing\n/* at all */ ;")).isEmpty();
        assertThat(Validation.statements("SELECT 1")).containsExactly("SELECT 1");
    }

    @Test
    void noRowsOrASingleTruePassEverythingElseIsAProblem() throws Exception {
        Fixtures.createDb(pg, "val_rules", 10);
        Path q = home.resolve("v.sql");
        Files.writeString(q, """
                SELECT id FROM products WHERE id > 100;
                SELECT count(*) = 10 FROM products;
                SELECT true;
                SELECT count(*) = 11 AS eleven FROM products;
                SELECT id, name FROM products ORDER BY id;
                SELECT * FROM missing_table;
                SELECT 1 / 0;
                """);
        Validation.Outcome o = Validation.run(pg, "val_rules", q);
        assertThat(o.queries()).isEqualTo(7);
        assertThat(o.ok()).isFalse();
        assertThat(o.problems()).hasSize(4);
        assertThat(o.problems().get(0)).contains("returned 1 row(s)", "eleven");
        assertThat(o.problems().get(1)).contains("returned 10 row(s)", "product 1", "SELECT id, name FROM products");
        assertThat(o.problems().get(2)).contains("failed", "missing_table");
        assertThat(o.problems().get(3)).contains("failed", "division by zero");
    }

    @Test
    void findsOrphansBehindANotValidForeignKeyIncludingCompositeKeys() {
        Fixtures.createDb(pg, "val_fk", 5);
        pg.psql().exec("val_fk", """
                CREATE SCHEMA "Sales dept";
                CREATE TABLE "Sales dept"."Order" (a int, b int, PRIMARY KEY (a, b));
                INSERT INTO "Sales dept"."Order" VALUES (1, 1);
                CREATE TABLE lines (a int, b int, product int REFERENCES products(id));
                INSERT INTO lines VALUES (1, 1, 1), (1, 2, 2), (NULL, 7, 3), (2, 2, NULL);
                ALTER TABLE lines ADD CONSTRAINT lines_order FOREIGN KEY (a, b) REFERENCES "Sales dept"."Order" NOT VALID;
                """);
        Validation.Outcome o = Validation.run(pg, "val_fk", home.resolve("absent.sql"));
        assertThat(o.foreignKeys()).isEqualTo(2);
        assertThat(o.queries()).isZero();
        assertThat(o.problems()).singleElement().asString()
                .contains("lines_order", "2 rows of lines", "\"Sales dept\".\"Order\"");
    }

    @Test
    void aCleanDatabasePasses() {
        Fixtures.createDb(pg, "val_clean", 5);
        pg.psql().exec("val_clean", "CREATE TABLE c (p int REFERENCES products(id)); INSERT INTO c VALUES (1), (NULL);");
        assertThat(Validation.run(pg, "val_clean", null).problems()).isEmpty();
        assertThat(Validation.queries(home.resolve("nope.sql"))).isEqualTo(List.of());
    }
}
