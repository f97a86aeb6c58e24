package dev.streamactions.schemas.logs;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.streamactions.schemas.wire.JsonFields;
import dev.streamactions.schemas.wire.MalformedRecordException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.regex.Pattern;
import org.apache.avro.Conversions;
import org.apache.avro.LogicalType;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.SchemaParseException;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;

/**
 * The {@code output.avsc} an action ships in its ZIP: each record the action returns (a JSON object)
 * is checked against it and built as a {@link GenericRecord}, ready for {@link
 * dev.streamactions.schemas.wire.AvroSerializer}. A record that does not fit is refused with the JSON
 * path of the first mismatch ({@code $.user.age: expected int, got "x"}), which goes to the DLQ.
 *
 * <p>The JSON forms accepted are those {@link LogRecords} writes, so a record read from a log topic and
 * returned unchanged fits the same schema: RFC 3339 strings (or epoch numbers in the schema's unit) for
 * timestamps, {@code "2026-01-05"} (or epoch days) for dates, numbers or numeric strings for decimals
 * (refused when they need rounding to the scale), base64 for bytes and fixed, the branch's value for
 * unions. A missing field takes its default; one without a default is refused; a key the schema does
 * not have is refused, since it would be lost silently.
 *
 * <p>Thread-safe and immutable.
 */
