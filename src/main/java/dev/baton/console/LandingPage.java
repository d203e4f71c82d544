package dev.baton.console;

import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * {@code GET /}: what this Baton is and what to try first, rendered from {@code console/landing.html}. Every value is
 * HTML-escaped (the base URL comes from the request's {@code Host}); nothing secret is shown.
 */
@ApplicationScoped
public class LandingPage {

    private final String template;
    private final ReplicaIdentity replica;
    private final ConsoleAccess access;

    public LandingPage(ReplicaIdentity replica, ConsoleAccess access, ConsoleAssets assets) {
        this.template = new String(assets.get("landing.html").bytes(), StandardCharsets.UTF_8);
        this.replica = replica;
        this.access = access;
    }

    /** The page for a client that reached Baton at {@code baseUrl} ({@code http://host:port}). */
    public String render(String baseUrl) {
        String socketUrl = baseUrl.replaceFirst("^http", "ws") + "/v1/responses";
        String model = replica.models().isEmpty() ? "baton-simulator" : replica.models().get(0);
        Map<String, String> values = Map.of(
                "version", replica.version(),
                "replica", replica.replica(),
                "engine", replica.engine() + (replica.simulated() ? " (simulated replies, no model)" : ""),
                "models", replica.models().isEmpty() ? "any" : String.join(", ", replica.models()),
                "state", "redis".equals(replica.stateTier())
                        ? "Redis (shared by every replica) + hot cache" : "in memory (this process only)",
                "access", access.open() ? "open (no API keys configured)" : "API keys required",
                "base_url", baseUrl,
                "socket_url", socketUrl,
                "model", model);
        String page = template;
        for (Map.Entry<String, String> value : values.entrySet()) {
            page = page.replace("{{" + value.getKey() + "}}", escape(value.getValue()));
        }
        return page;
    }

    static String escape(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (char c : text.toCharArray()) {
            switch (c) {
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '&' -> out.append("&amp;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }
}
