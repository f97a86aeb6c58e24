package dev.streamactions.runner;

import java.time.Instant;

/**
 * One line a script logged, through its {@code logger}, the {@code logging} module, or print.
 *
 * @param time      when it was logged
 * @param level     {@code DEBUG} .. {@code CRITICAL}, or {@code STDOUT} / {@code STDERR} for printed text
 * @param message   the formatted message
 * @param exception the traceback logged with it ({@code logger.exception}), or null
 */
public record LogLine(Instant time, String level, String message, String exception) {

    @Override
    public String toString() {
        return time + " " + level + " " + message + (exception == null ? "" : "\n" + exception);
    }
}
