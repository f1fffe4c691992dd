package lib;

import org.zeroturnaround.exec.InvalidExitValueException;
import org.zeroturnaround.exec.ProcessExecutor;
import org.zeroturnaround.exec.StartedProcess;
import org.zeroturnaround.exec.stream.ExecuteStreamHandler;
import org.zeroturnaround.exec.stream.PumpStreamHandler;

import java.io.*;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * Runs external programs (pg_dump, psql, docker...) from argument lists, never a shell string.
 * Secrets travel in the environment map only. Streams are pumped with large buffers, and a failure
 * on our side of a pipe (disk full, corrupt input) is reported rather than swallowed. When the JVM
 * exits, everything it started is killed, grandchildren included.
 */
public final class Proc {
    static final int BUFFER = 1 << 16;
    static final int STDERR_TAIL = 16 * 1024;
    /** How long a process whose stdin or stdout broke may take to exit before the break counts as ours. */
    static final Duration EXIT_GRACE = Duration.ofSeconds(2);
    /**
     * Processes the exit hook must not kill: those started while the JVM shuts down (cleanup: a shutdown hook's,
     * or a finally block's after a signal) and those meant to outlive us ({@link #startDetached}). Also the lock that orders starts against that hook.
     */
    private static final Set<ProcessHandle> CLEANUP = ConcurrentHashMap.newKeySet();
    /** Set by the exit hook once it has run (guarded by {@link #CLEANUP}). */
    private static boolean descendantsKilled;

    static {
        if (!shuttingDown()) Runtime.getRuntime().addShutdownHook(new Thread(Proc::killDescendants, "kill-descendants"));
    }

    /** Exit value, captured stdout (empty when streamed elsewhere) and the tail of stderr. */
    public record Result(int exit, String stdout, String stderr) {
        public boolean ok() { return exit == 0; }

        /** The last non-blank stderr line: usually the one that names the cause. */
        public String lastError() {
            String[] lines = stderr.strip().split("\\R");
            for (int i = lines.length - 1; i >= 0; i--) if (!lines[i].isBlank()) return lines[i].strip();
            return "exit code " + exit;
        }
    }

    private Proc() {}

    /** Runs to completion, capturing stdout. */
    public static Result run(List<String> cmd, Map<String, String> env, Duration timeout) {
        return run(cmd, env, timeout, null, null);
    }

    /**
     * Runs to completion with stdin fed from {@code in} and stdout streamed to {@code out}
     * (either may be null: no input / capture). A null timeout means none.
     * @throws UncheckedIOException when reading {@code in} or writing {@code out} failed
     */
    public static Result run(List<String> cmd, Map<String, String> env, Duration timeout, InputStream in, OutputStream out) {
        return run(cmd, env, timeout, in, out, null);
    }

    /**
     * As {@link #run(List, Map, Duration, InputStream, OutputStream)}, and stderr is also copied as it arrives
     * into {@code errCopy} (when not null), e.g. to show a program's progress lines live.
     */
    public static Result run(List<String> cmd, Map<String, String> env, Duration timeout, InputStream in, OutputStream out,
                             OutputStream errCopy) {
        return run(cmd, env, timeout, null, in, out, errCopy);
    }

    /**
     * Runs a long stream (a dump) with no limit on its length but a watchdog on its silence: when neither
     * stdout nor stderr has moved for {@code stall}, the program (and what it started) is killed and the run
     * fails. A dump that keeps moving is never stopped, however long it takes.
     */
    public static Result runWatched(List<String> cmd, Map<String, String> env, Duration stall, OutputStream out) {
        return run(cmd, env, null, stall, null, out, null);
    }

    private static Result run(List<String> cmd, Map<String, String> env, Duration timeout, Duration stall, InputStream in,
                              OutputStream out, OutputStream errCopy) {
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        TailBuffer err = new TailBuffer(STDERR_TAIL);
        Activity activity = new Activity();
        OutputStream errOut = errCopy == null ? err : new Tee(err, errCopy);
        Pumps pumps = new Pumps(activity.watch(out != null ? out : captured), activity.watch(errOut), in);
        ProcessExecutor ex = new ProcessExecutor().command(cmd).environment(env).redirectErrorStream(false).streams(pumps)
                .exitValueAny();
        int exit;
        try {
            StartedProcess p = start(ex::start, StartedProcess::getProcess);
            pumps.process.complete(p.getProcess());
            exit = waitFor(p, cmd.get(0), timeout, stall, activity);
        } catch (IOException e) {
            throw notFound(cmd.get(0), e);
        }
        if (pumps.failure != null) throw new UncheckedIOException(pumps.failure);
        return new Result(exit, captured.toString(StandardCharsets.UTF_8), err.toString());
    }

