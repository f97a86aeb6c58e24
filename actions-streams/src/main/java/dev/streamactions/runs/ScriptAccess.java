package dev.streamactions.runs;

import java.util.Optional;

/**
 * What the identity and permission layer tells the runs: whether an action's service account may
 * fetch its script ({@code GET} on {@code action_scripts}), asked before every run, and the
 * credentials the script gets as {@code ORIGIN_CLUSTER_TOKEN}.
 */
public interface ScriptAccess {

    /** Empty when {@code serviceAccount} of {@code org} may fetch scripts; otherwise why not, for the run's error. */
    Optional<String> refusal(String org, String serviceAccount);

    /**
     * The value of {@code ORIGIN_CLUSTER_TOKEN} for a run as {@code serviceAccount}: base64 of
     * {@code email:token}. Asked at every run (a token may expire), so it must usually answer from memory.
     */
    String originToken(String org, String serviceAccount);
}
