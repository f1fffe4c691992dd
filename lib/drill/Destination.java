package lib.drill;

import lib.Config;
import lib.DbName;
import lib.Docker;
import lib.ExitCode;
import lib.OpsException;
import lib.Pg;
import lib.PgTarget;
import lib.ScratchServer;

import java.time.Duration;
import java.time.Instant;

/**
 * Where a drill restores to, never the live database: a scratch database beside it, a scratch container
 * from the live container's image, or (sandbox only) the dropped database's own name. Opening is part of
 * the measured RTO (a lost container has to be recreated too); closing removes what the drill created
 * unless it is kept for inspection.
 */
public abstract class Destination implements AutoCloseable {
    protected Config target;
    protected boolean keep;
    /** The database this drill restored into and therefore created (null: none yet). */
    protected String created;

    /** Aims at the destination's server for a drill of {@code db} (starting it when needed) and returns that configuration. */
    public abstract Config open(Config cfg, String db);

    /** The database name to restore {@code db}'s backup as. */
    public abstract String database(String db);

    /** "database inventory_drill_20261126t120000z" or "container ra-scratch-1a2b". */
    public abstract String describe();

    /** Whether the backup's roles must be replayed first (a fresh server has none of them). */
    public boolean withGlobals() { return false; }

    /** The configuration aimed at the destination; valid after {@link #open}. */
    public Config target() { return target; }

    /** The drill restored into {@code name}, creating it: the only database close may drop. */
    public void created(String name) { this.created = name; }

    /** Leave what the drill restored in place on close. */
    public Destination keep(boolean k) {
        this.keep = k;
        return this;
    }

    @Override
    public abstract void close();

    /**
     * A scratch database on the configured server, named {@code <db>_drill_<stamp>} by {@link Drill#scratchName},
     * dropped on close when the drill created it.
     */
    public static Destination scratchDatabase(Instant at) {
        return new Destination() {
            private String name;

            @Override public Config open(Config cfg, String db) {
                target = cfg;
                Pg pg = new Pg(new PgTarget(cfg));
                pg.databasesStartingWith(DbName.prefix(db, Drill.SCRATCH, Drill.NAME_BYTES)).forEach(old -> leftover(pg, db, old));
                return cfg;
            }

            @Override public String database(String db) { return name = Drill.scratchName(db, at); }

            @Override public String describe() { return "database " + name; }

            @Override public void close() {
                if (keep || created == null || target == null) return;
                try {
                    new Pg(new PgTarget(target)).dropOwn(created);
                } catch (OpsException e) {
                    // the drill's own failure is the news; a scratch copy left behind is only worth a warning
                    System.err.println("warning: could not drop the scratch database " + created + " (" + e.getMessage()
                            + "); drop it by hand when the server is back");
                }
            }
        };
    }

    /** The database's own name on the configured server: the sandbox's "database dropped" recovery. */
    public static Destination inPlace() {
        return new Destination() {
            private String name;

            @Override public Config open(Config cfg, String db) { return target = cfg; }

            @Override public String database(String db) { return name = db; }

            @Override public String describe() { return "database " + name + " (in place)"; }

            @Override public void close() {}
        };
    }

    /** A new container from {@code image} (null: the image of the configured DOCKER_CONTAINER), removed on close. */
    public static Destination container(String image) {
        return new Destination() {
            private ScratchServer server;

            @Override public Config open(Config cfg, String db) {
                String img = image != null ? image : imageOf(cfg);
                server = ScratchServer.docker(img);
                return target = server.config(cfg);
            }

            @Override public String database(String db) { return db; }

            @Override public String describe() { return "container " + (server == null ? "?" : server.container()); }

            @Override public boolean withGlobals() { return true; }

            @Override public void close() {
                if (server != null && !keep) server.close();
            }
        };
    }

    /**
     * A database named like a scratch database of an earlier drill of {@code db}: one cut off mid-restore (its
     * side copy {@code <scratch>_restoring_<stamp>}) is dropped; a finished one may have been kept with --keep,
     * so it is only pointed out; any other name is not ours and left alone.
     */
    private static void leftover(Pg pg, String db, String name) {
        if (Drill.isInterrupted(name, db)) {
            pg.dropOwn(name);
            System.err.println("dropped " + name + ", left by an interrupted drill");
        } else if (Drill.isScratch(name, db)) {
            System.err.println("note: scratch database " + name + " of an earlier drill is still there (kept with --keep, "
                    + "or the drill was interrupted); drop it when done: DROP DATABASE \"" + name + "\"");
        }
    }

    private static String imageOf(Config cfg) {
        String live = cfg.get("DOCKER_CONTAINER");
        if (live.isBlank()) {
            throw new OpsException(ExitCode.USAGE, "DRILL_INTO=container needs DOCKER_CONTAINER (docker mode)",
                    "use DRILL_INTO=database, or set DOCKER_CONTAINER");
        }
        return Docker.image(live, Duration.ofSeconds(30));
    }
}
