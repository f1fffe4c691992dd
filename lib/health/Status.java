package lib.health;

/** A check's verdict, worst last: any CRITICAL makes the system unhealthy (exit 1). */
public enum Status {
    /** Not run because a check it depends on failed (the container is down, so no SQL). */
    SKIPPED,
    OK,
    WARNING,
    CRITICAL;

    public String label() { return name().toLowerCase(java.util.Locale.ROOT); }

    public static Status worst(Status a, Status b) { return a.compareTo(b) >= 0 ? a : b; }
}
