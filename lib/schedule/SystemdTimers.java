package lib.schedule;

import lib.ExitCode;
import lib.OpsException;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.*;
import java.util.stream.Stream;

/**
 * systemd timers: per task a {@code <name>.service} (what runs) and a {@code <name>.timer} (when), in the
 * system manager ({@code /etc/systemd/system}, needs root) or the user's ({@code ~/.config/systemd/user},
 * {@code systemctl --user}). Calendar timers are {@code Persistent=true}: a run missed while the machine was
 * off happens right after the next boot. Units carry a marker comment on their first line; nothing without
 * it is ever changed or removed.
 * <p>
 * A user manager runs only while its user is logged in, unless {@code loginctl enable-linger USER} was run
 * once: without it user timers stop at logout and boot tasks run at logon rather than at boot.
 * <p>
 * A boot task's timer ({@code OnBootSec=}/{@code OnStartupSec=}) fires as soon as it is enabled when that
 * moment has already passed, so installing runs it once straight away.
 * <p>
 * Unlike Task Scheduler's, these start times carry no second of their own ({@link Tasks#startSecond}):
 * systemd moves each elapse within AccuracySec= (a minute by default) anyway, and the sh launcher that
 * runs the tasks shares no file between runs that start together.
 */
public final class SystemdTimers implements Platform {
    /** First line of every unit file we write; how uninstall and prune tell ours from the operator's. */
    public static final String MARKER = "# Installed by ra-infrastructure install-tasks.java";
    private static final String HEADER = MARKER + "; remove with: " + lib.Launcher.command("install-tasks.java --uninstall") + "\n";

    private final Launch launch;
    private final Commands commands;
    private final boolean user;
    private final Path unitDir;
    private final Map<String, String> environment;
    private final String runAs;

    /**
     * @param user the per-user manager ({@code systemctl --user}) instead of the system one
     * @param unitDir where unit files go: {@code /etc/systemd/system}, or {@code ~/.config/systemd/user} with {@code user}
     * @param environment variables the tasks get, captured at install time (PATH, so that java and docker are
     *     found as in the operator's terminal; HOME for system units without {@code runAs}, as systemd sets it
     *     only with User=)
     * @param runAs the account system units run as (User=), or null for root; ignored for user units
     */
    public SystemdTimers(Launch launch, Commands commands, boolean user, Path unitDir, Map<String, String> environment,
                         String runAs) {
        this.launch = launch;
        this.commands = commands;
        this.user = user;
        this.unitDir = unitDir;
        this.environment = new TreeMap<>(environment);
        this.runAs = user ? null : runAs;
    }

    @Override public String id() { return "systemd"; }

    @Override
    public Map<String, byte[]> files(List<Task> tasks) {
        Map<String, byte[]> out = new LinkedHashMap<>();
        for (Task t : tasks) {
            out.put(t.name() + ".service", service(t).getBytes(StandardCharsets.UTF_8));
            out.put(t.name() + ".timer", timer(t).getBytes(StandardCharsets.UTF_8));
        }
        return out;
    }

    @Override
    public void install(List<Task> tasks, boolean prune) {
        Map<String, byte[]> files = files(tasks);
        for (String file : files.keySet()) {
            Path p = unitDir.resolve(file);
            if (Files.exists(p) && !ours(p)) {
                throw new OpsException(ExitCode.USAGE, p + " exists and was not installed by this project",
                        "rename or remove that unit, then install again");
            }
        }
        files.forEach((file, content) -> {
            Path p = unitDir.resolve(file);
            if (!sameContent(p, content)) commands.write(p, content);
        });
        if (prune) {
            List<String> wanted = tasks.stream().map(Task::name).toList();
            installed().stream().filter(name -> !wanted.contains(name)).forEach(this::remove);
        }
        // a reload also picks up files written by an earlier run that stopped before reloading
        systemctl("daemon-reload");
        for (Task t : tasks) systemctl("enable", "--now", t.name() + ".timer");
    }

    @Override
    public void uninstall(Collection<String> names) {
        List<String> ours = installed().stream().filter(names::contains).toList();
        ours.forEach(this::remove);
        if (!ours.isEmpty()) systemctl("daemon-reload");
    }

