package io.modelwatch.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.CharRange;
import net.jqwik.api.constraints.StringLength;
import org.junit.jupiter.api.Test;

/** Classes come out in code point order, as scikit-learn (numpy) sorts them, not in Java's UTF-16 order. */
class ClassOrderTest {

    @Test
    void aClassBeyondTheBasicPlaneSortsAfterOneNearItsEnd() {
        WindowAggregate agg = new WindowAggregate();
        // U+FF5A (fullwidth z) is above every BMP letter; U+1F600 (an emoji, a surrogate pair) is above it
        String[] classes = {"a", "\uFF5A", "\uD83D\uDE00", "\u00E9", "Z"};
        for (String c : classes) {
            agg.confusion(c, c, 1);
        }
        assertEquals(List.of("Z", "a", "\u00E9", "\uFF5A", "\uD83D\uDE00"), agg.labels());
        agg.classesNamed(classes.clone(), 1);
        assertEquals(List.of("Z", "a", "\u00E9", "\uFF5A", "\uD83D\uDE00"), agg.modelClasses());
    }

    @Property(tries = 2000)
    void theOrderIsThatOfTheCodePoints(@ForAll @StringLength(max = 4) @CharRange(from = '\uD700', to = '\uFFFF') String a,
                                       @ForAll @StringLength(max = 4) @CharRange(from = '\uD700', to = '\uFFFF') String b) {
        // well-formed or not, pairs of units compare as numpy compares code points of the surrogate pairs they form
        String x = a.replaceAll("[\uD800-\uDFFF]", "\uD83D\uDE00");
        String y = b.replaceAll("[\uD800-\uDFFF]", "\uD83D\uDE01");
        int expected = Integer.signum(Arrays.compare(x.codePoints().toArray(), y.codePoints().toArray()));
        assertEquals(expected, Integer.signum(WindowAggregate.CODE_POINT_ORDER.compare(x, y)), x + " vs " + y);
    }
}
