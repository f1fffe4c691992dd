package tests;

import lib.Config;
import lib.ExitCode;
import lib.OpsException;
import lib.Proc;
import lib.schedule.*;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tests.support.Fixtures;
import tests.support.RecordingCommands;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.*;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Unit files are checked with the real systemd-analyze (verify, calendar); systemctl cannot run without a
 * running systemd, so its calls are asserted as exact argument lists.
 */
class SystemdTimersTest {
    private static final Map<String, String> PATH = Map.of("PATH", "/usr/local/bin:/usr/bin:/bin");
    private static final Task DAILY = task("backup-daily", "backup.java", List.of("--type", "daily"), "daily 02:00", Duration.ofHours(6));
    private static final Task HEALTH = task("health-check", "health-check.java", List.of(), "every 5m", Duration.ofMinutes(4));
    private static final Task STARTUP = task("verify-startup", "verify-startup.java", List.of(), "boot +1m", Duration.ofMinutes(15));

    @TempDir Path tmp;

    private static Task task(String id, String script, List<String> args, String when, Duration limit) {
        return new Task(id, Task.PREFIX + id, script, args, Trigger.parse(when), limit, id + " task");
    }

    private SystemdTimers systemd(String home, RecordingCommands rc, boolean user) {
        return new SystemdTimers(new Launch(home, false), rc, user, tmp.resolve("units"), PATH, user ? null : "postgres");
    }

    private static String text(Map<String, byte[]> files, String name) {
        return new String(files.get(name), StandardCharsets.UTF_8);
    }

    @Test
    void systemUnitsRunTheLauncherFromTheProjectWithTheCapturedPath() {
        var files = systemd("/opt/ra infra", new RecordingCommands(), false).files(List.of(DAILY));
        assertThat(files.keySet()).containsExactly("ra-infrastructure-backup-daily.service", "ra-infrastructure-backup-daily.timer");
        assertThat(text(files, "ra-infrastructure-backup-daily.service")).isEqualTo("""
                # Installed by ra-infrastructure install-tasks.java; remove with: ./jbang install-tasks.java --uninstall
                [Unit]
                Description=ra-infrastructure backup-daily: backup-daily task
                After=docker.service network-online.target
                Wants=network-online.target

                [Service]
                Type=oneshot
                WorkingDirectory=/opt/ra infra
                ExecStart="/opt/ra infra/jbang" "/opt/ra infra/backup.java" --type daily
                Environment="PATH=/usr/local/bin:/usr/bin:/bin"
                TimeoutStartSec=6h
                User=postgres
                """);
        assertThat(text(files, "ra-infrastructure-backup-daily.timer")).isEqualTo("""
                # Installed by ra-infrastructure install-tasks.java; remove with: ./jbang install-tasks.java --uninstall
                [Unit]
                Description=ra-infrastructure backup-daily: daily 02:00

                [Timer]
                OnCalendar=*-*-* 02:00:00
                Persistent=true
                Unit=ra-infrastructure-backup-daily.service

                [Install]
                WantedBy=timers.target
                """);
    }

    @Test
    void userUnitsHaveNoSystemDependenciesNoUserAndCountBootFromTheManagersStart() {
        var files = systemd("/home/me/ra", new RecordingCommands(), true).files(List.of(STARTUP));
        String service = text(files, "ra-infrastructure-verify-startup.service");
        assertThat(service).doesNotContain("After=", "Wants=", "User=").contains("TimeoutStartSec=15min\n");
        String timer = text(files, "ra-infrastructure-verify-startup.timer");
        assertThat(timer).contains("\nOnStartupSec=1min\n").doesNotContain("Persistent", "OnBootSec");
        assertThat(text(systemd("/home/me/ra", new RecordingCommands(), false).files(List.of(STARTUP)), "ra-infrastructure-verify-startup.timer"))
                .contains("\nOnBootSec=1min\n").doesNotContain("Persistent");
    }

    @Test
    void argumentsAreQuotedAndEscapedForSystemd() {
        Task odd = new Task("x", Task.PREFIX + "x", "backup.java", List.of("a b", "100%", "$HOME", "back\\slash", "q\"uote", ";", ""),
                Trigger.parse("daily 02:00"), Duration.ofSeconds(90), "odd");
        String service = text(systemd("/opt/ra", new RecordingCommands(), false).files(List.of(odd)), Task.PREFIX + "x.service");
        assertThat(service).contains("ExecStart=/opt/ra/jbang /opt/ra/backup.java \"a b\" 100%% $$HOME \"back\\\\slash\" \"q\\\"uote\" \";\" \"\"\n")
                .contains("TimeoutStartSec=90s\n");
    }

