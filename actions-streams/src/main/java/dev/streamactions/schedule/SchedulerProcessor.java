package dev.streamactions.schedule;

import dev.streamactions.runs.RunContext;
import dev.streamactions.schemas.definitions.ActionDefinition;
import dev.streamactions.schemas.definitions.ActionType;
import dev.streamactions.schemas.registry.SubjectNames;
import dev.streamactions.schemas.state.ScheduleState;
import dev.streamactions.schemas.timer.TimerTick;
import dev.streamactions.schemas.timer.TimerTicks;
import dev.streamactions.schemas.wire.AvroDeserializer;
import dev.streamactions.schemas.wire.AvroSerializer;
import dev.streamactions.topics.TopicNames;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The scheduler: reads the action definitions (each instance the partitions it owns), keeps every
 * scheduled action's next due time in a changelogged store, and on wall-clock punctuation produces a
 * tick to {@code actions.timer} for each action that is due.
 *
 * <p>The tick and the store's new due time are committed together, so a due time gives one tick, also
 * across crashes and restarts. Due times missed while nothing ran give one tick, at the first look
 * after the start (for the oldest missed time); a cron action then moves to its next time after now.
 */
public final class SchedulerProcessor implements Processor<byte[], byte[], byte[], byte[]> {
    public static final String STORE = "schedules";
    private static final Logger log = LoggerFactory.getLogger(SchedulerProcessor.class);

    private final RunContext run;
    private ProcessorContext<byte[], byte[]> context;
    private KeyValueStore<String, byte[]> store;
    private AvroDeserializer<ActionDefinition> definitions;
    private AvroSerializer<TimerTick> ticks;
    private final String tickSubject = SubjectNames.value(TopicNames.TIMER);

    public SchedulerProcessor(RunContext run) {
        this.run = run;
    }

    @Override
    public void init(ProcessorContext<byte[], byte[]> context) {
        this.context = context;
        this.store = context.getStateStore(STORE);
        this.definitions = AvroDeserializer.forClass(run.registry(), ActionDefinition.class);
        this.ticks = new AvroSerializer<>(run.registry());
        context.schedule(run.schedulerInterval(), PunctuationType.WALL_CLOCK_TIME, this::fireDue);
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        String key = new String(record.key(), StandardCharsets.UTF_8);
        ActionDefinition definition;
        try {
            definition = definitions.deserialize(record.value());
        } catch (RuntimeException e) {
            log.warn("Skipped an unreadable definition of {}: {}", key, e.getMessage());
            return;
        }
        if (definition == null || definition.getType() != ActionType.scheduled) {
            store.delete(key);
            return;
        }
        ScheduleState current = read(store.get(key));
        if (current != null && current.getSchedule().equals(definition.getSchedule())) {
            return; // A new version of the same schedule: its due time stays.
        }
        Schedule schedule = Schedule.parse(definition.getSchedule());
        Instant next = switch (schedule) {
            // A once action whose time has passed when it is saved still runs, once.
            case Schedule.Once once -> once.at();
            case Schedule.Recurring recurring -> recurring.nextAfter(now()).orElse(null);
        };
        store.put(key, write(ScheduleState.newBuilder()
                .setOrg(definition.getOrg())
                .setAction(definition.getName())
                .setSchedule(schedule.text())
                .setNextFireAt(next)
                .build()));
    }

    private void fireDue(long wallClock) {
        Instant now = Instant.ofEpochMilli(wallClock);
        List<KeyValue<String, ScheduleState>> dueEntries = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> all = store.all()) {
            while (all.hasNext()) {
                KeyValue<String, byte[]> entry = all.next();
                ScheduleState state = read(entry.value);
                if (state.getNextFireAt() != null && !state.getNextFireAt().isAfter(now)) {
                    dueEntries.add(KeyValue.pair(entry.key, state));
                }
            }
        }
        for (KeyValue<String, ScheduleState> entry : dueEntries) {
            ScheduleState state = entry.value;
            Instant due = state.getNextFireAt();
            TimerTick tick = TimerTick.newBuilder()
                    .setOrg(state.getOrg()).setAction(state.getAction()).setScheduledFor(due).build();
            context.forward(new Record<>(TimerTicks.key(state.getOrg(), state.getAction())
                    .getBytes(StandardCharsets.UTF_8), ticks.serialize(tickSubject, tick), wallClock));
            state.setLastFiredFor(due);
            state.setNextFireAt(Schedule.parse(state.getSchedule()).nextAfter(now).orElse(null));
            store.put(entry.key, write(state));
            log.info("Scheduled action {}/{} is due ({}); next: {}", state.getOrg(), state.getAction(), due,
                    state.getNextFireAt() == null ? "none" : state.getNextFireAt());
        }
    }

    /** Kafka Streams' wall clock, which is the application's clock (see {@code app.ClockTime}). */
    private Instant now() {
        return Instant.ofEpochMilli(context.currentSystemTimeMs());
    }

    private static ScheduleState read(byte[] bytes) {
        if (bytes == null) {
            return null;
        }
        try {
            return ScheduleState.fromByteBuffer(ByteBuffer.wrap(bytes));
        } catch (IOException e) {
            throw new UncheckedIOException("unreadable schedule state", e);
        }
    }

    private static byte[] write(ScheduleState state) {
        try {
            ByteBuffer buffer = state.toByteBuffer();
            byte[] bytes = new byte[buffer.remaining()];
            buffer.get(bytes);
            return bytes;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
