package lib.health;

import lib.BackupStore;
import lib.Disk;
import lib.Human;
import lib.Retention;
import lib.Tier;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.*;
import java.util.stream.Collectors;

/**
 * 10. Backup freshness: for each scheduled type (SCHEDULED_TYPES), the newest verified backup of
 * PGDATABASE must be younger than the type's interval plus a grace period. This is what notices a
 * scheduler that silently stopped running backups. A type with no backup yet is not late while the
 * first backup of this database (any type: the kit began here then) is younger than that limit: a new
 * weekly schedule is due within a week of the first daily, not at once. With no backup at all there is no
 * such start, and the check is critical until one is taken. Sets dated in the future (the clock was ahead)
 * do not count and make the check warn.
 */
final class BackupsCheck implements Check {

    public String name() { return "backups"; }

    public String problem() { return "backups not fresh"; }

    public CheckResult run(Probe p) {
        String db = p.config().get("PGDATABASE");
        Instant now = Instant.now();
        List<BackupStore.Entry> all = new BackupStore(p.config().path("BACKUP_DIR")).list(db);
        List<BackupStore.Entry> past = all.stream().filter(e -> !Retention.future(e, now)).toList();
        Optional<Instant> start = past.isEmpty() ? Optional.empty() : Optional.of(past.get(past.size() - 1).at());
        List<String> late = new ArrayList<>();
        List<String> fine = new ArrayList<>();
        List<String> overdue = new ArrayList<>();
        Map<String, Object> ages = new LinkedHashMap<>();
        for (String type : p.config().list("SCHEDULED_TYPES")) {
            Optional<BackupStore.Entry> newest = past.stream().filter(e -> e.type().equals(type) && e.verified()).findFirst();
            Duration limit = Tier.parse(type).maxAge().orElseThrow(); // SCHEDULED_TYPES holds scheduled tiers only
            if (newest.isEmpty()) {
                ages.put(type + "AgeSeconds", null);
                if (start.isPresent() && Duration.between(start.get(), now).compareTo(limit) <= 0) {
                    fine.add("no " + type + " yet (first due by " + start.get().plus(limit).truncatedTo(ChronoUnit.MINUTES) + ")");
                } else {
                    late.add("no verified " + type + " backup of " + db + " yet");
                    overdue.add(type);
                }
                continue;
            }
            Duration age = Duration.between(newest.get().at(), now);
            ages.put(type + "AgeSeconds", age.toSeconds());
            String text = type + " " + Human.age(age) + " old (" + Disk.human(newest.get().size()) + ")";
            if (age.compareTo(limit) > 0) {
                late.add(text + ", limit " + Human.age(limit));
                overdue.add(type);
            } else {
                fine.add(text);
            }
        }
        Optional<String> future = Retention.futureWarning(all, db, now);
        CheckResult r = result(late, fine, overdue, future);
        ages.forEach(r::with);
        return r;
    }

    private static CheckResult result(List<String> late, List<String> fine, List<String> overdue, Optional<String> future) {
        String extra = future.map(f -> "; " + f).orElse("");
        if (!late.isEmpty()) {
            return CheckResult.critical(String.join("; ", late) + (fine.isEmpty() ? "" : "; " + String.join(", ", fine)) + extra,
                    "look at logs/backup.log and whether the scheduled backup task still runs; run it now: "
                            + overdue.stream().map(t -> lib.Launcher.command("backup.java --type " + t)).collect(Collectors.joining(" and ")));
        }
        if (future.isPresent()) {
            return CheckResult.of(Status.WARNING, (fine.isEmpty() ? "" : "newest verified: " + String.join(", ", fine) + "; ") + future.get())
                    .action("check the system clock (time zone, NTP); the sets keep their future names until their time has come");
        }
        if (fine.isEmpty()) return CheckResult.ok("no scheduled backup types (SCHEDULED_TYPES is empty)");
        return CheckResult.ok("newest verified: " + String.join(", ", fine));
    }
}