    /** Waits for the exit code, killing the process when it outlives {@code timeout} or stays silent for {@code stall}. */
    private static int waitFor(StartedProcess p, String program, Duration timeout, Duration stall, Activity activity) {
        long deadline = timeout == null ? Long.MAX_VALUE : System.nanoTime() + timeout.toNanos();
        while (true) {
            try {
                return p.getFuture().get(250, TimeUnit.MILLISECONDS).getExitValue();
            } catch (TimeoutException e) {
                if (timeout != null && System.nanoTime() - deadline >= 0) {
                    kill(p);
                    throw timedOut(program, timeout);
                }
                if (stall != null && activity.silentFor().compareTo(stall) >= 0) {
                    kill(p);
                    throw new OpsException(ExitCode.UNAVAILABLE, name(program) + " stalled: no output for " + stall.toSeconds()
                            + " s, stopped", unresponsive(program) + "; STALL_SECONDS sets the limit");
                }
            } catch (InterruptedException e) {
                kill(p);
                Thread.currentThread().interrupt();
                throw new OpsException(ExitCode.FAILED, "interrupted while running " + name(program), null);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof InvalidExitValueException v) return v.getExitValue();
                throw new OpsException(ExitCode.FAILED, "running " + name(program) + " failed: " + e.getCause(), null, e.getCause());
            }
        }
    }

    /**
     * Runs a program with its stdin empty and its stdout and stderr appended to {@code output}, waiting for its
     * own exit only. For a program that starts a server and returns (pg_ctl start): the server inherits what
     * the program had, and on Windows it holds those handles until it stops, so a pipe to us would reach its end
     * only then (checked on Windows: not yet). The result's stderr is the tail of {@code output}.
     */
    public static Result runToFile(List<String> cmd, Map<String, String> env, Duration timeout, Path output) {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(output.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(nullDevice()));
        pb.environment().putAll(env);
        try {
            Process p = start(pb::start, Function.identity());
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                killTree(p.toHandle());
                throw timedOut(cmd.get(0), timeout);
            }
            return new Result(p.exitValue(), "", tail(output));
        } catch (IOException e) {
            throw notFound(cmd.get(0), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new OpsException(ExitCode.FAILED, "interrupted while running " + name(cmd.get(0)), null);
        }
    }

    private static String tail(Path file) throws IOException {
        TailBuffer t = new TailBuffer(STDERR_TAIL);
        try (InputStream in = new FileInputStream(file.toFile())) {
            in.transferTo(t);
        }
        return t.toString();
    }

    private static OpsException timedOut(String program, Duration timeout) {
        return new OpsException(ExitCode.UNAVAILABLE, name(program) + " did not finish within " + timeout.toSeconds() + " s",
                unresponsive(program));
    }

    /** An action that starts a process. */
    private interface Starter<T> {
        T start() throws IOException;
    }

    /**
     * Starts a program that must outlive this run (Docker Desktop), with no pipes to us. The exit hook spares it and
     * what it starts, as it spares cleanup.
     */
    public static void startDetached(List<String> cmd) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD).redirectInput(ProcessBuilder.Redirect.from(nullDevice()));
        synchronized (CLEANUP) {
            CLEANUP.add(pb.start().toHandle());
        }
    }

    /** NUL on Windows, /dev/null elsewhere: an empty stdin. */
    private static File nullDevice() {
        return new File(System.getProperty("os.name").startsWith("Windows") ? "NUL" : "/dev/null");
    }

    /**
     * Starts a process. One whose start begins while the JVM shuts down is cleanup, which {@link #killDescendants}
     * spares; any other one started after that hook has run is killed at once.
     */
    private static <T> T start(Starter<T> starter, Function<T, Process> process) throws IOException {
        synchronized (CLEANUP) {
            boolean cleanup = shuttingDown();
            T started = starter.start();
            ProcessHandle h = process.apply(started).toHandle();
            if (cleanup) CLEANUP.add(h);
            else if (descendantsKilled) killTree(h);
            return started;
        }
    }

    /**
     * The exit hook (Ctrl-C, a stopped task, System.exit): kills every process this JVM started and what those
     * started. Killing a process does not end its children (on Windows never; on Linux only a terminal signals the
     * whole group), and a {@code docker exec} or {@code pg_dump} left behind would keep working on the database
     * (checked on Windows: not yet).
     */
    private static void killDescendants() {
        synchronized (CLEANUP) {
            killChildren(ProcessHandle.current());
            descendantsKilled = true;
        }
    }

    /** Deepest first: a parent killed before its children would leave them out of reach (no longer its descendants). */
    private static void killChildren(ProcessHandle parent) {
        parent.children().filter(c -> !CLEANUP.contains(c)).forEach(Proc::killTree);
    }

    private static void killTree(ProcessHandle h) {
        killChildren(h);
        h.destroyForcibly();
    }

    /** Kills the process and everything it started, then lets the stream pumps end. */
    private static void kill(StartedProcess p) {
        killTree(p.getProcess().toHandle());
        try {
            p.getFuture().get(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException ignored) {
            // killed: its result no longer matters
        }
    }

    private static String unresponsive(String program) {
        return name(program).equals("docker") ? "the Docker engine does not answer: restart Docker Desktop (or dockerd); "
                + "if 'docker ps' hangs too, the engine is frozen" : "check that the server or container is responsive";
    }

    /** When a process's output last moved. */
    static final class Activity {
        private volatile long last = System.nanoTime();

        Duration silentFor() { return Duration.ofNanos(System.nanoTime() - last); }

        OutputStream watch(OutputStream to) {
            return new FilterOutputStream(to) {
                @Override public void write(int b) throws IOException { last = System.nanoTime(); to.write(b); }

                @Override public void write(byte[] b, int off, int n) throws IOException {
                    last = System.nanoTime();
                    to.write(b, off, n);
                }
            };
        }
    }

    /** Starts a long-lived process whose stdin and stdout the caller drives (a psql session). */
    public static Session start(List<String> cmd, Map<String, String> env) {
        Session s = new Session();
        try {
            ProcessExecutor ex = new ProcessExecutor().command(cmd).environment(env).redirectErrorStream(false).streams(s);
            s.started = start(ex::start, StartedProcess::getProcess);
        } catch (IOException e) {
            throw notFound(cmd.get(0), e);
        }
        return s;
    }

    /** True once the JVM has begun to exit (a shutdown hook can no longer be added). */
    static boolean shuttingDown() {
        Thread probe = new Thread(() -> { });
        try {
            Runtime.getRuntime().addShutdownHook(probe);
            Runtime.getRuntime().removeShutdownHook(probe);
            return false;
        } catch (IllegalStateException e) {
            return true;
        }
    }

    static OpsException notFound(String program, IOException e) {
        String n = name(program);
        String hint = switch (n) {
            case "docker" -> "is Docker installed and on PATH?";
            case "pg_dump", "pg_restore", "pg_dumpall", "psql", "pg_isready", "pg_ctl", "initdb", "postgres" ->
                    "install the PostgreSQL client tools or set PG_BIN to their directory";
            default -> "is " + n + " installed and on PATH?";
        };
        return new OpsException(ExitCode.UNAVAILABLE, "cannot run " + program + ": " + e.getMessage(), hint, e);
    }

    static String name(String program) {
        return new File(program).getName().replaceFirst("\\.exe$", "");
    }

    /** A process with raw access to its stdin/stdout; stderr is kept as a tail. */
    public static final class Session implements ExecuteStreamHandler, AutoCloseable {
        private StartedProcess started;
        private OutputStream stdin;
        private InputStream stdout;
        private final TailBuffer err = new TailBuffer(STDERR_TAIL);
        private Thread errPump;

        public BufferedWriter writer() {
            return new BufferedWriter(new OutputStreamWriter(stdin, StandardCharsets.UTF_8));
        }

        public BufferedReader reader() {
            return new BufferedReader(new InputStreamReader(stdout, StandardCharsets.UTF_8));
        }

        public String stderr() { return err.toString(); }

        /** Exit code once the process has ended (after {@link #close}), else -1. */
        public int exitCode() {
            Process p = started.getProcess();
            return p.isAlive() ? -1 : p.exitValue();
        }

        @Override public void setProcessInputStream(OutputStream os) { stdin = os; }
        @Override public void setProcessOutputStream(InputStream is) { stdout = is; }
        @Override public void setProcessErrorStream(InputStream is) {
            errPump = new Thread(new Pump(is, err, null, false), "stderr");
            errPump.setDaemon(true);
        }
        @Override public void start() { errPump.start(); }

        /** zt-exec calls this when the process has exited, just before it closes the streams: drain stderr first. */
        @Override public void stop() {
            try {
                errPump.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        /** Closes stdin and waits briefly; kills the process if it lingers. */
        @Override public void close() {
            try { stdin.close(); } catch (IOException ignored) { /* already gone */ }
            Process p = started.getProcess();
            try {
                if (!p.waitFor(10, TimeUnit.SECONDS)) p.destroyForcibly();
                errPump.join(2000); // so stderr() holds the whole message
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }

    /** zt-exec stream handler with 64 KB pumps that remember the first failure on our side. */
    static final class Pumps extends PumpStreamHandler {
        final CompletableFuture<Process> process = new CompletableFuture<>();
        volatile IOException failure;

        Pumps(OutputStream out, OutputStream err, InputStream in) { super(out, err, in); }

        /** zt-exec closes the destination when the source is exhausted only for the process's stdin. */
        @Override
        protected Thread createPump(InputStream is, OutputStream os, boolean closeWhenExhausted, boolean flush) {
            return newThread(new Pump(is, os, this, closeWhenExhausted));
        }

        /**
         * A pipe to or from the process broke: its early exit (reported by its exit code) when it has ended or
         * ends at once, whatever words the OS used for it (Windows translates them; checked on Windows: not yet);
         * our failure when it is still running.
         */
        void processSideFailed(IOException e) {
            if (!endsWithin(EXIT_GRACE)) ourSideFailed(e);
        }

        private boolean endsWithin(Duration grace) {
            try {
                return process.get(grace.toMillis(), TimeUnit.MILLISECONDS).waitFor(grace.toMillis(), TimeUnit.MILLISECONDS);
            } catch (ExecutionException | TimeoutException e) {
                return false; // never started
            } catch (InterruptedException e) {
                // zt-exec interrupts the stdin pump once the process has ended
                Thread.currentThread().interrupt();
                Process p = process.getNow(null);
                return p != null && !p.isAlive();
            }
        }

        void ourSideFailed(IOException e) {
            if (failure == null) failure = e;
        }
    }

    /**
     * Copies until EOF, between the process ({@code toProcess}: its stdin; else its stdout or stderr) and our
     * stream. A failure closes the source so the process sees a broken pipe and exits.
     */
    static class Pump implements Runnable {
        private final InputStream from;
        private final OutputStream to;
        private final Pumps owner;
        private final boolean toProcess;

        Pump(InputStream from, OutputStream to, Pumps owner, boolean toProcess) {
            this.from = from;
            this.to = to;
            this.owner = owner;
            this.toProcess = toProcess;
        }

        @Override
        public void run() {
            try {
                copy();
            } finally {
                if (toProcess) {
                    try { to.close(); } catch (IOException ignored) { /* process already exited */ }
                }
            }
        }

        private void copy() {
            byte[] buf = new byte[BUFFER];
            while (true) {
                int n;
                try {
                    n = from.read(buf);
                } catch (IOException e) {
                    failed(e, !toProcess);
                    return;
                }
                if (n < 0) return;
                try {
                    to.write(buf, 0, n);
                    if (toProcess) to.flush();
                } catch (IOException e) {
                    failed(e, toProcess);
                    return;
                }
            }
        }

        private void failed(IOException e, boolean processSide) {
            try { from.close(); } catch (IOException ignored) { /* best effort */ }
            if (owner == null) return;
            if (processSide) owner.processSideFailed(e);
            else owner.ourSideFailed(e);
        }
    }

    /** Writes to two streams; the second one's failures are ignored (it only shows progress). */
    static final class Tee extends OutputStream {
        private final OutputStream first;
        private final OutputStream second;

        Tee(OutputStream first, OutputStream second) {
            this.first = first;
            this.second = second;
        }

        @Override
        public void write(int b) throws IOException { write(new byte[] {(byte) b}, 0, 1); }

        @Override
        public void write(byte[] b, int off, int n) throws IOException {
            first.write(b, off, n);
            try {
                second.write(b, off, n);
            } catch (IOException | RuntimeException ignored) {
                // a broken progress display must not fail the program it watches
            }
        }
    }

    /** Keeps only the last {@code limit} bytes written. */
    static final class TailBuffer extends OutputStream {
        private final byte[] buf;
        private int len;

        TailBuffer(int limit) { buf = new byte[limit]; }

        @Override
        public synchronized void write(int b) { write(new byte[] {(byte) b}, 0, 1); }

        @Override
        public synchronized void write(byte[] b, int off, int n) {
            if (n >= buf.length) {
                System.arraycopy(b, off + n - buf.length, buf, 0, buf.length);
                len = buf.length;
                return;
            }
            int keep = Math.min(len, buf.length - n);
            System.arraycopy(buf, len - keep, buf, 0, keep);
            System.arraycopy(b, off, buf, keep, n);
            len = keep + n;
        }

        @Override
        public synchronized String toString() { return new String(buf, 0, len, StandardCharsets.UTF_8); }
    }
}
