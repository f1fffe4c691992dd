package lib.monitor;

import lib.*;
import lib.health.Status;
import lib.schedule.Launch;

import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The live dashboard: a refresh thread takes a {@link Snapshot} every MONITOR_REFRESH_SECONDS (so a
 * hanging check never freezes the keys), and the key loop draws it with the key line and a status area.
 * [B] and [V] start backup.java / dr-drill.java through the project's launcher, [R] restarts the container
 * after a y, one program at a time; [L] shows the newest log; [Q] and Ctrl-C restore the terminal and quit.
 */
public final class Monitor {
    /** What the key loop is showing or asking. */
    private enum Mode { MAIN, LOGS, CONFIRM_RESTART, CONFIRM_QUIT }

    private static final long KEY_POLL_MILLIS = 200;
    private static final Duration RESTART_TIMEOUT = Duration.ofMinutes(2);

    private final Config cfg;
    private final Log log;
    private final List<String> forwarded;
    private final AtomicLong version = new AtomicLong();
    private final Semaphore refreshNow = new Semaphore(0);
    private volatile Snapshot snapshot;
    private volatile String refreshError;
    private Mode mode = Mode.MAIN;
    private volatile Job job;
    private String message;

    /**
     * @param forwarded options given to the monitor that the programs it starts must see too (--config FILE...)
     */
    public Monitor(Config cfg, Log log, List<String> forwarded) {
        this.cfg = cfg;
        this.log = log;
        this.forwarded = forwarded;
    }

    /** Runs until [Q], Ctrl-C or the terminal closing; exit 0. No terminal: exit 2 (use --once). */
    public int run(Callable<Tty> open) throws Exception {
        if (System.console() == null) {
            throw new OpsException(ExitCode.USAGE, "the monitor needs a terminal (stdin and stdout)",
                    "for scripts use --once (one frame) or --once --json");
        }
        Thread refresher = new Thread(this::refreshLoop, "monitor-refresh");
        refresher.setDaemon(true);
        try (Screen screen = new Screen(open.call())) {
            refresher.start();
            loop(screen);
        }
        return ExitCode.OK;
    }

