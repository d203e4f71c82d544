package dev.baton.support;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.Map;

/**
 * A simulator slow enough that a response streams for seconds (~4 s per reply): a client that acts after the first
 * delta (a steer) finds it streaming. Steers are limited to 3 per response, to reach the limit quickly.
 */
public class SlowSimulator implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("baton.simulator.tokens-per-second", "100", "baton.simulator.reply-words", "400",
                "baton.ws.max-pending-steers", "3");
    }
}
