package lib;

import picocli.CommandLine;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs a script's picocli command: an {@link OpsException} becomes one line on stderr (with its HINT)
 * and its exit code; anything unexpected is exit 1 with its stack trace only under -v. --help lists the
 * exit codes the script can return and names the launcher of this OS (${sys:ra.launcher} in help texts).
 */
public final class Cli {
    private static final int MIN_WIDTH = 80;
    static boolean verbose;
    static Log log;

    private Cli() {}

    /**
     * @param codes the exit codes this script can return, as shown under --help (none given: every code);
     *              1 and 2 are always possible (an unexpected error, a bad flag or setting)
     */
    public static int execute(Object command, String[] args, int... codes) {
        System.setProperty(Launcher.PROPERTY, Launcher.prefix());
        ParentWatch.start(System.getenv());
        CommandLine cl = new CommandLine(command);
        CommandLine.Model.UsageMessageSpec usage = cl.getCommandSpec().usageMessage();
        usage.exitCodeListHeading("%nExit codes:%n").exitCodeList(exitCodes(codes));
        // a terminal's own width (found only when help is shown); elsewhere wide enough that no example is
        // cut in two, since a command broken over two lines does not paste
        cl.setUsageHelpAutoWidth(true);
        cl.setUsageHelpWidth(Math.max(MIN_WIDTH, Arrays.stream(usage.footer()).mapToInt(String::length).max().orElse(0) + 1));
        cl.setParameterExceptionHandler(Cli::badArguments);
        cl.setExecutionExceptionHandler((ex, line, parsed) -> {
            OpsException ops = ex instanceof OpsException o ? o : null;
            String text = ops != null ? ops.oneLine() : ex.getClass().getSimpleName() + ": " + ex.getMessage();
            if (log != null) log.error(text);
            String shown = log != null ? log.masked(text) : text;
            line.getErr().println("error: " + shown);
            if (verbose) ex.printStackTrace(line.getErr());
            return ops != null ? ops.exitCode() : ExitCode.FAILED;
        });
        return cl.execute(args);
    }

    /**
     * A bad flag or value: one line and a hint (plus picocli's spelling suggestions), not the whole usage text,
     * which would push the cause off a small console.
     */
    private static int badArguments(CommandLine.ParameterException ex, String[] args) {
        CommandLine c = ex.getCommandLine();
        java.io.PrintWriter err = c.getErr();
        String hint = ex.getMessage().contains(" HINT: ") ? "" : " HINT: " + Launcher.command(c.getCommandName() + " --help")
                + " lists the options, with examples";
        err.println("error: " + ex.getMessage() + hint);
        CommandLine.UnmatchedArgumentException.printSuggestions(ex, err);
        return ExitCode.USAGE;
    }

    /** The lines of {@link ExitCode#HELP} for {@code codes} (all when empty), keyed by code. */
    static Map<String, String> exitCodes(int... codes) {
        List<Integer> wanted = Arrays.stream(codes).boxed().toList();
        Map<String, String> out = new LinkedHashMap<>();
        for (String line : ExitCode.HELP) {
            int colon = line.indexOf(':');
            if (wanted.isEmpty() || wanted.contains(Integer.parseInt(line.substring(0, colon)))) {
                out.put(line.substring(0, colon), line.substring(colon + 1));
            }
        }
        return out;
    }

    /** Prints an object as JSON on stdout. */
    public static void printJson(Object o) {
        try {
            System.out.println(Manifest.JSON.writeValueAsString(o));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
