package lib.schedule;

import lib.*;

import java.io.PrintStream;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Builds every script the schedule runs, at install time, through the project's own launcher
 * ({@code jbang build <script>}: locked, checked and recorded), so that a scheduled run neither compiles
 * nor resolves dependencies, and a build that fails is reported now rather than by a silent 02:00 run.
 */
public final class Prebuild {
    /** A first build resolves (downloads) the dependencies too. */
    static final Duration LIMIT = Duration.ofMinutes(10);

    private Prebuild() {}

    /**
     * Builds each distinct script of {@code tasks} with this machine's launcher in {@code launch}'s home; a dry
     * run only prints what it would build. The launcher's progress and errors go to stderr as they come.
     */
    public static void scripts(List<Task> tasks, Launch launch, boolean dryRun, Log log, PrintStream dryRunOut) {
        Set<String> scripts = new LinkedHashSet<>();
        tasks.forEach(t -> scripts.add(t.script()));
        for (String script : scripts) {
            List<String> cmd = List.of(launch.launcher(), "build", launch.file(script));
            if (dryRun) {
                dryRunOut.println("would build: " + script + " (" + String.join(" ", cmd) + ")");
                continue;
            }
            log.info("building " + script);
            Proc.Result r;
            try {
                r = Proc.run(cmd, Map.of(), LIMIT, null, null, System.err);
            } catch (OpsException e) {
                throw new OpsException(ExitCode.FAILED, "building " + script + " failed: " + e.getMessage(),
                        "check the network or proxy (a first build downloads dependencies), then run install-tasks again", e);
            }
            if (!r.ok()) {
                throw new OpsException(ExitCode.FAILED, "building " + script + " failed (" + r.lastError() + "); nothing was installed",
                        "the error is above; fix it, then run install-tasks again (one script alone: " + String.join(" ", cmd) + ")");
            }
        }
        if (!dryRun && !scripts.isEmpty()) log.info("built " + String.join(", ", scripts));
    }
}
