package dev.baton.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import dev.baton.protocol.Item;
import dev.baton.protocol.ItemCodec;
import dev.baton.protocol.ResponseObject;
import dev.baton.protocol.Usage;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The Redis record form round-trips every item kind, and refuses what Baton did not write as a storage error. */
class ResponseCodecTest {

    private static final ObjectMapper JSON = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    private final ResponseCodec codec = new ResponseCodec(JSON);

    private static List<Item> items(String json) throws Exception {
        return ItemCodec.decodeStored(JSON.readTree(json), "test");
    }

    private static StoredResponse sample() throws Exception {
        List<Item> input = items("""
                [{"type":"message","role":"user","id":"msg_1","content":[{"type":"input_text","text":"héllo 😀"},
                  {"type":"input_image","image_url":"data:image/png;base64,AAAA"}]},
                 {"type":"function_call_output","id":"fco_1","call_id":"call_0","output":"[1,2]"},
                 {"type":"web_search_call","id":"ws_1","status":"completed","action":{"query":"q"}}]""");
        List<Item> output = items("""
                [{"type":"reasoning","id":"rs_1","summary":[],"content":[{"type":"reasoning_text","text":"hmm"}],
                  "encrypted_content":"opaque=="},
                 {"type":"message","role":"assistant","id":"msg_2","status":"completed",
                  "content":[{"type":"output_text","text":"ok","annotations":[]}]},
                 {"type":"function_call","id":"fc_1","status":"completed","call_id":"call_1","name":"ls",
                  "arguments":"{\\"path\\":\\".\\"}"}]""");
        ResponseObject response = ResponseObject.builder("resp_1", 1_700_000_000L, "m")
                .status(ResponseObject.INCOMPLETE).completedAt(1_700_000_001L)
                .incompleteDetails(new ResponseObject.IncompleteDetails("max_output_tokens"))
                .instructions("be brief").maxOutputTokens(64).metadata(Map.of("k", "v")).output(output)
                .previousResponseId("resp_0").promptCacheKey("pck").store(true).temperature(0.5).topP(0.9)
                .tools(List.of(JSON.readTree("{\"type\":\"function\",\"name\":\"ls\",\"parameters\":{}}")))
                .toolChoice(JSON.readTree("\"auto\"")).truncation("disabled").usage(Usage.of(10, 4, 5, 2)).user("u")
                .build();
        return StoredResponse.of(new TenantId("t"), response, input, null, 7, new Affinity("key", "gpu-a"));
    }

    @Test
    void aRecordReadsBackAsItWasWritten() throws Exception {
        StoredResponse stored = sample();
        String record = codec.encode(stored);
        ResponseCodec.Delta delta = codec.decode(record);
        assertEquals(JSON.valueToTree(stored.response()), (JsonNode) JSON.valueToTree(delta.response()));
        assertEquals(JSON.valueToTree(stored.inputItems()), (JsonNode) JSON.valueToTree(delta.input()));
        assertEquals(7, delta.depth());
        assertEquals(new Affinity("key", "gpu-a"), delta.affinity());
        assertEquals(record, codec.encode(StoredResponse.of(stored.tenant(), delta.response(), delta.input(), null,
                delta.depth(), delta.affinity())), "encode ∘ decode is the identity on records");
    }

    @Test
    void whatBatonDidNotWriteIsACorruptRecord() throws Exception {
        String record = codec.encode(sample());
        for (String broken : List.of("{not json", "[]", "{\"response\":{}}",
                record.replace("\"call_id\":\"call_1\",", ""),
                record.replace("\"role\":\"user\"", "\"role\":\"robot\""),
                record.replace("\"input\":[", "\"input\":{\"x\":["))) {
            assertThrows(ResponseCodec.CorruptRecord.class, () -> codec.decode(broken), broken);
        }
        assertThrows(ResponseCodec.CorruptRecord.class, () -> codec.decodeCheckpoint("[{\"type\":\"message\"}]"));
        assertEquals(2, codec.decodeCheckpoint(JSON.writeValueAsString(sample().inputItems().subList(0, 2))).size());
    }
}
