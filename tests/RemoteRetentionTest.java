package tests;

import lib.Config;
import lib.Manifest;
import lib.offsite.RemoteRetention;
import lib.offsite.RemoteStore.RemoteSet;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class RemoteRetentionTest {
    static final Instant NOW = Instant.parse("2026-11-23T12:00:00Z");

    static Config cfg(String... kv) {
        Map<String, String> flags = new HashMap<>();
        for (int i = 0; i < kv.length; i += 2) flags.put(kv[i], kv[i + 1]);
        return Config.load(null, flags, Map.of("RA_INFRA_HOME", System.getProperty("java.io.tmpdir")));
    }

    /** A set on the remote {@code daysAgo} days old; status null = incomplete (no manifest). */
    static RemoteSet set(String type, int daysAgo, String status) {
        Instant at = NOW.minus(Duration.ofDays(daysAgo));
        Manifest m = status == null ? null : new Manifest(1, "inventory", type, "x.dump.zst", null, "zstd:3", "direct", "x", "15", "15",
                at, at, 1, 1, 1, "00", null, false, List.of(), new Manifest.VerifyResult("full", status, at, 1, null));
        return new RemoteSet("inventory", type, at, "inventory_" + daysAgo + "_" + type, m, List.of());
    }

    static List<RemoteSet> sorted(List<RemoteSet> sets) {
        List<RemoteSet> out = new ArrayList<>(sets);
        out.sort(Comparator.comparing(RemoteSet::at).reversed());
        return out;
    }

    static List<String> deleted(List<RemoteSet> sets, Config cfg) {
        return RemoteRetention.plan(sorted(sets), cfg, NOW).delete().stream().map(RemoteSet::base).toList();
    }

    @Test
    void keepsTheNewestNPerTierAndLeavesOtherTiersAlone() {
        List<RemoteSet> sets = new ArrayList<>();
        for (int w = 0; w < 5; w++) sets.add(set("weekly", w * 7, "passed"));
        for (int m = 1; m <= 3; m++) sets.add(set("monthly", m * 30, "passed"));
        assertThat(deleted(sets, cfg("REMOTE_KEEP_WEEKLY", "2", "REMOTE_KEEP_MONTHLY", "2")))
                .containsExactlyInAnyOrder("inventory_14_weekly", "inventory_21_weekly", "inventory_28_weekly", "inventory_90_monthly");
    }

    @Test
    void zeroKeepsTheWholeTier() {
        List<RemoteSet> sets = new ArrayList<>();
        for (int d = 0; d < 40; d++) sets.add(set("daily", d, "passed"));
        assertThat(deleted(sets, cfg())).isEmpty();
        assertThat(deleted(sets, cfg("REMOTE_KEEP_DAILY", "30"))).hasSize(10);
    }

    @Test
    void ageRuleReplacesTheCountsForEveryTier() {
        List<RemoteSet> sets = List.of(set("weekly", 1, "passed"), set("weekly", 2600, "passed"), set("yearly", 2556, "passed"),
                set("yearly", 2558, "passed"), set("manual", 3000, "passed"));
        assertThat(deleted(sets, cfg("REMOTE_KEEP_DAYS", "2557", "REMOTE_KEEP_WEEKLY", "1")))
                .containsExactlyInAnyOrder("inventory_2600_weekly", "inventory_2558_yearly", "inventory_3000_manual");
    }

    @Test
    void neverDeletesTheNewestVerifiedCopyEvenWhenTheRuleSaysSo() {
        List<RemoteSet> sets = List.of(set("weekly", 1, "failed"), set("weekly", 8, "failed"), set("weekly", 400, "passed"));
        assertThat(deleted(sets, cfg("REMOTE_KEEP_WEEKLY", "1"))).containsExactly("inventory_8_weekly");
        assertThat(deleted(sets, cfg("REMOTE_KEEP_DAYS", "30"))).isEmpty();
    }

    @Test
    void incompleteSetsNeverCountAndGoOnceOlderThanTheOldestKept() {
        List<RemoteSet> sets = List.of(set("weekly", 0, "passed"), set("weekly", 3, null), set("weekly", 7, "passed"),
                set("weekly", 10, null), set("weekly", 14, "passed"));
        // keep 2: weekly 0 and 7 are kept; 14 goes; the incomplete one at 3 days is newer than the oldest kept and stays
        assertThat(deleted(sets, cfg("REMOTE_KEEP_WEEKLY", "2")))
                .containsExactlyInAnyOrder("inventory_10_weekly", "inventory_14_weekly");
        assertThat(deleted(sets, cfg("REMOTE_KEEP_WEEKLY", "5"))).isEmpty();
    }
}
