package io.modelwatch.metrics;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;

import java.util.List;

/** Random windows for the property tests: binary or multiclass, with ties, unlabelled and unscored pairs. */
final class OutcomeArbitraries {

    private OutcomeArbitraries() {
    }

    static final List<List<String>> MODELS = List.of(List.of("0", "1"), List.of("a", "b", "c"), List.of("a", "b", "c", "d"));

    /**
     * One model's window: every outcome shares the model's classes. {@code strangers} lets a few
     * true labels fall outside the model's classes.
     */
    static Arbitrary<List<Outcome>> window(int minSize, int maxSize, boolean strangers) {
        return Arbitraries.of(MODELS).flatMap(classes -> outcome(classes, strangers).list().ofMinSize(minSize).ofMaxSize(maxSize));
    }

    static Arbitrary<Outcome> outcome(List<String> classes, boolean strangers) {
        String[] names = classes.toArray(String[]::new);
        Arbitrary<String> predicted = Arbitraries.of(classes);
        // unlabelled pairs are common; a label the model does not know is rare
        Arbitrary<String> label = (strangers ? Arbitraries.frequencyOf(
                Tuple.of(30, Arbitraries.of(classes)), Tuple.of(1, Arbitraries.just("zz"))) : Arbitraries.of(classes))
                .injectNull(0.3);
        // a coarse grid makes ties frequent, 0 and 1 included; fine values exercise the rest
        Arbitrary<Double> score = Arbitraries.oneOf(Arbitraries.of(-0.0, 0.0, 0.1, 0.25, 0.5, 0.75, 1.0),
                Arbitraries.doubles().between(0, 1));
        Arbitrary<double[]> row = score.array(double[].class).ofSize(names.length);
        Arbitrary<Boolean> scored = Arbitraries.of(true, true, true, false);
        Arbitrary<Long> delay = Arbitraries.longs().between(-7_200_000, 7_200_000);
        return Combinators.combine(predicted, label, row, scored, delay).as((p, y, s, hasScores, d) ->
                new Outcome(p, y, hasScores ? names : null, hasScores ? s : null, d));
    }
}
