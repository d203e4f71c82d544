package dev.baton.render.hf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Hugging Face {@code tokenizer.json} of the byte-level BPE kind (GPT-2 style, as Qwen, Llama 3 and most
 * current models use), read and applied exactly as the file says: added and special tokens matched first
 * and never split, the normalizer ({@code NFC}, {@code NFKC} or none), the pre-tokenizer's split regex,
 * the byte-level alphabet, and the ranked merges (with {@code ignore_merges}). It encodes text as a chat
 * template renders it — no special tokens are added around it. Thread-safe; word results are cached.
 *
 * <p>Anything else in the file (a WordPiece or Unigram model, byte fallback, another pre-tokenizer) is
 * refused when loading, with the field named: a tokenizer that silently differs from the model's is worse
 * than none.
 */
public final class HfTokenizer {

    /** Pre-tokens cached, and the longest one cached (Hugging Face's own bounds): a cache of any key grows with the input. */
    static final int WORD_CACHE_LIMIT = 10_000;
    static final int WORD_CACHE_MAX_CHARS = 256;

    private final Map<String, Integer> vocab;
    private final String[] tokens;
    private final BpeMerges merges;
    private final int[] byteIds;
    private final boolean ignoreMerges;
    private final Normalizer.Form normalization;
    private final List<Pattern> splits;
    private final Pattern addedTokens;
    private final Map<String, Integer> addedIds;
    private final boolean[] added;
    private final Map<String, int[]> words = new ConcurrentHashMap<>();
    private final boolean stableBoundaries;

    private HfTokenizer(Map<String, Integer> vocab, String[] tokens, BpeMerges merges, int[] byteIds,
                        boolean ignoreMerges, Normalizer.Form normalization, List<Pattern> splits, Pattern addedTokens,
                        Map<String, Integer> addedIds, boolean[] added, boolean stable) {
        this.vocab = vocab;
        this.tokens = tokens;
        this.merges = merges;
        this.byteIds = byteIds;
        this.ignoreMerges = ignoreMerges;
        this.normalization = normalization;
        this.splits = splits;
        this.addedTokens = addedTokens;
        this.addedIds = addedIds;
        this.added = added;
        this.stableBoundaries = stable;
    }

