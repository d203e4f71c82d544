package dev.baton.session;

import dev.baton.config.BatonConfig;
import dev.baton.protocol.ApiError;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Maps API keys to tenants and tenants to their limits (PROTOCOL.md Part A.2). Keys come from {@code BATON_API_KEYS}
 * pairs and from {@code BATON_API_KEYS_FILE} (key hashes → tenant, limits), which is re-read while Baton runs: a
 * changed valid file takes effect for the next request and the next upgrade (open sockets keep their tenant); an
 * invalid one is logged and the last valid one stays ({@code baton_api_keys_reloads_total{outcome}}). With no keys
 * at all every caller is the single anonymous {@link TenantId#OPEN} tenant and {@code Authorization} is ignored.
 *
 * <p>Only hashes are kept: a bearer key is hashed once per request and looked up, so the lookup time does not
 * depend on how much of a key matches.
 */
@ApplicationScoped
public class TenantDirectory {

    private static final Logger LOG = Logger.getLogger(TenantDirectory.class);

    /** Who holds which key, and who has limits of their own: replaced whole on a reload. */
    private record Snapshot(Map<String, TenantId> tenantsByHash, Map<TenantId, TenantLimits> limits, String fileText) {
    }

    private final Map<String, TenantId> fromEnvironment;
    private final TenantLimits defaults;
    private final Path file;
    private final Duration reloadEvery;
    private final Counter reloaded;
    private final Counter reloadFailed;
    private volatile Snapshot snapshot;
    private volatile long generation; // counts the snapshots taken: open sockets check their key again when it moves
    private String refusedText; // the last file that could not be used, reported once
    private static final String UNREADABLE = "\0unreadable";
    private ScheduledExecutorService watcher;

    @Inject
    public TenantDirectory(BatonConfig config, MeterRegistry metrics) {
        this(config.apiKeys().orElse(List.of()), config.apiKeysFile().map(Path::of).orElse(null), config.apiKeysFileReload(),
                TenantLimits.defaults(config), metrics);
    }

    /** A directory of {@code key=tenant} pairs alone, every tenant with {@code limits}: for tests and tools. */
    public static TenantDirectory of(List<String> pairs, TenantLimits limits, MeterRegistry metrics) {
        return new TenantDirectory(pairs, null, Duration.ofSeconds(5), limits, metrics);
    }

    TenantDirectory(List<String> pairs, Path file, Duration reloadEvery, TenantLimits defaults, MeterRegistry metrics) {
        this.defaults = defaults;
        this.file = file;
        this.reloadEvery = reloadEvery;
        this.reloaded = metrics.counter("baton_api_keys_reloads_total", "outcome", "loaded");
        this.reloadFailed = metrics.counter("baton_api_keys_reloads_total", "outcome", "failed");
        Map<String, TenantId> pairsByHash = new HashMap<>();
        for (String entry : pairs) {
            String trimmed = entry.strip();
            if (trimmed.isEmpty()) {
                continue;
            }
            int eq = trimmed.indexOf('=');
            String key = eq < 0 ? trimmed : trimmed.substring(0, eq);
            String tenant = eq < 0 ? trimmed : trimmed.substring(eq + 1);
            pairsByHash.put(hash(key), new TenantId(tenant));
        }
        this.fromEnvironment = Map.copyOf(pairsByHash);
        this.snapshot = file == null ? new Snapshot(fromEnvironment, Map.of(), null) : read(readFile());
    }

    void start(@Observes StartupEvent start) {
        Snapshot now = snapshot;
        if (now.tenantsByHash().isEmpty()) {
            LOG.warn("No API keys configured (BATON_API_KEYS, BATON_API_KEYS_FILE): every caller is the anonymous tenant '"
                    + TenantId.OPEN.value() + "' and the Authorization header is ignored");
        } else {
            LOG.infof("API keys: %d keys of %d tenants%s", now.tenantsByHash().size(),
                    now.tenantsByHash().values().stream().distinct().count(),
                    file == null ? "" : ", from " + file + " (checked every " + reloadEvery.toSeconds() + " s)");
        }
        if (file != null) {
            watcher = Executors.newSingleThreadScheduledExecutor(task -> {
                Thread thread = new Thread(task, "baton-keys-file");
                thread.setDaemon(true);
                return thread;
            });
            watcher.scheduleWithFixedDelay(this::reloadIfChanged, reloadEvery.toMillis(), reloadEvery.toMillis(),
                    TimeUnit.MILLISECONDS);
        }
    }

    void stop(@Observes ShutdownEvent stop) {
        if (watcher != null) {
            watcher.shutdownNow();
        }
    }

    /** Whether Baton runs without API keys: every caller is {@link TenantId#OPEN}. */
    public boolean open() {
        return snapshot.tenantsByHash().isEmpty();
    }

    /** The caller's tenant, or a 401 {@code invalid_api_key} failure. */
    public TenantId authenticate(String authorizationHeader) {
        Map<String, TenantId> tenants = snapshot.tenantsByHash();
        if (tenants.isEmpty()) {
            return TenantId.OPEN;
        }
        if (authorizationHeader == null || !authorizationHeader.regionMatches(true, 0, "Bearer ", 0, 7)) {
            throw ApiError.invalidApiKey().exception();
        }
        TenantId tenant = tenants.get(hash(authorizationHeader.substring(7).strip()));
        if (tenant == null) {
            throw ApiError.invalidApiKey().exception();
        }
        return tenant;
    }

    /**
     * The fingerprint of the key in an {@code Authorization} header (never the key itself), kept by a
     * connection so that it can be checked again after a reload ({@link #admits}); null without a bearer key.
     */
    public String keyFingerprint(String authorizationHeader) {
        if (authorizationHeader == null || !authorizationHeader.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return null;
        }
        return hash(authorizationHeader.substring(7).strip());
    }

    /** Whether the key of {@code fingerprint} still belongs to {@code tenant} (always, when Baton runs without keys). */
    public boolean admits(String fingerprint, TenantId tenant) {
        Map<String, TenantId> tenants = snapshot.tenantsByHash();
        if (tenants.isEmpty()) {
            return TenantId.OPEN.equals(tenant);
        }
        return fingerprint != null && tenant.equals(tenants.get(fingerprint));
    }

    /** Moves each time a reload replaces the keys: a holder of {@link #admits} checks again when it changed. */
    public long generation() {
        return generation;
    }

    /** What {@code tenant} may use: its own limits from the keys file, or the configured defaults. */
    public TenantLimits limits(TenantId tenant) {
        return snapshot.limits().getOrDefault(tenant, defaults);
    }

    /** Re-reads the keys file when its text changed; an invalid file leaves the last valid one in force. */
    void reloadIfChanged() {
        String text;
        try {
            text = readFile();
        } catch (RuntimeException e) {
            refuse(UNREADABLE, e);
            return;
        }
        if (text.equals(snapshot.fileText()) || text.equals(refusedText)) {
            return;
        }
        try {
            snapshot = read(text);
        } catch (RuntimeException e) {
            refuse(text, e);
            return;
        }
        generation++;
        refusedText = null;
        reloaded.increment();
        LOG.infof("API keys file %s reloaded: %d keys of %d tenants", file, snapshot.tenantsByHash().size(),
                snapshot.tenantsByHash().values().stream().distinct().count());
    }

    /** Reports a file that cannot be used, once for as long as it stays the same. */
    private void refuse(String text, RuntimeException why) {
        if (text.equals(refusedText)) {
            return;
        }
        refusedText = text;
        reloadFailed.increment();
        LOG.errorf("API keys file %s not reloaded, the previous keys stay in force: %s", file, why.getMessage());
    }

    private String readFile() {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalArgumentException("BATON_API_KEYS_FILE=" + file + ": cannot be read (" + e + ")");
        }
    }

    private Snapshot read(String text) {
        KeysFile.Contents contents = KeysFile.parse(text, "BATON_API_KEYS_FILE=" + file, defaults);
        Map<String, TenantId> all = new HashMap<>(contents.tenantsByHash());
        fromEnvironment.forEach((hash, tenant) -> {
            TenantId other = all.putIfAbsent(hash, tenant);
            if (other != null && !other.equals(tenant)) {
                throw new IllegalArgumentException("BATON_API_KEYS_FILE=" + file + ": a key of tenant '" + other.value()
                        + "' is also given to tenant '" + tenant.value() + "' by BATON_API_KEYS");
            }
        });
        if (all.isEmpty()) {
            // a keys file that lists no key would open the gateway to anyone: never fail open
            throw new IllegalArgumentException("BATON_API_KEYS_FILE=" + file + ": lists no key; a keys file must give at"
                    + " least one (remove BATON_API_KEYS_FILE to run without keys)");
        }
        return new Snapshot(Map.copyOf(all), contents.limits(), text);
    }

    /** The hex SHA-256 of a key: what the keys file lists ({@code printf %s "$KEY" | sha256sum}). */
    static String hash(String key) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }
}
