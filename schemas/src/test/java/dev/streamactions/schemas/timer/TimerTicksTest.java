package dev.streamactions.schemas.timer;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.streamactions.schemas.registry.InMemorySchemaRegistry;
import dev.streamactions.schemas.registry.SubjectNames;
import dev.streamactions.schemas.wire.AvroSerializer;
import dev.streamactions.schemas.wire.MalformedRecordException;
import dev.streamactions.schemas.wire.TopicValueReader;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class TimerTicksTest {
  private static final String JSON =
      "{\"org\":\"default\",\"action\":\"nightly\",\"scheduled_for\":\"2026-01-05T03:00:00Z\"}";
  private static final TimerTick EXPECTED =
      new TimerTick("default", "nightly", Instant.parse("2026-01-05T03:00:00Z"));

  private final InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
  private final TopicValueReader<TimerTick> reader = TimerTicks.reader(registry);

  @Test
  void theJsonFormGivesTheRecordOfTheAvroForm() {
    byte[] avro =
        new AvroSerializer<TimerTick>(registry)
            .serialize(SubjectNames.value(TimerTicks.TOPIC), EXPECTED);

    assertThat(reader.read(JSON.getBytes(UTF_8))).isEqualTo(EXPECTED);
    assertThat(reader.read(avro)).isEqualTo(EXPECTED);
    assertThat(reader.read(("\n  " + JSON + "\n").getBytes(UTF_8))).isEqualTo(EXPECTED);
  }

  @Test
  void toJsonIsTheContractsForm() {
    assertThat(new String(TimerTicks.toJson(EXPECTED), UTF_8)).isEqualTo(JSON);
    assertThat(TimerTicks.key("default", "nightly")).isEqualTo("default.nightly");
  }

  @Test
  void refusesAMissingAction() {
    assertThatThrownBy(
            () -> reader.read(JSON.replace("\"action\":\"nightly\",", "").getBytes(UTF_8)))
        .isInstanceOf(MalformedRecordException.class)
        .hasMessage("The timer tick has no \"action\"");
  }

  @Test
  void refusesAnEmptyOrg() {
    assertThatThrownBy(() -> reader.read(JSON.replace("\"default\"", "\"\"").getBytes(UTF_8)))
        .isInstanceOf(MalformedRecordException.class)
        .hasMessage("The timer tick's \"org\" must not be empty");
  }

  @Test
  void refusesATimeAsANumber() {
    assertThatThrownBy(
            () ->
                reader.read(
                    JSON.replace("\"2026-01-05T03:00:00Z\"", "1767582000000").getBytes(UTF_8)))
        .isInstanceOf(MalformedRecordException.class)
        .hasMessage(
            "The timer tick's \"scheduled_for\" must be an RFC 3339 time as a string, not a number"
                + " (1767582000000)");
  }

  @Test
  void refusesAnInvalidDate() {
    assertThatThrownBy(
            () -> reader.read(JSON.replace("01-05T03", "02-30T03").getBytes(UTF_8)))
        .isInstanceOf(MalformedRecordException.class)
        .hasMessageContaining("\"scheduled_for\" must be an RFC 3339 time");
  }

  @Test
  void refusesTextThatIsNeitherForm() {
    assertThatThrownBy(() -> reader.read("fire nightly".getBytes(UTF_8)))
        .isInstanceOf(MalformedRecordException.class)
        .hasMessageStartingWith("Unknown magic byte 0x66 ('f'): a timer tick is either");
  }
}
