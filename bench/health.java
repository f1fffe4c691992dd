///usr/bin/env jbang "$0" "$@" ; exit $?
//DESCRIPTION Benchmark: warm health-check.java beside JBang's hello world, and with every target hanging.
//JAVA 17+
//DEPS info.picocli:picocli:4.7.7

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.File;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.*;
import java.util.concurrent.Callable;

/**
 * Times {@code ./jbang health-check.java} against the system the environment and config/ describe
 * (start the container or point PG* at a server first), interleaved with {@code ./jbang bench/hello.java}
 * so both see the same machine load; then again with the database port and the Docker engine replaced
 * by listeners that accept and never answer.
 */
@Command(name = "health.java", mixinStandardHelpOptions = true,
        description = "Times health-check.java warm against JBang's hello world, and with every target hanging.")
class health implements Callable<Integer> {
    @Option(names = "--runs", defaultValue = "10", description = "Timed runs of each command (default ${DEFAULT-VALUE}).")
    int runs;

    @Option(names = "--out", defaultValue = "bench/results", description = "Where the report goes (default ${DEFAULT-VALUE}).")
    Path out;

    private final Path root = Path.of(System.getenv().getOrDefault("RA_INFRA_HOME", "")).toAbsolutePath();

    public static void main(String... args) { System.exit(new CommandLine(new health()).execute(args)); }

    @Override
    public Integer call() throws Exception {
        Path logs = Files.createTempDirectory("ra-bench-logs");
        Map<String, String> quiet = Map.of("LOG_DIR", logs.toString());
        List<String> hello = List.of(root.resolve("jbang").toString(), root.resolve("bench/hello.java").toString());
        List<String> check = List.of(root.resolve("jbang").toString(), root.resolve("health-check.java").toString());
        time(hello, quiet);
        int warmExit = time(check, quiet).exit();
        List<Double> h = new ArrayList<>();
        List<Double> c = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            h.add(time(hello, quiet).seconds());
            c.add(time(check, quiet).seconds());
        }
        double hello50 = median(h);
        double check50 = median(c);
        Timed hung;
        try (Hang db = new Hang(); Hang docker = new Hang()) {
            Map<String, String> env = new HashMap<>(quiet);
            env.put("PGHOST", "127.0.0.1");
            env.put("PGPORT", String.valueOf(db.port()));
            env.put("DOCKER_HOST", "tcp://127.0.0.1:" + docker.port());
            hung = time(check, env);
        }
        String report = String.format(Locale.ROOT, """
                # health-check timing, %s

                Warm runs, median of %d, interleaved (exit code of the checked system: %d).

                | command | median s | target | result |
                |---|---|---|---|
                | `./jbang bench/hello.java` | %.2f | | |
                | `./jbang health-check.java` | %.2f | ≤ hello + 0.5 s = %.2f | %s |
                | `./jbang health-check.java`, database and Docker engine hanging | %.2f | ≤ 8 s | %s |
                """, LocalDate.now(), runs, warmExit, hello50, check50, hello50 + 0.5, check50 <= hello50 + 0.5 ? "PASS" : "FAIL",
                hung.seconds(), hung.seconds() <= 8 ? "PASS" : "FAIL");
        System.out.print(report);
        Files.createDirectories(out);
        Files.writeString(out.resolve(LocalDate.now() + "-health-check.md"), report);
        return 0;
    }

    private record Timed(double seconds, int exit) {}

    private static Timed time(List<String> cmd, Map<String, String> env) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD).redirectInput(new File("/dev/null"));
        pb.environment().putAll(env);
        long t = System.nanoTime();
        int exit = pb.start().waitFor();
        return new Timed((System.nanoTime() - t) / 1e9, exit);
    }

    private static double median(List<Double> xs) {
        List<Double> s = new ArrayList<>(xs);
        Collections.sort(s);
        return s.get(s.size() / 2);
    }

    /** A loopback listener that accepts connections and never says a word. */
    private static final class Hang implements AutoCloseable {
        private final ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        private final List<Socket> held = Collections.synchronizedList(new ArrayList<>());

        Hang() throws Exception {
            Thread t = new Thread(() -> {
                try {
                    while (true) held.add(server.accept());
                } catch (Exception closed) {
                    // bench over
                }
            });
            t.setDaemon(true);
            t.start();
        }

        int port() { return server.getLocalPort(); }

        @Override
        public void close() throws Exception {
            server.close();
            for (Socket s : held) s.close();
        }
    }
}
