package dev.streamactions.app;

import dev.streamactions.alerts.AlertEventProcessor;
import dev.streamactions.ingest.LogRecordProcessor;
import dev.streamactions.runs.BeforeCommit;
import dev.streamactions.runs.Emitter;
import dev.streamactions.runs.Routed;
import dev.streamactions.runs.RunContext;
import dev.streamactions.schedule.SchedulerProcessor;
import dev.streamactions.schedule.TimerTickProcessor;
import dev.streamactions.topics.TopicNames;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.Stores;

/**
 * The streams application, as a function from topics to topics:
 *
 * <pre>
 * logs.&lt;org&gt;.&lt;stream&gt;,
 * actions.replay ─────── LogRecordProcessor ──┬─ attachment output topics
 * actions.alerts ─────── AlertEventProcessor ─┼─ actions.&lt;org&gt;.&lt;action&gt;.out
 * actions.timer ──────── TimerTickProcessor ──┤  actions.runs, actions.dlq
 * actions.definitions ── SchedulerProcessor ──── actions.timer
 * </pre>
 *
 * Each source has its own sinks, so the four stay separate sub-topologies whose tasks spread over
 * the instances independently. Every processor keeps its waiting work in a changelogged store.
 */
public final class ActionsTopology {
    private ActionsTopology() {}

    public static Topology build(RunContext run) {
        Topology topology = new Topology();
        var bytes = new ByteArrayDeserializer();

        topology.addSource("logs", bytes, bytes, TopicNames.LOG_BATCH_INPUTS);
        topology.addProcessor("run-log-batches", () -> new LogRecordProcessor(run, sinks("logs")), "logs");
        addStores(topology, LogRecordProcessor.STORE, "run-log-batches");
        addSinks(topology, "logs", "run-log-batches");

        topology.addSource("alerts", bytes, bytes, TopicNames.ALERTS);
        topology.addProcessor("run-alert-actions", () -> new AlertEventProcessor(run, sinks("alerts")), "alerts");
        addStores(topology, AlertEventProcessor.STORE, "run-alert-actions");
        addSinks(topology, "alerts", "run-alert-actions");

        topology.addSource("ticks", bytes, bytes, TopicNames.TIMER);
        topology.addProcessor("run-scheduled-actions", () -> new TimerTickProcessor(run, sinks("ticks")), "ticks");
        addStores(topology, TimerTickProcessor.STORE, "run-scheduled-actions");
        addSinks(topology, "ticks", "run-scheduled-actions");

        topology.addSource("definitions", bytes, bytes, TopicNames.DEFINITIONS);
        topology.addProcessor("schedule", () -> new SchedulerProcessor(run), "definitions");
        addStore(topology, SchedulerProcessor.STORE, "schedule");
        topology.addSink("timer", TopicNames.TIMER, new ByteArraySerializer(), new ByteArraySerializer(), "schedule");
        return topology;
    }

    private static Emitter.Sinks sinks(String prefix) {
        return new Emitter.Sinks(prefix + "-outputs", prefix + "-runs", prefix + "-dlq");
    }

    private static void addSinks(Topology topology, String prefix, String parent) {
        Emitter.Sinks sinks = sinks(prefix);
        topology.addSink(sinks.outputs(), Routed.TOPIC, new ByteArraySerializer(), new Routed.ValueSerializer(), parent);
        topology.addSink(sinks.runs(), TopicNames.RUNS, new StringSerializer(), new ByteArraySerializer(), parent);
        topology.addSink(sinks.dlq(), TopicNames.DLQ, new ByteArraySerializer(), new ByteArraySerializer(), parent);
    }

    /** A batching processor's stores: its parked inputs, and the hook that runs its batches before a commit. */
    private static void addStores(Topology topology, String name, String processor) {
        addStore(topology, name, processor);
        topology.addStateStore(BeforeCommit.builder(BeforeCommit.nameFor(name)), processor);
    }

    private static void addStore(Topology topology, String name, String processor) {
        // Persistent and logged: restored from its changelog when a task moves. Never cached: what the
        // before-commit hook writes must reach the changelog in the commit it belongs to.
        topology.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(name), Serdes.String(), Serdes.ByteArray()).withCachingDisabled(),
                processor);
    }
}
