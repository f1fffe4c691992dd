package lib;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Grandfather-father-son pruning: each scheduled tier keeps its newest KEEP_&lt;TIER&gt; backups of a
 * database. KEEP_x = 0 means the tier is off and is never pruned; manual and safety backups are
 * never pruned. The newest verified backup of a database is never deleted, whatever its tier, nor a
 * backup still waiting to go off-site.
 */
public final class Retention {
    private Retention() {}

    /** What pruning a tier would do. */
    public record Plan(String tier, int keep, List<BackupStore.Entry> delete) {}

    /** @param all every backup of one database, any tier, newest first (as {@link BackupStore#list}) */
    public static Plan plan(List<BackupStore.Entry> all, String tier, Config cfg) {
        return plan(all, tier, cfg, e -> false);
    }

    /** As above; sets for which {@code hold} is true (not yet off-site) are kept whatever their age. */
    public static Plan plan(List<BackupStore.Entry> all, String tier, Config cfg, java.util.function.Predicate<BackupStore.Entry> hold) {
        int keep = keepFor(tier, cfg);
        List<BackupStore.Entry> delete = new ArrayList<>();
        if (keep <= 0) return new Plan(tier, keep, delete);
        Optional<BackupStore.Entry> newestVerified = all.stream().filter(BackupStore.Entry::verified).findFirst();
        List<BackupStore.Entry> inTier = all.stream().filter(e -> e.type().equals(tier)).toList();
        for (int i = keep; i < inTier.size(); i++) {
            BackupStore.Entry e = inTier.get(i);
            if (newestVerified.isPresent() && newestVerified.get().dump().equals(e.dump()) || hold.test(e)) continue;
            delete.add(e);
        }
        return new Plan(tier, keep, delete);
    }

    /** KEEP_&lt;TIER&gt; for the scheduled tiers; 0 (never prune) for manual and safety. */
    static int keepFor(String tier, Config cfg) {
        return switch (tier) {
            case "hourly", "daily", "weekly", "monthly", "yearly" -> cfg.integer("KEEP_" + tier.toUpperCase(Locale.ROOT));
            default -> 0;
        };
    }

    /** Deletes the planned sets, manifest first so a half-deleted set never looks complete. */
    public static List<Path> apply(Plan plan, Log log) {
        List<Path> deleted = new ArrayList<>();
        for (BackupStore.Entry e : plan.delete()) {
            List<Path> files = new ArrayList<>(e.files());
            files.sort((a, b) -> Boolean.compare(!a.toString().endsWith(".manifest.json"), !b.toString().endsWith(".manifest.json")));
            for (Path f : files) {
                try {
                    Files.deleteIfExists(f);
                    deleted.add(f);
                    log.info("retention: deleted " + f);
                } catch (IOException ex) {
                    log.warn("retention: cannot delete " + f + ": " + ex.getMessage());
                }
            }
        }
        return deleted;
    }
}
