package dev.streamactions.runs;

import dev.streamactions.definitions.ActionId;
import dev.streamactions.metrics.ActionMetrics;
import dev.streamactions.runner.ActionInput;
import dev.streamactions.runner.ActionResult;
import dev.streamactions.runner.ActionRunException;
import dev.streamactions.runner.LogLine;
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
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.apache.kafka.streams.KeyValue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs actions over batches of inputs: gathers inputs per target, hands a batch to its action when it is
 * full, when its oldest input has waited long enough, or when the task is about to commit, writes what the
 * action returned, and on failure tries again with backoff and then sends the inputs to the dead-letter
 * topic.
 *
 * <p>Inputs wait in memory. {@link #beforeCommit()} runs every waiting input's batch to its end before the
 * task's offsets are committed ({@link BeforeCommit}), so an offset is never committed for an input whose
 * outputs are not in the same transaction: a crash loses the memory and the uncommitted transaction
 * together, and the inputs are read again. Only a batch that must wait across a commit (its action is still
 * loading, or it failed and waits for its retry) is parked in the changelogged {@link BatchBuffer}, with
 * the inputs of its target that came after it.
 *
 * <p>A batch runs on the action's own thread while the stream thread reads on: one batch per target at a
 * time, so a target's outputs keep their inputs' order. The next batch of a target may wait behind the
 * running one, started by that one's end rather than by the stream thread, so that the action goes on at
 * once while the stream thread writes the outputs of the batch before; the stream thread waits for a
 * target only when a third batch is full (or at the commit). Lives on one stream thread, like the
 * processor that owns it.
 */
public final class ActionBatches {
    private static final Logger log = LoggerFactory.getLogger(ActionBatches.class);

    /**
     * How batches are cut and retried.
     *
     * @param maxWait     how long a batch may wait to fill; zero runs each input on arrival, waits for its run
     *                    and commits at once (alerts and ticks, whose latency matters)
     * @param longestWait how long the stream thread may wait for running batches in one transaction, all its
     *                    waits together ({@link WaitBudget}); a batch still running then is parked so that
     *                    the commit goes ahead
     */
    public record Settings(int maxRecords, Duration maxWait, int retryAttempts, Duration retryBackoff,
            Duration longestWait) {}

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

    /**
     * One input as its processor read it.
     *
     * @param value the record's value as it arrived, for the dead-letter topic
     * @param json  the input as the JSON object the action receives
     */
    public record Input(String sourceTopic, int sourcePartition, long sourceOffset, long timestamp, byte[] key,
            byte[] value, String json) {

        static Input of(BufferedRecord r) {
            return new Input(r.getSourceTopic(), r.getSourcePartition(), r.getSourceOffset(),
                    r.getTimestamp().toEpochMilli(), bytes(r.getKey()),
                    r.getValue() == null ? r.getJson().getBytes(StandardCharsets.UTF_8) : bytes(r.getValue()),
                    r.getJson());
        }

        BufferedRecord toBuffered(Instant bufferedAt) {
            return BufferedRecord.newBuilder()
                    .setSourceTopic(sourceTopic)
                    .setSourcePartition(sourcePartition)
                    .setSourceOffset(sourceOffset)
                    .setTimestamp(Instant.ofEpochMilli(timestamp))
                    .setKey(key == null ? null : ByteBuffer.wrap(key))
                    // A JSON log record's value is its json text: stored once.
                    .setValue(value == null || Arrays.equals(value, json.getBytes(StandardCharsets.UTF_8)) ? null
                            : ByteBuffer.wrap(value))
                    .setJson(json)
                    .setBufferedAt(bufferedAt)
                    .build();
        }
    }

    /**
     * A target's inputs in memory, its batch running now, and the batch that starts when that one ends
     * ({@code next}: always null while {@code running} is).
     */
    private static final class Target {
        final List<Input> waiting = new ArrayList<>();
        long oldestNanos;
        Run running;
        Run next;
    }

    /** The outcome of a batch that waited behind one that failed: it did not run, since the retry comes first. */
    private static final class NotRun extends RuntimeException {
        NotRun() {
            super("the batch before failed", null, false, false);
        }
    }

    /**
     * A batch handed to its action, not yet written; {@code storeKeys} once its inputs are in the store (it
     * came from there, or it ran across a commit).
     */
    private static final class Run {
        final String target;
        final List<Input> inputs;
        final Runnable runnable;
        final LoadedActions.Ready ready;
        final String runId;
        final Instant startedAt;
        final CompletableFuture<ActionResult> result;
        List<String> storeKeys;

        Run(String target, List<Input> inputs, List<String> storeKeys, Runnable runnable, LoadedActions.Ready ready,
                String runId, Instant startedAt, CompletableFuture<ActionResult> result) {
            this.target = target;
            this.inputs = inputs;
            this.storeKeys = storeKeys;
            this.runnable = runnable;
            this.ready = ready;
            this.runId = runId;
            this.startedAt = startedAt;
            this.result = result;
        }
    }

    private final BatchBuffer parked;
    private final LoadedActions actions;
    private final ScriptAccess access;
    private final Resolver resolver;
    private final Trigger trigger;
    private final Settings settings;
    private final Emitter emitter;
    private final ActionMetrics metrics;
    private final ActionType takes;
    private final Consumer<RunRecord> announce;
    private final Executor executor;
    private final java.lang.Runnable commitNow;
    private final Map<String, Target> targets = new HashMap<>();
    private final WaitBudget budget = WaitBudget.ofThisThread();

    /**
     * @param takes     the type of action the inputs are for: a realtime action gets the inputs as its
     *                  {@code data}; a scheduled one is called with no arguments, once per input (a tick)
     * @param announce  hears a {@code Running} record before each invocation, for runs long enough to be
     *                  watched (it cannot wait for the transaction that writes the outcome)
     * @param executor  where batches wait for their action (the action itself runs on its context's thread)
     * @param commitNow asks for the task to commit as soon as possible (after a batch of {@code maxWait} zero)
     */
    public ActionBatches(BatchBuffer parked, LoadedActions actions, ScriptAccess access, Resolver resolver,
            Trigger trigger, Settings settings, Emitter emitter, ActionMetrics metrics, ActionType takes,
            Consumer<RunRecord> announce, Executor executor, java.lang.Runnable commitNow) {
        if (takes == ActionType.scheduled && settings.maxRecords() != 1) {
            throw new IllegalArgumentException("a scheduled action runs once per tick: batches of 1");
        }
        this.parked = parked;
        this.actions = actions;
        this.access = access;
        this.resolver = resolver;
        this.trigger = trigger;
        this.settings = settings;
        this.emitter = emitter;
        this.metrics = metrics;
        this.takes = takes;
        this.announce = announce;
        this.executor = executor;
        this.commitNow = commitNow;
    }

    /** Adds an input to {@code target}'s batch, and hands the batch to its action when that makes it due. */
    public void add(String target, Input input) {
        budget.working();
        if (parked.holds(target)) {
            // Behind the inputs parked before it, in the store, so that the target's order holds.
            parked.append(target, input.toBuffered(Instant.now()));
            return;
        }
        Target t = targets.computeIfAbsent(target, k -> new Target());
        if (t.waiting.isEmpty()) {
            t.oldestNanos = System.nanoTime();
        }
        t.waiting.add(input);
        if (settings.maxWait().isZero()) {
            dispatch(target, t);
            awaitAll(target, t, budget.deadline(settings.longestWait()));
            commitNow.run();
        } else if (t.waiting.size() >= settings.maxRecords()) {
            dispatch(target, t);
        }
    }

    /** Writes the batches that have ended, hands on those that waited long enough, retries parked ones. */
    public void runDue() {
        budget.working();
        long nanos = System.nanoTime();
        long maxWait = settings.maxWait().toNanos();
        var it = targets.entrySet().iterator();
        while (it.hasNext()) {
            var entry = it.next();
            Target t = entry.getValue();
            while (t.running != null && t.running.result.isDone()) {
                finish(t);
            }
            if (!t.waiting.isEmpty() && nanos - t.oldestNanos >= maxWait) {
                dispatch(entry.getKey(), t);
            }
            if (t.running == null && t.waiting.isEmpty()) {
                it.remove(); // removed actions and quiet streams leave nothing behind
            }
        }
        runParked();
    }

    /**
     * Runs every input waiting in memory and waits for every running batch: the task's offsets are about to
     * be committed. A batch that cannot end now is parked in the store, which commits too.
     */
    public void beforeCommit() {
        budget.committing();
        long deadline = budget.deadline(settings.longestWait());
        boolean more = true;
        while (more) {
            more = false;
            // One batch of each target per pass: the targets' actions run side by side.
            for (var entry : targets.entrySet()) {
                Target t = entry.getValue();
                if (!t.waiting.isEmpty()) {
                    dispatch(entry.getKey(), t, deadline);
                    more |= !t.waiting.isEmpty();
                }
            }
        }
        for (var entry : targets.entrySet()) {
            awaitAll(entry.getKey(), entry.getValue(), deadline);
        }
    }

    /** Waits until {@code deadline} for every batch of {@code t} in flight; parks those still running then. */
    private void awaitAll(String target, Target t, long deadline) {
        while (t.running != null && awaitOrPark(target, t, deadline)) {
            // the batch that waited behind it is the running one now
        }
    }

    private void dispatch(String target, Target t) {
        dispatch(target, t, budget.deadline(settings.longestWait()));
    }

    /**
     * Hands {@code t}'s oldest waiting inputs to their action, to start when the batch running now ends; when
     * a batch waits for that already, after writing the running one (waited for until {@code deadline}, else
     * parked with these inputs behind it).
     */
    private void dispatch(String target, Target t, long deadline) {
        // This batch may wait behind the running one; when one waits there already, the running one must end.
        if (t.next != null && !awaitOrPark(target, t, deadline)) {
            return;
        }
        if (parked.holds(target)) {
            // The batch before failed and waits for its retry, or runs across a commit: these wait behind it.
            parkWaiting(target, t);
            return;
        }
        List<Input> batch;
        if (t.waiting.size() <= settings.maxRecords()) {
            batch = new ArrayList<>(t.waiting);
            t.waiting.clear();
        } else {
            List<Input> head = t.waiting.subList(0, settings.maxRecords());
            batch = new ArrayList<>(head);
            head.clear();
            t.oldestNanos = System.nanoTime();
        }
        start(target, t, batch, null);
    }

    /** Runs the batches parked in the store whose retry is due (or whose action has loaded since). */
    private void runParked() {
        Instant now = Instant.now();
        for (KeyValue<String, BatchState> target : parked.targets()) {
            Target known = targets.get(target.key);
            if (target.value.getBuffered() == 0 && (known == null || known.running == null)) {
                parked.forget(target.key);
                continue;
            }
            Target t = targets.computeIfAbsent(target.key, k -> new Target());
            long deadline = budget.deadline(settings.longestWait());
            while (t.running == null && target.value.getBuffered() > 0
                    && !now.isBefore(target.value.getNextAttemptAt())) {
                List<BatchBuffer.Waiting> head = parked.head(target.key, settings.maxRecords());
                if (head.isEmpty()) {
                    target.value.setBuffered(0);
                    break;
                }
                int before = target.value.getBuffered();
                start(target.key, t, head.stream().map(w -> Input.of(w.record())).toList(),
                        head.stream().map(BatchBuffer.Waiting::storeKey).toList());
                if (!awaitOrPark(target.key, t, deadline) || target.value.getBuffered() == before) {
                    break; // still running, still loading, or failed again (its backoff is set)
                }
                now = Instant.now();
            }
        }
    }

    /**
     * Waits until {@code deadline} for {@code t}'s running batch and writes its outcome; answers whether it
     * ended (the batch behind it, if any, is then the running one). One still running is parked, with the
     * batch and the inputs waiting behind it, so that a commit can go ahead without them: their outcome is
     * written by a later commit, and a crash before that runs them again.
     */
    private boolean awaitOrPark(String target, Target t, long deadline) {
        Run run = t.running;
        if (run == null) {
            return true;
        }
        try {
            run.result.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            if (run.storeKeys == null) {
                log.info("Action {} has run for {} ms on a batch of {}; parking it so that the commit goes ahead",
                        run.runnable.action(), Duration.between(run.startedAt, Instant.now()).toMillis(),
                        run.inputs.size());
                run.storeKeys = park(target, run.inputs);
            }
            if (t.next != null && t.next.storeKeys == null) {
                t.next.storeKeys = park(target, t.next.inputs);
            }
            parkWaiting(target, t);
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for a batch of " + run.runnable.action(), e);
        } catch (ExecutionException e) {
            // finish() reads the failure.
        }
        finish(t);
        return true;
    }

    /** Starts {@code batch} of {@code target}, or settles it at once when it cannot run. */
    private void start(String target, Target t, List<Input> batch, List<String> storeKeys) {
        Instant now = Instant.now();
        Resolution resolution = resolver.resolve(target);
        if (resolution instanceof Gone gone) {
            deadLetter(gone.action(), 0, gone.reason(), batch);
            done(target, storeKeys);
            return;
        }
        Runnable runnable = (Runnable) resolution;
        ActionId id = runnable.action();
        String runId = UUID.randomUUID().toString();
        switch (actions.lookup(id)) {
            case LoadedActions.Missing missing -> park(target, batch, storeKeys); // its load is about to start
            case LoadedActions.Loading loading -> park(target, batch, storeKeys); // the punctuator comes back
            case LoadedActions.Broken broken -> failed(target, batch, storeKeys, broken.definition(), runId, now,
                    List.of(), "action " + id.name() + " cannot run: " + broken.reason(), Duration.ZERO);
            case LoadedActions.Ready ready -> {
                ActionDefinition definition = ready.definition();
                if (definition.getType() != takes) {
                    deadLetter(id, definition.getVersion(), "action " + id.name() + " is " + definition.getType()
                            + (takes == ActionType.realtime ? "; only a realtime action takes records"
                                    : "; only a scheduled action takes timer ticks"), batch);
                    done(target, storeKeys);
                    return;
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
                    done(target, storeKeys);
                    return;
                }
                String token;
                try {
                    token = access.originToken(id.org(), definition.getServiceAccount());
                } catch (RuntimeException e) {
                    failed(target, batch, storeKeys, definition, runId, now, List.of(),
                            "cannot issue ORIGIN_CLUSTER_TOKEN for " + definition.getServiceAccount() + ": "
                                    + e.getMessage(), Duration.ZERO);
                    return;
                }
                Map<String, String> variables = Map.of("ORIGIN_CLUSTER_TOKEN", token);
                Supplier<ActionResult> invoke = () -> {
                    announce.accept(RunRecords.running(id, definition.getVersion(), trigger, runId, now,
                            batch.size()));
                    // The inputs become Python values here, off the stream thread.
                    ActionInput input = takes == ActionType.realtime
                            ? ActionInput.ofJsonObjects(batch.stream().map(Input::json).toList())
                            : ActionInput.none();
                    try {
                        return ready.action().invoke(input, runId, variables);
                    } catch (ActionRunException e) {
                        throw new CompletionException(e);
                    }
                };
                if (t.running == null) {
                    t.running = new Run(target, batch, storeKeys, runnable, ready, runId, now,
                            CompletableFuture.supplyAsync(invoke, executor));
                } else {
                    // Started by the end of the running batch; not at all if that one failed.
                    CompletableFuture<ActionResult> result = t.running.result.handle((r, e) -> e == null)
                            .thenApplyAsync(ranWell -> {
                                if (!ranWell) {
                                    throw new NotRun();
                                }
                                return invoke.get();
                            }, executor);
                    t.next = new Run(target, batch, storeKeys, runnable, ready, runId, now, result);
                }
            }
        }
    }

    /**
     * Writes the outcome of {@code t}'s running batch, which has ended, and makes the batch behind it the
     * running one. When the batch failed, the one behind it did not run: its inputs go back in front of
     * those waiting (or stay in the store, when parked), to come after the failed batch's retry.
     */
    private void finish(Target t) {
        Run run = t.running;
        if (run == null) {
            return;
        }
        t.running = t.next;
        t.next = null;
        if (run.result.isCompletedExceptionally() && t.running != null) {
            Run notRun = t.running;
            t.running = null;
            notRun.result.handle((r, e) -> null).join(); // settles at once: it did not run
            if (notRun.storeKeys == null) {
                t.waiting.addAll(0, notRun.inputs);
                t.oldestNanos = System.nanoTime();
            }
        }
        ActionDefinition definition = run.ready.definition();
        ActionId id = run.runnable.action();
        ActionResult result;
        try {
            result = run.result.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof ActionRunException failure) {
                failed(run.target, run.inputs, run.storeKeys, definition, run.runId, run.startedAt,
                        failure.logs(), RunRecords.describe(failure), failure.elapsed());
            } else {
                log.error("Action {} could not be run on a batch of {}", id, run.inputs.size(), e.getCause());
                failed(run.target, run.inputs, run.storeKeys, definition, run.runId, run.startedAt,
                        List.of(), "the runner failed: " + e.getCause(), Duration.ZERO);
            }
            return;
        }
        int written = writeOutputs(run.runnable.outputTopic(), run.inputs, result.recordsJson(), run.ready, id);
        emitter.run(RunRecords.completed(id, definition.getVersion(), trigger, run.runId, run.startedAt,
                run.inputs.size(), written, result.logs()));
        metrics.completed(id, trigger.name(), run.inputs.size(), written, result.elapsed());
        done(run.target, run.storeKeys);
    }

    /** Takes a settled batch out of the store, when it was parked there. */
    private void done(String target, List<String> storeKeys) {
        if (storeKeys != null) {
            parked.removeHead(target, storeKeys);
        }
    }

    /** Keeps {@code batch} in the store until it can run; a batch from the store is there already. */
    private void park(String target, List<Input> batch, List<String> storeKeys) {
        if (storeKeys == null) {
            park(target, batch);
        }
    }

    /** Moves what {@code t} holds in memory to the store, behind what it has parked. */
    private void parkWaiting(String target, Target t) {
        park(target, t.waiting);
        t.waiting.clear();
    }

    /** Appends {@code inputs} to what {@code target} has parked; answers their keys in the store. */
    private List<String> park(String target, List<Input> inputs) {
        Instant now = Instant.now();
        List<String> keys = new ArrayList<>(inputs.size());
        for (Input input : inputs) {
            keys.add(parked.append(target, input.toBuffered(now)));
        }
        return keys;
    }

    /**
     * A failed attempt: tried again after a backoff while attempts remain (the batch, and what its target
     * holds in memory behind it, parked in the store), else the run is Errored and the inputs go to the
     * dead-letter topic.
     */
    private void failed(String target, List<Input> batch, List<String> storeKeys, ActionDefinition definition,
            String runId, Instant startedAt, List<LogLine> logs, String error, Duration elapsed) {
        ActionId id = new ActionId(definition.getOrg(), definition.getName());
        int attempts = (storeKeys == null ? 0 : parked.state(target).getFailedAttempts()) + 1;
        if (attempts <= settings.retryAttempts()) {
            Duration backoff = settings.retryBackoff().multipliedBy(1L << Math.min(attempts - 1, 20));
            log.warn("Action {} failed on a batch of {} (attempt {} of {}); trying again in {} ms: {}", id,
                    batch.size(), attempts, settings.retryAttempts() + 1, backoff.toMillis(), firstLine(error));
            if (storeKeys == null) {
                park(target, batch);
                Target t = targets.get(target);
                if (t != null) {
                    parkWaiting(target, t);
                }
            }
            BatchState state = parked.state(target);
            state.setFailedAttempts(attempts);
            state.setNextAttemptAt(Instant.now().plus(backoff));
            state.setLastError(error);
            parked.saveFailure(target, state);
            metrics.failed(id, trigger.name(), batch.size(), elapsed, false);
            return;
        }
        String reason = attempts == 1 ? error : "failed " + attempts + " times; the last time: " + error;
        log.warn("Action {} failed on a batch of {} {} time(s); its records go to the dead-letter topic: {}", id,
                batch.size(), attempts, firstLine(error));
        emitter.run(RunRecords.errored(id, definition.getVersion(), trigger, runId, startedAt, batch.size(), logs,
                reason));
        deadLetter(id, definition.getVersion(), reason, batch);
        metrics.failed(id, trigger.name(), batch.size(), elapsed, true);
        done(target, storeKeys);
    }

    /**
     * Writes the returned records. Each keeps the key of the input it came from when the action returned
     * one record per input (the usual transform); otherwise the key of the batch when all its inputs
     * share one; otherwise none (a batch-level result).
     */
    private int writeOutputs(String topic, List<Input> batch, List<String> records, LoadedActions.Ready ready,
            ActionId id) {
        long timestamp = batch.get(batch.size() - 1).timestamp();
        boolean onePerInput = records.size() == batch.size();
        byte[] sharedKey = onePerInput ? null : sharedKey(batch);
        int written = 0;
        for (int i = 0; i < records.size(); i++) {
            byte[] key = onePerInput ? batch.get(i).key() : sharedKey;
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

    private static byte[] sharedKey(List<Input> batch) {
        byte[] first = batch.get(0).key();
        for (Input input : batch) {
            if (!Arrays.equals(first, input.key())) {
                return null;
            }
        }
        return first;
    }

    private void deadLetter(ActionId id, int version, String reason, List<Input> batch) {
        for (Input input : batch) {
            emitter.dead(id, version, reason, input.sourceTopic(), input.sourcePartition(), input.sourceOffset(),
                    input.key(), input.value());
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
