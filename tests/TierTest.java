package tests;

import lib.Config;
import lib.ExitCode;
import lib.OpsException;
import lib.Tier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The backup types declared once, and every setting they name exists with a default. */
class TierTest {
    @Test
    void theTypesInOrderWithTheirSettingsAndAgeLimits() {
        assertThat(Tier.IDS).containsExactly("hourly", "daily", "weekly", "monthly", "yearly", "manual");
        assertThat(Tier.DAILY.keepKey()).contains("KEEP_DAILY");
        assertThat(Tier.YEARLY.remoteKeepKey()).contains("REMOTE_KEEP_YEARLY");
        assertThat(Tier.HOURLY.maxAge()).contains(Duration.ofHours(2));
        assertThat(Tier.MANUAL.scheduled()).isFalse();
        assertThat(Tier.MANUAL.keepKey()).isEmpty();
        assertThat(Tier.MANUAL.maxAge()).isEmpty();
    }

    @Test
    void everyScheduledTierHasKeepSettingsWithDefaultsAndAnAgeLimit(@TempDir Path home) {
        Config defaults = Config.load(null, Map.of(), Map.of("RA_INFRA_HOME", home.toString()));
        for (Tier t : Arrays.stream(Tier.values()).filter(Tier::scheduled).toList()) {
            assertThat(defaults.integer(t.keepKey().orElseThrow())).as(t + " keep").isNotNegative();
            assertThat(defaults.integer(t.remoteKeepKey().orElseThrow())).as(t + " remote keep").isNotNegative();
            assertThat(t.maxAge()).as(t + " age limit").isPresent();
        }
    }

    @Test
    void onlyExactIdsAreTypes() {
        assertThat(Tier.find("weekly")).contains(Tier.WEEKLY);
        assertThat(Tier.find("Weekly")).as("file names and settings are lower case").isEmpty();
        assertThat(Tier.find("safety")).isEmpty();
        assertThatThrownBy(() -> Tier.parse("nightly")).isInstanceOf(OpsException.class)
                .hasMessageContaining("unknown --type nightly")
                .satisfies(e -> assertThat(((OpsException) e).exitCode()).isEqualTo(ExitCode.USAGE))
                .satisfies(e -> assertThat(((OpsException) e).hint()).contains("hourly, daily, weekly, monthly, yearly, manual"));
    }
}
