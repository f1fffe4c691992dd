package lib.monitor;

import lib.OpsException;
import lib.Proc;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A program the monitor started on the operator's behalf (a backup, a drill, a container restart), run
 * through {@link Proc} on its own thread with no input. Its last output lines (stdout and stderr, escape
 * codes removed) are kept for the status area; {@code onChange} is called with it on every new line and once it has ended.
 */
public final class Job {
    private static final int KEEP = 20;

    private final String title;
    private final Instant started = Instant.now();
    private final Deque<String> lines = new ArrayDeque<>();
    private final Consumer<Job> onChange;
    private volatile Instant ended;
    private volatile Integer exit;
    private volatile String error;

    private Job(String title, Consumer<Job> onChange) {
        this.title = title;
        this.onChange = onChange;
    }

    /** Starts {@code cmd} (with {@code env} added to ours) in the background; {@code timeout} null means none. */
    public static Job start(String title, List<String> cmd, Map<String, String> env, Duration timeout, Consumer<Job> onChange) {
        Job job = new Job(title, onChange);
        Thread t = new Thread(() -> job.run(cmd, env, timeout), "monitor-job");
        t.setDaemon(true);
        t.start();
        return job;
    }

    private void run(List<String> cmd, Map<String, String> env, Duration timeout) {
        LineSink out = new LineSink();
        LineSink err = new LineSink();
        try {
            Proc.Result r = Proc.run(cmd, env, timeout, null, out, err);
            out.close();
            err.close();
            exit = r.exit();
        } catch (OpsException | UncheckedIOException e) {
            error = e.getMessage();
        } finally {
            ended = Instant.now();
            onChange.accept(this);
        }
    }

    public String title() { return title; }

    public boolean running() { return ended == null; }

    /** True once it ended with exit code 0. */
    public boolean succeeded() { return exit != null && exit == 0; }

    /** The last {@code n} non-blank output lines, oldest first. */
    public List<String> lastLines(int n) {
        synchronized (lines) {
            List<String> all = new ArrayList<>(lines);
            return all.subList(Math.max(0, all.size() - n), all.size());
        }
    }

    /** "backup running for 12 s", "backup finished OK after 35 s", "backup FAILED (exit 6) after 40 s". */
    public String describe(Instant now) {
        if (running()) return title + " running for " + Duration.between(started, now).toSeconds() + " s";
        String took = " after " + Duration.between(started, ended).toSeconds() + " s";
        if (error != null) return title + " FAILED: " + error;
        return title + (succeeded() ? " finished OK" : " FAILED (exit " + exit + ")") + took;
    }

    private void line(String raw) {
        String l = raw.replaceAll("\u001B\\[[0-?]*[ -/]*[@-~]", "").replaceAll("\\p{Cntrl}", " ").strip();
        if (l.isEmpty()) return;
        synchronized (lines) {
            lines.addLast(l);
            while (lines.size() > KEEP) lines.removeFirst();
        }
        onChange.accept(this);
    }

    /** One output stream of the program, cut into lines at \n or \r (progress lines rewrite themselves with \r). */
    private final class LineSink extends OutputStream {
        private final ByteArrayOutputStream pending = new ByteArrayOutputStream();

        @Override
        public void write(int b) {
            if (b == '\n' || b == '\r') {
                line(pending.toString(StandardCharsets.UTF_8));
                pending.reset();
            } else {
                pending.write(b);
            }
        }

        @Override
        public void write(byte[] b, int off, int len) {
            for (int i = off; i < off + len; i++) write(b[i]);
        }

        @Override
        public void close() {
            if (pending.size() > 0) line(pending.toString(StandardCharsets.UTF_8));
            pending.reset();
        }
    }
}
