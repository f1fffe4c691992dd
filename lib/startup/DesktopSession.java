package lib.startup;

import lib.OpsException;
import lib.Proc;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Supplier;

/**
 * Whether this run may launch Docker Desktop. It is a program with windows that belongs to a signed-in user's desktop:
 * started from a task that runs whether the user is logged on or not (S4U), it lands in session 0, where nobody can
 * see it, it cannot work, and a copy left there may keep the user's own start from working later. Two signals say so:
 * {@code --no-desktop} (the scheduled task passes it when tasks run whether the user is logged on or not), and on
 * Windows the session itself.
 *
 * <p>How the session is told, checked on Windows: not yet. An interactive session sets SESSIONNAME ("Console",
 * "RDP-Tcp#3"), which Windows keeps per session under HKCU\Volatile Environment; session 0 has none. Confidence is
 * medium: SESSIONNAME is also missing where an environment was built without the per-session values (Windows
 * Terminal before 1.18, maybe other launchers), so when it is missing the session number is asked from
 * {@code tasklist} (its CSV columns are fixed and not translated): 0 is the services session, 1 and up are
 * users' sessions. When neither answers, Docker Desktop is not launched and the step says why: the user can
 * still start it, while a copy started in session 0 is the harm to avoid.
 */
public final class DesktopSession {
    private static final Duration TASKLIST_LIMIT = Duration.ofSeconds(10);

    private final boolean noDesktop;
    private final boolean windows;
    private final Map<String, String> env;
    private final Supplier<String> tasklist;

    /**
     * @param noDesktop never launch (--no-desktop)
     * @param windows whether this is Windows, where sessions matter
     * @param env this process's environment (SESSIONNAME)
     * @param tasklist what {@code tasklist} says about this process ("" when it cannot run), asked only when
     *                 SESSIONNAME is missing
     */
    public DesktopSession(boolean noDesktop, boolean windows, Map<String, String> env, Supplier<String> tasklist) {
        this.noDesktop = noDesktop;
        this.windows = windows;
        this.env = env;
        this.tasklist = tasklist;
    }

    /** This process, as it runs. */
    public static DesktopSession current(boolean noDesktop) {
        return new DesktopSession(noDesktop, System.getProperty("os.name").startsWith("Windows"), System.getenv(),
                DesktopSession::tasklist);
    }

    /** Why Docker Desktop must not be launched from this run, or empty when it may. */
    public Optional<String> whyNot() {
        if (noDesktop) return Optional.of("--no-desktop");
        if (!windows || !env.getOrDefault("SESSIONNAME", "").isBlank()) return Optional.empty();
        OptionalInt session = sessionColumn(tasklist.get());
        if (session.isPresent() && session.getAsInt() > 0) return Optional.empty();
        return Optional.of("no one is signed in (this task runs whether the user is logged on or not)");
    }

    /** tasklist's line about this process, or "" when it cannot run (not Windows). */
    private static String tasklist() {
        try {
            Proc.Result r = Proc.run(List.of("tasklist", "/FI", "PID eq " + ProcessHandle.current().pid(), "/FO", "CSV", "/NH"),
                    Map.of(), TASKLIST_LIMIT);
            return r.ok() ? r.stdout() : "";
        } catch (OpsException e) {
            return "";
        }
    }

    /**
     * The fourth column ("Session#") of tasklist's CSV line: {@code "java.exe","4242","Console","1","81,220 K"}.
     * Anything else (the translated "no tasks" notice) is empty.
     */
    private static OptionalInt sessionColumn(String csv) {
        String[] f = csv.strip().split("\",\"");
        if (f.length < 5 || !f[3].matches("\\d{1,9}")) return OptionalInt.empty();
        return OptionalInt.of(Integer.parseInt(f[3]));
    }
}
