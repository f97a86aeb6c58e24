package dev.streamactions.http;

/** The body of every error answer: {@code {"code": <http status>, "message": "<what to fix>"}}. */
public record ApiError(int code, String message) {}
