package dev.streamactions.topics;

import dev.streamactions.schemas.alerts.AlertEvents;
import dev.streamactions.schemas.timer.TimerTicks;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The names of the application's topics (CONTRACT.md section 2), in one place. */
public final class TopicNames {
    /** Action definitions, the current version of each action (compacted). */
    public static final String DEFINITIONS = "actions.definitions";
    /** Every version of every action, keyed {@code <org>/<name>/<version>}, never changed once written (compacted). */
    public static final String VERSIONS = "actions.versions";
    /** Which action runs on which log stream, and where its output goes (compacted). */
    public static final String ATTACHMENTS = "actions.attachments";
    /**
     * Records of a log stream replayed to one attachment that started before the stream's end (earliest or a
     * time): copies of the originals, with headers naming the attachment, its replay and where each came from.
     */
    public static final String REPLAY = "actions.replay";
    public static final String ALERTS = AlertEvents.TOPIC;
    public static final String TIMER = TimerTicks.TOPIC;
    public static final String RUNS = "actions.runs";
    public static final String DLQ = "actions.dlq";

    /** Org and stream names: what OpenObserve accepts, and what keeps topic names unambiguous. */
    public static final Pattern NAME = Pattern.compile("[A-Za-z0-9_]+");

    /**
     * The input topics: {@code logs.<org>.<stream>} and nothing longer, so the default output topics
     * ({@code logs.<org>.<stream>.<action>}) are never read back as input.
     */
    public static final Pattern LOG_STREAMS = Pattern.compile("logs\\.[A-Za-z0-9_]+\\.[A-Za-z0-9_]+");

    /**
     * What the log-batching source reads: the log streams and {@link #REPLAY}, through one pattern. Why one
     * source and not two: Kafka Streams (4.2) makes a task's source nodes from the topics matched when the
     * task is created, and a pattern source that matched nothing then never gets a topic, so the stream
     * thread fails on the first log stream created afterwards. {@link #REPLAY} exists before the streams
     * start, so this pattern always matches.
     */
    public static final Pattern LOG_BATCH_INPUTS = Pattern.compile(LOG_STREAMS.pattern() + "|" + Pattern.quote(REPLAY));

    private static final Pattern LOG_STREAM_PARTS = Pattern.compile("logs\\.([A-Za-z0-9_]+)\\.([A-Za-z0-9_]+)");

    private TopicNames() {}

    public static String logStream(String org, String stream) {
        return "logs." + org + "." + stream;
    }

    /** Where an attached action's records go unless the attachment names another topic. */
    public static String defaultAttachmentOutput(String org, String stream, String action) {
        return logStream(org, stream) + "." + action;
    }

    /** Where the records of an action started by an alert or a schedule go. */
    public static String actionOutput(String org, String action) {
        return "actions." + org + "." + action + ".out";
    }

    /** The org and stream of a {@code logs.<org>.<stream>} topic. */
    public static Optional<LogStream> parseLogStream(String topic) {
        Matcher m = LOG_STREAM_PARTS.matcher(topic);
        return m.matches() ? Optional.of(new LogStream(m.group(1), m.group(2))) : Optional.empty();
    }

    public record LogStream(String org, String stream) {}
}
