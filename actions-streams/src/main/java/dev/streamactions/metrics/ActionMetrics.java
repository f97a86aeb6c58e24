package dev.streamactions.metrics;

import dev.streamactions.definitions.ActionId;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;

/**
 * The per-action meters: records in and out, batches, errors and batch latency, tagged with the org,
 * the action and what started the run. Exposed in Prometheus format on {@code /metrics}.
 */
public final class ActionMetrics {
    private final MeterRegistry registry;

    public ActionMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /** A batch ran to completion. */
    public void completed(ActionId id, String trigger, int recordsIn, int recordsOut, Duration elapsed) {
        counter("actions.records.in", id, trigger).increment(recordsIn);
        counter("actions.records.out", id, trigger).increment(recordsOut);
        counter("actions.batches", id, trigger).increment();
        timer(id, trigger).record(elapsed);
    }

    /** An attempt failed ({@code final}: its inputs went to the dead-letter topic). */
    public void failed(ActionId id, String trigger, int recordsIn, Duration elapsed, boolean dead) {
        Counter.builder("actions.errors").description("Failed attempts of batches")
                .tags("org", id.org(), "action", id.name(), "trigger", trigger, "final", Boolean.toString(dead))
                .register(registry).increment();
        if (dead) {
            counter("actions.records.in", id, trigger).increment(recordsIn);
            counter("actions.batches", id, trigger).increment();
            counter("actions.records.dead", id, trigger).increment(recordsIn);
        }
        timer(id, trigger).record(elapsed);
    }

    /** Inputs that went to the dead-letter topic without a run (undecodable, or no such action). */
    public void rejected(String topic, String reason) {
        Counter.builder("actions.inputs.rejected").description("Inputs sent to actions.dlq before any run")
                .tags("topic", topic, "reason", reason).register(registry).increment();
    }

    private Counter counter(String name, ActionId id, String trigger) {
        return Counter.builder(name).tags("org", id.org(), "action", id.name(), "trigger", trigger).register(registry);
    }

    private Timer timer(ActionId id, String trigger) {
        return Timer.builder("actions.batch.latency").description("Time an action took on one batch")
                .tags("org", id.org(), "action", id.name(), "trigger", trigger)
                .publishPercentiles(0.5, 0.99)
                .register(registry);
    }
}
