package lib;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Proves a backup restores. quick = sha256 re-read + archive listing; full = quick + a test restore
 * into a scratch database {@code <db>_verify_<ts>} (named by {@link DbName}; dropped even on failure, but
 * only when this run created it) whose exact row counts must equal the manifest's.
 */
public final class Verifier {
    /** Infix of the scratch database name: {@code <db>_verify_<stamp>}. */
    public static final String SCRATCH = "_verify_";
    private static final int NAME_TRIES = 10;
    private final Pg pg;
    private final Log log;

    public Verifier(Pg pg, Log log) {
        this.pg = pg;
        this.log = log;
    }

    /** Runs the checks of {@code level}; failures are recorded in the result, not thrown. */
    public Manifest.VerifyResult verify(String level, Archive archive, Manifest m) {
        Instant start = Instant.now();
        if (level.equals("none")) return new Manifest.VerifyResult("none", "skipped", start, 0, "VERIFY=none");
        try {
            archive.checkSum(m.sha256());
            int entries = archive.listing().size();
            String detail = "sha256 ok, " + entries + " archive entries";
            if (level.equals("full")) detail += ", " + testRestore(archive, m);
            log.info("verify " + level + " passed for " + archive.file().getFileName() + ": " + detail);
            return Manifest.VerifyResult.since(start, level, "passed", detail);
        } catch (OpsException e) {
            // Whatever stopped the proof (damage, no CREATEDB right, server gone) leaves the backup unproven.
            log.error("verify " + level + " FAILED for " + archive.file().getFileName() + ": " + e.oneLine());
            return Manifest.VerifyResult.since(start, level, "failed", e.getMessage());
        }
    }

    /** Restores into a scratch database and compares row counts; returns a one-line summary. */
    private String testRestore(Archive archive, Manifest m) {
        String scratch = createScratch(m.database());
        try {
            archive.restoreInto(scratch, true, ExitCode.VERIFY_FAILED);
            List<Manifest.TableCount> restored = pg.rowCounts(scratch);
            requireSameCounts(m.tables(), restored, "test restore");
            return "test restore matched " + restored.size() + " tables, " + m.totalRows() + " rows";
        } finally {
            try {
                pg.dropOwn(scratch);
            } catch (OpsException e) {
                log.error("could not drop scratch database " + scratch + ": " + e.oneLine());
            }
        }
    }

    /**
     * Creates the scratch database and returns its name, the only one this run may drop. A name that is
     * taken (by anyone) is left alone and the next second's tried.
     */
    private String createScratch(String db) {
        Instant at = Instant.now();
        for (int i = 0; i < NAME_TRIES; i++) {
            String name = DbName.of(db, SCRATCH, at.plusSeconds(i));
            if (!pg.exists(name)) {
                pg.createDatabase(name);
                return name;
            }
        }
        throw new OpsException(ExitCode.VERIFY_FAILED, "no free name for the scratch database of " + db + " (tried "
                + NAME_TRIES + " from " + DbName.of(db, SCRATCH, at) + ")",
                "drop the databases named " + DbName.prefix(db, SCRATCH) + "<stamp> that are not in use");
    }

    /** Throws VERIFY_FAILED naming the first differences between expected and actual counts. */
    public static void requireSameCounts(List<Manifest.TableCount> expected, List<Manifest.TableCount> actual, String what) {
        List<String> diffs = diff(expected, actual);
        if (!diffs.isEmpty()) {
            throw new OpsException(ExitCode.VERIFY_FAILED, what + ": row counts differ from the manifest: "
                    + String.join("; ", diffs.subList(0, Math.min(5, diffs.size()))), "use another backup");
        }
    }

    static List<String> diff(List<Manifest.TableCount> expected, List<Manifest.TableCount> actual) {
        List<String> out = new ArrayList<>();
        for (Manifest.TableCount e : expected) {
            var a = actual.stream().filter(t -> t.schema().equals(e.schema()) && t.table().equals(e.table())).findFirst();
            if (a.isEmpty()) out.add(e.qualified() + " missing");
            else if (a.get().rows() != e.rows()) out.add(e.qualified() + " has " + a.get().rows() + " rows, expected " + e.rows());
        }
        for (Manifest.TableCount a : actual) {
            if (expected.stream().noneMatch(t -> t.schema().equals(a.schema()) && t.table().equals(a.table()))) {
                out.add(a.qualified() + " unexpected");
            }
        }
        return out;
    }
}
