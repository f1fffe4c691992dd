package tests;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import lib.*;
import lib.health.HealthCheck;
import org.junit.jupiter.api.Test;
import tests.support.Fixtures;
import tests.support.Remotes;
import tests.support.Scripts;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.*;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The node_exporter textfile: health from a real cluster, backups from real backups (hostile names
 * included), checked by a strict reader of the exposition format and, where installed, by promtool and
 * the Python client's parser; the atomic, shared write; bad paths; and the health-check.java flag.
 */
class TextfileCollectorTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Quote, backslash, line feed, Unicode and an escape sequence spelled out: every case of label escaping. */
    private static final String HOSTILE_DB = "tf \"q\" back\\slash ü\nline \\n";

    private final Path home = Fixtures.home();
    private final Config cfg = Fixtures.config(Fixtures.trustCluster(), home, "PGDATABASE", "postgres", "DISK_WARN_PERCENT", "99",
            "DISK_CRITICAL_PERCENT", "100", "SCHEDULED_TYPES", "daily", "CHECK_TIMEOUT_SECONDS", "5");

    private HealthCheck.Health health(String... only) {
        HealthCheck checks = new HealthCheck(cfg);
        return checks.run(checks.select(List.of(only), List.of()), MissingNode.getInstance());
    }

    @Test
    void healthOfARealClusterIsValidAndCarriesEveryCheck() {
        Instant before = Instant.now();
        HealthCheck.Health h = health();
        String text = TextfileCollector.health(h).render();
        Exposition e = checked(text);

        assertThat(e.series("ra_health_check_status")).as(text).hasSize(h.results().size());
        assertThat(e.series("ra_health_check_duration_seconds")).hasSize(h.results().size());
        assertThat(e.value("ra_health_check_status", "check", "query")).isEqualTo(0);
        assertThat(e.value("ra_health_check_status", "check", "backups")).as("no daily backup yet: critical").isEqualTo(2);
        assertThat(e.value("ra_health_status")).isEqualTo(2);
        assertThat(e.types).containsEntry("ra_health_status", "gauge").containsEntry("ra_health_check_status", "gauge");
        String max = new Pg(new PgTarget(cfg)).psql().value("postgres", "SHOW max_connections");
        assertThat(e.value("ra_health_connections_max")).isEqualTo(Double.parseDouble(max));
        assertThat(e.value("ra_health_connections_used")).isPositive();
        assertThat(e.value("ra_health_connections_used_ratio")).isBetween(0.0, 1.0);
        assertThat(e.value("ra_health_disk_used_ratio", "filesystem", "backups")).isBetween(0.0, 1.0);
        assertThat(e.value("ra_health_disk_free_bytes", "filesystem", "backups")).isPositive();
        assertThat(e.value("ra_health_database_size_bytes")).isPositive();
        Number latencyMs = (Number) h.results().stream().filter(r -> r.check().equals("query")).findFirst().orElseThrow().values().get("latencyMs");
        assertThat(e.value("ra_health_query_latency_seconds")).as("ms to s in decimal")
                .isEqualTo(new java.math.BigDecimal(latencyMs.toString()).movePointLeft(3).doubleValue());
        assertThat(text).as("0.1 ms resolution: at most 4 decimals, no binary noise").containsPattern("(?m)^ra_health_query_latency_seconds \\d+(\\.\\d{1,4})?$");
        assertThat(e.value("ra_health_long_queries")).isEqualTo(0);
        assertThat(e.value("ra_health_replication_replicas")).isEqualTo(0);
        assertThat(e.series("ra_health_backup_age_seconds")).as("no verified backup: no age, not a made-up one").isEmpty();
        assertThat(e.value("ra_health_last_run_timestamp_seconds")).isBetween(before.toEpochMilli() / 1000.0,
                Instant.now().toEpochMilli() / 1000.0);
        assertThat(text).as("no exponents").doesNotContainPattern("(?m) -?[0-9.]+[eE][-+]?[0-9]+$");
    }

    @Test
    void backupsComeFromTheStoreWithHostileNamesIntact() throws Exception {
        Pg pg = new Pg(new PgTarget(cfg));
        Fixtures.createDb(pg, "tf_plain", 50);
        Fixtures.createDb(pg, HOSTILE_DB, 10);
        Backup.Result first = backup(cfg, "tf_plain", "daily", "quick");
        Backup.Result newest = backup(cfg, "tf_plain", "daily", "quick");
        backup(cfg, HOSTILE_DB, "manual", "none");
        try (Remotes.Remote remote = Remotes.local()) {
            backup(cfg.with(remote.settings()), "tf_plain", "weekly", "quick");
        }

        String text = TextfileCollector.backups(cfg, ExitCode.VERIFY_FAILED).render();
        Exposition e = checked(text);

        Map<String, String> daily = Map.of("database", "tf_plain", "type", "daily");
        assertThat(e.value("ra_backup_sets", daily)).isEqualTo(2);
        assertThat(e.value("ra_backup_newest_timestamp_seconds", daily))
                .isEqualTo(BackupStore.parse(newest.dump()).orElseThrow().at().getEpochSecond());
        assertThat(e.value("ra_backup_newest_size_bytes", daily)).isEqualTo(Files.size(newest.dump()));
        assertThat(e.value("ra_backup_newest_duration_seconds", daily)).isEqualTo(newest.manifest().durationSeconds());
        assertThat(e.value("ra_backup_newest_verified", daily)).isEqualTo(1);
        assertThat(e.value("ra_backup_newest_offsite", daily)).isEqualTo(0);
        assertThat(e.value("ra_backup_last_verified_timestamp_seconds", daily))
                .isGreaterThan(BackupStore.parse(first.dump()).orElseThrow().at().getEpochSecond());
        assertThat(e.value("ra_backup_newest_offsite", Map.of("database", "tf_plain", "type", "weekly"))).isEqualTo(1);

        Map<String, String> hostile = Map.of("database", HOSTILE_DB, "type", "manual");
        assertThat(e.value("ra_backup_sets", hostile)).isEqualTo(1);
        assertThat(e.value("ra_backup_newest_verified", hostile)).as("verify none is not verified").isEqualTo(0);
        assertThat(e.samples).doesNotContainKey(new Series("ra_backup_last_verified_timestamp_seconds", hostile));
        assertThat(text).contains("database=\"tf \\\"q\\\" back\\\\slash ü\\nline \\\\n\"");

        assertThat(e.value("ra_backup_last_run_exit_code")).isEqualTo(ExitCode.VERIFY_FAILED);
        assertThat(e.value("ra_backup_last_run_timestamp_seconds")).isPositive();
    }

    @Test
    void theWriteIsAtomicAndKeepsWhatOtherWritersPutThere() throws Exception {
        Path dir = Files.createDirectories(home.resolve("textfile dir"));
        Path file = dir.resolve("ra.prom");
        Files.writeString(file, "# HELP other_metric Written by someone else.\n# TYPE other_metric gauge\nother_metric{x=\"1\"} 7\n");
        TextfileCollector.health(health("query")).write(file);

        String healthOnly = Files.readString(file);
        try (InputStream reader = Files.newInputStream(file)) {
            TextfileCollector.backups(cfg, 0).write(file);
            assertThat(new String(reader.readAllBytes(), StandardCharsets.UTF_8))
                    .as("a reader of the old file sees it whole: the new one was renamed into place").isEqualTo(healthOnly);
        }
        TextfileCollector.health(health("query", "connections")).write(file);

        Exposition e = checked(Files.readString(file));
        assertThat(e.value("other_metric", "x", "1")).isEqualTo(7);
        assertThat(e.value("ra_backup_last_run_exit_code")).as("health-check keeps backup's part").isEqualTo(0);
        assertThat(e.series("ra_health_check_status")).as("health's part is replaced, not added to").hasSize(2);
        assertThat(SafeFiles.partial(file).getFileName().toString()).doesNotEndWith(".prom");
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(f -> f.getFileName().toString())).containsExactlyInAnyOrder("ra.prom", "ra.prom.lock");
        }
    }

    @Test
    void badPathsAreUsageErrorsNamingThePathAndTheFix() throws Exception {
        Path dir = Files.createDirectories(home.resolve("prom"));
        Map<Path, String> cases = new LinkedHashMap<>();
        cases.put(dir.resolve("missing/ra.prom"), "directory " + dir.resolve("missing") + " does not exist HINT: create it (mkdir -p");
        cases.put(dir, dir + " is a directory HINT: name a file in it, e.g. " + dir.resolve("ra.prom"));
        cases.put(dir.resolve("ra.txt"), "does not end in .prom: node_exporter would not read it HINT: set PROMETHEUS_TEXTFILE");
        cases.put(unwritableDir().resolve("ra-test.prom"), "is not writable (permission denied) HINT: give this user write access");
        cases.forEach((file, said) -> {
            Config c = cfg.with(Map.of("PROMETHEUS_TEXTFILE", file.toString()));
            assertThatThrownBy(() -> TextfileCollector.target(c).ifPresent(f -> TextfileCollector.backups(c, 0).write(f)))
                    .isInstanceOfSatisfying(OpsException.class, ex -> {
                        assertThat(ex.exitCode()).isEqualTo(ExitCode.USAGE);
                        assertThat(ex.oneLine()).contains(file.toString()).contains(said).doesNotContain("\n");
                    });
            assertThat(file.resolveSibling(file.getFileName() + ".partial")).doesNotExist();
        });
        assertThat(TextfileCollector.target(cfg)).as("not set: nothing to write").isEmpty();
        assertThat(TextfileCollector.target(cfg.with(Map.of("PROMETHEUS_TEXTFILE", "prom/ra.prom")))).contains(dir.resolve("ra.prom"));
    }

    /** A directory this process cannot create files in: a read-only one, or sysfs for root, whom modes do not stop. */
    private Path unwritableDir() throws Exception {
        Path dir = Files.createDirectories(home.resolve("read-only"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("r-xr-xr-x"));
        if (!"root".equals(System.getProperty("user.name"))) return dir;
        Path sys = Path.of("/sys");
        assumeTrue(Files.isDirectory(sys), "running as root without /sys: no directory root cannot write to");
        return sys;
    }

    @Test
    void healthCheckScriptWritesTheFileAndNothingOnADryRun() throws Exception {
        Map<String, String> env = Fixtures.env(Fixtures.trustCluster(), home);
        env.putAll(Map.of("PGDATABASE", "postgres", "CHECK_TIMEOUT_SECONDS", "5"));
        Path file = Files.createDirectories(home.resolve("node exporter")).resolve("ra.prom");

        Scripts.Run run = Scripts.run(env, "health-check.java", "--prometheus-textfile", file.toString(), "--only", "query");
        assertThat(run.exit()).as(run.all()).isEqualTo(0);
        Exposition e = checked(Files.readString(file));
        assertThat(e.series("ra_health_check_status")).containsOnlyKeys(new Series("ra_health_check_status", Map.of("check", "query")));
        assertThat(e.value("ra_health_status")).isEqualTo(0);

        Path dry = file.resolveSibling("dry.prom");
        Scripts.Run dryRun = Scripts.run(env, "health-check.java", "--prometheus-textfile", dry.toString(), "--only", "query", "--dry-run");
        assertThat(dryRun.exit()).as(dryRun.all()).isEqualTo(0);
        assertThat(dry).doesNotExist();

        Path nowhere = home.resolve("nowhere/ra.prom");
        Scripts.Run bad = Scripts.run(env, "health-check.java", "--prometheus-textfile", nowhere.toString(), "--only", "query");
        assertThat(bad.exit()).isEqualTo(ExitCode.USAGE);
        assertThat(bad.err()).contains("error: cannot write Prometheus textfile " + nowhere).contains("HINT: create it");
        assertThat(bad.out()).as("refused before running the checks").doesNotContain("SELECT 1");
    }

    @Test
    void backupScriptAddsItsMetricsBesideHealthChecksAndNothingOnADryRun() throws Exception {
        Map<String, String> env = Fixtures.env(Fixtures.trustCluster(), home);
        Fixtures.createDb(new Pg(new PgTarget(cfg)), "prom_script", 20);
        env.put("PGDATABASE", "prom_script");
        Path file = Files.createDirectories(home.resolve("node exporter")).resolve("ra.prom");
        Scripts.Run health = Scripts.run(env, "health-check.java", "--prometheus-textfile", file.toString(), "--only", "query");
        assertThat(health.exit()).as(health.all()).isEqualTo(0);

        Scripts.Run run = Scripts.run(env, "backup.java", "--type", "daily", "--verify", "quick", "--prometheus-textfile", file.toString());
        assertThat(run.exit()).as(run.all()).isEqualTo(0);
        Exposition e = checked(Files.readString(file));
        assertThat(e.value("ra_backup_last_run_exit_code")).isEqualTo(0);
        assertThat(e.value("ra_backup_newest_verified", Map.of("database", "prom_script", "type", "daily"))).isEqualTo(1);
        assertThat(e.value("ra_health_status")).as("health-check's part is kept").isEqualTo(0);

        Path dry = file.resolveSibling("dry.prom");
        Scripts.Run dryRun = Scripts.run(env, "backup.java", "--type", "daily", "--dry-run", "--prometheus-textfile", dry.toString());
        assertThat(dryRun.exit()).as(dryRun.all()).isEqualTo(0);
        assertThat(dry).doesNotExist();
    }

    @Test
    void promtoolAndThePythonClientReadTheFileAsWeDo() throws Exception {
        Optional<String> python = pythonWithClient();
        assumeTrue(onPath("promtool") || python.isPresent(), "neither promtool nor python3 with prometheus_client installed "
                + "(Debian: prometheus, python3-prometheus-client); the strict reader in this test still checks every file");
        Pg pg = new Pg(new PgTarget(cfg));
        Fixtures.createDb(pg, HOSTILE_DB, 10);
        backup(cfg, HOSTILE_DB, "manual", "quick");
        String text = TextfileCollector.backups(cfg, 0).render() + TextfileCollector.health(health("query")).render();
        Exposition e = checked(text);
        assertThat(e.value("ra_backup_newest_verified", Map.of("database", HOSTILE_DB, "type", "manual"))).isEqualTo(1);
    }

    private static Backup.Result backup(Config c, String db, String type, String verify) {
        return new Backup(c, Fixtures.log(c)).run(db, new Backup.Options(type, verify, false, false));
    }

    /** Strict reading, then promtool and the Python client where installed; the parsed file. */
    private static Exposition checked(String text) {
        Exposition e = Exposition.parse(text);
        if (onPath("promtool")) {
            Proc.Result r = Proc.run(List.of("promtool", "check", "metrics"), Map.of(), Duration.ofSeconds(30),
                    new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)), null);
            assertThat(r.exit()).as("promtool check metrics:\n" + r.stdout() + r.stderr() + "\n" + text).isEqualTo(0);
        }
        pythonWithClient().ifPresent(py -> assertThat(pythonSamples(py, text)).as("python prometheus_client").isEqualTo(e.samples));
        return e;
    }

    private static boolean onPath(String program) {
        return Stream.of(System.getenv().getOrDefault("PATH", "").split(":")).anyMatch(d -> Files.isExecutable(Path.of(d, program)));
    }

    /** python3 on PATH may be a build without Debian's packages, so Debian's own python3 is tried too. */
    private static Optional<String> pythonWithClient() {
        return Stream.of("python3", "/usr/bin/python3").filter(py -> {
            try {
                return Proc.run(List.of(py, "-c", "import prometheus_client"), Map.of(), Duration.ofSeconds(30)).ok();
            } catch (OpsException e) {
                return false;
            }
        }).findFirst();
    }

    private static final String PY_PARSE = """
            import json, sys
            from prometheus_client.parser import text_string_to_metric_families
            out = []
            for family in text_string_to_metric_families(sys.stdin.read()):
                for s in family.samples:
                    out.append([s.name, s.labels, s.value])
            print(json.dumps(out))
            """;

    private static Map<Series, Double> pythonSamples(String python, String text) {
        Proc.Result r = Proc.run(List.of(python, "-c", PY_PARSE), Map.of("PYTHONIOENCODING", "utf-8"), Duration.ofSeconds(30),
                new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)), null);
        assertThat(r.exit()).as(r.stderr()).isEqualTo(0);
        Map<Series, Double> out = new LinkedHashMap<>();
        try {
            for (JsonNode s : JSON.readTree(r.stdout())) {
                Map<String, String> labels = new LinkedHashMap<>();
                s.get(1).properties().forEach(f -> labels.put(f.getKey(), f.getValue().asText()));
                out.put(new Series(s.get(0).asText(), labels), s.get(2).asDouble());
            }
        } catch (Exception ex) {
            throw new AssertionError(r.stdout(), ex);
        }
        return out;
    }

    /** One time series: metric name and labels (compared regardless of label order). */
    record Series(String name, Map<String, String> labels) {
        Series {
            labels = Map.copyOf(labels);
        }
    }

    /**
     * A strict reader of the text exposition format: every line is {@code # HELP name text}, {@code # TYPE name type}
     * or {@code name{label="value",...} value}; a family's HELP and TYPE come once, before its samples, and its lines
     * are together; label values use only the three escapes; counters end in _total; no series twice.
     */
    static final class Exposition {
        private static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
        private static final Pattern LABEL = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");
        private static final Pattern VALUE = Pattern.compile("[-+]?(\\d+(\\.\\d*)?|\\.\\d+)([eE][-+]?\\d+)?|NaN|[+-]Inf");
        private static final Set<String> TYPES = Set.of("counter", "gauge", "summary", "histogram", "untyped");

        final Map<String, String> types = new LinkedHashMap<>();
        final Map<String, String> help = new LinkedHashMap<>();
        final Map<Series, Double> samples = new LinkedHashMap<>();

        static Exposition parse(String text) {
            assertThat(text).as("ends with a line feed").endsWith("\n");
            Exposition e = new Exposition();
            Set<String> seen = new HashSet<>();
            String current = null;
            for (String line : text.substring(0, text.length() - 1).split("\n", -1)) {
                String name;
                if (line.startsWith("# HELP ") || line.startsWith("# TYPE ")) {
                    String[] p = line.substring(7).split(" ", 2);
                    name = p[0];
                    assertThat(p).as(line).hasSize(2);
                    assertThat(e.samples.keySet()).as("HELP/TYPE before the samples: " + line).noneMatch(s -> s.name().equals(p[0]));
                    if (line.startsWith("# HELP ")) {
                        assertThat(p[1].replace("\\\\", "").replace("\\n", "")).as("HELP escapes: " + line).doesNotContain("\\");
                        assertThat(e.help.put(name, p[1])).as("one HELP: " + line).isNull();
                    } else {
                        assertThat(TYPES).as(line).contains(p[1]);
                        assertThat(e.help).as("HELP before TYPE: " + line).containsKey(name);
                        assertThat(e.types.put(name, p[1])).as("one TYPE: " + line).isNull();
                    }
                } else {
                    assertThat(line).as("no other comments or blank lines").doesNotStartWith("#").isNotBlank();
                    try {
                        name = e.sample(line);
                    } catch (IndexOutOfBoundsException cut) {
                        throw new AssertionError("sample line ends too early (an unescaped line feed?): " + line, cut);
                    }
                }
                assertThat(NAME.matcher(name).matches()).as("metric name: " + line).isTrue();
                if (!name.equals(current)) {
                    assertThat(seen.add(name)).as("a family's lines are together: " + line).isTrue();
                    current = name;
                }
            }
            e.types.forEach((n, t) -> assertThat(e.samples.keySet()).as("samples of " + n).anyMatch(s -> s.name().equals(n)));
            return e;
        }

        private String sample(String line) {
            int i = 0;
            while (i < line.length() && line.charAt(i) != '{' && line.charAt(i) != ' ') i++;
            String name = line.substring(0, i);
            assertThat(types).as("TYPE before samples: " + line).containsKey(name);
            if (types.get(name).equals("counter")) assertThat(name).endsWith("_total");
            Map<String, String> labels = new LinkedHashMap<>();
            if (line.charAt(i) == '{') {
                i++;
                while (line.charAt(i) != '}') {
                    int eq = line.indexOf('=', i);
                    String label = line.substring(i, eq);
                    assertThat(LABEL.matcher(label).matches()).as("label name in " + line).isTrue();
                    assertThat(line.charAt(eq + 1)).as(line).isEqualTo('"');
                    StringBuilder v = new StringBuilder();
                    i = eq + 2;
                    for (char c = line.charAt(i++); c != '"'; c = line.charAt(i++)) {
                        if (c == '\\') {
                            char n = line.charAt(i++);
                            v.append(switch (n) {
                                case '\\' -> '\\';
                                case '"' -> '"';
                                case 'n' -> '\n';
                                default -> throw new AssertionError("bad escape \\" + n + " in " + line);
                            });
                        } else {
                            v.append(c);
                        }
                    }
                    assertThat(labels.put(label, v.toString())).as("label once: " + line).isNull();
                    if (line.charAt(i) == ',') i++;
                    else assertThat(line.charAt(i)).as(line).isEqualTo('}');
                }
                i++;
            }
            assertThat(line.charAt(i)).as("one space before the value: " + line).isEqualTo(' ');
            String value = line.substring(i + 1);
            assertThat(VALUE.matcher(value).matches()).as("value (no timestamp): " + line).isTrue();
            double d = value.endsWith("Inf") ? (value.startsWith("-") ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY) : Double.parseDouble(value);
            assertThat(samples.put(new Series(name, labels), d)).as("duplicate series: " + line).isNull();
            return name;
        }

        Map<Series, Double> series(String name) {
            Map<Series, Double> out = new LinkedHashMap<>();
            samples.forEach((s, v) -> { if (s.name().equals(name)) out.put(s, v); });
            return out;
        }

        double value(String name, String... labelPairs) {
            Map<String, String> labels = new HashMap<>();
            for (int i = 0; i + 1 < labelPairs.length; i += 2) labels.put(labelPairs[i], labelPairs[i + 1]);
            return value(name, labels);
        }

        double value(String name, Map<String, String> labels) {
            Double v = samples.get(new Series(name, labels));
            assertThat(v).as(name + labels + " in " + samples.keySet()).isNotNull();
            return v;
        }
    }
}