    /** Each OnCalendar= as systemd itself reads it: normalised to the same text, next elapse the same as cron's. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
        every 5m           | *-*-* *:00/5:00
        every 5m from :02  | *-*-* *:02/5:00
        every 2h from :30  | *-*-* 00/2:30:00
        every 1m           | *-*-* *:*:00
        every 1h           | *-*-* *:00:00
        every 2h           | *-*-* 00/2:00:00
        every 24h          | *-*-* 00:00:00
        hourly :15         | *-*-* *:15:00
        daily 02:00        | *-*-* 02:00:00
        weekly Sun 03:00   | Sun *-*-* 03:00:00
        monthly 1 03:30    | *-*-01 03:30:00
        quarterly 1 05:00  | *-01,04,07,10-01 05:00:00
        yearly 01-01 04:00 | *-01-01 04:00:00
        """)
    void onCalendarIsWhatSystemdExpectsAndAgreesWithCron(String when, String expected) {
        Task t = task("backup-daily", "backup.java", List.of(), when, Duration.ofHours(1));
        Matcher m = Pattern.compile("\nOnCalendar=(.*)\nPersistent=true\n")
                .matcher(text(systemd("/opt/ra", new RecordingCommands(), false).files(List.of(t)), t.name() + ".timer"));
        assertThat(m.find()).isTrue();
        assertThat(m.group(1)).isEqualTo(expected);

        String base = "2026-02-10 10:03:00";
        Proc.Result r = Proc.run(List.of("systemd-analyze", "calendar", "--base-time=" + base + " UTC", expected),
                Map.of("TZ", "UTC"), Duration.ofSeconds(30));
        assertThat(r.exit()).as(r.stderr()).isZero();
        assertThat(r.stdout()).contains("Normalized form: " + expected + "\n");
        Matcher next = Pattern.compile("Next elapse: \\w+ (\\S+ \\S+) UTC").matcher(r.stdout());
        assertThat(next.find()).as(r.stdout()).isTrue();
        ZonedDateTime after = LocalDateTime.parse(base, DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss")).atZone(java.time.ZoneId.of("UTC"));
        assertThat(NextRun.next(t.trigger(), after).map(z -> z.toLocalDateTime().toString().replace('T', ' ')))
                .contains(next.group(1).substring(0, 16));
    }

    @Test
    void systemdAnalyzeVerifyAcceptsEveryTaskInSystemAndUserScope() throws Exception {
        Path home = launcherIn(tmp.resolve("my home"));
        List<Task> all = allTasks(home);
        assertVerifies(write(systemd(home.toString(), new RecordingCommands(), false).files(all), "system"), false);
        assertVerifies(write(systemd(home.toString(), new RecordingCommands(), true).files(all), "user"), true);
    }

    @Test
    void aHostileHomeStillVerifies() throws Exception {
        Path home = launcherIn(tmp.resolve("ra 'q' 100% $HOME \\x \"d\""));
        var files = systemd(home.toString(), new RecordingCommands(), false).files(List.of(DAILY, STARTUP));
        // systemd refuses quotes and backslashes in a program path: the sh launcher is run through /bin/sh
        assertThat(text(files, DAILY.name() + ".service")).contains("\nExecStart=/bin/sh \"")
                .contains("\nWorkingDirectory=" + home.toString().replace("%", "%%") + "\n");
        assertVerifies(write(files, "hostile"), false);
    }

    @Test
    void verifyCatchesABrokenUnit() throws Exception {
        Path home = launcherIn(tmp.resolve("my home"));
        Path dir = write(systemd(home.toString(), new RecordingCommands(), false).files(List.of(DAILY)), "broken");
        Files.delete(home.resolve("jbang"));
        Proc.Result missing = verify(dir, false);
        assertThat(missing.exit()).isNotZero();
        assertThat(missing.stderr()).contains("is not executable");

        launcherIn(home);
        Path timer = dir.resolve(DAILY.name() + ".timer");
        Files.writeString(timer, Files.readString(timer).replace("OnCalendar=*-*-* 02:00:00", "OnCalendar=every day at two"));
        assertThat(verify(dir, false).stderr()).contains("Failed to parse calendar specification");
    }

    @Test
    void installWritesBothFilesReloadsAndEnablesEachTimer() {
        var rc = new RecordingCommands();
        systemd("/opt/ra", rc, false).install(List.of(DAILY, HEALTH), true);
        Path units = tmp.resolve("units");
        assertThat(rc.files.keySet()).containsExactly(units.resolve(DAILY.name() + ".service"), units.resolve(DAILY.name() + ".timer"),
                units.resolve(HEALTH.name() + ".service"), units.resolve(HEALTH.name() + ".timer"));
        assertThat(rc.commands()).containsExactly(
                List.of("systemctl", "daemon-reload"),
                List.of("systemctl", "enable", "--now", "ra-infrastructure-backup-daily.timer"),
                List.of("systemctl", "enable", "--now", "ra-infrastructure-health-check.timer"));

        var user = new RecordingCommands();
        systemd("/opt/ra", user, true).install(List.of(DAILY), false);
        assertThat(user.commands()).containsExactly(
                List.of("systemctl", "--user", "daemon-reload"),
                List.of("systemctl", "--user", "enable", "--now", "ra-infrastructure-backup-daily.timer"));
    }

    @Test
    void reinstallingLeavesUnchangedFilesAlone() throws Exception {
        onDisk(systemd("/opt/ra", new RecordingCommands(), false).files(List.of(DAILY)));
        var again = new RecordingCommands();
        systemd("/opt/ra", again, false).install(List.of(DAILY), true);
        assertThat(again.files).isEmpty();
        assertThat(again.deleted).isEmpty();
        assertThat(again.commands()).containsExactly(List.of("systemctl", "daemon-reload"),
                List.of("systemctl", "enable", "--now", "ra-infrastructure-backup-daily.timer"));
    }

    @Test
    void pruneRemovesOnlyOurUnitsThatAreNoLongerWanted() throws Exception {
        Task weekly = task("backup-weekly", "backup.java", List.of("--type", "weekly"), "weekly Sun 03:00", Duration.ofHours(6));
        onDisk(systemd("/opt/ra", new RecordingCommands(), false).files(List.of(DAILY, weekly)));
        Path units = tmp.resolve("units");
        Files.writeString(units.resolve("ra-infrastructure-custom.timer"), "[Timer]\nOnCalendar=daily\n");
        Files.writeString(units.resolve("other.timer"), SystemdTimers.MARKER + "\n[Timer]\nOnCalendar=daily\n");

        var keep = new RecordingCommands();
        systemd("/opt/ra", keep, false).install(List.of(DAILY), false);
        assertThat(keep.commands()).noneMatch(c -> c.contains("disable"));

        var rc = new RecordingCommands();
        systemd("/opt/ra", rc, false).install(List.of(DAILY), true);
        assertThat(rc.commands()).containsExactly(
                List.of("systemctl", "disable", "--now", "ra-infrastructure-backup-weekly.timer"),
                List.of("systemctl", "daemon-reload"),
                List.of("systemctl", "enable", "--now", "ra-infrastructure-backup-daily.timer"));
        assertThat(rc.deleted).containsExactlyInAnyOrder(units.resolve(weekly.name() + ".timer"), units.resolve(weekly.name() + ".service"));
    }

    @Test
    void installRefusesToReplaceAUnitItDidNotWrite() throws Exception {
        Path units = Files.createDirectories(tmp.resolve("units"));
        Files.writeString(units.resolve(DAILY.name() + ".service"), "[Service]\nExecStart=/usr/local/bin/my-own-backup\n");
        var rc = new RecordingCommands();
        assertThatThrownBy(() -> systemd("/opt/ra", rc, false).install(List.of(DAILY), true))
                .isInstanceOf(OpsException.class).hasMessageContaining("was not installed by this project")
                .satisfies(e -> assertThat(((OpsException) e).exitCode()).isEqualTo(ExitCode.USAGE));
        assertThat(rc.changes).isEmpty();
        assertThat(rc.files).isEmpty();
    }

    @Test
    void uninstallDisablesAndDeletesOnlyOurInstalledUnits() throws Exception {
        onDisk(systemd("/opt/ra", new RecordingCommands(), true).files(List.of(DAILY, HEALTH)));
        Path units = tmp.resolve("units");
        Files.writeString(units.resolve("ra-infrastructure-dr-drill.timer"), "[Timer]\nOnCalendar=daily\n");

        var rc = new RecordingCommands();
        systemd("/opt/ra", rc, true).uninstall(List.of(DAILY.name(), "ra-infrastructure-dr-drill", "ra-infrastructure-backup-yearly"));
        assertThat(rc.commands()).containsExactly(
                List.of("systemctl", "--user", "disable", "--now", "ra-infrastructure-backup-daily.timer"),
                List.of("systemctl", "--user", "daemon-reload"));
        assertThat(rc.deleted).containsExactlyInAnyOrder(units.resolve(DAILY.name() + ".timer"), units.resolve(DAILY.name() + ".service"));

        var none = new RecordingCommands();
        systemd("/opt/ra", none, true).uninstall(List.of("ra-infrastructure-backup-yearly"));
        assertThat(none.changes).isEmpty();
    }

    @Test
    void listShowsScheduleNextElapseAndState() throws Exception {
        onDisk(systemd("/opt/ra", new RecordingCommands(), false).files(List.of(DAILY, STARTUP)));
        var rc = new RecordingCommands().answering(cmd -> new Proc.Result(0, cmd.contains(DAILY.name() + ".timer")
                ? "NextElapseUSecRealtime=Wed 2026-02-11 02:00:00 UTC\nActiveState=active\n\nActiveState=inactive\nResult=exit-code\n"
                : "NextElapseUSecRealtime=\nActiveState=active\n\nActiveState=inactive\nResult=success\n", ""));
        assertThat(systemd("/opt/ra", rc, false).list()).containsExactly(
                new Platform.Installed(DAILY.name(), "OnCalendar=*-*-* 02:00:00", "Wed 2026-02-11 02:00:00 UTC", "active, last run: exit-code"),
                new Platform.Installed(STARTUP.name(), "OnBootSec=1min", "at boot", "active"));
        assertThat(rc.reads).containsExactly(
                List.of("systemctl", "show", DAILY.name() + ".timer", DAILY.name() + ".service", "--property=ActiveState,NextElapseUSecRealtime,Result"),
                List.of("systemctl", "show", STARTUP.name() + ".timer", STARTUP.name() + ".service", "--property=ActiveState,NextElapseUSecRealtime,Result"));
    }

    @Test
    void aLineBreakInAPathIsRefused() {
        assertThatThrownBy(() -> systemd("/opt/ra\nExecStartPre=/bin/evil", new RecordingCommands(), false).files(List.of(DAILY)))
                .isInstanceOf(OpsException.class).hasMessageContaining("control character");
    }

    /** Every task this project schedules, with the default schedules. */
    private static List<Task> allTasks(Path home) {
        Config cfg = Config.load(null, Map.of(), Map.of("RA_INFRA_HOME", home.toString()));
        List<Task> all = Tasks.plan(cfg, Tasks.IDS);
        assertThat(all).hasSize(Tasks.IDS.size());
        return all;
    }

