package dev.streamactions.ingest;

import dev.streamactions.definitions.ActionDefinitions;
import dev.streamactions.definitions.ActionId;
import dev.streamactions.runs.ActionBatches;
import dev.streamactions.runs.BatchBuffer;
import dev.streamactions.runs.Emitter;
import dev.streamactions.runs.RunContext;
import dev.streamactions.schemas.definitions.ActionType;
import dev.streamactions.schemas.logs.LogRecords;
import dev.streamactions.schemas.runs.Trigger;
import dev.streamactions.schemas.state.BufferedRecord;
import dev.streamactions.schemas.wire.MalformedRecordException;
import dev.streamactions.topics.TopicNames;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Passes every record of the {@code logs.<org>.<stream>} topics to the actions attached to its stream:
 * the record joins each action's batch, which runs when full or when its oldest record has waited
 * long enough. A log record is a JSON object or Avro in the Confluent wire format (handed to the action as
 * the same JSON object); one that is neither goes to the dead-letter topic with the reason.
 */
public final class LogRecordProcessor implements Processor<byte[], byte[], Object, Object> {
    public static final String STORE = "log-batches";

    private final RunContext run;
    private LogRecords reader;
    private final Emitter.Sinks sinks;
    private ProcessorContext<Object, Object> context;
    private Emitter emitter;
    private ActionBatches batches;

    public LogRecordProcessor(RunContext run, Emitter.Sinks sinks) {
        this.run = run;
        this.sinks = sinks;
    }

    @Override
    public void init(ProcessorContext<Object, Object> context) {
        this.context = context;
        this.emitter = new Emitter(context, sinks, run.registry());
        this.reader = LogRecords.reader(run.registry());
        KeyValueStore<String, byte[]> store = context.getStateStore(STORE);
        ActionDefinitions definitions = run.definitions();
        this.batches = new ActionBatches(new BatchBuffer(store), run.actions(), run.access(),
                target -> resolve(definitions, target), Trigger.stream, run.logBatches(), emitter, run.metrics(),
                ActionType.realtime, r -> {});
        context.schedule(run.punctuationInterval(), PunctuationType.WALL_CLOCK_TIME, now -> batches.runDue());
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        RecordMetadata source = context.recordMetadata().orElseThrow();
        var stream = TopicNames.parseLogStream(source.topic()).orElse(null);
        if (stream == null) {
            return;
        }
        List<dev.streamactions.schemas.definitions.StreamAttachment> attached =
                run.definitions().attachedTo(stream.org(), stream.stream());
        if (attached.isEmpty()) {
            return;
        }
        String json;
        try {
            json = reader.toJson(record.value());
        } catch (MalformedRecordException e) {
            run.metrics().rejected(source.topic(), "undecodable");
            for (var attachment : attached) {
                emitter.dead(new ActionId(stream.org(), attachment.getAction()), 0,
                        "not a log record: " + e.getMessage(), source.topic(), source.partition(), source.offset(),
                        record.key(), record.value());
            }
            return;
        }
        Instant now = Instant.now();
        for (var attachment : attached) {
            BufferedRecord buffered = BufferedRecord.newBuilder()
                    .setSourceTopic(source.topic())
                    .setSourcePartition(source.partition())
                    .setSourceOffset(source.offset())
                    .setTimestamp(Instant.ofEpochMilli(record.timestamp()))
                    .setKey(record.key() == null ? null : ByteBuffer.wrap(record.key()))
                    .setValue(ByteBuffer.wrap(record.value() == null ? new byte[0] : record.value()))
                    .setJson(json)
                    .setBufferedAt(now)
                    .build();
            batches.add(stream.org() + "/" + stream.stream() + "/" + attachment.getAction(), buffered);
        }
    }

    private static ActionBatches.Resolution resolve(ActionDefinitions definitions, String target) {
        String[] parts = target.split("/", 3);
        ActionId id = new ActionId(parts[0], parts[2]);
        return definitions.attachment(parts[0], parts[1], parts[2])
                .<ActionBatches.Resolution>map(a -> new ActionBatches.Runnable(id, a.getOutputTopic()))
                .orElseGet(() -> new ActionBatches.Gone(id, "action " + parts[2] + " is no longer attached to stream "
                        + parts[1]));
    }
}
