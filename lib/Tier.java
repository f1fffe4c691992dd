package lib;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The backup types, declared once: each with its name (the folder under BACKUP_DIR and the word in file names
 * and --type), the settings that say how many to keep locally and off-site, and how old its newest verified set
 * may get before health-check calls it stale (interval plus grace). Manual sets are kept until deleted by hand.
 */
public enum Tier {
    HOURLY(Duration.ofHours(2)),
    DAILY(Duration.ofHours(26)),
    WEEKLY(Duration.ofDays(8)),
    MONTHLY(Duration.ofDays(32)),
    YEARLY(Duration.ofDays(367)),
    MANUAL(null);

    private final Duration maxAge;

    Tier(Duration maxAge) { this.maxAge = maxAge; }

    /** "daily": the folder, the file-name word and the --type value. */
    public String id() { return name().toLowerCase(Locale.ROOT); }

    @Override
    public String toString() { return id(); }

    /** Whether sets of this type are taken on a schedule and pruned by count (all but manual). */
    public boolean scheduled() { return this != MANUAL; }

    /** KEEP_DAILY and the like: how many verified sets to keep here; empty for manual (kept until deleted). */
    public Optional<String> keepKey() { return scheduled() ? Optional.of("KEEP_" + name()) : Optional.empty(); }

    /** REMOTE_KEEP_DAILY and the like: how many to keep off-site; empty for manual (pruned by age only). */
    public Optional<String> remoteKeepKey() { return keepKey().map(k -> "REMOTE_" + k); }

    /** How old the newest verified set may be before the backups check fails; empty for manual. */
    public Optional<Duration> maxAge() { return Optional.ofNullable(maxAge); }

    /** Every type's id, in order: hourly, daily, weekly, monthly, yearly, manual. */
    public static final List<String> IDS = Arrays.stream(values()).map(Tier::id).toList();

    /** The type named {@code id} exactly (file names and settings are lower case), if it is one. */
    public static Optional<Tier> find(String id) {
        return Arrays.stream(values()).filter(t -> t.id().equals(id)).findFirst();
    }

    /** The type a --type value names; anything else is a usage error listing the types. */
    public static Tier parse(String id) {
        return find(id).orElseThrow(() -> new OpsException(ExitCode.USAGE, "unknown --type " + id, "use one of " + IDS));
    }
}
