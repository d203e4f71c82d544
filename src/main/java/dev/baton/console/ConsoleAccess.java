package dev.baton.console;

import dev.baton.config.BatonConfig;
import dev.baton.protocol.ApiError;
import dev.baton.session.TenantDirectory;
import dev.baton.session.TenantId;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import org.eclipse.microprofile.config.ConfigProvider;
import org.jboss.logging.Logger;

/**
 * Who may open the console (docs/console.md "Access"). Without API keys and without {@code BATON_CONSOLE_KEYS} it is
 * open, as Baton's API is. Otherwise every console call needs {@code Authorization: Bearer <key>}: an operator key of
 * {@code BATON_CONSOLE_KEYS} sees every tenant (and runs no turns), a tenant's API key sees that tenant alone, anything
 * else gets 401 {@code invalid_api_key}. Never fails open: a configured but empty key list keeps the console closed.
 */
@ApplicationScoped
public class ConsoleAccess {

    private static final Logger LOG = Logger.getLogger(ConsoleAccess.class);

    private final TenantDirectory tenants;
    private final List<byte[]> operatorKeyHashes;
    private final boolean operatorKeysConfigured;

    @Inject
    public ConsoleAccess(TenantDirectory tenants, BatonConfig config) {
        this(tenants, config.console().keys().orElse(List.of()),
                config.console().keys().isPresent() || setButEmpty());
    }

    /**
     * Whether {@code BATON_CONSOLE_KEYS} is set to nothing (a secret that did not arrive): the configuration reads it
     * as absent, which would open the console; it stays closed instead.
     */
    private static boolean setButEmpty() {
        String raw = ConfigProvider.getConfig().getConfigValue("baton.console.keys").getRawValue();
        boolean empty = raw != null || System.getenv("BATON_CONSOLE_KEYS") != null;
        if (empty) {
            LOG.warn("BATON_CONSOLE_KEYS is set but holds no key: the console admits no operator key (and stays closed"
                    + " where Baton has no API keys)");
        }
        return empty;
    }

    ConsoleAccess(TenantDirectory tenants, List<String> operatorKeys, boolean operatorKeysConfigured) {
        this.tenants = tenants;
        this.operatorKeysConfigured = operatorKeysConfigured;
        this.operatorKeyHashes = operatorKeys.stream().map(String::strip).filter(key -> !key.isEmpty())
                .map(ConsoleAccess::sha256).toList();
    }

    /** Whether the console asks for a key at all. */
    public boolean open() {
        return !operatorKeysConfigured && tenants.open();
    }

    /** The viewer an {@code Authorization} header stands for, or a 401 {@code invalid_api_key} failure. */
    public Viewer viewer(String authorizationHeader) {
        if (open()) {
            return Viewer.operator(true);
        }
        if (authorizationHeader == null || !authorizationHeader.regionMatches(true, 0, "Bearer ", 0, 7)) {
            throw notAdmitted();
        }
        String key = authorizationHeader.substring(7).strip();
        byte[] hash = sha256(key);
        for (byte[] operatorKey : operatorKeyHashes) {
            if (MessageDigest.isEqual(operatorKey, hash)) {
                return Viewer.operator(false);
            }
        }
        if (tenants.open()) {
            throw notAdmitted(); // console keys set, API open: only those keys open the console
        }
        TenantId tenant = tenants.authenticate(authorizationHeader);
        return Viewer.tenant(tenant);
    }

    private static RuntimeException notAdmitted() {
        return new ApiError(401, ApiError.INVALID_REQUEST, "invalid_api_key", null,
                "The console needs 'Authorization: Bearer <key>': a key of BATON_CONSOLE_KEYS (every tenant) or a"
                        + " tenant's API key (that tenant).").exception();
    }

    private static byte[] sha256(String key) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
