package tests;

import lib.schedule.NextRun;
import lib.schedule.Trigger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.ZonedDateTime;

import static org.assertj.core.api.Assertions.assertThat;

/** Next runs as cron counts them, including across Berlin's daylight-saving changes (29 March, 25 October 2026). */
class NextRunTest {
    @ParameterizedTest(name = "{0} after {1}")
    @CsvSource(delimiter = '|', textBlock = """
        every 5m          | 2026-02-10T10:03:00Z[UTC]       | 2026-02-10T10:05Z[UTC]
        every 5m          | 2026-02-10T10:05:00Z[UTC]       | 2026-02-10T10:10Z[UTC]
        every 2h          | 2026-02-10T10:03:00Z[UTC]       | 2026-02-10T12:00Z[UTC]
        every 5m from :02 | 2026-02-10T10:00:00Z[UTC]       | 2026-02-10T10:02Z[UTC]
        every 5m from :02 | 2026-02-10T10:57:00Z[UTC]       | 2026-02-10T11:02Z[UTC]
        every 2h from :30 | 2026-02-10T10:31:00Z[UTC]       | 2026-02-10T12:30Z[UTC]
        every 1h          | 2026-02-10T23:30:00Z[UTC]       | 2026-02-11T00:00Z[UTC]
        every 24h         | 2026-02-10T00:00:00Z[UTC]       | 2026-02-11T00:00Z[UTC]
        hourly :15        | 2026-02-10T10:20:00Z[UTC]       | 2026-02-10T11:15Z[UTC]
        daily 02:00       | 2026-02-10T02:00:00Z[UTC]       | 2026-02-11T02:00Z[UTC]
        daily 02:00       | 2026-02-10T01:59:59Z[UTC]       | 2026-02-10T02:00Z[UTC]
        daily 02:00       | 2026-12-31T23:00:00Z[UTC]       | 2027-01-01T02:00Z[UTC]
        weekly Sun 03:00  | 2026-02-10T10:00:00Z[UTC]       | 2026-02-15T03:00Z[UTC]
        weekly Sun 03:00  | 2026-02-15T03:00:01Z[UTC]       | 2026-02-22T03:00Z[UTC]
        monthly 1 03:30   | 2026-02-10T10:00:00Z[UTC]       | 2026-03-01T03:30Z[UTC]
        quarterly 1 05:00 | 2026-02-10T10:00:00Z[UTC]       | 2026-04-01T05:00Z[UTC]
        quarterly 1 05:00 | 2026-10-01T05:00:00Z[UTC]       | 2027-01-01T05:00Z[UTC]
        yearly 01-01 04:00| 2026-02-10T10:00:00Z[UTC]       | 2027-01-01T04:00Z[UTC]
        yearly 03-15 04:00| 2026-02-10T10:00:00Z[UTC]       | 2026-03-15T04:00Z[UTC]
        daily 02:30       | 2026-03-29T01:00+01:00[Europe/Berlin] | 2026-03-29T03:00+02:00[Europe/Berlin]
        daily 02:30       | 2026-03-29T03:00+02:00[Europe/Berlin] | 2026-03-30T02:30+02:00[Europe/Berlin]
        every 5m          | 2026-03-29T01:58+01:00[Europe/Berlin] | 2026-03-29T03:00+02:00[Europe/Berlin]
        hourly :15        | 2026-03-29T01:20+01:00[Europe/Berlin] | 2026-03-29T03:15+02:00[Europe/Berlin]
        daily 02:30       | 2026-10-25T02:40+02:00[Europe/Berlin] | 2026-10-26T02:30+01:00[Europe/Berlin]
        hourly :15        | 2026-10-25T02:20+02:00[Europe/Berlin] | 2026-10-25T02:15+01:00[Europe/Berlin]
        every 1h          | 2026-10-25T02:00+02:00[Europe/Berlin] | 2026-10-25T02:00+01:00[Europe/Berlin]
        """)
    void nextRun(String trigger, String after, String expected) {
        assertThat(NextRun.next(Trigger.parse(trigger), ZonedDateTime.parse(after)))
                .contains(ZonedDateTime.parse(expected));
    }

    @Test
    void bootHasNoClockTime() {
        ZonedDateTime now = ZonedDateTime.parse("2026-02-10T10:00:00Z[UTC]");
        assertThat(NextRun.next(Trigger.parse("boot +1m"), now)).isEmpty();
        assertThat(NextRun.text(Trigger.parse("boot +1m"), now)).isEqualTo("at boot");
    }

    @Test
    void textIsInSystemdsFormat() {
        assertThat(NextRun.text(Trigger.parse("daily 02:00"), ZonedDateTime.parse("2026-02-10T10:00:00+01:00[Europe/Berlin]")))
                .isEqualTo("Wed 2026-02-11 02:00:00 CET");
    }
}
