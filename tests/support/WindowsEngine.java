package tests.support;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * A {@code docker} program first on PATH that answers as Docker Desktop does after "Switch to Windows containers...":
 * the engine answers, {@code docker version} says its server OS is windows, and every Linux container is out of
 * sight ("No such container"). Scripts run with it as users run them; a test's own JVM keeps its PATH.
 */
public final class WindowsEngine {
    private WindowsEngine() {}

    /** {@code env} with PATH starting at a folder (under {@code home}) that holds the stand-in docker. */
    public static Map<String, String> onPath(Path home, Map<String, String> env) {
        try {
            Path bin = Files.createDirectories(home.resolve("windows-engine-bin"));
            Fixtures.shellScript(bin.resolve("docker"), """
                    case "$*" in
                      "version --format {{.Server.Version}}") echo 27.5.1 ;;
                      "version --format {{.Server.Os}}") echo windows ;;
                      "info --format {{.OSType}}") echo windows ;;
                      *) echo "Error response from daemon: No such container" >&2; exit 1 ;;
                    esac
                    """);
            Map<String, String> out = new HashMap<>(env);
            out.put("PATH", bin + File.pathSeparator + System.getenv("PATH"));
            return out;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
