package dev.streamactions.runs;

import dev.streamactions.definitions.ActionId;
import dev.streamactions.runner.ActionLoadException;
import dev.streamactions.runner.ActionRunner;
import dev.streamactions.runner.ActionSpec;
import dev.streamactions.runner.ActionType;
import dev.streamactions.runner.InvocationLimits;
import dev.streamactions.runner.LoadedAction;
import dev.streamactions.schemas.definitions.ActionDefinition;
import dev.streamactions.schemas.logs.OutputSchema;
import dev.streamactions.scripts.ScriptStore;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The actions this instance can run, loaded in the runner ahead of their first batch: a new version is
 * loaded (package fetched, checked, first context warmed) in the background as soon as its definition
 * arrives, so the stream threads never wait on GraalPy's cold start, and the old version keeps serving
 * until the new one is ready. A removed action is closed.
 *
 * <p>The script is fetched only after the action's service account is allowed to fetch it.
 */
public final class LoadedActions implements AutoCloseable {
    /** A package file whose presence makes the action's output Avro, checked against it. */
    public static final String OUTPUT_SCHEMA_FILE = "output.avsc";
    private static final Logger log = LoggerFactory.getLogger(LoadedActions.class);

    /** Where an action stands on this instance. */
    public sealed interface Lookup {}

    /** No such action (never defined, or removed). */
    public record Missing() implements Lookup {}

    /** Its current version is being loaded; its inputs wait. */
    public record Loading(ActionDefinition definition) implements Lookup {}

    /**
     * Ready to run.
     *
     * @param output the schema of the returned records when the package ships {@code output.avsc}
     *               (they are then written as Avro), else null (JSON)
     */
    public record Ready(ActionDefinition definition, LoadedAction action, OutputSchema output) implements Lookup {}

    /** A loaded version and its output schema, if any. */
    private record Loaded(LoadedAction action, OutputSchema output) {}

    /** Its current version cannot run; {@code reason} says why. */
    public record Broken(ActionDefinition definition, String reason) implements Lookup {}

    private record Entry(ActionDefinition definition, CompletableFuture<Loaded> loading) {}

