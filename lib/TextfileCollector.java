package lib;

import lib.health.CheckResult;
import lib.health.HealthCheck;
import lib.health.Status;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.*;

/**
 * Metrics for Prometheus through node_exporter's textfile collector: the text exposition format
 * ({@code # HELP}, {@code # TYPE}, one {@code name{labels} value} line per series, label values escaped)
 * written atomically to PROMETHEUS_TEXTFILE. health-check and backup share that one file: each run
 * replaces only its own families ({@code ra_health_*} or {@code ra_backup_*}) and keeps every other
 * line, under a lock file beside it, so neither run drops the other's part. docs/metrics.md lists
 * every metric.
 */
public final class TextfileCollector {
    private static final String GAUGE = "gauge";
    private static final String COUNTER = "counter";
    private static final String HOW = "set PROMETHEUS_TEXTFILE (or --prometheus-textfile) to a .prom file in the directory "
            + "node_exporter reads (--collector.textfile.directory)";

    /**
     * A value a health check measures, exposed as {@code name}, divided by {@code per} into the base unit
     * (in decimal, so 48.8 ms is 0.0488 s, not 0.048799999999999996). With a {@code label}, {@code key} is a suffix and what precedes it is that label's value
     * ("backupsUsedPercent" is used_ratio{filesystem="backups"}).
     */
    private record Measure(String check, String key, String name, String type, int per, String label, String help) {}

    private static final List<Measure> MEASURES = List.of(
            new Measure("query", "latencyMs", "ra_health_query_latency_seconds", GAUGE, 1000, null,
                    "Round trip of SELECT 1 over an open connection."),
            new Measure("query", "connectMs", "ra_health_query_connect_seconds", GAUGE, 1000, null,
                    "Time to open the connection the SQL checks use."),
            new Measure("connections", "used", "ra_health_connections_used", GAUGE, 1, null,
                    "Client connections in use."),
            new Measure("connections", "max", "ra_health_connections_max", GAUGE, 1, null,
                    "The server's max_connections."),
            new Measure("connections", "percent", "ra_health_connections_used_ratio", GAUGE, 100, null,
                    "Connections in use over max_connections (0 to 1)."),
            new Measure("disk", "UsedPercent", "ra_health_disk_used_ratio", GAUGE, 100, "filesystem",
                    "Used share of a filesystem (0 to 1): backups holds BACKUP_DIR, volume the database's data directory."),
            new Measure("disk", "FreeBytes", "ra_health_disk_free_bytes", GAUGE, 1, "filesystem",
                    "Free bytes of a filesystem: backups holds BACKUP_DIR, volume the database's data directory."),
            new Measure("disk", "databaseBytes", "ra_health_database_size_bytes", GAUGE, 1, null,
                    "Size of PGDATABASE (pg_database_size)."),
            new Measure("container", "restartCount", "ra_health_container_restarts_total", COUNTER, 1, null,
                    "Docker's restart count of the database container."),
            new Measure("long-queries", "count", "ra_health_long_queries", GAUGE, 1, null,
                    "Sessions over LONG_QUERY_SECONDS or idle in a transaction over IDLE_IN_TRANSACTION_SECONDS."),
            new Measure("replication", "replicas", "ra_health_replication_replicas", GAUGE, 1, null,
                    "Replicas connected to this primary."),
            new Measure("replication", "lagSeconds", "ra_health_replication_lag_seconds", GAUGE, 1, null,
                    "Worst replay lag of the replicas (on a primary) or of this standby."),
            new Measure("backups", "AgeSeconds", "ra_health_backup_age_seconds", GAUGE, 1, "type",
                    "Age of the newest verified backup of PGDATABASE per scheduled type; absent when there is none."),
            new Measure("pgadmin", "httpStatus", "ra_health_pgadmin_http_status", GAUGE, 1, null,
                    "HTTP status PGADMIN_URL answered."));

    /** One metric family: its samples as rendered lines, in the order added. */
    private record Family(String type, String help, List<String> samples) {}

    private final String prefix;
    private final Map<String, Family> families = new LinkedHashMap<>();

    private TextfileCollector(String prefix) { this.prefix = prefix; }

