package dev.baton.render.jinja;

/** A template that does not parse, or fails while rendering ({@code raise_exception}, a type error); names the line. */
public final class TemplateException extends RuntimeException {

    public TemplateException(String message) {
        super(message);
    }
}
