package dev.baton.console;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.baton.support.HeadlessChromium;
import dev.baton.support.WsClient;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.net.URL;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The console in a real browser (headless Chromium over the DevTools protocol), against the running application:
 * a newcomer's path from {@code /} to a turn in the playground, the live page updating while turns run, and the
 * inspector showing a chain begun over HTTP and continued over WebSocket. Screenshots go to
 * {@code target/console-screenshots}, or to {@code BATON_SCREENSHOTS_DIR} (docs/console.md's are made that way).
 */
@QuarkusTest
class ConsoleBrowserTest {

    private static HeadlessChromium browser;
    private static final Path SHOTS = Path.of(System.getenv().getOrDefault("BATON_SCREENSHOTS_DIR",
            "target/console-screenshots"));

    @TestHTTPResource("/")
    URL root;

    @BeforeAll
    static void startBrowser() {
        browser = HeadlessChromium.start();
    }

    @AfterAll
    static void stopBrowser() {
        if (browser != null) {
            browser.close();
        }
    }

    private String url(String path) {
        return root.toString().replaceAll("/$", "") + path;
    }

    @Test
    void aNewcomerGoesFromTheLandingPageToATurnInThePlayground() {
        browser.open(url("/"));
        assertTrue(browser.text("#fact-engine").startsWith("simulator"), browser.text("#fact-engine"));
        assertEquals("in memory (this process only)", browser.text("#fact-state"));
        browser.screenshot(SHOTS.resolve("landing.png"));

        browser.click("#open-playground");
        browser.waitFor("location.pathname === '/console/playground' && !document.getElementById('page-playground').hidden");
        browser.type("#turn-input", "Hello from the browser");
        browser.click("#send");
        browser.waitFor("document.querySelectorAll('#turns tbody tr').length === 1"
                + " && document.querySelector('#turns [data-field=overhead]').textContent !== '…'");
        String first = browser.evaluate("document.querySelector('#turns tbody tr').dataset.response").asText();
        assertTrue(first.startsWith("resp_"), first);
        assertTrue(browser.text(".transcript .assistant").length() > 0, "the engine's reply is shown");
        double overheadMs = Double.parseDouble(browser.text("#turns [data-field=overhead]"));
        assertTrue(overheadMs >= 0, "Baton's own overhead of the turn, from its usage record: " + overheadMs);

        browser.type("#turn-input", "And a follow-up");
        browser.click("#send");
        browser.waitFor("document.querySelectorAll('#turns tbody tr').length === 2"
                + " && document.querySelectorAll('#turns [data-field=overhead]')[1].textContent !== '…'");
        JsonNode second = browser.evaluate("(() => { const r = document.querySelectorAll('#turns tbody tr')[1];"
                + " return { id: r.dataset.response, sent: r.querySelector('[data-field=bytes-sent]').textContent,"
                + " full: r.querySelector('[data-field=full-resend]').textContent } })()");
        // the follow-up carried only its new input: the server holds the chain it continues
        JsonNode stored = given().when().get("/v1/responses/" + second.path("id").asText()).then().statusCode(200)
                .extract().as(JsonNode.class);
        assertEquals(first, stored.path("previous_response_id").asText());
        assertTrue(bytesOf(second.path("sent").asText()) < bytesOf(second.path("full").asText()), second.toString());
        browser.screenshot(SHOTS.resolve("playground.png"));

        // and the newcomer inspects the chain the playground made, from its turn's link
        browser.click("#turns tbody tr:nth-child(2) a");
        browser.waitFor("location.pathname.startsWith('/console/chains/')"
                + " && document.querySelectorAll('#chain li.response').length === 2");
        JsonNode tiers = browser.evaluate("[...document.querySelectorAll('#chain li.response')[0]"
                + ".querySelectorAll('[data-tier]')].map(t => t.dataset.tier)");
        assertTrue(tiers.toString().contains("connection_slot") && tiers.toString().contains("hot_cache"),
                "the playground's socket holds the chain's latest response, and the hot cache too: " + tiers);
        assertEquals(List.of(), browser.pageErrors());
    }

    @Test
    void theLivePageUpdatesWhileTurnsRun() {
        browser.open(url("/console/live"));
        browser.waitFor("document.getElementById('live-status').textContent === 'live'");
        browser.evaluate("window.sameDocument = true");
        long firstFigure = browser.evaluate("Number(document.getElementById('live-grid').dataset.at)").asLong();

        String id = given().contentType(ContentType.JSON).body(Map.of("model", "baton-simulator", "input", "watched"))
                .when().post("/v1/responses").then().statusCode(200).extract().path("id");
        try (WsClient ws = WsClient.connect(root)) {
            ws.send(Map.of("type", "response.create", "model", "baton-simulator", "input", "over the socket"));
            ws.untilTerminal();
        }
        browser.waitFor("document.querySelector('#recent tr[data-response=\"" + id + "\"]')");
        browser.waitFor("document.querySelector('#overhead tr[data-transport=websocket]')"
                + " && document.querySelector('#overhead tr[data-transport=http]')");
        assertTrue(browser.evaluate("window.sameDocument === true").asBoolean(), "updated without a reload");
        assertTrue(browser.evaluate("Number(document.getElementById('live-grid').dataset.at)").asLong() > firstFigure);
        assertTrue(Long.parseLong(browser.text("#fig-turns-total").replace(",", "")) >= 2);
        browser.screenshot(SHOTS.resolve("live.png"));
        assertEquals(List.of(), browser.pageErrors());
    }

    @Test
    void theInspectorShowsAChainBegunOverHttpAndContinuedOverWebSocket() {
        String first = given().contentType(ContentType.JSON)
                .body(Map.of("model", "baton-simulator", "input", "Plan a trip to Lisbon"))
                .when().post("/v1/responses").then().statusCode(200).extract().path("id");
        String second;
        String third;
        try (WsClient ws = WsClient.connect(root)) {
            ws.send(Map.of("type", "response.create", "model", "baton-simulator", "input", "Three days",
                    "previous_response_id", first));
            second = lastResponseId(ws.untilTerminal());
            ws.send(Map.of("type", "response.create", "model", "baton-simulator", "input", "With a day trip to Sintra",
                    "previous_response_id", second));
            third = lastResponseId(ws.untilTerminal());
        }

        browser.open(url("/console/chains/" + third));
        browser.waitFor("document.querySelectorAll('#chain li.response').length === 3");
        JsonNode shown = browser.evaluate("[...document.querySelectorAll('#chain li.response')].map(li => ({"
                + " id: li.dataset.response, tiers: [...li.querySelectorAll('[data-tier]')].map(t => t.dataset.tier),"
                + " text: li.textContent }))");
        assertEquals(List.of(third, second, first), List.of(shown.get(0).path("id").asText(),
                shown.get(1).path("id").asText(), shown.get(2).path("id").asText()), "newest first");
        for (JsonNode entry : shown) {
            assertTrue(entry.path("tiers").toString().contains("hot_cache"), entry.toString());
        }
        assertTrue(shown.get(0).path("text").asText().contains("With a day trip to Sintra"), "input items summarised");
        assertTrue(shown.get(0).path("text").asText().contains("websocket"), "served over WebSocket");
        assertTrue(shown.get(2).path("text").asText().contains("http"), "begun over HTTP");
        assertTrue(shown.get(0).path("text").asText().contains("reused"), "token counts with cached tokens");
        browser.screenshot(SHOTS.resolve("chain-inspector.png"));

        browser.open(url("/console/chains/resp_unknown"));
        browser.waitFor("!document.getElementById('error').hidden");
        assertTrue(browser.text("#error").contains("resp_unknown"), browser.text("#error"));
        assertEquals(List.of(), browser.pageErrors());
    }

    private static String lastResponseId(List<JsonNode> frames) {
        JsonNode last = frames.get(frames.size() - 1);
        assertEquals("response.completed", last.path("type").asText(), last.toString());
        return last.at("/response/id").asText();
    }

    /** "812 B" or "1.2 KiB" as bytes. */
    private static double bytesOf(String shown) {
        String[] parts = shown.split(" ");
        double value = Double.parseDouble(parts[0]);
        return switch (parts[1]) {
            case "KiB" -> value * 1024;
            case "MiB" -> value * 1024 * 1024;
            default -> value;
        };
    }
}
