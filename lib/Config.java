package lib;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.*;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * The one place where settings are resolved, for every script:
 * flags &gt; environment &gt; config files &gt; defaults.
 * Config files are {@code config/ops.env} then {@code config/monitoring.env} under the project
 * home (missing is fine), or exactly the file given with --config (missing is an error).
 * Unknown keys in a file and invalid values anywhere are usage errors (exit 2).
 */
public final class Config {
    /** Known keys with their defaults, in the order the example file documents them. */
    static final Map<String, String> DEFAULTS = new LinkedHashMap<>();
    /** An email address, loosely: the mail server has the final word. */
    private static final String ADDRESS = "[^@\\s,]+@[^@\\s,]+";
    private static final Map<String, Predicate<String>> RULES = new HashMap<>();
    private static final Map<String, String> RULE_TEXT = new HashMap<>();
    /** Values never printed or logged: passwords, and URLs that carry an access token. */
    public static final Set<String> SECRET_KEYS = Set.of("PGPASSWORD", "SMTP_PASSWORD", "WEBHOOK_URL", "HEALTHCHECK_PING_URL",
            "DECRYPT_PASSPHRASE");

    static {
        DEFAULTS.put("PGHOST", "");
        DEFAULTS.put("PGPORT", "");
        DEFAULTS.put("PGUSER", "postgres");
        DEFAULTS.put("PGPASSWORD", "");
        DEFAULTS.put("PGDATABASE", "inventory");
        DEFAULTS.put("PGPASSFILE", "");
        DEFAULTS.put("DOCKER_CONTAINER", "inventory-db");
        DEFAULTS.put("PG_CONTAINER_PORT", "");
        DEFAULTS.put("PG_BIN", "");
        DEFAULTS.put("BACKUP_DIR", "backups");
        DEFAULTS.put("LOG_DIR", "logs");
        for (String tier : List.of("HOURLY:168", "DAILY:30", "WEEKLY:26", "MONTHLY:12", "YEARLY:0")) {
            String[] kv = tier.split(":");
            DEFAULTS.put("KEEP_" + kv[0], kv[1]);
            rule("KEEP_" + kv[0], v -> v.matches("\\d{1,6}"), "a whole number >= 0");
        }
        DEFAULTS.put("COMPRESSION", "zstd:3");
        DEFAULTS.put("VERIFY", "full");
        DEFAULTS.put("SANDBOX_IMAGE", "postgres:15");
        volumes();
        offsite();
        encryption();
        health();
        alerts();
        startup();
        drills();
        monitoring();
        schedules();
        limits();
        for (String key : List.of("PGPORT", "PG_CONTAINER_PORT")) {
            rule(key, v -> v.isEmpty() || v.matches("\\d{1,5}") && Integer.parseInt(v) > 0 && Integer.parseInt(v) < 65536,
                    "a port number 1-65535");
        }
        rule("COMPRESSION", v -> Pattern.matches("zstd(:(-?[1-9]|1\\d|2[0-2]))?|gzip(:[1-9])?", v),
                "zstd, zstd:LEVEL (1-22) or gzip, gzip:LEVEL (1-9)");
        rule("VERIFY", v -> Set.of("full", "quick", "none").contains(v), "full, quick or none");
        rule("BACKUP_DIR", v -> !v.isBlank(), "a directory path");
        rule("LOG_DIR", v -> !v.isBlank(), "a directory path");
    }

    /** What backup.java --volumes archives besides the databases. */
    private static void volumes() {
        DEFAULTS.put("VOLUMES", "pgadmin,config");
        rule("VOLUMES", v -> Arrays.stream(v.split(",")).map(String::strip).filter(t -> !t.isEmpty())
                .allMatch(t -> t.equals("pgadmin") || t.equals("config")), "a comma-separated list of pgadmin, config");
        DEFAULTS.put("PGADMIN_DATA_DIR", "/var/lib/pgadmin");
        rule("PGADMIN_DATA_DIR", v -> v.startsWith("/"), "an absolute path inside the pgAdmin container");
    }

