package dev.streamactions.runs;

import dev.streamactions.definitions.ActionId;
import dev.streamactions.schemas.dlq.DlqRecord;
import dev.streamactions.schemas.registry.SchemaRegistry;
import dev.streamactions.schemas.registry.SubjectNames;
import dev.streamactions.schemas.runs.RunRecord;
import dev.streamactions.schemas.wire.AvroSerializer;
import dev.streamactions.topics.TopicNames;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * What a processor writes besides its own state: action outputs, run records and dead letters, each
 * to its sink node (named by the topology), in the Confluent wire format where a schema applies.
 * Everything forwarded here is committed together with the inputs it came from.
 */
public final class Emitter {
    /** The sink nodes of one processor. */
    public record Sinks(String outputs, String runs, String dlq) {}

    private final ProcessorContext<Object, Object> context;
    private final Sinks sinks;
    private final AvroSerializer<RunRecord> runs;
    private final AvroSerializer<DlqRecord> dead;
    private final AvroSerializer<GenericRecord> avroOutputs;
    private final String runsSubject = SubjectNames.value(TopicNames.RUNS);
    private final String dlqSubject = SubjectNames.value(TopicNames.DLQ);

    public Emitter(ProcessorContext<Object, Object> context, Sinks sinks, SchemaRegistry registry) {
        this.context = context;
        this.sinks = sinks;
        this.runs = new AvroSerializer<>(registry);
        this.dead = new AvroSerializer<>(registry);
        this.avroOutputs = new AvroSerializer<>(registry);
    }

    /** One record an action returned, as JSON text. */
    public void output(String topic, byte[] key, String json, long timestamp) {
        context.forward(new Record<Object, Object>(key, new Routed(topic, json.getBytes(StandardCharsets.UTF_8)),
                timestamp), sinks.outputs());
    }

    /** One record an action returned, as Avro in the wire format, its schema registered under {@code <topic>-value}. */
    public void output(String topic, byte[] key, GenericRecord record, long timestamp) {
        context.forward(new Record<Object, Object>(key, new Routed(topic,
                avroOutputs.serialize(SubjectNames.value(topic), record)), timestamp), sinks.outputs());
    }

    /** The record of a run, keyed by the action's id. */
    public void run(RunRecord record) {
        context.forward(new Record<Object, Object>(new ActionId(record.getOrg(), record.getAction()).toString(),
                runs.serialize(runsSubject, record), System.currentTimeMillis()), sinks.runs());
    }

    /** An input the action could not process (or that never reached one), with the reason. */
    public void dead(ActionId id, int version, String reason, String sourceTopic, int sourcePartition,
            long sourceOffset, byte[] key, byte[] value) {
        deadLetter(id, version, reason, sourceTopic, sourcePartition, sourceOffset, key, value);
    }

    /** A record the action returned that its {@code output.avsc} refuses; there is no input to point to. */
    public void deadOutput(ActionId id, int version, String reason, byte[] key, String json) {
        deadLetter(id, version, reason, null, null, null, key, json.getBytes(StandardCharsets.UTF_8));
    }

    private void deadLetter(ActionId id, int version, String reason, String sourceTopic, Integer sourcePartition,
            Long sourceOffset, byte[] key, byte[] value) {
        DlqRecord record = DlqRecord.newBuilder()
                .setOrg(id == null ? "" : id.org())
                .setAction(id == null ? "" : id.name())
                .setVersion(version)
                .setReason(reason)
                .setOriginalKey(key == null ? null : ByteBuffer.wrap(key))
                .setOriginalValue(value == null ? null : ByteBuffer.wrap(value))
                .setSourceTopic(sourceTopic)
                .setSourcePartition(sourcePartition)
                .setSourceOffset(sourceOffset)
                .setFailedAt(Instant.now())
                .build();
        context.forward(new Record<Object, Object>(key, dead.serialize(dlqSubject, record), System.currentTimeMillis()),
                sinks.dlq());
    }
}
