package dev.baton.safety;

/**
 * One configured classifier.
 *
 * @param action       {@code block}, {@code redact} or {@code flag}
 * @param scope        {@code new} (the turn's new input only) or {@code window}
 * @param windowTokens with {@code window}: how many tokens of the chain's most recent text come before the new input
 * @param blockOnError a failed scan blocks the turn ({@code on_error: block}) instead of letting it pass
 * @param applyTo      {@code input} (the turn's new items) or {@code output} (the model's output as it streams)
 */
public record ClassifierSpec(String name, String type, String action, String scope, int windowTokens,
                             boolean blockOnError, String applyTo, Classifier classifier) {

    public static final String BLOCK = "block";
    public static final String REDACT = "redact";
    public static final String FLAG = "flag";
    public static final String NEW = "new";
    public static final String WINDOW = "window";
    public static final String INPUT = "input";
    public static final String OUTPUT = "output";

    boolean onInput() {
        return applyTo.equals(INPUT);
    }
}
