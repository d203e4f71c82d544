package dev.baton.store;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.baton.session.HotCache;
import dev.baton.support.Metrics;
import dev.baton.support.WithRedis;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.hamcrest.Matchers;
import org.junit.jupiter.api.Test;

/**
 * Beyond BATON_REDIS_MAX_IN_FLIGHT a call is refused at once: a cold load answers 503 {@code state_unavailable} with
 * {@code Retry-After}, counted in {@code baton_redis_busy_total}; nothing stored is lost and every refused load
 * succeeds when sent again.
 */
@QuarkusTest
@TestProfile(RedisBusyTest.FourInFlight.class)
class RedisBusyTest {

    public static class FourInFlight extends WithRedis {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("baton.redis.max-in-flight", "4");
        }
    }

    private static final int BURST = 64;

    @Inject
    HotCache hot;

    @TestHTTPResource("/")
    URL root;

    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void callsBeyondTheBoundAreRefusedAtOnceAndLoseNothing() {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < BURST; i++) {
            ids.add(given().contentType(ContentType.JSON).body(Map.of("model", "baton-simulator", "input", "turn " + i,
                    "max_output_tokens", 4)).when().post("/v1/responses").then().statusCode(200).extract().path("id"));
        }
        double busyBefore = Metrics.value(metrics(), "baton_redis_busy_total");
        hot.clear();
        List<CompletableFuture<HttpResponse<String>>> answers = ids.stream().map(id -> client.sendAsync(
                HttpRequest.newBuilder(URI.create(root.toString()).resolve("v1/responses/" + id))
                        .timeout(Duration.ofSeconds(30)).GET().build(), HttpResponse.BodyHandlers.ofString())).toList();
        int refused = 0;
        for (CompletableFuture<HttpResponse<String>> answer : answers) {
            HttpResponse<String> response = answer.join();
            if (response.statusCode() == 503) {
                refused++;
                assertTrue(response.body().contains("\"code\":\"state_unavailable\""), response.body());
                assertTrue(response.body().contains("too many conversation state reads and writes in flight"),
                        response.body());
                assertEquals("1", response.headers().firstValue("Retry-After").orElse(null));
            } else {
                assertEquals(200, response.statusCode(), response.body());
            }
        }
        assertTrue(refused > 0, "64 cold loads at once against a bound of 4 in flight");
        String metrics = metrics();
        assertTrue(Metrics.value(metrics, "baton_redis_busy_total") >= busyBefore + refused, metrics);
        assertEquals(0, Metrics.value(metrics, "baton_redis_in_flight"), "every call gave its place back");

        for (String id : ids) { // one at a time: every response is still there
            given().when().get("/v1/responses/" + id).then().statusCode(200).body("id", Matchers.equalTo(id));
        }
    }

    private static String metrics() {
        return given().when().get("/q/metrics").then().statusCode(200).extract().asString();
    }
}
