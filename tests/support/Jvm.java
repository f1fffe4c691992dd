package tests.support;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/** Another JVM running a main class of this harness (lib and the tests on its class path), for what needs a process of its own. */
public final class Jvm {
    private Jvm() {}

    /** The command line that runs {@code main} with {@code args}. */
    public static List<String> command(Class<?> main, String... args) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-classpath",
                System.getProperty("java.class.path"), main.getName()));
        cmd.addAll(List.of(args));
        return cmd;
    }

    /** Starts {@code cmd} with {@code env} added, stdin empty, stdout and stderr appended to {@code log}. */
    public static Process start(List<String> cmd, Map<String, String> env, Path log) {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.environment().putAll(env);
        try {
            return pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The first descendant of {@code root} whose program is {@code program} (e.g. "sleep"), waiting up to 60 s for it to appear. */
    public static ProcessHandle awaitDescendant(ProcessHandle root, String program) {
        return await(() -> root.descendants().filter(h -> h.info().command().map(c -> c.endsWith("/" + program)).orElse(false)).findFirst(),
                "a " + program + " under pid " + root.pid());
    }

    /** Waits up to 60 s for {@code probe} to find something. */
    public static <T> T await(Supplier<Optional<T>> probe, String what) {
        for (int i = 0; i < 600; i++) {
            Optional<T> found = probe.get();
            if (found.isPresent()) return found.get();
            TestContainer.sleep(100);
        }
        throw new AssertionError("not found within 60 s: " + what);
    }

    /** True when {@code h} ends within 30 s: gone, or a zombie (killed, but its new parent has not reaped it yet). */
    public static boolean ends(ProcessHandle h) {
        for (int i = 0; i < 300; i++) {
            if (!h.isAlive() || zombie(h.pid())) return true;
            TestContainer.sleep(100);
        }
        return false;
    }

    private static boolean zombie(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", String.valueOf(pid), "stat"));
            return stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
        } catch (IOException e) {
            return true; // gone
        }
    }
}
