package dev.streamactions.schemas.logs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.streamactions.schemas.registry.InMemorySchemaRegistry;
import dev.streamactions.schemas.wire.AvroDeserializer;
import dev.streamactions.schemas.wire.AvroSerializer;
import dev.streamactions.schemas.wire.JsonFields;
import dev.streamactions.schemas.wire.MalformedRecordException;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;

class OutputSchemaTest {
  private static final OutputSchema OUTPUT = OutputSchema.of(LogRecordsTest.SCHEMA);

  private static final String VALID =
      """
      {"message":"disk full","at_ms":"2026-01-05T10:15:30.123Z","at_us":"2026-01-05T10:15:30.123456Z",
       "local_ms":"2026-01-05T10:15:30","day":"2026-01-05","time_ms":"10:15:30.123","amount":12.30,
       "big":12000,"request_id":"123e4567-e89b-12d3-a456-426614174000","raw":"AAH/","hash":"AQIDBA==",
       "level":"ERROR","user":{"age":42},"tags":["a","b"],"labels":{"pod":7},"ratio":0.5,"ok":true,
       "nothing":null}""";

  private static String with(String field, String json) {
    return VALID.replaceFirst("\"" + field + "\":(\\{[^}]*\\}|\\[[^]]*\\]|\"[^\"]*\"|[^,}]+)",
        "\"" + field + "\":" + json.replace("$", "\\$"));
  }

  private static void refused(String json, String path, String message) {
    assertThatThrownBy(() -> OUTPUT.fromJson(json))
        .isInstanceOfSatisfying(MalformedRecordException.class,
            e -> assertThat(e.field()).isEqualTo(path))
        .hasMessage(message);
  }

  @Test
  void whatLogRecordsWritesFitsTheSameSchemaAndRoundTrips() throws Exception {
    GenericRecord built = OUTPUT.fromJson(VALID);

    assertThat(GenericData.get().validate(LogRecordsTest.SCHEMA, built)).isTrue();
    assertThat(built).isEqualTo(LogRecordsTest.sample(0.5));
    InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
    byte[] bytes = new AvroSerializer<GenericRecord>(registry).serialize("out-value", built);
    // and back to the same JSON
    assertThat(JsonFields.MAPPER.readTree(LogRecords.reader(registry).toJson(bytes)))
        .isEqualTo(JsonFields.MAPPER.readTree(VALID));
    assertThat(AvroDeserializer.generic(registry, LogRecordsTest.SCHEMA).deserialize(bytes))
        .isEqualTo(built);
  }

  @Test
  void epochNumbersAndNumericStringsAreAcceptedToo() {
    GenericRecord built = OUTPUT.fromJson(with("at_ms", "1767608130123").replace(
        "\"day\":\"2026-01-05\"", "\"day\":20458").replace("\"amount\":12.30", "\"amount\":\"12.3\""));

    assertThat(built).isEqualTo(LogRecordsTest.sample(0.5));
  }

  @Test
  void aMissingFieldTakesItsDefault() {
    GenericRecord built = OUTPUT.fromJson(VALID.replace("\"user\":{\"age\":42},", ""));

    assertThat(built.get("user")).isNull();
  }

