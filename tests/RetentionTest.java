package tests;

import lib.BackupStore;
import lib.Config;
import lib.Log;
import lib.Retention;
import lib.volume.VolumeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class RetentionTest {
    @TempDir Path root;

    private Config cfg(String... kv) {
        Map<String, String> flags = new java.util.HashMap<>();
        for (int i = 0; i < kv.length; i += 2) flags.put(kv[i], kv[i + 1]);
        return Config.load(null, flags, Map.of("RA_INFRA_HOME", root.toString()));
    }

    private Path daily(int day, String status) throws Exception {
        return BackupStoreTest.put(root, "inventory", "daily", Instant.parse("2026-11-01T02:00:00Z").plusSeconds(86400L * day), status);
    }

    @Test
    void keepsTheNewestNOfTheTierAndDeletesWholeSets() throws Exception {
        for (int d = 1; d <= 5; d++) daily(d, "passed");
        BackupStoreTest.put(root, "inventory", "weekly", Instant.parse("2026-10-01T03:00:00Z"), "passed");
        var store = new BackupStore(root);
        Retention.Plan plan = Retention.plan(store.list("inventory"), "daily", cfg("KEEP_DAILY", "2"));
        assertThat(plan.delete()).hasSize(3).allMatch(e -> e.type().equals("daily"));
        List<Path> deleted = Retention.apply(plan, new Log(root, "t"));
        assertThat(deleted).hasSize(9);
        assertThat(store.list("inventory")).extracting(e -> e.at().toString())
                .containsExactly("2026-11-06T02:00:00Z", "2026-11-05T02:00:00Z", "2026-10-01T03:00:00Z");
    }

    @Test
    void neverDeletesTheNewestVerifiedBackup() throws Exception {
        daily(1, "passed");
        daily(2, "failed");
        daily(3, "failed");
        daily(4, null);
        BackupStoreTest.put(root, "inventory", "weekly", Instant.parse("2026-10-01T03:00:00Z"), "passed");
        var all = new BackupStore(root).list("inventory");
        assertThat(Retention.plan(all, "daily", cfg("KEEP_DAILY", "1", "KEEP_FAILED", "0")).delete()).extracting(e -> e.at().toString())
                .containsExactly("2026-11-05T02:00:00Z", "2026-11-04T02:00:00Z", "2026-11-03T02:00:00Z");
        assertThat(Retention.plan(all, "daily", cfg("KEEP_DAILY", "1", "KEEP_FAILED", "2")).delete()).extracting(e -> e.at().toString())
                .as("the newest failed or incomplete sets stay for inspection").containsExactly("2026-11-03T02:00:00Z");
        assertThat(Retention.plan(all, "weekly", cfg("KEEP_WEEKLY", "1")).delete()).isEmpty();
    }

    @Test
    void failedNightsNeverDisplaceVerifiedSets() throws Exception {
        for (int d = 1; d <= 3; d++) daily(d, "passed");
        daily(4, "failed");
        daily(5, "failed");
        daily(6, "passed");
        var store = new BackupStore(root);
        Retention.apply(Retention.plan(store.list("inventory"), "daily", cfg("KEEP_DAILY", "3")), new Log(root, "t"));
        assertThat(store.list("inventory")).filteredOn(BackupStore.Entry::verified).extracting(e -> e.at().toString())
                .as("KEEP_DAILY=3 keeps three restorable dailies").containsExactly("2026-11-07T02:00:00Z", "2026-11-04T02:00:00Z",
                        "2026-11-03T02:00:00Z");
        assertThat(store.list("inventory")).filteredOn(e -> !e.verified()).hasSize(2);
        daily(7, "failed");
        Retention.apply(Retention.plan(store.list("inventory"), "daily", cfg("KEEP_DAILY", "3", "KEEP_FAILED", "2")), new Log(root, "t"));
        assertThat(store.list("inventory")).filteredOn(e -> !e.verified()).extracting(e -> e.at().toString())
                .as("failed sets have their own count").containsExactly("2026-11-08T02:00:00Z", "2026-11-06T02:00:00Z");
        assertThat(store.list("inventory")).filteredOn(BackupStore.Entry::verified).hasSize(3);
    }

    @Test
    void setsTakenWithVerificationOffCountButNeverPushOutVerifiedOnes() throws Exception {
        for (int d = 1; d <= 4; d++) daily(d, "skipped");
        assertThat(Retention.plan(new BackupStore(root).list("inventory"), "daily", cfg("KEEP_DAILY", "3")).delete())
                .extracting(e -> e.at().toString()).as("VERIFY=none: KEEP_DAILY counts them").containsExactly("2026-11-02T02:00:00Z");
        daily(0, "passed");
        daily(5, "skipped");
        assertThat(Retention.plan(new BackupStore(root).list("inventory"), "daily", cfg("KEEP_DAILY", "3")).delete())
                .extracting(e -> e.at().toString()).containsExactly("2026-11-03T02:00:00Z", "2026-11-02T02:00:00Z");
    }

    @Test
    void setsDatedInTheFutureNeitherCountNorGoAndTheNewSetStays() throws Exception {
        Instant now = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        for (int d = 1; d <= 3; d++) BackupStoreTest.put(root, "inventory", "daily", now.plus(java.time.Duration.ofDays(d)), "passed");
        for (int d = 0; d <= 3; d++) BackupStoreTest.put(root, "inventory", "daily", now.minus(java.time.Duration.ofDays(d)), "passed");
        var all = new BackupStore(root).list("inventory");
        List<BackupStore.Entry> delete = Retention.select(all, "daily", cfg("KEEP_DAILY", "2"), e -> false, now);
        assertThat(delete).extracting(BackupStore.Entry::at)
                .containsExactly(now.minus(java.time.Duration.ofDays(2)), now.minus(java.time.Duration.ofDays(3)));
        assertThat(Retention.future(all, now)).hasSize(3);
        assertThat(Retention.futureWarning(all, "inventory", now)).get().asString()
                .startsWith("3 backup set(s) of inventory are dated in the future (newest " + now.plus(java.time.Duration.ofDays(3)) + ")");
        assertThat(Retention.futureWarning(all.subList(3, all.size()), "inventory", now)).isEmpty();
    }

    @Test
    void zeroMeansTierOffAndManualAndSafetyAreNeverPruned() throws Exception {
        for (int d = 1; d <= 3; d++) {
            BackupStoreTest.put(root, "inventory", "yearly", Instant.parse("2020-01-01T00:00:00Z").plusSeconds(d), "passed");
            BackupStoreTest.put(root, "inventory", "manual", Instant.parse("2021-01-01T00:00:00Z").plusSeconds(d), "passed");
            BackupStoreTest.put(root, "inventory", "safety", Instant.parse("2022-01-01T00:00:00Z").plusSeconds(d), "passed");
        }
        var all = new BackupStore(root).list("inventory");
        Config c = cfg("KEEP_YEARLY", "0");
        for (String tier : List.of("yearly", "manual", "safety")) assertThat(Retention.plan(all, tier, c).delete()).as(tier).isEmpty();
    }

    @Test
    void otherDatabasesAndForeignFilesAreUntouched() throws Exception {
        for (int d = 1; d <= 3; d++) daily(d, "passed");
        BackupStoreTest.put(root, "inventory_old", "daily", Instant.parse("2020-01-01T00:00:00Z"), "passed");
        Path foreign = root.resolve("daily/inventory_manual_copy.dump.zst");
        Files.writeString(foreign, "mine");
        var store = new BackupStore(root);
        Retention.apply(Retention.plan(store.list("inventory"), "daily", cfg("KEEP_DAILY", "1")), new Log(root, "t"));
        assertThat(store.list("inventory_old")).hasSize(1);
        assertThat(foreign).exists();
        assertThat(store.list("inventory")).hasSize(1);
    }

    @Test
    void volumeArchivesArePrunedPerVolumeAndTheNewestVerifiedStays() throws Exception {
        Instant day = Instant.parse("2026-11-01T02:00:00Z");
        BackupStoreTest.putVolume(root, "config", "daily", day, "passed");
        BackupStoreTest.putVolume(root, "config", "daily", day.plusSeconds(86400), "failed");
        BackupStoreTest.putVolume(root, "config", "daily", day.plusSeconds(2 * 86400), null);
        BackupStoreTest.putVolume(root, "pgadmin-data", "daily", day, "passed");
        daily(0, "passed");
        BackupStore store = new BackupStore(root);
        List<VolumeSet> config = VolumeSet.list(store, "config");
        List<VolumeSet> delete = Retention.select(config, "daily", cfg("KEEP_DAILY", "1", "KEEP_FAILED", "1"), s -> false);
        assertThat(delete).extracting(s -> s.at().toString()).containsExactly("2026-11-02T02:00:00Z");
        assertThat(Retention.delete(delete, new Log(root, "t"))).hasSize(2)
                .first().satisfies(p -> assertThat(p.toString()).as("the manifest goes first").endsWith(".volume.json"));
        assertThat(VolumeSet.list(store, "config")).hasSize(2);
        assertThat(VolumeSet.list(store, "pgadmin-data")).hasSize(1);
        assertThat(store.list("inventory")).hasSize(1);
    }
}
