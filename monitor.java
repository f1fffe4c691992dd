///usr/bin/env jbang "$0" "$@" ; exit $?
//DESCRIPTION Live terminal dashboard: health checks, disk, connections, SELECT 1 latency percentiles, backups, last drill; keys to back up, test a restore, read logs, restart the container.
//JAVA 17+
//DEPS info.picocli:picocli:4.7.7
//DEPS org.zeroturnaround:zt-exec:1.13.0
//DEPS org.slf4j:slf4j-api:2.0.20
//DEPS org.slf4j:slf4j-nop:2.0.20
//DEPS com.github.luben:zstd-jni:1.5.7-28
//DEPS com.fasterxml.jackson.core:jackson-databind:2.23.0
//DEPS com.fasterxml.jackson.datatype:jackson-datatype-jsr310:2.23.0
//DEPS org.postgresql:postgresql:42.7.14
//DEPS org.eclipse.angus:angus-mail:2.0.5
//DEPS org.bouncycastle:bcprov-jdk18on:1.86
//DEPS org.bouncycastle:bcpg-jdk18on:1.86
//DEPS org.apache.commons:commons-compress:1.28.0
//DEPS org.jline:jline:3.30.6
//SOURCES lib/**.java
//CDS
//JAVA_OPTIONS -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xlog:disable -Xlog:all=warning,cds*=off:stderr

import lib.*;
import lib.monitor.Frame;
import lib.monitor.Monitor;
import lib.monitor.Snapshot;
import lib.monitor.Tty;
import org.jline.terminal.Attributes;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.nio.charset.Charset;
import java.util.*;
import java.util.concurrent.Callable;

@Command(name = "monitor.java", mixinStandardHelpOptions = true, version = "ra-infrastructure monitor " + Version.NUMBER,
        description = {"A live dashboard in the terminal, redrawn every MONITOR_REFRESH_SECONDS (5): every health check with its "
                + "status and value, container restarts, connections and disk use as bars against their thresholds "
                + "(DISK_WARN_PERCENT 70, DISK_CRITICAL_PERCENT 85), SELECT 1 latency P50/P95/P99 over the last hour "
                + "(from LOG_DIR/metrics.jsonl, written by the scheduled health-check), the newest backup of each tier "
                + "and the last drill. It sends no alert and writes no metrics or alert state.",
                "Keys: [B]ackup now (backup.java --type manual), [V]erify latest (dr-drill.java: a restore test), "
                + "[L]ogs (the newest logs/*.log), [R]estart container (asks first), [Q]uit. Ctrl-C quits too.",
                "Works in Windows Terminal, over ssh and in xterm."},
        footerHeading = "%nExamples:%n",
        footer = {"  ${sys:ra.launcher} monitor.java",
                "      the live dashboard; q to quit",
                "  ${sys:ra.launcher} monitor.java --once",
                "      one frame on stdout, then exit (no colours when stdout is not a terminal)",
                "  ${sys:ra.launcher} monitor.java --once --json",
                "      the frame's data as JSON, for scripts",
                "  NO_COLOR=1 ./jbang monitor.java --refresh 10",
                "      without colours, refreshed every 10 s",
                "",
                "Exit 0 after [Q], Ctrl-C or --once, whatever the health; exit 2 on a usage or",
                "configuration error, or without a terminal and without --once."})
class monitor implements Callable<Integer> {
    @Mixin CommonOptions common;

    @Spec CommandSpec spec;

    @Option(names = "--once", description = "Print one frame (or with --json its data) and exit.")
    boolean once;

    @Option(names = "--refresh", paramLabel = "SECONDS", description = "Seconds between refreshes (MONITOR_REFRESH_SECONDS, default 5).")
    String refresh;

    public static void main(String... args) { System.exit(Cli.execute(new monitor(), args, ExitCode.OK, ExitCode.FAILED, ExitCode.USAGE)); }

    @Override
    public Integer call() throws Exception {
        Config cfg = common.load(Collections.singletonMap("MONITOR_REFRESH_SECONDS", refresh));
        if (common.json && !once) throw new OpsException(ExitCode.USAGE, "--json needs --once", Launcher.command("monitor.java --once --json"));
        if (once) {
            Snapshot s = Snapshot.take(cfg);
            if (common.json) Cli.printJson(s.json());
            else new Frame(cfg, Frame.COLUMNS, Frame.Style.stdout(System.getenv())).body(s).forEach(System.out::println);
            return ExitCode.OK;
        }
        return new Monitor(cfg, CommonOptions.log(cfg, "monitor"), forwarded()).run(JLineTty::new);
    }

    /** --config, --container and --backup-dir as given, for backup.java and dr-drill.java to see the same settings. */
    private List<String> forwarded() {
        List<String> out = new ArrayList<>();
        for (String name : List.of("--config", "--container", "--backup-dir")) {
            if (spec.commandLine().getParseResult().hasMatchedOption(name)) {
                out.add(name);
                out.add(String.valueOf((Object) spec.findOption(name).getValue()));
            }
        }
        return out;
    }

    /** JLine's system terminal in raw mode: on Linux/macOS through the tty, on Windows through the console API. */
    static final class JLineTty implements Tty {
        private final Terminal terminal;
        private final Attributes saved;
        private volatile boolean interrupted;

        JLineTty() throws IOException {
            terminal = TerminalBuilder.builder().system(true).dumb(true).build();
            if (terminal.getType().startsWith(Terminal.TYPE_DUMB)) {
                terminal.close();
                throw new OpsException(ExitCode.USAGE, "this terminal (TERM=" + System.getenv("TERM") + ") cannot show the dashboard",
                        "use a terminal such as xterm or Windows Terminal, or --once");
            }
            terminal.handle(Terminal.Signal.INT, s -> interrupted = true);
            saved = terminal.enterRawMode();
        }

        public int read(long timeoutMillis) {
            if (interrupted) return INTERRUPT;
            try {
                int c = terminal.reader().read(timeoutMillis);
                return interrupted ? INTERRUPT : c;
            } catch (IOException e) {
                return EOF;
            }
        }

        public int width() { return terminal.getWidth(); }

        public int height() { return terminal.getHeight(); }

        public void write(String text) {
            terminal.writer().write(text);
            terminal.flush();
        }

        public Charset charset() { return terminal.encoding(); }

        public void restore() {
            try {
                terminal.setAttributes(saved);
                terminal.close();
            } catch (IOException | RuntimeException e) {
                // at JVM exit JLine's own hook may have closed the terminal first, restoring it itself
            }
        }
    }
}