  @Test
  void everyMismatchNamesItsPath() {
    refused(with("user", "{\"age\":\"x\"}"), "$.user.age",
        "$.user.age: expected int, got \"x\"");
    refused(with("user", "{\"age\":1.5}"), "$.user.age", "$.user.age: expected int, got 1.5");
    refused(with("user", "{\"age\":3000000000}"), "$.user.age",
        "$.user.age: expected int, got 3000000000");
    refused(with("user", "{}"), "$.user.age",
        "$.user.age: missing, and the schema gives it no default");
    refused(with("user", "7"), "$.user", "$.user: expected one of [null, User], got 7");
    refused(VALID.replace("\"message\":\"disk full\",", ""), "$.message",
        "$.message: missing, and the schema gives it no default");
    refused(with("message", "1"), "$.message", "$.message: expected string, got 1");
    refused(with("tags", "[\"a\",2]"), "$.tags[1]", "$.tags[1]: expected string, got 2");
    refused(with("tags", "\"a\""), "$.tags", "$.tags: expected an array, got \"a\"");
    refused(with("labels", "{\"pod name\":\"x\"}"), "$.labels[\"pod name\"]",
        "$.labels[\"pod name\"]: expected long, got \"x\"");
    refused(with("level", "\"WARN\""), "$.level",
        "$.level: expected one of the symbols [INFO, ERROR], got \"WARN\"");
    refused(with("ok", "\"yes\""), "$.ok", "$.ok: expected boolean, got \"yes\"");
    refused(with("ratio", "\"half\""), "$.ratio", "$.ratio: expected double, got \"half\"");
    refused(with("nothing", "0"), "$.nothing", "$.nothing: expected null, got 0");
    refused(VALID.replace("\"ok\":true", "\"ok\":true,\"extra\":1"), "$.extra",
        "$.extra: not in the output schema (record AppLog); add the field to output.avsc or leave"
            + " it out of the returned record");
  }

  @Test
  void everyLogicalTypeRefusesWhatItCannotHold() {
    refused(with("at_ms", "\"yesterday\""), "$.at_ms",
        "$.at_ms: expected timestamp-millis as an RFC 3339 time such as"
            + " \"2026-01-05T10:15:30.123Z\", got \"yesterday\"");
    refused(with("at_us", "\"2026-01-05T10:15:30\""), "$.at_us",
        "$.at_us: expected timestamp-micros as an RFC 3339 time such as"
            + " \"2026-01-05T10:15:30.123Z\", got \"2026-01-05T10:15:30\"");
    refused(with("at_ms", "1.5"), "$.at_ms",
        "$.at_ms: expected timestamp-millis (an RFC 3339 string or an integer), got 1.5");
    refused(with("day", "\"05/01/2026\""), "$.day",
        "$.day: expected a date such as \"2026-01-05\", got \"05/01/2026\"");
    refused(with("time_ms", "\"noon\""), "$.time_ms",
        "$.time_ms: expected a time of day such as \"10:15:30.123\", got \"noon\"");
    refused(with("amount", "12.345"), "$.amount",
        "$.amount: expected decimal(9,2) (at most 2 digits after the point, it is not rounded),"
            + " got 12.345");
    refused(with("amount", "12345678901"), "$.amount",
        "$.amount: expected decimal(9,2) (at most 9 digits), got 12345678901");
    refused(with("amount", "\"twelve\""), "$.amount",
        "$.amount: expected decimal(9,2), got \"twelve\"");
    refused(with("request_id", "\"not-a-uuid\""), "$.request_id",
        "$.request_id: expected a uuid such as 00000000-0000-0000-0000-000000000000, got"
            + " \"not-a-uuid\"");
    refused(with("raw", "\"***\""), "$.raw", "$.raw: expected bytes as base64, got \"***\"");
    refused(with("hash", "\"AQID\""), "$.hash",
        "$.hash: expected 4 bytes as base64 (fixed Hash), got 3 bytes (\"AQID\")");
  }

  @Test
  void refusesAnOutputSchemaThatIsNotARecordAndTextThatIsNotJson() {
    assertThatThrownBy(() -> OutputSchema.parse("\"string\""))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("must define a record");
    assertThatThrownBy(() -> OutputSchema.parse("{\"type\":"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not a valid Avro schema");
    assertThatThrownBy(() -> OUTPUT.fromJson("{\"message\":"))
        .isInstanceOfSatisfying(MalformedRecordException.class, e -> assertThat(e.field()).isEqualTo("$"))
        .hasMessageStartingWith("$: not JSON");
  }

  @Test
  void theTopLevelMustBeAnObject() {
    refused("[1]", "$", "$: expected an object (record AppLog), got [1]");
  }
}
