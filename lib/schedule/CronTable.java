package lib.schedule;

import lib.ExitCode;
import lib.OpsException;
import lib.Proc;
import lib.SafeFiles;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.util.*;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * cron: one marked block in a user's crontab, between {@link #BEGIN} and {@link #END}, holding per task a
 * {@code # <name>: <schedule>} comment and its entry. The block is replaced in place (or appended after one
 * blank line); every line outside it stays as it was, byte for byte, except that a table must end with a
 * newline. Each new table is checked with {@code crontab -n} before it is installed.
 * <p>
 * Entries are run by /bin/sh from the project directory with the environment captured at install time (cron's
 * own PATH is only /usr/bin:/bin). Output is discarded but errors are not, so cron mails them to the user.
 * The block sets no variables: a {@code VAR=} line would also apply to the user's own entries after it.
 */
public final class CronTable implements Platform {
    public static final String BEGIN = "# BEGIN ra-infrastructure (managed by install-tasks.java; do not edit inside)";
    public static final String END = "# END ra-infrastructure";
    /** The name {@link #files} gives the block. */
    public static final String FILE = "ra-infrastructure.crontab";
    private static final Pattern COMMENT = Pattern.compile("# (" + Pattern.quote(Task.PREFIX) + "\\S+): (.*)");

    private final Launch launch;
    private final Commands commands;
    private final String user;
    private final Map<String, String> environment;
    private final Path tempDir;

    /**
     * @param user whose crontab ({@code crontab -u USER}, which needs root), or null for the current user's
     * @param environment variables the entries set before running, captured at install time (PATH)
     * @param tempDir where a new table is written for {@code crontab -n} to check
     */
    public CronTable(Launch launch, Commands commands, String user, Map<String, String> environment, Path tempDir) {
        this.launch = launch;
        this.commands = commands;
        this.user = user;
        this.environment = new TreeMap<>(environment);
        this.tempDir = tempDir;
    }

    @Override public String id() { return "cron"; }

