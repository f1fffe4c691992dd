///usr/bin/env jbang "$0" "$@" ; exit $?
//DESCRIPTION Safe PostgreSQL restore: check, restore aside, validate, swap; the old database is kept.
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
import lib.offsite.Download;
import lib.offsite.Offsite;
import lib.offsite.RemoteStore;
import lib.volume.VolumeReport;
import lib.volume.VolumeRestore;
import lib.volume.VolumeSet;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.nio.file.Path;
import java.time.LocalDate;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "restore.java", mixinStandardHelpOptions = true, version = "ra-infrastructure restore " + Version.NUMBER,
        description = "Restore a backup safely: checksum and archive listing first, a safety backup of the target, "
                + "restore into <target>_restoring_<ts>, row counts checked against the manifest, then the swap. "
                + "The replaced database is kept as <target>_before_restore_<ts>. "
                + "With --volume, a volume archive instead (pgAdmin's data, or config/ into a new folder).",
        footerHeading = "%nExamples:%n",
        footer = {"  ${sys:ra.launcher} restore.java --list",
                "  ${sys:ra.launcher} restore.java --latest --dry-run",
                "  ${sys:ra.launcher} restore.java --latest --type daily",
                "  ${sys:ra.launcher} restore.java --date 2026-11-20 --target-db inventory_copy",
                "  ${sys:ra.launcher} restore.java backups/daily/inventory_20261120T020000Z_daily.dump.zst",
                "  ${sys:ra.launcher} restore.java --from-remote --latest --dry-run",
                "  ${sys:ra.launcher} restore.java --from-remote --date 2026-11-15 --type weekly",
                "  ${sys:ra.launcher} restore.java --from-remote weekly/inventory_20261115T030000Z_weekly.dump.zst.gpg",
                "  ${sys:ra.launcher} restore.java --volume pgadmin --latest --dry-run",
                "  ${sys:ra.launcher} restore.java --volume config --date 2026-11-15",
                "  ${sys:ra.launcher} restore.java --status"})
class restore implements Callable<Integer> {
    @Mixin CommonOptions common;

    @ArgGroup(exclusive = true)
    Which which = new Which();

    static class Which {
        @Parameters(arity = "0..1", paramLabel = "FILE", description = "A backup file (.dump.zst; with --volume .tar.zst) or its manifest; "
                + "with --from-remote, a file name on the remote.")
        String file;

        @Option(names = "--latest", description = "The newest verified backup.")
        boolean latest;

        @Option(names = "--date", paramLabel = "YYYY-MM-DD", converter = UtcDate.class,
                description = "The newest verified backup taken on this UTC date.")
        LocalDate date;

        @Option(names = "--status", description = "Show restores whose swap was interrupted (and what to do), then exit.")
        boolean status;

        @Option(names = "--repair", description = "Finish or roll back interrupted swaps (all, or the one of --target-db), then exit.")
        boolean repair;
    }

    @Option(names = "--type", paramLabel = "TYPE", description = "With --latest/--date/--list: only this type (hourly, daily, ..., safety).")
    String type;

    @Option(names = "--db", paramLabel = "NAME", description = "Source database whose backups to use (default PGDATABASE).")
    String db;

    @Option(names = "--target-db", paramLabel = "NAME", description = "Database to restore into (default: the source's name).")
    String targetDb;

    @Option(names = "--volume", paramLabel = "NAME", description = "Restore a volume archive instead: pgadmin (into PGADMIN_CONTAINER, "
            + "stopped meanwhile, after a safety archive of its data) or config (into a new folder config.restored-<stamp>/, never over config/).")
    String volume;

    @Option(names = "--list", description = "List backups on disk (with --from-remote: on the remote) and exit.")
    boolean list;

    @Option(names = "--from-remote", description = "Use a backup on REMOTE: download it, check its checksum "
            + "(and decrypt it), then restore as usual. The download is removed afterwards.")
    boolean fromRemote;

    @Option(names = "--dry-run", description = "Check the backup and show the plan; change nothing.")
    boolean dryRun;

    @Option(names = "--yes", description = "Do not ask for confirmation (needed when not on a terminal).")
    boolean yes;

    @Option(names = "--no-safety-backup", description = "Skip the backup of the target (or of pgAdmin's data) taken before it is replaced.")
    boolean noSafetyBackup;

