///usr/bin/env jbang "$0" "$@" ; exit $?
//DESCRIPTION Benchmark: backup.java / restore.java side by side with pg_dump, pg_restore and zstd on a generated database.
//JAVA 17+
//DEPS info.picocli:picocli:4.7.7

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.*;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;

@Command(name = "bench.java", mixinStandardHelpOptions = true, version = "ra-infrastructure bench 1",
        description = {"Times backup.java and restore.java side by side with pg_dump, pg_restore and a zstd pipeline on a "
                + "throwaway PostgreSQL 15 cluster filled with generated data, an encrypted backup beside the plain one, and "
                + "off-site uploads beside a plain rclone copy to a local SFTP server, then writes a Markdown report with "
                + "PASS/FAIL target lines to OUT/<UTC date>-<size>gb[-LABEL].md. Linux only; needs GNU time (/usr/bin/time), "
                + "gpg and rclone.",
                "Every measured command runs once, under /usr/bin/time -f '%%e %%M' (wall seconds, peak RSS)."},
        footerHeading = "%nExamples:%n",
        footer = {"  ./jbang bench/bench.java --size-gb 0.05 --out /tmp/bench   quick smoke run (~1 min)",
                "  ./jbang bench/bench.java --size-gb 1 --docker             the reference run (~6 min)"})
class bench implements Callable<Integer> {
    @Option(names = "--size-gb", defaultValue = "1", paramLabel = "GB",
            description = "Nominal size: 4M text rows + pgbench scale 70 per GB; fractions allowed (default: ${DEFAULT-VALUE}).")
    BigDecimal sizeGb;

    @Option(names = "--docker", description = "Also time the backup in docker mode (container " + Container.NAME + ").")
    boolean docker;

    @Option(names = "--runs", defaultValue = "1", paramLabel = "N",
            description = "Measure every step N times, in N rounds, and keep each step's fastest run (default: ${DEFAULT-VALUE}).")
    int runs;

    @Option(names = "--keep", description = "Leave the cluster, the container and the temp files in place at the end.")
    boolean keep;

    @Option(names = "--out", paramLabel = "DIR", description = "Where the report goes (default: bench/results of the project).")
    Path out;

    @Option(names = "--label", paramLabel = "TEXT", description = "Appended to the report's file name: <date>-<size>gb-TEXT.md. "
            + "An existing report is never overwritten: a number is added instead.")
    String label;

    @Option(names = "--pg-bin", defaultValue = "/usr/lib/postgresql/15/bin", paramLabel = "DIR",
            description = "Server binaries (initdb, pg_ctl) of the throwaway cluster (default: ${DEFAULT-VALUE}).")
    Path pgBin;

    public static void main(String... args) {
        System.exit(new CommandLine(new bench()).setExecutionExceptionHandler(bench::fail).execute(args));
    }

    /** A setup failure (cluster, data, docker) ends the run with one line, not a stack trace. */
    private static int fail(Exception e, CommandLine cl, CommandLine.ParseResult parsed) {
        cl.getErr().println("error: " + e.getMessage());
        return e instanceof CommandLine.ParameterException ? 2 : 1;
    }

    @Override
    public Integer call() throws IOException {
        if (sizeGb.signum() <= 0) throw new CommandLine.ParameterException(new CommandLine(this), "--size-gb must be > 0");
        if (runs < 1) throw new CommandLine.ParameterException(new CommandLine(this), "--runs must be >= 1");
        if (label != null && !label.matches("[A-Za-z0-9._-]+")) {
            throw new CommandLine.ParameterException(new CommandLine(this), "--label may hold letters, digits, '.', '_' and '-' only");
        }
        Path home = projectHome();
        Scratch scratch = new Scratch(keep);
        // Ctrl-C must not leave a cluster or a container behind; close() runs once whichever comes first.
        Runtime.getRuntime().addShutdownHook(new Thread(scratch::close));
        try {
            return run(home, scratch);
        } finally {
            scratch.close();
        }
    }

    private int run(Path home, Scratch scratch) throws IOException {
        Runner runner = new Runner(scratch.dir("io"));
        Machine.requireTools(runner, docker);
        Duration timeout = Duration.ofMinutes(10).plusSeconds(sizeGb.multiply(BigDecimal.valueOf(1800)).longValue());
        DataSet data = DataSet.forSize(sizeGb);
        String loadStart = Machine.loadAverage();

        Cluster cluster = Cluster.start(runner, scratch, pgBin, timeout);
        Say.line("loading " + data + " into benchdb (" + cluster.describe() + ")");
        data.load(cluster, DataSet.DB);
        long dbBytes = cluster.databaseSize(DataSet.DB);
        Say.line("benchdb: pg_database_size = " + Say.mb(dbBytes) + " MB");

        Keys keys = Keys.create(runner, scratch);
        SftpRemote remote = SftpRemote.start(runner, scratch);
        Steps steps = new Steps(home, runner, scratch, cluster, timeout, keys, remote);
        steps.warmUp();
        List<Row> rows = rounds(steps::direct);
        long dockerBytes = -1;
        if (docker) {
            Container container = Container.start(runner, scratch, timeout);
            Say.line("loading the same data into " + container.describe());
            data.load(container, DataSet.DB);
            dockerBytes = container.databaseSize(DataSet.DB);
            Say.line("benchdb in the container: pg_database_size = " + Say.mb(dockerBytes) + " MB");
            rows.addAll(rounds(() -> steps.docker(container)));
        }

        Machine machine = Machine.describe(runner, cluster, loadStart);
        Report report = new Report(sizeGb, runs, label, data, dbBytes, dockerBytes, machine, rows, steps.compression());
        Path file = report.write(out != null ? out : home.resolve("bench/results"));
        System.out.println();
        System.out.println(report.table());
        System.out.println(report.targets());
        Say.line("report written to " + file);
        return 0;
    }

    /**
     * Runs the whole sequence {@code runs} times rather than each step N times in a row, so a burst of
     * other load on the machine hits different steps in different rounds; the fastest run of each step is kept.
     */
    private List<Row> rounds(Supplier<List<Row>> sequence) {
        List<List<Row>> all = new ArrayList<>();
        for (int i = 1; i <= runs; i++) {
            if (runs > 1) Say.line("round " + i + " of " + runs);
            all.add(sequence.get());
        }
        return Row.best(all);
    }

    /** The launcher exports RA_INFRA_HOME (the project root); without it, the working directory. */
    private static Path projectHome() {
        String h = System.getenv("RA_INFRA_HOME");
        Path home = (h == null || h.isBlank() ? Path.of("") : Path.of(h)).toAbsolutePath().normalize();
        if (!Files.exists(home.resolve("backup.java")) || !Files.isExecutable(home.resolve("jbang"))) {
            throw new IllegalStateException("no backup.java / jbang launcher in " + home + ": run from the project root");
        }
        return home;
    }
}

/** Progress lines on stdout, and number formatting shared by them and the report. */
final class Say {
    private Say() {}

    static void line(String text) { System.out.println("[bench] " + text); }

    static String mb(long bytes) { return bytes < 0 ? "-" : String.format(Locale.ROOT, "%.1f", bytes / 1048576.0); }

    static String num(double v, int decimals) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%." + decimals + "f", v);
    }
}

/**
 * The temp directory and everything to undo at the end (cluster, container), undone in reverse
 * order exactly once. With --keep nothing is undone: what is left is printed instead.
 */
final class Scratch {
    private final Path root;
    private final boolean keep;
    private final Deque<Runnable> undo = new ArrayDeque<>();
    private final List<String> kept = new ArrayList<>();
    private final AtomicBoolean closed = new AtomicBoolean();

