package dev.streamactions.ingest;

import dev.streamactions.definitions.ActionId;
import dev.streamactions.runs.ActionBatches;
import dev.streamactions.runs.BatchingProcessor;
import dev.streamactions.runs.BatchingProcessor.Origin;
import dev.streamactions.runs.Emitter;
import dev.streamactions.runs.RunContext;
import dev.streamactions.schemas.definitions.ActionType;
import dev.streamactions.schemas.definitions.StreamAttachment;
import dev.streamactions.schemas.logs.LogRecords;
import dev.streamactions.schemas.runs.Trigger;
import dev.streamactions.schemas.wire.MalformedRecordException;
import dev.streamactions.topics.TopicNames;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * Passes every record of the {@code logs.<org>.<stream>} topics to the actions attached to its stream:
 * the record joins each action's batch, which runs when full or when its oldest record has waited
 * long enough. A log record is a JSON object or Avro in the Confluent wire format (handed to the action as
 * the same JSON object); one that is neither goes to the dead-letter topic with the reason. An
 * attachment runs on the records from its cutover on; the older ones it was attached to start from
 * arrive once, as copies in {@code actions.replay} addressed to it.
 */
public final class LogRecordProcessor extends BatchingProcessor {
    public static final String STORE = "log-batches";

    /** An attachment of a log stream, and the target its records are batched under. */
    private record Route(StreamAttachment attachment, String target, ActionId action) {}

    /** A log topic's stream, and the routes of {@code attached}, the attachments as last seen. */
    private record Routes(TopicNames.LogStream stream, List<StreamAttachment> attached, List<Route> routes) {}

    private final Map<String, Routes> routesByTopic = new HashMap<>();
    private LogRecords reader;

    public LogRecordProcessor(RunContext run, Emitter.Sinks sinks) {
        super(run, sinks, new Kind(STORE, Trigger.stream, run.logBatches(), ActionType.realtime, r -> {}));
    }

    @Override
    public void init(ProcessorContext<Object, Object> context) {
        super.init(context);
        this.reader = LogRecords.reader(run.registry());
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        Origin origin = source();
        if (origin.topic().equals(TopicNames.REPLAY)) {
            processReplayed(record);
            return;
        }
        List<Route> routes = from(routes(origin.topic()), origin.partition(), origin.offset());
        if (routes.isEmpty()) {
            return;
        }
        String json;
        try {
            json = reader.toJson(record.value());
        } catch (MalformedRecordException e) {
            for (Route route : routes) {
                reject(record, route.action(), "not a log record: " + e.getMessage());
            }
            return;
        }
        for (Route route : routes) {
            add(route.target(), record, json);
        }
    }

    /**
     * The routes whose attachment takes a record at {@code offset} of {@code partition}, that is at or after
     * the attachment's cutover there: {@code all} itself when every one does, as almost always, so that a
     * record costs no new list.
     */
    private static List<Route> from(List<Route> all, int partition, long offset) {
        for (Route route : all) {
            if (!takes(route, partition, offset)) {
                return all.stream().filter(r -> takes(r, partition, offset)).toList();
            }
        }
        return all;
    }

    private static boolean takes(Route route, int partition, long offset) {
        var cutover = route.attachment().getCutover();
        return cutover.isEmpty() || offset >= cutover.getOrDefault(Integer.toString(partition), 0L);
    }

    /**
     * The actions attached to a log topic's stream, each with its target; asked for every record, so the
     * topic's name is parsed once and the routes are made again only when the attachments change.
     */
    private List<Route> routes(String topic) {
        Routes known = routesByTopic.get(topic);
        if (known == null) {
            var stream = TopicNames.parseLogStream(topic).orElse(null);
            if (stream == null) {
                return List.of();
            }
            known = new Routes(stream, null, List.of());
        }
        List<StreamAttachment> attached = run.definitions().attachedTo(known.stream().org(), known.stream().stream());
        if (attached != known.attached()) {
            TopicNames.LogStream stream = known.stream();
            known = new Routes(stream, attached, attached.stream()
                    .map(a -> new Route(a, stream.org() + "/" + stream.stream() + "/" + a.getAction(),
                            new ActionId(stream.org(), a.getAction())))
                    .toList());
            routesByTopic.put(topic, known);
        }
        return known.routes();
    }

    /**
     * A record from before an attachment's cutover, copied for that attachment alone. A copy of a replay
     * that was replaced (the action re-attached with another start) or of a removed attachment is dropped.
     */
    private void processReplayed(Record<byte[], byte[]> record) {
        ReplayedRecord replayed = ReplayedRecord.readFrom(record.headers()).orElse(null);
        if (replayed == null) {
            return;
        }
        String[] parts = replayed.attachment().split("/", 3);
        StreamAttachment attachment = parts.length < 3 ? null
                : run.definitions().attachment(parts[0], parts[1], parts[2]).orElse(null);
        if (attachment == null || !replayed.replayId().equals(attachment.getReplayId())) {
            return;
        }
        String json;
        try {
            json = reader.toJson(record.value());
        } catch (MalformedRecordException e) {
            reject(record, new ActionId(parts[0], parts[2]), "not a log record: " + e.getMessage(), replayed.origin());
            return;
        }
        add(replayed.attachment(), record.withTimestamp(replayed.timestamp()), json, replayed.origin());
    }

    @Override
    protected ActionBatches.Resolution resolve(String target) {
        String[] parts = target.split("/", 3);
        ActionId id = new ActionId(parts[0], parts[2]);
        return run.definitions().attachment(parts[0], parts[1], parts[2])
                .<ActionBatches.Resolution>map(a -> new ActionBatches.Runnable(id, a.getOutputTopic()))
                .orElseGet(() -> new ActionBatches.Gone(id, "action " + parts[2] + " is no longer attached to stream "
                        + parts[1]));
    }
}
