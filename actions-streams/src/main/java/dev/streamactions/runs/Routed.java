package dev.streamactions.runs;

import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.processor.TopicNameExtractor;

/**
 * A record's value together with the topic it goes to: outputs go to topics known only at run time
 * (each attachment names its own), so the sink reads the topic from the value.
 */
public record Routed(String topic, byte[] value) {

    /** For the sink: the topic named in the value. */
    public static final TopicNameExtractor<byte[], Routed> TOPIC = (key, value, context) -> value.topic();

    /** For the sink: writes the value's bytes only. */
    public static final class ValueSerializer implements Serializer<Routed> {
        @Override
        public byte[] serialize(String topic, Routed data) {
            return data == null ? null : data.value();
        }
    }
}
