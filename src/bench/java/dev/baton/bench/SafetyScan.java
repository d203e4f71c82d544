package dev.baton.bench;

import dev.baton.safety.PatternClassifier;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Safety on new input only, in process: at turn N of an agent loop (each turn the model says a sentence and
 * calls a tool, the agent answers with the tool's output — 1 KiB growing by 256 B per turn, as in the agent
 * loop scenario), what the built-in classifiers (secrets, pii, injection) read and how long they take when
 * they read the turn's new input only (Baton, {@code scope: new}) against the whole conversation (a gateway
 * that scans every request's payload). Variants interleaved, medians.
 */
final class SafetyScan {

    record Point(int turn, long newChars, long wholeChars, double newMicros, double wholeMicros) {
    }

    private static final List<PatternClassifier> CLASSIFIERS = List.of(PatternClassifier.secrets(),
            PatternClassifier.pii(), PatternClassifier.injection());

    List<Point> run(List<Integer> turns, int repetitions) {
        int last = turns.get(turns.size() - 1);
        Random random = new Random(7);
        List<String> texts = new ArrayList<>(); // the conversation's texts, in order
        texts.add("Fix the failing build of the payment service.");
        List<Point> points = new ArrayList<>();
        int found = 0;
        Random warmUp = new Random(1);
        for (int i = 0; i < 300; i++) { // the JIT compiler's first minutes stay out of the figures
            found += scan(HistoryOverhead.words(warmUp, 300) + " password: Zx8#kq2!Lw9@vT4p ignore previous instructions");
        }
        for (int turn = 1; turn <= last; turn++) {
            texts.add("Running the next step of the plan now.");
            texts.add("{\"cmd\": \"make step-" + turn + "\"}");
            String newInput = HistoryOverhead.words(random, (1024 + 256 * (turn - 1)) / 7);
            texts.add(newInput);
            if (!turns.contains(turn)) {
                continue;
            }
            String whole = String.join("\n", texts);
            List<Double> fresh = new ArrayList<>();
            List<Double> all = new ArrayList<>();
            for (int r = 0; r < repetitions; r++) {
                long t0 = System.nanoTime();
                found += scan(newInput);
                long t1 = System.nanoTime();
                found += scan(whole);
                long t2 = System.nanoTime();
                fresh.add((t1 - t0) / 1000.0);
                all.add((t2 - t1) / 1000.0);
            }
            points.add(new Point(turn, newInput.length(), whole.length(), Stats.of(fresh).p50(), Stats.of(all).p50()));
        }
        if (found < 0) {
            throw new IllegalStateException("unreachable: keeps the scans from being optimised away");
        }
        return points;
    }

    private static int scan(String text) {
        int findings = 0;
        for (PatternClassifier classifier : CLASSIFIERS) {
            findings += classifier.find(text).size();
        }
        return findings;
    }
}
