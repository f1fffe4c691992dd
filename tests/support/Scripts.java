package tests.support;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs the top-level scripts the way users do: {@code ./jbang backup.java ...}, as a separate process. */
public final class Scripts {
    /** Exit code, stdout and stderr of a finished run. */
    public record Run(int exit, String out, String err) {
        public String all() { return out + err; }
    }

    private Scripts() {}

    public static Path root() {
        String home = System.getenv("RA_INFRA_HOME");
        return Path.of(home != null ? home : "").toAbsolutePath();
    }

    /** Starts {@code ./jbang script args} with {@code env} added; stdin is empty (not a terminal). */
    public static Process start(Map<String, String> env, Path stdout, Path stderr, String script, String... args) {
        List<String> cmd = new ArrayList<>(List.of(root().resolve("jbang").toString(), root().resolve(script).toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(stdout.toFile()).redirectError(stderr.toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("PG") || k.equals("DOCKER_CONTAINER") || k.equals("BACKUP_DIR"));
        pb.environment().putAll(env);
        try {
            return pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static Run run(Map<String, String> env, String script, String... args) {
        try {
            Path out = File.createTempFile("ra-out", ".txt").toPath();
            Path err = File.createTempFile("ra-err", ".txt").toPath();
            Process p = start(env, out, err, script, args);
            if (!p.waitFor(5, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new AssertionError(script + " did not finish in 5 minutes");
            }
            return new Run(p.exitValue(), java.nio.file.Files.readString(out, StandardCharsets.UTF_8),
                    java.nio.file.Files.readString(err, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