    /** Reads {@code tokenizer.json}; fails with a message that names the file and the field it cannot honour. */
    public static HfTokenizer load(Path file, ObjectMapper json) {
        JsonNode root;
        try {
            root = json.readTree(file.toFile());
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ": cannot read a tokenizer.json (" + e.getMessage() + ")", e);
        }
        try {
            return from(root);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    static HfTokenizer from(JsonNode root) {
        JsonNode model = root.path("model");
        if (!"BPE".equals(model.path("type").asText())) {
            throw new IllegalArgumentException("model.type '" + model.path("type").asText() + "' is not supported (BPE only)");
        }
        if (model.path("byte_fallback").asBoolean(false)) {
            throw new IllegalArgumentException("model.byte_fallback is not supported (byte-level BPE only)");
        }
        String prefix = model.path("continuing_subword_prefix").asText("");
        String suffix = model.path("end_of_word_suffix").asText("");
        if (!prefix.isEmpty() || !suffix.isEmpty()) {
            throw new IllegalArgumentException("model.continuing_subword_prefix/end_of_word_suffix are not supported");
        }
        Map<String, Integer> vocab = new HashMap<>(model.path("vocab").size() * 2);
        int maxId = 0;
        for (var entry : (Iterable<Map.Entry<String, JsonNode>>) () -> model.path("vocab").fields()) {
            vocab.put(entry.getKey(), entry.getValue().asInt());
            maxId = Math.max(maxId, entry.getValue().asInt());
        }
        BpeMerges.Builder ranks = new BpeMerges.Builder();
        int rank = 0;
        for (JsonNode merge : model.path("merges")) {
            String left;
            String right;
            if (merge.isArray()) {
                left = merge.get(0).asText();
                right = merge.get(1).asText();
            } else {
                int space = merge.asText().indexOf(' ');
                if (space < 0) {
                    throw new IllegalArgumentException("model.merges[" + rank + "] '" + merge.asText() + "' is not a pair");
                }
                left = merge.asText().substring(0, space);
                right = merge.asText().substring(space + 1);
            }
            Integer leftId = vocab.get(left);
            Integer rightId = vocab.get(right);
            Integer mergedId = vocab.get(left + right);
            if (leftId == null || rightId == null || mergedId == null) {
                throw new IllegalArgumentException("model.merges[" + rank + "] '" + left + " " + right
                        + "' names a token that is not in model.vocab");
            }
            ranks.add(leftId, rightId, mergedId, rank++);
        }
        int[] byteIds = new int[256];
        for (int b = 0; b < 256; b++) {
            Integer id = vocab.get(ByteLevel.encode(new byte[] {(byte) b}));
            byteIds[b] = id == null ? -1 : id;
        }
        List<JsonNode> addedList = new ArrayList<>();
        root.path("added_tokens").forEach(addedList::add);
        for (JsonNode token : addedList) {
            maxId = Math.max(maxId, token.path("id").asInt());
        }
        String[] tokens = new String[maxId + 1];
        vocab.forEach((token, id) -> tokens[id] = token);
        boolean[] added = new boolean[maxId + 1];
        Map<String, Integer> addedIds = new HashMap<>();
        for (JsonNode token : addedList) {
            tokens[token.path("id").asInt()] = token.path("content").asText();
            added[token.path("id").asInt()] = true;
            addedIds.put(token.path("content").asText(), token.path("id").asInt());
        }
        return new HfTokenizer(vocab, tokens, ranks.build(), byteIds, model.path("ignore_merges").asBoolean(false),
                normalization(root.path("normalizer")), splits(root.path("pre_tokenizer")), addedPattern(addedList),
                addedIds, added, stableBoundaries(addedList));
    }

    /** The token ids of {@code text}, exactly as the Hugging Face tokenizer encodes it without special-token wrapping. */
    public int[] encode(String text) {
        return encode(text, position -> {
        });
    }

    /**
     * Encodes {@code text} and records where tokenization restarts — after each added token — as ascending
     * pairs (text offset, token count); see {@link dev.baton.render.prompt.PromptTokens}.
     */
    public int[] encode(String text, java.util.function.LongConsumer boundaries) {
        IntList ids = new IntList(Math.max(16, text.length() / 3));
        Matcher special = addedTokens == null ? null : addedTokens.matcher(text);
        int from = 0;
        while (special != null && special.find()) {
            encodeOrdinary(text.substring(from, special.start()), ids);
            Integer id = addedIds.get(special.group());
            ids.add(id != null ? id : addedIds.get(special.group().strip()));
            from = special.end();
            boundaries.accept(from);
            boundaries.accept(ids.size);
        }
        encodeOrdinary(text.substring(from), ids);
        return ids.toArray();
    }

    /** Encodes text known to start at a tokenization boundary, appending to {@code prefix}'s ids. */
    public int[] encodeAfter(int[] prefix, String rest, java.util.function.LongConsumer boundaries, int prefixTextLength) {
        java.util.List<Long> found = new java.util.ArrayList<>();
        int[] tail = encode(rest, found::add);
        for (int i = 0; i < found.size(); i += 2) {
            boundaries.accept(prefixTextLength + found.get(i));
            boundaries.accept(prefix.length + found.get(i + 1));
        }
        int[] all = java.util.Arrays.copyOf(prefix, prefix.length + tail.length);
        System.arraycopy(tail, 0, all, prefix.length, tail.length);
        return all;
    }

    /** The text of {@code ids}: byte-level tokens back to UTF-8, added tokens as written. */
    public String decode(int[] ids) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(ids.length * 4);
        for (int id : ids) {
            String token = id >= 0 && id < tokens.length ? tokens[id] : null;
            if (token == null) {
                throw new IllegalArgumentException("token id " + id + " is not in the vocabulary");
            }
            if (added[id]) {
                byte[] raw = token.getBytes(StandardCharsets.UTF_8);
                out.write(raw, 0, raw.length);
            } else {
                ByteLevel.decode(token, out);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    /**
     * Whether the text after an added token always tokenizes the same whatever follows it: no added token
     * strips whitespace around it and none extends another. Then a prompt's prefix up to an added token can
     * be reused by a longer prompt ({@link dev.baton.render.prompt.PromptCache}).
     */
    public boolean stableBoundaries() {
        return stableBoundaries;
    }

    private static boolean stableBoundaries(List<JsonNode> addedList) {
        List<String> contents = new ArrayList<>();
        for (JsonNode token : addedList) {
            if (token.path("lstrip").asBoolean(false) || token.path("rstrip").asBoolean(false)) {
                return false;
            }
            contents.add(token.path("content").asText());
        }
        for (String a : contents) {
            for (String b : contents) {
                if (a != b && !a.equals(b) && b.startsWith(a)) {
                    return false;
                }
            }
        }
        return true;
    }

    /** The id of an added or special token such as {@code <|im_start|>}, or -1. */
    public int addedTokenId(String content) {
        return addedIds.getOrDefault(content, -1);
    }

    public int vocabularySize() {
        return tokens.length;
    }

    private void encodeOrdinary(String text, IntList ids) {
        if (text.isEmpty()) {
            return;
        }
        String normalized = normalization == null ? text : Normalizer.normalize(text, normalization);
        List<String> pieces = List.of(normalized);
        for (Pattern split : splits) {
            List<String> next = new ArrayList<>();
            for (String piece : pieces) {
                isolate(split, piece, next);
            }
            pieces = next;
        }
        for (String piece : pieces) {
            for (int id : word(piece)) {
                ids.add(id);
            }
        }
    }

    /** The {@code Isolated} split behaviour: matches and the text between them, in order, none empty. */
    private static void isolate(Pattern split, String text, List<String> out) {
        Matcher m = split.matcher(text);
        int from = 0;
        while (m.find()) {
            if (m.start() > from) {
                out.add(text.substring(from, m.start()));
            }
            if (m.end() > m.start()) {
                out.add(m.group());
            }
            from = m.end();
        }
        if (from < text.length()) {
            out.add(text.substring(from));
        }
    }

    private int[] word(String piece) {
        if (piece.length() > WORD_CACHE_MAX_CHARS) {
            return merge(piece);
        }
        int[] cached = words.get(piece);
        if (cached != null) {
            return cached;
        }
        int[] ids = merge(piece);
        if (words.size() >= WORD_CACHE_LIMIT) {
            words.clear();
        }
        words.put(piece, ids);
        return ids;
    }

    /** Pre-tokens cached now (for tests of the bound). */
    int cachedWords() {
        return words.size();
    }

    /** Byte-level BPE on one pre-token: its UTF-8 bytes as symbols, merged by rank ({@link BpeMerges}). */
    int[] merge(String piece) {
        byte[] utf8 = piece.getBytes(StandardCharsets.UTF_8);
        if (ignoreMerges) {
            Integer whole = vocab.get(ByteLevel.encode(utf8));
            if (whole != null) {
                return new int[] {whole};
            }
        }
        int[] symbols = new int[utf8.length];
        for (int i = 0; i < utf8.length; i++) {
            int id = byteIds[utf8[i] & 0xff];
            if (id < 0) {
                throw new IllegalStateException("the vocabulary has no token for byte " + (utf8[i] & 0xff));
            }
            symbols[i] = id;
        }
        return merges.merge(symbols);
    }

    private static Normalizer.Form normalization(JsonNode normalizer) {
        if (normalizer.isMissingNode() || normalizer.isNull()) {
            return null;
        }
        return switch (normalizer.path("type").asText()) {
            case "NFC" -> Normalizer.Form.NFC;
            case "NFKC" -> Normalizer.Form.NFKC;
            case "NFD" -> Normalizer.Form.NFD;
            case "NFKD" -> Normalizer.Form.NFKD;
            default -> throw new IllegalArgumentException("normalizer.type '" + normalizer.path("type").asText()
                    + "' is not supported (NFC, NFKC, NFD, NFKD or none)");
        };
    }

    /** GPT-2's pre-tokenizer regex, used by a {@code ByteLevel} pre-tokenizer with {@code use_regex: true}. */
    private static final String GPT2_SPLIT = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

    private static List<Pattern> splits(JsonNode pre) {
        List<JsonNode> steps = new ArrayList<>();
        if ("Sequence".equals(pre.path("type").asText())) {
            pre.path("pretokenizers").forEach(steps::add);
        } else if (!pre.isMissingNode() && !pre.isNull()) {
            steps.add(pre);
        }
        List<Pattern> splits = new ArrayList<>();
        for (JsonNode step : steps) {
            switch (step.path("type").asText()) {
                case "Split" -> {
                    if (!step.path("pattern").has("Regex")) {
                        throw new IllegalArgumentException("pre_tokenizer Split without a Regex pattern is not supported");
                    }
                    if (!"Isolated".equals(step.path("behavior").asText()) || step.path("invert").asBoolean(false)) {
                        throw new IllegalArgumentException("pre_tokenizer Split behavior '" + step.path("behavior").asText()
                                + "' is not supported (Isolated only)");
                    }
                    splits.add(regex(step.path("pattern").path("Regex").asText()));
                }
                case "ByteLevel" -> {
                    if (step.path("add_prefix_space").asBoolean(false)) {
                        throw new IllegalArgumentException("pre_tokenizer ByteLevel add_prefix_space is not supported");
                    }
                    if (step.path("use_regex").asBoolean(true)) {
                        splits.add(regex(GPT2_SPLIT));
                    }
                }
                default -> throw new IllegalArgumentException("pre_tokenizer type '" + step.path("type").asText()
                        + "' is not supported (Split, ByteLevel)");
            }
        }
        return splits;
    }

    /** Oniguruma's classes, as the Rust tokenizers use them: Unicode whitespace and case folding. */
    private static Pattern regex(String source) {
        return Pattern.compile(source, Pattern.UNICODE_CHARACTER_CLASS | Pattern.UNICODE_CASE);
    }

    private static Pattern addedPattern(List<JsonNode> addedList) {
        if (addedList.isEmpty()) {
            return null;
        }
        List<JsonNode> longestFirst = new ArrayList<>(addedList);
        longestFirst.sort(Comparator.comparingInt((JsonNode t) -> t.path("content").asText().length()).reversed());
        StringBuilder alternation = new StringBuilder();
        for (JsonNode token : longestFirst) {
            if (token.path("single_word").asBoolean(false)) {
                throw new IllegalArgumentException("added_tokens '" + token.path("content").asText()
                        + "': single_word is not supported");
            }
            if (alternation.length() > 0) {
                alternation.append('|');
            }
            alternation.append(token.path("lstrip").asBoolean(false) ? "\\s*" : "")
                    .append(Pattern.quote(token.path("content").asText()))
                    .append(token.path("rstrip").asBoolean(false) ? "\\s*" : "");
        }
        return Pattern.compile(alternation.toString());
    }

    /** A growable int array. */
    private static final class IntList {
        private int[] values;
        private int size;

        IntList(int capacity) {
            values = new int[capacity];
        }

        void add(int value) {
            if (size == values.length) {
                values = java.util.Arrays.copyOf(values, size * 2);
            }
            values[size++] = value;
        }

        int[] toArray() {
            return java.util.Arrays.copyOf(values, size);
        }
    }
}
