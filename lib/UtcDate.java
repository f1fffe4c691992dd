package lib;

import picocli.CommandLine;

import java.time.LocalDate;
import java.time.format.DateTimeParseException;

/** Reads a {@code --date} value, a UTC calendar date; anything else is refused in one line that shows the form. */
public final class UtcDate implements CommandLine.ITypeConverter<LocalDate> {
    @Override
    public LocalDate convert(String value) {
        try {
            return LocalDate.parse(value);
        } catch (DateTimeParseException e) {
            throw new CommandLine.TypeConversionException("'" + value + "' is not a date. HINT: give a UTC date as YYYY-MM-DD, "
                    + "e.g. --date 2026-11-20 (--list shows when each backup was taken)");
        }
    }
}
