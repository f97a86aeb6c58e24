package dev.streamactions.runner;

/** How an action's {@code main} is called. */
public enum ActionType {
    /** {@code main(data, logger)}: runs on log records or alert payloads, returns a list of dicts. */
    REALTIME,
    /** {@code main()}: runs on a schedule, with no input. */
    SCHEDULED
}