    /** Off-site copies through rclone, and their retention on the remote. */
    private static void offsite() {
        DEFAULTS.put("REMOTE", "");
        DEFAULTS.put("RCLONE", "rclone");
        DEFAULTS.put("RCLONE_CONFIG", "config/rclone.conf");
        DEFAULTS.put("RCLONE_FLAGS", "");
        DEFAULTS.put("OFFSITE_TYPES", "weekly");
        typeList("OFFSITE_TYPES", true);
        for (String tier : List.of("HOURLY:0", "DAILY:0", "WEEKLY:26", "MONTHLY:12", "YEARLY:0")) {
            String[] kv = tier.split(":");
            number("REMOTE_KEEP_" + kv[0], kv[1], 0, 999_999);
        }
        number("REMOTE_KEEP_DAYS", "0", 0, 36_500);
        number("REMOTE_RETRIES", "3", 0, 10);
        number("REMOTE_RETRY_DELAY_SECONDS", "10", 0, 3600);
    }

    /** Client-side OpenPGP encryption of backups, and the key that opens them again. */
    private static void encryption() {
        DEFAULTS.put("ENCRYPT", "");
        rule("ENCRYPT", v -> Set.of("", "offsite", "all").contains(v), "offsite or all (or empty: offsite when ENCRYPT_TO is set)");
        DEFAULTS.put("ENCRYPT_TO", "");
        DEFAULTS.put("DECRYPT_KEY", "");
        DEFAULTS.put("DECRYPT_PASSPHRASE", "");
        DEFAULTS.put("DECRYPT_PASSPHRASE_FILE", "");
    }

    /** A comma-separated list of backup types (manual only where {@code manual} is true); empty is allowed. */
    private static void typeList(String key, boolean manual) {
        rule(key, v -> v.isBlank() || Arrays.stream(v.split(",")).map(String::strip)
                .allMatch(t -> Tier.find(t).filter(x -> manual || x.scheduled()).isPresent()),
                "a comma-separated list of " + Arrays.stream(Tier.values()).filter(t -> manual || t.scheduled()).map(Tier::id)
                        .collect(java.util.stream.Collectors.joining(", ")) + " (or empty)");
    }