    private final ActionRunner runner;
    private final ScriptStore scripts;
    private final ScriptAccess access;
    private final java.util.function.Supplier<Map<String, String>> originEnvironment;
    private final InvocationLimits limits;
    private final Duration retireAfter;
    private final Map<ActionId, Entry> entries = new ConcurrentHashMap<>();
    private final Set<Entry> retiring = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService loader = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("action-loader").factory());

    /**
     * @param originEnvironment what every script sees besides its own variables ({@code ORIGIN_CLUSTER_URL})
     * @param limits            the limits of every invocation
     */
    public LoadedActions(ActionRunner runner, ScriptStore scripts, ScriptAccess access,
            Map<String, String> originEnvironment, InvocationLimits limits) {
        this(runner, scripts, access, constant(originEnvironment), limits);
    }

    /**
     * As above, with {@code originEnvironment} asked at every load: the server's own address may only be
     * known once its HTTP port is bound, after the first definitions have arrived.
     */
    public LoadedActions(ActionRunner runner, ScriptStore scripts, ScriptAccess access,
            java.util.function.Supplier<Map<String, String>> originEnvironment, InvocationLimits limits) {
        this.runner = runner;
        this.scripts = scripts;
        this.access = access;
        this.originEnvironment = originEnvironment;
        this.limits = limits;
        // Batches handed to the old version may still run: one running, and one waiting behind it to start
        // when that one ends (ActionBatches). Let both end first.
        this.retireAfter = limits.timeout().multipliedBy(2).plusSeconds(5);
    }

    /** Hears a change of a definition ({@code null} after: removed). */
    public void changed(ActionDefinition before, ActionDefinition after) {
        ActionDefinition any = after != null ? after : before;
        ActionId id = new ActionId(any.getOrg(), any.getName());
        if (after == null) {
            Entry removed = entries.remove(id);
            if (removed != null) {
                retire(removed);
            }
            return;
        }
        Entry current = entries.get(id);
        // Any other version loads, an older one too: a rollback makes it current again.
        if (current != null && current.definition().equals(after)) {
            return;
        }
        startLoading(id, after, current);
    }

    /** Where {@code id} stands now; never waits. */
    public Lookup lookup(ActionId id) {
        Entry entry = entries.get(id);
        if (entry == null) {
            return new Missing();
        }
        CompletableFuture<Loaded> loading = entry.loading();
        if (!loading.isDone()) {
            return new Loading(entry.definition());
        }
        try {
            Loaded loaded = loading.join();
            return new Ready(entry.definition(), loaded.action(), loaded.output());
        } catch (RuntimeException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            if (cause instanceof AccessRefused) {
                // The account may have been granted the permission since: look again, and load if so.
                if (access.refusal(id.org(), entry.definition().getServiceAccount()).isEmpty()) {
                    startLoading(id, entry.definition(), entry);
                    return new Loading(entry.definition());
                }
            }
            return new Broken(entry.definition(), cause.getMessage());
        }
    }

    /**
     * Where {@code id} stands once its current version has loaded (or failed to), waiting at most
     * {@code timeout}; still {@link Loading} (or {@link Missing}, for a definition this instance has not
     * heard of yet) when the time is up. For callers that can wait, such as a manual run.
     */
    public Lookup await(ActionId id, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Lookup lookup = lookup(id);
            long left = deadline - System.nanoTime();
            if (lookup instanceof Ready || lookup instanceof Broken || left <= 0) {
                return lookup;
            }
            Entry entry = entries.get(id);
            if (entry == null) {
                // The definition is stored but its listener has not reached this map yet.
                Thread.sleep(Math.min(TimeUnit.NANOSECONDS.toMillis(left) + 1, 20));
                continue;
            }
            try {
                entry.loading().get(left, TimeUnit.NANOSECONDS);
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                // Looked at again above: Broken, or loading anew after a refusal was lifted.
            }
        }
    }

    /**
     * Waits until every action this instance knows of now has loaded or failed to, at most {@code timeout};
     * returns how many are still loading then. Actions defined meanwhile are not waited for.
     */
    public int awaitKnown(Duration timeout) throws InterruptedException {
        List<CompletableFuture<Loaded>> known = entries.values().stream().map(Entry::loading).toList();
        try {
            CompletableFuture.allOf(known.stream().map(f -> f.exceptionally(failure -> null))
                    .toArray(CompletableFuture[]::new)).get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            // Counted below.
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException(e); // cannot happen: every failure is mapped to null above
        }
        return (int) known.stream().filter(f -> !f.isDone()).count();
    }

    /** How many actions this instance knows of. */
    public int size() {
        return entries.size();
    }

    private static java.util.function.Supplier<Map<String, String>> constant(Map<String, String> environment) {
        Map<String, String> copy = Map.copyOf(environment);
        return () -> copy;
    }

    private synchronized void startLoading(ActionId id, ActionDefinition definition, Entry previous) {
        Entry latest = entries.get(id);
        if (latest != previous) {
            return;
        }
        CompletableFuture<Loaded> loading = new CompletableFuture<>();
        entries.put(id, new Entry(definition, loading));
        loader.execute(() -> {
            long started = System.nanoTime();
            Loaded action = null;
            Throwable failure = null;
            try {
                action = load(definition);
            } catch (Exception | Error e) {
                failure = e;
            }
            // Before the new version is seen as ready: whoever waits for it (a stop, a test) then finds the
            // old one retiring, not yet to be retired.
            if (previous != null) {
                retire(previous);
            }
            if (failure == null) {
                log.info("Action {} version {} is ready (loaded in {} ms)", id, definition.getVersion(),
                        (System.nanoTime() - started) / 1_000_000);
                loading.complete(action);
            } else {
                log.warn("Action {} version {} cannot run: {}", id, definition.getVersion(), failure.getMessage());
                loading.completeExceptionally(failure);
            }
        });
    }

    private Loaded load(ActionDefinition definition) throws Exception {
        var refusal = access.refusal(definition.getOrg(), definition.getServiceAccount());
        if (refusal.isPresent()) {
            throw new AccessRefused(refusal.get());
        }
        byte[] zip = scripts.get(definition.getScriptSha256());
        Map<String, String> environment = new HashMap<>(definition.getEnv());
        environment.putAll(originEnvironment.get());
        ActionType type = switch (definition.getType()) {
            case realtime -> ActionType.REALTIME;
            case scheduled -> ActionType.SCHEDULED;
        };
        ActionSpec spec = (type == ActionType.REALTIME ? ActionSpec.realtime(definition.getName())
                : ActionSpec.scheduled(definition.getName()))
                .withEnvironment(environment)
                .withLimits(limits);
        LoadedAction action;
        try {
            action = runner.load(spec, zip);
        } catch (ActionLoadException e) {
            throw new IllegalStateException("version " + definition.getVersion() + " cannot be loaded: " + e.getMessage(), e);
        }
        try {
            OutputSchema output = null;
            var avsc = action.packageFile(OUTPUT_SCHEMA_FILE);
            if (avsc.isPresent()) {
                output = OutputSchema.parse(Files.readString(avsc.get()));
            }
            return new Loaded(action, output);
        } catch (IOException | RuntimeException e) {
            action.close();
            throw new IllegalStateException("version " + definition.getVersion() + " has an unusable "
                    + OUTPUT_SCHEMA_FILE + ": " + e.getMessage(), e);
        }
    }

    /**
     * Closes a replaced or removed version once runs that started on it have had their time. Kept in
     * {@link #retiring} until then, so that {@link #close()} closes it too: a version dropped unclosed is
     * garbage-collected with its GraalPy contexts, and GraalPy finalizing those hangs the next context's
     * creation.
     */
    private void retire(Entry entry) {
        retiring.add(entry);
        try {
            loader.schedule(() -> closeRetired(entry), retireAfter.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException stopping) {
            // The instance is stopping: no runs to wait for.
            closeRetired(entry);
        }
    }

    private void closeRetired(Entry entry) {
        if (retiring.remove(entry)) {
            entry.loading().thenAccept(l -> l.action().close());
        }
    }

    /** The service account may not fetch the script. */
    static final class AccessRefused extends Exception {
        AccessRefused(String reason) {
            super(reason);
        }
    }

    @Override
    public void close() {
        loader.shutdownNow();
        List.copyOf(retiring).forEach(this::closeRetired);
        entries.values().forEach(e -> e.loading().thenAccept(l -> l.action().close()));
        entries.clear();
    }
}
