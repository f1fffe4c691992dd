package lib.schedule;

import java.util.ArrayList;
import java.util.List;

/**
 * How a scheduler starts a script: absolute paths to the project's launcher and to the script, so the
 * task works from any working directory. Paths are strings in the target platform's own form, so that
 * Windows task files can be produced (and tested) on Linux too.
 * @param home the project directory (also the working directory of every task)
 * @param windows whether paths use backslashes and the launcher is jbang.cmd
 */
public record Launch(String home, boolean windows) {
    public String separator() { return windows ? "\\" : "/"; }

    /** jbang.cmd on Windows, the POSIX sh launcher jbang elsewhere. */
    public String launcher() { return file(windows ? "jbang.cmd" : "jbang"); }

    /** A file in the project directory. */
    public String file(String name) {
        return home.endsWith(separator()) ? home + name : home + separator() + name;
    }

    /** The program and arguments that run the task, unquoted: each platform quotes in its own way. */
    public List<String> command(Task task) {
        List<String> cmd = new ArrayList<>(List.of(launcher(), file(task.script())));
        cmd.addAll(task.args());
        return cmd;
    }
}
