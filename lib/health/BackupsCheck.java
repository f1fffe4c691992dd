package lib.health;

import lib.BackupStore;
import lib.Disk;
import lib.Report;

import java.time.Duration;
import java.time.Instant;
import java.util.*;

/**
 * 10. Backup freshness: for each scheduled type (SCHEDULED_TYPES), the newest verified backup of
 * PGDATABASE must be younger than the type's interval plus a grace period. This is what notices a
 * scheduler that silently stopped running backups.
 */
final class BackupsCheck implements Check {
    /** Interval plus grace per type: an hourly backup may be 2 h old, a daily one 26 h. */
    static final Map<String, Duration> MAX_AGE = Map.of(
            "hourly", Duration.ofHours(2),
            "daily", Duration.ofHours(26),
            "weekly", Duration.ofDays(8),
            "monthly", Duration.ofDays(32),
            "yearly", Duration.ofDays(367));

    public String name() { return "backups"; }

    public String problem() { return "backups not fresh"; }

    public CheckResult run(Probe p) {
        String db = p.config().get("PGDATABASE");
        List<BackupStore.Entry> all = new BackupStore(p.config().path("BACKUP_DIR")).list(db);
        Instant now = Instant.now();
        List<String> late = new ArrayList<>();
        List<String> fine = new ArrayList<>();
        Map<String, Object> ages = new LinkedHashMap<>();
        for (String type : p.config().list("SCHEDULED_TYPES")) {
            Optional<BackupStore.Entry> newest = all.stream().filter(e -> e.type().equals(type) && e.verified()).findFirst();
            if (newest.isEmpty()) {
                late.add("no verified " + type + " backup of " + db + " yet");
                ages.put(type + "AgeSeconds", null);
                continue;
            }
            Duration age = Duration.between(newest.get().at(), now);
            ages.put(type + "AgeSeconds", age.toSeconds());
            String text = type + " " + Report.age(age) + " old (" + Disk.human(newest.get().size()) + ")";
            if (age.compareTo(MAX_AGE.get(type)) > 0) late.add(text + ", limit " + Report.age(MAX_AGE.get(type)));
            else fine.add(text);
        }
        if (fine.isEmpty() && late.isEmpty()) return CheckResult.ok("no scheduled backup types (SCHEDULED_TYPES is empty)");
        CheckResult r = late.isEmpty() ? CheckResult.ok("newest verified: " + String.join(", ", fine))
                : CheckResult.critical(String.join("; ", late) + (fine.isEmpty() ? "" : "; " + String.join(", ", fine)),
                        "look at logs/backup.log and whether the scheduled backup task still runs; run one now: "
                                + lib.Launcher.command("backup.java --type " + p.config().list("SCHEDULED_TYPES").get(0)));
        ages.forEach(r::with);
        return r;
    }
}
