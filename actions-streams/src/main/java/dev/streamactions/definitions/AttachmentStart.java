package dev.streamactions.definitions;

import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Optional;

/**
 * Where an attachment starts on its stream, as {@code rpk transform deploy --from-offset} lets one say:
 * the records produced after attaching ({@code latest}, the default), every record the topic still holds
 * ({@code earliest}), or the records from a time on (RFC 3339).
 */
public record AttachmentStart(String text, Optional<Instant> time, boolean earliest) {
    public static final AttachmentStart LATEST = new AttachmentStart("latest", Optional.empty(), false);
    public static final AttachmentStart EARLIEST = new AttachmentStart("earliest", Optional.empty(), true);

    /** Whether records already in the topic are replayed to the attachment. */
    public boolean replays() {
        return earliest || time.isPresent();
    }

    /**
     * Reads {@code start} as given to the API; refuses what is neither {@code latest}, {@code earliest}
     * nor an RFC 3339 time, and a time after {@code clock}'s now (nothing is there yet to start from).
     */
    public static AttachmentStart parse(String start, Clock clock) {
        String text = start.strip();
        if (text.equalsIgnoreCase("latest")) {
            return LATEST;
        }
        if (text.equalsIgnoreCase("earliest")) {
            return EARLIEST;
        }
        Instant time;
        try {
            time = OffsetDateTime.parse(text).toInstant();
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("start must be latest, earliest or an RFC 3339 time such as"
                    + " 2026-01-31T12:00:00Z; '" + start + "' is none of them");
        }
        if (time.isAfter(clock.instant())) {
            throw new IllegalArgumentException("start " + text + " is in the future; attach with latest to run"
                    + " on the records that arrive from now on");
        }
        return new AttachmentStart(time.toString(), Optional.of(time), false);
    }
}
