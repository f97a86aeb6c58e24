package dev.streamactions.http;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.javalin.http.BadRequestResponse;
import io.javalin.http.ConflictResponse;
import java.util.Map;

/**
 * The body of every error answer: {@code {"code": <http status>, "message": "<what to fix>"}}, and
 * {@code "field"} when one field of the request is what to fix (the console shows the message next to it).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ApiError(int code, String message, String field) {
    static final String FIELD = "field";

    /** A 400 about one field of the request. */
    public static BadRequestResponse badField(String field, String message) {
        return new BadRequestResponse(message, Map.of(FIELD, field));
    }

    /** A 409 about one field of the request. */
    public static ConflictResponse conflictingField(String field, String message) {
        return new ConflictResponse(message, Map.of(FIELD, field));
    }
}
