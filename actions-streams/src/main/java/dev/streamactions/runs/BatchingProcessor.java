package dev.streamactions.runs;

import dev.streamactions.definitions.ActionId;
import dev.streamactions.schemas.definitions.ActionType;
import dev.streamactions.schemas.runs.RunRecord;
import dev.streamactions.schemas.runs.Trigger;
import dev.streamactions.topics.TopicNames;
import java.util.function.Consumer;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;

/**
 * What the processors that run actions share: their inputs wait for their batch in memory
 * ({@link ActionBatches}), every waiting batch runs before the task commits ({@link BeforeCommit}), a
 * wall-clock punctuator runs the batches that waited long enough and retries the parked ones, and inputs that
 * cannot be read go to the dead-letter topic. Subclasses read their topic's records and say what a target is.
 */
public abstract class BatchingProcessor implements Processor<byte[], byte[], Object, Object> {

    /** How a subclass's batches run. */
    public record Kind(String store, Trigger trigger, ActionBatches.Settings settings, ActionType takes,
            Consumer<RunRecord> announce) {}

    protected final RunContext run;
    private final Emitter.Sinks sinks;
    private final Kind kind;
    private ProcessorContext<Object, Object> context;
    private Emitter emitter;
    private ActionBatches batches;

    protected BatchingProcessor(RunContext run, Emitter.Sinks sinks, Kind kind) {
        this.run = run;
        this.sinks = sinks;
        this.kind = kind;
    }

    @Override
    public void init(ProcessorContext<Object, Object> context) {
        this.context = context;
        this.emitter = new Emitter(context, sinks, run.registry());
        this.batches = new ActionBatches(new BatchBuffer(context.getStateStore(kind.store())), run.actions(),
                run.access(), this::resolve, kind.trigger(), kind.settings(), emitter, run.metrics(), kind.takes(),
                kind.announce(), run.executor(), context::commit);
        BeforeCommit beforeCommit = context.getStateStore(BeforeCommit.nameFor(kind.store()));
        beforeCommit.runBeforeCommit(context, batches::beforeCommit);
        context.schedule(run.punctuationInterval(), PunctuationType.WALL_CLOCK_TIME, now -> batches.runDue());
    }

    /** What {@code target} (as given to {@link #add}) stands for now. */
    protected abstract ActionBatches.Resolution resolve(String target);

    /** Where an input was first written: what run records and dead letters name as its source. */
    public record Origin(String topic, int partition, long offset) {}

    /** Where the record being processed comes from. */
    protected Origin source() {
        RecordMetadata source = context.recordMetadata().orElseThrow();
        return new Origin(source.topic(), source.partition(), source.offset());
    }

    /** Adds the record being processed to {@code target}'s batch, as the JSON object {@code json}. */
    protected void add(String target, Record<byte[], byte[]> record, String json) {
        add(target, record, json, source());
    }

    /** Adds a record first written at {@code origin} (a replayed copy) to {@code target}'s batch. */
    protected void add(String target, Record<byte[], byte[]> record, String json, Origin origin) {
        batches.add(target, new ActionBatches.Input(origin.topic(), origin.partition(), origin.offset(),
                record.timestamp(), record.key(), record.value() == null ? new byte[0] : record.value(), json));
    }

    /** Sends the record being processed to the dead-letter topic: it cannot be read ({@code id} may be null). */
    protected void reject(Record<byte[], byte[]> record, ActionId id, String reason) {
        reject(record, id, reason, source());
    }

    /** Sends a record first written at {@code origin} to the dead-letter topic. */
    protected void reject(Record<byte[], byte[]> record, ActionId id, String reason, Origin origin) {
        run.metrics().rejected(origin.topic(), "undecodable");
        emitter.dead(id, 0, reason, origin.topic(), origin.partition(), origin.offset(), record.key(), record.value());
    }

    /**
     * Resolves a target written {@code <org>/<action>}: the action, its records going to
     * {@code actions.<org>.<action>.out}; {@code what} names the input in the reasons ("the alert").
     */
    protected ActionBatches.Resolution actionTarget(String target, String what) {
        String[] parts = target.split("/", 2);
        ActionId id;
        try {
            id = new ActionId(parts[0], parts.length > 1 ? parts[1] : "");
        } catch (IllegalArgumentException e) {
            return new ActionBatches.Gone(null, what + " names no valid action: " + e.getMessage());
        }
        return run.definitions().find(id).isPresent()
                ? new ActionBatches.Runnable(id, TopicNames.actionOutput(id.org(), id.name()))
                : new ActionBatches.Gone(id, what + " names action " + id.name() + ", which does not exist in org "
                        + id.org());
    }
}
