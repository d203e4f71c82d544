package dev.baton.compaction;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.baton.config.BatonConfig;
import dev.baton.protocol.ApiError;
import dev.baton.protocol.CompactionItem;
import dev.baton.protocol.Item;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.jboss.logging.Logger;

/**
 * Seals compaction summaries into {@code encrypted_content} and opens them again: AES-256-GCM under a key ring
 * ({@code BATON_COMPACTION_KEYS}: the first key seals, any opens, so keys rotate by id), the tenant sealed inside and
 * the key id bound as associated data. Sealed form: {@code baton1.<key id>.<base64url(nonce ‖ ciphertext ‖ tag)>}.
 * A compaction item a request sends is checked before anything else runs: altered, sealed under an unknown key, or
 * sealed for another tenant — the same 400 {@code invalid_encrypted_content} for each, so the answer tells nothing.
 */
@ApplicationScoped
public class CompactionSeal {

    private static final Logger LOG = Logger.getLogger(CompactionSeal.class);
    private static final String VERSION = "baton1";
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;
    private static final Pattern KEY_ID = Pattern.compile("[A-Za-z0-9_-]{1,32}");
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A summary as it was sealed, and for whom. */
    public record Opened(TenantId tenant, String summary) {
    }

    private final Map<String, SecretKeySpec> keys; // first: the sealing key
    private final String sealingKeyId;
    private final boolean ephemeral;
    private final SecureRandom random = new SecureRandom();

    @Inject
    public CompactionSeal(BatonConfig config) {
        this(config.compaction().keys().orElse(List.of()));
    }

    /** @param keys {@code id:base64} entries, the sealing key first; none: one random key for this process */
    public CompactionSeal(List<String> keys) {
        Map<String, SecretKeySpec> ring = new LinkedHashMap<>();
        for (String entry : keys) {
            String trimmed = entry.strip();
            if (trimmed.isEmpty()) {
                continue;
            }
            int colon = trimmed.indexOf(':');
            String id = colon < 0 ? "" : trimmed.substring(0, colon);
            if (!KEY_ID.matcher(id).matches()) {
                throw new IllegalArgumentException("BATON_COMPACTION_KEYS: each key is <id>:<base64 of 32 bytes>, the id 1 to"
                        + " 32 of A-Z a-z 0-9 _ -; entry " + (ring.size() + 1) + " has no valid id");
            }
            byte[] material;
            try {
                material = Base64.getDecoder().decode(trimmed.substring(colon + 1));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("BATON_COMPACTION_KEYS: key '" + id + "' is not base64");
            }
            if (material.length != 32) {
                throw new IllegalArgumentException("BATON_COMPACTION_KEYS: key '" + id + "' has " + material.length
                        + " bytes; AES-256 needs 32 (openssl rand -base64 32)");
            }
            if (ring.put(id, new SecretKeySpec(material, "AES")) != null) {
                throw new IllegalArgumentException("BATON_COMPACTION_KEYS: key id '" + id + "' is listed twice");
            }
        }
        this.ephemeral = ring.isEmpty();
        if (ephemeral) {
            byte[] material = new byte[32];
            random.nextBytes(material);
            ring.put("local", new SecretKeySpec(material, "AES"));
        }
        this.keys = Map.copyOf(ring);
        this.sealingKeyId = ring.keySet().iterator().next();
        CompactionItem.openWith(sealed -> {
            Opened opened = open(sealed);
            return opened == null ? null : opened.summary();
        });
    }

    void start(@Observes StartupEvent start) {
        if (ephemeral) {
            LOG.warn("BATON_COMPACTION_KEYS is not set: compaction items are sealed with a key of this process only, so"
                    + " no other replica and no restart can open them; set the same keys on every replica");
        } else {
            LOG.infof("compaction: %d keys, sealing with '%s'", keys.size(), sealingKeyId);
        }
    }

    /** Seals {@code summary} for {@code tenant} under the current key. */
    public String seal(TenantId tenant, String summary) {
        byte[] plain;
        try {
            plain = JSON.writeValueAsBytes(Map.of("tenant", tenant.value(), "summary", summary));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode a summary", e);
        }
        byte[] nonce = new byte[NONCE_BYTES];
        random.nextBytes(nonce);
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, keys.get(sealingKeyId), new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(associatedData(sealingKeyId));
            byte[] sealed = cipher.doFinal(plain);
            byte[] all = ByteBuffer.allocate(nonce.length + sealed.length).put(nonce).put(sealed).array();
            return VERSION + "." + sealingKeyId + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(all);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is part of every Java runtime", e);
        }
    }

    /** The sealed summary and its tenant; {@code null} when the content was not sealed by a key of the ring, or altered. */
    public Opened open(String sealed) {
        String[] parts = sealed == null ? new String[0] : sealed.split("\\.", -1);
        if (parts.length != 3 || !parts[0].equals(VERSION) || !keys.containsKey(parts[1])) {
            return null;
        }
        try {
            byte[] all = Base64.getUrlDecoder().decode(parts[2]);
            if (all.length <= NONCE_BYTES + TAG_BITS / 8) {
                return null;
            }
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, keys.get(parts[1]), new GCMParameterSpec(TAG_BITS, all, 0, NONCE_BYTES));
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
            if (items.get(i) instanceof CompactionItem compaction) {
                Opened opened = open(compaction.encryptedContent());
                if (opened == null || !opened.tenant().equals(tenant)) {
                    throw ApiError.invalidRequest("input[" + (offset + i) + "].encrypted_content",
                            "invalid_encrypted_content", "The compaction item's encrypted_content could not be opened:"
                                    + " it was not sealed by this gateway for this API key, was altered, or its key was"
                                    + " retired. Send the conversation's items instead, or compact it again.").exception();
                }
            }
        }
    }

    private static byte[] associatedData(String keyId) {
        return (VERSION + "." + keyId).getBytes(StandardCharsets.UTF_8);
    }
}
