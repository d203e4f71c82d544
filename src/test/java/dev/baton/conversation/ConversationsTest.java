package dev.baton.conversation;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.support.Requests;
import dev.baton.support.WithRedis;
import dev.baton.support.WsClient;
import io.quarkus.redis.datasource.RedisDataSource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import jakarta.inject.Inject;
import java.net.URL;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * The Conversations API over Baton's chains, with Redis: create, read, update, delete; items listed, added, read and
 * deleted with the API's paging; turns with {@code conversation} over HTTP and WebSocket append their input and output;
 * two turns at once run one after the other, never interleaved; another tenant's conversation is unknown.
 */
@QuarkusTest
@TestProfile(ConversationsTest.TwoTenants.class)
class ConversationsTest {

    public static class TwoTenants extends WithRedis {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("baton.api-keys", "sk-alpha=alpha,sk-beta=beta");
        }
    }

    @TestHTTPResource("/")
    URL root;

    @Inject
    RedisDataSource redis;

    private static RequestSpecification as(String key) {
        return given().header("Authorization", "Bearer " + key).contentType(ContentType.JSON);
    }

    private static JsonNode json(Response response) {
        return Requests.asTree(response.asString());
    }

    private static String createConversation(Object items) {
        Map<String, Object> body = items == null ? Map.of("metadata", Map.of("topic", "demo"))
                : Map.of("items", items, "metadata", Map.of("topic", "demo"));
        return as("sk-alpha").body(body).when().post("/v1/conversations").then().statusCode(200)
                .body("object", equalTo("conversation")).body("metadata.topic", equalTo("demo"))
                .extract().path("id");
    }

    private static List<String> texts(String conversation, String key) {
        JsonNode list = json(as(key).when().get("/v1/conversations/" + conversation + "/items?order=asc&limit=100"));
        List<String> texts = new ArrayList<>();
        for (JsonNode item : list.path("data")) {
            texts.add(item.path("role").asText() + ": " + item.at("/content/0/text").asText());
        }
        return texts;
    }

    @Test
    void createsReadsUpdatesAndDeletesAConversation() {
        String id = createConversation(List.of(Map.of("type", "message", "role", "user", "content", "Hello")));
        assertTrue(id.startsWith("conv_"), id);
        as("sk-alpha").when().get("/v1/conversations/" + id).then().statusCode(200).body("id", equalTo(id))
                .body("object", equalTo("conversation"));
        as("sk-alpha").body(Map.of("metadata", Map.of("topic", "renamed"))).when().post("/v1/conversations/" + id)
                .then().statusCode(200).body("metadata.topic", equalTo("renamed"));
        assertEquals(List.of("user: Hello"), texts(id, "sk-alpha"));
        long ttl = redis.key().pttl(WithRedis.conversationKey("alpha", id));
        assertTrue(ttl > Duration.ofDays(29).toMillis() && ttl <= Duration.ofDays(30).toMillis(),
                "a conversation expires with the store TTL: " + ttl);

        String unknown = as("sk-beta").when().get("/v1/conversations/conv_unknown").then().statusCode(404)
                .extract().asString();
        String foreign = as("sk-beta").when().get("/v1/conversations/" + id).then().statusCode(404).extract().asString();
        assertEquals(unknown.replace("conv_unknown", id), foreign, "another tenant's conversation is unknown");

        as("sk-alpha").when().delete("/v1/conversations/" + id).then().statusCode(200)
                .body("object", equalTo("conversation.deleted")).body("deleted", equalTo(true));
        as("sk-alpha").when().get("/v1/conversations/" + id).then().statusCode(404);
        as("sk-alpha").when().delete("/v1/conversations/" + id).then().statusCode(404);
    }

    @Test
    void turnsOverHttpAndWebSocketAppendTheirInputAndOutput() {
        String id = createConversation(null);
        Response first = as("sk-alpha").body(Map.of("model", "baton-simulator", "conversation", id, "input", "first"))
                .when().post("/v1/responses");
        first.then().statusCode(200).body("conversation.id", equalTo(id))
                .body("output[0].content[0].text", org.hamcrest.Matchers.startsWith("Simulated reply #1"));
        try (WsClient ws = WsClient.connect(root, Map.of("Authorization", "Bearer sk-alpha"))) {
            ws.send(Map.of("type", "response.create", "model", "baton-simulator", "conversation", Map.of("id", id),
                    "input", "second"));
            List<JsonNode> frames = ws.untilTerminal();
            JsonNode done = frames.get(frames.size() - 1);
            assertEquals("response.completed", done.path("type").asText(), done.toString());
            assertTrue(done.at("/response/output/0/content/0/text").asText().startsWith("Simulated reply #2"),
                    "the second turn saw the first: " + done);
        }
        List<String> items = texts(id, "sk-alpha");
        assertEquals(4, items.size(), items.toString());
        assertEquals("user: first", items.get(0));
        assertTrue(items.get(1).startsWith("assistant: Simulated reply #1"), items.toString());
        assertEquals("user: second", items.get(2));
        assertTrue(items.get(3).startsWith("assistant: Simulated reply #2"), items.toString());

        as("sk-alpha").body(Map.of("model", "baton-simulator", "conversation", id, "previous_response_id",
                first.path("id"), "input", "x")).when().post("/v1/responses").then().statusCode(400)
                .body("error.code", equalTo("mutually_exclusive_parameters"));
        as("sk-beta").body(Map.of("model", "baton-simulator", "conversation", id, "input", "x"))
                .when().post("/v1/responses").then().statusCode(404);
        as("sk-alpha").body(Map.of("model", "baton-simulator", "conversation", id, "input", "x", "store", false))
                .when().post("/v1/responses").then().statusCode(400).body("error.param", equalTo("store"));
    }

    @Test
    void itemsArePagedAddedReadAndDeleted() {
        String id = createConversation(List.of(Map.of("role", "user", "content", "one"),
                Map.of("role", "assistant", "content", "two")));
        JsonNode added = json(as("sk-alpha").body(Map.of("items", List.of(Map.of("role", "user", "content", "three"),
                Map.of("role", "user", "content", "four")))).when().post("/v1/conversations/" + id + "/items"));
        assertEquals(2, added.path("data").size(), added.toString());
        String three = added.at("/data/0/id").asText();
        assertTrue(three.startsWith("msg_"));

        JsonNode page = json(as("sk-alpha").when().get("/v1/conversations/" + id + "/items?limit=2"));
        assertEquals("four", page.at("/data/0/content/0/text").asText(), "newest first by default");
        assertTrue(page.path("has_more").asBoolean());
        JsonNode rest = json(as("sk-alpha").when().get("/v1/conversations/" + id + "/items?limit=2&after="
                + page.path("last_id").asText()));
        assertEquals("two", rest.at("/data/0/content/0/text").asText());
        assertEquals("one", rest.at("/data/1/content/0/text").asText());

        as("sk-alpha").when().get("/v1/conversations/" + id + "/items/" + three).then().statusCode(200)
                .body("content[0].text", equalTo("three"));
        as("sk-alpha").when().delete("/v1/conversations/" + id + "/items/" + three).then().statusCode(200)
                .body("id", equalTo(id));
        assertEquals(List.of("user: one", "assistant: two", "user: four"), texts(id, "sk-alpha"));
        as("sk-alpha").when().get("/v1/conversations/" + id + "/items/" + three).then().statusCode(404);

        // a turn after the deletion builds on what remains
        as("sk-alpha").body(Map.of("model", "baton-simulator", "conversation", id, "input", "five"))
                .when().post("/v1/responses").then().statusCode(200);
        List<String> after = texts(id, "sk-alpha");
        assertEquals(5, after.size(), after.toString());
        assertEquals("user: five", after.get(3));
    }

    @Test
    void twoTurnsAtOnceRunOneAfterTheOtherNeverInterleaved() {
        String id = createConversation(null);
        List<CompletableFuture<Response>> turns = new ArrayList<>();
        for (String input : List.of("alpha", "beta", "gamma")) {
            turns.add(CompletableFuture.supplyAsync(() -> as("sk-alpha")
                    .body(Map.of("model", "baton-simulator", "conversation", id, "input", input))
                    .when().post("/v1/responses")));
        }
        List<String> replies = new ArrayList<>();
        for (CompletableFuture<Response> turn : turns) {
            Response response = turn.join();
            response.then().statusCode(200);
            replies.add(response.path("output[0].content[0].text"));
        }
        assertEquals(3, replies.stream().map(text -> text.substring(0, "Simulated reply #1".length())).distinct().count(),
                "each turn saw the ones before it: " + replies);
        List<String> items = texts(id, "sk-alpha");
        assertEquals(6, items.size(), items.toString());
        for (int i = 0; i < 6; i += 2) {
            assertTrue(items.get(i).startsWith("user: "), items.toString());
            assertTrue(items.get(i + 1).startsWith("assistant: Simulated reply #" + (i / 2 + 1)), items.toString());
        }
    }

    @Test
    void aMetadataUpdateRacingADeleteLeavesNothingBehind() {
        for (int round = 0; round < 40; round++) {
            String id = createConversation(null);
            CompletableFuture<Integer> update = CompletableFuture.supplyAsync(() -> as("sk-alpha")
                    .body(Map.of("metadata", Map.of("topic", "late"))).when().post("/v1/conversations/" + id).statusCode());
            CompletableFuture<Integer> delete = CompletableFuture.supplyAsync(() -> as("sk-alpha")
                    .when().delete("/v1/conversations/" + id).statusCode());
            assertEquals(200, delete.join());
            int updated = update.join();
            assertTrue(updated == 200 || updated == 404, "the update either ran first or found nothing: " + updated);
            // whichever came first, the conversation is gone: no hash re-created with only its metadata
            assertEquals(0, redis.key().exists(WithRedis.conversationKey("alpha", id)) ? 1 : 0, "round " + round);
            as("sk-alpha").when().get("/v1/conversations/" + id).then().statusCode(404);
        }
    }

    @Test
    void aConversationRecordMissingAFieldIsAStorageErrorNotACrash() {
        String id = createConversation(null);
        redis.hash(String.class).hdel(WithRedis.conversationKey("alpha", id), "created_at");

        as("sk-alpha").when().get("/v1/conversations/" + id).then().statusCode(500)
                .body("error.code", equalTo("state_corrupt"))
                .body("error.message", org.hamcrest.Matchers.containsString(id));
        as("sk-alpha").body(Map.of("model", "baton-simulator", "input", "hi", "conversation", id))
                .when().post("/v1/responses").then().statusCode(500).body("error.code", equalTo("state_corrupt"));
        // the damaged record can still be deleted, and then it is simply unknown
        as("sk-alpha").when().delete("/v1/conversations/" + id).then().statusCode(200);
        as("sk-alpha").when().get("/v1/conversations/" + id).then().statusCode(404);
    }
}
