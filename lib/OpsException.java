package lib;

/**
 * An expected failure: a one-line message naming the cause, an optional hint naming the fix,
 * and the exit code it maps to. Scripts print it without a stack trace unless -v is given.
 */
public class OpsException extends RuntimeException {
    private final int exitCode;
    private final String hint;

    public OpsException(int exitCode, String message, String hint) {
        this(exitCode, message, hint, null);
    }

    public OpsException(int exitCode, String message, String hint, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
        this.hint = hint;
    }

    public int exitCode() { return exitCode; }

    public String hint() { return hint; }

    /** The message plus its hint on the same line, as printed and logged. */
    public String oneLine() {
        return hint == null || hint.isBlank() ? getMessage() : getMessage() + " HINT: " + hint;
    }
}
