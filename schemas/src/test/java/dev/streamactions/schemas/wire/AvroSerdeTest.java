package dev.streamactions.schemas.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.streamactions.schemas.alerts.AlertEvent;
import dev.streamactions.schemas.definitions.ActionDefinition;
import dev.streamactions.schemas.definitions.ActionType;
import dev.streamactions.schemas.definitions.StreamAttachment;
import dev.streamactions.schemas.dlq.DlqRecord;
import dev.streamactions.schemas.registry.InMemorySchemaRegistry;
import dev.streamactions.schemas.registry.SchemaRegistryException;
import dev.streamactions.schemas.registry.SubjectNames;
import dev.streamactions.schemas.runs.LogLine;
import dev.streamactions.schemas.runs.RunRecord;
import dev.streamactions.schemas.runs.RunStatus;
import dev.streamactions.schemas.runs.Trigger;
import dev.streamactions.schemas.timer.TimerTick;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class AvroSerdeTest {
  private static final Instant T0 = Instant.parse("2026-01-05T10:15:30.123Z");

  private final InMemorySchemaRegistry registry = new InMemorySchemaRegistry();

  static AlertEvent alert() {
    return AlertEvent.newBuilder()
        .setOrg("default")
        .setAlertName("high-error-rate")
        .setStream("k8s")
        .setActions(List.of("page-oncall", "open-ticket"))
        .setTriggeredAt(T0)
        .setPayloadJson("{\"count\":17,\"pods\":[\"a\",\"b\"]}")
        .build();
  }

  static Stream<SpecificRecord> everyRecordType() {
    RunRecord run =
        RunRecord.newBuilder()
            .setRunId("run-1")
            .setOrg("default")
            .setAction("uppercase")
            .setVersion(3)
            .setTrigger(Trigger.stream)
            .setStatus(RunStatus.Errored)
            .setStartedAt(T0)
            .setEndedAt(T0.plusMillis(250))
            .setRecordsIn(10)
            .setRecordsOut(0)
            .setLogs(
                List.of(
                    new LogLine(T0, "INFO", "Starting transformation", null),
                    new LogLine(
                        T0.plusMillis(1), "ERROR", "boom", "Traceback...\nZeroDivisionError")))
            .setError("ZeroDivisionError: division by zero")
            .build();
    RunRecord running =
        RunRecord.newBuilder(run)
            .setStatus(RunStatus.Running)
            .setTrigger(Trigger.manual)
            .setEndedAt(null)
            .setLogs(List.of())
            .setError(null)
            .build();
    DlqRecord dlq =
        DlqRecord.newBuilder()
            .setOrg("default")
            .setAction("uppercase")
            .setVersion(3)
            .setReason("The alert event has no \"org\"")
            .setOriginalKey(ByteBuffer.wrap(new byte[] {'k'}))
            .setOriginalValue(ByteBuffer.wrap(new byte[] {'{', '}'}))
            .setSourceTopic("actions.alerts")
            .setSourcePartition(2)
            .setSourceOffset(1234L)
            .setFailedAt(T0)
            .build();
    DlqRecord manualDlq =
        DlqRecord.newBuilder()
            .setOrg("default")
            .setAction("uppercase")
            .setVersion(1)
            .setReason("returned a string, not a dict")
            .setFailedAt(T0)
            .build();
    ActionDefinition definition =
        ActionDefinition.newBuilder()
            .setOrg("default")
            .setName("nightly")
            .setVersion(2)
            .setType(ActionType.scheduled)
            .setDescription("cleans up")
            .setServiceAccount("bot@example.com")
            .setEnv(Map.of("MIN_PODS", "2"))
            .setSchedule("0 3 * * *")
            .setScriptSha256("ab".repeat(32))
            .setCreatedAt(T0)
            .build();
    StreamAttachment attachment =
        StreamAttachment.newBuilder()
            .setOrg("default")
            .setStream("k8s")
            .setAction("uppercase")
            .setOutputTopic("logs.default.k8s.uppercase")
            .setStart("earliest")
            .setCutover(Map.of("0", 12L, "1", 7L))
            .setReplayFrom(Map.of("0", 3L))
            .setReplayId("default.k8s.uppercase.1")
            .build();
    TimerTick tick = new TimerTick("default", "nightly", T0);
    return Stream.of(alert(), tick, run, running, dlq, manualDlq, definition, attachment);
  }

  @ParameterizedTest
  @MethodSource("everyRecordType")
  <T extends SpecificRecord> void everyRecordRoundTripsThroughTheWireFormat(T record) {
    AvroSerializer<T> serializer = new AvroSerializer<>(registry);
    @SuppressWarnings("unchecked")
    Class<T> type = (Class<T>) record.getClass();
    AvroDeserializer<T> deserializer = AvroDeserializer.forClass(registry, type);

    byte[] bytes = serializer.serialize("topic-value", record);

    assertThat(bytes[0]).isZero();
    assertThat(WireFormat.decode(bytes).schemaId()).isEqualTo(1);
    assertThat(registry.schemaById(1)).isEqualTo(record.getSchema());
    assertThat(deserializer.deserialize(bytes)).isEqualTo(record);
  }

  @Test
  void oneSchemaIsRegisteredOnceUnderTheTopicsValueSubject() {
    AvroSerializer<AlertEvent> serializer = new AvroSerializer<>(registry);
    String subject = SubjectNames.value("actions.alerts");

    byte[] first = serializer.serialize(subject, alert());
    byte[] second = serializer.serialize(subject, alert());

    assertThat(subject).isEqualTo("actions.alerts-value");
    assertThat(first).isEqualTo(second);
    assertThat(registry.latest(subject).version()).isEqualTo(1);
    assertThat(registry.latest(subject).id()).isEqualTo(WireFormat.decode(first).schemaId());
  }

  @Test
  void nullStaysNull() {
    assertThat(new AvroSerializer<AlertEvent>(registry).serialize("s", null)).isNull();
    assertThat(AvroDeserializer.forClass(registry, AlertEvent.class).deserialize(null)).isNull();
  }

  @Test
  void anUnknownSchemaIdIsTheRegistrysError() {
    byte[] bytes = WireFormat.encode(99, new byte[] {2, 'a'});

    assertThatThrownBy(() -> AvroDeserializer.forClass(registry, AlertEvent.class).deserialize(bytes))
        .isInstanceOf(SchemaRegistryException.class)
        .hasMessage("Schema 99 not found");
  }

  @Test
  void bytesThatDoNotFitTheWriterSchemaAreRefused() {
    int id = registry.register("s", TimerTick.getClassSchema());
    byte[] truncated = WireFormat.encode(id, new byte[] {14, 'd', 'e'});

    assertThatThrownBy(
            () -> AvroDeserializer.forClass(registry, TimerTick.class).deserialize(truncated))
        .isInstanceOf(MalformedRecordException.class)
        .hasMessageStartingWith(
            "Cannot read the Avro record of schema id 1 as dev.streamactions.schemas.timer.TimerTick");
  }

  @Test
  void everyFieldOfEverySchemaIsDocumented() {
    List<String> undocumented = new ArrayList<>();
    everyRecordType()
        .map(SpecificRecord::getSchema)
        .distinct()
        .forEach(schema -> collectUndocumented(schema, undocumented));

    assertThat(undocumented).isEmpty();
  }

  private static void collectUndocumented(Schema schema, List<String> undocumented) {
    switch (schema.getType()) {
      case RECORD -> {
        if (schema.getDoc() == null || schema.getDoc().isBlank()) {
          undocumented.add(schema.getFullName());
        }
        for (Schema.Field field : schema.getFields()) {
          if (field.doc() == null || field.doc().isBlank()) {
            undocumented.add(schema.getFullName() + "." + field.name());
          }
          collectUndocumented(field.schema(), undocumented);
        }
      }
      case ARRAY -> collectUndocumented(schema.getElementType(), undocumented);
      case MAP -> collectUndocumented(schema.getValueType(), undocumented);
      case UNION -> schema.getTypes().forEach(t -> collectUndocumented(t, undocumented));
      default -> {}
    }
  }
}