    @Override
    public List<Installed> list() {
        List<Installed> out = new ArrayList<>();
        for (String name : installed()) {
            List<String> cmd = command("show", name + ".timer", name + ".service", "--property=ActiveState,NextElapseUSecRealtime,Result");
            var r = commands.read(cmd);
            if (!r.ok()) {
                throw new OpsException(ExitCode.UNAVAILABLE, String.join(" ", cmd) + " failed: " + r.lastError(), user
                        ? "is your user manager running? (loginctl enable-linger " + System.getProperty("user.name") + ")"
                        : "is systemd running on this machine?");
            }
            // one block of KEY=VALUE lines per unit, in the order asked: the timer's, then the service's
            String[] blocks = r.stdout().strip().split("\\R\\s*\\R", 2);
            Map<String, String> timer = properties(blocks[0]);
            Map<String, String> service = properties(blocks.length > 1 ? blocks[1] : "");
            String schedule = schedule(unitDir.resolve(name + ".timer"));
            String next = timer.getOrDefault("NextElapseUSecRealtime", "");
            if (next.isBlank() || next.equals("n/a")) next = schedule.startsWith("OnCalendar=") ? "-" : NextRun.AT_BOOT;
            String state = timer.getOrDefault("ActiveState", "unknown");
            String result = service.getOrDefault("Result", "success");
            out.add(new Installed(name, schedule, next, result.equals("success") ? state : state + ", last run: " + result));
        }
        return out;
    }

    private String service(Task t) {
        StringBuilder s = new StringBuilder(HEADER);
        s.append("[Unit]\n").append("Description=").append(specifiers("ra-infrastructure " + t.id() + ": " + t.description())).append('\n');
        if (!user) {
            // a user manager cannot order itself after system units
            s.append("After=docker.service network-online.target\nWants=network-online.target\n");
        }
        s.append("\n[Service]\nType=oneshot\n");
        s.append("WorkingDirectory=").append(specifiers(checked(launch.home()))).append('\n');
        s.append("ExecStart=").append(execStart(launch.command(t))).append('\n');
        environment.forEach((k, v) -> s.append("Environment=").append(quoted(variable(k) + "=" + v, false)).append('\n'));
        s.append("TimeoutStartSec=").append(span(t.timeLimit())).append('\n');
        if (runAs != null) s.append("User=").append(specifiers(checked(runAs))).append('\n');
        return s.toString();
    }

    private String timer(Task t) {
        StringBuilder s = new StringBuilder(HEADER);
        s.append("[Unit]\n").append("Description=").append(specifiers("ra-infrastructure " + t.id() + ": " + t.trigger().describe()))
                .append("\n\n[Timer]\n");
        if (t.trigger() instanceof Trigger.Boot b) {
            // a user manager starts at logon (or at boot with linger): its own start is the moment to count from
            s.append(user ? "OnStartupSec=" : "OnBootSec=").append(span(b.delay())).append('\n');
        } else {
            s.append("OnCalendar=").append(onCalendar(t.trigger())).append("\nPersistent=true\n");
        }
        s.append("Unit=").append(t.name()).append(".service\n\n[Install]\nWantedBy=timers.target\n");
        return s.toString();
    }

    /** systemd.time(7) calendar events, e.g. {@code Sun *-*-* 03:00:00} or {@code *-*-* *:02/5:00}. */
    private static String onCalendar(Trigger trigger) {
        if (trigger instanceof Trigger.Every e) {
            long m = e.interval().toMinutes();
            if (m % 60 == 0) return "*-*-* " + step(m / 60, 24) + ":" + two(e.minute()) + ":00";
            return "*-*-* *:" + (e.minute() == 0 ? step(m, 60) : two(e.minute()) + "/" + m) + ":00";
        }
        Trigger.Calendar c = (Trigger.Calendar) trigger;
        String months = c.months().isEmpty() ? "*"
                : String.join(",", new TreeSet<>(c.months()).stream().map(m -> two(m.getValue())).toList());
        return (c.weekday() == null ? "" : Trigger.shortName(c.weekday()) + " ")
                + "*-" + months + "-" + (c.day() == null ? "*" : two(c.day()))
                + " " + (c.hour() == null ? "*" : two(c.hour())) + ":" + two(c.minute()) + ":00";
    }

    /** Every n-th hour or minute from 0; systemd rejects a repetition as long as the range ({@code 00/24}). */
    private static String step(long n, int range) {
        return n == 1 ? "*" : n == range ? "00" : "00/" + n;
    }

