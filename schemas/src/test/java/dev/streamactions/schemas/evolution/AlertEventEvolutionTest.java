package dev.streamactions.schemas.evolution;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.streamactions.schemas.alerts.AlertEvent;
import dev.streamactions.schemas.alerts.AlertEvents;
import dev.streamactions.schemas.registry.CompatibilityResult;
import dev.streamactions.schemas.registry.InMemorySchemaRegistry;
import dev.streamactions.schemas.registry.SchemaRegistryException;
import dev.streamactions.schemas.registry.SubjectNames;
import dev.streamactions.schemas.wire.AvroDeserializer;
import dev.streamactions.schemas.wire.AvroSerializer;
import dev.streamactions.schemas.wire.MalformedRecordException;
import dev.streamactions.schemas.wire.WireFormat;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.Incompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;
import org.apache.avro.SchemaCompatibility.SchemaIncompatibilityType;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.generic.GenericRecordBuilder;
import org.junit.jupiter.api.Test;

/**
 * Schema evolution of the alert event at the Avro level, through the wire format and a registry:
 * version 2 (test schema {@code evolution/AlertEventV2.avsc}) adds two fields with defaults, so
 * producers and consumers can move to it one at a time; a new field without a default is refused.
 */
class AlertEventEvolutionTest {
  private static final String SUBJECT = SubjectNames.value(AlertEvents.TOPIC);
  private static final Schema V1 = AlertEvent.getClassSchema();
  private static final Schema V2 = load("evolution/AlertEventV2.avsc");
  private static final Schema INCOMPATIBLE = load("evolution/AlertEventIncompatible.avsc");

  private static final AlertEvent V1_EVENT =
      AlertEvent.newBuilder()
          .setOrg("default")
          .setAlertName("high-error-rate")
          .setStream("k8s")
          .setActions(List.of("page-oncall"))
          .setTriggeredAt(Instant.parse("2026-01-05T10:15:30.123Z"))
          .setPayloadJson("{\"count\":17}")
          .build();

  private final InMemorySchemaRegistry registry = new InMemorySchemaRegistry();

