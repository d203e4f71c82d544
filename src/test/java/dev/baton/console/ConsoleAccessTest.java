package dev.baton.console;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.baton.session.HotCache;
import dev.baton.support.WithRedis;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import java.io.InputStream;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Who sees what when Baton has API keys (docs/console.md "Access"): an operator key of {@code BATON_CONSOLE_KEYS} sees
 * every tenant and runs no turns, a tenant's API key sees its tenant exactly as the API does, anything else is a 401.
 * With a Redis tier, the inspector tells the hot cache from Redis.
 */
@QuarkusTest
@TestProfile(ConsoleAccessTest.Keyed.class)
class ConsoleAccessTest {

    public static class Keyed extends WithRedis {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("baton.api-keys", "sk-alpha=alpha,sk-beta=beta", "baton.console.keys", "operator-secret",
                    "baton.console.max-live-streams", "2");
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ALPHA = "Bearer sk-alpha";
    private static final String BETA = "Bearer sk-beta";
    private static final String OPERATOR = "Bearer operator-secret";

    @TestHTTPResource("/")
    URL root;

    @Inject
    HotCache hot;

    @Inject
    LiveFigures live;

    private static String create(String authorization, String input) {
        return given().header("Authorization", authorization).contentType(ContentType.JSON)
                .body(Map.of("model", "baton-simulator", "input", input))
                .when().post("/v1/responses").then().statusCode(200).extract().path("id");
    }

    @Test
    void withoutAValidKeyTheConsoleAnswers401AndItsPagesHoldNoData() {
        given().when().get("/console/api/overview").then().statusCode(401)
                .body("error.code", equalTo("invalid_api_key")).body("error.message", containsString("BATON_CONSOLE_KEYS"));
        given().header("Authorization", "Bearer sk-wrong").when().get("/console/api/live").then().statusCode(401);
        given().when().get("/console/api/live/stream").then().statusCode(401);
        given().when().get("/console").then().statusCode(200); // the page asks for a key; its data needs one
        given().when().get("/").then().statusCode(200).body(containsString("API keys required"));
    }

    @Test
    void aTenantKeySeesItsOwnTenantAndNothingOfAnother() {
        String alpha = create(ALPHA, "alpha's turn");
        String beta = create(BETA, "beta's turn");
        JsonNode overview = given().header("Authorization", ALPHA).when().get("/console/api/overview").then()
                .statusCode(200).extract().as(JsonNode.class);
        assertEquals("alpha", overview.at("/viewer/tenant").asText());
        assertFalse(overview.at("/viewer/sees_every_tenant").asBoolean());

        JsonNode figure = given().header("Authorization", ALPHA).when().get("/console/api/live").then().statusCode(200)
                .extract().as(JsonNode.class);
        assertTrue(figure.path("turns").isMissingNode(), "no replica-wide figures for a tenant: " + figure);
        assertEquals(1, figure.path("tenants").size());
        assertEquals("alpha", figure.at("/tenants/0/tenant").asText());
        assertFalse(figure.path("recent").toString().contains(beta));
        assertTrue(figure.path("recent").toString().contains(alpha));

        String unknown = given().header("Authorization", ALPHA).when().get("/console/api/chains/resp_unknown").then()
                .statusCode(404).extract().path("error.message");
        String foreign = given().header("Authorization", ALPHA).when().get("/console/api/chains/" + beta).then()
                .statusCode(404).extract().path("error.message");
        assertEquals(unknown.replace("resp_unknown", beta), foreign, "another tenant's id answers like an unknown one");
        given().header("Authorization", ALPHA).when().get("/console/api/chains/" + beta + "?tenant=beta").then()
                .statusCode(404); // a tenant cannot pick another tenant
        given().header("Authorization", ALPHA).when().get("/console/api/turns/" + beta).then().statusCode(404);
        given().header("Authorization", ALPHA).when().get("/console/api/chains/" + alpha).then().statusCode(200)
                .body("responses[0].id", equalTo(alpha));
    }

    @Test
    void anOperatorKeySeesEveryTenantAndRunsNoTurns() {
        String alpha = create(ALPHA, "seen by the operator");
        create(BETA, "also seen");
        JsonNode figure = given().header("Authorization", OPERATOR).when().get("/console/api/live").then()
                .statusCode(200).extract().as(JsonNode.class);
        assertTrue(figure.path("turns").isObject());
        List<String> tenants = new ArrayList<>();
        figure.path("tenants").forEach(tenant -> tenants.add(tenant.path("tenant").asText()));
        assertTrue(tenants.containsAll(List.of("alpha", "beta")), tenants.toString());
        assertEquals("redis", figure.at("/replica/state").asText());
        assertFalse(figure.toString().contains("sk-alpha") || figure.toString().contains("operator-secret"));

        given().header("Authorization", OPERATOR).when().get("/console/api/chains/" + alpha + "?tenant=alpha").then()
                .statusCode(200).body("tenant", equalTo("alpha"));
        given().header("Authorization", OPERATOR).when().get("/console/api/chains/" + alpha).then().statusCode(404);
        given().header("Authorization", OPERATOR).when().post("/console/api/socket-tickets").then().statusCode(403)
                .body("error.code", equalTo("console_key_runs_no_turns"));
        given().header("Authorization", OPERATOR).contentType(ContentType.JSON)
                .body(Map.of("model", "baton-simulator", "input", "x")).when().post("/v1/responses").then()
                .statusCode(401); // a console key is not an API key
    }

