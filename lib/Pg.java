package lib;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Server-side operations the backup and restore need: versions, sizes, exact row counts,
 * and creating, renaming and dropping whole databases. Administrative statements run from the
 * {@code postgres} maintenance database.
 */
public final class Pg {
    public static final String MAINTENANCE_DB = "postgres";

    /** Exact row counts of every user table (partitions as leaves, extension tables excluded). */
    static final String ROW_COUNTS = """
            SELECT n.nspname AS schema, c.relname AS table,
                   (xpath('/row/c/text()', query_to_xml(format('SELECT count(*) AS c FROM %I.%I', n.nspname, c.relname),
                          false, true, '')))[1]::text::bigint AS rows
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema')
              AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'
              AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                              AND d.objid = c.oid AND d.deptype = 'e')
            ORDER BY 1, 2""";

    private final Psql psql;

    public Pg(PgTarget target) { this.psql = new Psql(target); }

    public Psql psql() { return psql; }

    public PgTarget target() { return psql.target(); }

    /** Server version; also the first contact, so connection problems surface here with a hint. */
    public String serverVersion(String db) { return psql.value(db, "SHOW server_version"); }

    /** Whether a database of exactly this name exists (compared as text: a longer name is not cut to match). */
    public boolean exists(String db) {
        return "t".equals(psql.value(MAINTENANCE_DB, "SELECT exists(SELECT 1 FROM pg_database WHERE datname::text = "
                + Psql.literal(db) + ")"));
    }

    public long databaseSize(String db) {
        return Long.parseLong(psql.value(MAINTENANCE_DB, "SELECT pg_database_size(" + Psql.literal(db) + ")"));
    }

    public List<Manifest.TableCount> rowCounts(String db) {
        return toCounts(psql.query(db, ROW_COUNTS));
    }

    static List<Manifest.TableCount> toCounts(List<Map<String, Object>> rows) {
        List<Manifest.TableCount> out = new ArrayList<>();
        for (Map<String, Object> r : rows) {
            out.add(new Manifest.TableCount((String) r.get("schema"), (String) r.get("table"), ((Number) r.get("rows")).longValue()));
        }
        return out;
    }

    /** Version string of a pg program where it runs (host or container), e.g. "pg_dump (PostgreSQL) 15.18". */
    public String programVersion(String program) {
        Proc.Result r = Proc.run(target().command(program, List.of("--version")), target().env(null), Psql.TIMEOUT);
        if (!r.ok()) throw PgErrors.explain(target(), program, program + " --version", r, ExitCode.UNAVAILABLE);
        return r.stdout().strip();
    }

    /**
     * Creates an empty database from template0 (a restore into an existing target takes the target's owner,
     * encoding and locale from {@link DatabaseProperties} instead).
     */
    public void createDatabase(String name) {
        requireWhole(name);
        psql.exec(MAINTENANCE_DB, "CREATE DATABASE " + Psql.ident(name) + " TEMPLATE template0");
    }

    /** Drops a database, disconnecting its sessions (PostgreSQL 13+). */
    public void dropDatabase(String name) {
        requireWhole(name);
        psql.exec(MAINTENANCE_DB, "DROP DATABASE IF EXISTS " + Psql.ident(name) + " WITH (FORCE)");
    }

    /**
     * Drops a database the caller created itself in this run: exactly {@code name}, and only when pg_database
     * lists that very name. Returns whether it was there.
     */
    public boolean dropOwn(String name) {
        requireWhole(name);
        if (!exists(name)) return false;
        dropDatabase(name);
        return true;
    }

    /**
     * Drops scratch databases left by a run that was killed: exactly the names {@link DbName#of} gives for
     * {@code db} and {@code infix} (the caller holds the database's lock, so no live run owns them).
     * Returns their names.
     */
    public List<String> dropLeftovers(String db, String infix) {
        List<String> names = databasesStartingWith(DbName.prefix(db, infix)).stream()
                .filter(n -> DbName.isOf(n, db, infix)).toList();
        names.forEach(this::dropOwn);
        return names;
    }

    /** Names of the databases whose name starts with {@code prefix}, sorted. */
    public List<String> databasesStartingWith(String prefix) {
        return psql.query(MAINTENANCE_DB, "SELECT datname FROM pg_database WHERE starts_with(datname, " + Psql.literal(prefix)
                + ") ORDER BY 1").stream().map(r -> (String) r.get("datname")).toList();
    }

    /**
     * PostgreSQL cuts a longer name to 63 bytes without an error, so a statement would act on another
     * database (the cut name can be the live database itself).
     */
    private static void requireWhole(String name) {
        if (DbName.bytes(name) > DbName.MAX_BYTES) {
            throw new OpsException(ExitCode.USAGE, "database name longer than " + DbName.MAX_BYTES + " bytes: " + name,
                    "PostgreSQL cuts names at " + DbName.MAX_BYTES + " bytes (UTF-8); use a shorter name");
        }
    }

    /**
     * A transaction holding an exported snapshot: row counts are taken in it and pg_dump is pointed at
     * it with --snapshot, so the manifest's counts are exactly what the dump contains.
     */
    public Snapshot snapshot(String db) {
        return new Snapshot(db);
    }

    public final class Snapshot implements AutoCloseable {
        private static final String END = "--ra-end--";
        private final Proc.Session session;
        private final BufferedWriter in;
        private final BufferedReader out;
        private final String id;
        private final String db;

        Snapshot(String db) {
            this.db = db;
            session = Proc.start(target().command("psql", List.of("-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1")),
                    target().env(db));
            in = session.writer();
            out = session.reader();
            id = ask("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY;\nSELECT pg_export_snapshot();").strip();
        }

        public String id() { return id; }

        /** A single value from the snapshot's transaction (first column of the first row). */
        public String value(String query) {
            return ask(query + ";").strip();
        }

        public List<Manifest.TableCount> rowCounts() {
            String json = ask("SELECT coalesce(json_agg(q), '[]') FROM (" + ROW_COUNTS + ") q;");
            try {
                return toCounts(Psql.JSON.readValue(json, new com.fasterxml.jackson.core.type.TypeReference<>() {}));
            } catch (IOException e) {
                throw new OpsException(ExitCode.FAILED, "unexpected row count output: " + json, null, e);
            }
        }

        /** Sends SQL and reads its output up to an end marker; a dead session becomes a clear error. */
        private String ask(String sql) {
            StringBuilder sb = new StringBuilder();
            try {
                in.write(sql + "\n\\echo " + END + "\n");
                in.flush();
                String line;
                while ((line = out.readLine()) != null && !line.equals(END)) sb.append(line).append('\n');
                if (line == null) throw new IOException("session ended");
            } catch (IOException e) {
                session.close();
                throw PgErrors.explain(target(), "psql", "snapshot of " + db,
                        new Proc.Result(session.exitCode(), sb.toString(), session.stderr()), ExitCode.BACKUP_FAILED);
            }
            return sb.toString();
        }

        @Override
        public void close() {
            try {
                in.write("ROLLBACK;\n");
                in.flush();
            } catch (IOException ignored) {
                // the session is gone already; nothing to end
            }
            session.close();
        }
    }
}
