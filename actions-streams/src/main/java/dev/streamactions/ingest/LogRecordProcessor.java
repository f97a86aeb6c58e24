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
import java.util.List;
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
        var stream = TopicNames.parseLogStream(origin.topic()).orElse(null);
        if (stream == null) {
            return;
        }
        List<StreamAttachment> attached = run.definitions().attachedTo(stream.org(), stream.stream()).stream()
                .filter(a -> origin.offset() >= a.getCutover().getOrDefault(Integer.toString(origin.partition()), 0L))
                .toList();
        if (attached.isEmpty()) {
            return;
        }
        String json;
        try {
            json = reader.toJson(record.value());
        } catch (MalformedRecordException e) {
            for (StreamAttachment attachment : attached) {
                reject(record, new ActionId(stream.org(), attachment.getAction()), "not a log record: " + e.getMessage());
            }
            return;
        }
        for (StreamAttachment attachment : attached) {
            add(stream.org() + "/" + stream.stream() + "/" + attachment.getAction(), record, json);
        }
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
