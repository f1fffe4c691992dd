package lib;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.*;
import java.nio.file.attribute.UserPrincipal;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.*;
import java.util.stream.Stream;

/**
 * A throwaway PostgreSQL server for drills and tests: a cluster made with the local binaries
 * (initdb/pg_ctl, as user postgres when we are root) on a free port and a private socket directory,
 * or a container started from an image. {@link #config} aims a configuration at it; closing it
 * removes everything.
 */
public final class ScratchServer implements AutoCloseable {
    private static final boolean WINDOWS = System.getProperty("os.name").startsWith("Windows");
    private static final Duration LIMIT = Duration.ofMinutes(2);
    private final String container;
    private final Path dir;
    private final Path bin;
    private final int port;
    private final String password;
    private final boolean asPostgres;

    private ScratchServer(String container, Path dir, Path bin, int port, String password, boolean asPostgres) {
        this.container = container;
        this.dir = dir;
        this.bin = bin;
        this.port = port;
        this.password = password;
        this.asPostgres = asPostgres;
    }

    /** A local cluster; with a password, TCP connections need it (scram-sha-256), else trust. */
    public static ScratchServer local(Path bin, String password) {
        boolean root = isRoot();
        Path dir = null;
        try {
            dir = Files.createTempDirectory("ra-scratch-");
            if (root) chownToPostgres(dir);
            int port = freePort();
            ScratchServer s = new ScratchServer(null, dir, bin, port, password, root);
            s.initAndStart();
            return s;
        } catch (IOException e) {
            if (dir != null) SafeFiles.deleteTree(dir);
            throw new OpsException(ExitCode.UNAVAILABLE, "cannot create a scratch cluster: " + e.getMessage(), null, e);
        } catch (RuntimeException e) {
            if (dir != null) SafeFiles.deleteTree(dir);
            throw e;
        }
    }

    /** A container from {@code image}, ready when it accepts TCP connections inside (after its init). */
    public static ScratchServer docker(String image) {
        String name = "ra-scratch-" + Long.toHexString(new SecureRandom().nextLong() & 0xffffffffL);
        String password = randomPassword();
        Proc.Result r = Proc.run(List.of("docker", "run", "-d", "--name", name, "-e", "POSTGRES_PASSWORD", image),
                Map.of("POSTGRES_PASSWORD", password), Duration.ofMinutes(5));
        if (!r.ok()) {
            throw new OpsException(ExitCode.UNAVAILABLE, "cannot start a container from " + image + ": " + r.lastError(),
                    "is the Docker engine running and the image available (docker pull " + image + ")?");
        }
        ScratchServer s = new ScratchServer(name, null, null, 5432, password, false);
        try {
            s.awaitReady(Duration.ofSeconds(90));
        } catch (RuntimeException e) {
            s.close();
            throw e;
        }
        return s;
    }

    /** The configuration {@code base} pointed at this server (direct or docker mode). */
    public Config config(Config base) {
        Map<String, String> o = new HashMap<>();
        o.put("PGUSER", "postgres");
        o.put("PGPASSWORD", password == null ? "" : password);
        if (container != null) {
            o.put("DOCKER_CONTAINER", container);
        } else {
            o.put("DOCKER_CONTAINER", "");
            o.put("PGHOST", "127.0.0.1");
            o.put("PGPORT", String.valueOf(port));
            o.put("PG_BIN", bin.toString());
        }
        return base.with(o);
    }

    public String container() { return container; }

    @Override
    public void close() {
        try {
            if (container != null) Proc.run(List.of("docker", "rm", "-f", "-v", container), Map.of(), Duration.ofSeconds(60));
            else check(Proc.run(asUser(pgCtl("-m", "immediate", "stop")), Map.of(), LIMIT), "pg_ctl");
        } catch (RuntimeException ignored) {
            // already stopped
        } finally {
            if (dir != null) SafeFiles.deleteTree(dir);
        }
    }

