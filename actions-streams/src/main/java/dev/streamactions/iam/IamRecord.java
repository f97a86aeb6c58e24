package dev.streamactions.iam;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import java.time.Instant;
import java.util.List;

/**
 * What the {@code actions.iam} topic holds, one kind per key prefix (see {@link IamKeys}). Secrets
 * appear only as BCrypt hashes.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "kind")
@JsonSubTypes({
    @JsonSubTypes.Type(value = IamRecord.User.class, name = "user"),
    @JsonSubTypes.Type(value = IamRecord.ServiceAccount.class, name = "service_account"),
    @JsonSubTypes.Type(value = IamRecord.Role.class, name = "role"),
    @JsonSubTypes.Type(value = IamRecord.RunToken.class, name = "run_token"),
})
public sealed interface IamRecord {

    /** A person; the root user may do everything in every org. */
    record User(String email, String passwordHash, boolean root, Instant createdAt) implements IamRecord {}

    /** A non-person identity of one org, used by actions; its token is shown once, at creation. */
    record ServiceAccount(String org, String email, String tokenHash, List<String> roles, Instant createdAt)
            implements IamRecord {}

    /** A named set of permissions of one org. */
    record Role(String org, String name, List<Permission> permissions, Instant updatedAt) implements IamRecord {}

    /**
     * A token of a service account made for runs ({@code ORIGIN_CLUSTER_TOKEN}), because the account's
     * own token is stored only hashed and cannot be handed out again. It dies with {@code expiresAt}, and
     * with the account: {@code accountTokenHash} must still be the account's.
     */
    record RunToken(String id, String org, String email, String tokenHash, String accountTokenHash,
            Instant expiresAt) implements IamRecord {}
}
