package tests;

import lib.ExitCode;
import lib.OpsException;
import lib.Proc;
import lib.schedule.Commands;
import lib.schedule.Launch;
import lib.schedule.Platform.Installed;
import lib.schedule.Task;
import lib.schedule.TaskXml;
import lib.schedule.Tasks;
import lib.schedule.Trigger;
import lib.schedule.WindowsTasks;
import org.junit.jupiter.api.Test;
import tests.support.RecordingCommands;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * schtasks cannot run on Linux, so its calls are asserted as exact argument lists. The commands here
 * record every call and, like SystemCommands, throw when a change exits non-zero.
 */
class WindowsTasksTest {
    static final Path TEMP = Path.of("/tmp/ra-infrastructure-tasks");
    static final Launch LAUNCH = new Launch("C:\\Users\\Ops Team\\ra infra", true);
    static final String USER = "DESKTOP-1\\Ops Team";
    static final Proc.Result OK = new Proc.Result(0, "", "");
    static final Proc.Result MISSING = new Proc.Result(1, "", "ERROR: The system cannot find the file specified.");

    static final Task HEALTH = new Task("health-check", "ra-infrastructure-health-check", "health-check.java", List.of(),
            Trigger.parse("every 5m"), Duration.ofMinutes(4), "PostgreSQL health check with alerts");
    static final Task DAILY = new Task("backup-daily", "ra-infrastructure-backup-daily", "backup.java", List.of("--type", "daily"),
            Trigger.parse("daily 02:00"), Duration.ofHours(6), "daily verified backup");
    static final Task STARTUP = new Task("verify-startup", "ra-infrastructure-verify-startup", "verify-startup.java", List.of(),
            Trigger.parse("boot +1m"), Duration.ofMinutes(15), "after boot or logon: wait for Docker, start the containers, check health");
    static final List<Task> TASKS = List.of(HEALTH, DAILY, STARTUP);

    /** Records writes, runs and deletes as one ordered log; a failed change throws as SystemCommands does. */
    static final class Observed implements Commands {
        final RecordingCommands rec;
        final List<String> events = new ArrayList<>();
        final Map<Path, byte[]> written = new LinkedHashMap<>();

        Observed(Function<List<String>, Proc.Result> answers) { rec = new RecordingCommands().answering(answers); }

        @Override public Proc.Result change(List<String> cmd, String stdin) {
            events.add("run " + String.join(" ", cmd));
            Proc.Result r = rec.change(cmd, stdin);
            if (!r.ok()) throw new OpsException(ExitCode.FAILED, String.join(" ", cmd) + " failed: " + r.lastError(), null);
            return r;
        }

        @Override public Proc.Result read(List<String> cmd) { return rec.read(cmd); }

        @Override public void write(Path file, byte[] content) {
            events.add("write " + file);
            written.put(file, content.clone());
            rec.write(file, content);
        }

        @Override public void delete(Path file) {
            events.add("delete " + file);
            rec.delete(file);
        }

        @Override public boolean dryRun() { return false; }
    }

    /** Answers schtasks /Query for the given names as present, for everything else as missing. */
    static Function<List<String>, Proc.Result> existing(Set<String> names) {
        return cmd -> cmd.get(1).equals("/Query") && !names.contains(cmd.get(3)) ? MISSING : OK;
    }

    static WindowsTasks windows(Commands c) { return new WindowsTasks(LAUNCH, c, TEMP, USER, false, true); }

    static String xml(String name) { return TEMP.resolve(name + ".xml").toString(); }

    @Test
    void idIsWindows() {
        assertThat(windows(new RecordingCommands()).id()).isEqualTo("windows");
    }

    @Test
    void installWritesEachXmlRegistersItFromThatFileThenDeletesIt() {
        var c = new Observed(existing(Set.of()));
        windows(c).install(TASKS, false);
        List<String> expected = new ArrayList<>();
        for (Task t : TASKS) {
            expected.add("write " + xml(t.name()));
            expected.add("run schtasks /Create /TN " + t.name() + " /XML " + xml(t.name()) + " /F");
            expected.add("delete " + xml(t.name()));
        }
        assertThat(c.events).containsExactlyElementsOf(expected);
        assertThat(c.rec.commands().get(0)).containsExactly(
                "schtasks", "/Create", "/TN", "ra-infrastructure-health-check", "/XML", xml("ra-infrastructure-health-check"), "/F");
        assertThat(c.rec.files).isEmpty();
        assertThat(c.rec.reads).isEmpty();
    }

