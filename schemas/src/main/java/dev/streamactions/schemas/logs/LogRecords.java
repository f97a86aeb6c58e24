package dev.streamactions.schemas.logs;

import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.streamactions.schemas.registry.SchemaRegistry;
import dev.streamactions.schemas.registry.SchemaRegistryException;
import dev.streamactions.schemas.wire.JsonFields;
import dev.streamactions.schemas.wire.MalformedRecordException;
import dev.streamactions.schemas.wire.WireFormat;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.Collection;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.LogicalType;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericFixed;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;

/**
 * Values of the topics {@code logs.<org>.<stream>} (CONTRACT.md section 2): a log record is a JSON
 * object, or Avro in the Confluent wire format; actions get it as a JSON object either way.
 *
 * <p>Avro is decoded with its writer's schema (from the registry by the id in the record: the log
 * producer's schema is the only one there is) and turned into JSON as follows, so that a Python action
 * gets plain values:
 *
 * <ul>
 *   <li>{@code timestamp-millis}, {@code timestamp-micros}, {@code timestamp-nanos}: an RFC 3339 string
 *       in UTC with as many fractional digits as needed ({@code "2026-01-05T10:15:30.123Z"}), as the
 *       contract's other times; {@code local-timestamp-*}: the same without the {@code Z}
 *   <li>{@code date}: {@code "2026-01-05"}; {@code time-millis}, {@code time-micros}: {@code "10:15:30.123"}
 *   <li>{@code decimal} (bytes or fixed): a JSON number with the schema's scale, written exactly
 *       ({@code 12.30}); {@code uuid}: its string
 *   <li>other {@code bytes} and {@code fixed}: base64 (standard alphabet, padded)
 *   <li>unions: the value of the branch, without Avro-JSON's {@code {"type": value}} wrapper; enums:
 *       the symbol; maps: objects
 *   <li>float and double NaN and infinities, which JSON cannot hold: the strings {@code "NaN"},
 *       {@code "Infinity"}, {@code "-Infinity"}
 * </ul>
 *
 * <p>Thread-safe.
 */
public final class LogRecords {
  private static final String WHAT = "log record";
  private static final JsonNodeFactory NODES = JsonNodeFactory.withExactBigDecimals(true);
  /** Decimals in plain notation: a decimal of scale -3 is 12000, not 1.2E+4. */
  private static final ObjectMapper OUT =
      JsonMapper.builder()
          .enable(StreamWriteFeature.WRITE_BIGDECIMAL_AS_PLAIN)
          .build();

  private final SchemaRegistry registry;
  private final Map<Integer, GenericDatumReader<Object>> readers = new ConcurrentHashMap<>();

  private LogRecords(SchemaRegistry registry) {
    this.registry = Objects.requireNonNull(registry, "registry");
  }

  /** A reader of log record values whose Avro writer schemas come from {@code registry}. */
  public static LogRecords reader(SchemaRegistry registry) {
    return new LogRecords(registry);
  }

  /**
   * The log record in {@code value} as the text of a JSON object: a JSON object as it was written
   * (once checked to be exactly one object), Avro converted as the class comment says.
   *
   * @throws MalformedRecordException when the value is neither, with the reason
   * @throws SchemaRegistryException when the registry cannot be reached (worth a retry; an id the
   *     registry does not know is a MalformedRecordException)
   */
  public String toJson(byte[] value) {
    if (value == null || value.length == 0) {
      throw new MalformedRecordException(
          "Empty value: a log record is a JSON object or Avro in the Confluent wire format");
    }
    if (value[0] == WireFormat.MAGIC_BYTE) {
      return avroToJson(value);
    }
    // Checked strictly (one object, no duplicate keys, nothing after it), but handed on unchanged.
    JsonFields.requireObject(value, WHAT);
    int start = value.length >= 3 && (value[0] & 0xff) == 0xef && (value[1] & 0xff) == 0xbb
        && (value[2] & 0xff) == 0xbf ? 3 : 0;
    return new String(value, start, value.length - start, StandardCharsets.UTF_8).strip();
  }

