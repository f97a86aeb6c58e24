package dev.streamactions.iam;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.springframework.security.crypto.bcrypt.BCryptPasswordEncoder;

/**
 * Hashes and checks passwords and tokens with BCrypt, and remembers successful checks so a client that
 * sends the same credentials on every request (an ingestion loop) pays one BCrypt per instance, not one
 * per request.
 *
 * <p>The memory is keyed by an HMAC, under a key made fresh by each process and never stored, of the
 * stored hash and the presented secret. So a heap dump does not give a fast hash to brute-force, and a
 * changed or replaced credential (a new stored hash) can never hit an old entry: there is nothing to
 * invalidate, and a deleted account fails its lookup before any check.
 */
final class Credentials {
    /** BCrypt reads only the first 72 bytes; longer secrets would be silently truncated. */
    static final int MAX_SECRET_BYTES = 72;

    private final BCryptPasswordEncoder bcrypt;
    private final SecureRandom random = new SecureRandom();
    private final SecretKeySpec cacheKey;
    private final Cache<String, Boolean> verified = Caffeine.newBuilder()
            .maximumSize(100_000)
            .expireAfterAccess(Duration.ofHours(1))
            .build();

    Credentials(int bcryptStrength) {
        this.bcrypt = new BCryptPasswordEncoder(bcryptStrength, random);
        byte[] key = new byte[32];
        random.nextBytes(key);
        this.cacheKey = new SecretKeySpec(key, "HmacSHA256");
    }

    /** A salted BCrypt hash of {@code secret}. */
    String hash(String secret) {
        if (secret.getBytes(StandardCharsets.UTF_8).length > MAX_SECRET_BYTES) {
            throw IamException.invalid("a password may have at most " + MAX_SECRET_BYTES + " bytes (BCrypt's limit)");
        }
        return bcrypt.encode(secret);
    }

    /** Whether {@code secret} is the one {@code storedHash} was made from. */
    boolean matches(String secret, String storedHash) {
        // BCrypt would compare only the first 72 bytes; every stored secret was checked to fit at creation.
        if (secret == null || storedHash == null || secret.getBytes(StandardCharsets.UTF_8).length > MAX_SECRET_BYTES) {
            return false;
        }
        String key = cacheKey(storedHash, secret);
        if (verified.getIfPresent(key) != null) {
            return true;
        }
        boolean ok = bcrypt.matches(secret, storedHash);
        if (ok) {
            verified.put(key, Boolean.TRUE);
        }
        return ok;
    }

    /** A new random token: 256 bits, URL-safe Base64 without padding (43 characters). */
    String newToken() {
        byte[] bytes = new byte[32];
        random.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** A short random id for keys. */
    String newId() {
        byte[] bytes = new byte[12];
        random.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** How many successful checks are remembered (for tests). */
    long remembered() {
        verified.cleanUp();
        return verified.estimatedSize();
    }

    private String cacheKey(String storedHash, String secret) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(cacheKey);
            mac.update(storedHash.getBytes(StandardCharsets.UTF_8));
            mac.update((byte) 0);
            return Base64.getEncoder().encodeToString(mac.doFinal(secret.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("every Java runtime has HmacSHA256", e);
        }
    }
}
