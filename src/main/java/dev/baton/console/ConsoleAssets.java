package dev.baton.console;

import jakarta.inject.Singleton;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Map;

/**
 * The console's static files, read once from {@code console/} on the class path (inside the jar and the native
 * image): a fixed list, so no request names a file Baton did not ship. No build step, no CDN (docs/adr/ADR-06).
 */
@Singleton
public final class ConsoleAssets {

    /** A file and its media type. */
    public record Asset(byte[] bytes, String contentType) {
    }

    private static final Map<String, String> FILES = Map.of(
            "index.html", "text/html; charset=utf-8",
            "landing.html", "text/html; charset=utf-8",
            "console.css", "text/css; charset=utf-8",
            "console.js", "text/javascript; charset=utf-8",
            "live.js", "text/javascript; charset=utf-8",
            "chains.js", "text/javascript; charset=utf-8",
            "playground.js", "text/javascript; charset=utf-8",
            "favicon.svg", "image/svg+xml");

    private final Map<String, Asset> assets = new HashMap<>();

    public ConsoleAssets() {
        FILES.forEach((name, type) -> assets.put(name, new Asset(read(name), type)));
    }

    /** The shipped file of that name, or {@code null}. */
    public Asset get(String name) {
        return assets.get(name);
    }

    private static byte[] read(String name) {
        try (InputStream in = ConsoleAssets.class.getClassLoader().getResourceAsStream("console/" + name)) {
            if (in == null) {
                throw new IllegalStateException("console/" + name + " is missing from the build");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