    Scratch(boolean keep) throws IOException {
        this.keep = keep;
        this.root = Files.createTempDirectory("ra-bench-");
        // The cluster runs as user postgres, which must be able to reach its directory inside this one.
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
        kept.add("temp files: " + root);
    }

    Path root() { return root; }

    Path dir(String name) {
        try {
            return Files.createDirectories(root.resolve(name));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Registers an undo action; {@code whatIsKept} is shown instead when --keep is given. */
    synchronized void onClose(String whatIsKept, Runnable action) {
        undo.push(action);
        kept.add(whatIsKept);
    }

    synchronized void close() {
        if (!closed.compareAndSet(false, true)) return;
        if (keep) {
            kept.forEach(k -> Say.line("kept " + k));
            return;
        }
        // On Ctrl-C a timed step may still run: stop it before pulling its server away.
        ProcessHandle.current().descendants().forEach(ProcessHandle::destroyForcibly);
        while (!undo.isEmpty()) {
            try {
                undo.pop().run();
            } catch (RuntimeException e) {
                Say.line("cleanup: " + e.getMessage());
            }
        }
        deleteTree(root);
    }

    private static void deleteTree(Path dir) {
        if (!Files.exists(dir)) return;
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            Say.line("cleanup: could not delete " + dir + ": " + e.getMessage());
        }
    }
}

/** A command's wall seconds and peak RSS (KB) as GNU time reports them, its exit code and its log. */
record Timing(double wallS, long rssKb, int exit, Path log) {
    boolean ok() { return exit == 0; }

    /** The last non-blank line of the command's output: usually the one naming the cause. */
    String failure() {
        if (exit == Runner.TIMED_OUT) return "timed out";
        List<String> lines = Runner.lines(log);
        for (int i = lines.size() - 1; i >= 0; i--) {
            if (!lines.get(i).isBlank()) return "exit " + exit + ": " + lines.get(i).strip();
        }
        return "exit " + exit;
    }

    /** JBang compiled the script in this run (its sources changed since the warm-up): launch time is not warm. */
    boolean recompiled() { return Runner.lines(log).stream().anyMatch(l -> l.contains("[jbang] Building jar")); }
}

/**
 * Runs programs from argument lists with all I/O through files (no pipe can fill up and block).
 * Inherited PG* variables are dropped so the caller's own libpq settings never leak into a step.
 */
final class Runner {
    static final int TIMED_OUT = 124;
    private static final String GNU_TIME = "/usr/bin/time";
    private final Path io;
    private final AtomicInteger seq = new AtomicInteger();

    Runner(Path io) { this.io = io; }

    /** Runs to completion and returns stdout; a non-zero exit throws with the last stderr line. */
    String check(String what, List<String> cmd, Map<String, String> env, String stdin, Duration timeout) {
        String n = String.valueOf(seq.incrementAndGet());
        Path in = io.resolve(n + ".in"), out = io.resolve(n + ".out"), err = io.resolve(n + ".err");
        try {
            Files.writeString(in, stdin == null ? "" : stdin);
            ProcessBuilder pb = builder(cmd, env, null).redirectInput(in.toFile())
                    .redirectOutput(out.toFile()).redirectError(err.toFile());
            int exit = waitFor(pb, timeout);
            if (exit != 0) {
                List<String> e = lines(err).stream().filter(l -> !l.isBlank()).toList();
                throw new IllegalStateException(what + " failed (exit " + exit + ")"
                        + (e.isEmpty() ? "" : ": " + e.get(e.size() - 1).strip()));
            }
            return Files.readString(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            Stream.of(in, out, err).forEach(p -> p.toFile().delete());
        }
    }

    /** Like {@link #check} but a failure is ignored (cleanup of things that may not exist). */
    void quietly(List<String> cmd, Map<String, String> env) {
        try {
            check(String.join(" ", cmd), cmd, env, null, Duration.ofMinutes(2));
        } catch (RuntimeException ignored) {
            // nothing to undo is fine
        }
    }

    /**
     * Runs {@code cmd} under GNU time with stdout+stderr into {@code log}, or stdout into {@code stdout}
     * when given (the command's output is the data); never throws for a failing command.
     */
    Timing timed(List<String> cmd, Map<String, String> env, Path workDir, Path log, Path stdout, Duration timeout) {
        Path timeFile = log.resolveSibling(log.getFileName() + ".time");
        List<String> full = new ArrayList<>(List.of(GNU_TIME, "-f", "%e %M", "-o", timeFile.toString()));
        full.addAll(cmd);
        ProcessBuilder pb = builder(full, env, workDir).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        if (stdout == null) pb.redirectErrorStream(true).redirectOutput(log.toFile());
        else pb.redirectOutput(stdout.toFile()).redirectError(log.toFile());
        int exit = waitFor(pb, timeout);
        // GNU time writes "Command exited with non-zero status N" first on failure: the numbers are the last line.
        List<String> t = lines(timeFile);
        String[] last = t.isEmpty() ? new String[0] : t.get(t.size() - 1).trim().split("\\s+");
        if (last.length != 2 || !last[1].matches("\\d+")) return new Timing(Double.NaN, -1, exit, log);
        return new Timing(Double.parseDouble(last[0]), Long.parseLong(last[1]), exit, log);
    }

    /** Starts a server that runs until the caller stops it; its stdout and stderr go to {@code log}. */
    Process background(List<String> cmd, Map<String, String> env, Path log) {
        ProcessBuilder pb = builder(cmd, env, null).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectErrorStream(true).redirectOutput(log.toFile());
        try {
            return pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + cmd.get(0) + ": " + e.getMessage(), e);
        }
    }

    private static ProcessBuilder builder(List<String> cmd, Map<String, String> env, Path workDir) {
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().keySet().removeIf(k -> k.startsWith("PG"));
        pb.environment().putAll(env);
        if (workDir != null) pb.directory(workDir.toFile());
        return pb;
    }