    @Test
    void filesAreExactlyWhatInstallWritesKeyedByTaskFileName() {
        var c = new Observed(existing(Set.of()));
        WindowsTasks w = windows(c);
        Map<String, byte[]> files = w.files(TASKS);
        w.install(TASKS, false);
        assertThat(files.keySet()).containsExactly(
                "ra-infrastructure-health-check.xml", "ra-infrastructure-backup-daily.xml", "ra-infrastructure-verify-startup.xml");
        for (var e : files.entrySet()) assertThat(c.written.get(TEMP.resolve(e.getKey()))).as(e.getKey()).isEqualTo(e.getValue());
        assertThat(files.get("ra-infrastructure-health-check.xml"))
                .isEqualTo(new TaskXml(LAUNCH, USER, false, true).render(HEALTH));
    }

    @Test
    void theXmlIsDeletedEvenWhenSchtasksFails() {
        var c = new Observed(cmd -> cmd.get(1).equals("/Create") ? new Proc.Result(1, "", "ERROR: Access is denied.") : OK);
        assertThatThrownBy(() -> windows(c).install(TASKS, true))
                .isInstanceOf(OpsException.class).hasMessageContaining("Access is denied");
        String file = xml("ra-infrastructure-health-check");
        assertThat(c.events).containsExactly("write " + file,
                "run schtasks /Create /TN ra-infrastructure-health-check /XML " + file + " /F", "delete " + file);
        assertThat(c.rec.files).isEmpty();
    }

    @Test
    void aTaskThatCannotBeExpressedStopsTheInstallBeforeAnythingChanges() {
        var c = new Observed(existing(Set.of()));
        Task quoted = new Task("backup-daily", "ra-infrastructure-backup-daily", "backup.java", List.of("--note", "two words"),
                Trigger.parse("daily 02:00"), Duration.ofHours(6), "daily verified backup");
        assertThatThrownBy(() -> windows(c).install(List.of(HEALTH, quoted), true))
                .isInstanceOfSatisfying(OpsException.class, e -> assertThat(e.exitCode()).isEqualTo(ExitCode.USAGE));
        assertThat(c.events).isEmpty();
        assertThat(c.rec.reads).isEmpty();
    }

    @Test
    void pruneDeletesOnlyThisProjectsExistingTasksThatAreNotInTheNewSet() {
        var c = new Observed(existing(Set.of("ra-infrastructure-health-check", "ra-infrastructure-backup-weekly", "ra-infrastructure-dr-drill")));
        windows(c).install(TASKS, true);
        assertThat(c.rec.reads).containsExactly(
                List.of("schtasks", "/Query", "/TN", "ra-infrastructure-backup-hourly"),
                List.of("schtasks", "/Query", "/TN", "ra-infrastructure-backup-weekly"),
                List.of("schtasks", "/Query", "/TN", "ra-infrastructure-backup-monthly"),
                List.of("schtasks", "/Query", "/TN", "ra-infrastructure-backup-yearly"),
                List.of("schtasks", "/Query", "/TN", "ra-infrastructure-backup-volumes"),
                List.of("schtasks", "/Query", "/TN", "ra-infrastructure-dr-drill"));
        assertThat(c.rec.commands()).filteredOn(cmd -> cmd.get(1).equals("/Delete")).containsExactly(
                List.of("schtasks", "/Delete", "/TN", "ra-infrastructure-backup-weekly", "/F"),
                List.of("schtasks", "/Delete", "/TN", "ra-infrastructure-dr-drill", "/F"));
    }

    @Test
    void installWithoutPruneLooksAtNoOtherTask() {
        var c = new Observed(existing(Set.copyOf(Tasks.allNames())));
        windows(c).install(List.of(HEALTH), false);
        assertThat(c.rec.reads).isEmpty();
        assertThat(c.rec.commands()).extracting(cmd -> cmd.get(1)).containsExactly("/Create");
    }

    @Test
    void uninstallQueriesEachNameAndDeletesOnlyThoseThatExist() {
        var c = new Observed(existing(Set.of("ra-infrastructure-backup-daily")));
        windows(c).uninstall(List.of("ra-infrastructure-backup-daily", "ra-infrastructure-backup-weekly"));
        assertThat(c.rec.reads).containsExactly(
                List.of("schtasks", "/Query", "/TN", "ra-infrastructure-backup-daily"),
                List.of("schtasks", "/Query", "/TN", "ra-infrastructure-backup-weekly"));
        assertThat(c.rec.commands()).containsExactly(List.of("schtasks", "/Delete", "/TN", "ra-infrastructure-backup-daily", "/F"));
    }

    @Test
    void uninstallRefusesAnyTaskThatIsNotThisProjects() {
        var c = new Observed(existing(Set.of("Microsoft\\Windows\\Defrag\\ScheduledDefrag")));
        assertThatThrownBy(() -> windows(c).uninstall(List.of("ra-infrastructure-backup-daily", "Microsoft\\Windows\\Defrag\\ScheduledDefrag")))
                .isInstanceOfSatisfying(OpsException.class, e -> {
                    assertThat(e.exitCode()).isEqualTo(ExitCode.USAGE);
                    assertThat(e.getMessage()).contains("ScheduledDefrag");
                });
        assertThat(c.rec.reads).isEmpty();
        assertThat(c.events).isEmpty();
    }

