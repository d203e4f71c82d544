package dev.baton.compaction;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.baton.config.BatonConfig;
import dev.baton.protocol.ApiError;
import dev.baton.protocol.ApiException;
import dev.baton.protocol.CompactionItem;
import dev.baton.protocol.Item;
import dev.baton.render.RenderedContext;
import dev.baton.session.TenantId;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.jboss.logging.Logger;

/**
 * Seals compaction summaries into {@code encrypted_content} and opens them again: AES-256-GCM under a key ring, the
 * tenant sealed inside and the key id bound as associated data. Sealed form:
 * {@code baton1.<key id>.<base64url(nonce ‖ ciphertext ‖ tag)>}.
 *
 * <p>Where the ring comes from, in this order: {@code BATON_COMPACTION_KEYS} (the first key seals, any opens, so keys
 * rotate by id); with Redis and no keys, the one key the replicas share through Redis ({@link SharedSealingKey}) — the
 * seal has no key and refuses to seal or open (503) until it is known, rather than sealing items no other replica can
 * open; without either, a random key of this process (a warning at start).
 *
 * <p>A compaction item is checked before a turn runs, whether the request sent it or the chain it continues holds it:
 * altered, sealed under an unknown key, or sealed for another tenant — a 400 {@code invalid_encrypted_content}, the
 * same for each so the answer tells nothing. A turn never runs on a history whose summary it cannot read.
 */
@ApplicationScoped
public class CompactionSeal {

    private static final Logger LOG = Logger.getLogger(CompactionSeal.class);
    private static final String VERSION = "baton1";
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;
    private static final Pattern KEY_ID = Pattern.compile("[A-Za-z0-9_-]{1,32}");
    private static final ObjectMapper JSON = new ObjectMapper();
    // never static: a SecureRandom made while the native image is built would be frozen into it with its seed
    private final SecureRandom random = new SecureRandom();

    /** A summary as it was sealed, and for whom. */
    public record Opened(TenantId tenant, String summary) {
    }

    /** Keys by id, the first the sealing key. */
    private record Ring(Map<String, SecretKeySpec> keys, String sealingKeyId) {

        static Ring of(Map<String, SecretKeySpec> keys) {
            return new Ring(Collections.unmodifiableMap(new LinkedHashMap<>(keys)), keys.keySet().iterator().next());
        }
    }

    /** Where the keys come from. */
    enum Source { CONFIGURED, SHARED, LOCAL }

    private final Source source;
    private volatile Ring ring; // null while a shared key is not known yet

    @Inject
    public CompactionSeal(BatonConfig config) {
        this(config.compaction().keys().orElse(List.of()),
                config.redis().url().isPresent() ? Source.SHARED : Source.LOCAL);
    }

    /** @param keys {@code id:base64} entries, the sealing key first; none: one random key for this process */
    public CompactionSeal(List<String> keys) {
        this(keys, Source.LOCAL);
    }

    /** @param withoutKeys where the ring comes from when {@code keys} holds none */
    private CompactionSeal(List<String> keys, Source withoutKeys) {
        Map<String, SecretKeySpec> configured = parse(keys, "BATON_COMPACTION_KEYS");
        if (!configured.isEmpty()) {
            this.source = Source.CONFIGURED;
            this.ring = Ring.of(configured);
        } else if (withoutKeys == Source.SHARED) {
            this.source = Source.SHARED;
            this.ring = null;
        } else {
            this.source = Source.LOCAL;
            this.ring = Ring.of(parse(List.of(newKey("local")), "a random key"));
        }
        CompactionItem.openWith(sealed -> {
            Opened opened = open(sealed);
            return opened == null ? null : opened.summary();
        });
    }

    /** A seal that waits for the replicas' shared key ({@link #useSharedKey}): what Redis without keys gives. */
    public static CompactionSeal awaitingSharedKey() {
        return new CompactionSeal(List.of(), Source.SHARED);
    }

    /** A fresh random key as {@code <id>:<base64>}, its id {@code <prefix>-} and 12 random hex digits. */
    static String newKey(String prefix) {
        byte[] material = new byte[32];
        SecureRandom fresh = new SecureRandom(); // keys are made rarely (at start, then only while none is known)
        fresh.nextBytes(material);
        byte[] id = new byte[6];
        fresh.nextBytes(id);
        return prefix + "-" + HexFormat.of().formatHex(id) + ":" + Base64.getEncoder().encodeToString(material);
    }

