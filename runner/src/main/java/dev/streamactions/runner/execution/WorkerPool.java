package dev.streamactions.runner.execution;

import dev.streamactions.runner.ActionLoadException;
import dev.streamactions.runner.ActionResult;
import dev.streamactions.runner.ActionRunException;
import dev.streamactions.runner.ActionRunException.Failure;
import dev.streamactions.runner.InvocationLimits;
import dev.streamactions.runner.sandbox.InvocationWatchdog;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Set;
import org.apache.commons.pool2.BasePooledObjectFactory;
import org.apache.commons.pool2.PooledObject;
import org.apache.commons.pool2.impl.DefaultPooledObject;
import org.apache.commons.pool2.impl.GenericObjectPool;
import org.apache.commons.pool2.impl.GenericObjectPoolConfig;
import org.graalvm.polyglot.Engine;

/**
 * The warm contexts of one action version. A worker is lent to one thread at a time; a broken one
 * (cancelled, exited, out of memory) is destroyed and replaced on demand.
 *
 * <p>Every context is closed, also one that a start still under way or a run still lent out holds when
 * the pool closes: commons-pool's {@code close()} destroys only the idle ones, and a GraalPy context that is
 * garbage-collected unclosed makes the next context's creation wait on its finalization (seen as a hang in
 * {@code Context.Builder.build}). So the pool tracks its live and lent workers itself.
 */
public final class WorkerPool implements AutoCloseable {

    private final GenericObjectPool<ActionWorker> pool;
    private final Object lock = new Object();
    private final Set<ActionWorker> live = new HashSet<>();
    private final Set<ActionWorker> lent = new HashSet<>();
    private boolean closed;

    public WorkerPool(Engine engine, ActionSource action, Path tempParent, int maxContexts) {
        GenericObjectPoolConfig<ActionWorker> config = new GenericObjectPoolConfig<>();
        config.setMaxTotal(maxContexts);
        config.setMaxIdle(maxContexts);
        config.setBlockWhenExhausted(true);
        config.setJmxEnabled(false);
        config.setLifo(true); // the most recently used context has the warmest caches
        this.pool = new GenericObjectPool<>(new Factory(this, engine, action, tempParent), config);
    }

    /** Creates the first context now, so that load errors surface at load and the first call is warm. */
    public void warm() throws ActionLoadException {
        try {
            pool.addObject();
        } catch (ActionLoadException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("cannot create a context", e);
        }
    }

    /**
     * Runs main once on a pooled context.
     *
     * @param data     the input records in marshal format, one char a byte (ignored by scheduled actions)
     * @param runVariables the run's own variables ({@code ACTION_RUN_ID}, ...) as
     *                     {@code name\0value\0name\0value}
     */
    public ActionResult run(InvocationWatchdog watchdog, String data, String runVariables, InvocationLimits limits)
            throws ActionRunException {
        long started = System.nanoTime();
        ActionWorker worker;
        try {
            worker = borrow(limits.timeout());
        } catch (ActionLoadException e) {
            // The first context loaded, so this one failing is the runner's trouble, not the package's.
            throw new ActionRunException(Failure.INTERNAL, "cannot start a context: " + e.getMessage(), null,
                    List.of(), Duration.ofNanos(System.nanoTime() - started), e);
        }
        if (worker == null) {
            throw new ActionRunException(Failure.BUSY, "every context of this action stayed busy for " + limits.timeout(),
                    null, List.of(), Duration.ofNanos(System.nanoTime() - started), null);
        }
        ActionWorker.Outcome outcome;
        try {
            outcome = worker.invoke(watchdog, data, runVariables, limits.timeout().toNanos(),
                    limits.maxAllocatedBytes(), limits.maxOutputBytes());
        } finally {
            giveBack(worker);
        }
        Duration elapsed = Duration.ofNanos(System.nanoTime() - started);
        if (outcome.records() != null) {
            return new ActionResult(outcome.records(), outcome.logs(), elapsed);
        }
        throw failure(outcome, limits, elapsed);
    }

