package lib;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.*;

/**
 * Where PostgreSQL programs run: inside the container through {@code docker exec -i} (docker mode)
 * or on this host (direct mode). Connection settings travel as libpq environment variables, database
 * names included, so nothing secret or oddly quoted is ever put on a command line. In docker mode
 * only the names are passed ({@code -e PGPASSWORD}); docker copies the values from our environment.
 * The server's port inside the container is PG_CONTAINER_PORT, else found by asking Docker (see
 * {@link #containerPort()}), once per target: a target lives for one run, so nothing outlives a change.
 */
public final class PgTarget {
    /** The port inside the container and where it was learnt, e.g. "PGPORT in the container's environment". */
    public record Port(String number, String source) {}

    private static final String DEFAULT_PORT = "5432";
    private static final int INSPECT_SECONDS = 15;
    private static final java.util.regex.Pattern PORT_SETTING = java.util.regex.Pattern.compile("port\\s*=\\s*(\\d{1,5})");
    private final Config cfg;
    private Port port;

    public PgTarget(Config cfg) { this.cfg = cfg; }

    public Config config() { return cfg; }

    public boolean docker() { return cfg.dockerMode(); }

    public String container() { return cfg.get("DOCKER_CONTAINER"); }

    /** "container inventory-db" or "server localhost:5432", for messages. */
    public String describe() {
        if (docker()) return "container " + container();
        String host = cfg.get("PGHOST").isEmpty() ? "localhost" : cfg.get("PGHOST");
        return "server " + host + ":" + (cfg.get("PGPORT").isEmpty() ? "5432" : cfg.get("PGPORT"));
    }

    /** The command line that runs {@code program args} against database {@code db} (null: none). */
    public List<String> command(String program, List<String> args) {
        List<String> cmd = new ArrayList<>();
        if (docker()) {
            cmd.addAll(List.of("docker", "exec", "-i"));
            for (String name : passedNames()) cmd.addAll(List.of("-e", name));
            cmd.add(container());
            cmd.add(program);
        } else {
            String bin = cfg.get("PG_BIN");
            cmd.add(bin.isBlank() ? program : Path.of(bin, program).toString());
        }
        cmd.addAll(args);
        return cmd;
    }

