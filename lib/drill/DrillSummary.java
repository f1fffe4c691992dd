package lib.drill;

import lib.BackupStore;
import lib.Cli;
import lib.Config;
import lib.Disk;
import lib.ExitCode;
import lib.Human;
import lib.Log;
import lib.Restore;
import lib.offsite.Offsite;
import lib.offsite.RemoteStore;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/** What dr-drill.java prints: the drill's verdict and numbers for people, or the record as JSON. */
public final class DrillSummary {
    private static final DateTimeFormatter WHEN = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'", Locale.ROOT).withZone(ZoneOffset.UTC);

    private DrillSummary() {}

    public static void print(DrillRecord d, List<Path> written, boolean json) {
        if (json) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("drill", d);
            m.put("written", written.stream().map(Path::toString).toList());
            Cli.printJson(m);
            return;
        }
        System.out.println();
        System.out.println("Restore drill of " + d.db() + ": " + d.result());
        lines(d).forEach(System.out::println);
        d.problems().forEach(p -> System.out.println("  finding: " + p));
        if (!written.isEmpty()) System.out.println("  evidence: " + written.stream().map(Path::toString).collect(Collectors.joining(", ")));
    }

    /** @param written the sandbox's own evidence files (never the real system's) */
    public static void printSandbox(Sandbox.Result r, List<Path> written, boolean json) {
        if (json) {
            Map<String, Object> m = lib.Manifest.JSON.convertValue(r, new com.fasterxml.jackson.core.type.TypeReference<LinkedHashMap<String, Object>>() {});
            m.put("evidence", written.stream().map(Path::toString).toList());
            Cli.printJson(m);
            return;
        }
        System.out.printf(Locale.ROOT, "%nSandbox drill (%s, %s): %s%n  data: %d rows in 3 tables%n  backup taken: %s in %.1f s (verified by test restore)%n",
                r.engine(), r.scenario(), r.pass() ? "PASS" : "FAIL", r.rows(), Disk.human(r.backupBytes()), r.backupSeconds());
        lines(r.drill()).forEach(System.out::println);
        r.problems().forEach(p -> System.out.println("  MISMATCH " + p));
        System.out.println("  sandbox evidence (not the real system's restore-test log): "
                + written.stream().map(Path::toString).collect(Collectors.joining(", ")));
    }

    /** --dry-run: the backup a drill would use and where it would go; nothing is downloaded or restored. */
    public static int printPlan(Config cfg, Log log, Drill.Options o, String remoteFile, boolean json) {
        String db = o.db() != null ? o.db() : cfg.get("PGDATABASE");
        String name;
        Instant at;
        long bytes;
        if (o.fromRemote()) {
            RemoteStore.RemoteSet set = Offsite.store(cfg, log).choose(remoteFile, db, o.type(), o.date());
            name = set.type() + "/" + set.base() + " on " + cfg.get("REMOTE");
            at = set.at();
            bytes = set.size();
        } else {
            BackupStore.Entry e = new Restore(cfg, log).choose(o.file(), db, o.type(), o.date());
            name = e.dump().toString();
            at = e.manifest().startedAt();
            bytes = e.manifest().storedBytes();
        }
        String into = cfg.get("DRILL_INTO").equals("container") ? "a scratch container from " + cfg.get("DOCKER_CONTAINER") + "'s image"
                : "scratch database " + lib.DbName.prefix(db, Drill.SCRATCH, Drill.NAME_BYTES) + "<stamp>";
        int queries = Validation.queries(cfg.path("DRILL_VALIDATION_SQL")).size();
        double rpoHours = Duration.between(at, Instant.now()).toMillis() / 3_600_000.0;
        if (json) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("dryRun", true);
            m.put("db", db);
            m.put("backup", name);
            m.put("backupAt", at);
            m.put("backupBytes", bytes);
            m.put("into", into);
            m.put("validationQueries", queries);
            m.put("rpoHours", rpoHours);
            m.put("rpoTargetHours", cfg.integer("RPO_TARGET_HOURS"));
            Cli.printJson(m);
        } else {
            System.out.printf(Locale.ROOT, "dry run: would restore %s (%s, taken %s) into %s, then validate: row counts, "
                            + "foreign keys, %d quer%s from %s; RPO now %.1f h (target %d h). Nothing was changed.%n",
                    name, Disk.human(bytes), WHEN.format(at), into, queries, queries == 1 ? "y" : "ies",
                    cfg.path("DRILL_VALIDATION_SQL"), rpoHours, cfg.integer("RPO_TARGET_HOURS"));
        }
        return ExitCode.OK;
    }

    /** --history: one line per past drill, oldest first. */
    public static int printHistory(List<DrillRecord> all, boolean json) {
        if (json) {
            Cli.printJson(Map.of("drills", all));
            return ExitCode.OK;
        }
        if (all.isEmpty()) System.out.println("no drills recorded yet: run " + lib.Launcher.command("dr-drill.java"));
        for (DrillRecord d : all) {
            System.out.printf(Locale.ROOT, "%s  %-4s  %-10s %-22s %-12s RTO %7.1f s  RPO %6.1f h  %s%n", WHEN.format(d.startedAt()),
                    d.result(), d.mode(), d.scenario(), d.db(), d.rtoSeconds(), Math.max(0, d.rpoSeconds()) / 3600,
                    d.backup() == null ? "-" : d.backup());
        }
        return ExitCode.OK;
    }

    /** How to remove what --keep left: the command for the scratch database or container. */
    public static String removal(DrillRecord d) {
        String name = d.into().substring(d.into().indexOf(' ') + 1);
        return d.into().startsWith("container ") ? "; remove it with: docker rm -f -v " + name
                : "; drop it with: psql -c 'DROP DATABASE \"" + name + "\"' (or in pgAdmin)";
    }

    /** The indented detail lines shared by both kinds of drill. */
    static List<String> lines(DrillRecord d) {
        String backup = d.backup() == null ? "  backup: none usable"
                : "  backup: " + d.backup() + " (" + d.backupType() + ", " + d.source() + ", " + Disk.human(d.backupBytes())
                + ", taken " + WHEN.format(d.backupAt()) + ", " + Human.age(d.backupAt()) + " ago)";
        String steps = d.steps().stream().map(s -> String.format(Locale.ROOT, "%s %.1f s", s.name(), s.seconds())).collect(Collectors.joining(", "));
        return java.util.stream.Stream.of(backup,
                d.into() == null ? null : "  restored into: " + d.into() + (d.mode().equals("configured") ? " (not the live database)" : ""),
                "  validation: " + (d.validated() ? "row counts, foreign keys and validation queries all held" : "FAILED"),
                String.format(Locale.ROOT, "  RTO: %.1f s (target %d min) %s", d.rtoSeconds(), d.rtoTargetMinutes(), d.rtoMet() ? "met" : "MISSED"),
                d.rpoSeconds() < 0 ? "  RPO: no usable backup (target " + d.rpoTargetHours() + " h) MISSED"
                        : String.format(Locale.ROOT, "  RPO: %.1f h (target %d h) %s", d.rpoSeconds() / 3600, d.rpoTargetHours(), d.rpoMet() ? "met" : "MISSED"),
                "  steps: " + steps)
                .filter(java.util.Objects::nonNull).collect(Collectors.toList());
    }
}
