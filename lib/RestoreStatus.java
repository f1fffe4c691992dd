package lib;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@code restore.java --status} and {@code --repair} print (text, or JSON with --json), and the lines a plan
 * adds about the target's properties and an interrupted swap.
 */
public final class RestoreStatus {
    private RestoreStatus() {}

    /** The unfinished swaps; exit 1 when one was interrupted, so a script can tell. */
    public static int status(List<Restore.Unfinished> all, boolean json) {
        if (json) {
            List<Map<String, Object>> rows = new ArrayList<>();
            for (Restore.Unfinished u : all) {
                Swap.Journal j = u.journal();
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("server", j.server());
                r.put("target", j.target());
                r.put("restoring", j.restoring());
                r.put("keepAs", j.keepAs());
                r.put("step", j.step());
                r.put("backup", j.backup());
                r.put("startedAt", j.startedAt().toString());
                r.put("running", u.running());
                r.put("state", u.state());
                rows.add(r);
            }
            Cli.printJson(Map.of("unfinished", rows));
        } else if (all.isEmpty()) {
            System.out.println("no unfinished restore");
        } else {
            for (Restore.Unfinished u : all) {
                Swap.Journal j = u.journal();
                System.out.println((u.running() ? "under way:   " : "interrupted: ") + "restore of " + j.backup() + " into " + j.target()
                        + " on " + j.server() + ", started " + j.startedAt() + ", at step " + j.step());
                System.out.println("  " + u.state());
            }
        }
        return all.stream().anyMatch(u -> !u.running()) ? ExitCode.FAILED : ExitCode.OK;
    }

    /** What --repair did; exit 8 when a swap needs a hand. */
    public static int repaired(List<Swap.Outcome> done, boolean json) {
        if (json) {
            Cli.printJson(Map.of("repaired", done));
        } else if (done.isEmpty()) {
            System.out.println("no interrupted restore to repair");
        } else {
            done.forEach(o -> System.out.println(o.target() + ": " + o.text()));
        }
        return done.stream().allMatch(Swap.Outcome::repaired) ? ExitCode.OK : ExitCode.RESTORE_FAILED;
    }

    /** The plan's lines beyond the backup and the steps: what is carried over, and a repair that comes first. */
    public static void planDetails(Restore.Plan p) {
        if (p.interrupted() != null) {
            System.out.println("first:    the restore into " + p.target() + " started " + p.interrupted().startedAt()
                    + " was interrupted at its swap (step " + p.interrupted().step() + "); it is repaired before this one (see --status)");
        }
        if (p.properties() != null) System.out.println("carried:  " + p.properties().summary());
    }
}
