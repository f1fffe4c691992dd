package lib.schedule;

import lib.ExitCode;
import lib.OpsException;
import lib.Proc;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Windows Task Scheduler through schtasks: each task is registered from its XML document
 * ({@link TaskXml}, which also explains the account and window choices) with
 * {@code schtasks /Create /TN <name> /XML <file> /F}, so installing twice replaces rather than duplicates.
 * The XML files are written to a temporary folder for schtasks and deleted after it has read them.
 */
public final class WindowsTasks implements Platform {
    // Columns of "schtasks /Query /FO CSV /V" by position: the header names are translated on
    // non-English Windows, the order is not.
    private static final int TASK_NAME = 1;
    private static final int NEXT_RUN = 2;
    private static final int STATUS = 3;
    private static final int SCHEDULE_TYPE = 18;
    private static final int START_TIME = 19;
    private static final int REPEAT_EVERY = 24;
    /** "N/A", "Disabled" and their translations carry no digit; times and intervals do. */
    private static final Pattern MEANINGFUL = Pattern.compile("\\d");

    private final Commands commands;
    private final Path tempDir;
    private final TaskXml xml;

    /**
     * @param tempDir where the XML files are written for schtasks to read
     * @param userId the account the tasks run as, e.g. {@code DESKTOP-1\Ops Team}
     * @param loggedOff run whether the user is logged on or not (S4U), see {@link TaskXml}
     * @param hideWindows run clock-started tasks without a console window, see {@link TaskXml}
     */
    public WindowsTasks(Launch launch, Commands commands, Path tempDir, String userId, boolean loggedOff, boolean hideWindows) {
        this.commands = commands;
        this.tempDir = tempDir;
        this.xml = new TaskXml(launch, userId, loggedOff, hideWindows);
    }

    @Override
    public String id() { return "windows"; }

    @Override
    public Map<String, byte[]> files(List<Task> tasks) {
        Map<String, byte[]> files = new LinkedHashMap<>();
        for (Task t : tasks) files.put(fileName(t), xml.render(t));
        return files;
    }

    @Override
    public void install(List<Task> tasks, boolean prune) {
        // every document first: a task that cannot be expressed stops the install before anything changes
        Map<String, byte[]> files = files(tasks);
        for (Task t : tasks) {
            Path file = tempDir.resolve(fileName(t));
            commands.write(file, files.get(fileName(t)));
            try {
                commands.change(List.of("schtasks", "/Create", "/TN", t.name(), "/XML", file.toString(), "/F"), null);
            } finally {
                commands.delete(file);
            }
        }
        if (prune) {
            Set<String> keep = tasks.stream().map(Task::name).collect(Collectors.toSet());
            for (String name : Tasks.allNames()) if (!keep.contains(name)) deleteIfPresent(name);
        }
    }

    @Override
    public void uninstall(Collection<String> names) {
        for (String name : names) {
            if (!Tasks.allNames().contains(name)) {
                throw new OpsException(ExitCode.USAGE, "'" + name + "' is not one of this project's tasks",
                        "names are " + String.join(", ", Tasks.allNames()));
            }
        }
        names.forEach(this::deleteIfPresent);
    }

    @Override
    public List<Installed> list() {
        List<Installed> out = new ArrayList<>();
        for (String name : Tasks.allNames()) {
            Proc.Result r = commands.read(List.of("schtasks", "/Query", "/TN", name, "/FO", "CSV", "/V", "/NH"));
            if (!r.ok()) continue;
            List<List<String>> rows = rows(r.stdout()).stream().filter(row -> name.equals(taskName(row))).toList();
            if (rows.isEmpty()) continue;
            // one row per trigger: the startup check has a logon row and, when logged off, a boot row
            Set<String> schedules = new LinkedHashSet<>();
            rows.forEach(row -> schedules.add(schedule(row)));
            List<String> first = rows.get(0);
            out.add(new Installed(name, String.join("; ", schedules), field(first, NEXT_RUN), field(first, STATUS)));
        }
        return out;
    }

    private static String fileName(Task task) { return task.name() + ".xml"; }

    private void deleteIfPresent(String name) {
        if (commands.read(List.of("schtasks", "/Query", "/TN", name)).ok()) {
            commands.change(List.of("schtasks", "/Delete", "/TN", name, "/F"), null);
        }
    }

    /**
     * schtasks quotes every field but does not double the quotes inside one (Task To Run reads
     * {@code ""C:\x\jbang.cmd" args"}), so a field ends only at {@code ","} or at the line's last quote;
     * commas inside a field stay in it.
     */
    private static List<List<String>> rows(String csv) {
        List<List<String>> rows = new ArrayList<>();
        for (String line : csv.lines().map(String::strip).toList()) {
            if (line.length() < 2 || !line.startsWith("\"") || !line.endsWith("\"")) continue;
            rows.add(Arrays.asList(line.substring(1, line.length() - 1).split("\",\"", -1)));
        }
        return rows;
    }

    /** The task name without the root folder's backslash. */
    private static String taskName(List<String> row) {
        String name = field(row, TASK_NAME);
        return name.startsWith("\\") ? name.substring(1) : name;
    }

    /** Schedule type, start time and repetition in Windows' own (possibly translated) words. */
    private static String schedule(List<String> row) {
        StringBuilder s = new StringBuilder(field(row, SCHEDULE_TYPE));
        String time = field(row, START_TIME);
        if (MEANINGFUL.matcher(time).find()) s.append(' ').append(time);
        String repeat = field(row, REPEAT_EVERY);
        if (MEANINGFUL.matcher(repeat).find()) s.append(" every ").append(repeat);
        return s.toString();
    }

    private static String field(List<String> row, int column) {
        return column < row.size() ? row.get(column).strip() : "";
    }
}
