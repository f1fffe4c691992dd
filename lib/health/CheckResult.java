package lib.health;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One check's outcome: verdict, a one-line summary with the measured values, the values themselves
 * (for --json and metrics.jsonl), and for a problem the action that fixes it.
 */
public record CheckResult(String check, Status status, String summary, Map<String, Object> values, String action, long millis) {
    public static CheckResult of(Status status, String summary) {
        return new CheckResult(null, status, summary, new LinkedHashMap<>(), null, 0);
    }

    public static CheckResult ok(String summary) { return of(Status.OK, summary); }

    public static CheckResult critical(String summary, String action) { return of(Status.CRITICAL, summary).action(action); }

    /** Adds a measured value (kept in insertion order). */
    public CheckResult with(String key, Object value) {
        values.put(key, value);
        return this;
    }

    public CheckResult action(String text) { return new CheckResult(check, status, summary, values, text, millis); }

    public CheckResult status(Status s) { return new CheckResult(check, s, summary, values, action, millis); }

    CheckResult named(String name, long ms) { return new CheckResult(name, status, summary, values, action, ms); }

    public Map<String, Object> values() { return Collections.unmodifiableMap(values); }
}
