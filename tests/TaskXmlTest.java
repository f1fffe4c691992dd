package tests;

import lib.ExitCode;
import lib.OpsException;
import lib.schedule.Launch;
import lib.schedule.Task;
import lib.schedule.TaskXml;
import lib.schedule.Tasks;
import lib.schedule.Trigger;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

import javax.xml.parsers.DocumentBuilderFactory;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * No Task Scheduler schema is reachable offline, so each document is parsed back (namespace-aware, from
 * its UTF-16 bytes) and checked element by element, in the order the published schema lists them.
 */
class TaskXmlTest {
    static final String HOME = "C:\\Users\\Ops Team\\ra infra";
    static final String USER = "DESKTOP-1\\Ops Team";
    static final Launch LAUNCH = new Launch(HOME, true);

    static Task task(String id, String when, String script, String... args) {
        return new Task(id, Task.PREFIX + id, script, List.of(args), Trigger.parse(when), Duration.ofHours(6), id + " task");
    }

    static Task backupDaily() { return task("backup-daily", "daily 02:00", "backup.java", "--type", "daily"); }

    static Task verifyStartup() { return task("verify-startup", "boot +1m", "verify-startup.java"); }

    /** Interactive, windows shown: the plain cmd.exe form. */
    static Element render(Task task) { return render(new TaskXml(LAUNCH, USER, false, false), task); }

    static Element render(TaskXml xml, Task task) { return parse(xml.render(task)); }

    static Element parse(byte[] bytes) {
        try {
            var factory = DocumentBuilderFactory.newInstance();
            factory.setNamespaceAware(true);
            Document doc = factory.newDocumentBuilder().parse(new ByteArrayInputStream(bytes));
            return doc.getDocumentElement();
        } catch (Exception e) {
            throw new AssertionError("not well-formed XML: " + e.getMessage(), e);
        }
    }