    private static Map<String, SecretKeySpec> parse(List<String> keys, String origin) {
        Map<String, SecretKeySpec> ring = new LinkedHashMap<>();
        for (String entry : keys) {
            String trimmed = entry.strip();
            if (trimmed.isEmpty()) {
                continue;
            }
            int colon = trimmed.indexOf(':');
            String id = colon < 0 ? "" : trimmed.substring(0, colon);
            if (!KEY_ID.matcher(id).matches()) {
                throw new IllegalArgumentException(origin + ": each key is <id>:<base64 of 32 bytes>, the id 1 to"
                        + " 32 of A-Z a-z 0-9 _ -; entry " + (ring.size() + 1) + " has no valid id");
            }
            byte[] material;
            try {
                material = Base64.getDecoder().decode(trimmed.substring(colon + 1));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(origin + ": key '" + id + "' is not base64");
            }
            if (material.length != 32) {
                throw new IllegalArgumentException(origin + ": key '" + id + "' has " + material.length
                        + " bytes; AES-256 needs 32 (openssl rand -base64 32)");
            }
            if (ring.put(id, new SecretKeySpec(material, "AES")) != null) {
                throw new IllegalArgumentException(origin + ": key id '" + id + "' is listed twice");
            }
        }
        return ring;
    }

    void start(@Observes StartupEvent start) {
        Ring now = ring;
        if (source == Source.LOCAL) {
            LOG.warn("BATON_COMPACTION_KEYS and BATON_REDIS_URL are not set: compaction items are sealed with a key of"
                    + " this process only, so no other replica and no restart can open them; set the same keys on every"
                    + " replica, or a Redis they share");
        } else if (source == Source.CONFIGURED) {
            LOG.infof("compaction: %d keys from BATON_COMPACTION_KEYS, sealing with '%s'", now.keys().size(),
                    now.sealingKeyId());
        } // SHARED: SharedSealingKey logs once it knows the key
    }

    /** Whether the ring is the replicas' shared key from Redis (and {@link #useSharedKey} may set it). */
    boolean usesSharedKey() {
        return source == Source.SHARED;
    }

    /** The id of the key that seals now, or {@code null} while none is known. */
    String sealingKeyId() {
        Ring now = ring;
        return now == null ? null : now.sealingKeyId();
    }

    /** Earlier shared keys a replica keeps opening after Redis hands it another (a flushed Redis, a replica that made one). */
    static final int SHARED_KEYS_KEPT = 8;

    /**
     * Makes {@code entry} ({@code <id>:<base64>}, as Redis holds it) the key that seals; the keys it replaces still open
     * (the newest {@value #SHARED_KEYS_KEPT}), so items sealed before a replica minted a new key stay readable here.
     *
     * @return whether the key changed
     * @throws IllegalArgumentException when {@code entry} is not a key
     */
    boolean useSharedKey(String entry) {
        if (source != Source.SHARED) {
            throw new IllegalStateException("the compaction keys are " + source + ", not shared through Redis");
        }
        Map<String, SecretKeySpec> parsed = parse(List.of(entry), "the shared compaction key in Redis");
        if (parsed.size() != 1) {
            throw new IllegalArgumentException("the shared compaction key in Redis is empty");
        }
        Ring now = ring;
        Ring fresh = Ring.of(parsed);
        if (now != null && now.sealingKeyId().equals(fresh.sealingKeyId())
                && now.keys().get(now.sealingKeyId()).equals(fresh.keys().get(fresh.sealingKeyId()))) {
            return false;
        }
        Map<String, SecretKeySpec> kept = new LinkedHashMap<>(parsed);
        if (now != null) {
            for (Map.Entry<String, SecretKeySpec> earlier : now.keys().entrySet()) {
                if (kept.size() >= SHARED_KEYS_KEPT) {
                    break;
                }
                kept.putIfAbsent(earlier.getKey(), earlier.getValue());
            }
        }
        ring = Ring.of(kept);
        return true;
    }

    /**
     * Fails with 503 while no key can seal: the replicas' shared key has not been read from Redis yet. Checked before
     * a compaction starts, so the engine never writes a summary that cannot be sealed.
     */
    public void requireKey() {
        if (ring == null) {
            throw unavailable();
        }
    }

