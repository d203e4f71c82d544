package dev.baton.safety;

/**
 * One configured classifier.
 *
 * @param action       {@code block}, {@code redact} or {@code flag}
 * @param scope        {@code new} (the turn's new input only) or {@code window}
 * @param windowTokens with {@code window}: how many tokens of the chain's most recent text come before the new input
 * @param blockOnError a failed scan blocks the turn ({@code on_error: block}) instead of letting it pass
 */
public record ClassifierSpec(String name, String type, String action, String scope, int windowTokens,
                             boolean blockOnError, Classifier classifier) {

    public static final String BLOCK = "block";
    public static final String REDACT = "redact";
    public static final String FLAG = "flag";
    public static final String NEW = "new";
    public static final String WINDOW = "window";
}