    /** The metrics of one health-check run: each check's status, time and measured values, and the verdict. */
    public static TextfileCollector health(HealthCheck.Health h) {
        TextfileCollector t = new TextfileCollector("ra_health_");
        for (CheckResult r : h.results()) {
            Map<String, String> check = labels("check", r.check());
            t.add(GAUGE, "ra_health_check_status", "Status of one check: 0 ok, 1 warning, 2 critical, -1 skipped (a check it needs failed).",
                    check, code(r.status()));
            t.add(GAUGE, "ra_health_check_duration_seconds", "How long the check took.", check, r.millis() / 1000.0);
        }
        for (Measure m : MEASURES) {
            for (CheckResult r : h.results()) {
                if (r.check().equals(m.check())) r.values().forEach((key, value) -> t.measured(m, key, value));
            }
        }
        t.add(GAUGE, "ra_health_status", "Overall verdict of the run: 0 healthy, 1 warnings, 2 unhealthy.", Map.of(), code(h.status()));
        t.add(GAUGE, "ra_health_duration_seconds", "How long the whole run took.", Map.of(), h.millis() / 1000.0);
        t.add(GAUGE, "ra_health_last_run_timestamp_seconds", "When this health-check run finished.", Map.of(), seconds(Instant.now()));
        return t;
    }

    private void measured(Measure m, String key, Object value) {
        if (!(value instanceof Number n) || !Double.isFinite(n.doubleValue())) return;
        double v = BigDecimal.valueOf(n.doubleValue()).divide(BigDecimal.valueOf(m.per())).doubleValue();
        if (m.label() == null) {
            if (key.equals(m.key())) add(m.type(), m.name(), m.help(), Map.of(), v);
        } else if (key.endsWith(m.key()) && key.length() > m.key().length()) {
            add(m.type(), m.name(), m.help(), labels(m.label(), key.substring(0, key.length() - m.key().length())), v);
        }
    }

    /**
     * The backups on disk under BACKUP_DIR (every database and type, as {@code backup.java --list} shows them)
     * and the outcome of the backup run that just ended.
     */
    public static TextfileCollector backups(Config cfg, int exitCode) {
        TextfileCollector t = new TextfileCollector("ra_backup_");
        Map<List<String>, List<BackupStore.Entry>> sets = new TreeMap<>(Comparator.comparing((List<String> k) -> k.get(0))
                .thenComparing(k -> k.get(1)));
        for (BackupStore.Entry e : new BackupStore(cfg.path("BACKUP_DIR")).list(null)) {
            sets.computeIfAbsent(List.of(e.db(), e.type()), k -> new ArrayList<>()).add(e);
        }
        sets.forEach((key, entries) -> {
            Map<String, String> labels = labels("database", key.get(0), "type", key.get(1));
            BackupStore.Entry newest = entries.get(0);
            t.add(GAUGE, "ra_backup_sets", "Backup sets on disk, complete or not.", labels, entries.size());
            t.add(GAUGE, "ra_backup_newest_timestamp_seconds", "When the newest backup was taken (verified or not).", labels,
                    seconds(newest.at()));
            t.add(GAUGE, "ra_backup_newest_size_bytes", "Stored size of the newest backup's dump file.", labels, newest.size());
            if (newest.manifest() != null) {
                t.add(GAUGE, "ra_backup_newest_duration_seconds", "How long the newest backup's dump took (pg_dump and globals, without verification).",
                        labels, newest.manifest().durationSeconds());
            }
            t.add(GAUGE, "ra_backup_newest_verified", "1 when the newest backup passed verification, else 0.", labels,
                    newest.verified() ? 1 : 0);
            t.add(GAUGE, "ra_backup_newest_offsite", "1 when the newest backup has a verified off-site copy, else 0.", labels,
                    newest.manifest() != null && newest.manifest().offsite() != null ? 1 : 0);
            entries.stream().filter(BackupStore.Entry::verified).findFirst().ifPresent(v -> t.add(GAUGE,
                    "ra_backup_last_verified_timestamp_seconds", "When the newest verified backup was taken.", labels, seconds(v.at())));
        });
        t.add(GAUGE, "ra_backup_last_run_timestamp_seconds", "When the last backup.java run finished.", Map.of(), seconds(Instant.now()));
        t.add(GAUGE, "ra_backup_last_run_exit_code", "Exit code of the last backup.java run (0 ok; see backup.java --help).",
                Map.of(), exitCode);
        return t;
    }

    private static int code(Status s) {
        return switch (s) {
            case OK -> 0;
            case WARNING -> 1;
            case CRITICAL -> 2;
            case SKIPPED -> -1;
        };
    }

    private static double seconds(Instant at) { return at.toEpochMilli() / 1000.0; }

