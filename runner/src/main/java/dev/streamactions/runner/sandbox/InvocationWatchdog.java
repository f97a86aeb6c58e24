package dev.streamactions.runner.sandbox;

import java.lang.management.ManagementFactory;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.graalvm.polyglot.Context;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stops invocations that run too long or allocate too much, by cancelling their context.
 *
 * <p>GraalPy's community edition has no per-context CPU or heap limits (those are Oracle GraalVM's
 * sandbox), so one watchdog thread looks at every running invocation a few times a second: its
 * deadline, and the bytes its thread has allocated since it started (HotSpot counts them per thread).
 * A cancelled context is closed and never reused.
 */
public final class InvocationWatchdog implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(InvocationWatchdog.class);
    private static final long PERIOD_MILLIS = 10;

    /** Why a watched invocation was stopped. */
    public enum Verdict { NONE, TIMED_OUT, OVER_MEMORY }

    private final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    private final Map<Watch, Boolean> running = new ConcurrentHashMap<>();
    private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread thread = new Thread(r, "action-watchdog");
        thread.setDaemon(true);
        return thread;
    });

    public InvocationWatchdog() {
        threads.setThreadAllocatedMemoryEnabled(true);
        ticker.scheduleAtFixedRate(this::inspect, PERIOD_MILLIS, PERIOD_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** Starts watching the calling thread's invocation in {@code context}; close the watch when it ends. */
    public Watch watch(Context context, long timeoutNanos, long maxAllocatedBytes) {
        Thread thread = Thread.currentThread();
        Watch watch = new Watch(context, thread.threadId(), System.nanoTime() + timeoutNanos,
                threads.getCurrentThreadAllocatedBytes(), maxAllocatedBytes);
        running.put(watch, Boolean.TRUE);
        return watch;
    }

    private void inspect() {
        long now = System.nanoTime();
        for (Watch watch : running.keySet()) {
            if (now - watch.deadline > 0) {
                watch.stop(Verdict.TIMED_OUT);
            } else {
                long allocated = threads.getThreadAllocatedBytes(watch.threadId) - watch.allocatedAtStart;
                if (allocated > watch.maxAllocatedBytes) {
                    watch.stop(Verdict.OVER_MEMORY);
                }
            }
        }
    }

    @Override
    public void close() {
        ticker.shutdownNow();
    }

    /** One watched invocation. */
    public final class Watch implements AutoCloseable {
        private final Context context;
        private final long threadId;
        private final long deadline;
        private final long allocatedAtStart;
        private final long maxAllocatedBytes;
        private volatile Verdict verdict = Verdict.NONE;

        private Watch(Context context, long threadId, long deadline, long allocatedAtStart, long maxAllocatedBytes) {
            this.context = context;
            this.threadId = threadId;
            this.deadline = deadline;
            this.allocatedAtStart = allocatedAtStart;
            this.maxAllocatedBytes = maxAllocatedBytes;
        }

        private void stop(Verdict why) {
            if (running.remove(this) == null) {
                return;
            }
            verdict = why;
            try {
                // Cancels the running guest code; the invoking thread gets a cancelled PolyglotException.
                context.close(true);
            } catch (RuntimeException e) {
                LOG.warn("could not cancel an action context", e);
            }
        }

        /** Why the watchdog stopped this invocation, or NONE. */
        public Verdict verdict() {
            return verdict;
        }

        @Override
        public void close() {
            running.remove(this);
        }
    }
}
