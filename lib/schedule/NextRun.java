package lib.schedule;

import java.time.*;
import java.time.format.DateTimeFormatter;
import java.time.zone.ZoneRules;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * When a {@link Trigger} next fires after a given moment, as cron computes it (cron cannot tell by itself).
 * Across a daylight-saving change it follows cron's rules: a fixed time that falls into the skipped hour
 * runs when the clock jumps, once in a repeated hour; a job with a wildcard hour or minute (every 5m,
 * every 2h, hourly :15) runs by the clock, so it skips the lost hour and runs twice in a repeated one.
 */
public final class NextRun {
    /** The format systemd uses for its next elapse: {@code Tue 2026-11-24 02:00:00 CET}. */
    public static final DateTimeFormatter FORMAT = DateTimeFormatter.ofPattern("EEE yyyy-MM-dd HH:mm:ss zzz", Locale.ROOT);

    /** What {@link #text} says for a boot trigger, which has no clock time. */
    public static final String AT_BOOT = "at boot";

    private NextRun() {}

    /** The first run strictly after {@code after}, in its zone; empty for a boot trigger. */
    public static Optional<ZonedDateTime> next(Trigger trigger, ZonedDateTime after) {
        if (trigger instanceof Trigger.Boot) return Optional.empty();
        LocalDate start = after.toLocalDate();
        // a day's runs all come before the next day's, so the first day with a run after `after` holds the answer
        for (LocalDate day = start; day.isBefore(start.plusYears(2)); day = day.plusDays(1)) {
            Optional<ZonedDateTime> first = runs(trigger, day, after.getZone()).stream()
                    .filter(t -> t.isAfter(after)).min(ZonedDateTime::compareTo);
            if (first.isPresent()) return first;
        }
        throw new IllegalStateException(trigger.describe() + " never runs");
    }

    /** The next run as text in systemd's format, or {@link #AT_BOOT}. */
    public static String text(Trigger trigger, ZonedDateTime after) {
        return next(trigger, after).map(FORMAT::format).orElse(AT_BOOT);
    }

    private static List<ZonedDateTime> runs(Trigger trigger, LocalDate day, ZoneId zone) {
        List<ZonedDateTime> out = new ArrayList<>();
        if (!onDay(trigger, day)) return out;
        boolean wildcard = trigger instanceof Trigger.Every || ((Trigger.Calendar) trigger).hour() == null;
        ZoneRules rules = zone.getRules();
        for (LocalTime time : times(trigger)) {
            LocalDateTime local = day.atTime(time);
            List<ZoneOffset> offsets = rules.getValidOffsets(local);
            if (offsets.isEmpty()) {
                if (!wildcard) out.add(ZonedDateTime.ofInstant(rules.getTransition(local).getInstant(), zone));
            } else {
                // in a repeated hour the earlier offset is listed first
                for (ZoneOffset o : wildcard ? offsets : offsets.subList(0, 1)) out.add(ZonedDateTime.ofStrict(local, o, zone));
            }
        }
        return out;
    }

    private static boolean onDay(Trigger trigger, LocalDate day) {
        if (!(trigger instanceof Trigger.Calendar c)) return true;
        return (c.months().isEmpty() || c.months().contains(day.getMonth()))
                && (c.day() == null || c.day() == day.getDayOfMonth())
                && (c.weekday() == null || c.weekday() == day.getDayOfWeek());
    }

    private static List<LocalTime> times(Trigger trigger) {
        List<LocalTime> out = new ArrayList<>();
        if (trigger instanceof Trigger.Every e) {
            long step = e.interval().toMinutes();
            for (long m = e.minute(); m < 24 * 60; m += step) out.add(LocalTime.MIDNIGHT.plusMinutes(m));
        } else if (trigger instanceof Trigger.Calendar c) {
            if (c.hour() != null) return List.of(c.time());
            for (int h = 0; h < 24; h++) out.add(LocalTime.of(h, c.minute()));
        }
        return out;
    }
}
