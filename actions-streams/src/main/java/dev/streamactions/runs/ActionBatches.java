package dev.streamactions.runs;

import dev.streamactions.definitions.ActionId;
import dev.streamactions.metrics.ActionMetrics;
import dev.streamactions.runner.ActionInput;
import dev.streamactions.runner.ActionResult;
import dev.streamactions.runner.ActionRunException;
import dev.streamactions.runs.BatchBuffer.Waiting;
import dev.streamactions.schemas.definitions.ActionDefinition;
import dev.streamactions.schemas.definitions.ActionType;
import dev.streamactions.schemas.runs.RunRecord;
import dev.streamactions.schemas.runs.Trigger;
import dev.streamactions.schemas.state.BatchState;
import dev.streamactions.schemas.state.BufferedRecord;
import dev.streamactions.schemas.wire.MalformedRecordException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;
import org.apache.kafka.streams.KeyValue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs actions over batches of buffered inputs: gathers inputs per target in a {@link BatchBuffer},
 * runs a batch when it is full or its oldest input has waited long enough, writes what the action
 * returned, and on failure tries again with backoff and then sends the inputs to the dead-letter topic.
 *
 * <p>Nothing here blocks on anything but the action itself: an action still loading keeps its inputs
 * waiting, a failed batch waits for its retry in the store (not in a sleep), and other targets go on.
 * Lives on one stream thread (one per processor instance), like the processor that owns it.
 */
public final class ActionBatches {
    private static final Logger log = LoggerFactory.getLogger(ActionBatches.class);

    /** How batches are cut and retried. */
    public record Settings(int maxRecords, Duration maxWait, int retryAttempts, Duration retryBackoff) {}

    /** What a target stands for at the time its batch runs. */
    public sealed interface Resolution {}

    /** Run {@code action}, its records going to {@code outputTopic}. */
    public record Runnable(ActionId action, String outputTopic) implements Resolution {}

    /** The target no longer exists (action removed, detached); its inputs go to the dead-letter topic. */
    public record Gone(ActionId action, String reason) implements Resolution {}

    /** Tells what a target is now. */
    @FunctionalInterface
    public interface Resolver {
        Resolution resolve(String target);
    }

    private final BatchBuffer buffer;
    private final LoadedActions actions;
    private final ScriptAccess access;
    private final Resolver resolver;
    private final Trigger trigger;
    private final Settings settings;
    private final Emitter emitter;
    private final ActionMetrics metrics;
    private final ActionType takes;
    private final Consumer<RunRecord> announce;

    /**
     * @param takes    the type of action the inputs are for: a realtime action gets the inputs as its
     *                 {@code data}; a scheduled one is called with no arguments, once per input (a tick)
     * @param announce hears a {@code Running} record before each invocation, for runs long enough to
     *                 be watched (it cannot wait for the transaction that writes the outcome)
     */
    public ActionBatches(BatchBuffer buffer, LoadedActions actions, ScriptAccess access, Resolver resolver,
            Trigger trigger, Settings settings, Emitter emitter, ActionMetrics metrics, ActionType takes,
            Consumer<RunRecord> announce) {
        if (takes == ActionType.scheduled && settings.maxRecords() != 1) {
            throw new IllegalArgumentException("a scheduled action runs once per tick: batches of 1");
        }
        this.buffer = buffer;
        this.actions = actions;
        this.access = access;
        this.resolver = resolver;
        this.trigger = trigger;
        this.settings = settings;
        this.emitter = emitter;
        this.metrics = metrics;
        this.takes = takes;
        this.announce = announce;
    }

    /** Adds an input to {@code target}'s buffer, and runs the batch at once when that makes it due. */
    public void add(String target, BufferedRecord record) {
        BatchState state = buffer.append(target, record);
        Instant now = Instant.now();
        if (isDue(state, now)) {
            run(target, state, now);
        }
    }

    /** Runs every batch that is due (the punctuator's call). */
    public void runDue() {
        Instant now = Instant.now();
        for (KeyValue<String, BatchState> target : buffer.targets()) {
            if (target.value.getBuffered() == 0) {
                buffer.forget(target.key);
            } else if (isDue(target.value, now)) {
                run(target.key, target.value, now);
            }
        }
    }