public final class OutputSchema {
  private static final Pattern UUID_TEXT =
      Pattern.compile("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
  private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

  private final Schema schema;

  private OutputSchema(Schema schema) {
    this.schema = schema;
  }

  /** The output schema {@code schema}; refuses one that is not a record. */
  public static OutputSchema of(Schema schema) {
    Objects.requireNonNull(schema, "schema");
    if (schema.getType() != Schema.Type.RECORD) {
      throw new IllegalArgumentException(
          "output.avsc must define a record (each returned record is a JSON object), not a "
              + schema.getType());
    }
    return new OutputSchema(schema);
  }

  /** Parses the text of an {@code output.avsc}; refuses text Avro cannot parse, with its reason. */
  public static OutputSchema parse(String avsc) {
    try {
      return of(new Schema.Parser().parse(avsc));
    } catch (SchemaParseException e) {
      throw new IllegalArgumentException("output.avsc is not a valid Avro schema: " + e.getMessage(), e);
    }
  }

  public Schema schema() {
    return schema;
  }

  /**
   * The returned record {@code json} (the text of a JSON object) as a record of this schema.
   *
   * @throws MalformedRecordException with the JSON path of the mismatch as {@link
   *     MalformedRecordException#field()} and at the start of the message
   */
  public GenericRecord fromJson(String json) {
    JsonNode node;
    try {
      node = JsonFields.MAPPER.readTree(json);
    } catch (JsonProcessingException e) {
      throw new MalformedRecordException(
          "$: not JSON (" + e.getOriginalMessage() + ")", "$", e);
    }
    return (GenericRecord) convert(schema, node, "$");
  }

  private static Object convert(Schema schema, JsonNode node, String path) {
    LogicalType logical = schema.getLogicalType();
    switch (schema.getType()) {
      case RECORD -> {
        if (!node.isObject()) {
          throw mismatch(path, "an object (record " + schema.getName() + ")", node);
        }
        GenericData.Record record = new GenericData.Record(schema);
        for (Schema.Field field : schema.getFields()) {
          JsonNode value = node.get(field.name());
          String fieldPath = child(path, field.name());
          if (value == null) {
            if (!field.hasDefaultValue()) {
              throw new MalformedRecordException(
                  fieldPath + ": missing, and the schema gives it no default", fieldPath, null);
            }
            record.put(field.pos(), GenericData.get().deepCopy(field.schema(),
                GenericData.get().getDefaultValue(field)));
          } else {
            record.put(field.pos(), convert(field.schema(), value, fieldPath));
          }
        }
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
          String name = names.next();
          if (schema.getField(name) == null) {
            String fieldPath = child(path, name);
            throw new MalformedRecordException(
                fieldPath + ": not in the output schema (record " + schema.getName()
                    + "); add the field to output.avsc or leave it out of the returned record",
                fieldPath,
                null);
          }
        }
        return record;
      }
      case UNION -> {
        Schema nullBranch = null;
        List<String> names = new ArrayList<>();
        for (Schema branch : schema.getTypes()) {
          names.add(typeName(branch));
          if (branch.getType() == Schema.Type.NULL) {
            nullBranch = branch;
          }
        }
        if (node.isNull() && nullBranch != null) {
          return null;
        }
        for (Schema branch : schema.getTypes()) {
          try {
            return convert(branch, node, path);
          } catch (MalformedRecordException e) {
            // A mismatch inside a record branch says more than "none of the branches fit".
            if (branch.getType() == Schema.Type.RECORD && node.isObject() && !path.equals(e.field())) {
              throw e;
            }
          }
        }
        throw mismatch(path, "one of " + names, node);
      }
      case ARRAY -> {
        if (!node.isArray()) {
          throw mismatch(path, "an array", node);
        }
        List<Object> items = new GenericData.Array<>(node.size(), schema);
        for (int i = 0; i < node.size(); i++) {
          items.add(convert(schema.getElementType(), node.get(i), path + "[" + i + "]"));
        }
        return items;
      }
      case MAP -> {
        if (!node.isObject()) {
          throw mismatch(path, "an object (map)", node);
        }
        Map<String, Object> map = new LinkedHashMap<>();
        node.properties().forEach(e ->
            map.put(e.getKey(), convert(schema.getValueType(), e.getValue(), child(path, e.getKey()))));
        return map;
      }
      case ENUM -> {
        if (!node.isTextual() || !schema.getEnumSymbols().contains(node.asText())) {
          throw mismatch(path, "one of the symbols " + schema.getEnumSymbols(), node);
        }
        return new GenericData.EnumSymbol(schema, node.asText());
      }
      case STRING -> {
        if (!node.isTextual()) {
          throw mismatch(path, logical != null ? logical.getName() + " string" : "string", node);
        }
        if (logical != null && "uuid".equals(logical.getName())
            && !UUID_TEXT.matcher(node.asText()).matches()) {
          throw mismatch(path, "a uuid such as " + new UUID(0, 0), node);
        }
        return node.asText();
      }
      case BYTES -> {
        if (logical instanceof LogicalTypes.Decimal decimal) {
          return new Conversions.DecimalConversion()
              .toBytes(decimal(node, decimal, path, schema), schema, decimal);
        }
        return ByteBuffer.wrap(base64(node, path, "bytes as base64"));
      }
      case FIXED -> {
        if (logical instanceof LogicalTypes.Decimal decimal) {
          return new Conversions.DecimalConversion()
              .toFixed(decimal(node, decimal, path, schema), schema, decimal);
        }
        byte[] bytes = base64(node, path, schema.getFixedSize() + " bytes as base64");
        if (bytes.length != schema.getFixedSize()) {
          throw new MalformedRecordException(path + ": expected " + schema.getFixedSize()
              + " bytes as base64 (fixed " + schema.getName() + "), got " + bytes.length + " bytes ("
              + node + ")", path, null);
        }
        return new GenericData.Fixed(schema, bytes);
      }
      case INT -> {
        if (logical instanceof LogicalTypes.Date) {
          if (node.isTextual()) {
            try {
              return Math.toIntExact(LocalDate.parse(node.asText()).toEpochDay());
            } catch (DateTimeParseException | ArithmeticException e) {
              throw mismatch(path, "a date such as \"2026-01-05\"", node);
            }
          }
          return integral(node, path, "a date such as \"2026-01-05\" (or days since 1970-01-01)",
              Integer.MIN_VALUE, Integer.MAX_VALUE).intValue();
        }
        if (logical instanceof LogicalTypes.TimeMillis) {
          if (node.isTextual()) {
            try {
              return (int) (LocalTime.parse(node.asText()).toNanoOfDay() / 1_000_000L);
            } catch (DateTimeParseException e) {
              throw mismatch(path, "a time of day such as \"10:15:30.123\"", node);
            }
          }
        }
        return integral(node, path, "int", Integer.MIN_VALUE, Integer.MAX_VALUE).intValue();
      }
      case LONG -> {
        if (logical != null && node.isTextual()) {
          Long time = timeValue(logical, node.asText());
          if (time != null) {
            return time;
          }
          throw mismatch(path, logical.getName() + " as an RFC 3339 time such as"
              + " \"2026-01-05T10:15:30.123Z\"", node);
        }
        return integral(node, path, logical != null ? logical.getName() + " (an RFC 3339 string or"
            + " an integer)" : "long", Long.MIN_VALUE, Long.MAX_VALUE).longValue();
      }
      case FLOAT -> {
        return (float) floating(node, path, "float");
      }
      case DOUBLE -> {
        return floating(node, path, "double");
      }
      case BOOLEAN -> {
        if (!node.isBoolean()) {
          throw mismatch(path, "boolean", node);
        }
        return node.booleanValue();
      }
      case NULL -> {
        if (!node.isNull()) {
          throw mismatch(path, "null", node);
        }
        return null;
      }
      default -> throw new IllegalStateException("Avro type " + schema.getType());
    }
  }

