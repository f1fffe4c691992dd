package lib;

import java.util.Map;
import java.util.Optional;

/**
 * Stops the script when the {@code jbang.cmd} that launched it ends. Task Scheduler stops a task by killing
 * the process it started, {@code cmd.exe}, and Windows leaves that process's children running: without this
 * watch the script's JVM would carry on with the lock held and its {@code docker exec} still working. Exiting
 * runs the shutdown hooks, which kill what the script started and release the lock (checked on Windows: not
 * yet). Under {@code ./jbang} the script's JVM replaces the shell, so there is no launcher to watch.
 */
public final class ParentWatch {
    /**
     * The exit code of a run stopped this way: 143, what a shell reports for a process ended by the system
     * (128 + SIGTERM). Not one of {@link ExitCode}'s: the launcher that would read it is already gone.
     */
    public static final int STOPPED = 143;

    private ParentWatch() {}

    /** Starts the watch when {@code env} says cmd.exe (jbang.cmd) launched this JVM; else does nothing. */
    static void start(Map<String, String> env) {
        if (!"cmd".equals(env.get("JBANG_RUNTIME_SHELL"))) return;
        Optional<ProcessHandle> launcher = ProcessHandle.current().parent();
        if (launcher.isEmpty()) return;
        long pid = launcher.get().pid();
        // no time limit: the watch lasts as long as the run, and a daemon thread does not keep the JVM alive
        Thread watch = new Thread(() -> {
            launcher.get().onExit().join();
            stop(pid);
        }, "parent-watch");
        watch.setDaemon(true);
        watch.start();
    }

    private static void stop(long pid) {
        String line = "stopping: the launcher (jbang.cmd, pid " + pid + ") has ended, so the task was stopped";
        if (Cli.log != null) Cli.log.error(line);
        System.err.println("error: " + line);
        System.exit(STOPPED);
    }
}
