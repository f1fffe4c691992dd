package tests;

import lib.ExitCode;
import lib.Log;
import lib.OpsException;
import lib.Proc;
import lib.schedule.*;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tests.support.RecordingCommands;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Entries checked by the real crontab -n; installs and uninstalls through the real crontab of the postgres account. */
class CronTableTest {
    private static final String USER = "postgres";
    private static final Map<String, String> PATH = Map.of("PATH", "/usr/local/bin:/usr/bin:/bin");
    private static final Task DAILY = task("backup-daily", "backup.java", List.of("--type", "daily"), "daily 02:00");
    private static final Task HEALTH = task("health-check", "health-check.java", List.of(), "every 5m");
    private static final Task WEEKLY = task("backup-weekly", "backup.java", List.of("--type", "weekly"), "weekly Sun 03:00");
    /** The operator's own lines, which must survive every step unchanged. */
    private static final String MINE = "# my jobs\nMAILTO=\"ops@example.com\"\n0 1 * * * /usr/bin/true\n";
    private static final String AFTER = "# added after the block\nSHELL=/bin/sh\n30 4 * * 1 /usr/bin/echo after\n";

    @TempDir Path tmp;
    private String saved;

    private static Task task(String id, String script, List<String> args, String when) {
        return new Task(id, Task.PREFIX + id, script, args, Trigger.parse(when), Duration.ofHours(1), id + " task");
    }

    private CronTable cron(String home, Commands commands) {
        return new CronTable(new Launch(home, false), commands, USER, PATH, tmp.resolve("scratch"));
    }

