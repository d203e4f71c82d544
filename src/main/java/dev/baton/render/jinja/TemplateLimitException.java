package dev.baton.render.jinja;

/** A rendering that hit one of its {@link JinjaLimits}; the message names the limit and its value. */
public final class TemplateLimitException extends TemplateException {

    private final JinjaLimits.Limit limit;

    public TemplateLimitException(JinjaLimits.Limit limit, String message) {
        super(message);
        this.limit = limit;
    }

    public JinjaLimits.Limit limit() {
        return limit;
    }
}
