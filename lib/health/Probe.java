package lib.health;

import com.fasterxml.jackson.databind.JsonNode;
import lib.*;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the checks of one run share: the settings, the deadline every check must finish by, one SQL
 * connection (opened once, with retries, by whichever check asks first), docker inspect results, and
 * the previous run's measured values (from metrics.jsonl) for checks that compare against them.
 */
public final class Probe implements AutoCloseable {
    /** Waits between connection attempts while the deadline allows: 1 s, 2 s, 4 s. */
    static final long[] BACKOFF_MS = {1000, 2000, 4000};

    private final Config cfg;
    private final PgTarget target;
    private final long deadlineNanos;
    private final Duration timeout;
    private final JsonNode previous;
    private final Map<String, Object> memo = new ConcurrentHashMap<>();
    private volatile Connection connection;
    private volatile SQLException failure;
    private volatile int attempts;
    private volatile long connectMillis;

    public Probe(Config cfg, Duration timeout, JsonNode previous) {
        this.cfg = cfg;
        this.target = new PgTarget(cfg);
        this.timeout = timeout;
        this.deadlineNanos = System.nanoTime() + timeout.toNanos();
        this.previous = previous;
    }

    public Config config() { return cfg; }

    public PgTarget target() { return target; }

    public Duration timeout() { return timeout; }

    /** Time left before the run's deadline (never negative). */
    public Duration remaining() { return Duration.ofNanos(Math.max(0, deadlineNanos - System.nanoTime())); }

    /** A value the previous run measured ({@code checks.<check>.values.<key>}), or a missing node. */
    public JsonNode previous(String check, String key) {
        return previous.path("checks").path(check).path("values").path(key);
    }

    /** docker inspect of a container, asked once per run whichever check needs it. */
    public Docker.Container container(String name) {
        return (Docker.Container) memo.computeIfAbsent("container:" + name, k -> Docker.inspect(name, remaining()));
    }

    /** Host the SQL checks connect to; a socket directory (PGHOST=/...) means this machine. */
    public String host() {
        String host = cfg.get("PGHOST");
        return host.isBlank() || host.startsWith("/") ? "localhost" : host;
    }

    /** Port the SQL checks connect to: the published port in docker mode. */
    public String port() { return cfg.get("PGPORT").isBlank() ? "5432" : cfg.get("PGPORT"); }

    /** "host:port", for messages. */
    public String endpoint() { return host() + ":" + port(); }

    /**
     * The run's SQL connection. Refused or not-yet-ready servers are retried after 1, 2 and 4 s while the
     * deadline allows; a wrong password is not retried.
     */
    public synchronized Connection sql() throws SQLException {
        if (connection != null) return connection;
        if (failure != null) throw failure;
        try {
            return connectWithRetries();
        } catch (SQLException e) {
            failure = e;
            throw e;
        }
    }

    private Connection connectWithRetries() throws SQLException {
        SQLException last;
        for (int i = 0; ; i++) {
            attempts = i + 1;
            long start = System.nanoTime();
            try {
                connection = connect();
                connectMillis = (System.nanoTime() - start) / 1_000_000;
                return connection;
            } catch (SQLException e) {
                last = e;
                if (!transientFailure(e) || i >= BACKOFF_MS.length
                        || remaining().toMillis() < BACKOFF_MS[i] + 500) throw last;
                sleep(BACKOFF_MS[i]);
            }
        }
    }

    public int attempts() { return attempts; }

    public long connectMillis() { return connectMillis; }

    private Connection connect() throws SQLException {
        String db = cfg.get("PGDATABASE");
        Properties p = new Properties();
        p.setProperty("user", cfg.get("PGUSER"));
        String password = target.passwordFor(host(), port(), db);
        if (!password.isEmpty()) p.setProperty("password", password);
        int seconds = (int) Math.max(1, Math.min(timeout.toSeconds(), Math.ceil(remaining().toMillis() / 1000.0)));
        p.setProperty("connectTimeout", String.valueOf(seconds));
        p.setProperty("loginTimeout", String.valueOf(seconds));
        p.setProperty("socketTimeout", String.valueOf(timeout.toSeconds() + 1));
        p.setProperty("ApplicationName", "ra-infrastructure health-check");
        p.setProperty("assumeMinServerVersion", "12");
        String url = "jdbc:postgresql://" + endpoint() + "/" + java.net.URLEncoder.encode(db, java.nio.charset.StandardCharsets.UTF_8)
                .replace("+", "%20");
        Connection c = DriverManager.getConnection(url, p);
        try (Statement st = c.createStatement()) {
            st.execute("SET statement_timeout = " + timeout.toMillis());
        }
        return c;
    }

    /** Connection refused, server starting up or too busy: worth another try. */
    static boolean transientFailure(SQLException e) {
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        return state.startsWith("08") && !String.valueOf(e.getMessage()).contains("timed out") || state.equals("57P03");
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Closes the connection in the background: a hung server must not hold the run at its end. */
    @Override
    public void close() {
        Connection c = connection;
        if (c == null) return;
        Thread t = new Thread(() -> {
            try {
                c.close();
            } catch (SQLException ignored) {
                // the process is about to exit; the server drops the session
            }
        }, "sql-close");
        t.setDaemon(true);
        t.start();
    }
}