    private static String block(CronTable c, List<Task> tasks) {
        return new String(c.files(tasks).get(CronTable.FILE), StandardCharsets.UTF_8);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
        every 5m           | */5 * * * *
        every 5m from :02  | 2-59/5 * * * *
        every 2h from :30  | 30 */2 * * *
        every 1m           | * * * * *
        every 1h           | 0 * * * *
        every 2h           | 0 */2 * * *
        every 24h          | 0 0 * * *
        hourly :15         | 15 * * * *
        daily 02:00        | 0 2 * * *
        weekly Sun 03:00   | 0 3 * * 0
        weekly Mon 03:00   | 0 3 * * 1
        monthly 1 03:30    | 30 3 1 * *
        quarterly 1 05:00  | 0 5 1 1,4,7,10 *
        yearly 01-01 04:00 | 0 4 1 1 *
        boot +1m           | @reboot sleep 60 &&
        boot               | @reboot cd
        """)
    void timeFields(String when, String expected) {
        String b = block(cron("/opt/ra", new RecordingCommands()), List.of(task("backup-daily", "backup.java", List.of(), when)));
        assertThat(b.lines().toList().get(2)).startsWith(expected + " ");
    }

    @Test
    void theBlockForAHostileHome() {
        String home = "/srv/my ra's 100% home";
        assertThat(block(cron(home, new RecordingCommands()), List.of(DAILY))).isEqualTo("""
                # BEGIN ra-infrastructure (managed by install-tasks.java; do not edit inside)
                # ra-infrastructure-backup-daily: daily 02:00
                0 2 * * * cd '/srv/my ra'\\''s 100'\\%' home' && PATH='/usr/local/bin:/usr/bin:/bin' \
                '/srv/my ra'\\''s 100'\\%' home/jbang' '/srv/my ra'\\''s 100'\\%' home/backup.java' --type daily >/dev/null
                # END ra-infrastructure
                """);
    }

    @Test
    void crontabAcceptsEveryEntryAndRefusesABrokenOne() throws Exception {
        List<Task> all = new ArrayList<>();
        for (String when : List.of("every 5m", "every 5m from :02", "every 2h", "every 2h from :30", "hourly :15", "daily 02:00", "weekly Sun 03:00", "monthly 1 03:30",
                "quarterly 1 05:00", "yearly 01-01 04:00", "boot +1m")) {
            all.add(task(when.replaceAll("\\W+", "-"), "backup.java", List.of("--type", "x y"), when));
        }
        Path file = tmp.resolve("table");
        Files.writeString(file, block(cron("/srv/my ra's 100% \"home\" \\x", new RecordingCommands()), all));
        Proc.Result ok = Proc.run(List.of("crontab", "-n", file.toString()), Map.of(), Duration.ofSeconds(30));
        assertThat(ok.exit()).as(ok.stderr()).isZero();

        Files.writeString(file, Files.readString(file).replace("*/5 * * * *", "*/5 * * *"));
        assertThat(Proc.run(List.of("crontab", "-n", file.toString()), Map.of(), Duration.ofSeconds(30)).exit()).isNotZero();
    }

    @Test
    void installChecksTheNewTableThenInstallsItThroughStdin() {
        var rc = new RecordingCommands().answering(cmd -> cmd.contains("-l")
                ? new Proc.Result(1, "", "no crontab for postgres\n") : new Proc.Result(0, "", ""));
        CronTable c = cron("/opt/ra", rc);
        c.install(List.of(DAILY), true);
        assertThat(rc.reads).hasSize(2);
        assertThat(rc.reads.get(0)).containsExactly("crontab", "-u", USER, "-l");
        assertThat(rc.reads.get(1)).startsWith("crontab", "-u", USER, "-n").hasSize(5);
        assertThat(rc.changes).containsExactly(new RecordingCommands.Call(List.of("crontab", "-u", USER, "-"), block(c, List.of(DAILY))));
        assertThat(tmp.resolve("scratch")).isEmptyDirectory();
    }

    @Test
    void theOneChangeOutsideTheBlockIsAMissingFinalNewline() {
        var rc = new RecordingCommands().answering(cmd -> new Proc.Result(0, MINE.strip(), ""));
        CronTable c = cron("/opt/ra", rc);
        c.install(List.of(DAILY), true);
        assertThat(rc.changes.get(0).stdin()).isEqualTo(MINE + "\n" + block(c, List.of(DAILY)));

        var unchanged = new RecordingCommands().answering(cmd -> new Proc.Result(0, MINE.strip(), ""));
        cron("/opt/ra", unchanged).uninstall(Tasks.allNames());
        assertThat(unchanged.changes).as("no block: nothing to fix").isEmpty();
    }

    @Test
    void aFailingCrontabListIsAnErrorNotAnEmptyTable() {
        var rc = new RecordingCommands().answering(cmd -> new Proc.Result(1, "", "must be privileged to use -u\n"));
        assertThatThrownBy(() -> cron("/opt/ra", rc).install(List.of(DAILY), true))
                .isInstanceOf(OpsException.class).hasMessageContaining("must be privileged")
                .satisfies(e -> assertThat(((OpsException) e).exitCode()).isEqualTo(ExitCode.UNAVAILABLE));
        assertThat(rc.changes).isEmpty();
    }

    @Test
    void aBlockWithoutItsEndIsNotGuessedAt() {
        var rc = new RecordingCommands().answering(cmd -> new Proc.Result(0, MINE + CronTable.BEGIN + "\n0 2 * * * x\n", ""));
        assertThatThrownBy(() -> cron("/opt/ra", rc).uninstall(List.of(DAILY.name())))
                .isInstanceOf(OpsException.class).hasMessageContaining("no '" + CronTable.END + "'");
        assertThat(rc.changes).isEmpty();
    }

    @Test
    void aCrontabThatRefusesTheTableChangesNothing() {
        var rc = new RecordingCommands().answering(cmd -> cmd.contains("-n")
                ? new Proc.Result(1, "", "\"table\":3: bad minute\nerrors in crontab file, can't install.\n") : new Proc.Result(0, MINE, ""));
        assertThatThrownBy(() -> cron("/opt/ra", rc).install(List.of(DAILY), true))
                .isInstanceOf(OpsException.class).hasMessageContaining("bad minute");
        assertThat(rc.changes).isEmpty();
    }

    @Test
    void listReadsTheBlockAndCountsTheNextRuns() {
        CronTable c = cron("/opt/ra", new RecordingCommands());
        String table = MINE + "\n" + block(c, List.of(DAILY, task("verify-startup", "verify-startup.java", List.of(), "boot +1m"))) + AFTER;
        var rc = new RecordingCommands().answering(cmd -> new Proc.Result(0, table, ""));
        ZonedDateTime now = ZonedDateTime.parse("2026-02-10T10:00:00+01:00[Europe/Berlin]");
        assertThat(cron("/opt/ra", rc).list(now)).containsExactly(
                new Platform.Installed(DAILY.name(), "daily 02:00", "Wed 2026-02-11 02:00:00 CET", "installed"),
                new Platform.Installed("ra-infrastructure-verify-startup", "boot +1m", "at boot", "installed"));
        assertThat(cron("/opt/ra", new RecordingCommands()).list(now)).isEmpty();
    }

    @Test
    void aLineBreakInAPathIsRefused() {
        assertThatThrownBy(() -> block(cron("/opt/ra\n* * * * * evil", new RecordingCommands()), List.of(DAILY)))
                .isInstanceOf(OpsException.class).hasMessageContaining("control character");
    }

    /** Keeps the postgres account's crontab as it was before the test. */
    @BeforeEach
    void saveCrontab() {
        if (!canUseCrontabOfPostgres()) return;
        Proc.Result r = crontab("-l");
        saved = r.ok() ? r.stdout() : null;
    }

    @AfterEach
    void restoreCrontab() {
        if (!canUseCrontabOfPostgres()) return;
        if (saved == null) crontab("-r");
        else setTable(saved);
    }

    @Test
    void realRoundTripLeavesTheOperatorsLinesAlone() {
        requireCrontabOfPostgres();
        setTable(MINE);
        Counting real = new Counting(lib.schedule.SystemCommands.real(new Log(tmp, "test")));
        CronTable c = cron("/srv/my ra's 100% home", real);

        c.install(List.of(DAILY, HEALTH), true);
        assertThat(table()).isEqualTo(MINE + "\n" + block(c, List.of(DAILY, HEALTH)));

        setTable(table() + AFTER);
        int changes = real.changes;
        c.install(List.of(DAILY, HEALTH), true);
        assertThat(real.changes).as("a second install changes nothing").isEqualTo(changes);

        c.install(List.of(WEEKLY), false);
        assertThat(table()).isEqualTo(MINE + "\n" + block(c, List.of(DAILY, HEALTH, WEEKLY)) + AFTER);

        c.install(List.of(DAILY, WEEKLY), true);
        assertThat(table()).isEqualTo(MINE + "\n" + block(c, List.of(DAILY, WEEKLY)) + AFTER);

        c.uninstall(List.of(DAILY.name()));
        assertThat(table()).isEqualTo(MINE + "\n" + block(c, List.of(WEEKLY)) + AFTER);
        assertThat(c.list()).extracting(Platform.Installed::name).containsExactly(WEEKLY.name());

        c.uninstall(Tasks.allNames());
        assertThat(table()).isEqualTo(MINE + "\n" + AFTER);
        changes = real.changes;
        c.uninstall(Tasks.allNames());
        assertThat(real.changes).as("nothing to uninstall changes nothing").isEqualTo(changes);
    }

    @Test
    void realInstallThenUninstallRestoresTheTableExactly() {
        requireCrontabOfPostgres();
        CronTable c = cron("/srv/ra", lib.schedule.SystemCommands.real(new Log(tmp, "test")));

        setTable(MINE);
        c.install(List.of(DAILY), true);
        assertThat(table()).isEqualTo(MINE + "\n" + block(c, List.of(DAILY)));
        c.uninstall(List.of(DAILY.name()));
        assertThat(table()).isEqualTo(MINE);

        crontab("-r");
        c.install(List.of(DAILY), true);
        assertThat(table()).isEqualTo(block(c, List.of(DAILY)));
        c.uninstall(List.of(DAILY.name()));
        assertThat(crontab("-l").stderr()).contains("no crontab for " + USER);
    }

    /**
     * The real cron daemon runs the entry: working directory, PATH and arguments arrive intact through cron's
     * % handling and sh's quoting. Unless a cron daemon is already running, one is started for the minute this
     * takes (it also runs whatever else is due on this machine in that minute).
     */
    @Test
    void realCronRunsTheEntryWithPathsAndArgumentsIntact() throws Exception {
        requireCrontabOfPostgres();
        Path daemon = Path.of("/usr/sbin/cron");
        if (!Files.isExecutable(daemon) && "true".equals(System.getenv("CI"))) throw new AssertionError("CI needs the cron package");
        assumeTrue(Files.isExecutable(daemon), "no cron daemon installed");
        // the postgres account must reach the project and the output file
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path home = Files.createDirectories(tmp.resolve("ra 'q' 100% $HOME \\x \"d\""));
        Path out = Files.writeString(tmp.resolve("out"), "");
        Files.setPosixFilePermissions(out, PosixFilePermissions.fromString("rw-rw-rw-"));
        Path launcher = Files.writeString(home.resolve("jbang"), "#!/bin/sh\nprintf '%s|%s|%s\\n' \"$(pwd)\" \"$PATH\" \"$*\" >> " + out + "\n");
        Files.setPosixFilePermissions(launcher, PosixFilePermissions.fromString("rwxr-xr-x"));
        Task everyMinute = new Task("x", Task.PREFIX + "x", "backup.java", List.of("--type", "it's 100%"), Trigger.parse("every 1m"),
                Duration.ofMinutes(1), "x");
        new CronTable(new Launch(home.toString(), false), lib.schedule.SystemCommands.real(new Log(tmp, "test")), USER,
                Map.of("PATH", "/usr/bin:/a b:100%:/bin"), tmp.resolve("scratch")).install(List.of(everyMinute), true);

        boolean running = ProcessHandle.allProcesses().anyMatch(p -> p.info().command().map(c -> c.endsWith("/cron")).orElse(false));
        Process cron = running ? null : new ProcessBuilder(daemon.toString(), "-f").redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        try {
            for (int i = 0; i < 75 && Files.size(out) == 0; i++) Thread.sleep(1000);
        } finally {
            if (cron != null) {
                cron.destroy();
                cron.waitFor(10, java.util.concurrent.TimeUnit.SECONDS);
            }
        }
        assertThat(Files.readString(out)).startsWith(home + "|/usr/bin:/a b:100%:/bin|" + home + "/backup.java --type it's 100%\n");
    }

    /** Counts the changes made through real commands. */
    private static final class Counting implements Commands {
        private final Commands real;
        int changes;

        Counting(Commands real) { this.real = real; }

        @Override public Proc.Result change(List<String> cmd, String stdin) {
            changes++;
            return real.change(cmd, stdin);
        }

        @Override public Proc.Result read(List<String> cmd) { return real.read(cmd); }
        @Override public void write(Path file, byte[] content) { real.write(file, content); }
        @Override public void delete(Path file) { real.delete(file); }
        @Override public boolean dryRun() { return real.dryRun(); }
    }

    private static boolean canUseCrontabOfPostgres() {
        return "root".equals(System.getProperty("user.name"))
                && Proc.run(List.of("id", USER), Map.of(), Duration.ofSeconds(10)).ok();
    }

    /** The round trips need root and a postgres account; CI has both, elsewhere they are skipped. */
    private static void requireCrontabOfPostgres() {
        boolean ok = canUseCrontabOfPostgres();
        if (!ok && "true".equals(System.getenv("CI"))) throw new AssertionError("CI runs these tests as root with a postgres account");
        assumeTrue(ok, "needs root and a postgres account to use crontab -u postgres");
    }

    private static Proc.Result crontab(String arg) {
        return Proc.run(List.of("crontab", "-u", USER, arg), Map.of(), Duration.ofSeconds(30));
    }

    private static String table() {
        Proc.Result r = crontab("-l");
        assertThat(r.exit()).as(r.stderr()).isZero();
        return r.stdout();
    }

    private static void setTable(String text) {
        Proc.Result r = Proc.run(List.of("crontab", "-u", USER, "-"), Map.of(), Duration.ofSeconds(30),
                new java.io.ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)), null);
        assertThat(r.exit()).as(r.stderr()).isZero();
    }
}
