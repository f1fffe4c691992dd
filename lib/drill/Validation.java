package lib.drill;

import lib.ExitCode;
import lib.OpsException;
import lib.Pg;
import lib.Psql;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What a drill checks in the restored copy, beyond the row counts the restore itself compares with the
 * manifest: no foreign-key orphans (rows whose parent is missing, possible when constraints were NOT VALID
 * or triggers were disabled at the source), and the operator's own queries from {@code DRILL_VALIDATION_SQL},
 * each of which must return no rows, or a single true.
 */
public final class Validation {
    /** What was checked and what failed; {@code ok} when nothing did. */
    public record Outcome(int foreignKeys, int queries, List<String> problems) {
        public boolean ok() { return problems.isEmpty(); }
    }

    private static final int SHOWN_ROWS = 3;
    private static final String FOREIGN_KEYS = """
            SELECT c.conname AS name, c.conrelid::regclass::text AS child, c.confrelid::regclass::text AS parent,
                   (SELECT json_agg(a.attname ORDER BY k.i) FROM unnest(c.conkey) WITH ORDINALITY k(n, i)
                      JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n) AS cols,
                   (SELECT json_agg(a.attname ORDER BY k.i) FROM unnest(c.confkey) WITH ORDINALITY k(n, i)
                      JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n) AS parent_cols
              FROM pg_constraint c WHERE c.contype = 'f' ORDER BY 2, 1""";

    private Validation() {}

    /** Runs every check in {@code db}; a missing queries file is fine, an unreadable one is a usage error. */
    public static Outcome run(Pg pg, String db, Path queriesFile) {
        List<Map<String, Object>> fks = pg.psql().query(db, FOREIGN_KEYS);
        List<String> problems = new ArrayList<>(orphans(pg, db, fks));
        List<String> queries = queries(queriesFile);
        for (String q : queries) check(pg, db, q).ifPresent(problems::add);
        return new Outcome(fks.size(), queries.size(), problems);
    }

    /** One problem per foreign key (rows of {@link #FOREIGN_KEYS}) with orphans: "stock_movements_product_id_fkey: 3 rows of ... without ...". */
    static List<String> orphans(Pg pg, String db, List<Map<String, Object>> foreignKeys) {
        List<String> problems = new ArrayList<>();
        for (Map<String, Object> fk : foreignKeys) {
            @SuppressWarnings("unchecked") List<String> cols = (List<String>) fk.get("cols");
            @SuppressWarnings("unchecked") List<String> parentCols = (List<String>) fk.get("parent_cols");
            StringBuilder notNull = new StringBuilder();
            StringBuilder join = new StringBuilder();
            for (int i = 0; i < cols.size(); i++) {
                notNull.append(" AND c.").append(Psql.ident(cols.get(i))).append(" IS NOT NULL");
                join.append(i == 0 ? "" : " AND ").append("p.").append(Psql.ident(parentCols.get(i)))
                        .append(" = c.").append(Psql.ident(cols.get(i)));
            }
            String count = pg.psql().value(db, "SELECT count(*) FROM " + fk.get("child") + " c WHERE true" + notNull
                    + " AND NOT EXISTS (SELECT 1 FROM " + fk.get("parent") + " p WHERE " + join + ")");
            if (!"0".equals(count)) {
                problems.add("foreign key " + fk.get("name") + ": " + count + " rows of " + fk.get("child")
                        + " point to missing rows of " + fk.get("parent"));
            }
        }
        return problems;
    }

    /** A problem when the query returns rows other than a single true; errors are problems too, not crashes. */
    static java.util.Optional<String> check(Pg pg, String db, String query) {
        String shown = oneLine(query);
        try {
            List<Map<String, Object>> rows = pg.psql().query(db, query);
            if (rows.isEmpty()) return java.util.Optional.empty();
            if (rows.size() == 1 && rows.get(0).size() == 1 && Boolean.TRUE.equals(rows.get(0).values().iterator().next())) {
                return java.util.Optional.empty();
            }
            return java.util.Optional.of("validation query returned " + rows.size() + " row(s) " + rows.subList(0, Math.min(SHOWN_ROWS, rows.size()))
                    + ": " + shown);
        } catch (OpsException e) {
            return java.util.Optional.of("validation query failed (" + e.getMessage() + "): " + shown);
        }
    }

    /** The statements of the queries file (missing file: none). */
    public static List<String> queries(Path file) {
        if (file == null || !Files.exists(file)) return List.of();
        return statements(lib.TextFiles.read(file, "validation queries", "fix the file's permissions or DRILL_VALIDATION_SQL"));
    }

    /**
     * Splits SQL text at top-level semicolons, respecting quotes, dollar quotes and comments; comment-only
     * and blank statements are dropped, and the trailing semicolon is removed (queries run as subqueries).
     */
    public static List<String> statements(String sql) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean code = false;
        int i = 0;
        while (i < sql.length()) {
            char c = sql.charAt(i);
            int end = i + 1;
            if (c == '-' && sql.startsWith("--", i)) {
                end = sql.indexOf('\n', i);
                end = end < 0 ? sql.length() : end;
                i = end;
                continue;
            } else if (c == '/' && sql.startsWith("/*", i)) {
                end = sql.indexOf("*/", i + 2);
                i = end < 0 ? sql.length() : end + 2;
                cur.append(' ');
                continue;
            } else if (c == '\'' || c == '"') {
                end = closing(sql, i + 1, String.valueOf(c));
            } else if (c == '$') {
                java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\$[A-Za-z_]*\\$").matcher(sql).region(i, sql.length());
                if (m.lookingAt()) end = closing(sql, m.end(), m.group());
            } else if (c == ';') {
                if (code) out.add(cur.toString().strip());
                cur.setLength(0);
                code = false;
                i++;
                continue;
            }
            cur.append(sql, i, end);
            code |= !Character.isWhitespace(c);
            i = end;
        }
        if (code) out.add(cur.toString().strip());
        return out;
    }

    /** Index just past the closing {@code quote} (a doubled quote character does not close), or the end. */
    private static int closing(String sql, int from, String quote) {
        int j = from;
        while (true) {
            int k = sql.indexOf(quote, j);
            if (k < 0) return sql.length();
            if (quote.length() == 1 && sql.startsWith(quote + quote, k)) {
                j = k + 2;
                continue;
            }
            return k + quote.length();
        }
    }

    private static String oneLine(String q) {
        String s = q.replaceAll("\\s+", " ");
        return s.length() > 120 ? s.substring(0, 117) + "..." : s;
    }
}
