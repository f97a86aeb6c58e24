package dev.streamactions.schemas.registry;

/**
 * A schema registry refused a request or could not be reached. {@link #httpStatus()} and {@link
 * #errorCode()} are those of the registry's answer (Confluent's codes: 40401 subject not found,
 * 40403 schema not found, 409 incompatible schema, 42201 invalid schema, ...), or -1 when there was
 * no answer.
 */
public class SchemaRegistryException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int httpStatus;
  private final int errorCode;

  public SchemaRegistryException(String message, int httpStatus, int errorCode, Throwable cause) {
    super(message, cause);
    this.httpStatus = httpStatus;
    this.errorCode = errorCode;
  }

  public SchemaRegistryException(String message, int httpStatus, int errorCode) {
    this(message, httpStatus, errorCode, null);
  }

  public int httpStatus() {
    return httpStatus;
  }

  public int errorCode() {
    return errorCode;
  }

  /** True for "subject not found", "version not found" and "schema not found" (HTTP 404). */
  public boolean isNotFound() {
    return httpStatus == 404;
  }

  /** True when the registry refused a schema as incompatible with the subject (HTTP 409). */
  public boolean isIncompatible() {
    return httpStatus == 409;
  }

  /** True when the registry refused a schema as invalid (HTTP 422, error codes 422xx). */
  public boolean isInvalidSchema() {
    return httpStatus == 422;
  }
}