    /** The element children's names, in document order; every child must be in the task namespace. */
    static List<String> children(Element e) {
        List<String> names = new ArrayList<>();
        for (Node n = e.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element c) {
                assertThat(c.getNamespaceURI()).as(c.getLocalName()).isEqualTo(TaskXml.NAMESPACE);
                names.add(c.getLocalName());
            }
        }
        return names;
    }

    /** The only child element at this path, e.g. at(root, "Settings", "IdleSettings"). */
    static Element at(Element e, String... path) {
        Element cur = e;
        for (String name : path) {
            var found = cur.getElementsByTagNameNS(TaskXml.NAMESPACE, name);
            List<Element> direct = new ArrayList<>();
            for (int i = 0; i < found.getLength(); i++) if (found.item(i).getParentNode() == cur) direct.add((Element) found.item(i));
            assertThat(direct).as("one <" + name + "> under <" + cur.getLocalName() + ">").hasSize(1);
            cur = direct.get(0);
        }
        return cur;
    }

    static String text(Element e, String... path) { return at(e, path).getTextContent(); }

    @Test
    void bytesAreUtf16LittleEndianWithBomAndDeclareUtf16() {
        byte[] bytes = new TaskXml(LAUNCH, USER, false, true).render(backupDaily());
        assertThat(Arrays.copyOf(bytes, 4)).containsExactly(0xFF, 0xFE, '<', 0x00);
        String text = new String(bytes, 2, bytes.length - 2, StandardCharsets.UTF_16LE);
        assertThat(text).startsWith("<?xml version=\"1.0\" encoding=\"UTF-16\"?>\r\n<Task ");
        assertThat(parse(bytes).getLocalName()).isEqualTo("Task");
    }

    @Test
    void taskIsVersion12InTheTaskNamespaceWithChildrenInSchemaOrder() {
        Element task = render(backupDaily());
        assertThat(task.getNamespaceURI()).isEqualTo("http://schemas.microsoft.com/windows/2004/02/mit/task");
        assertThat(task.getAttribute("version")).isEqualTo("1.2");
        assertThat(children(task)).containsExactly("RegistrationInfo", "Triggers", "Settings", "Principals", "Actions");
    }

    @Test
    void registrationInfoNamesTheTaskAndItsPurpose() {
        Element info = at(render(backupDaily()), "RegistrationInfo");
        assertThat(children(info)).containsExactly("URI", "Author", "Description");
        assertThat(text(info, "URI")).isEqualTo("\\ra-infrastructure-backup-daily");
        assertThat(text(info, "Author")).isEqualTo("ra-infrastructure");
        assertThat(text(info, "Description")).isEqualTo("backup-daily task");
    }

    @Test
    void everyIntervalIsATimeTriggerFromItsMinutePastMidnightRepeatingWithoutEnd() {
        for (String[] c : new String[][] {{"every 5m", "PT5M", "00:00"}, {"every 1h", "PT1H", "00:00"}, {"every 2h", "PT2H", "00:00"},
                {"every 5m from :02", "PT5M", "00:02"}, {"every 2h from :30", "PT2H", "00:30"}}) {
            Element triggers = at(render(task("health-check", c[0], "health-check.java")), "Triggers");
            assertThat(children(triggers)).as(c[0]).containsExactly("TimeTrigger");
            Element t = at(triggers, "TimeTrigger");
            assertThat(children(t)).containsExactly("StartBoundary", "Repetition");
            assertThat(text(t, "StartBoundary")).as(c[0]).isEqualTo("2020-01-01T" + c[2] + ":00");
            // no Duration: the pattern repeats indefinitely
            assertThat(children(at(t, "Repetition"))).containsExactly("Interval", "StopAtDurationEnd");
            assertThat(text(t, "Repetition", "Interval")).as(c[0]).isEqualTo(c[1]);
            assertThat(text(t, "Repetition", "StopAtDurationEnd")).isEqualTo("false");
        }
    }

    @Test
    void hourlyIsATimeTriggerAtItsMinuteRepeatingEveryHour() {
        Element t = at(render(task("backup-hourly", "hourly :15", "backup.java", "--type", "hourly")), "Triggers", "TimeTrigger");
        assertThat(text(t, "StartBoundary")).isEqualTo("2020-01-01T00:15:05");
        assertThat(text(t, "Repetition", "Interval")).isEqualTo("PT1H");
    }

    @Test
    void dailyIsACalendarTriggerByDay() {
        Element t = at(render(backupDaily()), "Triggers", "CalendarTrigger");
        assertThat(children(t)).containsExactly("StartBoundary", "ScheduleByDay");
        assertThat(text(t, "StartBoundary")).isEqualTo("2020-01-01T02:00:10");
        assertThat(text(t, "ScheduleByDay", "DaysInterval")).isEqualTo("1");
    }

    @Test
    void weeklyIsACalendarTriggerByWeekOnItsDay() {
        Element t = at(render(task("backup-weekly", "weekly Sun 03:00", "backup.java", "--type", "weekly")), "Triggers", "CalendarTrigger");
        assertThat(text(t, "StartBoundary")).isEqualTo("2020-01-01T03:00:15");
        assertThat(children(at(t, "ScheduleByWeek"))).containsExactly("WeeksInterval", "DaysOfWeek");
        assertThat(text(t, "ScheduleByWeek", "WeeksInterval")).isEqualTo("1");
        assertThat(children(at(t, "ScheduleByWeek", "DaysOfWeek"))).containsExactly("Sunday");
    }

    @Test
    void monthlyQuarterlyAndYearlyAreByMonthWithTheirDayAndMonths() {
        Object[][] cases = {
            {"monthly 1 03:30", "2020-01-01T03:30:20", "1", List.of("January", "February", "March", "April", "May", "June",
                    "July", "August", "September", "October", "November", "December")},
            {"quarterly 1 05:00", "2020-01-01T05:00:20", "1", List.of("January", "April", "July", "October")},
            {"yearly 07-15 04:00", "2020-01-01T04:00:20", "15", List.of("July")},
        };
        for (Object[] c : cases) {
            Element t = at(render(task("backup-monthly", (String) c[0], "backup.java")), "Triggers", "CalendarTrigger");
            assertThat(text(t, "StartBoundary")).as((String) c[0]).isEqualTo(c[1]);
            assertThat(children(at(t, "ScheduleByMonth"))).containsExactly("DaysOfMonth", "Months");
            assertThat(children(at(t, "ScheduleByMonth", "DaysOfMonth"))).containsExactly("Day");
            assertThat(text(t, "ScheduleByMonth", "DaysOfMonth", "Day")).as((String) c[0]).isEqualTo(c[2]);
            assertThat(children(at(t, "ScheduleByMonth", "Months"))).as((String) c[0]).isEqualTo(c[3]);
        }
    }

    @Test
    void bootIsOnlyALogonTriggerForTheUserWithItsDelayWhenInteractive() {
        Element triggers = at(render(verifyStartup()), "Triggers");
        assertThat(children(triggers)).containsExactly("LogonTrigger");
        assertThat(children(at(triggers, "LogonTrigger"))).containsExactly("UserId", "Delay");
        assertThat(text(triggers, "LogonTrigger", "UserId")).isEqualTo(USER);
        assertThat(text(triggers, "LogonTrigger", "Delay")).as("a minute, and the task's own second").isEqualTo("PT1M35S");
    }

    @Test
    void loggedOffAddsABootTriggerWithTheSameDelayAndUsesS4U() {
        Element task = render(new TaskXml(LAUNCH, USER, true, true), task("verify-startup", "boot +3m", "verify-startup.java"));
        Element triggers = at(task, "Triggers");
        assertThat(children(triggers)).containsExactly("LogonTrigger", "BootTrigger");
        assertThat(text(triggers, "LogonTrigger", "Delay")).isEqualTo("PT3M35S");
        assertThat(children(at(triggers, "BootTrigger"))).containsExactly("Delay");
        assertThat(text(triggers, "BootTrigger", "Delay")).isEqualTo("PT3M35S");
        assertThat(text(task, "Principals", "Principal", "LogonType")).isEqualTo("S4U");
        assertThat(text(task, "Principals", "Principal", "RunLevel")).isEqualTo("LeastPrivilege");
    }

    @Test
    void tasksWhoseSchedulesShareAMinuteStartInSecondsOfTheirOwn() {
        List<String> starts = new ArrayList<>();
        for (String id : Tasks.IDS) {
            Element t = at(render(task(id, "daily 02:00", "backup.java")), "Triggers", "CalendarTrigger");
            starts.add(text(t, "StartBoundary"));
        }
        assertThat(starts).doesNotHaveDuplicates().allMatch(s -> s.startsWith("2020-01-01T02:00:"));
        assertThat(text(at(render(task("backup-hourly", "every 5m", "backup.java")), "Triggers", "TimeTrigger"), "StartBoundary"))
                .isEqualTo("2020-01-01T00:00:05");
    }

    @Test
    void loggedOffTheStartupCheckNeverLaunchesDockerDesktop() {
        String loggedOff = text(render(new TaskXml(LAUNCH, USER, true, true), verifyStartup()), "Actions", "Exec", "Arguments");
        String interactive = text(render(verifyStartup()), "Actions", "Exec", "Arguments");

        assertThat(loggedOff).endsWith("verify-startup.java\" --no-desktop\"");
        assertThat(interactive).endsWith("verify-startup.java\"\"").doesNotContain("--no-desktop");
        assertThat(text(render(new TaskXml(LAUNCH, USER, true, true), backupDaily()), "Actions", "Exec", "Arguments"))
                .endsWith("backup.java\" --type daily\"");
    }

    @Test
    void principalRunsOnlyWhenTheUserIsLoggedOnByDefault() {
        Element task = render(backupDaily());
        assertThat(children(at(task, "Principals"))).containsExactly("Principal");
        Element p = at(task, "Principals", "Principal");
        assertThat(p.getAttribute("id")).isEqualTo("Author");
        assertThat(children(p)).containsExactly("UserId", "LogonType", "RunLevel");
        assertThat(text(p, "UserId")).isEqualTo(USER);
        assertThat(text(p, "LogonType")).isEqualTo("InteractiveToken");
        assertThat(text(p, "RunLevel")).isEqualTo("LeastPrivilege");
        assertThat(at(task, "Actions").getAttribute("Context")).isEqualTo("Author");
    }

    @Test
    void settingsFollowSchemaOrderAndCarryTheTasksTimeLimit() {
        Task health = new Task("health-check", "ra-infrastructure-health-check", "health-check.java", List.of(),
                Trigger.parse("every 5m"), Duration.ofMinutes(4), "PostgreSQL health check with alerts");
        Element s = at(render(health), "Settings");
        assertThat(children(s)).containsExactly("AllowStartOnDemand", "MultipleInstancesPolicy", "DisallowStartIfOnBatteries",
                "StopIfGoingOnBatteries", "AllowHardTerminate", "StartWhenAvailable", "RunOnlyIfNetworkAvailable", "WakeToRun",
                "Enabled", "Hidden", "IdleSettings", "ExecutionTimeLimit", "Priority");
        assertThat(text(s, "MultipleInstancesPolicy")).isEqualTo("IgnoreNew");
        assertThat(text(s, "StartWhenAvailable")).isEqualTo("true");
        assertThat(text(s, "DisallowStartIfOnBatteries")).isEqualTo("false");
        assertThat(text(s, "StopIfGoingOnBatteries")).isEqualTo("false");
        assertThat(text(s, "AllowHardTerminate")).isEqualTo("true");
        assertThat(text(s, "RunOnlyIfNetworkAvailable")).isEqualTo("false");
        assertThat(text(s, "WakeToRun")).isEqualTo("false");
        assertThat(text(s, "Enabled")).isEqualTo("true");
        assertThat(text(s, "Hidden")).isEqualTo("false");
        assertThat(text(s, "IdleSettings", "StopOnIdleEnd")).isEqualTo("false");
        assertThat(text(s, "ExecutionTimeLimit")).isEqualTo("PT4M");
        assertThat(text(s, "Priority")).isEqualTo("7");
        assertThat(text(render(backupDaily()), "Settings", "ExecutionTimeLimit")).isEqualTo("PT6H");
    }

    @Test
    void visibleTaskRunsCmdWithEveryPathQuotedSoSpacesParenthesesAndAmpersandsStayLiteral() {
        String[][] cases = {
            {HOME, "\"C:\\Users\\Ops Team\\ra infra\\jbang.cmd\" \"C:\\Users\\Ops Team\\ra infra\\backup.java\""},
            {"D:\\R&D (Ops)\\ra\\", "\"D:\\R&D (Ops)\\ra\\jbang.cmd\" \"D:\\R&D (Ops)\\ra\\backup.java\""},
        };
        for (String[] c : cases) {
            Element exec = at(render(new TaskXml(new Launch(c[0], true), USER, false, false), backupDaily()), "Actions", "Exec");
            assertThat(children(exec)).containsExactly("Command", "Arguments", "WorkingDirectory");
            assertThat(text(exec, "Command")).isEqualTo("%SystemRoot%\\System32\\cmd.exe");
            assertThat(text(exec, "Arguments")).isEqualTo("/d /v:off /s /c \"" + c[1] + " --type daily\"");
            assertThat(text(exec, "WorkingDirectory")).isEqualTo(c[0]);
        }
    }

    @Test
    void otherArgumentsAreQuotedOnlyWhenCmdWouldSplitOrInterpretThem() {
        Task t = task("backup-daily", "daily 02:00", "backup.java", "--type", "daily", "two words", "a&b", "x=y", "--note");
        assertThat(text(render(t), "Actions", "Exec", "Arguments")).endsWith(
                "backup.java\" --type daily \"two words\" \"a&b\" \"x=y\" --note\"");
    }

    @Test
    void hiddenTaskRunsUnderHeadlessConhostWithNothingToQuote() {
        Element exec = at(render(new TaskXml(LAUNCH, USER, false, true), backupDaily()), "Actions", "Exec");
        assertThat(text(exec, "Command")).isEqualTo("%SystemRoot%\\System32\\conhost.exe");
        assertThat(text(exec, "Arguments")).isEqualTo(
                "--headless %SystemRoot%\\System32\\cmd.exe /d /c .\\jbang.cmd .\\backup.java --type daily");
        assertThat(text(exec, "WorkingDirectory")).isEqualTo(HOME);
    }

    @Test
    void startupTaskAndLoggedOffTasksAreNeverWrappedInConhost() {
        var hiding = new TaskXml(LAUNCH, USER, false, true);
        assertThat(text(render(hiding, verifyStartup()), "Actions", "Exec", "Command")).isEqualTo("%SystemRoot%\\System32\\cmd.exe");
        assertThat(text(render(hiding, verifyStartup()), "Actions", "Exec", "Arguments")).isEqualTo(
                "/d /v:off /s /c \"\"C:\\Users\\Ops Team\\ra infra\\jbang.cmd\" \"C:\\Users\\Ops Team\\ra infra\\verify-startup.java\"\"");
        var loggedOff = new TaskXml(LAUNCH, USER, true, true);
        assertThat(text(render(loggedOff, backupDaily()), "Actions", "Exec", "Command")).isEqualTo("%SystemRoot%\\System32\\cmd.exe");
    }

    @Test
    void hidingATaskWhoseArgumentNeedsQuotesIsRefused() {
        var hiding = new TaskXml(LAUNCH, USER, false, true);
        assertThatThrownBy(() -> hiding.render(task("backup-daily", "daily 02:00", "backup.java", "--note", "two words")))
                .isInstanceOfSatisfying(OpsException.class, e -> {
                    assertThat(e.exitCode()).isEqualTo(ExitCode.USAGE);
                    assertThat(e.getMessage()).contains("ra-infrastructure-backup-daily", "'two words'");
                });
    }

    @Test
    void percentInTheProjectPathIsRefusedBecauseCmdWouldExpandIt() {
        var xml = new TaskXml(new Launch("C:\\ops\\100%PATH%\\ra", true), USER, false, false);
        assertThatThrownBy(() -> xml.render(backupDaily()))
                .isInstanceOfSatisfying(OpsException.class, e -> assertThat(e.exitCode()).isEqualTo(ExitCode.USAGE));
    }

    @Test
    void blankUserIsAUsageError() {
        assertThatThrownBy(() -> new TaskXml(LAUNCH, " ", false, false))
                .isInstanceOfSatisfying(OpsException.class, e -> assertThat(e.exitCode()).isEqualTo(ExitCode.USAGE));
    }

    @Test
    void hostileDescriptionUserAndPathRoundTripThroughTheXml() {
        String description = "\"quoted\" <tag> & 'apos' ]]> ünïcødé Ωμέγα 😀 \\share";
        String user = "DÖMÄIN\\Ops \"Team\" <&> 😀";
        String home = "C:\\Users\\Zoë & <Ops>\\ra infra";
        Task t = new Task("backup-daily", "ra-infrastructure-backup-daily", "backup.java", List.of("--type", "daily"),
                Trigger.parse("boot +1m"), Duration.ofHours(6), description);
        Element task = render(new TaskXml(new Launch(home, true), user, false, false), t);
        assertThat(text(task, "RegistrationInfo", "Description")).isEqualTo(description);
        assertThat(text(task, "Principals", "Principal", "UserId")).isEqualTo(user);
        assertThat(text(task, "Triggers", "LogonTrigger", "UserId")).isEqualTo(user);
        assertThat(text(task, "Actions", "Exec", "WorkingDirectory")).isEqualTo(home);
        assertThat(text(task, "Actions", "Exec", "Arguments")).contains("\"" + home + "\\jbang.cmd\"");
    }

    @Test
    void everyScheduleFormRendersToOneWellFormedTrigger() {
        for (String form : Trigger.FORMS.split(" \\| ")) {
            Element triggers = at(render(task("health-check", form, "health-check.java")), "Triggers");
            assertThat(children(triggers)).as(form).hasSize(1);
        }
    }
}
