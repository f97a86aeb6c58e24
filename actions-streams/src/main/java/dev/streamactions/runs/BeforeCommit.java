package dev.streamactions.runs;

import java.util.Map;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.internals.InternalProcessorContext;
import org.apache.kafka.streams.processor.internals.ProcessorNode;
import org.apache.kafka.streams.processor.internals.ProcessorRecordContext;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.internals.CachedStateStore;

/**
 * A state store that holds nothing and runs its processor's work just before every commit of its task:
 * what lets the inputs of a batch wait in memory, not in a changelogged store, without an offset ever
 * being committed for an input whose batch has not run.
 *
 * <p>Why a store: Kafka Streams has no commit hook for processors, but before it writes a task's offsets
 * it flushes the caches of the task's stores ({@code StreamTask.prepareCommit} calls
 * {@code flushCache} on every {@link CachedStateStore}, then flushes the record collector, then commits
 * the offsets with the transaction). That is how its own record cache forwards what it holds before a
 * commit, and this store uses the same path: records forwarded here join the transaction that commits the
 * inputs. {@code CachedStateStore}, {@code InternalProcessorContext} and {@code ProcessorNode} are Kafka
 * Streams internals (the caching layer's own flush listener uses them the same way);
 * {@code RestartExactlyOnceTest} and {@code ScaleOutIT} fail if an upgrade changes this order.
 */
public final class BeforeCommit implements StateStore, CachedStateStore<Object, Object> {
    private final String name;
    private volatile boolean open;
    private Runnable work = () -> {};

    private BeforeCommit(String name) {
        this.name = name;
    }

    /** The name of the before-commit store of the processor whose parked inputs are in {@code store}. */
    public static String nameFor(String store) {
        return store + "-before-commit";
    }

    /** The builder to add to the topology, next to the processor that registers its work. */
    public static StoreBuilder<BeforeCommit> builder(String name) {
        return new Builder(name);
    }

    /**
     * Runs {@code work} before every commit of the task, as if {@code context}'s processor ran it: what it
     * forwards goes to that processor's children and commits with the task's offsets. Called from
     * {@code init}; {@code work} runs on the stream thread.
     */
    public void runBeforeCommit(ProcessorContext<?, ?> context, Runnable work) {
        InternalProcessorContext<?, ?> internal = (InternalProcessorContext<?, ?>) context;
        ProcessorNode<?, ?, ?, ?> node = internal.currentNode();
        this.work = () -> {
            ProcessorNode<?, ?, ?, ?> previousNode = internal.currentNode();
            ProcessorRecordContext previousRecord = internal.recordContext();
            internal.setCurrentNode(node);
            // As for a punctuation: no input record is being processed.
            internal.setRecordContext(new ProcessorRecordContext(System.currentTimeMillis(), -1L, -1, null,
                    new RecordHeaders()));
            try {
                work.run();
            } finally {
                internal.setRecordContext(previousRecord);
                internal.setCurrentNode(previousNode);
            }
        };
    }

    @Override
    public void flushCache() {
        work.run();
    }

    @Override
    public boolean setFlushListener(org.apache.kafka.streams.state.internals.CacheFlushListener<Object, Object> l,
            boolean sendOldValues) {
        return false;
    }

    @Override
    public void clearCache() {}

    @Override
    public String name() {
        return name;
    }

    @Override
    public void init(StateStoreContext context, StateStore root) {
        context.register(root, (key, value) -> {});
        open = true;
    }

    @Override
    public void flush() {}

    @Override
    public void close() {
        open = false;
    }

    @Override
    public boolean persistent() {
        return false;
    }

    @Override
    public boolean isOpen() {
        return open;
    }

    private record Builder(String name) implements StoreBuilder<BeforeCommit> {
        @Override
        public StoreBuilder<BeforeCommit> withCachingEnabled() {
            return this;
        }

        @Override
        public StoreBuilder<BeforeCommit> withCachingDisabled() {
            return this;
        }

        @Override
        public StoreBuilder<BeforeCommit> withLoggingEnabled(Map<String, String> config) {
            throw new UnsupportedOperationException("the before-commit store holds nothing to log");
        }

        @Override
        public StoreBuilder<BeforeCommit> withLoggingDisabled() {
            return this;
        }

        @Override
        public BeforeCommit build() {
            return new BeforeCommit(name);
        }

        @Override
        public Map<String, String> logConfig() {
            return Map.of();
        }

        @Override
        public boolean loggingEnabled() {
            return false;
        }
    }
}
