package lib.schedule;

import java.time.DayOfWeek;
import java.time.Duration;
import java.time.LocalTime;
import java.time.Month;
import java.time.format.TextStyle;
import java.util.*;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * When a task runs, in the small language of the SCHEDULE_* settings and {@code --at}:
 * {@code every 5m}, {@code every 5m from :02}, {@code every 1h}, {@code hourly :15}, {@code daily 02:00} (or just {@code 02:00}),
 * {@code weekly Sun 03:00} (or {@code Sun 03:00}), {@code monthly 1 03:30}, {@code quarterly 1 05:00},
 * {@code yearly 01-01 04:00}, {@code boot +1m} (at boot or logon, after a delay).
 * Each platform renders these into its own form (Task Scheduler triggers, OnCalendar=, cron fields).
 */
public sealed interface Trigger {
    /**
     * Every {@code interval} (minutes dividing an hour, or whole hours dividing a day), aligned to the clock,
     * first at {@code minute} past midnight: {@code every 5m from :02} runs at :02, :07... so that it never
     * starts together with tasks at round times.
     */
    record Every(Duration interval, int minute) implements Trigger {
        public Every(Duration interval) { this(interval, 0); }

        public String describe() {
            long m = interval.toMinutes();
            return (m % 60 == 0 ? "every " + m / 60 + "h" : "every " + m + "m") + (minute == 0 ? "" : String.format(" from :%02d", minute));
        }
    }

    /**
     * A calendar time: {@code hour} null means every hour; {@code months} empty means every month;
     * {@code day} (of month) and {@code weekday} null mean any.
     */
    record Calendar(Set<Month> months, Integer day, DayOfWeek weekday, Integer hour, int minute) implements Trigger {
        public Calendar {
            months = months.isEmpty() ? Set.of() : Collections.unmodifiableSet(EnumSet.copyOf(months));
        }

        /** The time of day, for calendar triggers that have one. */
        public LocalTime time() { return LocalTime.of(hour == null ? 0 : hour, minute); }

        public String describe() {
            String hm = String.format("%02d:%02d", hour == null ? 0 : hour, minute);
            if (hour == null) return String.format("hourly :%02d", minute);
            if (weekday != null) return "weekly " + shortName(weekday) + " " + hm;
            if (day == null) return "daily " + hm;
            if (months.isEmpty()) return "monthly " + day + " " + hm;
            if (months.equals(QUARTERS)) return "quarterly " + day + " " + hm;
            return String.format("yearly %02d-%02d %s", months.iterator().next().getValue(), day, hm);
        }
    }

    /** At boot (or logon, where the platform runs tasks in a user session), after {@code delay}. */
    record Boot(Duration delay) implements Trigger {
        public String describe() { return "boot +" + delay.toMinutes() + "m"; }
    }

    /** The setting's own words, normalised: parse(describe()) gives the same trigger. */
    String describe();

    Set<Month> QUARTERS = Set.of(Month.JANUARY, Month.APRIL, Month.JULY, Month.OCTOBER);

    /** What {@link #parse} accepts, for error messages. */
    String FORMS = "every 5m | every 5m from :02 | every 1h | hourly :15 | daily 02:00 | weekly Sun 03:00 | monthly 1 03:30 | "
            + "quarterly 1 05:00 | yearly 01-01 04:00 | boot +1m";

    /** @throws IllegalArgumentException naming what is wrong */
    static Trigger parse(String text) {
        String s = text.strip().replaceAll("\\s+", " ").toLowerCase(Locale.ROOT);
        Matcher m;
        if ((m = match("every (\\d{1,2})([mh])(?: from :(\\d{2}))?", s)) != null) {
            return every(Integer.parseInt(m.group(1)), m.group(2), m.group(3) == null ? 0 : minute(m.group(3)));
        }
        if ((m = match("boot(?: \\+(\\d{1,2})m)?", s)) != null) {
            return new Boot(Duration.ofMinutes(m.group(1) == null ? 0 : Integer.parseInt(m.group(1))));
        }
        if ((m = match("hourly :(\\d{2})", s)) != null) return new Calendar(Set.of(), null, null, null, minute(m.group(1)));
        if ((m = match("(?:daily )?" + TIME, s)) != null) return at(Set.of(), null, null, m, 1);
        if ((m = match("(?:weekly )?([a-z]{3})[a-z]* " + TIME, s)) != null) return at(Set.of(), null, weekday(m.group(1)), m, 2);
        if ((m = match("monthly (\\d{1,2}) " + TIME, s)) != null) return at(Set.of(), day(m.group(1)), null, m, 2);
        if ((m = match("quarterly (\\d{1,2}) " + TIME, s)) != null) return at(QUARTERS, day(m.group(1)), null, m, 2);
        if ((m = match("yearly (\\d{2})-(\\d{2}) " + TIME, s)) != null) {
            int month = Integer.parseInt(m.group(1));
            if (month < 1 || month > 12) throw new IllegalArgumentException("month " + month + " is not 01-12");
            return at(Set.of(Month.of(month)), day(m.group(2)), null, m, 3);
        }
        throw new IllegalArgumentException("'" + text + "' is not a schedule; use one of: " + FORMS);
    }

    String TIME = "(\\d{1,2}):(\\d{2})";

    private static Matcher match(String regex, String s) {
        Matcher m = Pattern.compile(regex).matcher(s);
        return m.matches() ? m : null;
    }

    private static Every every(int n, String unit, int minute) {
        boolean hours = unit.equals("h");
        int per = hours ? 24 : 60;
        if (n < 1 || per % n != 0) {
            throw new IllegalArgumentException("every " + n + unit + " must divide " + (hours ? "a day (1-24h)" : "an hour (1-60m)")
                    + " so that every platform can run it on the same clock");
        }
        // from :07 with every 5m is the series from :02: one spelling per schedule
        if (!hours && minute >= n) throw new IllegalArgumentException(String.format("from :%02d must come before the first %dm", minute, n));
        return new Every(hours ? Duration.ofHours(n) : Duration.ofMinutes(n), minute);
    }

    private static Calendar at(Set<Month> months, Integer day, DayOfWeek weekday, Matcher m, int group) {
        int hour = Integer.parseInt(m.group(group));
        if (hour > 23) throw new IllegalArgumentException("hour " + hour + " is not 0-23");
        return new Calendar(months, day, weekday, hour, minute(m.group(group + 1)));
    }

    private static int minute(String s) {
        int minute = Integer.parseInt(s);
        if (minute > 59) throw new IllegalArgumentException("minute " + minute + " is not 00-59");
        return minute;
    }

    private static Integer day(String s) {
        int day = Integer.parseInt(s);
        // 29-31 would skip short months silently on some platforms and not on others
        if (day < 1 || day > 28) throw new IllegalArgumentException("day " + day + " is not 1-28");
        return day;
    }

    private static DayOfWeek weekday(String prefix) {
        for (DayOfWeek d : DayOfWeek.values()) if (shortName(d).toLowerCase(Locale.ROOT).equals(prefix)) return d;
        throw new IllegalArgumentException("'" + prefix + "' is not a day (Mon, Tue, Wed, Thu, Fri, Sat, Sun)");
    }

    /** Mon, Tue... as systemd and the settings spell them. */
    static String shortName(DayOfWeek d) { return d.getDisplayName(TextStyle.SHORT, Locale.ROOT); }
}