    @Option(names = "--with-globals", description = "Also create the backup's roles and tablespaces that this server lacks (existing ones are left as they are).")
    boolean withGlobals;

    @Option(names = "--no-owner", description = "Do not restore ownership and privileges (restoring to another server).")
    boolean noOwner;

    @Spec CommandSpec spec;

    public static void main(String... args) { System.exit(Cli.execute(new restore(), args)); }

    @Override
    public Integer call() {
        if (volume == null && !list && !which.status && !which.repair && which.file == null && !which.latest && which.date == null) {
            System.err.println("error: say which backup to restore: --latest, --date YYYY-MM-DD or a FILE (--list shows them)");
            spec.commandLine().usage(System.err);
            return ExitCode.USAGE;
        }
        Config cfg = common.load(Map.of());
        if (list && !fromRemote) {
            BackupStore store = new BackupStore(cfg.path("BACKUP_DIR"));
            return Report.listing(store.list(db).stream().filter(e -> type == null || e.type().equals(type)).toList(),
                    db == null ? VolumeSet.list(store, null).stream().filter(v -> type == null || v.type().equals(type)).toList()
                            : java.util.List.of(), common.json);
        }
        Log log = CommonOptions.log(cfg, "restore");
        if (volume != null) return restoreVolume(cfg, log);
        if (which.status) return RestoreStatus.status(new Restore(cfg, log).unfinished(), common.json);
        if (which.repair) return RestoreStatus.repaired(new Restore(cfg, log).repairInterrupted(targetDb), common.json);
        if (list) return Report.remoteListing(cfg.get("REMOTE"), Offsite.store(cfg, log).list(db).stream()
                .filter(r -> type == null || r.type().equals(type)).toList(), common.json);
        Restore restore = new Restore(cfg, log);
        String source = db != null ? db : cfg.get("PGDATABASE");
        if (!fromRemote) return run(restore, restore.choose(which.file == null ? null : Path.of(which.file), source, type, which.date), cfg, log);
        RemoteStore remote = Offsite.store(cfg, log);
        RemoteStore.RemoteSet set = remote.choose(which.file, source, type, which.date);
        try (Download download = new Download(cfg.path("BACKUP_DIR"), set.base())) {
            return run(restore, download.fetch(remote, set, restore.encryption(), common.json ? null : System.err, log), cfg, log);
        }
    }

    /** Read back, plan, confirm and restore one volume archive. */
    private int restoreVolume(Config cfg, Log log) {
        if (fromRemote || db != null || targetDb != null || withGlobals || noOwner) {
            throw new OpsException(ExitCode.USAGE, "--volume does not go with --from-remote, --db, --target-db, --with-globals or --no-owner",
                    "restore the volume and the database in two runs");
        }
        VolumeRestore restore = new VolumeRestore(cfg, log);
        VolumeSet set = restore.choose(volume, which.file == null ? null : Path.of(which.file), type, which.date);
        VolumeRestore.Plan plan = restore.plan(set, !noSafetyBackup);
        if (dryRun) return VolumeReport.plan(plan, common.json);
        if (!common.json) VolumeReport.plan(plan, false);
        VolumeRestore.confirm(plan, yes);
        VolumeRestore.Result done = new JobAlerts(Alerts.from(cfg, log), log).restoring("volume " + volume, () -> restore.execute(plan));
        return VolumeReport.restored(done, common.json);
    }

    /** Check, plan, confirm and restore one backup set. */
    private int run(Restore restore, BackupStore.Entry backup, Config cfg, Log log) {
        Restore.Options options = new Restore.Options(targetDb, !noSafetyBackup, withGlobals, noOwner);
        Restore.Plan plan = restore.plan(backup, options);
        restore.check(plan);
        if (dryRun) {
            int code = Report.restorePlan(plan, common.json);
            if (!common.json) RestoreStatus.planDetails(plan);
            return code;
        }
        if (!common.json) {
            Report.restorePlan(plan, false);
            RestoreStatus.planDetails(plan);
        }
        Confirm.require(yes, plan.target());
        Restore.Result done = new JobAlerts(Alerts.from(cfg, log), log).restoring(plan.target(), () -> restore.execute(plan, options));
        return Report.restored(done, common.json);
    }
}
