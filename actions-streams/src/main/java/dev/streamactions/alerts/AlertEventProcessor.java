package dev.streamactions.alerts;

import dev.streamactions.definitions.ActionDefinitions;
import dev.streamactions.definitions.ActionId;
import dev.streamactions.runs.ActionBatches;
import dev.streamactions.runs.BatchBuffer;
import dev.streamactions.runs.Emitter;
import dev.streamactions.runs.RunContext;
import dev.streamactions.schemas.alerts.AlertEvent;
import dev.streamactions.schemas.alerts.AlertEvents;
import dev.streamactions.schemas.definitions.ActionType;
import dev.streamactions.schemas.runs.Trigger;
import dev.streamactions.schemas.state.BufferedRecord;
import dev.streamactions.schemas.wire.MalformedRecordException;
import dev.streamactions.schemas.wire.TopicValueReader;
import dev.streamactions.topics.TopicNames;
import java.nio.ByteBuffer;
import java.time.Instant;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;

/**
 * Runs the actions an alert event names, each with {@code [payload]}, as soon as the event arrives;
 * their records go to {@code actions.<org>.<action>.out}. An event that cannot be read, or that names
 * an action that does not exist, goes to the dead-letter topic with the reason.
 */
public final class AlertEventProcessor implements Processor<byte[], byte[], Object, Object> {
    public static final String STORE = "alert-batches";

    private final RunContext run;
    private final Emitter.Sinks sinks;
    private ProcessorContext<Object, Object> context;
    private TopicValueReader<AlertEvent> reader;
    private Emitter emitter;
    private ActionBatches batches;

    public AlertEventProcessor(RunContext run, Emitter.Sinks sinks) {
        this.run = run;
        this.sinks = sinks;
    }

    @Override
    public void init(ProcessorContext<Object, Object> context) {
        this.context = context;
        this.reader = AlertEvents.reader(run.registry());
        this.emitter = new Emitter(context, sinks, run.registry());
        ActionDefinitions definitions = run.definitions();
        this.batches = new ActionBatches(new BatchBuffer(context.getStateStore(STORE)), run.actions(), run.access(),
                target -> resolve(definitions, target), Trigger.alert, run.alertBatches(), emitter, run.metrics(),
                ActionType.realtime, r -> {});
        // Alert batches run on arrival; the punctuator only brings back the retries and the waits.
        context.schedule(run.punctuationInterval(), PunctuationType.WALL_CLOCK_TIME, now -> batches.runDue());
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        RecordMetadata source = context.recordMetadata().orElseThrow();
        AlertEvent event;
        try {
            event = reader.read(record.value());
        } catch (MalformedRecordException e) {
            run.metrics().rejected(source.topic(), "undecodable");
            emitter.dead(null, 0, "not an alert event: " + e.getMessage(), source.topic(), source.partition(),
                    source.offset(), record.key(), record.value());
            return;
        }
        Instant now = Instant.now();
        for (String action : event.getActions()) {
            BufferedRecord buffered = BufferedRecord.newBuilder()
                    .setSourceTopic(source.topic())
                    .setSourcePartition(source.partition())
                    .setSourceOffset(source.offset())
                    .setTimestamp(Instant.ofEpochMilli(record.timestamp()))
                    .setKey(record.key() == null ? null : ByteBuffer.wrap(record.key()))
                    .setValue(ByteBuffer.wrap(record.value()))
                    .setJson(event.getPayloadJson())
                    .setBufferedAt(now)
                    .build();
            batches.add(event.getOrg() + "/" + action, buffered);
        }
    }

    private static ActionBatches.Resolution resolve(ActionDefinitions definitions, String target) {
        String[] parts = target.split("/", 2);
        ActionId id;
        try {
            id = new ActionId(parts[0], parts[1]);
        } catch (IllegalArgumentException e) {
            return new ActionBatches.Gone(null, "the alert names no valid action: " + e.getMessage());
        }
        return definitions.find(id).isPresent()
                ? new ActionBatches.Runnable(id, TopicNames.actionOutput(id.org(), id.name()))
                : new ActionBatches.Gone(id, "the alert names action " + id.name() + ", which does not exist in org "
                        + id.org());
    }
}
