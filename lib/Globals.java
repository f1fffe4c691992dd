package lib;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The part of a {@code pg_dumpall --globals-only} script that creates what the server lacks. Replaying the whole
 * script would also run {@code ALTER ROLE ... WITH LOGIN PASSWORD ...} on roles that exist, changing them to the
 * backup's; so every statement about a role or tablespace that exists is left out, and so is any statement of a
 * kind this class does not know.
 *
 * @param sql     the statements to run
 * @param skipped roles and tablespaces that exist and were left alone, in order of appearance
 * @param unknown statements left out because their kind is not known here
 */
public record Globals(String sql, List<String> skipped, List<String> unknown) {
    private static final String IDENT = "(?:\"(?:[^\"]|\"\")*\"|[^\\s\";,]+)";
    private static final String NAME = "(?<name>" + IDENT + ")";
    /** Statements about one tablespace, its name in group "name". */
    private static final List<Pattern> TABLESPACE = patterns(
            "(?:CREATE|ALTER|COMMENT ON) TABLESPACE " + NAME,
            "SECURITY LABEL FOR \\S+ ON TABLESPACE " + NAME,
            "(?:GRANT|REVOKE) .* ON TABLESPACE " + NAME);
    /** Statements about one role; for a GRANT of roles, the member that receives them. */
    private static final List<Pattern> ROLE = patterns(
            "(?:CREATE|ALTER|COMMENT ON) ROLE " + NAME,
            "SECURITY LABEL FOR \\S+ ON ROLE " + NAME,
            "GRANT " + IDENT + "(?:\\s*,\\s*" + IDENT + ")* TO " + NAME);

    private static List<Pattern> patterns(String... starts) {
        return java.util.Arrays.stream(starts).map(s -> Pattern.compile("(?is)^" + s + "(?:\\s.*)?")).toList();
    }

    /** Keeps the SET lines and the statements about roles and tablespaces not in {@code roles} / {@code tablespaces}. */
    public static Globals onlyMissing(String script, Set<String> roles, Set<String> tablespaces) {
        StringBuilder out = new StringBuilder();
        List<String> skipped = new ArrayList<>();
        List<String> unknown = new ArrayList<>();
        for (String statement : statements(script)) {
            String s = statement.strip();
            if (s.regionMatches(true, 0, "SET ", 0, 4)) {
                out.append(s).append(";\n");
                continue;
            }
            String tablespace = subject(s, TABLESPACE);
            String role = tablespace == null ? subject(s, ROLE) : null;
            if (tablespace == null && role == null) {
                unknown.add(s.length() > 60 ? s.substring(0, 60) + "..." : s);
            } else if (tablespace != null ? tablespaces.contains(tablespace) : roles.contains(role)) {
                String name = tablespace != null ? tablespace : role;
                if (!skipped.contains(name)) skipped.add(name);
            } else {
                out.append(s).append(";\n");
            }
        }
        return new Globals(out.toString(), skipped, unknown);
    }

    /** The name a statement of one of {@code kinds} is about, unquoted; null for another kind of statement. */
    static String subject(String statement, List<Pattern> kinds) {
        for (Pattern p : kinds) {
            Matcher m = p.matcher(statement);
            if (m.matches()) return unquote(m.group("name"));
        }
        return null;
    }

    private static String unquote(String ident) {
        return ident.startsWith("\"") ? ident.substring(1, ident.length() - 1).replace("\"\"", "\"") : ident;
    }

    /** The script's statements without comments: split at semicolons outside quotes. */
    static List<String> statements(String script) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        char quote = 0;
        for (int i = 0; i < script.length(); i++) {
            char c = script.charAt(i);
            if (quote == 0 && c == '-' && i + 1 < script.length() && script.charAt(i + 1) == '-') {
                while (i < script.length() && script.charAt(i) != '\n') i++;
                cur.append('\n');
                continue;
            }
            if (quote == 0 && (c == '\'' || c == '"')) quote = c;
            else if (c == quote) quote = 0;
            if (quote == 0 && c == ';') {
                if (!cur.toString().isBlank()) out.add(cur.toString());
                cur.setLength(0);
            } else {
                cur.append(c);
            }
        }
        if (!cur.toString().isBlank()) out.add(cur.toString());
        return out;
    }
}
