package tests;

import lib.Cli;
import lib.Proc;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine.Command;
import tests.support.Jvm;
import tests.support.TestContainer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * lib/ParentWatch: a script launched by jbang.cmd stops when that launcher is killed (as Task Scheduler stops a
 * task), taking what it started with it; launched otherwise, it is left alone. A shell stands in for cmd.exe.
 */
class ParentWatchTest {
    @TempDir Path dir;

    /** A script that runs {@code sh -c "sleep 600; :"} through Proc until it is stopped. */
    @Command(name = "watched")
    public static final class Watched implements Callable<Integer> {
        @Override public Integer call() {
            Proc.run(List.of("sh", "-c", "sleep 600; :"), Map.of(), Duration.ofMinutes(15));
            return 0;
        }

        public static void main(String[] args) { System.exit(Cli.execute(new Watched(), args)); }
    }

    /** The launcher, its script's JVM and the sleep that JVM started. */
    private record Tree(Process launcher, ProcessHandle script, ProcessHandle sleep) {}

    private Tree launch(String shell) {
        List<String> cmd = new ArrayList<>(List.of("sh", "-c", "\"$@\"; :", "sh"));
        cmd.addAll(Jvm.command(Watched.class));
        Process launcher = Jvm.start(cmd, Map.of("JBANG_RUNTIME_SHELL", shell), dir.resolve("log"));
        ProcessHandle sleep = Jvm.awaitDescendant(launcher.toHandle(), "sleep");
        return new Tree(launcher, sleep.parent().flatMap(ProcessHandle::parent).orElseThrow(), sleep);
    }

    @Test
    void underJbangCmdTheScriptStopsWhenItsLauncherIsKilled() throws Exception {
        Tree t = launch("cmd");
        try {
            t.launcher().destroyForcibly();

            assertThat(Jvm.ends(t.script())).as("the script stops").isTrue();
            assertThat(Jvm.ends(t.sleep())).as("and kills what it started").isTrue();
            assertThat(Files.readString(dir.resolve("log"))).contains("error: stopping: the launcher (jbang.cmd, pid "
                    + t.launcher().pid() + ") has ended");
        } finally {
            t.script().destroyForcibly();
            t.sleep().destroyForcibly();
        }
    }

    @Test
    void launchedOtherwiseTheScriptOutlivesItsParent() throws Exception {
        Tree t = launch("bash");
        try {
            t.launcher().destroyForcibly();
            t.launcher().waitFor();
            TestContainer.sleep(3000); // the watch would have acted well within this

            assertThat(t.script().isAlive()).isTrue();
            assertThat(t.sleep().isAlive()).isTrue();
        } finally {
            t.script().destroyForcibly();
            t.sleep().destroyForcibly();
        }
    }
}