    /** Label pairs in the order given. */
    private static Map<String, String> labels(String... pairs) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i + 1 < pairs.length; i += 2) m.put(pairs[i], pairs[i + 1]);
        return m;
    }

    private void add(String type, String name, String help, Map<String, String> labels, double value) {
        StringBuilder line = new StringBuilder(name);
        if (!labels.isEmpty()) {
            StringJoiner j = new StringJoiner(",", "{", "}");
            labels.forEach((k, v) -> j.add(k + "=\"" + escapeLabel(v) + "\""));
            line.append(j);
        }
        families.computeIfAbsent(name, n -> new Family(type, help, new ArrayList<>())).samples().add(line.append(' ').append(number(value)).toString());
    }

    /** Label values escape backslash, double quote and line feed; anything else (any Unicode) stays as it is. */
    private static String escapeLabel(String v) {
        return v.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }

    /** Numbers as Prometheus parses them, without exponents: 1732094400.123, 0.0004, 12. */
    private static String number(double v) {
        return BigDecimal.valueOf(v).stripTrailingZeros().toPlainString();
    }

    /** This run's families in the text exposition format: HELP and TYPE, then the samples. */
    public String render() {
        StringBuilder sb = new StringBuilder();
        families.forEach((name, f) -> {
            sb.append("# HELP ").append(name).append(' ').append(f.help().replace("\\", "\\\\").replace("\n", "\\n")).append('\n');
            sb.append("# TYPE ").append(name).append(' ').append(f.type()).append('\n');
            f.samples().forEach(s -> sb.append(s).append('\n'));
        });
        return sb.toString();
    }

    /** The file PROMETHEUS_TEXTFILE names (relative to the kit's folder), checked; empty when it is not set. */
    public static Optional<Path> target(Config cfg) {
        if (cfg.get("PROMETHEUS_TEXTFILE").isBlank()) return Optional.empty();
        Path file = cfg.path("PROMETHEUS_TEXTFILE");
        check(file);
        return Optional.of(file);
    }

    private static void check(Path file) {
        if (Files.isDirectory(file)) {
            throw usage("Prometheus textfile " + file + " is a directory", "name a file in it, e.g. " + file.resolve("ra.prom"));
        }
        if (!file.getFileName().toString().endsWith(".prom")) {
            throw usage("Prometheus textfile " + file + " does not end in .prom: node_exporter would not read it", HOW);
        }
        Path dir = file.getParent();
        if (!Files.isDirectory(dir)) {
            throw usage("cannot write Prometheus textfile " + file + ": directory " + dir + " does not exist",
                    "create it (mkdir -p " + dir + ") or " + HOW);
        }
    }

    /**
     * Replaces this run's families in {@code file}, keeping every other line, atomically: written under a
     * name node_exporter does not read ({@code .partial}), fsynced, renamed. Runs writing the same file take
     * turns through {@code <file>.lock}, so none drops another's part.
     */
    public void write(Path file) {
        check(file);
        Path lockFile = file.resolveSibling(file.getFileName() + ".lock");
        FileChannel channel;
        try {
            channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw usage("cannot write Prometheus textfile " + file + ": directory " + file.getParent() + " is not writable ("
                    + reason(e) + ")", "give this user write access to it (chown or chmod), or " + HOW);
        }
        try (channel; FileLock ignored = channel.lock()) {
            String kept = Files.exists(file) ? others(Files.readString(file, StandardCharsets.UTF_8)) : "";
            SafeFiles.writeReadable(file, (kept + render()).getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw Disk.explain(e, file);
        }
    }

    /** The lines of an existing file that belong to other writers (other families, other comments). */
    private String others(String existing) {
        StringBuilder sb = new StringBuilder();
        for (String line : existing.split("\n")) {
            if (!line.isBlank() && !metricName(line).startsWith(prefix)) sb.append(line).append('\n');
        }
        return sb.toString();
    }

    /** The metric a line is about: the name after {@code # HELP}/{@code # TYPE}, or before a sample's labels. */
    private static String metricName(String line) {
        if (line.startsWith("# HELP ") || line.startsWith("# TYPE ")) return line.substring(7).split(" ", 2)[0];
        if (line.startsWith("#")) return "";
        int end = 0;
        while (end < line.length() && line.charAt(end) != '{' && line.charAt(end) != ' ') end++;
        return line.substring(0, end);
    }

    private static String reason(IOException e) {
        if (e instanceof AccessDeniedException) return "permission denied";
        if (e instanceof FileSystemException f && f.getReason() != null) return f.getReason();
        return String.valueOf(e.getMessage());
    }

    private static OpsException usage(String message, String hint) { return new OpsException(ExitCode.USAGE, message, hint); }
}
