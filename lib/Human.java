package lib;

import java.time.Duration;
import java.time.Instant;

/** Amounts written for people to read, the same in every script's output, log line and alert. */
public final class Human {
    private Human() {}

    /** How long ago {@code at} was: "3d 4h", "2h 15m", "7m". */
    public static String age(Instant at) {
        return age(Duration.between(at, Instant.now()));
    }

    /** A duration to the nearest coarse unit: "3d 4h", "2h 15m", "7m" (never negative). */
    public static String age(Duration d) {
        if (d.toDays() > 0) return d.toDays() + "d " + d.toHoursPart() + "h";
        if (d.toHours() > 0) return d.toHours() + "h " + d.toMinutesPart() + "m";
        return Math.max(0, d.toMinutes()) + "m";
    }
}
