package dev.streamactions.iam;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import dev.streamactions.config.ActionsConfig;
import dev.streamactions.tables.TableTopic;
import dev.streamactions.topics.TopicAdmin;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Users, service accounts and roles, kept in the compacted topic {@value #TOPIC} that every instance
 * reads whole ({@link TableTopic}), so every instance agrees and a write is visible to its writer at
 * once. Passwords and tokens are stored only as BCrypt hashes ({@link Credentials}).
 *
 * <p>The root user may do everything in every org. A service account belongs to one org and may do
 * what its roles grant there; roles are sets of (resource, methods).
 *
 * <p>{@code ORIGIN_CLUSTER_TOKEN}: a service account's own token is shown once and stored hashed, so it
 * cannot be handed to a run later. Keeping it encrypted instead would need a key every instance shares
 * and nobody else reads, which this product has no place for. So runs get a <em>run token</em> of the
 * same account ({@link #originClusterToken}): a random secret, stored BCrypt-hashed in the same topic
 * under its own id, valid for {@code iam.run.token.ttl.ms}, reused by this instance until half of that
 * is left, and dead as soon as the account is deleted or its token replaced. Any instance accepts it,
 * and it allows exactly what the account's roles allow.
 */
public final class Iam implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Iam.class);

    /** The compacted topic of identities. */
    public static final String TOPIC = "actions.iam";
    public static final String DEFAULT_ROOT_EMAIL = "root@example.com";
    public static final String DEFAULT_ROOT_PASSWORD = "Complexpass#123";

    /** Run tokens start with this, which no account token can (those are URL-safe Base64, no dots). */
    private static final String RUN_TOKEN_PREFIX = "rt.";
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    /** Not a full RFC 5322 check: enough to keep keys and basic auth ("email:secret") unambiguous. */
    private static final Pattern EMAIL = Pattern.compile("[^@\\s/:]{1,128}@[^@\\s/:]{1,128}");

    /** What the store needs from the configuration. */
    public record Settings(int bcryptStrength, Duration runTokenTtl, short replication, Duration timeout) {
        public static Settings from(ActionsConfig config) {
            return new Settings(config.getInt(ActionsConfig.IAM_BCRYPT_STRENGTH),
                    config.duration(ActionsConfig.IAM_RUN_TOKEN_TTL_MS),
                    config.getShort(ActionsConfig.TOPIC_REPLICATION), Duration.ofSeconds(30));
        }
    }

    /** The root user after {@link #ensureRootUser}: {@code password} is null unless it was just created. */
    public record RootUser(String email, String password, boolean created, boolean defaulted) {}

    /** A service account as just created: the only time its {@code token} is known. */
    public record CreatedServiceAccount(String org, String email, String token, List<String> roles) {}

    /** A service account as listed (no secret). */
    public record ServiceAccountView(String email, List<String> roles, Instant createdAt) {}

    private record Issued(String token, Instant expiresAt, String accountTokenHash) {}

    private static final ObjectMapper JSON = JsonMapper.builder()
            .addModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .build();

    private final TableTopic<String, IamRecord> table;
    private final Credentials credentials;
    private final Settings settings;
    private final Clock clock;
    /** Run tokens this instance handed out, by "org/email"; the secrets exist nowhere else. */
    private final Map<String, Issued> issued = new ConcurrentHashMap<>();

    Iam(TableTopic<String, IamRecord> table, Settings settings, Clock clock) {
        this.table = table;
        this.settings = settings;
        this.clock = clock;
        this.credentials = new Credentials(settings.bcryptStrength());
    }

    /**
     * Creates {@value #TOPIC} when missing (compacted, one partition, so every change is in one order),
     * reads it whole, and answers the store.
     */
    public static Iam open(Properties clientProperties, TopicAdmin admin, Settings settings, Clock clock)
            throws TimeoutException {
        admin.ensure(List.of(TopicAdmin.table(TOPIC, 1, settings.replication())));
        TableTopic<String, IamRecord> table = new TableTopic<>(TOPIC, clientProperties, codec());
        try {
            table.start(settings.timeout());
        } catch (TimeoutException | RuntimeException e) {
            table.close();
            throw e;
        }
        return new Iam(table, settings, clock);
    }

    static TableTopic.Codec<String, IamRecord> codec() {
        return new TableTopic.Codec<>(
                k -> k.getBytes(StandardCharsets.UTF_8),
                b -> new String(b, StandardCharsets.UTF_8),
                v -> {
                    try {
                        return JSON.writeValueAsBytes(v);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                },
                b -> {
                    try {
                        return JSON.readValue(b, IamRecord.class);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
    }

    /**
     * Creates the root user on first start, from {@code root.user.email} / {@code root.user.password}
     * (ACTIONS_ROOT_USER_EMAIL / ACTIONS_ROOT_USER_PASSWORD), or the documented defaults with a warning.
     * A root user that exists is kept as stored: a second start never resets a changed password.
     */
    public RootUser ensureRootUser(ActionsConfig config) throws TimeoutException {
        String email = config.getString(ActionsConfig.ROOT_USER_EMAIL);
        String password = config.getPassword(ActionsConfig.ROOT_USER_PASSWORD).value();
        boolean defaulted = email.isBlank() || password.isEmpty();
        if (email.isBlank()) {
            email = DEFAULT_ROOT_EMAIL;
        }
        if (password.isEmpty()) {
            password = DEFAULT_ROOT_PASSWORD;
        }
        return ensureRootUser(email, password, defaulted);
    }

    /** As {@link #ensureRootUser(ActionsConfig)}, with the values given. */
    public RootUser ensureRootUser(String email, String password, boolean defaulted) throws TimeoutException {
        Optional<IamRecord.User> existing = table.snapshot().values().stream()
                .filter(r -> r instanceof IamRecord.User u && u.root())
                .map(IamRecord.User.class::cast)
                .min(Comparator.comparing(IamRecord.User::createdAt));
        if (existing.isPresent()) {
            if (!existing.get().email().equals(email)) {
                log.warn("The root user {} already exists; {} from the configuration is not created", existing.get().email(),
                        email);
            }
            return new RootUser(existing.get().email(), null, false, false);
        }
        checkEmail(email, "root user");
        if (defaulted) {
            log.warn("No ACTIONS_ROOT_USER_EMAIL / ACTIONS_ROOT_USER_PASSWORD set: created the root user {} with the"
                    + " documented default password. Anyone who read the documentation can log in; set both"
                    + " variables before the first start of a real deployment.", email);
        }
        table.put(IamKeys.user(email), new IamRecord.User(email, credentials.hash(password), true, clock.instant()),
                settings.timeout());
        return new RootUser(email, password, true, defaulted);
    }

    /**
     * The principal behind {@code email:secret}, or empty when they do not match. {@code org} is the
     * org of the request (null for org-less paths): service accounts are looked up in it.
     */
    public Optional<Principal> authenticate(String org, String email, String secret) {
        if (email == null || secret == null) {
            return Optional.empty();
        }
        if (table.get(IamKeys.user(email)).orElse(null) instanceof IamRecord.User user
                && credentials.matches(secret, user.passwordHash())) {
            return Optional.of(new Principal(Principal.Kind.USER, email, null, user.root(), List.of()));
        }
        if (org == null) {
            return Optional.empty();
        }
        if (!(table.get(IamKeys.serviceAccount(org, email)).orElse(null) instanceof IamRecord.ServiceAccount account)) {
            return Optional.empty();
        }
        boolean ok = secret.startsWith(RUN_TOKEN_PREFIX)
                ? runTokenMatches(account, secret)
                : credentials.matches(secret, account.tokenHash());
        return ok
                ? Optional.of(new Principal(Principal.Kind.SERVICE_ACCOUNT, email, org, false, account.roles()))
                : Optional.empty();
    }

    private boolean runTokenMatches(IamRecord.ServiceAccount account, String presented) {
        int dot = presented.indexOf('.', RUN_TOKEN_PREFIX.length());
        if (dot < 0) {
            return false;
        }
        String id = presented.substring(RUN_TOKEN_PREFIX.length(), dot);
        return table.get(IamKeys.runToken(id)).orElse(null) instanceof IamRecord.RunToken token
                && token.org().equals(account.org())
                && token.email().equals(account.email())
                && token.accountTokenHash().equals(account.tokenHash())
                && clock.instant().isBefore(token.expiresAt())
                && credentials.matches(presented.substring(dot + 1), token.tokenHash());
    }

    /** Whether {@code principal} may call {@code method} on {@code resource} in {@code org}, and if not why. */
    public Decision authorize(Principal principal, String org, Resource resource, String method) {
        if (principal.root()) {
            return Decision.allow();
        }
        if (principal.kind() == Principal.Kind.USER) {
            return Decision.deny(principal.describe() + " has no permissions in org " + org
                    + "; only the root user is supported so far");
        }
        if (!org.equals(principal.org())) {
            return Decision.deny(principal.describe() + " cannot act in org " + org);
        }
        // The roles as stored now, not as when the request was authenticated: a role change applies at once.
        List<String> roles = table.get(IamKeys.serviceAccount(org, principal.email()))
                .map(r -> ((IamRecord.ServiceAccount) r).roles())
                .orElse(List.of());
        for (String roleName : roles) {
            if (table.get(IamKeys.role(org, roleName)).orElse(null) instanceof IamRecord.Role role
                    && role.permissions().stream().anyMatch(p -> p.allows(resource, method))) {
                return Decision.allow();
            }
        }
        String grant = "{\"resource\":\"" + resource.id() + "\",\"methods\":[\"" + method + "\"]}";
        return Decision.deny(principal.describe() + " lacks " + method + " on " + resource.id() + ": "
                + (roles.isEmpty() ? "it has no roles" : "none of its roles " + roles + " grants it")
                + "; add " + grant + " to a role of the account (POST /api/" + org + "/roles)");
    }

    /**
     * Whether the action's service account may fetch its script ({@code GET} on {@code action_scripts}),
     * asked before every run; when not, {@link Decision#reason()} is the run's error.
     */
    public Decision mayFetchScript(String org, String serviceAccountEmail) {
        if (!(table.get(IamKeys.serviceAccount(org, serviceAccountEmail)).orElse(null)
                instanceof IamRecord.ServiceAccount account)) {
            return Decision.deny("service account " + serviceAccountEmail + " does not exist in org " + org
                    + "; create it (POST /api/" + org + "/service_accounts) or pick another for the action");
        }
        Principal principal = new Principal(Principal.Kind.SERVICE_ACCOUNT, account.email(), org, false,
                account.roles());
        Decision decision = authorize(principal, org, Resource.ACTION_SCRIPTS, "GET");
        return decision.allowed() ? decision
                : Decision.deny("cannot fetch the script: " + decision.reason());
    }

    /**
     * {@code ORIGIN_CLUSTER_TOKEN} for a run as {@code serviceAccountEmail}: base64 of {@code email:token}
     * with a run token of that account (see the class comment). Usually answered from memory; about once
     * per half token lifetime it makes and stores a new one (one BCrypt and one write).
     *
     * @throws IamException when the account does not exist
     */
    public String originClusterToken(String org, String serviceAccountEmail) throws TimeoutException {
        String key = org + "/" + serviceAccountEmail;
        IamRecord.ServiceAccount account = serviceAccount(org, serviceAccountEmail);
        Issued current = issued.get(key);
        if (!fresh(current, account)) {
            current = issue(key, account);
        }
        return Base64.getEncoder().encodeToString(
                (serviceAccountEmail + ":" + current.token()).getBytes(StandardCharsets.UTF_8));
    }

    private boolean fresh(Issued token, IamRecord.ServiceAccount account) {
        return token != null
                && token.accountTokenHash().equals(account.tokenHash())
                && clock.instant().plus(settings.runTokenTtl().dividedBy(2)).isBefore(token.expiresAt());
    }

    private synchronized Issued issue(String key, IamRecord.ServiceAccount account) throws TimeoutException {
        Issued current = issued.get(key);
        if (fresh(current, account)) {
            return current;
        }
        removeExpiredRunTokens();
        String id = credentials.newId();
        String secret = credentials.newToken();
        Instant expiresAt = clock.instant().plus(settings.runTokenTtl());
        table.put(IamKeys.runToken(id), new IamRecord.RunToken(id, account.org(), account.email(),
                credentials.hash(secret), account.tokenHash(), expiresAt), settings.timeout());
        Issued fresh = new Issued(RUN_TOKEN_PREFIX + id + "." + secret, expiresAt, account.tokenHash());
        issued.put(key, fresh);
        return fresh;
    }

    /** Any instance may remove any expired run token: a tombstone for a dead key is harmless. */
    private void removeExpiredRunTokens() throws TimeoutException {
        Instant now = clock.instant();
        for (Map.Entry<String, IamRecord> entry : table.snapshot().entrySet()) {
            if (entry.getValue() instanceof IamRecord.RunToken token && !now.isBefore(token.expiresAt())) {
                table.remove(entry.getKey(), settings.timeout());
            }
        }
    }

    /** Creates a service account of {@code org} with {@code roles} (which must exist) and answers its token, once. */
    public CreatedServiceAccount createServiceAccount(String org, String email, List<String> roles)
            throws TimeoutException {
        checkName(org, "org");
        checkEmail(email, "service account");
        List<String> roleList = roles == null ? List.of() : List.copyOf(roles);
        List<String> missing = roleList.stream().filter(r -> table.get(IamKeys.role(org, r)).isEmpty()).toList();
        if (!missing.isEmpty()) {
            throw IamException.invalid("no role " + String.join(", ", missing) + " in org " + org
                    + "; create it first (POST /api/" + org + "/roles)");
        }
        if (table.get(IamKeys.serviceAccount(org, email)).isPresent()) {
            throw IamException.conflict("service account " + email + " already exists in org " + org);
        }
        String token = credentials.newToken();
        table.put(IamKeys.serviceAccount(org, email), new IamRecord.ServiceAccount(org, email,
                credentials.hash(token), roleList, clock.instant()), settings.timeout());
        return new CreatedServiceAccount(org, email, token, roleList);
    }

    /** Creates or replaces role {@code name} of {@code org}; true when it is new. */
    public boolean putRole(String org, String name, List<Permission> permissions) throws TimeoutException {
        checkName(org, "org");
        checkName(name, "role");
        boolean created = table.get(IamKeys.role(org, name)).isEmpty();
        table.put(IamKeys.role(org, name), new IamRecord.Role(org, name,
                List.copyOf(permissions == null ? List.of() : permissions), clock.instant()), settings.timeout());
        return created;
    }

    public List<ServiceAccountView> serviceAccounts(String org) {
        List<ServiceAccountView> out = new ArrayList<>();
        for (IamRecord r : table.snapshot().values()) {
            if (r instanceof IamRecord.ServiceAccount a && a.org().equals(org)) {
                out.add(new ServiceAccountView(a.email(), a.roles(), a.createdAt()));
            }
        }
        out.sort(Comparator.comparing(ServiceAccountView::email));
        return out;
    }

    public List<IamRecord.Role> roles(String org) {
        List<IamRecord.Role> out = new ArrayList<>();
        for (IamRecord r : table.snapshot().values()) {
            if (r instanceof IamRecord.Role role && role.org().equals(org)) {
                out.add(role);
            }
        }
        out.sort(Comparator.comparing(IamRecord.Role::name));
        return out;
    }

    private IamRecord.ServiceAccount serviceAccount(String org, String email) {
        if (table.get(IamKeys.serviceAccount(org, email)).orElse(null) instanceof IamRecord.ServiceAccount account) {
            return account;
        }
        throw IamException.invalid("service account " + email + " does not exist in org " + org);
    }

    /** Org and role names: letters, digits, '_' and '-', as topic names and keys need. */
    public static void checkName(String name, String what) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw IamException.invalid("bad " + what + " name '" + name
                    + "': use 1 to 64 letters, digits, '_' or '-'");
        }
    }

    private static void checkEmail(String email, String what) {
        if (email == null || !EMAIL.matcher(email).matches()) {
            throw IamException.invalid("bad " + what + " email '" + email
                    + "': it needs one '@' and no spaces, ':' or '/'");
        }
    }

    /** How many successful credential checks are remembered (for tests of the cache). */
    long rememberedChecks() {
        return credentials.remembered();
    }

    @Override
    public void close() {
        table.close();
    }
}
