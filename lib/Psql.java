package lib;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * SQL through psql, in either mode, with the SQL on stdin (never argv) and results as JSON
 * (json_agg), so names with quotes, spaces, newlines or unicode come back intact.
 */
public final class Psql {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Duration TIMEOUT = Duration.ofMinutes(10);
    private final PgTarget target;

    public Psql(PgTarget target) { this.target = target; }

    public PgTarget target() { return target; }

    /** Base psql arguments: no psqlrc, quiet, unaligned, stop at the first error. */
    static List<String> args() {
        return List.of("-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-f", "-");
    }

    /** Runs statements in {@code db}; any error is an OpsException. */
    public String exec(String db, String sql) { return exec(db, sql, TIMEOUT); }

    /** As {@link #exec(String, String)}, given up after {@code timeout}. */
    public String exec(String db, String sql, Duration timeout) {
        Proc.Result r = Proc.run(target.command("psql", args()), target.env(db), timeout,
                new ByteArrayInputStream(sql.getBytes(StandardCharsets.UTF_8)), null);
        if (!r.ok()) throw PgErrors.explain(target, "psql", "SQL on database " + db, r, ExitCode.FAILED);
        return r.stdout();
    }

    /** Rows of {@code query} in {@code db} as maps from column name to JSON value. */
    public List<Map<String, Object>> query(String db, String query) { return query(db, query, TIMEOUT); }

    /** As {@link #query(String, String)}, given up after {@code timeout}. */
    public List<Map<String, Object>> query(String db, String query, Duration timeout) {
        String out = exec(db, "SELECT coalesce(json_agg(q), '[]') FROM (" + query + ") q;", timeout).strip();
        try {
            return JSON.readValue(out, new TypeReference<>() {});
        } catch (IOException e) {
            throw new OpsException(ExitCode.FAILED, "unexpected psql output: " + abbreviate(out), null, e);
        }
    }

    /** A single value (first column of the first row), or null. */
    public String value(String db, String query) { return value(db, query, TIMEOUT); }

    /** As {@link #value(String, String)}, given up after {@code timeout}. */
    public String value(String db, String query, Duration timeout) {
        String out = exec(db, query + ";", timeout).strip();
        return out.isEmpty() ? null : out;
    }

    /** SQL identifier quoting ("..." with doubled quotes). */
    public static String ident(String name) { return "\"" + name.replace("\"", "\"\"") + "\""; }

    /** SQL literal quoting ('...' with doubled quotes; standard_conforming_strings is on by default). */
    public static String literal(String s) { return "'" + s.replace("'", "''") + "'"; }

    private static String abbreviate(String s) { return s.length() > 200 ? s.substring(0, 200) + "..." : s; }
}
