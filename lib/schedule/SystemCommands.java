package lib.schedule;

import lib.*;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * {@link Commands} for real: programs run from argument lists (a failing change is an error naming the
 * command and its message), files written durably. Or, as a dry run, the same calls printed as
 * "would run: ..." / "would write: ..." lines while reads still run.
 */
public final class SystemCommands implements Commands {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private final Log log;
    private final PrintStream dryRunOut;
    private final java.util.Set<String> unavailable = new java.util.HashSet<>();

    private SystemCommands(Log log, PrintStream dryRunOut) {
        this.log = log;
        this.dryRunOut = dryRunOut;
    }

    public static SystemCommands real(Log log) { return new SystemCommands(log, null); }

    /** Prints every change to {@code out} instead of making it. */
    public static SystemCommands dryRun(Log log, PrintStream out) { return new SystemCommands(log, out); }

    @Override public boolean dryRun() { return dryRunOut != null; }

    @Override
    public Proc.Result change(List<String> cmd, String stdin) {
        if (dryRun()) {
            dryRunOut.println("would run: " + shown(cmd) + (stdin == null ? "" : "  (input: " + stdin.lines().count() + " lines)"));
            return new Proc.Result(0, "", "");
        }
        log.info("run: " + shown(cmd));
        byte[] in = stdin == null ? new byte[0] : stdin.getBytes(StandardCharsets.UTF_8);
        Proc.Result r = Proc.run(cmd, Map.of(), TIMEOUT, new ByteArrayInputStream(in), null);
        if (!r.ok()) {
            throw new OpsException(ExitCode.FAILED, shown(cmd) + " failed: " + r.lastError(), hint(cmd.get(0)));
        }
        return r;
    }

    /** A dry run may preview another platform's files (schtasks on Linux): a read that cannot run finds nothing. */
    @Override
    public Proc.Result read(List<String> cmd) {
        try {
            return Proc.run(cmd, Map.of(), TIMEOUT);
        } catch (OpsException e) {
            if (!dryRun()) throw e;
            if (unavailable.add(cmd.get(0))) dryRunOut.println("cannot run " + cmd.get(0) + " here: assuming none of its tasks is installed");
            return new Proc.Result(127, "", e.getMessage());
        }
    }

    @Override
    public void write(Path file, byte[] content) {
        if (dryRun()) {
            dryRunOut.println("would write: " + file + " (" + content.length + " bytes)");
            return;
        }
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
        } catch (IOException e) {
            throw Disk.explain(e, file);
        }
        SafeFiles.write(file, content);
        log.info("wrote " + file);
    }

    @Override
    public void delete(Path file) {
        if (dryRun()) {
            if (Files.exists(file)) dryRunOut.println("would delete: " + file);
            return;
        }
        try {
            if (Files.deleteIfExists(file)) log.info("deleted " + file);
        } catch (IOException e) {
            throw new OpsException(ExitCode.FAILED, "cannot delete " + file + ": " + e.getMessage(), "check its permissions");
        }
    }

    /** The command as one readable line: arguments with spaces or quotes shown quoted. */
    static String shown(List<String> cmd) {
        return cmd.stream().map(a -> a.isEmpty() || a.matches(".*[\\s\"'].*") ? '"' + a.replace("\"", "\\\"") + '"' : a)
                .collect(Collectors.joining(" "));
    }

    private static String hint(String program) {
        return switch (Path.of(program).getFileName().toString()) {
            case "schtasks" -> "run from an account allowed to create tasks (an elevated prompt for --logged-off)";
            case "systemctl" -> "system units need root (sudo); use --user for your own";
            case "crontab" -> "is cron installed, and is this user allowed to use it (cron.allow / cron.deny)?";
            default -> null;
        };
    }
}
