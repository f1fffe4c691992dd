package lib;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.*;

/**
 * The "see it work" drill: a throwaway server with a realistic {@code inventory} database, backed up
 * and verified by the same code as backup.java, dropped (the disaster), restored by the same code as
 * restore.java, and compared table by table (row counts and a content checksum). Touches no real server.
 */
public final class Sandbox {
    static final String DB = "inventory";

    /** Tables with foreign keys, about 100k rows, deterministic content (setseed). */
    static final String SCHEMA = """
            SELECT setseed(0.42);
            CREATE TABLE locations (id int PRIMARY KEY, code text UNIQUE NOT NULL, name text NOT NULL);
            CREATE TABLE products (id int PRIMARY KEY, sku text UNIQUE NOT NULL, name text NOT NULL,
                                   category text NOT NULL, unit_price numeric(10,2) NOT NULL);
            CREATE TABLE stock_movements (id bigint PRIMARY KEY,
                                          product_id int NOT NULL REFERENCES products(id),
                                          location_id int NOT NULL REFERENCES locations(id),
                                          quantity int NOT NULL, moved_at timestamptz NOT NULL, note text);
            CREATE INDEX ON stock_movements (product_id, moved_at);
            INSERT INTO locations SELECT g, 'LOC-' || lpad(g::text, 4, '0'), 'Aisle ' || (g % 40) || ', bay ' || g
              FROM generate_series(1, 200) g;
            INSERT INTO products SELECT g, 'SKU-' || lpad(g::text, 6, '0'), 'Product ' || md5(g::text),
                   (ARRAY['tools','food','paper','parts','cleaning'])[1 + g % 5], round((random() * 500)::numeric, 2)
              FROM generate_series(1, 5000) g;
            INSERT INTO stock_movements SELECT g, 1 + (random() * 4999)::int, 1 + (random() * 199)::int,
                   (random() * 200)::int - 100, timestamptz '2026-01-01' + g * interval '5 minutes',
                   CASE WHEN g % 7 = 0 THEN 'cycle count ' || g END
              FROM generate_series(1, 94800) g;
            """;

    /** The drill's outcome, as printed and returned as JSON. */
    public record Result(boolean pass, String engine, long rows, long backupBytes, double backupSeconds,
                         double rtoSeconds, long rpoSeconds, List<String> problems) {}

    private Sandbox() {}

    /** @param engine "local", "docker" or "auto" (local binaries when found, else Docker) */
    public static Result run(Config base, Log log, String engine, PrintStream out) {
        Path work = null;
        try (ScratchServer server = start(base, engine, out)) {
            work = Files.createTempDirectory("ra-sandbox-");
            Config cfg = server.config(base).with(Map.of("BACKUP_DIR", work.resolve("backups").toString(),
                    "VERIFY", "full", "COMPRESSION", "zstd:3"));
            String where = server.container() != null ? "docker" : "local";
            Pg pg = new Pg(new PgTarget(cfg));
            out.println("1/5 creating database " + DB + " with products, locations and stock movements...");
            pg.psql().exec(Pg.MAINTENANCE_DB, "CREATE DATABASE " + DB);
            pg.psql().exec(DB, SCHEMA);
            Map<String, String> before = fingerprint(pg);
            long rows = pg.rowCounts(DB).stream().mapToLong(Manifest.TableCount::rows).sum();

            out.println("2/5 backing up and verifying (test restore) with backup.java's code...");
            Backup.Result b = new Backup(cfg, log).run(DB, new Backup.Options("manual", "full", false, false));

            out.println("3/5 the disaster: DROP DATABASE " + DB);
            pg.dropDatabase(DB);

            out.println("4/5 restoring the latest verified backup with restore.java's code...");
            Instant drillStart = Instant.now();
            Restore restore = new Restore(cfg, log);
            Restore.Options options = new Restore.Options(null, true, false, false);
            Restore.Plan plan = restore.plan(restore.choose(null, DB, null, null), options);
            restore.check(plan);
            Restore.Result r = restore.execute(plan, options);
            double rto = Duration.between(drillStart, Instant.now()).toMillis() / 1000.0;

            out.println("5/5 comparing every table's row count and content checksum with the pre-disaster state...");
            List<String> problems = compare(before, fingerprint(pg));
            return new Result(problems.isEmpty(), where, rows, b.manifest().storedBytes(), b.manifest().durationSeconds(), rto,
                    r.backupAge().toSeconds(), problems);
        } catch (java.io.IOException e) {
            throw new OpsException(ExitCode.FAILED, "sandbox: " + e.getMessage(), null, e);
        } finally {
            if (work != null) SafeFiles.deleteTree(work);
        }
    }

    private static ScratchServer start(Config base, String engine, PrintStream out) {
        Optional<Path> bin = engine.equals("docker") ? Optional.empty() : ScratchServer.findBinaries(base.get("PG_BIN"));
        if (bin.isPresent()) {
            out.println("starting a throwaway PostgreSQL cluster from " + bin.get() + "...");
            return ScratchServer.local(bin.get(), null);
        }
        if (engine.equals("local")) {
            throw new OpsException(ExitCode.UNAVAILABLE, "no PostgreSQL server binaries (initdb) found",
                    "install PostgreSQL, set PG_BIN, or use --engine docker");
        }
        String image = base.get("SANDBOX_IMAGE");
        out.println("starting a throwaway container from " + image + "...");
        return ScratchServer.docker(image);
    }

    /** Per table: "rows:md5 of all rows in a stable order". */
    static Map<String, String> fingerprint(Pg pg) {
        Map<String, String> out = new TreeMap<>();
        for (Manifest.TableCount t : pg.rowCounts(DB)) {
            String q = Psql.ident(t.schema()) + "." + Psql.ident(t.table());
            out.put(t.qualified(), t.rows() + ":" + pg.psql().value(DB, "SELECT md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), '')) FROM " + q + " x"));
        }
        return out;
    }

    public static List<String> compare(Map<String, String> before, Map<String, String> after) {
        List<String> problems = new ArrayList<>();
        before.forEach((table, fp) -> {
            if (!fp.equals(after.get(table))) problems.add(table + ": before " + fp + ", after " + after.get(table));
        });
        after.keySet().stream().filter(t -> !before.containsKey(t)).forEach(t -> problems.add(t + ": unexpected table"));
        return problems;
    }
}
