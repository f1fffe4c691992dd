package lib;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * Grandfather-father-son pruning, per tier and database. KEEP_&lt;TIER&gt; counts verified sets: the newest
 * KEEP_x verified sets of a tier are kept. Sets taken with VERIFY=none count too but never push a verified
 * one out; sets that failed verification or have no manifest are kept for inspection, the newest
 * KEEP_FAILED of the tier, and never count. KEEP_x = 0 means the tier is off and is never pruned; manual
 * and safety backups are never pruned. Never deleted, whatever their tier: the newest verified set of a
 * database, a set still waiting to go off-site, and a set dated in the future (the clock was ahead when it
 * was taken): it neither counts nor ages until its time has come, so a clock put back cannot make
 * retention delete the backups taken after it. Volume archives are pruned the same way, per volume.
 */
public final class Retention {
    /** Clock differences below this are not "in the future" (a stamp is cut to the second). */
    static final Duration SKEW = Duration.ofMinutes(5);

    private Retention() {}

    /** What pruning a tier would do. */
    public record Plan(String tier, int keep, List<BackupStore.Entry> delete) {}

    /** @param all every backup of one database, any tier, newest first (as {@link BackupStore#list}) */
    public static Plan plan(List<BackupStore.Entry> all, String tier, Config cfg) {
        return plan(all, tier, cfg, e -> false);
    }

    /** As above; sets for which {@code hold} is true (not yet off-site, just written) are kept whatever their age. */
    public static Plan plan(List<BackupStore.Entry> all, String tier, Config cfg, Predicate<BackupStore.Entry> hold) {
        return new Plan(tier, keepFor(tier, cfg), select(all, tier, cfg, hold, Instant.now()));
    }

    /** {@link #select(List, String, Config, Predicate, Instant)} on the system clock. */
    public static <C extends StoredSet> List<C> select(List<C> all, String tier, Config cfg, Predicate<? super C> hold) {
        return select(all, tier, cfg, hold, Instant.now());
    }

    /**
     * The sets of {@code tier} to delete (see the class comment for what is kept).
     * @param all every set of one database or volume, any tier, newest first
     */
    public static <C extends StoredSet> List<C> select(List<C> all, String tier, Config cfg, Predicate<? super C> hold, Instant now) {
        int keep = keepFor(tier, cfg);
        if (keep <= 0) return new ArrayList<>();
        List<C> inTier = all.stream().filter(e -> e.type().equals(tier) && !future(e, now)).toList();
        Set<C> kept = new HashSet<>();
        kept.addAll(newest(inTier, StoredSet::verified, keep));
        kept.addAll(newest(inTier, e -> e.verified() || e.verifyOff(), keep));
        kept.addAll(newest(inTier, e -> !e.verified() && !e.verifyOff(), cfg.integer("KEEP_FAILED")));
        all.stream().filter(StoredSet::verified).findFirst().ifPresent(kept::add);
        return inTier.stream().filter(e -> !kept.contains(e) && !hold.test(e)).collect(Collectors.toCollection(ArrayList::new));
    }

    private static <C extends StoredSet> List<C> newest(List<C> sets, Predicate<? super C> which, int n) {
        return sets.stream().filter(which).limit(n).toList();
    }

    /** True when the set is dated after {@code now} (beyond clock skew): taken while the clock was ahead. */
    public static boolean future(StoredSet c, Instant now) {
        return c.at().isAfter(now.plus(SKEW));
    }

    /** The sets dated in the future, newest first: each run and health-check warn about them. */
    public static <C extends StoredSet> List<C> future(List<C> all, Instant now) {
        return all.stream().filter(e -> future(e, now)).toList();
    }

    /** One warning line about sets dated in the future, or empty when there are none. */
    public static Optional<String> futureWarning(List<? extends StoredSet> all, String what, Instant now) {
        List<? extends StoredSet> f = future(all, now);
        if (f.isEmpty()) return Optional.empty();
        return Optional.of(f.size() + " backup set(s) of " + what + " are dated in the future (newest " + f.get(0).at()
                + "): the clock was ahead when they were taken; retention keeps them and does not count them until then"
                + " (check the system clock; delete them by hand once newer backups exist)");
    }

    /** KEEP_&lt;TIER&gt; for the scheduled tiers; 0 (never prune) for manual and safety. */
    static int keepFor(String tier, Config cfg) {
        return Tier.find(tier).flatMap(Tier::keepKey).map(cfg::integer).orElse(0);
    }

    /** Deletes the planned sets, manifest first so a half-deleted set never looks complete. */
    public static List<Path> apply(Plan plan, Log log) {
        return delete(plan.delete(), log);
    }

    /** Deletes whole sets, each one's manifest first. */
    public static List<Path> delete(List<? extends StoredSet> sets, Log log) {
        List<Path> deleted = new ArrayList<>();
        for (StoredSet e : sets) {
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
