package dev.streamactions.schedule;

import dev.streamactions.definitions.ActionDefinitions;
import dev.streamactions.definitions.ActionId;
import dev.streamactions.runs.ActionBatches;
import dev.streamactions.runs.BatchBuffer;
import dev.streamactions.runs.Emitter;
import dev.streamactions.runs.RunContext;
import dev.streamactions.schemas.definitions.ActionType;
import dev.streamactions.schemas.runs.Trigger;
import dev.streamactions.schemas.state.BufferedRecord;
import dev.streamactions.schemas.timer.TimerTick;
import dev.streamactions.schemas.timer.TimerTicks;
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
 * Runs a scheduled action's {@code main()} for every tick on {@code actions.timer}, whoever produced
 * it (the scheduler, or a person firing the action now). A {@code Running} run record is announced at
 * the start; the outcome ({@code Completed} or {@code Errored}) is committed with the tick. A failed
 * scheduled run is not retried (its next tick is its next chance); the tick goes to the dead-letter
 * topic.
 */
public final class TimerTickProcessor implements Processor<byte[], byte[], Object, Object> {
    public static final String STORE = "timer-ticks";

    private final RunContext run;
    private final Emitter.Sinks sinks;
    private ProcessorContext<Object, Object> context;
    private TopicValueReader<TimerTick> reader;
    private Emitter emitter;
    private ActionBatches batches;

    public TimerTickProcessor(RunContext run, Emitter.Sinks sinks) {
        this.run = run;
        this.sinks = sinks;
    }

    @Override
    public void init(ProcessorContext<Object, Object> context) {
        this.context = context;
        this.reader = TimerTicks.reader(run.registry());
        this.emitter = new Emitter(context, sinks, run.registry());
        ActionDefinitions definitions = run.definitions();
        this.batches = new ActionBatches(new BatchBuffer(context.getStateStore(STORE)), run.actions(), run.access(),
                target -> resolve(definitions, target), Trigger.schedule, run.tickBatches(), emitter, run.metrics(),
                ActionType.scheduled, run.announce());
        context.schedule(run.punctuationInterval(), PunctuationType.WALL_CLOCK_TIME, now -> batches.runDue());
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        RecordMetadata source = context.recordMetadata().orElseThrow();
        TimerTick tick;
        try {
            tick = reader.read(record.value());
        } catch (MalformedRecordException e) {
            run.metrics().rejected(source.topic(), "undecodable");
            emitter.dead(null, 0, "not a timer tick: " + e.getMessage(), source.topic(), source.partition(),
                    source.offset(), record.key(), record.value());
            return;
        }
        BufferedRecord buffered = BufferedRecord.newBuilder()
                .setSourceTopic(source.topic())
                .setSourcePartition(source.partition())
                .setSourceOffset(source.offset())
                .setTimestamp(Instant.ofEpochMilli(record.timestamp()))
                .setKey(record.key() == null ? null : ByteBuffer.wrap(record.key()))
                .setValue(ByteBuffer.wrap(record.value()))
                .setJson("{}")
                .setBufferedAt(Instant.now())
                .build();
        batches.add(tick.getOrg() + "/" + tick.getAction(), buffered);
    }

    private static ActionBatches.Resolution resolve(ActionDefinitions definitions, String target) {
        String[] parts = target.split("/", 2);
        ActionId id;
        try {
            id = new ActionId(parts[0], parts[1]);
        } catch (IllegalArgumentException e) {
            return new ActionBatches.Gone(null, "the tick names no valid action: " + e.getMessage());
        }
        return definitions.find(id).isPresent()
                ? new ActionBatches.Runnable(id, TopicNames.actionOutput(id.org(), id.name()))
                : new ActionBatches.Gone(id, "the tick names action " + id.name() + ", which does not exist in org "
                        + id.org());
    }
}
