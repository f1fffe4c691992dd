package lib.health;

import java.util.List;

/** One health check. Implementations are stateless; everything they share goes through the {@link Probe}. */
public interface Check {
    /** Short stable name, used by --only/--skip, in metrics and as the alert type. */
    String name();

    /** What an alert about it says, e.g. "database not answering SELECT 1". */
    String problem();

    /** Checks whose failure makes this one meaningless; it is then reported as skipped, not failed. */
    default List<String> needs() { return List.of(); }

    /** Runs the check; an exception is a critical result carrying its message. */
    CheckResult run(Probe probe) throws Exception;
}
