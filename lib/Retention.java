package lib;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Grandfather-father-son pruning: each scheduled tier keeps its newest KEEP_&lt;TIER&gt; backups of a
 * database. KEEP_x = 0 means the tier is off and is never pruned; manual and safety backups are
 * never pruned. The newest verified backup of a database is never deleted, whatever its tier, nor a
 * backup still waiting to go off-site. Volume archives are pruned the same way, per volume.
 */
public final class Retention {
    private Retention() {}

    /** What pruning a tier would do. */
    public record Plan(String tier, int keep, List<BackupStore.Entry> delete) {}

    /** A stored set retention may keep or delete: a database backup or a volume archive. */
    public interface Candidate {
        String type();

        boolean verified();

        /** The set's manifest (null when missing): it goes first, so a half-deleted set never looks complete. */
        Path manifestFile();

        /** Every file of the set that exists. */
        List<Path> files();
    }

    /** @param all every backup of one database, any tier, newest first (as {@link BackupStore#list}) */
    public static Plan plan(List<BackupStore.Entry> all, String tier, Config cfg) {
        return plan(all, tier, cfg, e -> false);
    }

    /** As above; sets for which {@code hold} is true (not yet off-site) are kept whatever their age. */
    public static Plan plan(List<BackupStore.Entry> all, String tier, Config cfg, Predicate<BackupStore.Entry> hold) {
        return new Plan(tier, keepFor(tier, cfg), select(all, tier, cfg, hold));
    }

    /**
     * The sets of {@code tier} to delete: all but the newest KEEP_&lt;TIER&gt;, never the newest verified set
     * of any tier, never one {@code hold} keeps.
     * @param all every set of one database or volume, any tier, newest first
     */
    public static <C extends Candidate> List<C> select(List<C> all, String tier, Config cfg, Predicate<? super C> hold) {
        int keep = keepFor(tier, cfg);
        List<C> delete = new ArrayList<>();
        if (keep <= 0) return delete;
        Optional<C> newestVerified = all.stream().filter(Candidate::verified).findFirst();
        List<C> inTier = all.stream().filter(e -> e.type().equals(tier)).toList();
        for (int i = keep; i < inTier.size(); i++) {
            C e = inTier.get(i);
            if (newestVerified.isPresent() && newestVerified.get().equals(e) || hold.test(e)) continue;
            delete.add(e);
        }
        return delete;
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
        return delete(plan.delete(), log);
    }

    /** Deletes whole sets, each one's manifest first. */
    public static List<Path> delete(List<? extends Candidate> sets, Log log) {
        List<Path> deleted = new ArrayList<>();
        for (Candidate e : sets) {
            List<Path> files = new ArrayList<>(e.files());
            files.sort(Comparator.comparing((Path f) -> !f.equals(e.manifestFile())));
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
