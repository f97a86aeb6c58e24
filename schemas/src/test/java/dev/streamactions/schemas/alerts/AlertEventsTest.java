package dev.streamactions.schemas.alerts;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.streamactions.schemas.registry.InMemorySchemaRegistry;
import dev.streamactions.schemas.registry.SubjectNames;
import dev.streamactions.schemas.wire.AvroSerializer;
import dev.streamactions.schemas.wire.MalformedRecordException;
import dev.streamactions.schemas.wire.TopicValueReader;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class AlertEventsTest {
  /** The JSON form of CONTRACT.md section 2, as someone would type it into kcat. */
  private static final String JSON =
      """
      {"org":"default","alert_name":"high-error-rate","stream":"k8s",
       "actions":["page-oncall","open-ticket"],
       "triggered_at":"2026-01-05T11:15:30.123+01:00",
       "payload":{"count": 17, "pods": ["a", "b"]}}
      """;

  private static final AlertEvent EXPECTED =
      AlertEvent.newBuilder()
          .setOrg("default")
          .setAlertName("high-error-rate")
          .setStream("k8s")
          .setActions(List.of("page-oncall", "open-ticket"))
          .setTriggeredAt(Instant.parse("2026-01-05T10:15:30.123Z"))
          .setPayloadJson("{\"count\":17,\"pods\":[\"a\",\"b\"]}")
          .build();

  private final InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
  private final TopicValueReader<AlertEvent> reader = AlertEvents.reader(registry);

  @Test
  void theJsonFormGivesTheRecordOfTheAvroForm() {
    byte[] avro =
        new AvroSerializer<AlertEvent>(registry)
            .serialize(SubjectNames.value(AlertEvents.TOPIC), EXPECTED);

    AlertEvent fromJson = reader.read(JSON.getBytes(UTF_8));
    AlertEvent fromAvro = reader.read(avro);

    assertThat(fromJson).isEqualTo(EXPECTED);
    assertThat(fromAvro).isEqualTo(EXPECTED);
    assertThat(reader.formOf(JSON.getBytes(UTF_8))).isEqualTo(TopicValueReader.Form.JSON);
    assertThat(reader.formOf(avro)).isEqualTo(TopicValueReader.Form.WIRE_FORMAT);
  }

  @Test
  void toJsonWritesTheContractsFormAndReadsBack() throws Exception {
    String json = new String(AlertEvents.toJson(EXPECTED), UTF_8);

    assertThat(json)
        .isEqualTo(
            "{\"org\":\"default\",\"alert_name\":\"high-error-rate\",\"stream\":\"k8s\","
                + "\"actions\":[\"page-oncall\",\"open-ticket\"],"
                + "\"triggered_at\":\"2026-01-05T10:15:30.123Z\","
                + "\"payload\":{\"count\":17,\"pods\":[\"a\",\"b\"]}}");
    assertThat(AlertEvents.fromJson(json.getBytes(UTF_8))).isEqualTo(EXPECTED);
  }

  @Test
  void timesFinerThanMillisecondsAreTruncatedAndLowerCaseZIsAccepted() {
    AlertEvent event =
        AlertEvents.fromJson(
            JSON.replace("2026-01-05T11:15:30.123+01:00", "2026-01-05t10:15:30.123456789z")
                .getBytes(UTF_8));

    assertThat(event.getTriggeredAt()).isEqualTo(Instant.parse("2026-01-05T10:15:30.123Z"));
  }

  @Test
  void extraFieldsAreIgnoredAndNoActionsIsAnEmptyList() {
    AlertEvent event =
        AlertEvents.fromJson(
            JSON.replace("[\"page-oncall\",\"open-ticket\"]", "[]")
                .replace("{\"org\"", "{\"severity\":\"high\",\"org\"")
                .getBytes(UTF_8));

    assertThat(event.getActions()).isEmpty();
    assertThat(event.getOrg()).isEqualTo("default");
  }

  @Test
  void payloadNumbersAndTextAreKeptExactly() {
    String payload =
        "{\"ratio\":1.10,\"big\":123456789012345678901234567890,\"tiny\":1.5E-400,"
            + "\"text\":\"é \\\"q\\\"\"}";
    AlertEvent event =
        AlertEvents.fromJson(
            JSON.replace("{\"count\": 17, \"pods\": [\"a\", \"b\"]}", payload).getBytes(UTF_8));

    assertThat(event.getPayloadJson()).isEqualTo(payload);
    assertThat(new String(AlertEvents.toJson(event), UTF_8))
        .endsWith("\"payload\":" + payload + "}");
  }

  @Test
  void refusesDuplicateKeys() {
    assertThatThrownBy(
            () ->
                AlertEvents.fromJson(
                    JSON.replace("{\"org\"", "{\"org\":\"x\",\"org\"").getBytes(UTF_8)))
        .isInstanceOf(MalformedRecordException.class)
        .hasMessageContaining("Duplicate field 'org'");
  }

  @Test
  void refusesWhatIsNotJson() {
    assertThatThrownBy(() -> reader.read("{org: default}".getBytes(UTF_8)))
        .isInstanceOf(MalformedRecordException.class)
        .hasMessageStartingWith("Not JSON: an alert event is a JSON object");
  }

  @Test
  void refusesAJsonArray() {
    assertThatThrownBy(() -> AlertEvents.fromJson("[1,2]".getBytes(UTF_8)))
        .isInstanceOf(MalformedRecordException.class)
        .hasMessage("An alert event is a JSON object, not an array");
  }

  @Test
  void refusesAMissingOrg() {
    assertThatThrownBy(() -> reader.read(JSON.replace("\"org\":\"default\",", "").getBytes(UTF_8)))
        .isInstanceOf(MalformedRecordException.class)
        .hasMessage("The alert event has no \"org\"")
        .extracting(e -> ((MalformedRecordException) e).field())
        .isEqualTo("org");
  }

  @Test
  void refusesAnOrgThatIsNotAString() {
    assertThatThrownBy(() -> AlertEvents.fromJson(JSON.replace("\"default\"", "7").getBytes(UTF_8)))
        .isInstanceOf(MalformedRecordException.class)
        .hasMessage("The alert event's \"org\" must be a string, not a number (7)");
  }

  @Test
  void refusesActionsThatAreNotAnArray() {
    assertThatThrownBy(
            () ->
                AlertEvents.fromJson(
                    JSON.replace("[\"page-oncall\",\"open-ticket\"]", "\"page-oncall\"")
                        .getBytes(UTF_8)))
        .isInstanceOf(MalformedRecordException.class)
        .hasMessage(
            "The alert event's \"actions\" must be an array of strings, not a string"
                + " (\"page-oncall\")");
  }

  @Test
  void refusesActionsHoldingSomethingElseThanStrings() {
    assertThatThrownBy(
            () ->
                AlertEvents.fromJson(
                    JSON.replace("\"open-ticket\"", "{}").getBytes(UTF_8)))
        .isInstanceOf(MalformedRecordException.class)
        .hasMessage("The alert event's \"actions\" must hold only strings; item 1 is an object");
  }

  @Test
  void refusesATimeThatIsNotRfc3339() {
    assertThatThrownBy(
            () ->
                AlertEvents.fromJson(
                    JSON.replace("2026-01-05T11:15:30.123+01:00", "05/01/2026 11:15")
                        .getBytes(UTF_8)))
        .isInstanceOf(MalformedRecordException.class)
        .hasMessage(
            "The alert event's \"triggered_at\" must be an RFC 3339 time with an offset such as"
                + " 2026-01-05T10:15:30Z, not \"05/01/2026 11:15\"");
  }

  @Test
  void refusesATimeWithoutOffset() {
    assertThatThrownBy(
            () ->
                AlertEvents.fromJson(
                    JSON.replace("2026-01-05T11:15:30.123+01:00", "2026-01-05T11:15:30")
                        .getBytes(UTF_8)))
        .isInstanceOf(MalformedRecordException.class)
        .hasMessageContaining("\"triggered_at\" must be an RFC 3339 time with an offset");
  }

  @Test
  void refusesAPayloadThatIsNotAnObject() {
    assertThatThrownBy(
            () ->
                AlertEvents.fromJson(
                    JSON.replace("{\"count\": 17, \"pods\": [\"a\", \"b\"]}", "\"17 errors\"")
                        .getBytes(UTF_8)))
        .isInstanceOf(MalformedRecordException.class)
        .hasMessage("The alert event's \"payload\" must be a JSON object, not a string (\"17 errors\")");
  }

  @Test
  void refusesANullPayload() {
    assertThatThrownBy(
            () ->
                AlertEvents.fromJson(
                    JSON.replace("{\"count\": 17, \"pods\": [\"a\", \"b\"]}", "null")
                        .getBytes(UTF_8)))
        .isInstanceOf(MalformedRecordException.class)
        .hasMessage("The alert event has no \"payload\" (it is null)");
  }

  @Test
  void refusesAnUnknownMagicByte() {
    assertThatThrownBy(() -> reader.read(new byte[] {1, 0, 0, 0, 1, 2}))
        .isInstanceOf(MalformedRecordException.class)
        .hasMessage(
            "Unknown magic byte 0x01: an alert event is either Avro in the Confluent wire format"
                + " (first byte 0x00) or a JSON object (first character '{')");
    assertThatThrownBy(() -> reader.read("org=default".getBytes(UTF_8)))
        .isInstanceOf(MalformedRecordException.class)
        .hasMessageStartingWith("Unknown magic byte 0x6f ('o'): an alert event is either");
  }

  @Test
  void refusesAnEmptyValue() {
    assertThatThrownBy(() -> reader.read(new byte[0]))
        .isInstanceOf(MalformedRecordException.class)
        .hasMessageStartingWith("Empty value");
  }

  @Test
  void refusesTrailingGarbageAfterTheObject() {
    assertThatThrownBy(() -> reader.read((JSON + " {}").getBytes(UTF_8)))
        .isInstanceOf(MalformedRecordException.class)
        .hasMessageStartingWith("Not JSON");
  }
}