    /** Exit code, or {@link #TIMED_OUT} after killing the whole process tree. */
    private static int waitFor(ProcessBuilder pb, Duration timeout) {
        try {
            Process p = pb.start();
            if (p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) return p.exitValue();
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly().waitFor();
            return TIMED_OUT;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + pb.command().get(0) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    static List<String> lines(Path file) {
        try {
            return Files.exists(file) ? Files.readAllLines(file, StandardCharsets.ISO_8859_1) : List.of();
        } catch (IOException e) {
            return List.of();
        }
    }

    static List<String> concat(List<String> a, List<String> b) {
        List<String> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

/** A PostgreSQL server the data is loaded into: how to reach it with psql and pgbench. */
abstract class Server {
    final Runner runner;
    final Duration timeout;

    Server(Runner runner, Duration timeout) {
        this.runner = runner;
        this.timeout = timeout;
    }

    /** The command prefix that runs a client program ({@code psql}, {@code pgbench}) against this server. */
    abstract List<String> client(String program);

    /** libpq settings for {@link #client} (or, for docker, for docker to read). */
    abstract Map<String, String> env();

    abstract String describe();

    void sql(String db, String script) {
        runner.check("psql " + db, Runner.concat(client("psql"), List.of("-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", db)),
                env(), script, timeout);
    }

    String value(String db, String query) {
        return runner.check("psql " + db, Runner.concat(client("psql"), List.of("-X", "-At", "-d", db, "-c", query)),
                env(), null, timeout).strip();
    }

    void pgbenchInit(String db, int scale) {
        runner.check("pgbench -i", Runner.concat(client("pgbench"), List.of("-i", "-q", "-s", String.valueOf(scale), db)),
                env(), null, timeout);
    }

    long databaseSize(String db) {
        String v = value("postgres", "SELECT pg_database_size(datname) FROM pg_database WHERE datname = '" + db + "'");
        return v.isEmpty() ? -1 : Long.parseLong(v);
    }
}

/**
 * The throwaway cluster on this host: initdb in the temp dir, trust auth, a free port on 127.0.0.1.
 * postgres refuses to run as root, so as root the server programs run as user postgres.
 */
final class Cluster extends Server {
    private final int port;

    private Cluster(Runner runner, Duration timeout, int port) {
        super(runner, timeout);
        this.port = port;
    }

    static Cluster start(Runner runner, Scratch scratch, Path pgBin, Duration timeout) throws IOException {
        Path dir = scratch.dir("pg");
        if (isRoot()) Files.setOwner(dir, dir.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("postgres"));
        Path data = dir.resolve("data");
        runner.check("initdb", asServerUser(List.of(pgBin.resolve("initdb").toString(), "-D", data.toString(),
                "-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync")), Map.of(), null, timeout);
        String pgCtl = pgBin.resolve("pg_ctl").toString();
        List<String> stop = asServerUser(List.of(pgCtl, "-D", data.toString(), "-m", "immediate", "stop"));
        scratch.onClose("cluster, stop it with: " + String.join(" ", stop), () -> runner.quietly(stop, Map.of()));
        // The free port can be taken by someone else before the server binds it: try a few.
        for (int attempt = 1; ; attempt++) {
            int port = Runner.freePort();
            String opts = "-p " + port + " -k " + dir + " -c listen_addresses=127.0.0.1";
            try {
                runner.check("pg_ctl start", asServerUser(List.of(pgCtl, "-D", data.toString(), "-l",
                        dir.resolve("server.log").toString(), "-o", opts, "-w", "start")), Map.of(), null, timeout);
                Say.line("cluster started on 127.0.0.1:" + port + " (" + data + ")");
                return new Cluster(runner, timeout, port);
            } catch (IllegalStateException e) {
                if (attempt == 3) throw new IllegalStateException(e.getMessage() + "; see " + dir.resolve("server.log"), e);
            }
        }
    }

    int port() { return port; }

    /** Client programs come from PATH: the same ones backup.java and restore.java use in direct mode. */
    @Override List<String> client(String program) { return List.of(program); }

    @Override Map<String, String> env() { return Map.of("PGHOST", "127.0.0.1", "PGPORT", String.valueOf(port), "PGUSER", "postgres"); }

    @Override String describe() { return "cluster 127.0.0.1:" + port; }

    private static List<String> asServerUser(List<String> cmd) {
        return isRoot() ? Runner.concat(List.of("runuser", "-u", "postgres", "--"), cmd) : cmd;
    }

    private static boolean isRoot() { return "root".equals(System.getProperty("user.name")); }
}

/** The docker-mode server: image inventory-pg:15 on the host network, its own port, a random password. */
final class Container extends Server {
    static final String NAME = "ra-bench-db";
    static final String IMAGE = "inventory-pg:15";
    private final String password;

    private Container(Runner runner, Duration timeout, String password) {
        super(runner, timeout);
        this.password = password;
    }

    static Container start(Runner runner, Scratch scratch, Duration timeout) {
        runner.quietly(List.of("docker", "rm", "-f", "-v", NAME), Map.of()); // left over by a killed run
        int port = Runner.freePort();
        String password = randomPassword();
        // -e with the name only: docker reads the value from our environment, so it never shows in argv.
        runner.check("docker run", List.of("docker", "run", "-d", "--name", NAME, "--network", "host",
                "-e", "PGPORT=" + port, "-e", "POSTGRES_PASSWORD", "-e", "POSTGRES_DB=" + DataSet.DB, IMAGE, "-c", "port=" + port),
                Map.of("POSTGRES_PASSWORD", password), null, timeout);
        scratch.onClose("container: docker rm -f -v " + NAME,
                () -> runner.quietly(List.of("docker", "rm", "-f", "-v", NAME), Map.of()));
        waitHealthy(runner);
        Say.line("container " + NAME + " healthy on port " + port);
        return new Container(runner, timeout, password);
    }

    private static void waitHealthy(Runner runner) {
        Instant deadline = Instant.now().plusSeconds(120);
        while (Instant.now().isBefore(deadline)) {
            String status = runner.check("docker inspect", List.of("docker", "inspect", "-f", "{{.State.Status}} {{.State.Health.Status}}", NAME),
                    Map.of(), null, Duration.ofSeconds(30)).strip();
            if (status.equals("running healthy")) return;
            if (!status.startsWith("running")) break;
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        throw new IllegalStateException("container " + NAME + " did not become healthy; see: docker logs " + NAME);
    }

    static String randomPassword() {
        byte[] b = new byte[18];
        new SecureRandom().nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    String password() { return password; }

    /** Inside the container psql and pgbench use the local socket (trust) and the container's PGPORT. */
    @Override List<String> client(String program) { return List.of("docker", "exec", "-i", NAME, program); }

    @Override Map<String, String> env() { return Map.of(); }

    @Override String describe() { return "container " + NAME; }
}

/**
 * A throwaway OpenPGP key made by the real gpg (ed25519 signing primary, cv25519 encryption subkey, no
 * passphrase) in a temp GNUPGHOME: the public key for ENCRYPT_TO, the secret key and an empty passphrase
 * file for DECRYPT_KEY / DECRYPT_PASSPHRASE_FILE.
 */
record Keys(Path publicKey, Path secretKey, Path passphraseFile) {
    private static final String UID = "bench <bench@example.invalid>";
    /** An empty passphrase, read from an empty file: no passphrase ever goes on a command line. */
    private static final List<String> NO_PASSPHRASE = List.of("--batch", "--pinentry-mode", "loopback", "--passphrase-file", "/dev/null");

    static Keys create(Runner runner, Scratch scratch) throws IOException {
        Path home = scratch.dir("gnupg");
        Files.setPosixFilePermissions(home, PosixFilePermissions.fromString("rwx------"));
        Map<String, String> env = Map.of("GNUPGHOME", home.toString());
        // gpg starts an agent that outlives gpg itself (it is no child of ours): stop it by its home.
        scratch.onClose("gpg agent: GNUPGHOME=" + home + " gpgconf --kill all",
                () -> runner.quietly(List.of("gpgconf", "--kill", "all"), env));
        Duration t = Duration.ofMinutes(1);
        runner.check("gpg --quick-gen-key", gpg(List.of("--quick-gen-key", UID, "ed25519", "cert", "0")), env, null, t);
        String fpr = runner.check("gpg --list-keys", List.of("gpg", "--batch", "--with-colons", "--list-keys", UID), env, null, t)
                .lines().filter(l -> l.startsWith("fpr:")).findFirst().map(l -> l.split(":")[9])
                .orElseThrow(() -> new IllegalStateException("gpg made no key"));
        runner.check("gpg --quick-add-key", gpg(List.of("--quick-add-key", fpr, "cv25519", "encr", "0")), env, null, t);
        Path pub = home.resolve("bench-public.asc"), sec = home.resolve("bench-secret.asc"), pass = home.resolve("passphrase");
        Files.writeString(pub, runner.check("gpg --export", List.of("gpg", "--batch", "--export", "--armor", fpr), env, null, t));
        Files.writeString(sec, runner.check("gpg --export-secret-keys", gpg(List.of("--export-secret-keys", "--armor", fpr)), env, null, t));
        Files.writeString(pass, "");
        Say.line("OpenPGP key " + fpr + " (ed25519 + cv25519) made by gpg in " + home);
        return new Keys(pub, sec, pass);
    }

    private static List<String> gpg(List<String> args) {
        return Runner.concat(Runner.concat(List.of("gpg"), NO_PASSPHRASE), args);
    }
}

/**
 * The off-site remote: {@code rclone serve sftp} on a free port of 127.0.0.1 serving a temp dir, and the rclone
 * config that reaches it as {@code sftpbench:} with md5/sha1 hashes (the server runs the hash commands itself).
 */
final class SftpRemote {
    static final String NAME = "sftpbench";
    private static final String USER = "bench";
    private final Path root;
    private final Path config;

    private SftpRemote(Path root, Path config) {
        this.root = root;
        this.config = config;
    }

    static SftpRemote start(Runner runner, Scratch scratch) throws IOException {
        Path root = scratch.dir("remote");
        Path config = scratch.root().resolve("rclone.conf");
        Path noKeys = Files.writeString(scratch.root().resolve("authorized_keys"), "");
        String password = Container.randomPassword();
        String obscured = runner.check("rclone obscure", List.of("rclone", "obscure", "-"), Map.of(), password, Duration.ofSeconds(30)).strip();
        // The free port can be taken by someone else before rclone binds it: try a few.
        for (int attempt = 1; ; attempt++) {
            int port = Runner.freePort();
            Files.writeString(config, """
                    [%s]
                    type = sftp
                    host = 127.0.0.1
                    port = %d
                    user = %s
                    pass = %s
                    shell_type = unix
                    md5sum_command = md5sum
                    sha1sum_command = sha1sum
                    """.formatted(NAME, port, USER, obscured));
            Path log = scratch.root().resolve("rclone-serve.log");
            // The password goes in the environment (rclone reads --pass from RCLONE_PASS), never in argv.
            // --cache-dir: rclone keeps the host keys it generates there, not in ~/.cache.
            Process server = runner.background(List.of("rclone", "serve", "sftp", root.toString(), "--addr", "127.0.0.1:" + port,
                    "--user", USER, "--authorized-keys", noKeys.toString(), "--config", config.toString(),
                    "--cache-dir", scratch.dir("rclone-cache").toString()), Map.of("RCLONE_PASS", password), log);
            scratch.onClose("sftp server: kill " + server.pid(), () -> stop(server));
            if (listening(server, port)) {
                SftpRemote remote = new SftpRemote(root, config);
                runner.check("rclone lsd " + NAME + ":", List.of("rclone", "lsd", NAME + ":", "--config", config.toString()), Map.of(), null,
                        Duration.ofSeconds(30));
                Say.line("rclone serve sftp on 127.0.0.1:" + port + " (" + root + "), remote " + NAME + ": in " + config);
                return remote;
            }
            stop(server);
            if (attempt == 3) throw new IllegalStateException("rclone serve sftp did not start; see " + log);
        }
    }

    private static boolean listening(Process server, int port) {
        Instant deadline = Instant.now().plusSeconds(30);
        while (Instant.now().isBefore(deadline) && server.isAlive()) {
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
                return true;
            } catch (IOException e) {
                try {
                    Thread.sleep(100);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
        }
        return false;
    }

    private static void stop(Process server) {
        server.destroy();
        try {
            if (!server.waitFor(5, TimeUnit.SECONDS)) server.destroyForcibly();
        } catch (InterruptedException e) {
            server.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    /** The config file our scripts get as RCLONE_CONFIG and every rclone call here gets as --config. */
    Path config() { return config; }

    /** The rclone path of {@code relative} on this remote. */
    String remote(String relative) { return NAME + ":" + relative; }

    /** Where the server keeps {@code relative}: what arrived can be checked on disk. */
    Path local(String relative) { return root.resolve(relative); }
}

/**
 * The generated database: per GB, 4M rows of md5 text with two indexes plus pgbench scale 70 (the
 * recipe behind the baseline in the shared notes). It comes out larger than nominal (pgbench scale
 * 70 alone is ~1 GB); the report shows the real pg_database_size.
 */
record DataSet(long textRows, int scale) {
    static final String DB = "benchdb";

    static DataSet forSize(BigDecimal gb) {
        long rows = Math.max(1000, gb.multiply(BigDecimal.valueOf(4_000_000)).setScale(0, RoundingMode.HALF_UP).longValue());
        int scale = Math.max(1, gb.multiply(BigDecimal.valueOf(70)).setScale(0, RoundingMode.HALF_UP).intValue());
        return new DataSet(rows, scale);
    }

    /** Creates {@code db} when missing, then fills it. */
    void load(Server server, String db) {
        if (server.value("postgres", "SELECT count(*) FROM pg_database WHERE datname = '" + db + "'").equals("0")) {
            server.sql("postgres", "CREATE DATABASE " + db);
        }
        server.sql(db, """
                CREATE TABLE bench_text (id integer NOT NULL, code text NOT NULL);
                INSERT INTO bench_text SELECT i, md5(i::text) FROM generate_series(1, %d) AS i;
                CREATE INDEX bench_text_id ON bench_text (id);
                CREATE INDEX bench_text_code ON bench_text (code);
                """.formatted(textRows));
        server.pgbenchInit(db, scale);
        // Set hint bits and flush now, so the first timed dump does not pay for writes the others skip.
        server.sql(db, "VACUUM (FREEZE, ANALYZE);\nCHECKPOINT;\n");
    }

    @Override public String toString() { return textRows + " md5 text rows + 2 indexes + pgbench scale " + scale; }
}

/** One line of the table: step id, what ran, its timing, its output size (-1: none) and a note. */
record Row(String id, String step, Timing timing, long outBytes, String note) {
    boolean ok() { return timing != null && timing.ok(); }

    String failure() { return timing == null ? note : timing.failure(); }

    /**
     * Merges the rounds step by step: the fastest wall time, the largest peak RSS (the limit is about
     * the worst case). A step that failed in any round shows that failure: it is a finding, not noise.
     */
    static List<Row> best(List<List<Row>> rounds) {
        Map<String, List<Row>> byId = new LinkedHashMap<>();
        rounds.forEach(round -> round.forEach(r -> byId.computeIfAbsent(r.id(), k -> new ArrayList<>()).add(r)));
        List<Row> out = new ArrayList<>();
        for (List<Row> runs : byId.values()) {
            Optional<Row> failed = runs.stream().filter(r -> !r.ok()).findFirst();
            if (failed.isPresent() || runs.size() == 1) {
                out.add(failed.orElse(runs.get(0)));
                continue;
            }
            Row fastest = runs.stream().min(Comparator.comparingDouble(r -> r.timing().wallS())).orElseThrow();
            long rss = runs.stream().mapToLong(r -> r.timing().rssKb()).max().orElse(-1);
            String note = runs.stream().map(Row::note).filter(n -> !n.isEmpty()).findFirst().orElse("");
            Timing t = fastest.timing();
            out.add(new Row(fastest.id(), fastest.step(), new Timing(t.wallS(), rss, t.exit(), t.log()), fastest.outBytes(), note));
        }
        return out;
    }
}

/** The measured steps (a) to (i), (u) and the unmeasured warm-ups they need. */
final class Steps {
    private static final String TINY_DB = "bench_tiny";
    private static final String OFFSITE_TYPE = "weekly";
    private static final String U_RCLONE = "rclone copyto of the same dump (the peer)";
    private static final String U_OURS = "backup.java --upload-pending";
    private static final String U_ENC = "(u-ours) with ENCRYPT_TO: encrypted on the way (diagnostic)";
    private static final String PGRESTORE_DB = "bench_pgrestore";
    private static final String RESTORED_DB = "bench_restored";
    private final Path home;
    private final Runner runner;
    private final Cluster cluster;
    private final Duration timeout;
    private final Path dumps;
    private final Path logs;
    private final Path stepLogs;
    private final Path scratchRoot;
    private final Keys keys;
    private final SftpRemote remote;
    /** The local weekly set that every upload step sends (a copy of it, so each step finds it pending). */
    private final Path weeklySet;
    private String compression = "unknown";
    private int uploadRound;

    Steps(Path home, Runner runner, Scratch scratch, Cluster cluster, Duration timeout, Keys keys, SftpRemote remote) {
        this.home = home;
        this.runner = runner;
        this.cluster = cluster;
        this.timeout = timeout;
        this.dumps = scratch.dir("dumps");
        this.logs = scratch.dir("logs");
        this.stepLogs = scratch.dir("steps");
        this.scratchRoot = scratch.root();
        this.keys = keys;
        this.remote = remote;
        this.weeklySet = scratchRoot.resolve("backups-weekly");
    }

    /** COMPRESSION as backup.java recorded it in its manifest (the config may change it). */
    String compression() { return compression; }

    /**
     * Compiles the JBang scripts (a cold compile is not what we measure), takes the weekly backup the
     * upload steps send (REMOTE unset: it stays local and pending) and reads benchdb once so every step
     * starts from the same warm page cache.
     */
    void warmUp() {
        Say.line("warm-up: JBang compiles hello.java, backup.java, restore.java; a weekly backup for the uploads; "
                + "one untimed read of benchdb");
        warm("hello", List.of(jbang(), "bench/hello.java"), Map.of());
        cluster.sql("postgres", "CREATE DATABASE " + TINY_DB);
        cluster.sql(TINY_DB, "CREATE TABLE t AS SELECT 1 AS x;");
        warm("backup", List.of(jbang(), "backup.java", "--type", "manual", "--db", TINY_DB, "--verify", "none"),
                directEnv(scratchRoot.resolve("backups-warmup")));
        if (Files.exists(home.resolve("restore.java"))) warm("restore", List.of(jbang(), "restore.java", "--help"), Map.of());
        warm("weekly", List.of(jbang(), "backup.java", "--type", OFFSITE_TYPE, "--db", DataSet.DB, "--verify", "none"), directEnv(weeklySet));
        warm("read", List.of("pg_dump", "-Fc", "-Z0", "--no-sync", "-f", "/dev/null", DataSet.DB), cluster.env());
    }

    private void warm(String name, List<String> cmd, Map<String, String> env) {
        Timing t = runner.timed(cmd, env, home, stepLogs.resolve("warmup-" + name + ".log"), null, timeout);
        if (!t.ok()) Say.line("warm-up " + name + " failed (" + t.failure() + "); the timed run may include a compile");
    }

    /** Steps (a) to (h) against the host cluster. */
    List<Row> direct() {
        List<Row> rows = new ArrayList<>();
        Path dumpA = dumps.resolve("a.dump");
        rows.add(file("a", "pg_dump -Fc (what peers use)", List.of("pg_dump", "-Fc", "-f", dumpA.toString(), DataSet.DB), dumpA));
        Path dumpB = dumps.resolve("b.dump");
        rows.add(file("b", "pg_dump -Fc -Z0 (I/O floor)", List.of("pg_dump", "-Fc", "-Z0", "-f", dumpB.toString(), DataSet.DB), dumpB));
        Path dumpC = dumps.resolve("c.dump.zst");
        rows.add(file("c", "pg_dump -Fc -Z0 | zstd -1 -T2", pipeline(dumpC, ""), dumpC));
        // pg_dump -f and backup.java fsync their files, a shell redirect does not: this row shows what that costs.
        Path dumpC2 = dumps.resolve("c2.dump.zst");
        rows.add(file("c2", "(c) + sync of its file (diagnostic)", pipeline(dumpC2, " && sync \"$2\""), dumpC2));
        rows.add(jbangStep("d", "./jbang bench/hello.java (warm launch)", List.of("bench/hello.java"), Map.of(), () -> -1L, null));
        Path backups = scratchRoot.resolve("backups-direct");
        // Encrypted sets go to their own BACKUP_DIR: (h) restores the latest plain one, without a key.
        Path encrypted = scratchRoot.resolve("backups-encrypted");
        rows.add(backup("e", "backup.java --verify none", "none", directEnv(backups), backups));
        rows.add(backup("e-enc", "(e) with ENCRYPT=all", "none", encryptedEnv(encrypted), encrypted));
        rows.add(backup("f", "backup.java --verify full", "full", directEnv(backups), backups));
        rows.add(backup("f-enc", "(f) with ENCRYPT=all, DECRYPT_KEY (diagnostic)", "full", encryptedEnv(encrypted), encrypted));
        rows.add(pgRestore(dumpA));
        rows.add(restore(directEnv(backups)));
        rows.add(drill(directEnv(backups)));
        rows.addAll(uploads());
        return rows;
    }

    /**
     * Steps (u): the weekly set's dump sent by a plain {@code rclone copyto}, then the whole set by
     * {@code backup.java --upload-pending}, plain and with ENCRYPT_TO (staging an encrypted copy first). Each
     * round uploads under its own remote folder r1/, r2/ ..., so every step writes new files.
     */
    private List<Row> uploads() {
        String round = "r" + ++uploadRound + "/";
        Optional<Path> dump = weeklyDump();
        if (dump.isEmpty()) {
            String why = "no weekly backup to upload (see " + stepLogs.resolve("warmup-weekly.log") + ")";
            return List.of(new Row("u-rclone", U_RCLONE, null, -1, why), new Row("u-ours", U_OURS, null, -1, why),
                    new Row("u-enc", U_ENC, null, -1, why));
        }
        Path file = dump.get();
        String name = file.getFileName().toString();
        String plain = round + "plain/" + OFFSITE_TYPE + "/" + name;
        Timing t = measure("u-rclone", U_RCLONE,
                List.of("rclone", "copyto", file.toString(), remote.remote(plain), "--config", remote.config().toString()), Map.of());
        return List.of(arrived(new Row("u-rclone", U_RCLONE, t, size(file), ""), plain, size(file)),
                upload("u-ours", U_OURS, round + "ours", false, file),
                upload("u-enc", U_ENC, round + "enc", true, file));
    }

    /** One --upload-pending of a fresh copy of the weekly set to {@code folder}; output = the plain dump's bytes. */
    private Row upload(String id, String step, String folder, boolean encrypt, Path dump) {
        Path backups = scratchRoot.resolve("backups-" + id + "-" + uploadRound);
        Runnable fresh = () -> copySet(backups);
        fresh.run();
        Map<String, String> env = directEnv(backups);
        env.put("REMOTE", remote.remote(folder));
        env.put("RCLONE_CONFIG", remote.config().toString());
        env.put("OFFSITE_TYPES", OFFSITE_TYPE);
        if (encrypt) env.put("ENCRYPT_TO", keys.publicKey().toString());
        long bytes = size(dump);
        Row row = jbangStep(id, step, List.of("backup.java", "--upload-pending"), env, () -> bytes, fresh);
        // The encrypted copy is a little larger than the dump: only its arrival is checked.
        String sent = folder + "/" + OFFSITE_TYPE + "/" + dump.getFileName() + (encrypt ? ".gpg" : "");
        return arrived(row, sent, encrypt ? -1 : bytes);
    }

    /** A step that exited 0 but left nothing (or a wrong size) on the remote measured nothing: it fails. */
    private Row arrived(Row row, String relative, long bytes) {
        if (!row.ok()) return row;
        long got = size(remote.local(relative));
        if (got >= 0 && (bytes < 0 || got == bytes)) return row;
        return new Row(row.id(), row.step(), null, -1, got < 0 ? "nothing arrived at " + remote.remote(relative) + " (log: " + row.timing().log() + ")"
                : remote.remote(relative) + " has " + got + " bytes, expected " + bytes);
    }

    /** Copies the weekly set into {@code backups}, fresh: a set that was uploaded no longer counts as pending. */
    private void copySet(Path backups) {
        Path from = weeklySet.resolve(OFFSITE_TYPE), to = backups.resolve(OFFSITE_TYPE);
        try (Stream<Path> files = Files.list(from)) {
            Files.createDirectories(to);
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                Files.copy(f, to.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Optional<Path> weeklyDump() {
        return backupFiles(weeklySet).stream().filter(p -> p.getFileName().toString().matches(".*\\.dump(\\.zst|\\.gz)?")).findFirst();
    }

    /** Step (i): the same two backups through docker exec. */
    List<Row> docker(Container container) {
        Path backups = scratchRoot.resolve("backups-docker");
        Map<String, String> env = new HashMap<>(baseEnv(backups));
        env.put("DOCKER_CONTAINER", Container.NAME);
        env.put("PGUSER", "postgres");
        env.put("PGPASSWORD", container.password());
        warm("docker-read", Runner.concat(container.client("pg_dump"), List.of("-Fc", "-Z0", "--no-sync", "-f", "/dev/null",
                DataSet.DB)), container.env());
        // What streaming the uncompressed dump out through docker exec costs by itself (compare with b).
        Path dumpB = dumps.resolve("i-b.dump");
        String step = "docker exec pg_dump -Fc -Z0 > file (diagnostic)";
        Timing t = measure("i-b", step, Runner.concat(container.client("pg_dump"), List.of("-Fc", "-Z0", DataSet.DB)),
                container.env(), dumpB);
        return List.of(new Row("i-b", step, t, size(dumpB), ""),
                backup("i-e", "backup.java --verify none, docker", "none", env, backups),
                backup("i-f", "backup.java --verify full, docker", "full", env, backups));
    }

    /** The pipeline itself is what is measured, so here (only) a shell runs it; pipefail keeps pg_dump's failures. */
    private static List<String> pipeline(Path out, String then) {
        return List.of("bash", "-o", "pipefail", "-c", "pg_dump -Fc -Z0 \"$1\" | zstd -q -1 -T2 > \"$2\"" + then,
                "pipeline", DataSet.DB, out.toString());
    }

    private Row file(String id, String step, List<String> cmd, Path output) {
        Timing t = measure(id, step, cmd, cluster.env());
        return new Row(id, step, t, size(output), "");
    }

    private Row backup(String id, String step, String verify, Map<String, String> env, Path backups) {
        // A re-run after a recompile counts only its own files.
        Set<Path> before = new HashSet<>(backupFiles(backups));
        Runnable fresh = () -> before.addAll(backupFiles(backups));
        Row row = jbangStep(id, step, List.of("backup.java", "--type", "manual", "--db", DataSet.DB, "--verify", verify), env,
                () -> newBytes(backups, before), fresh);
        readCompression(backups, before);
        boolean plainFile = newData(backups, before).anyMatch(p -> !p.getFileName().toString().endsWith(".gpg"));
        if (row.ok() && "all".equals(env.get("ENCRYPT")) && plainFile) {
            return new Row(id, step, null, -1, "ENCRYPT=all but an unencrypted file was written (log: " + row.timing().log() + ")");
        }
        return row;
    }

    private Row pgRestore(Path dumpA) {
        cluster.sql("postgres", "DROP DATABASE IF EXISTS " + PGRESTORE_DB + " WITH (FORCE)");
        cluster.sql("postgres", "CREATE DATABASE " + PGRESTORE_DB);
        String step = "pg_restore of (a) into a new db";
        Timing t = measure("g", step, List.of("pg_restore", "-d", PGRESTORE_DB, dumpA.toString()), cluster.env());
        return new Row("g", step, t, cluster.databaseSize(PGRESTORE_DB), "");
    }

    private Row restore(Map<String, String> env) {
        String step = "restore.java --latest into a new db";
        if (!Files.exists(home.resolve("restore.java"))) {
            Say.line("(h) skipped: " + home.resolve("restore.java") + " does not exist");
            return new Row("h", step, null, -1, "restore.java does not exist");
        }
        // The target must not exist (restore into a new database), also in the second round.
        Runnable fresh = () -> cluster.sql("postgres", "DROP DATABASE IF EXISTS " + RESTORED_DB + " WITH (FORCE)");
        fresh.run();
        return jbangStep("h", step, List.of("restore.java", "--latest", "--db", DataSet.DB, "--target-db", RESTORED_DB,
                "--yes", "--no-safety-backup"), env, () -> cluster.databaseSize(RESTORED_DB), fresh);
    }

    /**
     * The restore drill of the latest plain set: checks, restore into a scratch database, row counts, foreign-key
     * orphan scan, drop. Its evidence goes to the scratch logs, never to the project's docs/restore-test-log.md.
     */
    private Row drill(Map<String, String> env) {
        String step = "dr-drill.java (restore, validate, drop)";
        env.put("DRILL_LOG", logs.resolve("restore-test-log.md").toString());
        env.put("DRILL_VALIDATION_SQL", logs.resolve("no-validation.sql").toString());
        return jbangStep("h-drill", step, List.of("dr-drill.java", "--db", DataSet.DB), env, () -> -1L, null);
    }

    /**
     * A step run through ./jbang. Other people edit lib/ while this runs; when JBang had to recompile,
     * the launch was not warm, so the step is reset and measured once more (noted in the table).
     */
    private Row jbangStep(String id, String step, List<String> args, Map<String, String> env, Supplier<Long> output, Runnable reset) {
        List<String> cmd = Runner.concat(List.of(jbang()), args);
        Timing t = measure(id, step, cmd, env);
        if (!t.recompiled()) return new Row(id, step, t, output.get(), "");
        Say.line("(" + id + ") JBang recompiled (sources changed since the warm-up): measuring again");
        if (reset != null) reset.run();
        Timing again = measure(id, step, cmd, env);
        return new Row(id, step, again, output.get(), again.recompiled() ? "includes a JBang compile" : "re-run after a recompile");
    }

    private Timing measure(String id, String step, List<String> cmd, Map<String, String> env) {
        return measure(id, step, cmd, env, null);
    }

    private Timing measure(String id, String step, List<String> cmd, Map<String, String> env, Path stdout) {
        Say.line("(" + id + ") " + step);
        Timing t = runner.timed(cmd, env, home, stepLogs.resolve(id + ".log"), stdout, timeout);
        Say.line("(" + id + ") " + (t.ok() ? Say.num(t.wallS(), 2) + " s, peak RSS " + t.rssKb() / 1024 + " MB"
                : "FAILED: " + t.failure() + " (log: " + t.log() + ")"));
        return t;
    }

    /**
     * What every run of our scripts gets: project home, where backups and logs go (never the project's own),
     * and no off-site copy or encryption unless a step asks for it, whatever config/ops.env says.
     */
    private Map<String, String> baseEnv(Path backups) {
        Map<String, String> env = new HashMap<>();
        env.put("RA_INFRA_HOME", home.toString());
        env.put("BACKUP_DIR", backups.toString());
        env.put("LOG_DIR", logs.toString());
        for (String key : List.of("REMOTE", "ENCRYPT_TO", "ENCRYPT", "DECRYPT_KEY", "DECRYPT_PASSPHRASE_FILE")) env.put(key, "");
        return env;
    }

    /** Direct mode with ENCRYPT=all to the throwaway key, and its secret key for a full verify. */
    private Map<String, String> encryptedEnv(Path backups) {
        Map<String, String> env = directEnv(backups);
        env.put("ENCRYPT", "all");
        env.put("ENCRYPT_TO", keys.publicKey().toString());
        env.put("DECRYPT_KEY", keys.secretKey().toString());
        env.put("DECRYPT_PASSPHRASE_FILE", keys.passphraseFile().toString());
        return env;
    }

    /** Direct mode: DOCKER_CONTAINER empty, libpq aimed at the host cluster. */
    private Map<String, String> directEnv(Path backups) {
        Map<String, String> env = baseEnv(backups);
        env.putAll(cluster.env());
        env.put("DOCKER_CONTAINER", "");
        return env;
    }

    private String jbang() { return home.resolve("jbang").toString(); }

    private static Set<Path> backupFiles(Path backups) {
        if (!Files.isDirectory(backups)) return Set.of();
        try (Stream<Path> walk = Files.walk(backups)) {
            return walk.filter(Files::isRegularFile).collect(Collectors.toSet());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Bytes of the dump and globals files a backup added (the manifest and lock files are not data). */
    private static long newBytes(Path backups, Set<Path> before) {
        return newData(backups, before).mapToLong(Steps::size).sum();
    }

    private static Stream<Path> newData(Path backups, Set<Path> before) {
        return backupFiles(backups).stream().filter(p -> !before.contains(p))
                .filter(p -> p.getFileName().toString().matches(".*\\.(dump|globals\\.sql)(\\.zst|\\.gz)?(\\.gpg)?"));
    }

    private void readCompression(Path backups, Set<Path> before) {
        backupFiles(backups).stream().filter(p -> !before.contains(p) && p.toString().endsWith(".manifest.json")).findFirst()
                .flatMap(m -> Runner.lines(m).stream().filter(l -> l.contains("\"compression\"")).findFirst())
                .ifPresent(l -> compression = l.replaceAll(".*:\\s*\"([^\"]*)\".*", "$1"));
    }

    private static long size(Path file) {
        try {
            return Files.exists(file) ? Files.size(file) : -1;
        } catch (IOException e) {
            return -1;
        }
    }
}

/** What the numbers ran on. */
record Machine(int cpus, String cpuModel, long ramBytes, String serverVersion, String pgDump, String zstd,
               String rclone, String java, String loadStart, String loadEnd) {

    static void requireTools(Runner runner, boolean docker) {
        if (!Files.isExecutable(Path.of("/usr/bin/time"))) {
            throw new IllegalStateException("GNU time not found at /usr/bin/time; install it: apt-get install -y time");
        }
        runner.check("zstd", List.of("zstd", "--version"), Map.of(), null, Duration.ofSeconds(30));
        runner.check("pg_dump", List.of("pg_dump", "--version"), Map.of(), null, Duration.ofSeconds(30));
        for (String tool : List.of("gpg", "rclone")) {
            try {
                runner.check(tool, List.of(tool, "--version"), Map.of(), null, Duration.ofSeconds(30));
            } catch (RuntimeException e) {
                throw new IllegalStateException(tool + " not found; HINT: the encryption and upload steps need it: apt-get install -y gnupg rclone");
            }
        }
        if (docker) {
            try {
                runner.check("docker image inspect", List.of("docker", "image", "inspect", Container.IMAGE), Map.of(), null,
                        Duration.ofSeconds(30));
            } catch (IllegalStateException e) {
                throw new IllegalStateException(e.getMessage() + "; HINT: is dockerd running and " + Container.IMAGE + " built?");
            }
        }
    }

    static Machine describe(Runner runner, Cluster cluster, String loadStart) {
        return new Machine(Runtime.getRuntime().availableProcessors(), procField("/proc/cpuinfo", "model name"),
                Long.parseLong(procField("/proc/meminfo", "MemTotal").replaceAll("\\D", "")) * 1024,
                cluster.value("postgres", "SHOW server_version"),
                runner.check("pg_dump", List.of("pg_dump", "--version"), Map.of(), null, Duration.ofSeconds(30)).strip(),
                runner.check("zstd", List.of("zstd", "--version"), Map.of(), null, Duration.ofSeconds(30))
                        .replaceAll("(?s).*(v\\d+\\.\\d+\\.\\d+).*", "zstd $1"),
                runner.check("rclone", List.of("rclone", "--version"), Map.of(), null, Duration.ofSeconds(30)).lines().findFirst().orElse("rclone ?"),
                System.getProperty("java.vm.name") + " " + System.getProperty("java.version"), loadStart, loadAverage());
    }

    /** 1/5/15-minute load average: other work on the machine shows up here, and skews the timings. */
    static String loadAverage() {
        List<String> l = Runner.lines(Path.of("/proc/loadavg"));
        return l.isEmpty() ? "?" : String.join(" ", Arrays.asList(l.get(0).split(" ")).subList(0, 3));
    }

    private static String procField(String file, String field) {
        return Runner.lines(Path.of(file)).stream().filter(l -> l.startsWith(field)).findFirst()
                .map(l -> l.substring(l.indexOf(':') + 1).strip()).orElse("0");
    }
}

/** The Markdown report: machine, database, the table and the target lines. */
final class Report {
    private final BigDecimal sizeGb;
    private final int runs;
    private final String label;
    private final DataSet data;
    private final long dbBytes;
    private final long dockerBytes;
    private final Machine machine;
    private final Map<String, Row> rows = new LinkedHashMap<>();
    private final String compression;

    Report(BigDecimal sizeGb, int runs, String label, DataSet data, long dbBytes, long dockerBytes, Machine machine, List<Row> rows,
           String compression) {
        this.sizeGb = sizeGb;
        this.runs = runs;
        this.label = label;
        this.data = data;
        this.dbBytes = dbBytes;
        this.dockerBytes = dockerBytes;
        this.machine = machine;
        rows.forEach(r -> this.rows.put(r.id(), r));
        this.compression = compression;
    }

    /** Writes OUT/<UTC date>-<size>gb[-label].md, or with -2, -3 ... before .md when that report exists already. */
    Path write(Path dir) throws IOException {
        Files.createDirectories(dir);
        String size = sizeGb.stripTrailingZeros().toPlainString();
        String name = LocalDate.now(ZoneOffset.UTC) + "-" + size + "gb" + (label == null ? "" : "-" + label);
        Path file = dir.resolve(name + ".md");
        for (int n = 2; Files.exists(file); n++) file = dir.resolve(name + "-" + n + ".md");
        Files.writeString(file, markdown(size), StandardOpenOption.CREATE_NEW);
        return file;
    }

    private String markdown(String size) {
        return "# Benchmark, " + size + " GB nominal\n\n"
                + "- Run: " + Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS) + " (UTC), `./jbang bench/bench.java --size-gb "
                + size + (runs > 1 ? " --runs " + runs : "") + (dockerBytes >= 0 ? " --docker" : "") + (label == null ? "" : " --label " + label) + "`\n"
                + "- Machine: " + machine.cpus() + " CPUs (" + machine.cpuModel() + "), " + Say.num(machine.ramBytes() / 1073741824.0, 1) + " GB RAM; "
                + "load average " + machine.loadStart() + " at start, " + machine.loadEnd() + " at end\n"
                + "- PostgreSQL server " + machine.serverVersion() + "; " + machine.pgDump() + "; " + machine.zstd() + "; "
                + machine.rclone() + "; " + machine.java() + " (this benchmark's JVM)\n"
                + "- Database `benchdb`: " + data + " → pg_database_size **" + Say.mb(dbBytes) + " MB**"
                + (dockerBytes >= 0 ? " (container copy: " + Say.mb(dockerBytes) + " MB)" : "") + "\n"
                + "- backup.java compression (from its manifest): " + compression + "\n"
                + "- Encryption (e-enc, f-enc, u-enc): a throwaway ed25519 + cv25519 key made by gpg. Uploads (u): to `rclone serve sftp` "
                + "on 127.0.0.1 (sha1/md5 by the server), one weekly set taken in the warm-up, sent as a fresh copy by each step\n\n"
                + table() + "\n"
                + (runs > 1 ? "Each step ran in " + runs + " rounds; wall is the fastest round, peak RSS the largest. " : "")
                + "wall = elapsed seconds, peak RSS = largest process of the step (GNU time `%M`), MB = MiB. "
                + "output = file size for dumps, dump + globals for backup.java, database size after a restore, "
                + "the weekly set's dump for uploads (throughput = output ÷ wall). "
                + "ratio = wall ÷ wall of (a) for dumps and backups, ÷ wall of (g) for restores, ÷ wall of (u-rclone) for uploads.\n\n"
                + "## Targets\n\n" + targets();
    }

    String table() {
        StringBuilder sb = new StringBuilder("| step | wall s | peak RSS MB | output MB | ratio |\n|---|---:|---:|---:|---:|\n");
        for (Row r : rows.values()) {
            String label = (r.id() + ". " + r.step() + (r.note().isEmpty() || !r.ok() ? "" : " (" + r.note() + ")"))
                    .replace("|", "\\|");
            if (!r.ok()) {
                sb.append("| ").append(label).append(" | FAILED: ").append(r.failure().replace("|", "\\|"))
                        .append(" | | | |\n");
                continue;
            }
            Timing t = r.timing();
            sb.append("| ").append(label).append(" | ").append(Say.num(t.wallS(), 2)).append(" | ")
                    .append(Say.num(t.rssKb() / 1024.0, 0)).append(" | ").append(Say.mb(r.outBytes())).append(" | ")
                    .append(ratio(r)).append(" |\n");
        }
        return sb.toString();
    }

    private String ratio(Row r) {
        String base = switch (r.id()) {
            case "g", "h", "h-drill" -> "g";
            case "u-rclone", "u-ours", "u-enc" -> "u-rclone";
            case "d" -> null;
            default -> "a";
        };
        double b = base == null ? Double.NaN : wall(base);
        return Say.num(r.timing().wallS() / b, 2);
    }

    String targets() {
        List<String> lines = new ArrayList<>();
        lines.add(sumTarget("backup (e) wall ≤ 1.10 × (c + d)", "e", "c", "d"));
        lines.add(sizeTarget());
        lines.add(limit("ratio e / a (wall)", wall("e") / wall("a"), 0.45, "", "e", "a"));
        lines.add(sumTarget("restore (h) wall ≤ 1.10 × (g + d)", "h", "g", "d"));
        if (rows.containsKey("i-e")) {
            lines.add(limit("docker backup (i-e) ≤ 1.10 × direct (e)", wall("i-e") / wall("e"), 1.10, "×", "i-e", "e"));
            lines.add(limit("docker backup (i-f) ≤ 1.10 × direct (f)", wall("i-f") / wall("f"), 1.10, "×", "i-f", "f"));
        } else {
            lines.add("- SKIP docker backup ≤ 1.10 × direct: run with --docker");
        }
        // The drill does more than a restore: checksum, listing, row counts, a foreign-key orphan scan and the drop.
        lines.add(missing("h-drill", "g", "d") != null ? "- FAIL drill (h-drill): " + missing("h-drill", "g", "d")
                : limit("drill (h-drill) wall ≤ 1.50 × (g + d)", wall("h-drill") / (wall("g") + wall("d")), 1.50, "×", "h-drill", "g", "d"));
        for (String id : List.of("e", "f", "h")) lines.add(rssTarget(id));
        lines.add(limit("encrypted backup (e-enc) wall ≤ 1.30 × (e)", wall("e-enc") / wall("e"), 1.30, "×", "e-enc", "e"));
        lines.add(throughputTarget());
        return String.join("\n", lines) + "\n";
    }

    /** Both steps send the same dump, so the throughput ratio is the inverse of the wall ratio. */
    private String throughputTarget() {
        String name = "upload throughput (u-ours) ≥ 0.90 × plain rclone copy (u-rclone)";
        String missing = missing("u-ours", "u-rclone");
        if (missing != null) return "- FAIL " + name + ": " + missing;
        double ours = mbPerS("u-ours"), peer = mbPerS("u-rclone");
        return verdict(ours >= 0.90 * peer) + name + ": " + Say.num(ours, 1) + " MB/s vs " + Say.num(peer, 1) + " MB/s = "
                + Say.num(ours / peer, 2) + "× (limit ≥ 0.90×)";
    }

    private double mbPerS(String id) { return rows.get(id).outBytes() / 1048576.0 / wall(id); }

    private String sumTarget(String name, String id, String x, String y) {
        String missing = missing(id, x, y);
        if (missing != null) return "- FAIL " + name + ": " + missing;
        double limit = 1.10 * (wall(x) + wall(y));
        return verdict(wall(id) <= limit) + name + ": " + Say.num(wall(id), 2) + " s vs 1.10 × (" + Say.num(wall(x), 2)
                + " + " + Say.num(wall(y), 2) + ") = " + Say.num(limit, 2) + " s";
    }

    private String sizeTarget() {
        String name = "our output size (e) ≤ 0.9 × (a)";
        String missing = missing("e", "a");
        if (missing != null) return "- FAIL " + name + ": " + missing;
        long e = rows.get("e").outBytes(), a = rows.get("a").outBytes();
        return verdict(e <= 0.9 * a) + name + ": " + Say.mb(e) + " MB vs 0.9 × " + Say.mb(a) + " = "
                + Say.mb((long) (0.9 * a)) + " MB (" + Say.num((double) e / a, 2) + " × a)";
    }

    private String limit(String name, double value, double max, String unit, String... ids) {
        String missing = missing(ids);
        if (missing != null) return "- FAIL " + name + ": " + missing;
        return verdict(value <= max) + name + ": " + Say.num(value, 2) + unit + " (limit " + Say.num(max, 2) + unit + ")";
    }

    private String rssTarget(String id) {
        String name = "peak RSS of (" + id + ") ≤ 256 MB";
        String missing = missing(id);
        if (missing != null) return "- FAIL " + name + ": " + missing;
        double mb = rows.get(id).timing().rssKb() / 1024.0;
        return verdict(mb <= 256) + name + ": " + Say.num(mb, 0) + " MB";
    }

    /** Why a target cannot be evaluated (a step is absent or failed), else null. */
    private String missing(String... ids) {
        for (String id : ids) {
            Row r = rows.get(id);
            if (r == null) return "step " + id + " did not run";
            if (!r.ok()) return "step " + id + " failed";
        }
        return null;
    }

    private double wall(String id) {
        Row r = rows.get(id);
        return r == null || !r.ok() ? Double.NaN : r.timing().wallS();
    }

    private static String verdict(boolean pass) { return pass ? "- PASS " : "- FAIL "; }
}
