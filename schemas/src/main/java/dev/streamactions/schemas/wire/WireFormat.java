package dev.streamactions.schemas.wire;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Confluent's wire format for Avro: the magic byte {@code 0}, the writer schema's registry id as a
 * big-endian 32-bit integer, then the Avro binary encoding of the record (no container file, no
 * schema). Confluent's, Redpanda's and Karapace's serializers all write it.
 */
public final class WireFormat {
  /** The first byte of every record in the wire format. */
  public static final byte MAGIC_BYTE = 0;
  /** Magic byte and schema id. */
  public static final int HEADER_SIZE = 5;

  private WireFormat() {}

  /** A framed record: the schema id and the Avro binary payload after the header. */
  public record Framed(int schemaId, byte[] payload) {
    @Override
    public boolean equals(Object o) {
      return o instanceof Framed f && f.schemaId == schemaId && Arrays.equals(f.payload, payload);
    }

    @Override
    public int hashCode() {
      return 31 * schemaId + Arrays.hashCode(payload);
    }

    @Override
    public String toString() {
      return "Framed[schemaId=" + schemaId + ", " + payload.length + " bytes]";
    }
  }

  public static byte[] encode(int schemaId, byte[] avroBinary) {
    return ByteBuffer.allocate(HEADER_SIZE + avroBinary.length)
        .put(MAGIC_BYTE)
        .putInt(schemaId)
        .put(avroBinary)
        .array();
  }

  /** Splits a record in the wire format; refuses a wrong magic byte or a record shorter than 5 bytes. */
  public static Framed decode(byte[] record) {
    if (record == null) {
      throw new MalformedRecordException("No bytes: a null value is not a record in the Confluent wire format");
    }
    if (record.length < HEADER_SIZE) {
      throw new MalformedRecordException(
          "Only " + record.length + " bytes: a record in the Confluent wire format has at least 5"
              + " (magic byte 0 and a 4-byte schema id)");
    }
    if (record[0] != MAGIC_BYTE) {
      throw new MalformedRecordException(
          String.format(
              "Unknown magic byte 0x%02x: the Confluent wire format starts with 0x00", record[0]));
    }
    int id = ByteBuffer.wrap(record, 1, 4).getInt();
    return new Framed(id, Arrays.copyOfRange(record, HEADER_SIZE, record.length));
  }
}
