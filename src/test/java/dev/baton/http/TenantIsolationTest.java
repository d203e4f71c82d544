package dev.baton.http;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import java.util.Map;
import org.junit.jupiter.api.Test;

@QuarkusTest
@TestProfile(TenantIsolationTest.TwoTenants.class)
class TenantIsolationTest {

    public static class TwoTenants implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("baton.api-keys", "sk-alpha=alpha,sk-beta=beta");
        }
    }

    private static String create(String key) {
        return given().header("Authorization", "Bearer " + key).contentType(ContentType.JSON)
                .body(Map.of("model", "baton-simulator", "input", "secret plans"))
                .when().post("/v1/responses").then().statusCode(200).extract().jsonPath().getString("id");
    }

    @Test
    void rejectsMissingAndUnknownKeys() {
        given().contentType(ContentType.JSON).body(Map.of("model", "baton-simulator", "input", "x"))
                .when().post("/v1/responses").then().statusCode(401)
                .body("error.code", equalTo("invalid_api_key"))
                .body("error.type", equalTo("invalid_request_error"));
        given().header("Authorization", "Bearer sk-wrong").when().get("/v1/models").then().statusCode(401);
    }

    @Test
    void anotherTenantsIdAnswersExactlyLikeAnUnknownId() {
        String id = create("sk-alpha");
        given().header("Authorization", "Bearer sk-alpha").when().get("/v1/responses/" + id).then().statusCode(200);

        String unknown = given().header("Authorization", "Bearer sk-beta").when().get("/v1/responses/resp_unknown")
                .then().statusCode(404).extract().jsonPath().getString("error.message");
        String foreign = given().header("Authorization", "Bearer sk-beta").when().get("/v1/responses/" + id)
                .then().statusCode(404).extract().jsonPath().getString("error.message");
        org.junit.jupiter.api.Assertions.assertEquals(unknown.replace("resp_unknown", id), foreign);

        given().header("Authorization", "Bearer sk-beta").contentType(ContentType.JSON)
                .body(Map.of("model", "baton-simulator", "input", "steal", "previous_response_id", id))
                .when().post("/v1/responses").then().statusCode(400)
                .body("error.code", equalTo("previous_response_not_found"));
        given().header("Authorization", "Bearer sk-beta").when().delete("/v1/responses/" + id).then().statusCode(404);
        given().header("Authorization", "Bearer sk-alpha").when().get("/v1/responses/" + id).then().statusCode(200);
    }
}