    @Override
    public Map<String, byte[]> files(List<Task> tasks) {
        Map<String, String> entries = new LinkedHashMap<>();
        tasks.forEach(t -> entries.put(t.name(), entry(t)));
        return Map.of(FILE, block(entries).getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public void install(List<Task> tasks, boolean prune) {
        String old = current();
        Table table = Table.parse(old);
        Map<String, String> entries = prune ? new LinkedHashMap<>() : new LinkedHashMap<>(table.entries());
        tasks.forEach(t -> entries.put(t.name(), entry(t)));
        replace(old, table.with(entries));
    }

    @Override
    public void uninstall(Collection<String> names) {
        String old = current();
        Table table = Table.parse(old);
        Map<String, String> entries = new LinkedHashMap<>(table.entries());
        entries.keySet().removeAll(names);
        replace(old, table.with(entries));
    }

    @Override
    public List<Installed> list() { return list(ZonedDateTime.now()); }

    /** {@link #list()} with next runs counted from {@code now}. */
    public List<Installed> list(ZonedDateTime now) {
        List<Installed> out = new ArrayList<>();
        Table.parse(current()).entries().forEach((name, lines) -> {
            Matcher m = COMMENT.matcher(lines.lines().findFirst().orElse(""));
            String schedule = m.matches() ? m.group(2) : "?";
            String next;
            try {
                next = NextRun.text(Trigger.parse(schedule), now);
            } catch (IllegalArgumentException e) {
                next = "?";
            }
            out.add(new Installed(name, schedule, next, "installed"));
        });
        return out;
    }

    /** A task's comment and entry, e.g. {@code 0 2 * * * cd '/opt/ra' && PATH='...' '/opt/ra/jbang' ...}. */
    private String entry(Task t) {
        StringBuilder cmd = new StringBuilder();
        if (t.trigger() instanceof Trigger.Boot b && b.delay().toSeconds() > 0) {
            cmd.append("sleep ").append(b.delay().toSeconds()).append(" && ");
        }
        cmd.append("cd ").append(quoted(launch.home())).append(" &&");
        environment.forEach((k, v) -> cmd.append(' ').append(variable(k)).append('=').append(quoted(v)));
        List<String> words = launch.command(t);
        cmd.append(' ').append(quoted(words.get(0))).append(' ').append(quoted(words.get(1)));
        words.subList(2, words.size()).forEach(w -> cmd.append(' ').append(w.matches("[A-Za-z0-9_./:=@+-]+") ? w : quoted(w)));
        // stdout is the job's progress; stderr carries its errors, which cron mails
        cmd.append(" >/dev/null");
        return "# " + t.name() + ": " + t.trigger().describe() + "\n" + when(t.trigger()) + " " + cmd + "\n";
    }

    /** The five time fields of crontab(5), or @reboot. */
    private static String when(Trigger trigger) {
        if (trigger instanceof Trigger.Boot) return "@reboot";
        if (trigger instanceof Trigger.Every e) {
            long m = e.interval().toMinutes();
            if (m % 60 == 0) return e.minute() + " " + step(m / 60, 24) + " * * *";
            return (e.minute() == 0 ? step(m, 60) : e.minute() + "-59/" + m) + " * * * *";
        }
        Trigger.Calendar c = (Trigger.Calendar) trigger;
        String months = c.months().isEmpty() ? "*"
                : String.join(",", new TreeSet<>(c.months()).stream().map(m -> String.valueOf(m.getValue())).toList());
        return c.minute() + " " + (c.hour() == null ? "*" : c.hour()) + " " + (c.day() == null ? "*" : c.day()) + " "
                + months + " " + (c.weekday() == null ? "*" : c.weekday().getValue() % 7);
    }

    /** Every n-th hour or minute from 0. */
    private static String step(long n, int range) {
        return n == 1 ? "*" : n == range ? "0" : "*/" + n;
    }

    /**
     * A single-quoted sh word. cron turns an unescaped % into a line break and removes the backslash of \%
     * wherever it stands, so % is written outside the quotes as \% (a backslash before it inside stays literal).
     */
    private static String quoted(String value) {
        if (value.chars().anyMatch(Character::isISOControl)) {
            // a line break would end the entry and start another
            throw new OpsException(ExitCode.USAGE, "'" + value.replaceAll("\\p{Cntrl}", "?") + "' contains a control character",
                    "use a path without line breaks or tabs");
        }
        return "'" + value.replace("'", "'\\''").replace("%", "'\\%'") + "'";
    }

    private static String variable(String name) {
        if (!name.matches("[A-Za-z_][A-Za-z0-9_]*")) throw new IllegalArgumentException("'" + name + "' is not a variable name");
        return name;
    }

    private static String block(Map<String, String> entries) {
        return BEGIN + "\n" + String.join("", entries.values()) + END + "\n";
    }

    /** The user's table; none yet is an empty one. */
    private String current() {
        Proc.Result r = commands.read(crontab("-l"));
        if (r.ok()) return r.stdout();
        if (r.exit() == 1 && r.stderr().contains("no crontab for")) return "";
        throw new OpsException(ExitCode.UNAVAILABLE, "crontab -l failed: " + r.lastError(),
                "is cron installed, and is this user allowed to use it (cron.allow / cron.deny)?");
    }

    private void replace(String old, String table) {
        if (table.equals(old)) return;
        if (table.isEmpty()) {
            // the block was all there was: leave no empty table behind, as before the install
            commands.change(crontab("-r"), null);
            return;
        }
        check(table);
        commands.change(crontab("-"), table);
    }

    /** crontab -n: the syntax check crontab itself makes, without installing anything. */
    private void check(String table) {
        Path file = null;
        try {
            Files.createDirectories(tempDir);
            file = Files.createTempFile(tempDir, "crontab-", ".txt");
            Files.writeString(file, table);
            Proc.Result r = commands.read(crontab("-n", file.toString()));
            if (!r.ok()) {
                throw new OpsException(ExitCode.FAILED, "crontab -n refused the new table: " + String.join("; ", r.stderr().strip().lines().toList()),
                        "nothing was changed; check the crontab for lines cron cannot read (crontab -l)");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            if (file != null) SafeFiles.deleteQuietly(file);
        }
    }

    private List<String> crontab(String... args) {
        List<String> cmd = new ArrayList<>(List.of("crontab"));
        if (user != null) cmd.addAll(List.of("-u", user));
        cmd.addAll(List.of(args));
        return cmd;
    }

    /**
     * A crontab split around our block: the text before and after it, untouched, and the block's entries by
     * task name (comment line and entry, as written).
     */
    private record Table(String before, Map<String, String> entries, String after, boolean hasBlock) {
        private static final Pattern BLOCK = Pattern.compile("(?m)^" + Pattern.quote(BEGIN) + "\\R((?s:.*?))^" + Pattern.quote(END) + "(\\R|\\z)");

        static Table parse(String text) {
            Matcher m = BLOCK.matcher(text);
            if (!m.find()) {
                if (Pattern.compile("(?m)^" + Pattern.quote(BEGIN) + "$").matcher(text).find()) {
                    throw new OpsException(ExitCode.FAILED, "the crontab has '" + BEGIN + "' but no '" + END + "' after it",
                            "restore the END line (crontab -e), or remove the block's lines, then run again");
                }
                return new Table(text, Map.of(), "", false);
            }
            Map<String, String> entries = new LinkedHashMap<>();
            String name = null;
            for (String line : m.group(1).split("(?<=\n)")) {
                Matcher c = COMMENT.matcher(line.stripTrailing());
                if (c.matches()) name = c.group(1);
                // lines before the first task comment belong to no task: the block is ours to rewrite
                if (name != null) entries.merge(name, line, String::concat);
            }
            return new Table(text.substring(0, m.start()), entries, text.substring(m.end()), true);
        }

        /** The whole table with the block holding {@code entries} (none: no block at all). */
        String with(Map<String, String> entries) {
            if (!hasBlock && entries.isEmpty()) return before;
            String table;
            if (entries.isEmpty()) {
                // the blank line an append put before the block goes with it
                table = hasBlock && after.isEmpty() && before.endsWith("\n\n") ? before.substring(0, before.length() - 1) : before + after;
            } else if (hasBlock) {
                table = before + block(entries) + after;
            } else {
                table = before.isEmpty() ? block(entries) : newline(before) + "\n" + block(entries);
            }
            return newline(table);
        }

        /** cron refuses a table whose last line has no newline. */
        private static String newline(String text) {
            return text.isEmpty() || text.endsWith("\n") ? text : text + "\n";
        }
    }
}
