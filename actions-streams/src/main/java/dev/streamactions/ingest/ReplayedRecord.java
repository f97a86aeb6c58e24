package dev.streamactions.ingest;

import dev.streamactions.runs.BatchingProcessor.Origin;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * What a copy in {@code actions.replay} says about itself, in its headers: the attachment it is for
 * ({@code <org>/<stream>/<action>}), the replay that wrote it, where the original is and its timestamp.
 * The copy's key and value are the original's.
 */
record ReplayedRecord(String attachment, String replayId, Origin origin, long timestamp) {
    static final String ATTACHMENT = "actions.replay.attachment";
    static final String REPLAY_ID = "actions.replay.id";
    static final String ORIGIN_TOPIC = "actions.replay.topic";
    static final String ORIGIN_PARTITION = "actions.replay.partition";
    static final String ORIGIN_OFFSET = "actions.replay.offset";
    /** The original's timestamp: the copy's own is the time it was appended, so retention counts from the copy. */
    static final String ORIGIN_TIMESTAMP = "actions.replay.timestamp";

    void writeTo(Headers headers) {
        headers.add(ATTACHMENT, utf8(attachment));
        headers.add(REPLAY_ID, utf8(replayId));
        headers.add(ORIGIN_TOPIC, utf8(origin.topic()));
        headers.add(ORIGIN_PARTITION, utf8(Integer.toString(origin.partition())));
        headers.add(ORIGIN_OFFSET, utf8(Long.toString(origin.offset())));
        headers.add(ORIGIN_TIMESTAMP, utf8(Long.toString(timestamp)));
    }

    /** The copy's headers read back; empty when they are missing or not ours. */
    static Optional<ReplayedRecord> readFrom(Headers headers) {
        try {
            return Optional.of(new ReplayedRecord(text(headers, ATTACHMENT), text(headers, REPLAY_ID),
                    new Origin(text(headers, ORIGIN_TOPIC), Integer.parseInt(text(headers, ORIGIN_PARTITION)),
                            Long.parseLong(text(headers, ORIGIN_OFFSET))),
                    Long.parseLong(text(headers, ORIGIN_TIMESTAMP))));
        } catch (RuntimeException e) {
            return Optional.empty();
        }
    }

    private static String text(Headers headers, String name) {
        Header header = headers.lastHeader(name);
        if (header == null || header.value() == null) {
            throw new IllegalArgumentException("no header " + name);
        }
        return new String(header.value(), StandardCharsets.UTF_8);
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