    private void initAndStart() throws IOException {
        Path data = dir.resolve("data");
        List<String> init = new ArrayList<>(List.of(bin.resolve("initdb").toString(), "-D", data.toString(), "-U", "postgres",
                "-E", "UTF8", "--locale=C", "--no-sync", "--auth-local=trust"));
        if (password != null) {
            Path pw = dir.resolve("pw");
            Files.writeString(pw, password);
            if (asPostgres) chownToPostgres(pw);
            init.addAll(List.of("--auth-host=scram-sha-256", "--pwfile=" + pw));
        } else {
            init.add("--auth-host=trust");
        }
        check(Proc.run(asUser(init), Map.of(), LIMIT), "initdb");
        Files.writeString(data.resolve("postgresql.conf"), settings(port, dir.toString(), WINDOWS), StandardOpenOption.APPEND);
        // the server inherits pg_ctl's handles: its output goes to a file, or we would wait for the server to stop
        check(Proc.runToFile(asUser(pgCtl("-w", "-t", "60", "-l", dir.resolve("log").toString(), "start")), Map.of(), LIMIT,
                dir.resolve("pg_ctl.out")), "pg_ctl");
    }

    /**
     * The lines appended to postgresql.conf. On Windows no socket directory (TCP only; clients use 127.0.0.1):
     * a %TEMP% path's backslashes would be read as escapes (checked on Windows: not yet).
     */
    public static String settings(int port, String socketDir, boolean windows) {
        return String.join("\n", "", "port = " + port, "listen_addresses = '127.0.0.1'",
                "unix_socket_directories = " + quoted(windows ? "" : socketDir), "fsync = off", "max_connections = 50", "");
    }

    /** A postgresql.conf string: its parser reads a backslash as an escape and a doubled quote as a quote. */
    static String quoted(String value) {
        return "'" + value.replace("\\", "\\\\").replace("'", "''").replace("\n", "\\n").replace("\r", "\\r") + "'";
    }

    private List<String> pgCtl(String... args) {
        List<String> cmd = new ArrayList<>(List.of(bin.resolve("pg_ctl").toString(), "-D", dir.resolve("data").toString()));
        cmd.addAll(List.of(args));
        return cmd;
    }

    private List<String> asUser(List<String> cmd) {
        List<String> full = new ArrayList<>();
        if (asPostgres) full.addAll(List.of("runuser", "-u", "postgres", "--"));
        full.addAll(cmd);
        return full;
    }

    private void check(Proc.Result r, String what) {
        if (!r.ok()) {
            throw new OpsException(ExitCode.UNAVAILABLE, what + " failed for the scratch cluster: " + r.lastError(),
                    "check the PostgreSQL binaries in " + bin);
        }
    }

    private void awaitReady(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            Proc.Result r = Proc.run(List.of("docker", "exec", container, "pg_isready", "-q", "-h", "127.0.0.1"), Map.of(),
                    Duration.ofSeconds(10));
            if (r.ok()) return;
            if (r.stderr().contains("No such container") || r.stderr().contains("is not running")) break;
            sleep(300);
        }
        Proc.Result logs = Proc.run(List.of("docker", "logs", "--tail", "5", container), Map.of(), Duration.ofSeconds(10));
        throw new OpsException(ExitCode.UNAVAILABLE, "container " + container + " did not become ready: "
                + (logs.stdout() + logs.stderr()).strip().replace('\n', ' '), "check the image with docker logs");
    }

    /** The PostgreSQL server binaries: PG_BIN, else the newest /usr/lib/postgresql/N/bin, else PATH. */
    public static Optional<Path> findBinaries(String pgBin) {
        List<Path> candidates = new ArrayList<>();
        if (pgBin != null && !pgBin.isBlank()) candidates.add(Path.of(pgBin));
        for (String root : List.of("/usr/lib/postgresql", "C:\\Program Files\\PostgreSQL")) {
            Path r = Path.of(root);
            if (!Files.isDirectory(r)) continue;
            try (Stream<Path> s = Files.list(r)) {
                s.filter(p -> p.getFileName().toString().matches("\\d+"))
                        .sorted(Comparator.comparingInt((Path p) -> Integer.parseInt(p.getFileName().toString())).reversed())
                        .forEach(p -> candidates.add(p.resolve("bin")));
            } catch (IOException ignored) {
                // not readable: try the others
            }
        }
        for (String p : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
            if (!p.isBlank()) candidates.add(Path.of(p));
        }
        return candidates.stream().filter(d -> Files.isExecutable(d.resolve("initdb")) || Files.isExecutable(d.resolve("initdb.exe")))
                .findFirst();
    }

    static boolean isRoot() {
        return !WINDOWS && "root".equals(System.getProperty("user.name"));
    }

    private static void chownToPostgres(Path p) throws IOException {
        UserPrincipal pg = p.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("postgres");
        Files.setOwner(p, pg);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static String randomPassword() {
        return HexFormat.of().formatHex(new SecureRandom().generateSeed(12));
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
