package dev.streamactions.schemas.registry;

import java.util.List;

/**
 * The answer of a compatibility check: whether the schema may be registered, and the registry's
 * messages saying why not (empty when compatible, and possibly empty when the registry gives none).
 */
public record CompatibilityResult(boolean compatible, List<String> messages) {
  public CompatibilityResult {
    messages = List.copyOf(messages);
  }

  public static CompatibilityResult ok() {
    return new CompatibilityResult(true, List.of());
  }
}