    /** A comma-separated setting as a list, blanks dropped. */
    public List<String> list(String key) {
        return Arrays.stream(get(key).split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList();
    }

    /** health-check's thresholds and targets. */
    private static void health() {
        number("CHECK_TIMEOUT_SECONDS", "5", 1, 60);
        number("LATENCY_WARN_MS", "1000", 1, 600_000);
        number("CONTAINER_STARTING_GRACE_SECONDS", "300", 0, 86_400);
        DEFAULTS.put("PGADMIN_CONTAINER", "inventory-pgadmin");
        url("PGADMIN_URL");
        number("DISK_WARN_PERCENT", "70", 1, 100);
        number("DISK_CRITICAL_PERCENT", "85", 1, 100);
        DEFAULTS.put("DOCKER_DESKTOP_DATA", "");
        number("CONNECTIONS_WARN_PERCENT", "80", 1, 100);
        number("CONNECTIONS_CRITICAL_PERCENT", "90", 1, 100);
        number("LONG_QUERY_SECONDS", "300", 1, 86_400 * 7);
        number("IDLE_IN_TRANSACTION_SECONDS", "60", 1, 86_400 * 7);
        number("REPLICATION_LAG_WARN_SECONDS", "10", 1, 86_400);
        DEFAULTS.put("SCHEDULED_TYPES", "daily,weekly");
        typeList("SCHEDULED_TYPES", false);
    }

    /** Alert channels (email, webhook, dead-man ping) and their rate limit. */
    private static void alerts() {
        DEFAULTS.put("SMTP_HOST", "");
        number("SMTP_PORT", "587", 1, 65535);
        DEFAULTS.put("SMTP_USER", "");
        DEFAULTS.put("SMTP_PASSWORD", "");
        DEFAULTS.put("SMTP_SECURITY", "starttls");
        rule("SMTP_SECURITY", v -> Set.of("starttls", "ssl", "none").contains(v), "starttls, ssl or none");
        DEFAULTS.put("SMTP_CA_FILE", "");
        DEFAULTS.put("ALERT_EMAIL", "");
        rule("ALERT_EMAIL", v -> v.isBlank() || Arrays.stream(v.split(",")).map(String::strip)
                .allMatch(a -> a.matches(ADDRESS)), "one or more addresses separated by commas");
        DEFAULTS.put("ALERT_FROM", "");
        rule("ALERT_FROM", v -> v.isBlank() || v.matches(ADDRESS), "an email address");
        DEFAULTS.put("ALERT_SUBJECT_PREFIX", "ra-infrastructure");
        url("WEBHOOK_URL");
        url("HEALTHCHECK_PING_URL");
        number("ALERT_RATE_LIMIT_MINUTES", "15", 1, 7 * 24 * 60);
        number("ALERT_TIMEOUT_SECONDS", "10", 1, 120);
        bool("ALERT_ON_WARNING", "true");
    }

    /** verify-startup's waits and what it may start. */
    private static void startup() {
        number("DOCKER_WAIT_SECONDS", "300", 0, 3600);
        DEFAULTS.put("DOCKER_DESKTOP_EXE", "C:\\Program Files\\Docker\\Docker\\Docker Desktop.exe");
        bool("AUTO_START", "true");
        number("STARTUP_WAIT_SECONDS", "120", 1, 3600);
        bool("NOTIFY_ON_STARTUP_OK", "true");
    }

    /** dr-drill.java's targets, validation queries, evidence log and where it restores to. */
    private static void drills() {
        number("RTO_TARGET_MINUTES", "60", 1, 10_080);
        number("RPO_TARGET_HOURS", "24", 1, 8_760);
        DEFAULTS.put("DRILL_VALIDATION_SQL", "config/validation.sql");
        DEFAULTS.put("DRILL_LOG", "docs/restore-test-log.md");
        DEFAULTS.put("DRILL_OPERATOR", "");
        DEFAULTS.put("DRILL_INTO", "database");
        rule("DRILL_INTO", v -> v.equals("database") || v.equals("container"), "database or container");
    }

    /** Machine-readable metrics and the live monitor. */
    private static void monitoring() {
        DEFAULTS.put("PROMETHEUS_TEXTFILE", "");
        number("MONITOR_REFRESH_SECONDS", "5", 1, 3600);
    }

    /** When install-tasks schedules each task (lib.schedule.Trigger's forms; checked when the tasks are built). */
    private static void schedules() {
        DEFAULTS.put("SCHEDULE_HEALTH_CHECK", "every 5m from :02");
        DEFAULTS.put("SCHEDULE_BACKUP_HOURLY", "hourly :15");
        DEFAULTS.put("SCHEDULE_BACKUP_DAILY", "daily 02:00");
        DEFAULTS.put("SCHEDULE_BACKUP_WEEKLY", "weekly Sun 03:10");
        DEFAULTS.put("SCHEDULE_BACKUP_MONTHLY", "monthly 1 03:30");
        DEFAULTS.put("SCHEDULE_BACKUP_YEARLY", "yearly 01-01 04:00");
        DEFAULTS.put("SCHEDULE_BACKUP_VOLUMES", "weekly Sun 04:30");
        DEFAULTS.put("SCHEDULE_VERIFY_STARTUP", "boot +1m");
        DEFAULTS.put("SCHEDULE_DR_DRILL", "quarterly 1 05:00");
    }

    /** How long a run may wait or go silent before it gives up, and how many failed sets retention keeps. */
    private static void limits() {
        number("LOCK_WAIT_SECONDS", "1800", 0, 86_400);
        number("COMMAND_TIMEOUT_SECONDS", "60", 1, 3600);
        number("TABLE_LOCK_TIMEOUT_SECONDS", "60", 1, 3600);
        number("STALL_SECONDS", "120", 1, 86_400);
        number("ALERT_DEADLINE_SECONDS", "5", 1, 120);
        number("KEEP_FAILED", "2", 0, 999);
    }

    private static void bool(String key, String def) {
        DEFAULTS.put(key, def);
        rule(key, v -> v.equals("true") || v.equals("false"), "true or false");
    }

    /** An optional http(s) URL, empty by default. */
    private static void url(String key) {
        DEFAULTS.put(key, "");
        rule(key, v -> v.isEmpty() || v.matches("https?://\\S+"), "an http:// or https:// URL");
    }

    private static void number(String key, String def, int min, int max) {
        DEFAULTS.put(key, def);
        rule(key, v -> v.matches("\\d{1,9}") && Integer.parseInt(v) >= min && Integer.parseInt(v) <= max,
                "a whole number from " + min + " to " + max);
    }

    private static void rule(String key, Predicate<String> ok, String text) {
        RULES.put(key, ok);
        RULE_TEXT.put(key, text);
    }

    private final Map<String, String> values;
    private final Map<String, String> sources;
    private final Path home;

    private Config(Map<String, String> values, Map<String, String> sources, Path home) {
        this.values = values;
        this.sources = sources;
        this.home = home;
    }

    /**
     * Resolves the configuration.
     * @param configFile the file named with --config, or null for the default files
     * @param flags values given as command-line flags (already keyed by config key)
     * @param env the process environment
     */
    public static Config load(Path configFile, Map<String, String> flags, Map<String, String> env) {
        Path home = home(env);
        Map<String, String> values = new LinkedHashMap<>(DEFAULTS);
        Map<String, String> sources = new HashMap<>();
        DEFAULTS.keySet().forEach(k -> sources.put(k, "default"));
        List<Path> files = configFile != null ? List.of(configFile)
                : List.of(home.resolve("config/ops.env"), home.resolve("config/monitoring.env"));
        for (Path file : files) {
            if (!Files.exists(file)) {
                if (configFile != null) {
                    throw new OpsException(ExitCode.USAGE, "config file not found: " + file,
                            "check the path given to --config");
                }
                continue;
            }
            readEnvFile(file).forEach((k, v) -> { values.put(k, v); sources.put(k, file.toString()); });
        }
        for (String key : DEFAULTS.keySet()) {
            String v = env.get(key);
            if (v != null) { values.put(key, v); sources.put(key, "environment " + key); }
        }
        flags.forEach((k, v) -> { if (v != null) { values.put(k, v); sources.put(k, "flag"); } });
        values.forEach((k, v) -> validate(k, v, sources.get(k)));
        for (String pair : List.of("DISK", "CONNECTIONS")) ordered(values, sources, pair + "_WARN_PERCENT", pair + "_CRITICAL_PERCENT");
        return new Config(values, sources, home);
    }

    /** The project home: RA_INFRA_HOME (set by the launchers), else the working directory. */
    static Path home(Map<String, String> env) {
        String h = env.get("RA_INFRA_HOME");
        return (h == null || h.isBlank() ? Path.of("") : Path.of(h)).toAbsolutePath().normalize();
    }

    /** Parses KEY=VALUE lines: '#' comments, blank lines, optional 'export ', optional quotes; UTF-8 or UTF-16 with a byte order mark. */
    static Map<String, String> readEnvFile(Path file) {
        List<String> lines = TextFiles.read(file, "config file", "check the file's permissions").lines().toList();
        Map<String, String> out = new LinkedHashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) continue;
            if (line.startsWith("export ")) line = line.substring(7).strip();
            int eq = line.indexOf('=');
            String where = file + " line " + (i + 1);
            if (eq <= 0) {
                // the line itself is not shown: a mistyped secret line would print its password or token
                throw new OpsException(ExitCode.USAGE, where + ": expected KEY=VALUE, got a line starting with '"
                        + line.split("[\\s:=]", 2)[0] + "'", "see config/ops.env.example");
            }
            String key = line.substring(0, eq).strip();
            if (!DEFAULTS.containsKey(key)) {
                throw new OpsException(ExitCode.USAGE, where + ": unknown key " + key,
                        "see config/ops.env.example for the known keys");
            }
            out.put(key, unquote(line.substring(eq + 1).strip(), where + ": " + key));
        }
        return out;
    }

    /**
     * A value as a shell would read it: inside matching quotes (a comment may follow), or up to a " #"
     * comment. A quoted value followed by anything but a comment is an error, never a value with quotes in it.
     */
    private static String unquote(String v, String where) {
        if (!v.startsWith("\"") && !v.startsWith("'")) {
            int hash = v.indexOf(" #");
            return hash >= 0 ? v.substring(0, hash).strip() : v;
        }
        String q = v.substring(0, 1);
        java.util.regex.Matcher m = Pattern.compile(q + "([^" + q + "]*)" + q + "\\s*(#.*)?").matcher(v);
        if (m.matches()) return m.group(1);
        if (v.length() >= 2 && v.endsWith(q)) return v.substring(1, v.length() - 1); // a quote of its own kind inside, as read before
        throw new OpsException(ExitCode.USAGE, where + ": the value opens a quote " + q + " that does not end it",
                "write KEY=\"value\" with an optional # comment after the closing quote");
    }

    /** A warning threshold above its critical one would never warn. */
    private static void ordered(Map<String, String> values, Map<String, String> sources, String warn, String crit) {
        if (Integer.parseInt(values.get(warn)) > Integer.parseInt(values.get(crit))) {
            throw new OpsException(ExitCode.USAGE, warn + "=" + values.get(warn) + " (from " + sources.get(warn) + ") is above "
                    + crit + "=" + values.get(crit) + " (from " + sources.get(crit) + ")", "the warning threshold must not exceed the critical one");
        }
    }

    private static void validate(String key, String value, String source) {
        Predicate<String> ok = RULES.get(key);
        if (ok != null && !ok.test(value)) {
            String got = SECRET_KEYS.contains(key) ? "the value is not shown: it holds a secret" : "got '" + value + "'";
            throw new OpsException(ExitCode.USAGE, key + " (from " + source + ") must be " + RULE_TEXT.get(key)
                    + ", " + got, "fix it in " + source);
        }
    }

    public String get(String key) {
        if (values.containsKey(key)) return values.get(key);
        throw new IllegalArgumentException("unknown config key " + key);
    }

    public int integer(String key) { return Integer.parseInt(get(key)); }

    public boolean flag(String key) { return Boolean.parseBoolean(get(key)); }

    public String source(String key) { return sources.getOrDefault(key, "default"); }

    public Path home() { return home; }

    /** A configured path, resolved against the project home when relative. */
    public Path path(String key) { return home.resolve(get(key)).normalize(); }

    /** Docker mode when DOCKER_CONTAINER is set; empty means pg tools run on this host. */
    public boolean dockerMode() { return !get("DOCKER_CONTAINER").isBlank(); }

    /** A copy with some keys replaced (flags style), e.g. to aim the same settings at a scratch server. */
    public Config with(Map<String, String> overrides) {
        Map<String, String> v = new LinkedHashMap<>(values);
        Map<String, String> s = new HashMap<>(sources);
        overrides.forEach((k, val) -> { validate(k, val, "override"); v.put(k, val); s.put(k, "override"); });
        return new Config(v, s, home);
    }

    /** Every value, secrets masked, for --dry-run and -v output. */
    public Map<String, String> describe() {
        Map<String, String> out = new LinkedHashMap<>();
        values.forEach((k, v) -> out.put(k, SECRET_KEYS.contains(k) && !v.isEmpty() ? "********" : v));
        return out;
    }
}