    private void refreshLoop() {
        long every = cfg.integer("MONITOR_REFRESH_SECONDS");
        while (true) {
            try {
                snapshot = Snapshot.take(cfg);
                refreshError = null;
            } catch (RuntimeException e) {
                refreshError = e.getMessage() != null ? e.getMessage() : e.toString();
            }
            version.incrementAndGet();
            try {
                if (refreshNow.tryAcquire(every, TimeUnit.SECONDS)) refreshNow.drainPermits();
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void loop(Screen screen) {
        long drawn = -1;
        long second = -1;
        int w = 0;
        int h = 0;
        while (true) {
            int k = screen.key(KEY_POLL_MILLIS);
            if (k == Tty.EOF || k == Tty.INTERRUPT) return;
            if (k != Tty.TIMEOUT && !handle(k)) return;
            long now = System.currentTimeMillis() / 1000;
            boolean ticking = job != null && job.running() && now != second;
            if (k != Tty.TIMEOUT || version.get() != drawn || ticking || screen.width() != w || screen.height() != h) {
                drawn = version.get();
                second = now;
                w = screen.width();
                h = screen.height();
                screen.draw(compose(new Frame(cfg, w, screen.style(System.getenv())), h));
            }
        }
    }

    /** Acts on a key; false means quit. */
    private boolean handle(int k) {
        switch (mode) {
            case LOGS -> mode = Mode.MAIN;
            case CONFIRM_RESTART -> {
                mode = Mode.MAIN;
                if (k == 'y') restart();
                else message = "restart cancelled: " + container() + " was not restarted";
            }
            case CONFIRM_QUIT -> {
                if (k == 'y') return false;
                mode = Mode.MAIN;
                message = null;
            }
            case MAIN -> {
                return main(k);
            }
        }
        return true;
    }

    private boolean main(int k) {
        message = null;
        switch (k) {
            case 'q' -> {
                if (!busy()) return false;
                mode = Mode.CONFIRM_QUIT;
            }
            case 'b' -> launch("backup", "backup.java", "--type", "manual");
            case 'v' -> launch("restore test", "dr-drill.java");
            case 'l' -> mode = Mode.LOGS;
            case 'r' -> {
                if (!cfg.dockerMode()) message = "no container to restart: DOCKER_CONTAINER is empty (direct mode)";
                else if (busy()) message = job.title() + " is still running: one program at a time";
                else mode = Mode.CONFIRM_RESTART;
            }
            default -> { }
        }
        return true;
    }

    private boolean busy() { return job != null && job.running(); }

    private String container() { return cfg.get("DOCKER_CONTAINER"); }

    /** Starts one of the project's scripts through its launcher, unless a program is already running. */
    private void launch(String title, String script, String... args) {
        if (busy()) {
            message = job.title() + " is still running: one program at a time";
            return;
        }
        Launch launcher = new Launch(cfg.home().toString(), System.getProperty("os.name").startsWith("Windows"));
        List<String> cmd = new ArrayList<>(List.of(launcher.launcher(), launcher.file(script)));
        cmd.addAll(List.of(args));
        cmd.addAll(forwarded);
        log.info("starting " + String.join(" ", cmd.subList(1, cmd.size())));
        job = Job.start(title, cmd, Map.of(), null, this::jobChanged);
    }

    private void restart() {
        log.info("restarting container " + container() + " (asked at the monitor)");
        job = Job.start("restart of " + container(), List.of("docker", "restart", container()), Map.of(), RESTART_TIMEOUT, this::jobChanged);
    }

    private void jobChanged(Job j) {
        version.incrementAndGet();
        if (!j.running()) {
            log.info(j.describe(Instant.now()));
            refreshNow.release();
        }
    }

    /** The screen: the frame (or the log view) cut to fit, then the key line and the status area at the bottom. */
    private List<String> compose(Frame frame, int height) {
        if (mode == Mode.LOGS) return logs(frame, height);
        List<String> footer = new ArrayList<>();
        footer.add("");
        footer.add(frame.keys());
        if (mode == Mode.CONFIRM_RESTART) footer.add(frame.text("Restart container " + container() + "? [y/N]", Status.WARNING));
        if (mode == Mode.CONFIRM_QUIT) footer.add(frame.text(job.title() + " is still running: quit and stop it? [y/N]", Status.WARNING));
        if (job != null) {
            footer.add(frame.text(job.describe(Instant.now()), job.running() || job.succeeded() ? Status.OK : Status.CRITICAL));
            job.lastLines(2).forEach(l -> footer.add(frame.text("  " + l)));
        }
        if (message != null) footer.add(frame.text(message));
        if (refreshError != null) footer.add(frame.text("refresh failed: " + refreshError, Status.CRITICAL));
        Snapshot s = snapshot;
        List<String> body = new ArrayList<>(s == null ? frame.waiting() : frame.body(s));
        if (body.size() + footer.size() > height) footer.remove(0); // the spacer goes first
        while (body.size() + footer.size() > height && body.size() > 2) body.remove(body.size() - 1);
        body.addAll(footer);
        return body.size() > height ? body.subList(0, height) : body;
    }

    private List<String> logs(Frame frame, int height) {
        List<String> out = new ArrayList<>();
        Path dir = cfg.path("LOG_DIR");
        try {
            Optional<Path> newest = LogTail.newest(dir);
            if (newest.isEmpty()) {
                out.add(frame.text("no logs in " + dir + " yet - press any key to return"));
                return out;
            }
            out.add(frame.text(newest.get().getFileName() + " (last lines) - press any key to return", Status.OK));
            LogTail.tail(newest.get(), Math.max(1, height - 1)).forEach(l -> out.add(frame.text(l)));
        } catch (UncheckedIOException e) {
            out.add(frame.text("cannot read the logs in " + dir + ": " + e.getCause().getMessage() + " - press any key to return", Status.CRITICAL));
        }
        return out;
    }
}
