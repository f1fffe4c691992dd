///usr/bin/env jbang "$0" "$@" ; exit $?
//DESCRIPTION Health of PostgreSQL in Docker: 10 checks in parallel under 8 s, alerts that fire once, remind, and announce recovery.
//JAVA 17+
//DEPS info.picocli:picocli:4.7.7
//DEPS org.zeroturnaround:zt-exec:1.13.0
//DEPS org.slf4j:slf4j-api:2.0.20
//DEPS org.slf4j:slf4j-nop:2.0.20
//DEPS com.github.luben:zstd-jni:1.5.7-28
//DEPS com.fasterxml.jackson.core:jackson-databind:2.23.0
//DEPS com.fasterxml.jackson.datatype:jackson-datatype-jsr310:2.23.0
//DEPS org.postgresql:postgresql:42.7.14
//DEPS org.eclipse.angus:angus-mail:2.0.5
//DEPS org.bouncycastle:bcprov-jdk18on:1.86
//DEPS org.bouncycastle:bcpg-jdk18on:1.86
//DEPS org.apache.commons:commons-compress:1.28.0
//SOURCES lib/**.java
//CDS
//JAVA_OPTIONS -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xlog:disable -Xlog:all=warning,cds*=off:stderr

import lib.*;
import lib.alert.AlertReport;
import lib.alert.Alerts;
import lib.alert.Ping;
import lib.health.HealthCheck;
import lib.health.HealthReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.*;
import java.util.concurrent.Callable;
import java.util.function.Supplier;

@Command(name = "health-check.java", mixinStandardHelpOptions = true, version = "ra-infrastructure health-check " + Version.NUMBER,
        description = {"Checks the Docker engine, the container, pg_isready, SELECT 1 latency, pgAdmin, disk space, connections, "
                + "long queries, replication lag and backup freshness, in parallel, each within CHECK_TIMEOUT_SECONDS.",
                "Alerts by email and webhook once per failure type, reminds every ALERT_RATE_LIMIT_MINUTES, sends one RECOVERED "
                + "notice, and pings HEALTHCHECK_PING_URL (/fail when unhealthy). Warnings alone exit 0.",
                "Checks: docker, container, ready, query, pgadmin, disk, connections, long-queries, replication, backups, restores."},
        footerHeading = "%nExamples:%n",
        footer = {"  ${sys:ra.launcher} health-check.java",
                "      all checks, a table, alerts and ping; exit 1 if anything is critical",
                "  ${sys:ra.launcher} health-check.java --json",
                "      the same for machines",
                "  ${sys:ra.launcher} health-check.java --only query,disk --dry-run",
                "      two checks, no alert, no ping, nothing written",
                "  ${sys:ra.launcher} health-check.java --test-alert",
                "      send a test message through every configured channel and report each",
                "  ${sys:ra.launcher} health-check.java --prometheus-textfile /srv/metrics/ra.prom",
                "      also metrics for node_exporter's textfile collector (docs/metrics.md)"})
class healthcheck implements Callable<Integer> {
    @Mixin CommonOptions common;

    @Option(names = "--only", split = ",", paramLabel = "CHECK", description = "Run only these checks (comma-separated or repeated).")
    List<String> only = new ArrayList<>();

    @Option(names = "--skip", split = ",", paramLabel = "CHECK", description = "Leave these checks out.")
    List<String> skip = new ArrayList<>();

    @Option(names = "--test-alert", description = "Send a test message through every configured channel (email, webhook, ping) and exit.")
    boolean testAlert;

    @Option(names = "--dry-run", description = "Run the checks and show them; send no alert or ping and write no state or metrics.")
    boolean dryRun;

    @Option(names = "--prometheus-textfile", paramLabel = "PATH", description = "Also write the results to PATH (a .prom file) "
            + "for node_exporter's textfile collector (--collector.textfile.directory), atomically (PROMETHEUS_TEXTFILE).")
    String prometheusTextfile;

    public static void main(String... args) { System.exit(Cli.execute(new healthcheck(), args, ExitCode.OK, ExitCode.FAILED, ExitCode.USAGE)); }

    @Override
    public Integer call() {
        Config cfg = common.load(Collections.singletonMap("PROMETHEUS_TEXTFILE", prometheusTextfile));
        Log log = CommonOptions.log(cfg, "health-check");
        Alerts alerts = Alerts.from(cfg, log);
        Optional<Ping> ping = Ping.from(cfg);
        if (testAlert) return AlertReport.test(alerts, ping, log, common.json);
        Optional<Path> textfile = TextfileCollector.target(cfg);
        HealthCheck checks = new HealthCheck(cfg);
        Metrics metrics = new Metrics(cfg.path("LOG_DIR"));
        HealthCheck.Health health = checks.run(checks.select(only, skip), metrics.last());
        if (dryRun) {
            HealthReport.print(health, List.of(), null, common.json);
            return HealthReport.exitCode(health);
        }
        String summary = HealthReport.logLine(health);
        int exit = HealthReport.exitCode(health);
        log.info(summary);
        metrics.append(HealthReport.metrics(health, Alerts.host()), log);
        Supplier<String> pinged = AlertReport.pingBeside(ping, exit == ExitCode.OK, summary, log, alerts.deadline());
        List<Alerts.Delivery> sent = alerts.report("health-check", HealthReport.scope(health), HealthReport.failures(health));
        HealthReport.print(health, sent, pinged.get(), common.json);
        textfile.ifPresent(f -> TextfileCollector.health(health).write(f));
        return exit;
    }
}
