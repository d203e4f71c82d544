package dev.baton.session;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads a {@code BATON_API_KEYS_FILE}: {@code tenants.<name>.keys} (the keys' SHA-256 hashes as
 * {@code sha256:<64 hex digits>}, so the file holds no usable secret) and optional {@code tenants.<name>.limits}
 * ({@code max_sockets}, {@code max_in_flight_turns}, {@code turns_per_minute}, {@code hot_cache_bytes}). A mistake is
 * refused with the tenant and the field named; a key listed for two tenants too.
 */
final class KeysFile {

    private static final Pattern TENANT = Pattern.compile("[A-Za-z0-9._:-]{1,128}");
    private static final Pattern HASH = Pattern.compile("sha256:[0-9a-f]{64}");
    private static final Set<String> TENANT_FIELDS = Set.of("keys", "limits");
    private static final Set<String> LIMIT_FIELDS = Set.of("max_sockets", "max_in_flight_turns", "turns_per_minute",
            "hot_cache_bytes");

    /** Tenants by key hash (hex, without the {@code sha256:} prefix), and the limits of tenants that set any. */
    record Contents(Map<String, TenantId> tenantsByHash, Map<TenantId, TenantLimits> limits) {
    }

    private KeysFile() {
    }

    /** Parses the file's text; {@code name} is how errors call it. */
    static Contents parse(String text, String name, TenantLimits defaults) {
        JsonNode root;
        try {
            root = new YAMLMapper().readTree(text);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException(name + ": not valid YAML or JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new IllegalArgumentException(name + ": cannot be parsed: " + e.getMessage());
        }
        if (root == null || !root.isObject() || !root.path("tenants").isObject() || root.size() != 1) {
            throw new IllegalArgumentException(name + ": must be a map with one field, 'tenants' (tenant name → keys, limits)");
        }
        Map<String, TenantId> byHash = new HashMap<>();
        Map<TenantId, TenantLimits> limits = new HashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.get("tenants").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            String where = name + ": tenants." + entry.getKey();
            if (!TENANT.matcher(entry.getKey()).matches()) {
                throw new IllegalArgumentException(where + ": a tenant name is 1 to 128 of A-Z a-z 0-9 . _ : -");
            }
            TenantId tenant = new TenantId(entry.getKey());
            JsonNode body = entry.getValue();
            unknownFields(body, TENANT_FIELDS, where);
            JsonNode keys = body.path("keys");
            if (!keys.isArray() || keys.isEmpty()) {
                throw new IllegalArgumentException(where + ".keys: a list of at least one 'sha256:<hex>' key hash");
            }
            for (JsonNode key : keys) {
                String hash = key.asText().strip().toLowerCase(java.util.Locale.ROOT);
                if (!key.isTextual() || !HASH.matcher(hash).matches()) {
                    throw new IllegalArgumentException(where + ".keys: '" + abbreviated(key.asText())
                            + "' is not 'sha256:' and 64 hex digits (printf %s \"$KEY\" | sha256sum)");
                }
                TenantId earlier = byHash.put(hash.substring(7), tenant);
                if (earlier != null && !earlier.equals(tenant)) {
                    throw new IllegalArgumentException(where + ".keys: a key hash is listed for tenants '" + earlier.value()
                            + "' and '" + tenant.value() + "'");
                }
            }
            if (body.has("limits")) {
                limits.put(tenant, limits(body.get("limits"), where + ".limits", defaults));
            }
        }
        return new Contents(Map.copyOf(byHash), Map.copyOf(limits));
    }

    private static TenantLimits limits(JsonNode node, String where, TenantLimits defaults) {
        if (!node.isObject()) {
            throw new IllegalArgumentException(where + ": a map of " + String.join(", ", LIMIT_FIELDS.stream().sorted().toList()));
        }
        unknownFields(node, LIMIT_FIELDS, where);
        return new TenantLimits(
                (int) count(node, "max_sockets", where, defaults.maxSockets(), Integer.MAX_VALUE),
                (int) count(node, "max_in_flight_turns", where, defaults.maxInFlightTurns(), Integer.MAX_VALUE),
                (int) count(node, "turns_per_minute", where, defaults.turnsPerMinute(), Integer.MAX_VALUE),
                count(node, "hot_cache_bytes", where, defaults.hotCacheBytes(), Long.MAX_VALUE));
    }

    private static long count(JsonNode node, String field, String where, long fallback, long max) {
        JsonNode value = node.get(field);
        if (value == null) {
            return fallback;
        }
        if (!value.canConvertToLong() || !value.isIntegralNumber() || value.asLong() < 0 || value.asLong() > max) {
            throw new IllegalArgumentException(where + "." + field + ": '" + value + "' is not a whole number from 0 to " + max);
        }
        return value.asLong();
    }

    private static void unknownFields(JsonNode node, Set<String> known, String where) {
        if (!node.isObject()) {
            throw new IllegalArgumentException(where + ": must be a map with " + String.join(", ", known.stream().sorted().toList()));
        }
        node.fieldNames().forEachRemaining(field -> {
            if (!known.contains(field)) {
                throw new IllegalArgumentException(where + ": unknown field '" + field + "' (known: "
                        + String.join(", ", known.stream().sorted().toList()) + ")");
            }
        });
    }

    /** Enough of a mistaken entry to find it, not enough to leak a key pasted by mistake. */
    private static String abbreviated(String text) {
        return text.length() <= 8 ? text : text.substring(0, 4) + "…";
    }
}
