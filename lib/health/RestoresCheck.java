package lib.health;

import lib.Swap;

import java.util.List;

/**
 * 11. Interrupted restores: a restore whose swap was cut short can leave its database refusing every connection, or
 * under another name. The swap's journal in BACKUP_DIR says so; this check reads the journals only (the restore
 * itself or {@code restore.java --repair} repairs, under the database's lock).
 */
final class RestoresCheck implements Check {
    public String name() { return "restores"; }

    public String problem() { return "restore interrupted at its swap"; }

    public CheckResult run(Probe p) {
        List<Swap.Journal> interrupted = Swap.pending(p.config().path("BACKUP_DIR")).stream().filter(j -> !j.running()).toList();
        if (interrupted.isEmpty()) return CheckResult.ok("no interrupted restore").with("interrupted", 0);
        Swap.Journal j = interrupted.get(0);
        return CheckResult.critical("the restore into " + j.target() + " started " + j.startedAt() + " was interrupted at its swap (step "
                        + j.step() + "): " + j.target() + " may refuse connections or be missing, the previous database may be "
                        + j.keepAs() + (interrupted.size() > 1 ? "; " + (interrupted.size() - 1) + " more" : ""),
                "run " + Swap.REPAIR_COMMAND + " (finishes or rolls back the swap; " + lib.Launcher.command("restore.java --status") + " shows where it stands)")
                .with("interrupted", interrupted.size());
    }
}
