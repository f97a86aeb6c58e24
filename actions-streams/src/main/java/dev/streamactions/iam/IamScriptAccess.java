package dev.streamactions.iam;

import dev.streamactions.runs.ScriptAccess;
import java.util.Optional;
import java.util.concurrent.TimeoutException;

/** The runs' permission check and run credentials, answered by the identities of {@link Iam}. */
public final class IamScriptAccess implements ScriptAccess {
    private final Iam iam;

    public IamScriptAccess(Iam iam) {
        this.iam = iam;
    }

    @Override
    public Optional<String> refusal(String org, String serviceAccount) {
        Decision decision = iam.mayFetchScript(org, serviceAccount);
        return decision.allowed() ? Optional.empty() : Optional.of(decision.reason());
    }

    @Override
    public String originToken(String org, String serviceAccount) {
        try {
            return iam.originClusterToken(org, serviceAccount);
        } catch (TimeoutException e) {
            throw new IllegalStateException("Kafka did not store the run token in time: " + e.getMessage(), e);
        }
    }
}
