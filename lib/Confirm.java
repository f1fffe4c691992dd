package lib;

import java.io.Console;

/**
 * The confirmation before a destructive step. Without a terminal (a scheduler, a pipe) there is no
 * one to ask, so it refuses unless --yes was given.
 */
public final class Confirm {
    private Confirm() {}

    public static void require(boolean yes, String target) {
        if (yes) return;
        Console console = System.console();
        if (console == null) {
            throw new OpsException(ExitCode.USAGE, "refusing to replace database " + target + " without confirmation",
                    "not on a terminal: add --yes to confirm");
        }
        String answer = console.readLine("Type the database name (%s) to replace it: ", target);
        if (answer == null || !answer.strip().equals(target)) {
            throw new OpsException(ExitCode.USAGE, "not confirmed; nothing was changed", null);
        }
    }
}
