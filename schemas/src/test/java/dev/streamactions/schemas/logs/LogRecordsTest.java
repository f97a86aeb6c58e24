package dev.streamactions.schemas.logs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.streamactions.schemas.registry.InMemorySchemaRegistry;
import dev.streamactions.schemas.registry.SchemaRegistryException;
import dev.streamactions.schemas.registry.SchemaRegistry;
import dev.streamactions.schemas.wire.AvroSerializer;
import dev.streamactions.schemas.wire.MalformedRecordException;
import dev.streamactions.schemas.wire.WireFormat;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import org.apache.avro.Conversions;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;

class LogRecordsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String SUBJECT = "logs.default.app-value";
  static final Schema SCHEMA =
      new Schema.Parser()
          .parse(
              """
              {"type":"record","name":"AppLog","namespace":"com.example","fields":[
                {"name":"message","type":"string"},
                {"name":"at_ms","type":{"type":"long","logicalType":"timestamp-millis"}},
                {"name":"at_us","type":{"type":"long","logicalType":"timestamp-micros"}},
                {"name":"local_ms","type":{"type":"long","logicalType":"local-timestamp-millis"}},
                {"name":"day","type":{"type":"int","logicalType":"date"}},
                {"name":"time_ms","type":{"type":"int","logicalType":"time-millis"}},
                {"name":"amount","type":{"type":"bytes","logicalType":"decimal","precision":9,"scale":2}},
                {"name":"big","type":{"type":"fixed","name":"Big","size":8,"logicalType":"decimal","precision":18,"scale":0}},
                {"name":"request_id","type":{"type":"string","logicalType":"uuid"}},
                {"name":"raw","type":"bytes"},
                {"name":"hash","type":{"type":"fixed","name":"Hash","size":4}},
                {"name":"level","type":{"type":"enum","name":"Level","symbols":["INFO","ERROR"]}},
                {"name":"user","type":["null",{"type":"record","name":"User","fields":[{"name":"age","type":"int"}]}],"default":null},
                {"name":"tags","type":{"type":"array","items":"string"}},
                {"name":"labels","type":{"type":"map","values":"long"}},
                {"name":"ratio","type":"double"},
                {"name":"ok","type":"boolean"},
                {"name":"nothing","type":"null"}
              ]}""");

  private final InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
  private final LogRecords reader = LogRecords.reader(registry);

  static GenericRecord sample(double ratio) {
    Schema amount = SCHEMA.getField("amount").schema();
    Schema big = SCHEMA.getField("big").schema();
    GenericData.Record user = new GenericData.Record(SCHEMA.getField("user").schema().getTypes().get(1));
    user.put("age", 42);
    GenericData.Record r = new GenericData.Record(SCHEMA);
    r.put("message", "disk full");
    r.put("at_ms", Instant.parse("2026-01-05T10:15:30.123Z").toEpochMilli());
    r.put("at_us", 1_767_608_130_123_456L);
    r.put("local_ms", Instant.parse("2026-01-05T10:15:30Z").toEpochMilli());
    r.put("day", (int) LocalDate.parse("2026-01-05").toEpochDay());
    r.put("time_ms", 36_930_123);
    r.put("amount", new Conversions.DecimalConversion().toBytes(new BigDecimal("12.30"), amount,
        amount.getLogicalType()));
    r.put("big", new Conversions.DecimalConversion().toFixed(new BigDecimal("12000"),
        big, big.getLogicalType()));
    r.put("request_id", "123e4567-e89b-12d3-a456-426614174000");
    r.put("raw", ByteBuffer.wrap(new byte[] {0, 1, (byte) 0xff}));
    r.put("hash", new GenericData.Fixed(SCHEMA.getField("hash").schema(), new byte[] {1, 2, 3, 4}));
    r.put("level", new GenericData.EnumSymbol(SCHEMA.getField("level").schema(), "ERROR"));
    r.put("user", user);
    r.put("tags", List.of("a", "b"));
    r.put("labels", Map.of("pod", 7L));
    r.put("ratio", ratio);
    r.put("ok", true);
    r.put("nothing", null);
    return r;
  }

  private JsonNode read(GenericRecord record) throws Exception {
    byte[] bytes = new AvroSerializer<GenericRecord>(registry).serialize(SUBJECT, record);
    return JSON.readTree(reader.toJson(bytes));
  }

  @Test
  void avroBecomesJsonWithEachLogicalTypeJsonFriendly() throws Exception {
    byte[] bytes = new AvroSerializer<GenericRecord>(registry).serialize(SUBJECT, sample(0.5));
    String text = reader.toJson(bytes);
    JsonNode json = JSON.readTree(text);

    assertThat(json.get("message").asText()).isEqualTo("disk full");
    assertThat(json.get("at_ms").asText()).isEqualTo("2026-01-05T10:15:30.123Z");
    assertThat(json.get("at_us").asText()).isEqualTo("2026-01-05T10:15:30.123456Z");
    assertThat(json.get("local_ms").asText()).isEqualTo("2026-01-05T10:15:30");
    assertThat(json.get("day").asText()).isEqualTo("2026-01-05");
    assertThat(json.get("time_ms").asText()).isEqualTo("10:15:30.123");
    // Decimals as exact numbers in plain notation.
    assertThat(text).contains("\"amount\":12.30").contains("\"big\":12000");
    assertThat(json.get("request_id").asText()).isEqualTo("123e4567-e89b-12d3-a456-426614174000");
    assertThat(json.get("raw").asText()).isEqualTo("AAH/");
    assertThat(json.get("hash").asText()).isEqualTo("AQIDBA==");
    assertThat(json.get("level").asText()).isEqualTo("ERROR");
    assertThat(json.get("user").toString()).as("a union is its branch's value").isEqualTo("{\"age\":42}");
    assertThat(json.get("tags").toString()).isEqualTo("[\"a\",\"b\"]");
    assertThat(json.get("labels").toString()).isEqualTo("{\"pod\":7}");
    assertThat(json.get("ratio").asDouble()).isEqualTo(0.5);
    assertThat(json.get("ok").asBoolean()).isTrue();
    assertThat(json.get("nothing").isNull()).isTrue();
  }

  @Test
  void nanAndInfinitiesBecomeStrings() throws Exception {
    assertThat(read(sample(Double.NaN)).get("ratio").asText()).isEqualTo("NaN");
    assertThat(read(sample(Double.NEGATIVE_INFINITY)).get("ratio").asText()).isEqualTo("-Infinity");
  }

  @Test
  void aJsonObjectIsHandedOnAsWritten() {
    String json = "{\"level\":\"error\",\"amount\":1.10,\"nested\":{\"a\":[1,2]}}";

    assertThat(reader.toJson(json.getBytes(StandardCharsets.UTF_8))).isEqualTo(json);
    assertThat(reader.toJson(("\uFEFF  " + json + "\n").getBytes(StandardCharsets.UTF_8)))
        .isEqualTo(json);
  }

  @Test
  void refusesWhatIsNotALogRecordWithTheReason() {
    assertThatThrownBy(() -> reader.toJson(new byte[0]))
        .isInstanceOf(MalformedRecordException.class).hasMessageContaining("Empty value");
    assertThatThrownBy(() -> reader.toJson("[1,2]".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(MalformedRecordException.class)
        .hasMessageContaining("A log record is a JSON object, not an array");
    assertThatThrownBy(() -> reader.toJson("{\"a\":1".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(MalformedRecordException.class).hasMessageContaining("Not JSON");
    assertThatThrownBy(() -> reader.toJson("{\"a\":1,\"a\":2}".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(MalformedRecordException.class).hasMessageContaining("Duplicate field 'a'");
    assertThatThrownBy(() -> reader.toJson("{\"a\":{\"b\":[{}],\"b\":2}}".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(MalformedRecordException.class).hasMessageContaining("Duplicate field 'b'");
    assertThatThrownBy(() -> reader.toJson("{\"a\":1} {\"b\":2}".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(MalformedRecordException.class).hasMessageContaining("Not JSON")
        .hasMessageContaining("trailing");
    assertThatThrownBy(() -> reader.toJson("\"text\"".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(MalformedRecordException.class)
        .hasMessageContaining("A log record is a JSON object, not a string (\"text\")");
    assertThatThrownBy(() -> reader.toJson("  \n".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(MalformedRecordException.class)
        .hasMessageContaining("A log record is a JSON object, not nothing");
    assertThatThrownBy(() -> reader.toJson(new byte[] {0, 0, 1}))
        .isInstanceOf(MalformedRecordException.class).hasMessageContaining("at least 5");
  }

  @Test
  void refusesAnUnknownSchemaIdButNotAnUnreachableRegistry() {
    byte[] unknown = WireFormat.encode(77, new byte[] {2, 'a'});
    assertThatThrownBy(() -> reader.toJson(unknown))
        .isInstanceOf(MalformedRecordException.class)
        .hasMessageContaining("schema id 77")
        .hasMessageContaining("not in the schema registry");

    // An unreachable registry is not the record's fault: the caller retries rather than dead-letters.
    SchemaRegistry down = new SchemaRegistry() {
      @Override
      public int register(String subject, Schema schema) {
        throw new UnsupportedOperationException();
      }

      @Override
      public Schema schemaById(int id) {
        throw new SchemaRegistryException("Cannot reach the schema registry", -1, -1);
      }

      @Override
      public dev.streamactions.schemas.registry.RegisteredSchema latest(String subject) {
        throw new UnsupportedOperationException();
      }

      @Override
      public dev.streamactions.schemas.registry.CompatibilityResult testCompatibility(
          String subject, Schema schema) {
        throw new UnsupportedOperationException();
      }
    };
    assertThatThrownBy(() -> LogRecords.reader(down).toJson(unknown))
        .isInstanceOf(SchemaRegistryException.class);
  }

  @Test
  void refusesAvroThatIsNotARecordOrNotOfItsSchema() {
    int stringId = registry.register("logs.default.s-value", Schema.create(Schema.Type.STRING));
    assertThatThrownBy(() -> reader.toJson(WireFormat.encode(stringId, new byte[] {2, 'a'})))
        .isInstanceOf(MalformedRecordException.class)
        .hasMessageContaining("is a STRING, not a record");

    int id = registry.register(SUBJECT, SCHEMA);
    assertThatThrownBy(() -> reader.toJson(WireFormat.encode(id, new byte[] {(byte) 0x80})))
        .isInstanceOf(MalformedRecordException.class)
        .hasMessageContaining("Cannot read the Avro log record with its schema (id " + id
            + ", com.example.AppLog)");
    Schema small = new Schema.Parser().parse(
        "{\"type\":\"record\",\"name\":\"S\",\"fields\":[{\"name\":\"n\",\"type\":\"int\"}]}");
    int smallId = registry.register("logs.default.small-value", small);
    assertThatThrownBy(() -> reader.toJson(WireFormat.encode(smallId, new byte[] {2, 2})))
        .isInstanceOf(MalformedRecordException.class)
        .hasMessageContaining("Bytes left after");
  }
}
