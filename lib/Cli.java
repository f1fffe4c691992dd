package lib;

import picocli.CommandLine;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Runs a script's picocli command: an {@link OpsException} becomes one line on stderr (with its HINT)
 * and its exit code; anything unexpected is exit 1 with its stack trace only under -v.
 */
public final class Cli {
    static boolean verbose;
    static Log log;

    private Cli() {}

    public static int execute(Object command, String... args) {
        CommandLine cl = new CommandLine(command);
        java.util.Map<String, String> codes = new java.util.LinkedHashMap<>();
        for (String line : ExitCode.HELP) codes.put(line.substring(0, line.indexOf(':')), line.substring(line.indexOf(':') + 1));
        cl.getCommandSpec().usageMessage().exitCodeListHeading("%nExit codes:%n").exitCodeList(codes);
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

    /** Prints an object as JSON on stdout. */
    public static void printJson(Object o) {
        try {
            System.out.println(Manifest.JSON.writeValueAsString(o));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
