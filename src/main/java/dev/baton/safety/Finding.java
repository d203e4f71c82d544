package dev.baton.safety;

/**
 * What a classifier found: a span of the text it scanned ({@link ScanText#text()}), never echoed to clients.
 *
 * @param label what it is ({@code aws_access_key}, {@code email}, {@code hidden_unicode}, a moderation category)
 */
public record Finding(int start, int end, String label) {
}