    @Test
    void aTicketOpensOnePlaygroundSocketAsItsTenant() throws Exception {
        String ticket = given().header("Authorization", ALPHA).when().post("/console/api/socket-tickets").then()
                .statusCode(200).extract().path("ticket");
        URI uri = URI.create(root.toString().replaceFirst("^http", "ws") + "v1/responses?ticket=" + ticket);
        CompletableFuture<String> completed = new CompletableFuture<>();
        WebSocket socket = HttpClient.newHttpClient().newWebSocketBuilder().buildAsync(uri, new WebSocket.Listener() {
            private final StringBuilder text = new StringBuilder();

            @Override
            public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
                text.append(data);
                if (last) {
                    try {
                        JsonNode event = JSON.readTree(text.toString());
                        if (event.path("type").asText().equals("response.completed")) {
                            completed.complete(event.at("/response/id").asText());
                        } else if (event.path("type").asText().equals("error")) {
                            completed.completeExceptionally(new AssertionError(event.toString()));
                        }
                    } catch (Exception e) {
                        completed.completeExceptionally(e);
                    }
                    text.setLength(0);
                }
                webSocket.request(1);
                return null;
            }
        }).get(20, TimeUnit.SECONDS);
        socket.sendText("{\"type\":\"response.create\",\"model\":\"baton-simulator\",\"input\":\"from the playground\"}", true);
        String id = completed.get(20, TimeUnit.SECONDS);
        socket.abort();
        given().header("Authorization", ALPHA).when().get("/v1/responses/" + id).then().statusCode(200);
        given().header("Authorization", BETA).when().get("/v1/responses/" + id).then().statusCode(404);

        CompletionException reused = assertThrows(CompletionException.class, () -> HttpClient.newHttpClient()
                .newWebSocketBuilder().buildAsync(uri, new WebSocket.Listener() { }).join());
        assertEquals(401, ((WebSocketHandshakeException) reused.getCause()).getResponse().statusCode(),
                "a ticket opens one socket");
    }

    @Test
    void theInspectorTellsTheHotCacheFromRedis() {
        String first = create(ALPHA, "kept in Redis");
        String second = given().header("Authorization", ALPHA).contentType(ContentType.JSON)
                .body(Map.of("model", "baton-simulator", "input", "and continued", "previous_response_id", first))
                .when().post("/v1/responses").then().statusCode(200).extract().path("id");
        given().header("Authorization", ALPHA).when().get("/console/api/chains/" + second).then().statusCode(200)
                .body("responses[0].lives_in", equalTo(List.of("hot_cache", "redis")))
                .body("responses[1].lives_in", equalTo(List.of("hot_cache", "redis")));
        hot.clear(); // as on another replica, or after eviction
        given().header("Authorization", ALPHA).when().get("/console/api/chains/" + second).then().statusCode(200)
                .body("responses[0].lives_in", equalTo(List.of("redis")))
                .body("responses[1].lives_in", equalTo(List.of("redis")))
                .body("responses[1].id", equalTo(first));
        // inspecting caches nothing: the chain is still only in Redis
        given().header("Authorization", ALPHA).when().get("/console/api/chains/" + second).then()
                .body("responses[0].lives_in", equalTo(List.of("redis")));
        // a deleted response's record stays in Redis for its descendants' walks, but it lives nowhere any more
        given().header("Authorization", ALPHA).when().delete("/v1/responses/" + second).then().statusCode(200);
        given().header("Authorization", ALPHA).when().get("/console/api/chains/" + second).then().statusCode(404);
    }

    @Test
    void liveStreamsAreBoundedPerReplica() throws Exception {
        HttpClient client = HttpClient.newHttpClient();
        HttpRequest request = HttpRequest.newBuilder(URI.create(root + "console/api/live/stream"))
                .header("Authorization", OPERATOR).timeout(Duration.ofSeconds(20)).build();
        List<HttpResponse<InputStream>> open = new ArrayList<>();
        try {
            for (int i = 0; i < 2; i++) {
                HttpResponse<InputStream> stream = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
                assertEquals(200, stream.statusCode());
                open.add(stream);
            }
            HttpResponse<String> refused = client.send(request, HttpResponse.BodyHandlers.ofString());
            assertEquals(429, refused.statusCode());
            assertTrue(refused.body().contains("BATON_CONSOLE_MAX_LIVE_STREAMS"), refused.body());
        } finally {
            for (HttpResponse<InputStream> stream : open) {
                stream.body().close();
            }
        }
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> live.liveStreams() == 0);
        // a tenant's key holds a quarter of them at most (here one): it cannot take every live view
        HttpRequest alpha = HttpRequest.newBuilder(URI.create(root + "console/api/live/stream"))
                .header("Authorization", ALPHA).timeout(Duration.ofSeconds(20)).build();
        open.clear();
        try {
            HttpResponse<InputStream> one = client.send(alpha, HttpResponse.BodyHandlers.ofInputStream());
            assertEquals(200, one.statusCode());
            open.add(one);
            assertEquals(429, client.send(alpha, HttpResponse.BodyHandlers.ofString()).statusCode());
            HttpResponse<InputStream> operator = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
            assertEquals(200, operator.statusCode(), "the replica's other stream is still free");
            open.add(operator);
        } finally {
            for (HttpResponse<InputStream> stream : open) {
                stream.body().close();
            }
        }
    }
}