    private static ActionRunException failure(ActionWorker.Outcome outcome, InvocationLimits limits, Duration elapsed) {
        if (outcome.failure() != null) {
            return new ActionRunException(Failure.valueOf(outcome.failure()), outcome.message(), outcome.traceback(),
                    outcome.logs(), elapsed, null);
        }
        switch (outcome.verdict()) {
            case TIMED_OUT:
                return new ActionRunException(Failure.TIMEOUT, "the script ran longer than its limit of "
                        + limits.timeout().toMillis() + " ms and was stopped", null, outcome.logs(), elapsed, outcome.crash());
            case OVER_MEMORY:
                return new ActionRunException(Failure.MEMORY_LIMIT, "the script allocated more than its limit of "
                        + limits.maxAllocatedBytes() + " bytes and was stopped", null, outcome.logs(), elapsed, outcome.crash());
            default:
                break;
        }
        var crash = outcome.crash();
        if (crash != null && crash.isExit()) {
            return new ActionRunException(Failure.EXITED, "the script ended its interpreter with os._exit("
                    + crash.getExitStatus() + "); return from main instead", null, outcome.logs(), elapsed, crash);
        }
        if (crash != null && crash.isHostException()) {
            // GraalPy lets some of the sandbox's refusals (a thread, a name lookup without network) escape as
            // host errors rather than Python exceptions: the script did something its action may not do.
            return new ActionRunException(Failure.SCRIPT_ERROR, "the sandbox refused what the script tried: "
                    + crash.getMessage(), null, outcome.logs(), elapsed, crash);
        }
        if (crash != null && crash.isResourceExhausted()) {
            return new ActionRunException(Failure.MEMORY_LIMIT, "the script exhausted a resource: " + crash.getMessage(),
                    null, outcome.logs(), elapsed, crash);
        }
        return new ActionRunException(Failure.INTERNAL, "the runner failed: " + (crash == null ? "unknown" : crash.getMessage()),
                null, outcome.logs(), elapsed, crash);
    }

    /** Lends a worker, waiting up to {@code wait} for one; null when none became free. */
    private ActionWorker borrow(Duration wait) throws ActionLoadException {
        try {
            ActionWorker worker = pool.borrowObject(wait);
            synchronized (lock) {
                lent.add(worker);
            }
            return worker;
        } catch (NoSuchElementException e) {
            return null;
        } catch (ActionLoadException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("cannot create a context", e);
        }
    }

    /** Takes a worker back; a broken one is destroyed, and so is every one once the pool is closed. */
    private void giveBack(ActionWorker worker) {
        boolean poolClosed;
        synchronized (lock) {
            lent.remove(worker);
            poolClosed = closed;
        }
        if (poolClosed) {
            retire(worker);
        } else if (worker.broken()) {
            try {
                pool.invalidateObject(worker);
            } catch (Exception e) {
                throw new IllegalStateException("cannot discard a context", e);
            }
        } else {
            pool.returnObject(worker);
        }
    }

    public int created() {
        return (int) pool.getCreatedCount();
    }

    public int destroyed() {
        return (int) pool.getDestroyedCount();
    }

    /** Contexts not closed yet, idle or lent. */
    public int open() {
        synchronized (lock) {
            return live.size();
        }
    }

    /** Contexts lent to a run now. */
    public int lent() {
        synchronized (lock) {
            return lent.size();
        }
    }

    @Override
    public void close() {
        List<ActionWorker> idle;
        synchronized (lock) {
            closed = true;
        }
        pool.close();
        synchronized (lock) {
            // Idle ones commons-pool did not know yet (added by a start that ended during its close).
            idle = live.stream().filter(w -> !lent.contains(w)).toList();
        }
        idle.forEach(this::retire);
    }

    /** Closes a worker for good, once. */
    private void retire(ActionWorker worker) {
        boolean wasLive;
        synchronized (lock) {
            wasLive = live.remove(worker);
        }
        if (wasLive) {
            worker.close();
        }
    }

    /** A new worker, or none when the pool closed while it started (then it is closed at once). */
    private ActionWorker started(ActionWorker worker) {
        synchronized (lock) {
            if (!closed) {
                live.add(worker);
                return worker;
            }
        }
        worker.close();
        throw new IllegalStateException("the action was unloaded while a context of it started");
    }

    private static final class Factory extends BasePooledObjectFactory<ActionWorker> {
        private final WorkerPool owner;
        private final Engine engine;
        private final ActionSource action;
        private final Path tempParent;
        private final java.util.concurrent.atomic.AtomicBoolean checked = new java.util.concurrent.atomic.AtomicBoolean();

        Factory(WorkerPool owner, Engine engine, ActionSource action, Path tempParent) {
            this.owner = owner;
            this.engine = engine;
            this.action = action;
            this.tempParent = tempParent;
        }

        @Override
        public ActionWorker create() throws ActionLoadException {
            return owner.started(ActionWorker.start(engine, action, tempParent, checked.compareAndSet(false, true)));
        }

        @Override
        public PooledObject<ActionWorker> wrap(ActionWorker worker) {
            return new DefaultPooledObject<>(worker);
        }

        @Override
        public void destroyObject(PooledObject<ActionWorker> pooled) {
            owner.retire(pooled.getObject());
        }
    }
}
