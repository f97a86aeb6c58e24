package dev.streamactions.schemas.wire;

/**
 * A record's bytes are not what its topic accepts: not JSON, a missing or invalid field, not the
 * Confluent wire format. The message says what is wrong and is meant for the person who produced the
 * record (it goes to the DLQ as the reason); {@link #field()} names the field at fault when there is
 * one.
 */
public class MalformedRecordException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  private final String field;

  public MalformedRecordException(String message) {
    this(message, null, null);
  }

  public MalformedRecordException(String message, String field, Throwable cause) {
    super(message, cause);
    this.field = field;
  }

  /** The field at fault ({@code "org"}, {@code "triggered_at"}, ...), or null. */
  public String field() {
    return field;
  }
}