    // English schtasks /Query /FO CSV /V output. Task To Run keeps its inner quotes undoubled, as schtasks
    // writes it, and several fields hold commas.
    static final String EN_HEADER = "\"HostName\",\"TaskName\",\"Next Run Time\",\"Status\",\"Logon Mode\",\"Last Run Time\","
            + "\"Last Result\",\"Author\",\"Task To Run\",\"Start In\",\"Comment\",\"Scheduled Task State\",\"Idle Time\","
            + "\"Power Management\",\"Run As User\",\"Delete Task If Not Rescheduled\",\"Stop Task If Runs X Hours and X Mins\","
            + "\"Schedule\",\"Schedule Type\",\"Start Time\",\"Start Date\",\"End Date\",\"Days\",\"Months\",\"Repeat: Every\","
            + "\"Repeat: Until: Time\",\"Repeat: Until: Duration\",\"Repeat: Stop If Still Running\"";
    static final String EN_HEALTH = "\"DESKTOP-1\",\"\\ra-infrastructure-health-check\",\"11/23/2026 6:05:00 PM\",\"Ready\","
            + "\"Interactive only\",\"11/23/2026 6:00:00 PM\",\"0\",\"ra-infrastructure\","
            + "\"%SystemRoot%\\System32\\conhost.exe --headless %SystemRoot%\\System32\\cmd.exe /d /c .\\jbang.cmd .\\health-check.java\","
            + "\"C:\\Users\\Ops Team\\ra infra\",\"PostgreSQL health check with alerts\",\"Enabled\",\"Disabled\",\"\","
            + "\"DESKTOP-1\\Ops Team\",\"Disabled\",\"0 Hour(s), 4 Minute(s)\",\"Scheduling data is not available in this format.\","
            + "\"One Time Only, Minute\",\"12:00:00 AM\",\"1/1/2020\",\"N/A\",\"N/A\",\"N/A\",\"0 Hour(s), 5 Minute(s)\",\"None\","
            + "\"Disabled\",\"Disabled\"";
    static final String EN_DAILY = "\"DESKTOP-1\",\"\\ra-infrastructure-backup-daily\",\"11/24/2026 2:00:00 AM\",\"Ready\","
            + "\"Interactive only\",\"11/23/2026 2:00:00 AM\",\"0\",\"ra-infrastructure\","
            + "\"%SystemRoot%\\System32\\cmd.exe /d /v:off /s /c \"\"C:\\Users\\Ops Team\\ra infra\\jbang.cmd\" "
            + "\"C:\\Users\\Ops Team\\ra infra\\backup.java\" --type daily\"\",\"C:\\Users\\Ops Team\\ra infra\","
            + "\"daily verified backup\",\"Enabled\",\"Disabled\",\"\",\"DESKTOP-1\\Ops Team\",\"Disabled\",\"6 Hour(s), 0 Minute(s)\","
            + "\"Scheduling data is not available in this format.\",\"Daily \",\"2:00:00 AM\",\"1/1/2020\",\"N/A\",\"Every 1 day(s)\","
            + "\"N/A\",\"Disabled\",\"Disabled\",\"Disabled\",\"Disabled\"";
    static final String EN_STARTUP = "\"DESKTOP-1\",\"\\ra-infrastructure-verify-startup\",\"N/A\",\"Ready\",\"Interactive only\","
            + "\"11/23/2026 8:01:00 AM\",\"0\",\"ra-infrastructure\",\"%SystemRoot%\\System32\\cmd.exe /d /v:off /s /c "
            + "\"\"C:\\Users\\Ops Team\\ra infra\\jbang.cmd\" \"C:\\Users\\Ops Team\\ra infra\\verify-startup.java\"\"\","
            + "\"C:\\Users\\Ops Team\\ra infra\",\"after boot or logon: wait for Docker, start the containers, check health\","
            + "\"Enabled\",\"Disabled\",\"\",\"DESKTOP-1\\Ops Team\",\"Disabled\",\"0 Hour(s), 15 Minute(s)\","
            + "\"Scheduling data is not available in this format.\",\"TYPE\",\"N/A\",\"N/A\",\"N/A\",\"N/A\",\"N/A\",\"Disabled\","
            + "\"Disabled\",\"Disabled\",\"Disabled\"";

