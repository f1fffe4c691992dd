package tests;

import lib.schedule.Trigger;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Month;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The schedule language of SCHEDULE_* and --at: every form, its normal spelling, and what it refuses. */
class TriggerTest {
    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            "every 5m | every 5m", "Every  15M | every 15m", "every 1h | every 1h", "every 60m | every 1h", "every 2h | every 2h",
            "every 5m from :02 | every 5m from :02", "every 5m from :00 | every 5m", "every 2h from :30 | every 2h from :30",
            "hourly :15 | hourly :15", "daily 02:00 | daily 02:00", "2:00 | daily 02:00", "23:59 | daily 23:59",
            "weekly Sun 03:00 | weekly Sun 03:00", "sunday 3:00 | weekly Sun 03:00", "Sat 04:30 | weekly Sat 04:30",
            "monthly 1 03:30 | monthly 1 03:30", "quarterly 1 05:00 | quarterly 1 05:00", "yearly 01-01 04:00 | yearly 01-01 04:00",
            "yearly 12-24 18:00 | yearly 12-24 18:00", "boot +1m | boot +1m", "boot | boot +0m", "BOOT +10m | boot +10m"})
    void everyFormParsesAndDescribesItselfInItsNormalSpelling(String text, String normal) {
        Trigger t = Trigger.parse(text);
        assertThat(t.describe()).isEqualTo(normal);
        assertThat(Trigger.parse(t.describe())).isEqualTo(t);
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(delimiter = '|', value = {
            "every 7m | must divide an hour", "every 5m from :07 | from :07 must come before the first 5m",
            "every 2h from :60 | minute 60", "every 0m | must divide an hour", "every 5h | must divide a day",
            "daily 24:00 | hour 24", "daily 02:60 | minute 60", "hourly :75 | minute 75", "monthly 31 02:00 | day 31 is not 1-28",
            "monthly 0 02:00 | day 0", "yearly 13-01 02:00 | month 13", "Fun 02:00 | 'fun' is not a day", "at noon | is not a schedule",
            "'' | is not a schedule"})
    void nonsenseIsRefusedSayingWhy(String text, String why) {
        assertThatThrownBy(() -> Trigger.parse(text)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining(why);
    }

    @org.junit.jupiter.api.Test
    void theFormsMeanWhatTheySay() {
        assertThat(Trigger.parse("every 5m")).isEqualTo(new Trigger.Every(Duration.ofMinutes(5)));
        assertThat(Trigger.parse("every 5m from :02")).isEqualTo(new Trigger.Every(Duration.ofMinutes(5), 2));
        assertThat(Trigger.parse("weekly Sun 03:00")).isEqualTo(new Trigger.Calendar(Set.of(), null, DayOfWeek.SUNDAY, 3, 0));
        assertThat(Trigger.parse("quarterly 1 05:00")).isEqualTo(new Trigger.Calendar(
                Set.of(Month.JANUARY, Month.APRIL, Month.JULY, Month.OCTOBER), 1, null, 5, 0));
        assertThat(Trigger.parse("hourly :15")).isEqualTo(new Trigger.Calendar(Set.of(), null, null, null, 15));
        assertThat(Trigger.parse("boot +2m")).isEqualTo(new Trigger.Boot(Duration.ofMinutes(2)));
    }
}
