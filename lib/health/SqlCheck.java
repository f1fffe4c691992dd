package lib.health;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Base of the checks that only query the server: they need SELECT 1 to work first. */
abstract class SqlCheck implements Check {
    public List<String> needs() { return List.of("query"); }

    /** Rows of a query on the run's connection, as column-name maps. */
    static List<Map<String, Object>> rows(Probe p, String sql, Object... params) throws SQLException {
        try (PreparedStatement st = p.sql().prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) st.setObject(i + 1, params[i]);
            try (ResultSet rs = st.executeQuery()) {
                List<Map<String, Object>> out = new ArrayList<>();
                int n = rs.getMetaData().getColumnCount();
                while (rs.next()) {
                    Map<String, Object> row = new java.util.LinkedHashMap<>();
                    for (int i = 1; i <= n; i++) row.put(rs.getMetaData().getColumnLabel(i), rs.getObject(i));
                    out.add(row);
                }
                return out;
            }
        }
    }

    static long num(Map<String, Object> row, String col) { return ((Number) row.get(col)).longValue(); }
}
