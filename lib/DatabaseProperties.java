package lib;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * What a database is beyond its contents, which a dump taken without {@code --create} does not hold: owner,
 * encoding and locale, tablespace, who may connect (its ACL), {@code ALTER DATABASE/ROLE ... SET} settings, the
 * connection limit and the comment. A restore in place reads them from the target it replaces and gives them to
 * the new copy, so the database after the swap is the same database with older contents.
 *
 * @param acl          privileges as {@code [grantee, PRIVILEGE, grantable]} (grantee PUBLIC for everyone), sorted;
 *                     null while the database still has the default privileges
 * @param settings     {@code [role, name=value]} (an empty role for the whole database), sorted
 * @param localeProvider {@code c} (libc), {@code i} (ICU) or {@code b} (builtin); null before PostgreSQL 15
 */
public record DatabaseProperties(String owner, String encoding, String collate, String ctype, String localeProvider,
                                 String locale, String tablespace, int connectionLimit, String comment,
                                 List<List<String>> acl, List<List<String>> settings) {
    /** Settings whose value is a list of quoted items (PostgreSQL's GUC_LIST_QUOTE). */
    private static final Set<String> LIST_SETTINGS = Set.of("search_path", "temp_tablespaces", "session_preload_libraries",
            "shared_preload_libraries", "local_preload_libraries", "unix_socket_directories");

    private static final String QUERY = """
            SELECT pg_get_userbyid(d.datdba) AS owner, pg_encoding_to_char(d.encoding) AS encoding,
                   d.datcollate AS collate, d.datctype AS ctype, to_jsonb(d)->>'datlocprovider' AS provider,
                   coalesce(to_jsonb(d)->>'daticulocale', to_jsonb(d)->>'datlocale') AS locale,
                   t.spcname AS tablespace, d.datconnlimit AS connlimit,
                   shobj_description(d.oid, 'pg_database') AS comment, d.datacl IS NULL AS default_acl,
                   (SELECT coalesce(json_agg(json_build_array(g, a.privilege_type, a.is_grantable::text) ORDER BY g, a.privilege_type,
                           a.is_grantable), '[]')
                      FROM aclexplode(d.datacl) a,
                           LATERAL (SELECT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE pg_get_userbyid(a.grantee) END AS g) n) AS acl,
                   (SELECT coalesce(json_agg(json_build_array(r, c) ORDER BY r, c), '[]')
                      FROM pg_db_role_setting s, unnest(s.setconfig) c,
                           LATERAL (SELECT CASE WHEN s.setrole = 0 THEN '' ELSE pg_get_userbyid(s.setrole) END AS r) n
                     WHERE s.setdatabase = d.oid) AS settings
            FROM pg_database d JOIN pg_tablespace t ON t.oid = d.dattablespace
            WHERE d.datname = """;

    /** The properties of {@code db}, which must exist. */
    @SuppressWarnings("unchecked")
    public static DatabaseProperties of(Psql psql, String db) {
        List<Map<String, Object>> rows = psql.query(Pg.MAINTENANCE_DB, QUERY + Psql.literal(db));
        if (rows.isEmpty()) throw new OpsException(ExitCode.FAILED, "database " + db + " does not exist", null);
        Map<String, Object> r = rows.get(0);
        List<List<String>> acl = Boolean.TRUE.equals(r.get("default_acl")) ? null : (List<List<String>>) r.get("acl");
        return new DatabaseProperties((String) r.get("owner"), (String) r.get("encoding"), (String) r.get("collate"),
                (String) r.get("ctype"), (String) r.get("provider"), (String) r.get("locale"), (String) r.get("tablespace"),
                ((Number) r.get("connlimit")).intValue(), (String) r.get("comment"), acl, (List<List<String>>) r.get("settings"));
    }

    /** {@code CREATE DATABASE} for an empty database with this owner, encoding, locale and tablespace. */
    public String createStatement(String name) {
        StringBuilder sql = new StringBuilder("CREATE DATABASE " + Psql.ident(name) + " TEMPLATE template0 OWNER " + Psql.ident(owner)
                + " ENCODING " + Psql.literal(encoding) + " LC_COLLATE " + Psql.literal(collate) + " LC_CTYPE " + Psql.literal(ctype));
        if ("i".equals(localeProvider)) sql.append(" LOCALE_PROVIDER icu ICU_LOCALE ").append(Psql.literal(locale));
        else if ("b".equals(localeProvider)) sql.append(" LOCALE_PROVIDER builtin BUILTIN_LOCALE ").append(Psql.literal(locale));
        else if ("c".equals(localeProvider)) sql.append(" LOCALE_PROVIDER libc");
        if (!"pg_default".equals(tablespace)) sql.append(" TABLESPACE ").append(Psql.ident(tablespace));
        return sql.toString();
    }

    /**
     * Gives {@code db} (created by {@link #createStatement}) this ACL, settings, connection limit and comment; run
     * after the restore, since a setting such as {@code default_transaction_read_only} would stop it.
     */
    public void applyTo(Psql psql, String db) {
        String d = Psql.ident(db);
        List<String> sql = new ArrayList<>();
        for (List<String> s : settings) {
            String[] nv = s.get(1).split("=", 2);
            sql.add((s.get(0).isEmpty() ? "ALTER DATABASE " + d : "ALTER ROLE " + Psql.ident(s.get(0)) + " IN DATABASE " + d)
                    + " SET " + Psql.ident(nv[0]) + " TO " + value(nv[0], nv[1]));
        }
        if (acl != null) {
            sql.add("REVOKE ALL ON DATABASE " + d + " FROM PUBLIC, " + Psql.ident(owner));
            for (List<String> g : acl) {
                sql.add("GRANT " + g.get(1) + " ON DATABASE " + d + " TO " + (g.get(0).equals("PUBLIC") ? "PUBLIC" : Psql.ident(g.get(0)))
                        + (g.get(2).equals("true") ? " WITH GRANT OPTION" : ""));
            }
        }
        if (connectionLimit != -1) sql.add("ALTER DATABASE " + d + " CONNECTION LIMIT " + connectionLimit);
        if (comment != null) sql.add("COMMENT ON DATABASE " + d + " IS " + Psql.literal(comment));
        if (!sql.isEmpty()) psql.exec(Pg.MAINTENANCE_DB, String.join(";\n", sql) + ";");
    }

    /**
     * A setting's value as SQL: one literal, or for list settings one literal per item, as pg_dumpall writes them
     * ({@code search_path=app, "My Schema"} becomes {@code 'app', 'My Schema'}).
     */
    static String value(String name, String value) {
        if (!LIST_SETTINGS.contains(name)) return Psql.literal(value);
        List<String> items = new ArrayList<>();
        StringBuilder item = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '"' && quoted && i + 1 < value.length() && value.charAt(i + 1) == '"') {
                item.append('"');
                i++;
            } else if (c == '"') {
                quoted = !quoted;
            } else if (c == ',' && !quoted) {
                items.add(item.toString().strip());
                item.setLength(0);
            } else {
                item.append(c);
            }
        }
        items.add(item.toString().strip());
        return String.join(", ", items.stream().map(Psql::literal).toList());
    }

    /** What differs from {@code other} (names of properties), e.g. after carrying them over; empty when the same. */
    public List<String> differences(DatabaseProperties other) {
        List<String> out = new ArrayList<>();
        if (!Objects.equals(owner, other.owner)) out.add("owner " + owner);
        if (!Objects.equals(encoding, other.encoding)) out.add("encoding " + encoding);
        if (!Objects.equals(collate, other.collate) || !Objects.equals(ctype, other.ctype)
                || !Objects.equals(localeProvider, other.localeProvider) || !Objects.equals(locale, other.locale)) {
            out.add("locale " + localeText());
        }
        if (!Objects.equals(tablespace, other.tablespace)) out.add("tablespace " + tablespace);
        if (!Objects.equals(acl, other.acl)) out.add("privileges " + (acl == null ? "(default)" : acl));
        if (!Objects.equals(settings, other.settings)) out.add("settings " + settings);
        if (connectionLimit != other.connectionLimit) out.add("connection limit " + connectionLimit);
        if (!Objects.equals(comment, other.comment)) out.add("comment");
        return out;
    }

    /** e.g. "C/C" or "icu und-x-icu". */
    private String localeText() {
        return "i".equals(localeProvider) || "b".equals(localeProvider) ? locale : collate + "/" + ctype;
    }

    /** One line for the plan: what is carried over to the new copy. */
    public String summary() {
        List<String> parts = new ArrayList<>(List.of("owner " + owner, encoding + " " + localeText()));
        if (!"pg_default".equals(tablespace)) parts.add("tablespace " + tablespace);
        if (acl != null) parts.add("privileges (" + acl.size() + " grants)");
        if (!settings.isEmpty()) parts.add(settings.size() + " settings");
        if (connectionLimit != -1) parts.add("connection limit " + connectionLimit);
        if (comment != null) parts.add("comment");
        return String.join(", ", parts);
    }
}