    private boolean isDue(BatchState state, Instant now) {
        if (state.getBuffered() == 0 || now.isBefore(state.getNextAttemptAt())) {
            return false;
        }
        return state.getBuffered() >= settings.maxRecords()
                || !now.isBefore(state.getOldestBufferedAt().plus(settings.maxWait()));
    }

    private void run(String target, BatchState state, Instant now) {
        // A full buffer may hold several batches; run them while they are due (a failure stops this).
        while (isDue(state, now) && runOne(target, state, now)) {
            now = Instant.now();
        }
    }

    /** Runs the batch at the head of {@code target}; answers whether it left the buffer. */
    private boolean runOne(String target, BatchState state, Instant now) {
        List<Waiting> batch = buffer.head(target, settings.maxRecords());
        if (batch.isEmpty()) {
            state.setBuffered(0);
            return false;
        }
        Resolution resolution = resolver.resolve(target);
        if (resolution instanceof Gone gone) {
            deadLetter(gone.action(), 0, gone.reason(), batch);
            buffer.removeHead(target, state, batch);
            return true;
        }
        Runnable runnable = (Runnable) resolution;
        ActionId id = runnable.action();
        LoadedActions.Lookup lookup = actions.lookup(id);
        String runId = UUID.randomUUID().toString();
        switch (lookup) {
            case LoadedActions.Missing missing -> {
                // The definition exists (the resolver said so) and its load is about to start.
                return false;
            }
            case LoadedActions.Loading loading -> {
                // Wait for the version being loaded; the punctuator comes back.
                return false;
            }
            case LoadedActions.Broken broken -> {
                return failed(target, state, batch, broken.definition(), runId, now, List.of(),
                        "action " + id.name() + " cannot run: " + broken.reason(), Duration.ZERO);
            }
            case LoadedActions.Ready ready -> {
                ActionDefinition definition = ready.definition();
                if (definition.getType() != takes) {
                    deadLetter(id, definition.getVersion(), "action " + id.name() + " is " + definition.getType()
                            + (takes == ActionType.realtime ? "; only a realtime action takes records"
                                    : "; only a scheduled action takes timer ticks"), batch);
                    buffer.removeHead(target, state, batch);
                    return true;
                }
                var refusal = access.refusal(id.org(), definition.getServiceAccount());
                if (refusal.isPresent()) {
                    // Not retried: the script is never fetched or run without the permission.
                    String reason = "service account " + definition.getServiceAccount() + " may not fetch the"
                            + " script of " + id.name() + ": " + refusal.get();
                    emitter.run(RunRecords.errored(id, definition.getVersion(), trigger, runId, now, batch.size(),
                            List.of(), reason));
                    deadLetter(id, definition.getVersion(), reason, batch);
                    metrics.failed(id, trigger.name(), batch.size(), Duration.ZERO, true);
                    buffer.removeHead(target, state, batch);
                    return true;
                }
                ActionInput input = takes == ActionType.realtime
                        ? ActionInput.ofJsonObjects(batch.stream().map(w -> w.record().getJson()).toList())
                        : ActionInput.none();
                String token;
                try {
                    token = access.originToken(id.org(), definition.getServiceAccount());
                } catch (RuntimeException e) {
                    return failed(target, state, batch, definition, runId, now, List.of(),
                            "cannot issue ORIGIN_CLUSTER_TOKEN for " + definition.getServiceAccount() + ": "
                                    + e.getMessage(), Duration.ZERO);
                }
                announce.accept(RunRecords.running(id, definition.getVersion(), trigger, runId, now, batch.size()));
                try {
                    ActionResult result = ready.action().invoke(input, runId, Map.of("ORIGIN_CLUSTER_TOKEN", token));
                    int written = writeOutputs(runnable.outputTopic(), batch, result.recordsJson(), ready, id);
                    emitter.run(RunRecords.completed(id, definition.getVersion(), trigger, runId, now, batch.size(),
                            written, result.logs()));
                    metrics.completed(id, trigger.name(), batch.size(), written, result.elapsed());
                    buffer.removeHead(target, state, batch);
                    return true;
                } catch (ActionRunException e) {
                    return failed(target, state, batch, definition, runId, now, e.logs(), RunRecords.describe(e),
                            e.elapsed());
                }
            }
        }
    }