    /** Seals {@code summary} for {@code tenant} under the current key. */
    public String seal(TenantId tenant, String summary) {
        Ring now = ring;
        if (now == null) {
            throw unavailable();
        }
        byte[] plain;
        try {
            plain = JSON.writeValueAsBytes(Map.of("tenant", tenant.value(), "summary", summary));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode a summary", e);
        }
        byte[] nonce = new byte[NONCE_BYTES];
        random.nextBytes(nonce);
        String keyId = now.sealingKeyId();
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, now.keys().get(keyId), new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(associatedData(keyId));
            byte[] sealed = cipher.doFinal(plain);
            byte[] all = ByteBuffer.allocate(nonce.length + sealed.length).put(nonce).put(sealed).array();
            return VERSION + "." + keyId + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(all);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is part of every Java runtime", e);
        }
    }

    /**
     * The sealed summary and its tenant; {@code null} when the content was not sealed by a key of the ring, or altered,
     * or no key is known yet.
     */
    public Opened open(String sealed) {
        Ring now = ring;
        String[] parts = sealed == null ? new String[0] : sealed.split("\\.", -1);
        if (now == null || parts.length != 3 || !parts[0].equals(VERSION) || !now.keys().containsKey(parts[1])) {
            return null;
        }
        try {
            byte[] all = Base64.getUrlDecoder().decode(parts[2]);
            if (all.length <= NONCE_BYTES + TAG_BITS / 8) {
                return null;
            }
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, now.keys().get(parts[1]), new GCMParameterSpec(TAG_BITS, all, 0, NONCE_BYTES));
            cipher.updateAAD(associatedData(parts[1]));
            JsonNode plain = JSON.readTree(cipher.doFinal(all, NONCE_BYTES, all.length - NONCE_BYTES));
            return new Opened(new TenantId(plain.path("tenant").asText()), plain.path("summary").asText());
        } catch (IllegalArgumentException | GeneralSecurityException | java.io.IOException e) {
            return null;
        }
    }

    /**
     * Checks every compaction item of a request's new input: each must open and belong to {@code tenant}.
     *
     * @param offset where {@code items} start in the request's {@code input}, for the error's {@code param}
     */
    public void verify(TenantId tenant, List<Item> items, int offset) {
        for (int i = 0; i < items.size(); i++) {
            if (items.get(i) instanceof CompactionItem compaction && !opens(tenant, compaction)) {
                throw ApiError.invalidRequest("input[" + (offset + i) + "].encrypted_content",
                        "invalid_encrypted_content", "The compaction item's encrypted_content could not be opened:"
                                + " it was not sealed by this gateway for this API key, was altered, or its key was"
                                + " retired. Send the conversation's items instead, or compact it again.").exception();
            }
        }
    }

    /**
     * Checks the compaction items of a stored conversation a turn continues (from a connection, the hot cache or
     * Redis): a summary that no longer opens — its key was retired from {@code BATON_COMPACTION_KEYS}, or the shared
     * key was lost with Redis and replaced — refuses the turn, which would otherwise run without the history the
     * summary stands for. Costs O(compaction items), not O(history).
     *
     * @param responseId the response whose context {@code history} is, named in the error
     */
    public void verifyHistory(TenantId tenant, RenderedContext history, String responseId) {
        for (CompactionItem compaction : history.compactionItems()) {
            if (!opens(tenant, compaction)) {
                throw ApiError.invalidRequest("previous_response_id", "invalid_encrypted_content", "The conversation"
                        + " of response '" + responseId + "' holds a compaction item ('" + compaction.id() + "') whose"
                        + " encrypted_content this gateway can no longer open: the key that sealed it was retired or"
                        + " replaced. The history it summarizes cannot be read; resend the conversation's items without"
                        + " previous_response_id, or start a new conversation.").exception();
            }
        }
    }

    /** Whether {@code compaction} opens for {@code tenant}; a 503 while no key is known, which is not the item's fault. */
    private boolean opens(TenantId tenant, CompactionItem compaction) {
        if (ring == null) {
            throw unavailable();
        }
        Opened opened = open(compaction.encryptedContent());
        return opened != null && opened.tenant().equals(tenant);
    }

    private static ApiException unavailable() {
        return new ApiError(503, ApiError.SERVER_ERROR, "compaction_key_unavailable", null, "Compaction items cannot be"
                + " sealed or opened yet: this replica has not read the deployment's shared compaction key from Redis."
                + " Retry shortly.").exception();
    }

    private static byte[] associatedData(String keyId) {
        return (VERSION + "." + keyId).getBytes(StandardCharsets.UTF_8);
    }
}
