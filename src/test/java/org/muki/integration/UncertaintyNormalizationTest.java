package org.muki.integration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.muki.MukiException;

/** Per-teacher normalisation: statistics from the transfer scores only, checked against hand-computed ranks and z-scores. */
class UncertaintyNormalizationTest {
    /** Two teachers with two labels each; uncertainties (MC, single pass) per teacher. */
    static InstanceScores scores(String id, double u0, double u1, double e0, double e1) {
        float[][] logits = {{1f, 0f}, {0f, 1f}};
        double[][] probs = {{0.6, 0.4}, {0.3, 0.7}};
        return new InstanceScores(id, logits, probs, new double[] {u0, u1}, new double[] {e0, e1});
    }

    /** Teacher 1 is uncertain on everything (0.6..0.9), teacher 0 confident (0.1..0.4). */
    static List<InstanceScores> transfer() {
        List<InstanceScores> t = new ArrayList<>();
        double[] a = {0.1, 0.2, 0.3, 0.4}, b = {0.6, 0.7, 0.8, 0.9};
        for (int i = 0; i < 4; i++) t.add(scores("t" + i, a[i], b[i], a[i] / 2, b[i] / 2));
        return t;
    }

    @Test
    void noneLeavesTheScoresAsTheyAre() {
        var none = UncertaintyNormalization.fit(UncertaintyNormalization.Kind.NONE, transfer());
        InstanceScores s = scores("x", 0.35, 0.65, 0.1, 0.2);
        assertSame(s, none.apply(s));
    }

    @Test
    void percentileRanksEachTeacherAgainstItsOwnTransferScores() {
        var p = UncertaintyNormalization.fit(UncertaintyNormalization.Kind.PERCENTILE, transfer());
        // Teacher 0: 0.35 is above 3 of its 4 transfer values -> 0.75; teacher 1: 0.65 above 1 of 4 -> 0.25.
        InstanceScores s = p.apply(scores("x", 0.35, 0.65, 0.05, 0.45));
        assertEquals(0.75, s.mcUncertainty()[0], 1e-12);
        assertEquals(0.25, s.mcUncertainty()[1], 1e-12);
        // Single-pass against its own distribution: 0.05 ties the lowest (counts half) -> 0.125; 0.45 is the highest -> 0.875.
        assertEquals(0.125, s.entropyUncertainty()[0], 1e-12);
        assertEquals(0.875, s.entropyUncertainty()[1], 1e-12);
        // Unnormalised, teacher 0 would be chosen (0.35 < 0.65); ranked, teacher 1 is the more certain for its own standards.
        assertEquals(1, argmin(s.mcUncertainty()));
        // Logits and MC probabilities are untouched.
        assertEquals(0.7, s.mcProbs()[1][1]);
        // Beyond the transfer range: 0 below everything, 1 above.
        InstanceScores edge = p.apply(scores("y", 0.0, 1.0, 0.0, 1.0));
        assertEquals(0.0, edge.mcUncertainty()[0]);
        assertEquals(1.0, edge.mcUncertainty()[1]);
    }

    @Test
    void zscoreUsesTheTransferMeanAndStandardDeviation() {
        var z = UncertaintyNormalization.fit(UncertaintyNormalization.Kind.ZSCORE, transfer());
        // Teacher 0: mean 0.25, population std sqrt(0.0125); u'' = 1 + z so that 1 - u'' = -z.
        double std = Math.sqrt(0.0125);
        InstanceScores s = z.apply(scores("x", 0.35, 0.65, 0.125, 0.375));
        assertEquals(1 + (0.35 - 0.25) / std, s.mcUncertainty()[0], 1e-12);
        assertEquals(1 + (0.65 - 0.75) / std, s.mcUncertainty()[1], 1e-12);
        assertEquals(1 + (0.125 - 0.125) / (std / 2), s.entropyUncertainty()[0], 1e-12);
        assertEquals(1 + (0.375 - 0.375) / (std / 2), s.entropyUncertainty()[1], 1e-12);
    }

    @Test
    void aSingleLabelTeacherStaysTheLeastCertain() {
        List<InstanceScores> t = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            t.add(new InstanceScores("t" + i, new float[][] {{1f, 0f}, {0f}}, new double[][] {{0.5, 0.5}, {1.0}},
                    new double[] {0.9 + i * 0.01, 1.0}, new double[] {0.9, 1.0}));
        }
        for (UncertaintyNormalization.Kind k : new UncertaintyNormalization.Kind[] {UncertaintyNormalization.Kind.PERCENTILE,
                UncertaintyNormalization.Kind.ZSCORE}) {
            var n = UncertaintyNormalization.fit(k, t);
            InstanceScores worst = n.apply(new InstanceScores("x", new float[][] {{1f, 0f}, {0f}}, new double[][] {{0.5, 0.5}, {1.0}},
                    new double[] {1.0, 1.0}, new double[] {1.0, 1.0}));
            assertTrue(worst.mcUncertainty()[1] > worst.mcUncertainty()[0], k + ": " + java.util.Arrays.toString(worst.mcUncertainty()));
        }
    }

    @Test
    void mismatchedOrEmptyScoresAreRefused() {
        assertThrows(MukiException.class, () -> UncertaintyNormalization.fit(UncertaintyNormalization.Kind.PERCENTILE, List.of()));
        var p = UncertaintyNormalization.fit(UncertaintyNormalization.Kind.PERCENTILE, transfer());
        InstanceScores three = new InstanceScores("x", new float[][] {{1f, 0f}, {1f, 0f}, {1f, 0f}},
                new double[][] {{0.5, 0.5}, {0.5, 0.5}, {0.5, 0.5}}, new double[] {0.1, 0.2, 0.3}, new double[] {0.1, 0.2, 0.3});
        assertTrue(assertThrows(MukiException.class, () -> p.apply(three)).getMessage().contains("3 teachers"));
        assertTrue(assertThrows(MukiException.class, () -> UncertaintyNormalization.kind("rank")).getMessage().contains("'rank'"));
    }

    static int argmin(double[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) if (v[i] < v[best]) best = i;
        return best;
    }
}
