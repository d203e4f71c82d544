package dev.baton.safety;

import io.smallrye.mutiny.Uni;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The built-in classifiers: regular expressions with a check each (a Luhn sum, an IBAN checksum, an entropy
 * bound), run in process on the scan text — no dependency, native-image clean. A regular expression is run only
 * where it can match: each rule names the literals its matches contain (searched in the lower-cased text, which
 * {@code String.indexOf} does at memory speed) and, for numbers, how many digits the text must hold; rules whose
 * matches start with a keyword are tried only at the keyword's occurrences. Text with nothing suspicious costs a
 * few substring searches. {@link #secrets()}, {@link #pii()} and {@link #injection()} are the three configured by
 * {@code type}.
 */
public final class PatternClassifier implements Classifier {

    /**
     * One kind of finding: a pattern, a check of each match (its group 1 when it has one, else all of it), the
     * lower-case literals every match contains (none: no such gate), whether matches start at one of them
     * ({@code anchored}), and the digits the text must hold.
     */
    record Rule(String label, Pattern pattern, Predicate<String> accept, List<String> needles, boolean anchored,
                int minDigits) {

        static Rule containing(String label, String regex, String... needles) {
            return new Rule(label, Pattern.compile(regex), match -> true, List.of(needles), false, 0);
        }

        static Rule startingWith(String label, String regex, String... keywords) {
            return new Rule(label, Pattern.compile(regex), match -> true, List.of(keywords), true, 0);
        }

        Rule accepting(Predicate<String> check) {
            return new Rule(label, pattern, check, needles, anchored, minDigits);
        }

        Rule withDigits(int digits) {
            return new Rule(label, pattern, accept, needles, anchored, digits);
        }
    }

    /** The text and what the gates ask of it, computed once per scan. */
    private static final class Prepared {
        final String text;
        private String lower;
        private int digits = -1;

        Prepared(String text) {
            this.text = text;
        }

        String lower() {
            if (lower == null) {
                lower = text.toLowerCase(java.util.Locale.ROOT);
                if (lower.length() != text.length()) {
                    lower = asciiLower(text); // a length-changing case mapping would shift offsets
                }
            }
            return lower;
        }

        int digits() {
            if (digits < 0) {
                int n = 0;
                for (int i = 0; i < text.length(); i++) {
                    char c = text.charAt(i);
                    if (c >= '0' && c <= '9') {
                        n++;
                    }
                }
                digits = n;
            }
            return digits;
        }

        private static String asciiLower(String text) {
            char[] chars = text.toCharArray();
            for (int i = 0; i < chars.length; i++) {
                if (chars[i] >= 'A' && chars[i] <= 'Z') {
                    chars[i] = (char) (chars[i] + 32);
                }
            }
            return new String(chars);
        }
    }

    /** Longest text a keyword-anchored match spans. */
    private static final int ANCHORED_SPAN = 512;

    private final List<Rule> rules;
    private final boolean hiddenUnicode;

    PatternClassifier(List<Rule> rules, boolean hiddenUnicode) {
        this.rules = List.copyOf(rules);
        this.hiddenUnicode = hiddenUnicode;
    }

    @Override
    public Uni<List<Finding>> scan(ScanText scan) {
        return Uni.createFrom().item(find(scan.text()));
    }

    /** Every accepted match of every rule in {@code text}, in rule order. */
    public List<Finding> find(String text) {
        List<Finding> findings = new ArrayList<>();
        Prepared prepared = new Prepared(text);
        if (hiddenUnicode) {
            hidden(text, findings);
        }
        for (Rule rule : rules) {
            if (rule.minDigits() > 0 && prepared.digits() < rule.minDigits()) {
                continue;
            }
            if (rule.anchored()) {
                anchored(rule, prepared, findings);
            } else if (rule.needles().isEmpty() || containsAny(prepared.lower(), rule.needles())) {
                Matcher m = rule.pattern().matcher(text);
                while (m.find()) {
                    accept(rule, m, findings);
                }
            }
        }
        return findings;
    }

    /** Tries the rule at each occurrence of its keywords only. */
    private static void anchored(Rule rule, Prepared prepared, List<Finding> findings) {
        String lower = prepared.lower();
        Matcher m = rule.pattern().matcher(prepared.text).useTransparentBounds(true).useAnchoringBounds(false);
        java.util.TreeSet<Integer> starts = new java.util.TreeSet<>();
        for (String keyword : rule.needles()) {
            for (int at = lower.indexOf(keyword); at >= 0; at = lower.indexOf(keyword, at + 1)) {
                starts.add(at);
            }
        }
        int coveredTo = -1;
        for (int at : starts) {
            if (at < coveredTo) {
                continue;
            }
            m.region(at, Math.min(prepared.text.length(), at + ANCHORED_SPAN));
            if (m.lookingAt()) {
                if (accept(rule, m, findings)) {
                    coveredTo = m.end();
                }
            }
        }
    }

    private static boolean accept(Rule rule, Matcher m, List<Finding> findings) {
        String value = m.groupCount() > 0 && m.group(1) != null ? m.group(1) : m.group();
        if (!rule.accept().test(value)) {
            return false;
        }
        findings.add(new Finding(m.start(), m.end(), rule.label()));
        return true;
    }

    private static boolean containsAny(String text, List<String> needles) {
        for (String needle : needles) {
            if (text.contains(needle)) {
                return true;
            }
        }
        return false;
    }

    /** Runs of tag characters (U+E0000–E007F), bidi controls and zero-width characters. */
    private static void hidden(String text, List<Finding> findings) {
        int runStart = -1;
        for (int i = 0; i < text.length(); i++) {
            int width = isHidden(text, i);
            if (width > 0) {
                if (runStart < 0) {
                    runStart = i;
                }
                i += width - 1;
            } else if (runStart >= 0) {
                findings.add(new Finding(runStart, i, "hidden_unicode"));
                runStart = -1;
            }
        }
        if (runStart >= 0) {
            findings.add(new Finding(runStart, text.length(), "hidden_unicode"));
        }
    }

    /** The width in chars of a hidden code point at {@code i}, or 0. */
    private static int isHidden(String text, int i) {
        char c = text.charAt(i);
        if ((c >= '\u202A' && c <= '\u202E') || (c >= '\u2066' && c <= '\u2069') || (c >= '\u200B' && c <= '\u200D')
                || c == '\u2060' || c == '\u180E') {
            return 1;
        }
        // tag characters U+E0000..U+E007F: high surrogate U+DB40, low surrogate U+DC00..U+DC7F
        if (c == '\uDB40' && i + 1 < text.length() && text.charAt(i + 1) >= '\uDC00' && text.charAt(i + 1) <= '\uDC7F') {
            return 2;
        }
        return 0;
    }

    /** API keys and tokens of the common providers, private keys, JWTs, high-entropy values of secret-named fields. */
    public static PatternClassifier secrets() {
        return new PatternClassifier(List.of(
                Rule.containing("private_key", "-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----", "private key"),
                Rule.containing("aws_access_key", "\\b(?:AKIA|ASIA|AGPA|AIDA|AROA)[0-9A-Z]{16}\\b",
                        "akia", "asia", "agpa", "aida", "aroa"),
                Rule.containing("github_token", "\\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})\\b",
                        "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"),
                Rule.containing("anthropic_key", "\\bsk-ant-[A-Za-z0-9_-]{20,}", "sk-ant-"),
                Rule.containing("openai_key", "\\bsk-(?!ant-)(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}", "sk-"),
                Rule.containing("slack_token", "\\bxox[abposr]-[A-Za-z0-9-]{10,}", "xox"),
                Rule.containing("stripe_key", "\\b[rs]k_(?:live|test)_[A-Za-z0-9]{16,}", "k_live_", "k_test_"),
                Rule.containing("google_api_key", "\\bAIza[0-9A-Za-z_-]{35}", "aiza"),
                Rule.containing("gitlab_token", "\\bglpat-[A-Za-z0-9_-]{20,}", "glpat-"),
                Rule.containing("jwt", "\\beyJ[A-Za-z0-9_-]{8,}\\.eyJ[A-Za-z0-9_-]{8,}\\.[A-Za-z0-9_-]{8,}", "eyj"),
                Rule.startingWith("credential", "(?i)(?<![A-Za-z0-9])(?:password|passwd|pwd|secret|token|api[_-]?key|"
                                + "access[_-]?key|client[_-]?secret|auth)[\"']?\\s*[:=]\\s*[\"']?([^\\s\"',;]{12,})",
                        "password", "passwd", "pwd", "secret", "token", "api", "access", "client", "auth")
                        .accepting(PatternClassifier::highEntropy)), false);
    }

    /** E-mail addresses, phone numbers, payment cards (Luhn-checked), IBANs (checksum-checked). */
    public static PatternClassifier pii() {
        return new PatternClassifier(List.of(
                Rule.containing("email", "\\b[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\\.[A-Za-z0-9-]+)*\\.[A-Za-z]{2,}\\b", "@"),
                Rule.containing("payment_card", "(?<![\\d-])(\\d(?:[ -]?\\d){12,18})(?![\\d-])")
                        .accepting(PatternClassifier::luhn).withDigits(13),
                Rule.containing("iban", "\\b([A-Z]{2}\\d{2}(?: ?[A-Z0-9]){11,30})\\b")
                        .accepting(PatternClassifier::iban).withDigits(8),
                Rule.containing("phone", "(?<![\\w+])(\\+\\d{1,3}[ .-]?(?:\\(\\d{1,4}\\)[ .-]?)?\\d{1,4}(?:[ .-]?\\d{2,4}){2,4}"
                        + "|\\(\\d{3}\\) ?\\d{3}[ .-]\\d{4}|\\b\\d{3}[.-]\\d{3}[.-]\\d{4})(?!\\w)")
                        .accepting(PatternClassifier::phoneDigits).withDigits(8)), false);
    }

    /** Prompt-injection phrases and hidden Unicode (tag characters, bidi controls, zero-width characters). */
    public static PatternClassifier injection() {
        String previous = "(?:all |any |the |your )?(?:previous|prior|above|earlier|preceding|foregoing)";
        String instructions = "(?:instructions?|prompts?|messages?|rules|guidelines|directions|context)";
        return new PatternClassifier(List.of(
                Rule.startingWith("instruction_override", "(?i)\\b(?:ignore|disregard|forget|override|bypass)\\s+" + previous
                        + "\\s+" + instructions, "ignore", "disregard", "forget", "override", "bypass"),
                Rule.startingWith("role_takeover", "(?i)\\b(?:you are now|from now on,? you are|act as) (?:an? )?(?:DAN|"
                        + "developer mode|jailbroken|unrestricted|unfiltered)\\b", "you are now", "from now on", "act as"),
                Rule.startingWith("prompt_extraction", "(?i)\\b(?:reveal|print|show|repeat|output|leak)\\s+(?:me\\s+)?"
                        + "(?:your|the)\\s+(?:system prompt|hidden instructions|initial instructions|developer message)",
                        "reveal", "print", "show", "repeat", "output", "leak"),
                Rule.startingWith("fake_turn_marker", "<\\|(?:im_start|start_header_id|system|endoftext)\\|>|\\[/?INST\\]|<<SYS>>",
                        "<|", "[inst]", "[/inst]", "<<sys>>")), true);
    }

    /** Shannon entropy of at least 3 bits per character: random material, not a word like "password123". */
    static boolean highEntropy(String value) {
        int[] counts = new int[128];
        int other = 0;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < 128) {
                counts[c]++;
            } else {
                other++;
            }
        }
        double entropy = 0;
        for (int count : counts) {
            if (count > 0) {
                double p = count / (double) value.length();
                entropy -= p * Math.log(p) / Math.log(2);
            }
        }
        if (other > 0) {
            double p = other / (double) value.length();
            entropy -= p * Math.log(p) / Math.log(2);
        }
        return entropy >= 3.0;
    }

    /** A card number: 13 to 19 digits whose Luhn sum is a multiple of ten. */
    static boolean luhn(String value) {
        String digits = value.replaceAll("[ -]", "");
        if (digits.length() < 13 || digits.length() > 19 || digits.chars().distinct().count() == 1) {
            return false;
        }
        int sum = 0;
        for (int i = 0; i < digits.length(); i++) {
            int d = digits.charAt(digits.length() - 1 - i) - '0';
            if (i % 2 == 1) {
                d = d * 2 > 9 ? d * 2 - 9 : d * 2;
            }
            sum += d;
        }
        return sum % 10 == 0;
    }

    /** An IBAN: 15 to 34 characters whose ISO 13616 checksum (mod 97) is 1. */
    static boolean iban(String value) {
        String iban = value.replace(" ", "");
        if (iban.length() < 15 || iban.length() > 34) {
            return false;
        }
        String rearranged = iban.substring(4) + iban.substring(0, 4);
        int remainder = 0;
        for (int i = 0; i < rearranged.length(); i++) {
            char c = rearranged.charAt(i);
            int v = Character.isDigit(c) ? c - '0' : c - 'A' + 10;
            remainder = v > 9 ? (remainder * 100 + v) % 97 : (remainder * 10 + v) % 97;
        }
        return remainder == 1;
    }

    /** A phone number has 8 to 15 digits (E.164). */
    static boolean phoneDigits(String value) {
        long digits = value.chars().filter(Character::isDigit).count();
        return digits >= 8 && digits <= 15;
    }
}
