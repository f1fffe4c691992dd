package lib.schedule;

import java.time.Duration;
import java.util.List;

/**
 * One scheduled job: {@code id} is what --only and --at name (health-check, backup-daily...), {@code name}
 * what the platform registers (ra-infrastructure-health-check), {@code script} and {@code args} what it
 * runs, and {@code timeLimit} when the platform stops a run that hangs.
 */
public record Task(String id, String name, String script, List<String> args, Trigger trigger, Duration timeLimit,
                   String description) {
    /** Every name this project registers starts with this: uninstall and --list never look at others. */
    public static final String PREFIX = "ra-infrastructure-";

    public Task {
        args = List.copyOf(args);
    }
}
