package dev.baton.e2e;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import io.quarkus.test.common.http.TestHTTPResource;
import java.net.URL;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/** An official OpenAI Java SDK client pointed at the running Baton by base URL only, one per test. */
abstract class SdkClientTest {

    @TestHTTPResource("/v1")
    URL baseUrl;

    OpenAIClient client;

    @BeforeEach
    void connect() {
        client = OpenAIOkHttpClient.builder().baseUrl(baseUrl.toString()).apiKey("sk-unused").maxRetries(0).build();
    }

    @AfterEach
    void close() {
        client.close();
    }
}
