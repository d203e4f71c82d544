package dev.baton.bench;

/** How an agent talks to Baton: the variants every comparison runs side by side. */
enum Mode implements Agent.Style {
    HTTP_FULL_RESEND("http-full-resend", "HTTP+SSE, the whole history every turn (store:false), one replica"),
    HTTP_CHAINED("http-chained", "HTTP+SSE, previous_response_id + new items, one replica"),
    HTTP_CHAINED_LB("http-chained-lb", "HTTP+SSE, previous_response_id, 2 replicas behind HAProxy round robin + Redis"),
    WS_LB("ws-lb", "WebSocket mode (store:false, connection-local state) through HAProxy, 2 replicas + Redis");

    final String label;
    final String description;

    Mode(String label, String description) {
        this.label = label;
        this.description = description;
    }

    @Override
    public boolean chained() {
        return this != HTTP_FULL_RESEND;
    }

    @Override
    public boolean socket() {
        return this == WS_LB;
    }

    @Override
    public boolean unstored() {
        return this == HTTP_FULL_RESEND || this == WS_LB;
    }

    boolean balanced() {
        return this == HTTP_CHAINED_LB || this == WS_LB;
    }
}
