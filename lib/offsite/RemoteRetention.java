package lib.offsite;

import lib.Config;
import lib.Log;
import lib.OpsException;
import lib.Tier;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Pruning on the remote, with the local rules: only our sets, never the newest verified copy of a
 * database. Either an age rule for every tier (REMOTE_KEEP_DAYS &gt; 0, e.g. 2557 for seven years) or a
 * count per tier (REMOTE_KEEP_&lt;TIER&gt;; 0 keeps every set of the tier). Incomplete sets (an upload
 * that never finished) never count as kept copies; they go once they are older than the oldest kept set.
 */
public final class RemoteRetention {
    private RemoteRetention() {}

    /** What pruning would delete, and the rule that chose it. */
    public record Plan(String rule, List<RemoteStore.RemoteSet> delete) {}

    /** @param sets one database's sets on the remote, newest first */
    public static Plan plan(List<RemoteStore.RemoteSet> sets, Config cfg, Instant now) {
        Optional<RemoteStore.RemoteSet> newestVerified = sets.stream().filter(RemoteStore.RemoteSet::verified).findFirst();
        int days = cfg.integer("REMOTE_KEEP_DAYS");
        List<RemoteStore.RemoteSet> delete = new ArrayList<>();
        for (RemoteStore.RemoteSet s : sets) {
            if (newestVerified.isPresent() && newestVerified.get() == s) continue;
            if (expired(s, sets, cfg, days, now)) delete.add(s);
        }
        String rule = days > 0 ? "sets older than " + days + " days" : "per tier, REMOTE_KEEP_<TIER> newest (0 = all)";
        return new Plan(rule, delete);
    }

    private static boolean expired(RemoteStore.RemoteSet s, List<RemoteStore.RemoteSet> sets, Config cfg, int days, Instant now) {
        if (days > 0) return s.at().isBefore(now.minus(Duration.ofDays(days)));
        int keep = keepFor(s.type(), cfg);
        if (keep == 0) return false;
        List<RemoteStore.RemoteSet> tier = sets.stream().filter(x -> x.complete() && x.type().equals(s.type())).toList();
        if (s.complete()) return tier.indexOf(s) >= keep;
        return tier.size() >= keep && s.at().isBefore(tier.get(keep - 1).at());
    }

    /** REMOTE_KEEP_&lt;TIER&gt; for the scheduled tiers; manual and safety sets are only pruned by age. */
    static int keepFor(String tier, Config cfg) {
        return Tier.find(tier).flatMap(Tier::remoteKeepKey).map(cfg::integer).orElse(0);
    }

    /** Deletes the planned sets; returns the remote paths deleted. A failed delete is logged and retried next time. */
    public static List<String> apply(Plan plan, RemoteStore store, Log log) {
        List<String> deleted = new ArrayList<>();
        for (RemoteStore.RemoteSet s : plan.delete()) {
            try {
                store.delete(s);
                s.paths().forEach(p -> deleted.add(Rclone.join(store.remote(), p)));
                log.info("remote retention: deleted " + s.type() + "/" + s.base() + (s.complete() ? "" : " (incomplete upload)"));
            } catch (OpsException e) {
                log.warn("remote retention: cannot delete " + s.type() + "/" + s.base() + ": " + e.oneLine());
            }
        }
        return deleted;
    }
}
