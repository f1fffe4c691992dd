package lib.schedule;

import lib.ExitCode;
import lib.OpsException;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.ls.DOMImplementationLS;
import org.w3c.dom.ls.LSOutput;
import org.w3c.dom.ls.LSSerializer;

import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import java.io.ByteArrayOutputStream;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.Month;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * One task as a Task Scheduler XML document (schema version 1.2), the form {@code schtasks /Create /XML}
 * registers: UTF-16 little-endian with a byte-order mark, built as a DOM so that every text is escaped.
 * Elements appear in the order the published schema lists them (trigger children are a sequence there).
 *
 * <p><b>Whose session the tasks run in.</b> By default the principal's logon type is InteractiveToken
 * ("Run only when user is logged on"): Docker Desktop's engine only runs inside a signed-in session, so a
 * task that ran while nobody is signed in would find no engine to talk to. With {@code loggedOff} the
 * logon type is S4U ("Run whether user is logged on or not" with no password stored), for hosts whose
 * engine runs without a session; such tasks only reach local resources (no network shares that need the
 * user's credentials), run without any window, and registering them needs an elevated prompt. The
 * startup check then runs at boot as well as at logon, with {@link Tasks#withoutSession}'s arguments
 * ({@code --no-desktop}: an S4U task has no desktop, so it waits for the engine rather than launching
 * Docker Desktop). Either way the run level is LeastPrivilege.
 *
 * <p><b>Never two tasks in the same second.</b> Each task starts at a second of the minute of its own
 * ({@link Tasks#startSecond}; at logon, that much later), so tasks whose schedules share a minute still
 * start apart: a batch file's {@code %RANDOM%} is seeded from the clock in seconds, and JBang's own
 * launcher names its temporary file with it. (Task Scheduler keeps the seconds of a start boundary, also
 * for repetitions: checked on Windows: not yet.)
 *
 * <p><b>How the command line survives.</b> Task Scheduler starts {@code cmd.exe /d /v:off /s /c ""...""}:
 * every path is quoted (so spaces, {@code (}, {@code )} and {@code &} in it are literal), other arguments
 * only when they need it, and {@code /s} makes cmd strip exactly the outer pair of quotes. With
 * {@code hideWindows}, tasks started by the clock run under {@code conhost.exe --headless} so that no
 * console window flashes up every few minutes. conhost splits its command line and quotes each piece
 * again in the C runtime's way ({@code \"}), which cmd.exe does not read, so a hidden task passes no
 * quotes at all: it names the launcher and script relative to its working directory, the project
 * ({@code .\jbang.cmd .\backup.java --type daily}). The startup check is never hidden: conhost --headless
 * is reported to fail with 0x80070003 when started at logon while the session is still being set up, and
 * a visible "waiting for Docker" window at logon is useful. S4U tasks have no window to hide.
 */
public final class TaskXml {
    public static final String NAMESPACE = "http://schemas.microsoft.com/windows/2004/02/mit/task";
    public static final String AUTHOR = "ra-infrastructure";
    private static final String CMD = "%SystemRoot%\\System32\\cmd.exe";
    private static final String CONHOST = "%SystemRoot%\\System32\\conhost.exe";
    /** Calendar and clock triggers count from here: a fixed past local time, so output never changes. */
    private static final LocalDateTime EPOCH = LocalDateTime.of(2020, 1, 1, 0, 0);
    private static final DateTimeFormatter LOCAL = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss", Locale.ROOT);
    /** Arguments that mean the same to cmd.exe, to a batch file's %1 and to conhost, with or without quotes. */
    private static final Pattern PLAIN = Pattern.compile("[A-Za-z0-9._:/\\\\+-]+");

    /** The Exec action: what runs, with which arguments, in which directory. */
    private record Action(String command, String arguments, String workingDirectory) {}

    private final Launch launch;
    private final String userId;
    private final boolean loggedOff;
    private final boolean hideWindows;

    /**
     * @param userId the account the tasks run as, e.g. {@code DESKTOP-1\Ops Team}
     * @param loggedOff S4U ("whether user is logged on or not") instead of InteractiveToken
     * @param hideWindows run clock-started tasks without a console window
     */
    public TaskXml(Launch launch, String userId, boolean loggedOff, boolean hideWindows) {
        if (!launch.windows()) throw new IllegalArgumentException("Task Scheduler tasks need a Windows launch");
        if (userId == null || userId.isBlank()) {
            throw new OpsException(ExitCode.USAGE, "no Windows account to run the tasks as", "name it as COMPUTER\\user or DOMAIN\\user");
        }
        this.launch = launch;
        this.userId = userId;
        this.loggedOff = loggedOff;
        this.hideWindows = hideWindows;
    }

    /** The task's XML document, encoded exactly as schtasks reads it. */
    public byte[] render(Task scheduled) {
        Task task = loggedOff ? Tasks.withoutSession(scheduled) : scheduled;
        Action action = action(task);
        Document doc = newDocument();
        Element root = doc.createElementNS(NAMESPACE, "Task");
        root.setAttribute("version", "1.2");
        doc.appendChild(root);

        Element info = add(root, "RegistrationInfo");
        add(info, "URI", "\\" + task.name());
        add(info, "Author", AUTHOR);
        add(info, "Description", task.description());

        triggers(add(root, "Triggers"), task.trigger(), Tasks.startSecond(task.id()));
        settings(add(root, "Settings"), task.timeLimit());

        Element principal = add(add(root, "Principals"), "Principal");
        principal.setAttribute("id", "Author");
        add(principal, "UserId", userId);
        add(principal, "LogonType", loggedOff ? "S4U" : "InteractiveToken");
        add(principal, "RunLevel", "LeastPrivilege");

        Element actions = add(root, "Actions");
        actions.setAttribute("Context", "Author");
        Element exec = add(actions, "Exec");
        add(exec, "Command", action.command());
        add(exec, "Arguments", action.arguments());
        add(exec, "WorkingDirectory", action.workingDirectory());
        return utf16(doc);
    }

    private Action action(Task task) {
        if (hideWindows && !loggedOff && !(task.trigger() instanceof Trigger.Boot)) {
            // nothing quoted survives conhost (see above); relative to the working directory, the
            // launcher and script need no quotes
            List<String> parts = new ArrayList<>(List.of(relative(launch.launcher()), relative(launch.file(task.script()))));
            parts.addAll(task.args());
            for (String p : parts) {
                if (!PLAIN.matcher(p).matches()) {
                    throw new OpsException(ExitCode.USAGE, "cannot hide the window of " + task.name() + ": '" + p
                            + "' would need quotes, which conhost --headless does not pass on", "install it with visible windows (--show-windows)");
                }
            }
            return new Action(CONHOST, "--headless " + CMD + " /d /c " + String.join(" ", parts), launch.home());
        }
        List<String> command = launch.command(task);
        List<String> quoted = new ArrayList<>();
        for (int i = 0; i < command.size(); i++) {
            String part = command.get(i);
            // cmd expands %NAME% even inside quotes, and no quoting can carry a quote character
            if (part.contains("%") || part.contains("\"")) {
                throw new OpsException(ExitCode.USAGE, "cannot run '" + part + "' from Task Scheduler: cmd.exe would read the % or \" in it",
                        "move the project to a folder whose path has neither");
            }
            boolean path = i < 2;
            quoted.add(path || !PLAIN.matcher(part).matches() ? '"' + part + '"' : part);
        }
        // /v:off keeps "!" literal even where the registry turns delayed expansion on
        return new Action(CMD, "/d /v:off /s /c \"" + String.join(" ", quoted) + "\"", launch.home());
    }

    private String relative(String file) {
        return ".\\" + file.substring(launch.file("").length());
    }

    /** {@code second}: the task's own second of the minute, see {@link Tasks#startSecond}. */
    private void triggers(Element triggers, Trigger trigger, int second) {
        if (trigger instanceof Trigger.Every every) {
            timeTrigger(triggers, LocalTime.of(0, every.minute(), second), every.interval());
        } else if (trigger instanceof Trigger.Calendar cal) {
            if (cal.hour() == null) {
                timeTrigger(triggers, cal.time().withSecond(second), Duration.ofHours(1));
                return;
            }
            Element t = add(triggers, "CalendarTrigger");
            add(t, "StartBoundary", LOCAL.format(EPOCH.with(cal.time().withSecond(second))));
            if (cal.weekday() != null) {
                Element week = add(t, "ScheduleByWeek");
                add(week, "WeeksInterval", "1");
                add(add(week, "DaysOfWeek"), name(cal.weekday()));
            } else if (cal.day() == null) {
                add(add(t, "ScheduleByDay"), "DaysInterval", "1");
            } else {
                Element month = add(t, "ScheduleByMonth");
                add(add(month, "DaysOfMonth"), "Day", cal.day().toString());
                Element months = add(month, "Months");
                for (Month m : Month.values()) if (cal.months().isEmpty() || cal.months().contains(m)) add(months, name(m));
            }
        } else if (trigger instanceof Trigger.Boot boot) {
            String delay = boot.delay().plusSeconds(second).toString();
            Element logon = add(triggers, "LogonTrigger");
            add(logon, "UserId", userId);
            add(logon, "Delay", delay);
            if (loggedOff) add(add(triggers, "BootTrigger"), "Delay", delay);
        }
    }

    /** From a clock time, again every {@code interval} with no end (no Duration). */
    private static void timeTrigger(Element triggers, LocalTime at, Duration interval) {
        Element t = add(triggers, "TimeTrigger");
        add(t, "StartBoundary", LOCAL.format(EPOCH.with(at)));
        Element repetition = add(t, "Repetition");
        add(repetition, "Interval", interval.toString());
        add(repetition, "StopAtDurationEnd", "false");
    }

    private static void settings(Element s, Duration timeLimit) {
        add(s, "AllowStartOnDemand", "true");
        add(s, "MultipleInstancesPolicy", "IgnoreNew");
        add(s, "DisallowStartIfOnBatteries", "false");
        add(s, "StopIfGoingOnBatteries", "false");
        add(s, "AllowHardTerminate", "true");
        // a run missed while the machine was off or asleep happens as soon as it is back
        add(s, "StartWhenAvailable", "true");
        add(s, "RunOnlyIfNetworkAvailable", "false");
        add(s, "WakeToRun", "false");
        add(s, "Enabled", "true");
        add(s, "Hidden", "false");
        Element idle = add(s, "IdleSettings");
        add(idle, "StopOnIdleEnd", "false");
        add(idle, "RestartOnIdle", "false");
        add(s, "ExecutionTimeLimit", timeLimit.toString());
        add(s, "Priority", "7");
    }

    /** Sunday, January...: the schema's element names. */
    private static String name(Enum<?> e) {
        String n = e.name();
        return n.charAt(0) + n.substring(1).toLowerCase(Locale.ROOT);
    }

    private static Element add(Element parent, String name) {
        Element e = parent.getOwnerDocument().createElementNS(NAMESPACE, name);
        parent.appendChild(e);
        return e;
    }

    private static Element add(Element parent, String name, String text) {
        Element e = add(parent, name);
        e.setTextContent(text);
        return e;
    }

    private static Document newDocument() {
        try {
            var factory = DocumentBuilderFactory.newInstance();
            factory.setNamespaceAware(true);
            Document doc = factory.newDocumentBuilder().newDocument();
            doc.setXmlStandalone(true);
            return doc;
        } catch (ParserConfigurationException e) {
            throw new IllegalStateException("the JDK's XML support is missing", e);
        }
    }

    /** Indented with CRLF line ends like the files Task Scheduler exports, then UTF-16LE after a BOM. */
    private static byte[] utf16(Document doc) {
        var ls = (DOMImplementationLS) doc.getImplementation();
        LSSerializer serializer = ls.createLSSerializer();
        serializer.setNewLine("\r\n");
        serializer.getDomConfig().setParameter("format-pretty-print", true);
        // the JDK otherwise writes the root element on the declaration's line
        serializer.getDomConfig().setParameter("http://www.oracle.com/xml/jaxp/properties/isStandalone", true);
        LSOutput out = ls.createLSOutput();
        out.setEncoding("UTF-16");
        StringWriter text = new StringWriter();
        out.setCharacterStream(text);
        serializer.write(doc, out);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        bytes.write(0xFF);
        bytes.write(0xFE);
        bytes.writeBytes(text.toString().getBytes(StandardCharsets.UTF_16LE));
        return bytes.toByteArray();
    }
}
