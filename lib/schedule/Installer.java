package lib.schedule;

import lib.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.*;

/**
 * install-tasks' three actions on a platform, and what each prints: the tasks with their schedule and
 * command, then (after a real install) what the scheduler itself says about them.
 */
public final class Installer {
    private Installer() {}

    /**
     * Installs {@code tasks}; with {@code prune}, this project's other tasks go (a full install).
     * @param out with a dry run, the directory that receives the files it would install (null: none)
     */
    public static int install(Platform p, List<Task> tasks, boolean prune, Path out, boolean dryRun, Log log, boolean json) {
        if (out != null) writeFiles(p.files(tasks), out);
        p.install(tasks, prune);
        log.info((dryRun ? "dry run: would install " : "installed ") + tasks.size() + " task(s) on " + p.id() + ": "
                + String.join(", ", tasks.stream().map(Task::id).toList()));
        List<Platform.Installed> now = dryRun ? List.of() : p.list();
        if (json) {
            Map<String, Object> o = new LinkedHashMap<>();
            o.put("platform", p.id());
            o.put("dryRun", dryRun);
            o.put("tasks", tasks.stream().map(Installer::describe).toList());
            o.put("installed", now);
            o.put("files", out == null ? null : out.toAbsolutePath().toString());
            Cli.printJson(o);
            return ExitCode.OK;
        }
        System.out.printf("%-40s %-20s %s%n", "TASK", "SCHEDULE", "RUNS");
        for (Task t : tasks) System.out.printf("%-40s %-20s %s%n", t.name(), t.trigger().describe(), (t.script() + " " + String.join(" ", t.args())).strip());
        if (out != null) System.out.println("files written to " + out.toAbsolutePath());
        if (dryRun) {
            System.out.println("dry run: nothing was changed on " + p.id());
        } else {
            System.out.println("installed " + tasks.size() + " task(s) on " + p.id() + (prune ? "" : " (other tasks left as they were)"));
            print(now);
        }
        return ExitCode.OK;
    }

    public static int list(Platform p, boolean json) {
        List<Platform.Installed> now = p.list();
        if (json) {
            Cli.printJson(Map.of("platform", p.id(), "installed", now));
        } else if (now.isEmpty()) {
            System.out.println("no ra-infrastructure tasks installed on " + p.id());
        } else {
            print(now);
        }
        return ExitCode.OK;
    }

    /** Removes the tasks named with --only (ids), or every task this project can install. */
    public static int uninstall(Platform p, List<String> only, boolean dryRun, Log log, boolean json) {
        List<String> names = only.isEmpty() ? Tasks.allNames() : only.stream().map(id -> Task.PREFIX + Tasks.id(id)).toList();
        List<String> before = dryRun ? List.of() : p.list().stream().map(Platform.Installed::name).toList();
        p.uninstall(names);
        List<String> removed = before.stream().filter(names::contains).toList();
        log.info((dryRun ? "dry run: would remove " : "removed ") + String.join(", ", dryRun ? names : removed) + " from " + p.id());
        if (json) {
            Cli.printJson(Map.of("platform", p.id(), "dryRun", dryRun, "removed", dryRun ? List.of() : removed));
        } else if (dryRun) {
            System.out.println("dry run: nothing was changed on " + p.id());
        } else {
            System.out.println(removed.isEmpty() ? "nothing to remove on " + p.id()
                    : "removed " + removed.size() + " task(s) from " + p.id() + ": " + String.join(", ", removed));
        }
        return ExitCode.OK;
    }

    private static void print(List<Platform.Installed> rows) {
        System.out.printf("%-40s %-28s %-28s %s%n", "INSTALLED", "SCHEDULE", "NEXT RUN", "STATE");
        for (Platform.Installed i : rows) System.out.printf("%-40s %-28s %-28s %s%n", i.name(), i.schedule(), i.nextRun(), i.state());
    }

    private static Map<String, Object> describe(Task t) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", t.id());
        m.put("name", t.name());
        m.put("schedule", t.trigger().describe());
        m.put("script", t.script());
        m.put("args", t.args());
        m.put("timeLimitMinutes", t.timeLimit().toMinutes());
        return m;
    }

    /** --out DIR: exactly the files an install writes, each durably, so the preview can be diffed or copied. */
    private static void writeFiles(Map<String, byte[]> files, Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw Disk.explain(e, dir);
        }
        files.forEach((name, bytes) -> SafeFiles.write(dir.resolve(name), bytes));
    }
}
