package lib;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Which kind of containers the Docker engine runs. Docker Desktop on Windows has two engines and the tray menu
 * switches between them; in Windows-containers mode the Linux engine, and with it every Linux container (the
 * PostgreSQL container among them), is out of sight, so docker answers "No such container" as if it had been
 * removed. The engine is asked only when a container is missing or the engine check runs, so other runs pay nothing.
 */
public final class DockerOs {
    /** "container X does not exist" and what to do; {@code windowsMode} when the engine runs Windows containers. */
    public record Missing(String message, String hint, boolean windowsMode) {}

    /**
     * The fix, in the words of Docker Desktop's menu (the item reads "Switch to Windows containers..." while the Linux
     * engine is in use, so either wording tells which mode it is in). Checked on Windows: not yet.
     */
    public static final String SWITCH = "right-click the Docker icon in the taskbar's notification area, choose "
            + "\"Switch to Linux containers...\", then run this again";

    private DockerOs() {}

    /** "linux", "windows", or "" when the engine cannot say (not reachable, an old CLI). */
    public static String of(Duration timeout) {
        try {
            Proc.Result r = Proc.run(List.of("docker", "version", "--format", "{{.Server.Os}}"), Map.of(), timeout);
            return r.ok() ? r.stdout().strip().toLowerCase(Locale.ROOT) : "";
        } catch (OpsException e) {
            return ""; // docker missing or frozen: the caller's own message already says so
        }
    }

    /** What a Windows-containers engine means for {@code container}. */
    public static String windowsMode(String container) {
        return "Docker Desktop is running Windows containers; " + container + " is a Linux container";
    }

    /**
     * What to say when docker reports {@code container} missing: the engine's mode when that is the cause, else
     * the plain fact with {@code usualHint}.
     */
    public static Missing missing(String container, String usualHint, Duration timeout) {
        String said = "container " + container + " does not exist";
        if (of(timeout).equals("windows")) return new Missing(said + ": " + windowsMode(container), SWITCH, true);
        return new Missing(said, usualHint, false);
    }
}
