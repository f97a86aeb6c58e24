package dev.streamactions.schemas.alerts;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.streamactions.schemas.registry.SchemaRegistry;
import dev.streamactions.schemas.wire.AvroDeserializer;
import dev.streamactions.schemas.wire.JsonFields;
import dev.streamactions.schemas.wire.MalformedRecordException;
import dev.streamactions.schemas.wire.TopicValueReader;
import java.io.UncheckedIOException;

/**
 * The topic {@code actions.alerts} and the two forms of its {@link AlertEvent}s: Avro in the
 * Confluent wire format, and the JSON form of CONTRACT.md section 2:
 *
 * <pre>{"org":"default","alert_name":"…","stream":"…","actions":["name",…],
 *  "triggered_at":"RFC 3339","payload":{…}}</pre>
 *
 * Both give the same record: {@code payload} becomes {@code payload_json} (compact JSON text), the
 * RFC 3339 time becomes {@code triggered_at} (milliseconds).
 */
public final class AlertEvents {
  public static final String TOPIC = "actions.alerts";
  private static final String WHAT = "alert event";

  private AlertEvents() {}

  /**
   * The alert event in its JSON form.
   *
   * @throws MalformedRecordException naming the missing or invalid field
   */
  public static AlertEvent fromJson(byte[] json) {
    JsonFields fields = JsonFields.parse(json, WHAT);
    return AlertEvent.newBuilder()
        .setOrg(fields.text("org"))
        .setAlertName(fields.text("alert_name"))
        .setStream(fields.text("stream"))
        .setActions(fields.textArray("actions"))
        .setTriggeredAt(fields.time("triggered_at"))
        .setPayloadJson(fields.objectAsJson("payload"))
        .build();
  }

  /** The JSON form of {@code event}: {@code payload} as an object, the time in RFC 3339 (UTC). */
  public static byte[] toJson(AlertEvent event) {
    ObjectNode node = JsonFields.MAPPER.createObjectNode();
    node.put("org", event.getOrg());
    node.put("alert_name", event.getAlertName());
    node.put("stream", event.getStream());
    event.getActions().forEach(node.putArray("actions")::add);
    node.put("triggered_at", event.getTriggeredAt().toString());
    try {
      node.set("payload", JsonFields.MAPPER.readTree(event.getPayloadJson()));
      return JsonFields.MAPPER.writeValueAsBytes(node);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException("payload_json is not JSON", e);
    }
  }

  /** Reads values of {@link #TOPIC} in either form. */
  public static TopicValueReader<AlertEvent> reader(SchemaRegistry registry) {
    return new TopicValueReader<>(
        WHAT, AvroDeserializer.forClass(registry, AlertEvent.class), AlertEvents::fromJson);
  }
}