  private static Schema load(String resource) {
    try (InputStream in =
        AlertEventEvolutionTest.class.getClassLoader().getResourceAsStream(resource)) {
      return new Schema.Parser().parse(in);
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  private static GenericRecord v2Event() {
    return new GenericRecordBuilder(V2)
        .set("org", "default")
        .set("alert_name", "high-error-rate")
        .set("stream", "k8s")
        .set("actions", List.of("page-oncall"))
        .set("triggered_at", Instant.parse("2026-01-05T10:15:30.123Z").toEpochMilli())
        .set("payload_json", "{\"count\":17}")
        .set("severity", "critical")
        .set("runbook_url", "https://runbooks.example.com/errors")
        .build();
  }

  @Test
  void version2IsAcceptedByTheRegistryAsANewVersion() {
    int v1 = registry.register(SUBJECT, V1);

    CompatibilityResult check = registry.testCompatibility(SUBJECT, V2);
    int v2 = registry.register(SUBJECT, V2);

    assertThat(check.compatible()).isTrue();
    assertThat(v2).isNotEqualTo(v1);
    assertThat(registry.latest(SUBJECT).version()).isEqualTo(2);
  }

  @Test
  void anOldReaderReadsWhatANewWriterWrote() {
    registry.register(SUBJECT, V1);
    byte[] bytes = new AvroSerializer<GenericRecord>(registry).serialize(SUBJECT, v2Event());

    AlertEvent read = AvroDeserializer.forClass(registry, AlertEvent.class).deserialize(bytes);

    assertThat(registry.schemaById(WireFormat.decode(bytes).schemaId())).isEqualTo(V2);
    // The fields version 1 knows come through; the ones it does not know are skipped.
    assertThat(read).isEqualTo(V1_EVENT);
  }

  @Test
  void aNewReaderReadsWhatAnOldWriterWroteWithTheDefaults() {
    byte[] bytes = new AvroSerializer<AlertEvent>(registry).serialize(SUBJECT, V1_EVENT);
    registry.register(SUBJECT, V2);

    GenericRecord read = AvroDeserializer.generic(registry, V2).deserialize(bytes);

    assertThat(registry.schemaById(WireFormat.decode(bytes).schemaId())).isEqualTo(V1);
    assertThat(read.getSchema()).isEqualTo(V2);
    assertThat(read.get("org").toString()).isEqualTo("default");
    assertThat(read.get("triggered_at"))
        .isEqualTo(Instant.parse("2026-01-05T10:15:30.123Z").toEpochMilli());
    assertThat(read.get("payload_json").toString()).isEqualTo("{\"count\":17}");
    assertThat(read.get("severity").toString()).isEqualTo("warning");
    assertThat(read.get("runbook_url")).isNull();
  }

  @Test
  void aNewRequiredFieldWithoutDefaultIsIncompatibleAndAvroSaysWhy() {
    SchemaCompatibility.SchemaPairCompatibility pair =
        SchemaCompatibility.checkReaderWriterCompatibility(INCOMPATIBLE, V1);

    assertThat(pair.getType()).isEqualTo(SchemaCompatibilityType.INCOMPATIBLE);
    Incompatibility reason = pair.getResult().getIncompatibilities().get(0);
    assertThat(reason.getType()).isEqualTo(SchemaIncompatibilityType.READER_FIELD_MISSING_DEFAULT_VALUE);
    assertThat(reason.getMessage()).isEqualTo("priority");
    assertThat(reason.getLocation()).isEqualTo("/fields/6");
    // The other way round (old reader, new writer) is fine: the reader skips priority.
    assertThat(SchemaCompatibility.checkReaderWriterCompatibility(V1, INCOMPATIBLE).getType())
        .isEqualTo(SchemaCompatibilityType.COMPATIBLE);
  }

  @Test
  void theRegistryRefusesTheIncompatibleSchemaWithTheReason() {
    registry.register(SUBJECT, V1);

    CompatibilityResult check = registry.testCompatibility(SUBJECT, INCOMPATIBLE);

    assertThat(check.compatible()).isFalse();
    assertThat(check.messages()).singleElement().asString()
        .contains("READER_FIELD_MISSING_DEFAULT", "priority");
    assertThatThrownBy(() -> registry.register(SUBJECT, INCOMPATIBLE))
        .isInstanceOfSatisfying(
            SchemaRegistryException.class, e -> assertThat(e.isIncompatible()).isTrue());
    assertThat(registry.latest(SUBJECT).version()).isEqualTo(1);
  }

  @Test
  void readingOldRecordsWithTheIncompatibleSchemaFails() {
    byte[] bytes = new AvroSerializer<AlertEvent>(registry).serialize(SUBJECT, V1_EVENT);

    assertThatThrownBy(() -> AvroDeserializer.generic(registry, INCOMPATIBLE).deserialize(bytes))
        .isInstanceOf(MalformedRecordException.class)
        .hasMessageStartingWith(
            "Cannot read the Avro record of schema id 1 as dev.streamactions.schemas.alerts.AlertEvent")
        .hasMessageContaining("priority");
  }

  @Test
  void aRecordWrittenUnderAnotherNameReadsFieldByField() {
    // A producer with its own copy of the schema (another language's client, say) may name the
    // record differently; Avro's resolution matches the fields by name and ignores the record's.
    Schema theirs =
        new Schema.Parser()
            .parse(
                V1.toString()
                    .replace("\"name\":\"AlertEvent\"", "\"name\":\"MyAlert\"")
                    .replace("dev.streamactions.schemas.alerts", "com.example"));
    GenericData.Record record = new GenericData.Record(theirs);
    for (Schema.Field f : theirs.getFields()) {
      record.put(f.name(), V1_EVENT.get(f.pos()));
    }
    record.put("triggered_at", V1_EVENT.getTriggeredAt().toEpochMilli());

    byte[] bytes = new AvroSerializer<GenericRecord>(registry).serialize(SUBJECT, record);

    assertThat(theirs.getFullName()).isEqualTo("com.example.MyAlert");
    assertThat(AvroDeserializer.forClass(registry, AlertEvent.class).deserialize(bytes))
        .isEqualTo(V1_EVENT);
  }

  @Test
  void genericRecordsOfVersion1AndTheGeneratedClassAreTheSameBytes() {
    GenericData.Record generic = new GenericData.Record(V1);
    for (Schema.Field f : V1.getFields()) {
      generic.put(f.name(), V1_EVENT.get(f.pos()));
    }
    generic.put("triggered_at", V1_EVENT.getTriggeredAt().toEpochMilli());

    byte[] fromGeneric = new AvroSerializer<GenericRecord>(registry).serialize(SUBJECT, generic);
    byte[] fromSpecific = new AvroSerializer<AlertEvent>(registry).serialize(SUBJECT, V1_EVENT);

    assertThat(fromGeneric).isEqualTo(fromSpecific);
  }
}