    private static String two(int n) { return String.format("%02d", n); }

    private static String span(Duration d) {
        long s = d.toSeconds();
        return s % 3600 == 0 && s > 0 ? s / 3600 + "h" : s % 60 == 0 && s > 0 ? s / 60 + "min" : s + "s";
    }

    /**
     * The command line in systemd.syntax(7) quoting. systemd refuses quotes and backslashes in the program's
     * own path, so a launcher whose path has them is run through /bin/sh (it is a POSIX sh script).
     */
    private static String execStart(List<String> cmd) {
        String program = checked(cmd.get(0));
        List<String> words = new ArrayList<>();
        if (program.matches(".*[\"'\\\\].*")) {
            words.add("/bin/sh");
            words.add(word(program, true));
        } else {
            // variables are not expanded in the program path, so only % needs escaping there
            words.add(word(program, false));
        }
        cmd.subList(1, cmd.size()).forEach(w -> words.add(word(checked(w), true)));
        return String.join(" ", words);
    }

    /** One word: bare when it has nothing systemd would split or interpret, else double-quoted. */
    private static String word(String w, boolean dollars) {
        return w.isEmpty() || w.equals(";") || w.matches(".*[\\s\"'\\\\].*") ? quoted(w, dollars) : escape(w, dollars);
    }

    private static String quoted(String w, boolean dollars) {
        return '"' + escape(w.replace("\\", "\\\\").replace("\"", "\\\""), dollars) + '"';
    }

    /** % starts a specifier everywhere; $ a variable in ExecStart arguments only. */
    private static String escape(String w, boolean dollars) {
        String s = specifiers(w);
        return dollars ? s.replace("$", "$$") : s;
    }

    private static String specifiers(String s) { return s.replace("%", "%%"); }

    private static String variable(String name) {
        if (!name.matches("[A-Za-z_][A-Za-z0-9_]*")) throw new IllegalArgumentException("'" + name + "' is not a variable name");
        return name;
    }

    /** A line break would end the setting and start another: refuse rather than write a different unit. */
    private static String checked(String value) {
        if (value.chars().anyMatch(Character::isISOControl)) {
            throw new OpsException(ExitCode.USAGE, "'" + value.replaceAll("\\p{Cntrl}", "?") + "' contains a control character",
                    "use a path without line breaks or tabs");
        }
        return value;
    }

    private void remove(String name) {
        systemctl("disable", "--now", name + ".timer");
        commands.delete(unitDir.resolve(name + ".timer"));
        commands.delete(unitDir.resolve(name + ".service"));
    }

    /** Names of our tasks whose timer file is in the unit directory. */
    private List<String> installed() {
        if (!Files.isDirectory(unitDir)) return List.of();
        try (Stream<Path> files = Files.list(unitDir)) {
            return files.map(p -> p.getFileName().toString())
                    .filter(f -> f.startsWith(Task.PREFIX) && f.endsWith(".timer"))
                    .filter(f -> ours(unitDir.resolve(f)))
                    .map(f -> f.substring(0, f.length() - ".timer".length()))
                    .sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static boolean ours(Path file) {
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String first = r.readLine();
            return first != null && first.startsWith(MARKER);
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean sameContent(Path file, byte[] content) {
        try {
            return Files.isRegularFile(file) && Arrays.equals(Files.readAllBytes(file), content);
        } catch (IOException e) {
            return false;
        }
    }

    /** The timer's trigger setting as written, e.g. {@code OnCalendar=*-*-* 02:00:00}. */
    private static String schedule(Path timer) {
        try (Stream<String> lines = Files.lines(timer, StandardCharsets.UTF_8)) {
            return lines.filter(l -> l.matches("(OnCalendar|OnBootSec|OnStartupSec)=.*")).findFirst().orElse("?");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Map<String, String> properties(String block) {
        Map<String, String> out = new HashMap<>();
        block.lines().map(l -> l.split("=", 2)).filter(kv -> kv.length == 2).forEach(kv -> out.put(kv[0], kv[1].strip()));
        return out;
    }

    private void systemctl(String... args) {
        commands.change(command(args), null);
    }

    private List<String> command(String... args) {
        List<String> cmd = new ArrayList<>(List.of("systemctl"));
        if (user) cmd.add("--user");
        cmd.addAll(List.of(args));
        return cmd;
    }
}
