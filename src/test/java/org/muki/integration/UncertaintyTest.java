package org.muki.integration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The MC uncertainty never turns into NaN: one-hot, underflowing and extreme logits. */
class UncertaintyTest {
    @Test
    void oneHotAndUnderflowingProbabilitiesGiveFiniteEntropy() {
        float[][] cases = {
                {1e30f, 0f, -1e30f},              // one-hot after softmax
                {-1e30f, -1e30f, -1e30f},         // every exp underflows before the max shift
                {Float.MAX_VALUE, -Float.MAX_VALUE, 0f},
                {88f, -104f, 0f},                 // exp(-192) underflows to 0 in float, not in double
        };
        for (float[] z : cases) {
            double[] p = Uncertainty.meanProbs(z, 0, 1, 3);
            double u = Uncertainty.normalizedEntropy(p);
            assertTrue(Double.isFinite(u) && u >= 0 && u <= 1, java.util.Arrays.toString(z) + " -> u = " + u);
        }
        assertEquals(0.0, Uncertainty.normalizedEntropy(new double[] {1, 0, 0}), 0);
        assertEquals(1.0, Uncertainty.normalizedEntropy(Uncertainty.meanProbs(new float[] {-1e30f, -1e30f, -1e30f}, 0, 1, 3)), 1e-12);
        // K samples that are one-hot on different classes average to a finite, high uncertainty.
        double[] mean = Uncertainty.meanProbs(new float[] {1e30f, 0f, 0f, 0f, 1e30f, 0f}, 0, 2, 3);
        assertEquals(Math.log(2) / Math.log(3), Uncertainty.normalizedEntropy(mean), 1e-12);
    }
}