    // German Windows translates the headers and the values, never the column order.
    static final String DE_HEADER = "\"Hostname\",\"Aufgabenname\",\"Nächste Laufzeit\",\"Status\",\"Anmeldemodus\",\"Letzte Laufzeit\","
            + "\"Letztes Ergebnis\",\"Autor\",\"Auszuführende Aufgabe\",\"Starten in\",\"Kommentar\",\"Status der geplanten Aufgabe\","
            + "\"Leerlaufzeit\",\"Energieverwaltung\",\"Als Benutzer ausführen\",\"Nicht erneut geplante Aufgabe löschen\","
            + "\"Aufgabe beenden, falls Laufzeit überschritten\",\"Zeitplan\",\"Zeitplantyp\",\"Startzeit\",\"Startdatum\",\"Enddatum\","
            + "\"Tage\",\"Monate\",\"Wiederholen: Jede\",\"Wiederholen: Bis: Zeit\",\"Wiederholen: Bis: Dauer\","
            + "\"Wiederholen: Beenden, falls noch aktiv\"";
    static final String DE_WEEKLY = "\"DESKTOP-1\",\"\\ra-infrastructure-backup-weekly\",\"29.11.2026 03:00:00\",\"Bereit\","
            + "\"Nur interaktiv\",\"22.11.2026 03:00:00\",\"0\",\"ra-infrastructure\",\"%SystemRoot%\\System32\\cmd.exe /d /v:off /s /c "
            + "\"\"C:\\Users\\Ops Team\\ra infra\\jbang.cmd\" \"C:\\Users\\Ops Team\\ra infra\\backup.java\" --type weekly\"\","
            + "\"C:\\Users\\Ops Team\\ra infra\",\"weekly verified backup\",\"Aktiviert\",\"Deaktiviert\",\"\",\"DESKTOP-1\\Ops Team\","
            + "\"Deaktiviert\",\"6 Stunde(n), 0 Minute(n)\",\"Zeitplandaten sind in diesem Format nicht verfügbar.\",\"Wöchentlich\","
            + "\"03:00:00\",\"01.01.2020\",\"Nicht zutreffend\",\"SO\",\"Nicht zutreffend\",\"Deaktiviert\",\"Deaktiviert\","
            + "\"Deaktiviert\",\"Deaktiviert\"";

    /** Answers each per-name CSV query from the table; other names are missing. */
    static Function<List<String>, Proc.Result> csv(Map<String, String> byName) {
        return cmd -> byName.containsKey(cmd.get(3)) ? new Proc.Result(0, byName.get(cmd.get(3)), "") : MISSING;
    }

    @Test
    void listParsesEnglishCsvByPositionWithUndoubledQuotesAndOneRowPerTrigger() {
        var c = new Observed(csv(Map.of(
                "ra-infrastructure-health-check", "\r\n" + EN_HEALTH + "\r\n",
                "ra-infrastructure-backup-daily", EN_HEADER + "\r\n" + EN_DAILY + "\r\n",
                "ra-infrastructure-verify-startup", EN_STARTUP.replace("TYPE", "At logon time") + "\r\n"
                        + EN_STARTUP.replace("TYPE", "At system start up") + "\r\n")));
        List<Installed> installed = windows(c).list();
        assertThat(installed).containsExactly(
                new Installed("ra-infrastructure-health-check", "One Time Only, Minute 12:00:00 AM every 0 Hour(s), 5 Minute(s)",
                        "11/23/2026 6:05:00 PM", "Ready"),
                new Installed("ra-infrastructure-backup-daily", "Daily 2:00:00 AM", "11/24/2026 2:00:00 AM", "Ready"),
                new Installed("ra-infrastructure-verify-startup", "At logon time; At system start up", "N/A", "Ready"));
        assertThat(c.rec.reads).hasSize(Tasks.allNames().size()).allSatisfy(cmd -> {
            assertThat(cmd.subList(0, 3)).containsExactly("schtasks", "/Query", "/TN");
            assertThat(cmd.subList(4, cmd.size())).containsExactly("/FO", "CSV", "/V", "/NH");
        });
        assertThat(c.rec.reads).extracting(cmd -> cmd.get(3)).containsExactlyElementsOf(Tasks.allNames());
        assertThat(c.events).isEmpty();
    }

    @Test
    void listReadsGermanOutputByColumnPositionNotHeaderNames() {
        var c = new Observed(csv(Map.of("ra-infrastructure-backup-weekly", DE_HEADER + "\r\n" + DE_WEEKLY + "\r\n")));
        assertThat(windows(c).list()).containsExactly(
                new Installed("ra-infrastructure-backup-weekly", "Wöchentlich 03:00:00", "29.11.2026 03:00:00", "Bereit"));
    }

    @Test
    void listSkipsRowsNamingAnyOtherTask() {
        String foreign = EN_DAILY.replace("\\ra-infrastructure-backup-daily", "\\Other\\ra-infrastructure-backup-daily");
        var c = new Observed(csv(Map.of("ra-infrastructure-backup-daily", foreign + "\r\n")));
        assertThat(windows(c).list()).isEmpty();
    }
}
