package dev.baton.safety;

import io.smallrye.mutiny.Uni;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The built-in classifiers: regular expressions with a check each (a Luhn sum, an IBAN checksum, an entropy
 * bound), run in process on the scan text — microseconds per kilobyte, no dependency, native-image clean.
 * {@link #secrets()}, {@link #pii()} and {@link #injection()} are the three configured by {@code type}.
 */
public final class PatternClassifier implements Classifier {

    /** One kind of finding: a pattern, and a check of each match (its group 1 when it has one, else all of it). */
    record Rule(String label, Pattern pattern, Predicate<String> accept) {
        Rule(String label, String regex) {
            this(label, Pattern.compile(regex), match -> true);
        }
    }

    private final List<Rule> rules;

    PatternClassifier(List<Rule> rules) {
        this.rules = List.copyOf(rules);
    }

    @Override
    public Uni<List<Finding>> scan(ScanText scan) {
        return Uni.createFrom().item(find(scan.text()));
    }

    /** Every accepted match of every rule in {@code text}, in rule order. */
    public List<Finding> find(String text) {
        List<Finding> findings = new ArrayList<>();
        for (Rule rule : rules) {
            Matcher m = rule.pattern().matcher(text);
            while (m.find()) {
                String value = m.groupCount() > 0 && m.group(1) != null ? m.group(1) : m.group();
                if (rule.accept().test(value)) {
                    findings.add(new Finding(m.start(), m.end(), rule.label()));
                }
            }
        }
        return findings;
    }

    /** API keys and tokens of the common providers, private keys, JWTs, high-entropy values of secret-named fields. */
    public static PatternClassifier secrets() {
        return new PatternClassifier(List.of(
                new Rule("private_key", "-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----"),
                new Rule("aws_access_key", "\\b(?:AKIA|ASIA|AGPA|AIDA|AROA)[0-9A-Z]{16}\\b"),
                new Rule("github_token", "\\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})\\b"),
                new Rule("anthropic_key", "\\bsk-ant-[A-Za-z0-9_-]{20,}"),
                new Rule("openai_key", "\\bsk-(?!ant-)(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}"),
                new Rule("slack_token", "\\bxox[abposr]-[A-Za-z0-9-]{10,}"),
                new Rule("stripe_key", "\\b[rs]k_(?:live|test)_[A-Za-z0-9]{16,}"),
                new Rule("google_api_key", "\\bAIza[0-9A-Za-z_-]{35}"),
                new Rule("gitlab_token", "\\bglpat-[A-Za-z0-9_-]{20,}"),
                new Rule("jwt", "\\beyJ[A-Za-z0-9_-]{8,}\\.eyJ[A-Za-z0-9_-]{8,}\\.[A-Za-z0-9_-]{8,}"),
                new Rule("credential", Pattern.compile("(?i)(?<![A-Za-z0-9])(?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key|"
                        + "client[_-]?secret|auth)[\"']?\\s*[:=]\\s*[\"']?([^\\s\"',;]{12,})"), PatternClassifier::highEntropy)));
    }

    /** E-mail addresses, phone numbers, payment cards (Luhn-checked), IBANs (checksum-checked). */
    public static PatternClassifier pii() {
        return new PatternClassifier(List.of(
                new Rule("email", "\\b[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\\.[A-Za-z0-9-]+)*\\.[A-Za-z]{2,}\\b"),
                new Rule("payment_card", Pattern.compile("(?<![\\d-])(\\d(?:[ -]?\\d){12,18})(?![\\d-])"), PatternClassifier::luhn),
                new Rule("iban", Pattern.compile("\\b([A-Z]{2}\\d{2}(?: ?[A-Z0-9]){11,30})\\b"), PatternClassifier::iban),
                new Rule("phone", Pattern.compile("(?<![\\w+])(\\+\\d{1,3}[ .-]?(?:\\(\\d{1,4}\\)[ .-]?)?\\d{1,4}(?:[ .-]?\\d{2,4}){2,4}"
                        + "|\\(\\d{3}\\) ?\\d{3}[ .-]\\d{4}|\\b\\d{3}[.-]\\d{3}[.-]\\d{4})(?!\\w)"), PatternClassifier::phoneDigits)));
    }

    /** Prompt-injection phrases and hidden Unicode (tag characters, bidi controls, zero-width characters). */
    public static PatternClassifier injection() {
        String previous = "(?:all |any |the |your )?(?:previous|prior|above|earlier|preceding|foregoing)";
        String instructions = "(?:instructions?|prompts?|messages?|rules|guidelines|directions|context)";
        return new PatternClassifier(List.of(
                new Rule("hidden_unicode", "[\\x{E0000}-\\x{E007F}\\u202A-\\u202E\\u2066-\\u2069\\u200B-\\u200D\\u2060\\u180E]+"),
                new Rule("instruction_override", "(?i)\\b(?:ignore|disregard|forget|override|bypass)\\s+" + previous
                        + "\\s+" + instructions),
                new Rule("role_takeover", "(?i)\\b(?:you are now|from now on,? you are|act as) (?:an? )?(?:DAN|developer mode|"
                        + "jailbroken|unrestricted|unfiltered)\\b"),
                new Rule("prompt_extraction", "(?i)\\b(?:reveal|print|show|repeat|output|leak)\\s+(?:me\\s+)?(?:your|the)\\s+"
                        + "(?:system prompt|hidden instructions|initial instructions|developer message)"),
                new Rule("fake_turn_marker", "<\\|(?:im_start|start_header_id|system|endoftext)\\|>|\\[/?INST\\]|<<SYS>>")));
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
