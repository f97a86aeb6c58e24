package dev.streamactions.schedule;

import com.cronutils.model.Cron;
import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeParseException;
import java.util.Optional;

/**
 * When a scheduled action runs: {@code once:<RFC 3339 time>} or a 5-field cron expression (minute,
 * hour, day of month, month, day of week, as Unix cron), always in UTC.
 */
public sealed interface Schedule {

    /** The first due time strictly after {@code after}; empty when there is none. */
    Optional<Instant> nextAfter(Instant after);

    /** The schedule as the user wrote it. */
    String text();

    /** Runs once, at {@code at}. */
    record Once(Instant at, String text) implements Schedule {
        @Override
        public Optional<Instant> nextAfter(Instant after) {
            return at.isAfter(after) ? Optional.of(at) : Optional.empty();
        }
    }

    /** Runs at every time the cron expression matches, in UTC. */
    record Recurring(Cron cron, String text) implements Schedule {
        @Override
        public Optional<Instant> nextAfter(Instant after) {
            return ExecutionTime.forCron(cron)
                    .nextExecution(after.atZone(ZoneOffset.UTC))
                    .map(ZonedDateTime::toInstant);
        }
    }

    String ONCE_PREFIX = "once:";

    /**
     * Reads a schedule.
     *
     * @throws IllegalArgumentException saying what is wrong and what is accepted
     */
    static Schedule parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("a scheduled action needs a schedule: a 5-field cron expression"
                    + " (UTC), e.g. '*/5 * * * *', or once:<RFC 3339 time>, e.g. once:2030-01-01T00:00:00Z");
        }
        String trimmed = text.strip();
        if (trimmed.startsWith(ONCE_PREFIX)) {
            String time = trimmed.substring(ONCE_PREFIX.length()).strip();
            try {
                return new Once(java.time.OffsetDateTime.parse(time).toInstant(), trimmed);
            } catch (DateTimeParseException e) {
                throw new IllegalArgumentException("'" + time + "' is not an RFC 3339 time with an offset;"
                        + " write it like once:2030-01-01T00:00:00Z", e);
            }
        }
        int fields = trimmed.split("\\s+").length;
        if (fields != 5) {
            throw new IllegalArgumentException("'" + trimmed + "' has " + fields + " field" + (fields == 1 ? "" : "s")
                    + "; a cron schedule has 5 (minute hour day-of-month month day-of-week, UTC), e.g. '0 * * * *'");
        }
        try {
            Cron cron = PARSER.parse(trimmed);
            cron.validate();
            Recurring recurring = new Recurring(cron, trimmed);
            if (recurring.nextAfter(Instant.EPOCH).isEmpty()) {
                throw new IllegalArgumentException("it never matches a date (such as the 30th of February)");
            }
            return recurring;
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + trimmed + "' is not a valid cron expression: " + e.getMessage()
                    + " (5 fields: minute hour day-of-month month day-of-week, UTC)", e);
        }
    }

    CronParser PARSER = new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.UNIX));
}
