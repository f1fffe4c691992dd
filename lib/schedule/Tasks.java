package lib.schedule;

import lib.Config;
import lib.ExitCode;
import lib.OpsException;

import java.nio.file.Files;
import java.time.Duration;
import java.util.*;

/**
 * The PRD's schedule: which tasks exist, what each runs, and when (SCHEDULE_* settings, or --at).
 * Backups follow SCHEDULED_TYPES, the same setting health-check's freshness check reads, so a tier is
 * scheduled exactly when its absence would be reported; hourly also needs KEEP_HOURLY &gt; 0.
 */
public final class Tasks {
    /** id, script, args, time limit, description, in the order they are listed; schedules are Config's SCHEDULE_* keys. */
    private record Spec(String id, String script, List<String> args, Duration limit, String description) {}

    private static final List<Spec> SPECS = List.of(
            new Spec("health-check", "health-check.java", List.of(), Duration.ofMinutes(4),
                    "PostgreSQL health check with alerts"),
            new Spec("backup-hourly", "backup.java", List.of("--type", "hourly"), Duration.ofMinutes(55),
                    "hourly verified backup"),
            new Spec("backup-daily", "backup.java", List.of("--type", "daily"), Duration.ofHours(6),
                    "daily verified backup"),
            new Spec("backup-weekly", "backup.java", List.of("--type", "weekly"), Duration.ofHours(6),
                    "weekly verified backup"),
            new Spec("backup-monthly", "backup.java", List.of("--type", "monthly"), Duration.ofHours(6),
                    "monthly verified backup"),
            new Spec("backup-yearly", "backup.java", List.of("--type", "yearly"), Duration.ofHours(6),
                    "yearly verified backup"),
            new Spec("backup-volumes", "backup.java", List.of("--type", "weekly", "--volumes"), Duration.ofHours(2),
                    "weekly archive of pgAdmin's data and config/"),
            new Spec("verify-startup", "verify-startup.java", List.of(), Duration.ofMinutes(15),
                    "after boot or logon: wait for Docker, start the containers, check health"),
            new Spec("dr-drill", "dr-drill.java", List.of("--report", "logs/drill-report.html"), Duration.ofHours(2),
                    "quarterly disaster-recovery drill"));

    /** Every task id, for --only and --at. */
    public static final List<String> IDS = SPECS.stream().map(Spec::id).toList();

    /**
     * Arguments a task gets when it runs in no one's session (Windows' "whether user is logged on or not"):
     * Docker Desktop is an app of the signed-in user, so the startup check waits for the engine instead.
     */
    private static final Map<String, List<String>> WITHOUT_SESSION = Map.of("verify-startup", List.of("--no-desktop"));

    /** Seconds between the start seconds of consecutive tasks, see {@link #startSecond}. */
    private static final int SECONDS_APART = 5;

    private Tasks() {}

    /** The config key holding a task's schedule: backup-daily → SCHEDULE_BACKUP_DAILY. */
    public static String key(String id) {
        return "SCHEDULE_" + id.toUpperCase(Locale.ROOT).replace('-', '_');
    }

    /** "backup-daily" → "backup-daily"; anything else is a usage error listing the ids. */
    public static String id(String text) {
        String id = text.strip().toLowerCase(Locale.ROOT);
        if (!IDS.contains(id)) throw new OpsException(ExitCode.USAGE, "unknown task '" + text + "'", "tasks are " + String.join(", ", IDS));
        return id;
    }

    /**
     * The tasks to install.
     * @param only task ids chosen with --only (empty: the PRD's set for this configuration)
     */
    public static List<Task> plan(Config cfg, Collection<String> only) {
        Set<String> chosen = new HashSet<>();
        only.forEach(o -> chosen.add(id(o)));
        List<Task> out = new ArrayList<>();
        for (Spec s : SPECS) {
            if (chosen.isEmpty() ? wanted(cfg, s) : chosen.contains(s.id())) out.add(task(cfg, s));
        }
        return out;
    }

    /** {@code task} as it runs in no one's session: with {@link #WITHOUT_SESSION}'s arguments. */
    public static Task withoutSession(Task task) {
        List<String> extra = WITHOUT_SESSION.getOrDefault(task.id(), List.of());
        if (extra.isEmpty() || task.args().containsAll(extra)) return task;
        List<String> args = new ArrayList<>(task.args());
        args.addAll(extra);
        return new Task(task.id(), task.name(), task.script(), args, task.trigger(), task.timeLimit(), task.description());
    }

    /**
     * The second of the minute at which a task starts where the scheduler can say so (Task Scheduler): its
     * position in the list times {@value #SECONDS_APART}, so no two tasks ever start in the same second even
     * when their schedules share a minute. 0 for an id that is not ours.
     */
    public static int startSecond(String id) {
        return Math.max(0, IDS.indexOf(id)) * SECONDS_APART;
    }

    /** Every task this project can register, whatever the configuration: what uninstall and prune look for. */
    public static List<String> allNames() {
        return SPECS.stream().map(s -> Task.PREFIX + s.id()).toList();
    }

    private static boolean wanted(Config cfg, Spec s) {
        if (s.script().equals("backup.java")) {
            String type = s.args().get(1);
            boolean scheduled = cfg.list("SCHEDULED_TYPES").contains(type);
            boolean volumes = !s.args().contains("--volumes") || !cfg.list("VOLUMES").isEmpty();
            return scheduled && volumes && (!type.equals("hourly") || cfg.integer("KEEP_HOURLY") > 0);
        }
        return !s.id().equals("dr-drill") || Files.exists(cfg.home().resolve(s.script()));
    }

    private static Task task(Config cfg, Spec s) {
        String key = key(s.id());
        Trigger trigger;
        try {
            trigger = Trigger.parse(cfg.get(key));
        } catch (IllegalArgumentException e) {
            throw new OpsException(ExitCode.USAGE, key + " (from " + cfg.source(key) + "): " + e.getMessage(),
                    "fix it there, or pass --at " + s.id() + "=WHEN");
        }
        return new Task(s.id(), Task.PREFIX + s.id(), s.script(), s.args(), trigger, s.limit(), s.description());
    }
}
