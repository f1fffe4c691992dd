package tests;

import lib.Config;
import lib.OpsException;
import lib.schedule.NextRun;
import lib.schedule.Task;
import lib.schedule.Tasks;
import lib.schedule.Trigger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Which tasks an install carries for a configuration, under which names, running what, and when. */
class TasksTest {
    @TempDir Path home;

    private Config config(String... kv) throws Exception {
        Files.writeString(home.resolve("dr-drill.java"), "// present");
        Map<String, String> flags = new HashMap<>();
        for (int i = 0; i < kv.length; i += 2) flags.put(kv[i], kv[i + 1]);
        return Config.load(null, flags, Map.of("RA_INFRA_HOME", home.toString()));
    }

    private static List<String> ids(List<Task> tasks) { return tasks.stream().map(Task::id).toList(); }

    @Test
    void theDefaultsAreThePrdSchedule() throws Exception {
        List<Task> tasks = Tasks.plan(config(), List.of());

        assertThat(ids(tasks)).containsExactly("health-check", "backup-daily", "backup-weekly", "backup-volumes", "verify-startup", "dr-drill");
        assertThat(tasks).extracting(Task::name).containsExactly("ra-infrastructure-health-check", "ra-infrastructure-backup-daily",
                "ra-infrastructure-backup-weekly", "ra-infrastructure-backup-volumes", "ra-infrastructure-verify-startup",
                "ra-infrastructure-dr-drill");
        assertThat(tasks).extracting(t -> t.trigger().describe())
                .containsExactly("every 5m from :02", "daily 02:00", "weekly Sun 03:10", "weekly Sun 04:30", "boot +1m", "quarterly 1 05:00");
        assertThat(tasks.get(3).args()).containsExactly("--type", "weekly", "--volumes");
        assertThat(tasks.get(5).args()).as("the quarterly drill is the real one, with its report").containsExactly("--report", "logs/drill-report.html");
        assertThat(tasks.get(1).script()).isEqualTo("backup.java");
        assertThat(tasks.get(1).args()).containsExactly("--type", "daily");
        assertThat(tasks.get(0).timeLimit()).as("a hung check ends before the next one starts").isLessThan(java.time.Duration.ofMinutes(5));
    }

    /**
     * Every task with its default schedule, walked over two years (a Sunday the 1st, New Year, both of Berlin's
     * daylight-saving changes): no two runs share a minute, let alone a second. The every-N-minutes check is
     * asked about each other run rather than walked itself (a hundred thousand runs).
     */
    @Test
    void noTwoDefaultTasksEverStartInTheSameMinute() throws Exception {
        List<Task> all = Tasks.plan(config(), Tasks.IDS);
        ZonedDateTime from = ZonedDateTime.parse("2026-01-01T00:00:00+01:00[Europe/Berlin]"), to = from.plusYears(2);
        Map<ZonedDateTime, String> runs = new HashMap<>();
        List<Task> frequent = all.stream().filter(t -> t.trigger() instanceof Trigger.Every).toList();
        assertThat(frequent).extracting(Task::id).containsExactly("health-check");
        for (Task t : all) {
            if (t.trigger() instanceof Trigger.Every || t.trigger() instanceof Trigger.Boot) continue;
            for (ZonedDateTime at = from; (at = NextRun.next(t.trigger(), at).orElseThrow()).isBefore(to); ) {
                String other = runs.put(at.withZoneSameInstant(java.time.ZoneOffset.UTC), t.id());
                assertThat(other).as(t.id() + " at " + at).isNull();
                for (Task f : frequent) {
                    assertThat(NextRun.next(f.trigger(), at.minusSeconds(1))).as(f.id() + " and " + t.id()).isNotEqualTo(Optional.of(at));
                }
            }
        }
        assertThat(runs.values()).contains("backup-yearly", "backup-monthly", "backup-volumes", "dr-drill");
    }

    @Test
    void backupTasksFollowScheduledTypesAndHourlyAlsoNeedsKeepHourly() throws Exception {
        assertThat(ids(Tasks.plan(config("SCHEDULED_TYPES", "hourly,daily,monthly,yearly"), List.of())))
                .containsExactly("health-check", "backup-hourly", "backup-daily", "backup-monthly", "backup-yearly", "verify-startup", "dr-drill");
        assertThat(ids(Tasks.plan(config("SCHEDULED_TYPES", "hourly,daily", "KEEP_HOURLY", "0"), List.of())))
                .doesNotContain("backup-hourly").contains("backup-daily");
        assertThat(ids(Tasks.plan(config("SCHEDULED_TYPES", ""), List.of()))).containsExactly("health-check", "verify-startup", "dr-drill");
    }

    @Test
    void theVolumeArchiveFollowsTheWeeklyTierAndNeedsVolumes() throws Exception {
        assertThat(ids(Tasks.plan(config("VOLUMES", ""), List.of()))).contains("backup-weekly").doesNotContain("backup-volumes");
        assertThat(ids(Tasks.plan(config("SCHEDULED_TYPES", "daily"), List.of()))).doesNotContain("backup-volumes");
        assertThat(ids(Tasks.plan(config("VOLUMES", "config"), List.of()))).contains("backup-volumes");
    }

    @Test
    void theDrillIsScheduledOnlyWhenItsScriptExists() throws Exception {
        Config cfg = config();
        Files.delete(home.resolve("dr-drill.java"));

        assertThat(ids(Tasks.plan(cfg, List.of()))).doesNotContain("dr-drill");
    }

    @Test
    void onlyPicksTasksEvenOutsideTheDefaultsAndRefusesUnknownOnes() throws Exception {
        assertThat(ids(Tasks.plan(config(), List.of("backup-hourly", " Health-Check")))).containsExactly("health-check", "backup-hourly");
        assertThatThrownBy(() -> Tasks.plan(config(), List.of("backup-nightly"))).isInstanceOf(OpsException.class)
                .hasMessageContaining("unknown task 'backup-nightly'").satisfies(e -> assertThat(((OpsException) e).hint())
                        .contains("health-check").contains("dr-drill"));
    }

    @Test
    void schedulesComeFromSettingsAndABadOneNamesItsKeyAndSource() throws Exception {
        Task daily = Tasks.plan(config(Tasks.key("backup-daily"), "01:30"), List.of("backup-daily")).get(0);
        assertThat(daily.trigger()).isEqualTo(Trigger.parse("daily 01:30"));
        assertThat(Tasks.key("verify-startup")).isEqualTo("SCHEDULE_VERIFY_STARTUP");

        assertThatThrownBy(() -> Tasks.plan(config("SCHEDULE_HEALTH_CHECK", "every 7m"), List.of()))
                .isInstanceOf(OpsException.class).hasMessageContaining("SCHEDULE_HEALTH_CHECK (from flag)")
                .hasMessageContaining("must divide an hour");
    }

    @Test
    void everyNameCarriesThePrefixSoOtherTasksAreNeverTouched() {
        assertThat(Tasks.allNames()).hasSize(Tasks.IDS.size()).allMatch(n -> n.startsWith(Task.PREFIX));
    }
}
