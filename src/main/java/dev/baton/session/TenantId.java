package dev.baton.session;

/** The tenant an API key belongs to; every stored key is scoped by it. */
public record TenantId(String value) {

    /** The only tenant when no API keys are configured. */
    public static final TenantId OPEN = new TenantId("default");
}