    /** A project home with an executable launcher, so that verify finds ExecStart's program. */
    private static Path launcherIn(Path home) throws Exception {
        Files.createDirectories(home);
        Fixtures.shellScript(home.resolve("jbang"), "");
        return home;
    }

    private Path write(Map<String, byte[]> files, String dirName) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve(dirName));
        for (var e : files.entrySet()) Files.write(dir.resolve(e.getKey()), e.getValue());
        return dir;
    }

    private void onDisk(Map<String, byte[]> files) throws Exception {
        Path units = Files.createDirectories(tmp.resolve("units"));
        for (var e : files.entrySet()) Files.write(units.resolve(e.getKey()), e.getValue());
    }

    private void assertVerifies(Path dir, boolean user) throws Exception {
        Proc.Result r = verify(dir, user);
        assertThat(r.stderr()).isEmpty();
        assertThat(r.exit()).isZero();
    }

    /**
     * systemd-analyze verify on every unit in dir; a user manager's verify needs a runtime directory, which a
     * root shell or CI job does not have, so it gets a private one.
     */
    private Proc.Result verify(Path dir, boolean user) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("systemd-analyze"));
        if (user) cmd.add("--user");
        cmd.add("verify");
        try (var files = Files.list(dir)) {
            files.map(Path::toString).sorted().forEach(cmd::add);
        }
        Map<String, String> env = new HashMap<>();
        if (user) {
            Path runtime = Files.createDirectories(tmp.resolve("runtime"));
            Files.setPosixFilePermissions(runtime, PosixFilePermissions.fromString("rwx------"));
            env.put("XDG_RUNTIME_DIR", runtime.toString());
        }
        return Proc.run(cmd, env, Duration.ofSeconds(60));
    }
}
