package dev.streamactions.schedule;

import dev.streamactions.runs.ActionBatches;
import dev.streamactions.runs.BatchingProcessor;
import dev.streamactions.runs.Emitter;
import dev.streamactions.runs.RunContext;
import dev.streamactions.schemas.definitions.ActionType;
import dev.streamactions.schemas.runs.Trigger;
import dev.streamactions.schemas.timer.TimerTick;
import dev.streamactions.schemas.timer.TimerTicks;
import dev.streamactions.schemas.wire.MalformedRecordException;
import dev.streamactions.schemas.wire.TopicValueReader;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * Runs a scheduled action's {@code main()} for every tick on {@code actions.timer}, whoever produced
 * it (the scheduler, or a person firing the action now). A {@code Running} run record is announced at
 * the start; the outcome ({@code Completed} or {@code Errored}) is committed with the tick. A failed
 * scheduled run is not retried (its next tick is its next chance); the tick goes to the dead-letter
 * topic.
 */
public final class TimerTickProcessor extends BatchingProcessor {
    public static final String STORE = "timer-ticks";

    private TopicValueReader<TimerTick> reader;

    public TimerTickProcessor(RunContext run, Emitter.Sinks sinks) {
        super(run, sinks, new Kind(STORE, Trigger.schedule, run.tickBatches(), ActionType.scheduled, run.announce()));
    }

    @Override
    public void init(ProcessorContext<Object, Object> context) {
        super.init(context);
        this.reader = TimerTicks.reader(run.registry());
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        TimerTick tick;
        try {
            tick = reader.read(record.value());
        } catch (MalformedRecordException e) {
            reject(record, null, "not a timer tick: " + e.getMessage());
            return;
        }
        add(tick.getOrg() + "/" + tick.getAction(), record, "{}");
    }

    @Override
    protected ActionBatches.Resolution resolve(String target) {
        return actionTarget(target, "the tick");
    }
}