    /** Environment for the process we start: libpq settings (for docker: for docker to forward). */
    public Map<String, String> env(String db) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PGUSER", cfg.get("PGUSER"));
        env.put("PGCONNECT_TIMEOUT", "10");
        env.put("PGAPPNAME", "ra-infrastructure");
        if (db != null) env.put("PGDATABASE", db);
        String password = password();
        if (!password.isEmpty()) env.put("PGPASSWORD", password);
        if (docker()) {
            env.put("PGPORT", containerPort().number());
        } else {
            for (String k : List.of("PGHOST", "PGPORT", "PGPASSFILE")) {
                if (!cfg.get(k).isEmpty()) env.put(k, cfg.get(k));
            }
        }
        return env;
    }

    /**
     * Variables forwarded into the container. PGHOST stays the container's own (its socket); PGPORT is the
     * server's port inside the container, which names that socket.
     */
    private List<String> passedNames() {
        List<String> names = new ArrayList<>(List.of("PGUSER", "PGCONNECT_TIMEOUT", "PGAPPNAME", "PGDATABASE", "PGPORT"));
        if (!password().isEmpty()) names.add("PGPASSWORD");
        return names;
    }

    /**
     * PGPASSWORD, or in docker mode the matching ~/.pgpass (or PGPASSFILE) entry, since the file on
     * this host is not visible inside the container. Direct mode leaves .pgpass to libpq.
     */
    public String password() {
        String p = cfg.get("PGPASSWORD");
        if (!p.isEmpty() || !docker() || !Files.isReadable(pgpassFile())) return p;
        return PgPass.lookup(pgpassFile(), "localhost", containerPort().number(), "*", cfg.get("PGUSER")).orElse("");
    }

    /** What to check when the server cannot be reached: in docker mode PGHOST/PGPORT play no part. */
    public String connectHint() {
        if (!docker()) return "is PostgreSQL running? check PGHOST and PGPORT";
        Port p = containerPort();
        return "is PostgreSQL running in container " + container() + "? it was looked for on port " + p.number()
                + " inside the container (" + p.source() + "); if it listens on another one, set PG_CONTAINER_PORT";
    }

    /**
     * The server's port inside the container: PG_CONTAINER_PORT; else PGPORT in the container's environment;
     * else a port given on the server's command line ({@code -c port=N}, {@code -p N}, as with the official
     * image's {@code docker run ... postgres -c port=N}); else PostgreSQL's default. No program is run inside
     * the container for this: the image may have no shell.
     */
    public synchronized Port containerPort() {
        if (port == null) port = findContainerPort();
        return port;
    }

    private Port findContainerPort() {
        if (!cfg.get("PG_CONTAINER_PORT").isEmpty()) return new Port(cfg.get("PG_CONTAINER_PORT"), "PG_CONTAINER_PORT");
        JsonNode c = inspect();
        if (c == null) return new Port(DEFAULT_PORT, "PostgreSQL's default; the container could not be inspected");
        for (JsonNode e : c.path("Config").path("Env")) {
            if (e.asText().matches("PGPORT=\\d{1,5}")) return new Port(e.asText().substring(7), "PGPORT in the container's environment");
        }
        List<String> args = new ArrayList<>();
        c.path("Args").forEach(a -> args.add(a.asText()));
        return commandLinePort(args).map(n -> new Port(n, "the container's command line"))
                .orElse(new Port(DEFAULT_PORT, "PostgreSQL's default"));
    }

    /** docker says the container does not exist: why, when the engine runs Windows containers (see {@link DockerOs}). */
    public DockerOs.Missing missingContainer(String usualHint) {
        return DockerOs.missing(container(), usualHint, dockerCallLimit());
    }

    /**
     * What {@code docker container inspect} says, or null: then docker exec fails too, and says why. A frozen engine
     * fails here within COMMAND_TIMEOUT_SECONDS, like every first contact.
     */
    private JsonNode inspect() {
        Proc.Result r = Proc.run(List.of("docker", "container", "inspect", container()), Map.of(), dockerCallLimit());
        if (!r.ok()) return null;
        try {
            return Manifest.JSON.readTree(r.stdout()).path(0);
        } catch (IOException e) {
            return null;
        }
    }

    private Duration dockerCallLimit() {
        return Duration.ofSeconds(Math.min(INSPECT_SECONDS, cfg.integer("COMMAND_TIMEOUT_SECONDS")));
    }

    /** The last port setting among postgres' arguments: {@code -c port=N}, {@code -cport=N}, {@code --port=N}, {@code -p N}. */
    private static Optional<String> commandLinePort(List<String> args) {
        String found = null;
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            String next = i + 1 < args.size() ? args.get(i + 1) : "";
            String value = a.equals("-c") ? next : a.equals("-p") ? "port=" + next : a.startsWith("-c") ? a.substring(2)
                    : a.startsWith("--") ? a.substring(2) : "";
            java.util.regex.Matcher m = PORT_SETTING.matcher(value);
            if (m.matches()) found = m.group(1);
        }
        return Optional.ofNullable(found);
    }

    /**
     * The password for a connection made from this host (JDBC) to {@code host:port/db}: PGPASSWORD, else
     * the matching .pgpass entry.
     */
    public String passwordFor(String host, String port, String db) {
        String p = cfg.get("PGPASSWORD");
        if (!p.isEmpty()) return p;
        return PgPass.lookup(pgpassFile(), host, port, db, cfg.get("PGUSER")).orElse("");
    }

    private Path pgpassFile() {
        if (!cfg.get("PGPASSFILE").isEmpty()) return Path.of(cfg.get("PGPASSFILE"));
        String appdata = System.getenv("APPDATA");
        boolean windows = System.getProperty("os.name").startsWith("Windows");
        return windows && appdata != null ? Path.of(appdata, "postgresql", "pgpass.conf")
                : Path.of(System.getProperty("user.home"), ".pgpass");
    }

    /** Minimal reader of the libpq password file (host:port:db:user:password, '*' wildcards). */
    static final class PgPass {
        static Optional<String> lookup(Path file, String host, String port, String db, String user) {
            if (!Files.isReadable(file)) return Optional.empty();
            try {
                for (String line : Files.readAllLines(file)) {
                    if (line.isBlank() || line.startsWith("#")) continue;
                    List<String> f = split(line);
                    if (f.size() == 5 && match(f.get(0), host) && match(f.get(1), port)
                            && match(f.get(2), db) && match(f.get(3), user)) {
                        return Optional.of(f.get(4));
                    }
                }
            } catch (IOException e) {
                return Optional.empty();
            }
            return Optional.empty();
        }

        private static boolean match(String pattern, String value) {
            return pattern.equals("*") || value.equals("*") || pattern.equals(value);
        }

        /** Splits on unescaped ':' and removes the backslash escapes. */
        static List<String> split(String line) {
            List<String> out = new ArrayList<>();
            StringBuilder cur = new StringBuilder();
            for (int i = 0; i < line.length(); i++) {
                char c = line.charAt(i);
                if (c == '\\' && i + 1 < line.length()) cur.append(line.charAt(++i));
                else if (c == ':') { out.add(cur.toString()); cur.setLength(0); }
                else cur.append(c);
            }
            out.add(cur.toString());
            return out;
        }
    }
}
