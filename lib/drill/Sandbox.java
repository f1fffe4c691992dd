package lib.drill;

import lib.*;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.*;

/**
 * The "see it work" drill: a throwaway server with a realistic {@code inventory} database, backed up
 * and verified by the same code as backup.java, then a disaster ({@link #SCENARIOS}), then the same
 * drill as dr-drill.java runs against a real system, and a table-by-table comparison with the state
 * before (row counts and a content checksum). Touches no real server, backup or remote.
 */
public final class Sandbox {
    static final String DB = "inventory";
    /** The disasters a sandbox drill can stage. */
    public static final List<String> SCENARIOS = List.of("db-dropped", "container-lost", "corrupted-latest-backup", "host-lost");
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

    /** The drill's outcome, as printed and returned as JSON: the drill itself plus what only a sandbox can know. */
    public record Result(boolean pass, String engine, String scenario, long rows, long backupBytes, double backupSeconds,
                         double rtoSeconds, long rpoSeconds, List<String> problems, DrillRecord drill) {}

    private Sandbox() {}

    /**
     * @param engine "local", "docker" or "auto" (local binaries when found, else Docker); container-lost needs Docker
     * @param scenario one of {@link #SCENARIOS}
     */
    public static Result run(Config base, Log log, String engine, String scenario, PrintStream out) {
        if (scenario.equals("container-lost") && engine.equals("local")) {
            throw new OpsException(ExitCode.USAGE, "--scenario container-lost needs a container", "use --engine docker (or auto)");
        }
        Path work = null;
        try (ScratchServer server = start(base, scenario.equals("container-lost") ? "docker" : engine, out)) {
            work = Files.createTempDirectory("ra-sandbox-");
            Map<String, String> o = new HashMap<>(Map.of("BACKUP_DIR", work.resolve("backups").toString(), "VERIFY", "full",
                    "COMPRESSION", "zstd:3", "REMOTE", "", "DRILL_VALIDATION_SQL", work.resolve("none.sql").toString()));
            if (scenario.equals("host-lost")) o.putAll(Map.of("REMOTE", work.resolve("remote").toString(), "OFFSITE_TYPES", "weekly"));
            Config cfg = server.config(base).with(o);
            String where = server.container() != null ? "docker" : "local";
            Pg pg = new Pg(new PgTarget(cfg));
            out.println("1/5 creating database " + DB + " with products, locations and stock movements...");
            pg.psql().exec(Pg.MAINTENANCE_DB, "CREATE DATABASE " + DB);
            pg.psql().exec(DB, SCHEMA);
            Map<String, String> before = fingerprint(pg);
            long rows = pg.rowCounts(DB).stream().mapToLong(Manifest.TableCount::rows).sum();

            out.println("2/5 backing up and verifying (test restore) with backup.java's code...");
            String type = scenario.equals("host-lost") ? "weekly" : "manual";
            Backup.Result b = new Backup(cfg, log).run(DB, new Backup.Options(type, "full", false, false));

            Destination dest = disaster(scenario, server, cfg, log, out, b);
            try (dest) {
                out.println("4/5 the drill: restoring the newest usable backup" + (scenario.equals("host-lost") ? " from the remote" : "")
                        + " with dr-drill.java's code...");
                DrillRecord d = new Drill(cfg, log, out).run(new Drill.Options(null, DB, null, null,
                        scenario.equals("host-lost")), dest, "sandbox", scenario);
                out.println("5/5 comparing every table's row count and content checksum with the pre-disaster state...");
                List<String> problems = new ArrayList<>(d.pass() ? List.of() : d.problems());
                if (dest.target() != null && d.validated()) problems.addAll(compare(before, fingerprint(new Pg(new PgTarget(dest.target())))));
                if (scenario.equals("corrupted-latest-backup") && !b.dump().getFileName().toString().equals(d.backup())) {
                    problems.add("the drill did not fall back to the previous verified backup " + b.dump().getFileName());
                }
                boolean pass = d.pass() && problems.isEmpty();
                return new Result(pass, where, scenario, rows, b.manifest().storedBytes(), b.manifest().durationSeconds(),
                        d.rtoSeconds(), Math.round(d.rpoSeconds()), problems, pass ? d : d.with("FAIL", problems));
            }
        } catch (IOException e) {
            throw new OpsException(ExitCode.FAILED, "sandbox: " + e.getMessage(), null, e);
        } finally {
            if (work != null) SafeFiles.deleteTree(work);
        }
    }

    /** Step 3: stages the scenario's disaster and says where the drill restores to. */
    private static Destination disaster(String scenario, ScratchServer server, Config cfg, Log log, PrintStream out,
                                                  Backup.Result first) throws IOException {
        Pg pg = new Pg(new PgTarget(cfg));
        switch (scenario) {
            case "container-lost" -> {
                out.println("3/5 the disaster: container " + server.container() + " removed with its data");
                String image = cfg.get("SANDBOX_IMAGE");
                server.close();
                return Destination.container(image);
            }
            case "corrupted-latest-backup" -> {
                Backup.Result latest = new Backup(cfg, log).run(DB, new Backup.Options("manual", "full", false, false));
                out.println("3/5 the disaster: the latest backup " + latest.dump().getFileName() + " is damaged on disk, and DROP DATABASE " + DB);
                damage(latest.dump());
                pg.dropDatabase(DB);
                return Destination.inPlace();
            }
            case "host-lost" -> {
                if (first.offsite() == null || first.offsite().failed()) {
                    throw new OpsException(ExitCode.REMOTE_FAILED, "sandbox: the backup did not reach the sandbox remote"
                            + (first.offsite() == null ? "" : ": " + first.offsite().failure().oneLine()), "is rclone installed (RCLONE)?");
                }
                out.println("3/5 the disaster: the host is lost: every local backup deleted, and DROP DATABASE " + DB);
                SafeFiles.deleteTree(cfg.path("BACKUP_DIR"));
                pg.dropDatabase(DB);
                return Destination.inPlace();
            }
            default -> {
                out.println("3/5 the disaster: DROP DATABASE " + DB);
                pg.dropDatabase(DB);
                return Destination.inPlace();
            }
        }
    }

    /** Flips bytes in the middle of the file, keeping its size and name: silent corruption on disk. */
    static void damage(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE,
                StandardOpenOption.READ)) {
            ByteBuffer buf = ByteBuffer.allocate(64);
            long at = ch.size() / 2;
            ch.read(buf, at);
            buf.flip();
            for (int i = 0; i < buf.limit(); i++) buf.put(i, (byte) ~buf.get(i));
            ch.write(buf, at);
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