  private String avroToJson(byte[] value) {
    WireFormat.Framed framed = WireFormat.decode(value);
    GenericDatumReader<Object> reader;
    try {
      reader = readers.computeIfAbsent(framed.schemaId(), this::readerFor);
    } catch (SchemaRegistryException e) {
      if (e.isNotFound()) {
        throw new MalformedRecordException(
            "The schema id " + framed.schemaId() + " in this Avro log record is not in the schema"
                + " registry: register the producer's schema in the registry it writes to",
            null,
            e);
      }
      throw e;
    }
    Schema writer = reader.getSchema();
    Object record;
    BinaryDecoder decoder = DecoderFactory.get().binaryDecoder(framed.payload(), null);
    try {
      record = reader.read(null, decoder);
      if (!decoder.isEnd()) {
        throw new MalformedRecordException(
            "Bytes left after the Avro log record of schema id " + framed.schemaId()
                + ": it was not written with that schema");
      }
    } catch (IOException | AvroRuntimeException | IndexOutOfBoundsException e) {
      throw new MalformedRecordException(
          "Cannot read the Avro log record with its schema (id " + framed.schemaId() + ", "
              + writer.getFullName() + "): " + e.getMessage(),
          null,
          e);
    }
    try {
      return OUT.writeValueAsString(toNode(writer, record));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private GenericDatumReader<Object> readerFor(int id) {
    Schema writer = registry.schemaById(id);
    if (writer.getType() != Schema.Type.RECORD) {
      throw new MalformedRecordException(
          "The Avro log record's schema (id " + id + ") is a " + writer.getType()
              + ", not a record: a log record becomes a JSON object, so its schema must be a record");
    }
    return new GenericDatumReader<>(writer, writer, GenericData.get());
  }

  /** {@code value} (Avro's generic representation, no conversions) as JSON, by {@code schema}. */
  static JsonNode toNode(Schema schema, Object value) {
    LogicalType logical = schema.getLogicalType();
    switch (schema.getType()) {
      case RECORD -> {
        ObjectNode object = NODES.objectNode();
        GenericRecord record = (GenericRecord) value;
        for (Schema.Field field : schema.getFields()) {
          object.set(field.name(), toNode(field.schema(), record.get(field.pos())));
        }
        return object;
      }
      case UNION -> {
        int branch = GenericData.get().resolveUnion(schema, value);
        return toNode(schema.getTypes().get(branch), value);
      }
      case ARRAY -> {
        ArrayNode array = NODES.arrayNode();
        for (Object item : (Collection<?>) value) {
          array.add(toNode(schema.getElementType(), item));
        }
        return array;
      }
      case MAP -> {
        ObjectNode object = NODES.objectNode();
        for (Map.Entry<?, ?> e : ((Map<?, ?>) value).entrySet()) {
          object.set(e.getKey().toString(), toNode(schema.getValueType(), e.getValue()));
        }
        return object;
      }
      case ENUM, STRING -> {
        return NODES.textNode(value.toString());
      }
      case BYTES -> {
        ByteBuffer buffer = ((ByteBuffer) value).duplicate();
        byte[] bytes = new byte[buffer.remaining()];
        buffer.get(bytes);
        return bytesNode(logical, bytes);
      }
      case FIXED -> {
        return bytesNode(logical, ((GenericFixed) value).bytes());
      }
      case INT -> {
        int i = (Integer) value;
        if (logical instanceof LogicalTypes.Date) {
          return NODES.textNode(LocalDate.ofEpochDay(i).toString());
        }
        if (logical instanceof LogicalTypes.TimeMillis) {
          return NODES.textNode(LocalTime.ofNanoOfDay(i * 1_000_000L).toString());
        }
        return NODES.numberNode(i);
      }
      case LONG -> {
        long l = (Long) value;
        if (logical != null) {
          String time = timeText(logical, l);
          if (time != null) {
            return NODES.textNode(time);
          }
        }
        return NODES.numberNode(l);
      }
      case FLOAT -> {
        float f = (Float) value;
        return Float.isFinite(f) ? NODES.numberNode(f) : NODES.textNode(Float.toString(f));
      }
      case DOUBLE -> {
        double d = (Double) value;
        return Double.isFinite(d) ? NODES.numberNode(d) : NODES.textNode(Double.toString(d));
      }
      case BOOLEAN -> {
        return NODES.booleanNode((Boolean) value);
      }
      case NULL -> {
        return NODES.nullNode();
      }
      default -> throw new IllegalStateException("Avro type " + schema.getType());
    }
  }

  private static JsonNode bytesNode(LogicalType logical, byte[] bytes) {
    if (logical instanceof LogicalTypes.Decimal decimal) {
      return NODES.numberNode(new BigDecimal(new BigInteger(bytes), decimal.getScale()));
    }
    return NODES.textNode(Base64.getEncoder().encodeToString(bytes));
  }

  private static String timeText(LogicalType logical, long l) {
    return switch (logical.getName()) {
      case "timestamp-millis" -> Instant.ofEpochMilli(l).toString();
      case "timestamp-micros" -> Instant.EPOCH.plus(l, ChronoUnit.MICROS).toString();
      case "timestamp-nanos" -> Instant.EPOCH.plusNanos(l).toString();
      case "local-timestamp-millis" ->
          Instant.ofEpochMilli(l).atOffset(ZoneOffset.UTC).toLocalDateTime().toString();
      case "local-timestamp-micros" ->
          Instant.EPOCH.plus(l, ChronoUnit.MICROS).atOffset(ZoneOffset.UTC).toLocalDateTime().toString();
      case "local-timestamp-nanos" ->
          Instant.EPOCH.plusNanos(l).atOffset(ZoneOffset.UTC).toLocalDateTime().toString();
      case "time-micros" -> LocalTime.ofNanoOfDay(l * 1_000L).toString();
      default -> null;
    };
  }
}
