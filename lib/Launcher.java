package lib;

/**
 * The command that runs one of the kit's scripts on this machine, for hints and help texts a user copies:
 * the project's own launcher, {@code ./jbang} on Linux and macOS, {@code .\jbang.cmd} on Windows (cmd and
 * PowerShell alike). It works without JBang on PATH, where a bare {@code jbang} would not.
 */
public final class Launcher {
    /** The system property that help texts read as {@code ${sys:ra.launcher}}; set by {@link Cli#execute}. */
    public static final String PROPERTY = "ra.launcher";

    private Launcher() {}

    /** {@code ./jbang} or {@code .\jbang.cmd}. */
    public static String prefix() {
        return System.getProperty("os.name", "").startsWith("Windows") ? ".\\jbang.cmd" : "./jbang";
    }

    /** e.g. {@code command("backup.java --type daily")} is {@code ./jbang backup.java --type daily} on Linux. */
    public static String command(String scriptAndArgs) { return prefix() + " " + scriptAndArgs; }
}
