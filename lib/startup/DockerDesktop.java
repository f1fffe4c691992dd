package lib.startup;

import lib.Config;
import lib.Log;
import lib.Proc;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Starts Docker Desktop when the engine does not answer and Desktop is not running (PRD AUTO-01): after a
 * Windows reboot it only starts by itself if "start when you sign in" is ticked. DOCKER_DESKTOP_EXE names
 * the program; a path that does not exist here (the Windows default on Linux) means "nothing to start".
 * It is started only where a signed-in user can have it ({@link DesktopSession}).
 */
public final class DockerDesktop {
    private final Path exe;
    private final Log log;
    private final DesktopSession session;

    DockerDesktop(Path exe, Log log, DesktopSession session) {
        this.exe = exe;
        this.log = log;
        this.session = session;
    }

    /** Empty when DOCKER_DESKTOP_EXE is blank, not a valid path here, or not installed. */
    public static Optional<DockerDesktop> from(Config cfg, Log log, DesktopSession session) {
        String value = cfg.get("DOCKER_DESKTOP_EXE");
        if (value.isBlank()) return Optional.empty();
        try {
            Path exe = Path.of(value);
            return Files.isRegularFile(exe) ? Optional.of(new DockerDesktop(exe, log, session)) : Optional.empty();
        } catch (InvalidPathException e) {
            return Optional.empty();
        }
    }

    public Path exe() { return exe; }

    /** Whether a process of ours runs this program (Desktop is per user; other users' processes are not visible). */
    public boolean running() {
        String name = exe.getFileName().toString();
        return ProcessHandle.allProcesses().anyMatch(p -> p.info().command()
                .map(c -> c.equalsIgnoreCase(exe.toString()) || new File(c).getName().equalsIgnoreCase(name)).orElse(false));
    }

    /** "Docker Desktop not started: &lt;why&gt;; waiting for the engine" when this run must not launch it, else empty. */
    public Optional<String> notStarting() {
        return session.whyNot().map(why -> "Docker Desktop not started: " + why + "; waiting for the engine");
    }

    /**
     * Launches it detached (it must outlive this run) with no console of its own, unless {@link #notStarting()} says why not.
     * @return what happened, for the step's detail
     */
    public String start() {
        Optional<String> not = notStarting();
        if (not.isPresent()) {
            log.info(not.get());
            return not.get();
        }
        try {
            Proc.startDetached(List.of(exe.toString()));
            log.info("started " + exe);
            return "started " + exe.getFileName();
        } catch (IOException e) {
            log.warn("cannot start " + exe + ": " + e.getMessage());
            return "could not start " + exe + ": " + e.getMessage();
        }
    }
}
