package lib.schedule;

import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * One scheduler (Windows Task Scheduler, systemd timers, cron). Every method acts only on tasks named
 * {@link Task#PREFIX}*, and only through {@link Commands}.
 */
public interface Platform {
    /** An installed task as the scheduler reports it. */
    record Installed(String name, String schedule, String nextRun, String state) {}

    /** windows, systemd or cron. */
    String id();

    /**
     * Exactly the files an install writes, by file name (one per task, or the crontab block), for
     * {@code --dry-run --out DIR}; contents byte for byte as installed.
     */
    Map<String, byte[]> files(List<Task> tasks);

    /**
     * Installs or replaces these tasks; running it twice changes nothing the second time.
     * @param prune also remove this project's tasks that are not in {@code tasks} (a full install)
     */
    void install(List<Task> tasks, boolean prune);

    /** Removes the named tasks of this project (names from {@link Tasks#allNames()}), leaving everything else alone. */
    void uninstall(Collection<String> names);

    /** This project's installed tasks with their schedule and next run. */
    List<Installed> list();
}
