///usr/bin/env jbang "$0" "$@" ; exit $?
//DESCRIPTION Disaster-recovery drill: back up, break, restore and compare, with measured RTO and RPO.
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
//JAVA_OPTIONS -Xlog:disable -Xlog:all=warning,cds*=off:stderr

import lib.*;
import lib.alert.Alerts;
import lib.alert.JobAlerts;
import lib.drill.*;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.util.*;
import java.util.concurrent.Callable;

@Command(name = "dr-drill.java", mixinStandardHelpOptions = true, version = "ra-infrastructure dr-drill " + Version.NUMBER,
        description = {"Restore drill with measured RTO and RPO. Restores the newest verified backup (or the one chosen) into a "
                + "scratch database (DRILL_INTO=database) or a scratch container from the live container's image "
                + "(DRILL_INTO=container) - never into the live database - and validates it: row counts against the manifest, "
                + "foreign-key orphans, and the queries in DRILL_VALIDATION_SQL (each must return no rows, or true). A damaged "
                + "backup is reported and the next older one tried.",
                "PASS needs a validated copy within RTO_TARGET_MINUTES of the start and a backup at most RPO_TARGET_HOURS old. "
                + "Each drill adds a row to DRILL_LOG (docs/restore-test-log.md) and a line to logs/drills.jsonl, and alerts on FAIL "
                + "and on a fall-back; a backup found damaged is marked failed in its manifest.",
                "--sandbox runs the whole story on a throwaway server instead: build data, back up, stage a disaster "
                + "(--scenario), drill, compare. Nothing touches a real server, and its evidence goes to a temporary folder it names, "
                + "not to DRILL_LOG or logs/drills.jsonl; it never alerts."},
        footerHeading = "%nExamples:%n",
        footer = {"  ${sys:ra.launcher} dr-drill.java",
                "      drill the newest verified backup of PGDATABASE into a scratch database, then drop it",
                "  ${sys:ra.launcher} dr-drill.java --report drill.html --operator \"J. Smith\"",
                "      the same, with an HTML report for the auditor",
                "  ${sys:ra.launcher} dr-drill.java --from-remote --into container",
                "      download the newest off-site copy and restore it into a scratch container",
                "  ${sys:ra.launcher} dr-drill.java --date 2026-11-01 --type monthly --keep",
                "      a chosen backup; keep the scratch database for inspection",
                "  ${sys:ra.launcher} dr-drill.java --dry-run",
                "      show which backup would be drilled and where; change nothing",
                "  ${sys:ra.launcher} dr-drill.java --history",
                "      past drills from logs/drills.jsonl",
                "  ${sys:ra.launcher} dr-drill.java --sandbox --scenario corrupted-latest-backup",
                "      sandbox: the latest backup is damaged; the drill must fall back to the previous one"})
class drdrill implements Callable<Integer> {
    @Mixin CommonOptions common;

    @Parameters(arity = "0..1", paramLabel = "FILE", description = "A backup file (.dump.zst[.gpg]) or its manifest; with --from-remote its name on the remote.")
    String file;

    @Option(names = "--date", paramLabel = "YYYY-MM-DD", description = "The newest verified backup taken on this UTC date.")
    LocalDate date;

    @Option(names = "--type", paramLabel = "TYPE", description = "Only backups of this type (hourly, daily, weekly, monthly, yearly, manual).")
    String type;

    @Option(names = "--db", paramLabel = "NAME", description = "Database whose backups to drill (default PGDATABASE).")
    String db;

    @Option(names = "--from-remote", description = "Take the backup from REMOTE (the host-lost case): download, check, decrypt.")
    boolean fromRemote;

    @Option(names = "--into", paramLabel = "WHERE", description = "database or container (DRILL_INTO, default database).")
    String into;

    @Option(names = "--keep", description = "Keep the scratch database or container for inspection (drop it yourself after).")
    boolean keep;

    @Option(names = "--report", paramLabel = "FILE", description = "Also write a standalone HTML report with the timings and the drill history.")
    Path report;

    @Option(names = "--operator", paramLabel = "NAME", description = "Name for the log's operator column (DRILL_OPERATOR, default the OS user).")
    String operator;

    @Option(names = "--dry-run", description = "Show the backup that would be drilled and where; change nothing.")
    boolean dryRun;

    @Option(names = "--history", description = "List past drills (logs/drills.jsonl) and exit.")
    boolean history;

    @Option(names = "--sandbox", description = "Run the self-contained drill on a throwaway server.")
    boolean sandbox;

    @Option(names = "--scenario", defaultValue = "db-dropped", paramLabel = "NAME",
            description = "With --sandbox: db-dropped, container-lost, corrupted-latest-backup or host-lost (default: ${DEFAULT-VALUE}).")
    String scenario;

    @Option(names = "--engine", defaultValue = "auto", paramLabel = "ENGINE",
            description = "With --sandbox: auto (local binaries if found, else Docker), local or docker (default: ${DEFAULT-VALUE}).")
    String engine;

    @Option(names = "--image", paramLabel = "IMAGE", description = "With --sandbox --engine docker: the image (SANDBOX_IMAGE, default postgres:15).")
    String image;

    public static void main(String... args) { System.exit(Cli.execute(new drdrill(), args)); }

    @Override
    public Integer call() {
        Map<String, String> flags = new HashMap<>();
        flags.put("SANDBOX_IMAGE", image);
        flags.put("DRILL_INTO", into);
        flags.put("DRILL_OPERATOR", operator);
        Config cfg = common.load(flags);
        if (history) return DrillSummary.printHistory(new DrillHistory(cfg.path("LOG_DIR")).all(), common.json);
        Log log = CommonOptions.log(cfg, "drill");
        if (sandbox) return sandbox(cfg, log);
        JobAlerts alerts = new JobAlerts(Alerts.from(cfg, log), log);
        if (type != null) Tier.parse(type);
        Drill.Options options = new Drill.Options(file == null ? null : Path.of(file), db, type, date, fromRemote);
        if (dryRun) return DrillSummary.printPlan(cfg, log, options, file, common.json);
        Destination dest = (cfg.get("DRILL_INTO").equals("container") ? Destination.container(null)
                : Destination.scratchDatabase(Instant.now())).keep(keep);
        DrillRecord d;
        try (dest) {
            d = new Drill(cfg, log, common.json ? System.err : System.out).run(options, dest, "configured", "restore");
        }
        DrillSummary.print(d, Evidence.record(cfg, log, d, report, alerts), common.json);
        if (keep && d.into() != null && !common.json) System.out.println("  kept for inspection: " + d.into() + DrillSummary.removal(d));
        return d.pass() ? ExitCode.OK : ExitCode.FAILED;
    }

    private int sandbox(Config cfg, Log log) {
        if (!engine.matches("auto|local|docker")) throw new OpsException(ExitCode.USAGE, "unknown --engine " + engine, "use auto, local or docker");
        if (!Sandbox.SCENARIOS.contains(scenario)) throw new OpsException(ExitCode.USAGE, "unknown --scenario " + scenario, "use one of " + Sandbox.SCENARIOS);
        Sandbox.Result r = Sandbox.run(cfg, log, engine, scenario, common.json ? System.err : System.out);
        DrillSummary.printSandbox(r, Evidence.sandbox(log, r.drill(), report), common.json);
        return r.pass() ? ExitCode.OK : ExitCode.FAILED;
    }
}