  private static BigDecimal integral(JsonNode node, String path, String expected, long min,
      long max) {
    if (node.isNumber()) {
      BigDecimal value = node.decimalValue();
      if (value.stripTrailingZeros().scale() <= 0
          && value.compareTo(BigDecimal.valueOf(min)) >= 0
          && value.compareTo(BigDecimal.valueOf(max)) <= 0) {
        return value;
      }
    }
    throw mismatch(path, expected, node);
  }

  private static double floating(JsonNode node, String path, String expected) {
    if (node.isNumber()) {
      return node.doubleValue();
    }
    // The forms LogRecords writes for values JSON cannot hold.
    if (node.isTextual()) {
      switch (node.asText()) {
        case "NaN" -> {
          return Double.NaN;
        }
        case "Infinity" -> {
          return Double.POSITIVE_INFINITY;
        }
        case "-Infinity" -> {
          return Double.NEGATIVE_INFINITY;
        }
        default -> {
          // refused below
        }
      }
    }
    throw mismatch(path, expected, node);
  }

  private static BigDecimal decimal(JsonNode node, LogicalTypes.Decimal decimal, String path,
      Schema schema) {
    String expected = "decimal(" + decimal.getPrecision() + "," + decimal.getScale() + ")";
    BigDecimal value;
    if (node.isNumber()) {
      value = node.decimalValue();
    } else if (node.isTextual()) {
      try {
        value = new BigDecimal(node.asText().trim());
      } catch (NumberFormatException e) {
        throw mismatch(path, expected, node);
      }
    } else {
      throw mismatch(path, expected, node);
    }
    BigDecimal scaled;
    try {
      scaled = value.setScale(decimal.getScale(), RoundingMode.UNNECESSARY);
    } catch (ArithmeticException e) {
      throw mismatch(path, expected + " (at most " + decimal.getScale()
          + " digits after the point, it is not rounded)", node);
    }
    if (scaled.precision() > decimal.getPrecision()) {
      throw mismatch(path, expected + " (at most " + decimal.getPrecision() + " digits)", node);
    }
    return scaled;
  }

  private static byte[] base64(JsonNode node, String path, String expected) {
    if (node.isTextual()) {
      try {
        return Base64.getDecoder().decode(node.asText());
      } catch (IllegalArgumentException e) {
        // refused below
      }
    }
    throw mismatch(path, expected, node);
  }

  /** Epoch value of {@code text} in {@code logical}'s unit, or null when it is not such a time. */
  private static Long timeValue(LogicalType logical, String text) {
    try {
      String name = logical.getName();
      if (name.startsWith("timestamp-")) {
        Instant instant = OffsetDateTime.parse(text.toUpperCase(Locale.ROOT),
            DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant();
        return epoch(instant, name);
      }
      if (name.startsWith("local-timestamp-")) {
        Instant instant = LocalDateTime.parse(text.toUpperCase(Locale.ROOT)).toInstant(ZoneOffset.UTC);
        return epoch(instant, name);
      }
      if (name.equals("time-micros")) {
        return LocalTime.parse(text).toNanoOfDay() / 1_000L;
      }
    } catch (DateTimeParseException | ArithmeticException e) {
      return null;
    }
    return null;
  }

  private static long epoch(Instant instant, String logicalName) {
    if (logicalName.endsWith("-millis")) {
      return instant.toEpochMilli();
    }
    if (logicalName.endsWith("-micros")) {
      return ChronoUnit.MICROS.between(Instant.EPOCH, instant);
    }
    return ChronoUnit.NANOS.between(Instant.EPOCH, instant);
  }

  private static String child(String path, String name) {
    return IDENTIFIER.matcher(name).matches()
        ? path + "." + name
        : path + "[" + JsonFields.MAPPER.getNodeFactory().textNode(name) + "]";
  }

  private static String typeName(Schema schema) {
    return schema.getLogicalType() != null
        ? schema.getLogicalType().getName()
        : switch (schema.getType()) {
          case RECORD, ENUM, FIXED -> schema.getName();
          default -> schema.getType().getName();
        };
  }

  private static MalformedRecordException mismatch(String path, String expected, JsonNode got) {
    String text = got.toString();
    if (text.length() > 80) {
      text = text.substring(0, 80) + "…";
    }
    return new MalformedRecordException(
        path + ": expected " + expected + ", got " + text, path, null);
  }
}
