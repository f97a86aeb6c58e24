package dev.streamactions.schemas.wire;

import java.util.Objects;
import java.util.function.Function;

/**
 * Reads the value of a topic that takes a record in either of two forms, as {@code actions.alerts}
 * and {@code actions.timer} do: the Confluent wire format (first byte {@code 0}) or a JSON object
 * (first byte, after blanks, {@code '{'}), as someone types it into kcat. Anything else is refused
 * with the reason.
 */
public final class TopicValueReader<T> {
  private final String what;
  private final AvroDeserializer<T> avro;
  private final Function<byte[], T> json;

  /**
   * @param what the kind of record, for messages ("alert event")
   * @param avro reads the wire format
   * @param json reads the JSON form; throws {@link MalformedRecordException} for bad input
   */
  public TopicValueReader(String what, AvroDeserializer<T> avro, Function<byte[], T> json) {
    this.what = Objects.requireNonNull(what);
    this.avro = Objects.requireNonNull(avro);
    this.json = Objects.requireNonNull(json);
  }

  /** Which form a value is in, judged from its first byte. */
  public enum Form {
    WIRE_FORMAT,
    JSON
  }

  /** The form of {@code value}; refuses an empty value and any other first byte. */
  public Form formOf(byte[] value) {
    if (value == null || value.length == 0) {
      throw new MalformedRecordException(
          "Empty value: " + JsonFields.withArticle(what) + " is a JSON object or Avro in the Confluent wire format");
    }
    if (value[0] == WireFormat.MAGIC_BYTE) {
      return Form.WIRE_FORMAT;
    }
    int i = 0;
    // A UTF-8 byte order mark and blanks may precede the object when typed by hand.
    if (value.length >= 3 && (value[0] & 0xff) == 0xef && (value[1] & 0xff) == 0xbb
        && (value[2] & 0xff) == 0xbf) {
      i = 3;
    }
    while (i < value.length && (value[i] == ' ' || value[i] == '\t' || value[i] == '\n'
        || value[i] == '\r')) {
      i++;
    }
    if (i < value.length && value[i] == '{') {
      return Form.JSON;
    }
    int b = i < value.length ? value[i] & 0xff : value[0] & 0xff;
    throw new MalformedRecordException(
        String.format(
            "Unknown magic byte 0x%02x%s: %s is either Avro in the Confluent wire format (first"
                + " byte 0x00) or a JSON object (first character '{')",
            b, b >= 0x20 && b < 0x7f ? " ('" + (char) b + "')" : "", JsonFields.withArticle(what)));
  }

  /** The record in {@code value}, whichever form it has. */
  public T read(byte[] value) {
    return switch (formOf(value)) {
      case WIRE_FORMAT -> avro.deserialize(value);
      case JSON -> json.apply(value);
    };
  }
}