    /**
     * A failed attempt: tried again after a backoff while attempts remain, else the run is Errored and
     * the inputs go to the dead-letter topic. Answers whether the batch left the buffer.
     */
    private boolean failed(String target, BatchState state, List<Waiting> batch, ActionDefinition definition,
            String runId, Instant startedAt, List<dev.streamactions.runner.LogLine> logs, String error,
            Duration elapsed) {
        ActionId id = new ActionId(definition.getOrg(), definition.getName());
        int attempts = state.getFailedAttempts() + 1;
        if (attempts <= settings.retryAttempts()) {
            Duration backoff = settings.retryBackoff().multipliedBy(1L << Math.min(attempts - 1, 20));
            log.warn("Action {} failed on a batch of {} (attempt {} of {}); trying again in {} ms: {}", id,
                    batch.size(), attempts, settings.retryAttempts() + 1, backoff.toMillis(), firstLine(error));
            state.setFailedAttempts(attempts);
            state.setNextAttemptAt(Instant.now().plus(backoff));
            state.setLastError(error);
            buffer.saveFailure(target, state);
            metrics.failed(id, trigger.name(), batch.size(), elapsed, false);
            return false;
        }
        String reason = attempts == 1 ? error : "failed " + attempts + " times; the last time: " + error;
        log.warn("Action {} failed on a batch of {} {} time(s); its records go to the dead-letter topic: {}", id,
                batch.size(), attempts, firstLine(error));
        emitter.run(RunRecords.errored(id, definition.getVersion(), trigger, runId, startedAt, batch.size(), logs,
                reason));
        deadLetter(id, definition.getVersion(), reason, batch);
        metrics.failed(id, trigger.name(), batch.size(), elapsed, true);
        buffer.removeHead(target, state, batch);
        return true;
    }

    /**
     * Writes the returned records. Each keeps the key of the input it came from when the action returned
     * one record per input (the usual transform); otherwise the key of the batch when all its inputs
     * share one; otherwise none (a batch-level result).
     */
    private int writeOutputs(String topic, List<Waiting> batch, List<String> records, LoadedActions.Ready ready,
            ActionId id) {
        long timestamp = batch.get(batch.size() - 1).record().getTimestamp().toEpochMilli();
        boolean onePerInput = records.size() == batch.size();
        byte[] sharedKey = onePerInput ? null : sharedKey(batch);
        int written = 0;
        for (int i = 0; i < records.size(); i++) {
            byte[] key = onePerInput ? bytes(batch.get(i).record().getKey()) : sharedKey;
            if (ready.output() == null) {
                emitter.output(topic, key, records.get(i), timestamp);
                written++;
                continue;
            }
            try {
                emitter.output(topic, key, ready.output().fromJson(records.get(i)), timestamp);
                written++;
            } catch (MalformedRecordException e) {
                // One record that does not fit its schema; the others still go out.
                emitter.deadOutput(id, ready.definition().getVersion(), "returned record " + i + " does not fit "
                        + LoadedActions.OUTPUT_SCHEMA_FILE + ": " + e.getMessage(), key, records.get(i));
            }
        }
        return written;
    }

    private static byte[] sharedKey(List<Waiting> batch) {
        byte[] first = bytes(batch.get(0).record().getKey());
        for (Waiting w : batch) {
            if (!Arrays.equals(first, bytes(w.record().getKey()))) {
                return null;
            }
        }
        return first;
    }

    private void deadLetter(ActionId id, int version, String reason, List<Waiting> batch) {
        for (Waiting w : batch) {
            BufferedRecord r = w.record();
            byte[] value = r.getValue() != null ? bytes(r.getValue()) : r.getJson().getBytes(StandardCharsets.UTF_8);
            emitter.dead(id, version, reason, r.getSourceTopic(), r.getSourcePartition(), r.getSourceOffset(),
                    bytes(r.getKey()), value);
        }
    }

    private static byte[] bytes(ByteBuffer buffer) {
        if (buffer == null) {
            return null;
        }
        ByteBuffer copy = buffer.duplicate();
        byte[] bytes = new byte[copy.remaining()];
        copy.get(bytes);
        return bytes;
    }

    private static String firstLine(String text) {
        int newline = text.indexOf('\n');
        return newline < 0 ? text : text.substring(0, newline);
    }
}
