package io.sipstream.router.routes;

import io.sipstream.avro.TimeWindow;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Locale;

/**
 * Whether a route's time-of-day window holds at an instant: on one of its days (none listed:
 * every day), from {@code from} up to but not including {@code to}, in its zone. A window whose
 * {@code to} is before its {@code from} runs past midnight, and then belongs to the day it starts on.
 */
public final class TimeWindows {
    private static final List<String> DAYS = List.of("mon", "tue", "wed", "thu", "fri", "sat", "sun");

    /** True when there is no window, false when the window cannot be read (the registry refuses such). */
    public static boolean active(TimeWindow window, long epochMillis) {
        if (window == null) return true;
        try {
            ZonedDateTime at = Instant.ofEpochMilli(epochMillis).atZone(ZoneId.of(window.getZone()));
            LocalTime from = LocalTime.parse(window.getFrom());
            LocalTime to = LocalTime.parse(window.getTo());
            LocalTime time = at.toLocalTime();
            if (!from.isAfter(to)) {
                return !time.isBefore(from) && time.isBefore(to) && onDay(window, at.getDayOfWeek().getValue());
            }
            if (!time.isBefore(from)) return onDay(window, at.getDayOfWeek().getValue());
            // after midnight: the window started the day before
            return time.isBefore(to) && onDay(window, at.minusDays(1).getDayOfWeek().getValue());
        } catch (DateTimeException e) {
            return false;
        }
    }

    private static boolean onDay(TimeWindow window, int isoDay) {
        List<String> days = window.getDays();
        return days.isEmpty() || days.contains(DAYS.get(isoDay - 1)) || days.contains(DAYS.get(isoDay - 1).toUpperCase(Locale.ROOT));
    }

    private TimeWindows() {}
}
