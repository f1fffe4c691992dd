package lib.schedule;

import lib.ExitCode;
import lib.OpsException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Which scheduler this machine has, and the platform object for it built from install-tasks' options:
 * Windows → Task Scheduler; Linux booted with systemd → timers; anything else → the user's crontab.
 */
public final class Platforms {
    /** install-tasks' platform options. */
    public record Options(String platform, String home, boolean userScope, String runAs, boolean loggedOff,
                          boolean showWindows, Path tempDir) {}

    private Platforms() {}

    /** windows, systemd or cron, from the OS and whether systemd is PID 1 (the same test as sd_booted()). */
    public static String detect() {
        if (System.getProperty("os.name").startsWith("Windows")) return "windows";
        return Files.isDirectory(Path.of("/run/systemd/system")) ? "systemd" : "cron";
    }

    public static Platform create(Options o, Commands commands) {
        String id = o.platform().toLowerCase(Locale.ROOT);
        boolean windowsPaths = id.equals("windows") || o.home().matches("^[A-Za-z]:\\\\.*");
        Launch launch = new Launch(o.home(), windowsPaths);
        return switch (id) {
            case "windows" -> new WindowsTasks(launch, commands, o.tempDir(), windowsUser(), o.loggedOff(), !o.showWindows());
            case "systemd" -> new SystemdTimers(launch, commands, o.userScope(), unitDir(o.userScope()),
                    environment(!o.userScope() && o.runAs() == null), o.runAs());
            case "cron" -> new CronTable(launch, commands, o.runAs(), environment(false), o.tempDir());
            default -> throw new OpsException(ExitCode.USAGE, "unknown --platform " + o.platform(), "use windows, systemd or cron");
        };
    }

    /** systemd's own default: system units as root, the user's manager otherwise. */
    public static boolean defaultUserScope() { return !"root".equals(System.getProperty("user.name")); }

    /** Where unit files go: /etc/systemd/system, or $XDG_CONFIG_HOME/systemd/user (~/.config/systemd/user). */
    static Path unitDir(boolean user) {
        if (!user) return Path.of("/etc/systemd/system");
        String xdg = System.getenv("XDG_CONFIG_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".config");
        return base.resolve("systemd/user");
    }

    /**
     * What a scheduled run needs from the installing terminal: PATH (java, docker; cron's own is only
     * /usr/bin:/bin), JAVA_HOME when set, and HOME for system units without User= (the one case where
     * neither systemd nor cron sets it for the account that runs the task).
     */
    static Map<String, String> environment(boolean withHome) {
        Map<String, String> env = new LinkedHashMap<>();
        for (String k : withHome ? new String[] {"PATH", "JAVA_HOME", "HOME"} : new String[] {"PATH", "JAVA_HOME"}) {
            String v = System.getenv(k);
            if (v != null && !v.isBlank()) env.put(k, v);
        }
        return env;
    }

    /** DOMAIN\\user as Task Scheduler names the account the tasks run for. */
    static String windowsUser() {
        String user = System.getenv().getOrDefault("USERNAME", System.getProperty("user.name"));
        String domain = System.getenv("USERDOMAIN");
        return domain == null || domain.isBlank() ? user : domain + "\\" + user;
    }
}
