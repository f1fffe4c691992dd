///usr/bin/env jbang "$0" "$@" ; exit $?
//DESCRIPTION Verified PostgreSQL backups: dump, compress, hash, test-restore, retain.
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
import lib.offsite.Offsite;
import lib.volume.VolumeBackup;
import lib.volume.VolumeReport;
import lib.volume.VolumeSet;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.*;
import java.util.concurrent.Callable;

@Command(name = "backup.java", mixinStandardHelpOptions = true, version = "ra-infrastructure backup " + Version.NUMBER,
        description = "Back up PostgreSQL databases: a consistent dump streamed through zstd and sha256, "
                + "the cluster's roles (globals), a manifest with exact row counts, a test restore, then retention. "
                + "With --volumes, also pgAdmin's data and config/ (VOLUMES), each as a verified tar archive.",
        footerHeading = "%nExamples:%n",
        footer = {"  ${sys:ra.launcher} backup.java --type daily",
                "      back up PGDATABASE (inventory) to backups/daily/, verify, prune",
                "  ${sys:ra.launcher} backup.java --db inventory --db crm",
                "      several databases in turn, one lock each",
                "  ${sys:ra.launcher} backup.java --type weekly --dry-run",
                "      show the file, the space estimate and what retention would delete",
                "  ${sys:ra.launcher} backup.java --type weekly --volumes",
                "      pgAdmin's data and config/ into backups/weekly/ (encrypted with ENCRYPT_TO), read back, pruned",
                "  ${sys:ra.launcher} backup.java --type daily --prometheus-textfile /var/lib/node_exporter/textfile/ra.prom",
                "      the same, plus metrics of the newest backups for Prometheus (docs/metrics.md)",
                "  ${sys:ra.launcher} backup.java --list",
                "      backups on disk with type, age, size and verified state",
                "  ${sys:ra.launcher} backup.java --list --remote",
                "      backups on the off-site remote (REMOTE), complete or not",
                "  ${sys:ra.launcher} backup.java --upload-pending",
                "      send backups of OFFSITE_TYPES that never reached the remote (after an outage)"})
class backup implements Callable<Integer> {
    @Mixin CommonOptions common;

    @Option(names = "--type", defaultValue = "manual", paramLabel = "TYPE",
            description = "hourly, daily, weekly, monthly, yearly or manual (default: ${DEFAULT-VALUE}).")
    String type;

    @Option(names = "--db", paramLabel = "NAME", description = "Database to back up (repeatable; default PGDATABASE).")
    List<String> dbs = new ArrayList<>();

    @Option(names = "--verify", paramLabel = "LEVEL", description = "full, quick or none (VERIFY, default full).")
    String verify;

    @Option(names = "--with-role-passwords", description = "Include role password hashes in the globals file.")
    boolean rolePasswords;

    @Option(names = "--dry-run", description = "Show what would be written and deleted; change nothing.")
    boolean dryRun;

    @Option(names = "--volumes", description = "Archive the volumes in VOLUMES (pgadmin: pgAdmin's data via docker cp; config: "
            + "the config/ folder). Alone, only the volumes; with --db, the databases first, then the volumes.")
    boolean volumes;

    @Option(names = "--prometheus-textfile", paramLabel = "PATH", description = "Also write backup metrics to PATH (a .prom file) for "
            + "node_exporter's textfile collector (--collector.textfile.directory), atomically (PROMETHEUS_TEXTFILE); not with --dry-run.")
    String prometheusTextfile;

    @Option(names = "--list", description = "List backups on disk (with --remote: on the remote) and exit.")
    boolean list;

    @Option(names = "--remote", description = "With --list: list the backups on REMOTE instead.")
    boolean remote;

    @Option(names = "--upload-pending", description = "Send local backups of OFFSITE_TYPES that are not on the remote yet, "
            + "check them, then apply remote retention.")
    boolean uploadPending;

    public static void main(String... args) { System.exit(Cli.execute(new backup(), args, ExitCode.OK, ExitCode.FAILED, ExitCode.USAGE, ExitCode.LOCKED, ExitCode.UNAVAILABLE, ExitCode.BACKUP_FAILED, ExitCode.VERIFY_FAILED, ExitCode.NO_SPACE, ExitCode.REMOTE_FAILED)); }

    @Override
    public Integer call() {
        Map<String, String> flags = new HashMap<>();
        flags.put("VERIFY", verify);
        flags.put("PROMETHEUS_TEXTFILE", prometheusTextfile);
        Config cfg = common.load(flags);
        if (remote && !list) throw new OpsException(ExitCode.USAGE, "--remote only goes with --list", "use: backup.java --list --remote");
        if (list && remote) return Report.remoteListing(cfg.get("REMOTE"), Offsite.store(cfg, CommonOptions.log(cfg, "backup")).list(null), common.json);
        if (list) {
            BackupStore store = new BackupStore(cfg.path("BACKUP_DIR"));
            return Report.listing(store.list(null), VolumeSet.list(store, null), common.json);
        }
        Tier.parse(type);
        if (volumes && uploadPending) throw new OpsException(ExitCode.USAGE, "volume archives are not copied off-site", "use --upload-pending alone");
        if (volumes && cfg.list("VOLUMES").isEmpty()) throw new OpsException(ExitCode.USAGE, "--volumes but VOLUMES is empty", "set VOLUMES=pgadmin,config");
        Optional<java.nio.file.Path> textfile = TextfileCollector.target(cfg);
        Log log = CommonOptions.log(cfg, "backup");
        JobAlerts jobAlerts = new JobAlerts(Alerts.from(cfg, log), log);
        BackupRun run = new BackupRun(log, jobAlerts);
        if (uploadPending) {
            Report.Uploads report = new Report.Uploads(log, common.json);
            return report.end(run.uploads(new Backup(cfg, log), dbs, report));
        }
        int exit = ExitCode.OK;
        if (!volumes || !dbs.isEmpty()) {
            if (dbs.isEmpty()) dbs.add(cfg.get("PGDATABASE"));
            Backup.Options options = new Backup.Options(type, cfg.get("VERIFY"), rolePasswords, dryRun);
            Report.Backups report = new Report.Backups(options, log, common.json);
            exit = report.end(run.databases(new Backup(cfg, log), dbs, options, report));
            if (!dryRun && textfile.isPresent()) TextfileCollector.backups(cfg, exit).write(textfile.get());
        }
        if (!volumes) return exit;
        VolumeReport.Backups report = new VolumeReport.Backups(dryRun, log, common.json);
        int v = report.end(run.volumes(new VolumeBackup(cfg, log), cfg.list("VOLUMES"), type, dryRun, report));
        return exit != ExitCode.OK ? exit : v;
    }
}
