package dev.streamactions.registry;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.Incompatibility;

/**
 * Confluent's compatibility levels, checked with Avro's own {@link SchemaCompatibility}. BACKWARD: the
 * new schema reads what the earlier one wrote (consumers upgrade first); FORWARD: the earlier one reads
 * what the new one writes (producers upgrade first); FULL: both. Plain levels compare with the latest
 * version, {@code _TRANSITIVE} ones with every earlier version.
 */
public enum CompatibilityLevel {
    NONE, BACKWARD, BACKWARD_TRANSITIVE, FORWARD, FORWARD_TRANSITIVE, FULL, FULL_TRANSITIVE;

    /** Confluent's default, and the built-in registry's. */
    public static final CompatibilityLevel DEFAULT = BACKWARD;

    /** An earlier version of a subject, as a compatibility check sees it. */
    public record Version(int version, Schema schema) {
    }

    /** The level named {@code name} (any case); refuses anything else, listing the levels. */
    public static CompatibilityLevel parse(String name) {
        if (name != null) {
            try {
                return valueOf(name.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                // fall through to the message below
            }
        }
        throw new IllegalArgumentException("Invalid compatibility level " + (name == null ? "(none)" : "\"" + name + "\"")
                + "; valid levels are " + Arrays.stream(values()).map(Enum::name).collect(Collectors.joining(", ")));
    }

    public boolean transitive() {
        return name().endsWith("_TRANSITIVE");
    }

    private boolean backward() {
        return this == BACKWARD || this == BACKWARD_TRANSITIVE || this == FULL || this == FULL_TRANSITIVE;
    }

    private boolean forward() {
        return this == FORWARD || this == FORWARD_TRANSITIVE || this == FULL || this == FULL_TRANSITIVE;
    }

    /**
     * Why {@code candidate} may not follow {@code earlier} (oldest first) under this level: one message a
     * problem, naming the version, the direction, Avro's error type, where in the schema, and what to
     * change. Empty when compatible.
     */
    public List<String> problems(Schema candidate, List<Version> earlier) {
        if (this == NONE || earlier.isEmpty()) {
            return List.of();
        }
        List<Version> against = transitive() ? earlier : List.of(earlier.get(earlier.size() - 1));
        List<String> problems = new ArrayList<>();
        for (Version old : against) {
            String oldName = "version " + old.version();
            if (backward()) {
                describe(SchemaCompatibility.checkReaderWriterCompatibility(candidate, old.schema()),
                        "the new schema", oldName, problems);
            }
            if (forward()) {
                describe(SchemaCompatibility.checkReaderWriterCompatibility(old.schema(), candidate),
                        oldName, "the new schema", problems);
            }
        }
        return problems;
    }

    private void describe(SchemaCompatibility.SchemaPairCompatibility pair, String reader, String writer,
            List<String> into) {
        for (Incompatibility i : pair.getResult().getIncompatibilities()) {
            into.add(i.getType() + " at " + i.getLocation() + " (" + this + ": " + reader + " must read what "
                    + writer + " wrote): " + explain(i, reader, writer));
        }
    }

    private static String explain(Incompatibility i, String reader, String writer) {
        String what = i.getMessage();
        return switch (i.getType()) {
            case READER_FIELD_MISSING_DEFAULT_VALUE -> reader + " has the field \"" + what
                    + "\" without a default value and " + writer
                    + " does not have it; give the field a default (for an optional field: a union with"
                    + " \"null\" first and \"default\": null)";
            case TYPE_MISMATCH -> "the type changed (" + what + "); keep the type, or add a new field with"
                    + " the new type";
            case NAME_MISMATCH -> "the name changed (" + what + "); keep the name or add the old one to"
                    + " \"aliases\"";
            case MISSING_ENUM_SYMBOLS -> reader + "'s enum lacks the symbols " + what + " that " + writer
                    + " has; keep them, or give the enum a \"default\" symbol";
            case MISSING_UNION_BRANCH -> reader + "'s union has no branch for " + what + " that " + writer
                    + " may write; add that branch";
            case FIXED_SIZE_MISMATCH -> "the size of a fixed type changed (" + what + ")";
            default -> what;
        };
    }
}
