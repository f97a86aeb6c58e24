package dev.streamactions.schemas.timer;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.streamactions.schemas.registry.SchemaRegistry;
import dev.streamactions.schemas.wire.AvroDeserializer;
import dev.streamactions.schemas.wire.JsonFields;
import dev.streamactions.schemas.wire.MalformedRecordException;
import dev.streamactions.schemas.wire.TopicValueReader;
import java.io.UncheckedIOException;

/**
 * The topic {@code actions.timer} and the two forms of its {@link TimerTick}s: Avro in the Confluent
 * wire format, and the JSON form of CONTRACT.md section 2, {@code
 * {"org":"default","action":"<name>","scheduled_for":"RFC 3339"}}. Both give the same record.
 */
public final class TimerTicks {
  public static final String TOPIC = "actions.timer";
  private static final String WHAT = "timer tick";

  private TimerTicks() {}

  /** The key the scheduler gives a tick: {@code <org>.<action>} (any key is accepted on the topic). */
  public static String key(String org, String action) {
    return org + "." + action;
  }

  /**
   * The timer tick in its JSON form.
   *
   * @throws MalformedRecordException naming the missing or invalid field
   */
  public static TimerTick fromJson(byte[] json) {
    JsonFields fields = JsonFields.parse(json, WHAT);
    return TimerTick.newBuilder()
        .setOrg(fields.text("org"))
        .setAction(fields.text("action"))
        .setScheduledFor(fields.time("scheduled_for"))
        .build();
  }

  /** The JSON form of {@code tick}, the time in RFC 3339 (UTC). */
  public static byte[] toJson(TimerTick tick) {
    ObjectNode node = JsonFields.MAPPER.createObjectNode();
    node.put("org", tick.getOrg());
    node.put("action", tick.getAction());
    node.put("scheduled_for", tick.getScheduledFor().toString());
    try {
      return JsonFields.MAPPER.writeValueAsBytes(node);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Reads values of {@link #TOPIC} in either form. */
  public static TopicValueReader<TimerTick> reader(SchemaRegistry registry) {
    return new TopicValueReader<>(
        WHAT, AvroDeserializer.forClass(registry, TimerTick.class), TimerTicks::fromJson);
  }
}
