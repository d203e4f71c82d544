package dev.baton.safety;

import io.smallrye.mutiny.Uni;
import java.util.List;

/**
 * A safety classifier. It reads a turn's new input (and, with {@code scope: window}, a bounded tail of the
 * chain before it) and reports what it found; the {@link SafetyStage} decides what the finding means (its
 * configured action). Implementations are stateless and thread-safe.
 */
public interface Classifier {

    /** Findings in {@code scan.text()}; a failure is a classifier error (its {@code on_error} applies). */
    Uni<List<Finding>> scan(ScanText scan);
}
