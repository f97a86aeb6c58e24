package dev.streamactions.schemas.wire;

import dev.streamactions.schemas.registry.SchemaRegistry;
import java.io.IOException;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.AvroRuntimeException;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DatumReader;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificRecord;

/**
 * Reads records in the Confluent wire format. The writer schema comes from the registry by the id in
 * the record (cached), the reader schema is the one this deserializer was made for, and Avro's
 * schema resolution bridges the two: a field the writer added is skipped, a field the reader added
 * takes its default. Knows nothing of Kafka.
 *
 * <p>Thread-safe.
 */
public final class AvroDeserializer<T> {
  private final SchemaRegistry registry;
  private final Schema readerSchema;
  private final GenericData model;
  private final boolean specific;
  private final Map<Integer, DatumReader<T>> readers = new ConcurrentHashMap<>();

  private AvroDeserializer(
      SchemaRegistry registry, Schema readerSchema, GenericData model, boolean specific) {
    this.registry = Objects.requireNonNull(registry, "registry");
    this.readerSchema = readerSchema;
    this.model = model;
    this.specific = specific;
  }

  /** Reads into the generated class {@code type}, e.g. {@code AlertEvent.class}. */
  public static <T extends SpecificRecord> AvroDeserializer<T> forClass(
      SchemaRegistry registry, Class<T> type) {
    SpecificData model = SpecificData.getForClass(type);
    return new AvroDeserializer<>(registry, model.getSchema(type), model, true);
  }

  /** Reads into {@link GenericRecord}s of {@code readerSchema}. */
  public static AvroDeserializer<GenericRecord> generic(
      SchemaRegistry registry, Schema readerSchema) {
    return new AvroDeserializer<>(registry, readerSchema, GenericData.get(), false);
  }

  public Schema readerSchema() {
    return readerSchema;
  }

  /** The record; null for null. */
  public T deserialize(byte[] bytes) {
    if (bytes == null) {
      return null;
    }
    WireFormat.Framed framed = WireFormat.decode(bytes);
    DatumReader<T> reader = readers.computeIfAbsent(framed.schemaId(), this::readerFor);
    BinaryDecoder decoder = DecoderFactory.get().binaryDecoder(framed.payload(), null);
    try {
      T record = reader.read(null, decoder);
      if (!decoder.isEnd()) {
        throw new MalformedRecordException(
            "Bytes left after the record of schema id " + framed.schemaId()
                + ": the value was not written with that schema");
      }
      return record;
    } catch (IOException | AvroRuntimeException | IndexOutOfBoundsException e) {
      throw new MalformedRecordException(
          "Cannot read the Avro record of schema id " + framed.schemaId() + " as "
              + readerSchema.getFullName() + ": " + e.getMessage(),
          null,
          e);
    }
  }

  private DatumReader<T> readerFor(int schemaId) {
    Schema writer = registry.schemaById(schemaId);
    return specific
        ? new SpecificDatumReader<>(writer, readerSchema, (SpecificData) model)
        : new GenericDatumReader<>(writer, readerSchema, model);
  }
}
