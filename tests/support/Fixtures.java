package tests.support;

import lib.*;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Real servers for tests, started once per test run and removed at exit: a trust-auth cluster, a
 * password cluster (a hostile password), and a container of the test image through docker exec.
 * Outside CI a missing Docker engine skips docker tests (with the reason); in CI (CI=true) it fails.
 */
public final class Fixtures {
    /** A password with every character that breaks naive quoting. */
    public static final String HOSTILE_PASSWORD = "p@ss w'o\"rd $HOME `x` ü;&|";
    public static final String IMAGE = System.getenv().getOrDefault("TEST_IMAGE", "inventory-pg:15");
    private static ScratchServer trust;
    private static ScratchServer password;
    private static ScratchServer docker;

    private Fixtures() {}

    public static synchronized ScratchServer trustCluster() {
        if (trust == null) trust = closeAtExit(ScratchServer.local(bin(), null));
        return trust;
    }

    public static synchronized ScratchServer passwordCluster() {
        if (password == null) password = closeAtExit(ScratchServer.local(bin(), HOSTILE_PASSWORD));
        return password;
    }

    public static synchronized ScratchServer container() {
        requireDocker();
        if (docker == null) docker = closeAtExit(ScratchServer.docker(IMAGE));
        return docker;
    }

    /** Skips (or in CI fails) when no Docker engine or test image is available. */
    public static void requireDocker() {
        Proc.Result r = Proc.run(List.of("docker", "image", "inspect", IMAGE), Map.of(), Duration.ofSeconds(20));
        boolean ok = r.ok();
        if (!ok && "true".equals(System.getenv("CI"))) {
            throw new AssertionError("CI requires Docker and image " + IMAGE + ": " + r.lastError());
        }
        assumeTrue(ok, "no Docker engine or image " + IMAGE + " (" + r.lastError() + "); docker tests skipped outside CI");
    }

    public static Path bin() {
        return ScratchServer.findBinaries(System.getenv("PG_BIN"))
                .orElseThrow(() -> new AssertionError("PostgreSQL server binaries (initdb) not found: install postgresql-15"));
    }

    private static ScratchServer closeAtExit(ScratchServer s) {
        Runtime.getRuntime().addShutdownHook(new Thread(s::close));
        return s;
    }

    /** Stops and removes every server started so far (the harness calls this before exiting). */
    public static synchronized void closeAll() {
        for (ScratchServer s : new ScratchServer[] {trust, password, docker}) {
            if (s != null) s.close();
        }
        trust = password = docker = null;
    }

    /** A fresh project home with backups/ and logs/ in it (the path has a space on purpose). */
    /** An executable /bin/sh script (rwxr-xr-x) with {@code body} after the #! line: a stand-in program. */
    public static Path shellScript(Path file, String body) {
        try {
            Files.writeString(file, "#!/bin/sh\n" + body);
            Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static Path home() {
        try {
            return Files.createDirectories(Files.createTempDirectory("ra-test-").resolve("my home"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Defaults, no config files, aimed at {@code server}, with backups and logs under {@code home}. */
    public static Config config(ScratchServer server, Path home, String... overrides) {
        Map<String, String> env = new HashMap<>();
        env.put("RA_INFRA_HOME", home.toString());
        Config cfg = server.config(Config.load(null, Map.of(), env));
        Map<String, String> o = new HashMap<>();
        for (int i = 0; i + 1 < overrides.length; i += 2) o.put(overrides[i], overrides[i + 1]);
        return cfg.with(o);
    }

    public static Log log(Config cfg) {
        Log log = new Log(cfg.path("LOG_DIR"), "test");
        log.mask(cfg.get("PGPASSWORD"));
        return log;
    }

    /** (Re)creates {@code db} with a products table of {@code rows} rows and a small second table. */
    public static void createDb(Pg pg, String db, int rows) {
        pg.dropDatabase(db);
        pg.psql().exec("postgres", "CREATE DATABASE " + Psql.ident(db));
        pg.psql().exec(db, "CREATE TABLE products (id int PRIMARY KEY, name text NOT NULL);"
                + "INSERT INTO products SELECT g, 'product ' || g FROM generate_series(1, " + rows + ") g;"
                + "CREATE TABLE \"odd \"\"name\"\" ü\" (x int); INSERT INTO \"odd \"\"name\"\" ü\" VALUES (1), (2);");
    }

    /** Environment for running a script against {@code server} (direct or docker mode). */
    public static Map<String, String> env(ScratchServer server, Path home) {
        Config cfg = config(server, home);
        Map<String, String> env = new HashMap<>();
        for (String k : List.of("PGHOST", "PGPORT", "PGUSER", "PGPASSWORD", "DOCKER_CONTAINER", "PG_BIN")) env.put(k, cfg.get(k));
        env.put("RA_INFRA_HOME", home.toString());
        return env;
    }
}
