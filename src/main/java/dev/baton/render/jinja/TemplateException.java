package dev.baton.render.jinja;

/**
 * A template that does not parse, or fails while rendering ({@code raise_exception}, a type error, one of its
 * {@link TemplateLimitException limits}); names the line or the limit.
 */
public class TemplateException extends RuntimeException {

    public TemplateException(String message) {
        super(message);
    }
}
