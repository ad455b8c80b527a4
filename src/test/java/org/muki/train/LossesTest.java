package org.muki.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** The losses on cases small enough to compute by hand, and their gradients by finite differences. */
class LossesTest {
    @Test
    void crossEntropyOfOneRowByHand() {
        // logits (0, ln 2, ln 5): softmax (1/8, 2/8, 5/8)
        float[] z = {0f, (float) Math.log(2), (float) Math.log(5)};
        Losses.Result r = Losses.crossEntropy(z, 3, new int[] {1});
        assertEquals(-Math.log(2.0 / 8), r.loss(), 1e-6);
        assertEquals(1.0 / 8, r.dLogits()[0], 1e-6);
        assertEquals(2.0 / 8 - 1, r.dLogits()[1], 1e-6);
        assertEquals(5.0 / 8, r.dLogits()[2], 1e-6);
        assertThrows(IllegalArgumentException.class, () -> Losses.crossEntropy(z, 3, new int[] {3}));
    }

    @Test
    void klOfATargetWithZerosByHand() {
        // t = (0, 1/2, 1/2), q = softmax(z / T) with T = 2 and z = (0, 0, 2 ln 3): q = (1/5, 1/5, 3/5)
        float[] z = {0f, 0f, (float) (2 * Math.log(3))};
        double[] t = {0, 0.5, 0.5};
        Losses.Result r = Losses.klDivergence(z, 3, t, null, 2.0, false);
        double kl = 0.5 * Math.log(0.5 / 0.2) + 0.5 * Math.log(0.5 / 0.6);
        assertEquals(kl, r.loss(), 1e-6);
        // gradient: (q - t) / T
        assertEquals((0.2 - 0) / 2, r.dLogits()[0], 1e-6);
        assertEquals((0.2 - 0.5) / 2, r.dLogits()[1], 1e-6);
        assertEquals((0.6 - 0.5) / 2, r.dLogits()[2], 1e-6);
    }

    @Test
    void weightedReductionsFollowTheSpec() {
        float[] z = {1f, -1f, 0.5f, 0.5f, -2f, 3f};
        double[] t = {0.7, 0.3, 0.5, 0.5, 0.0, 1.0};
        double[] w = {0.25, 2.0, 1e-6};
        double[] each = new double[3];
        for (int b = 0; b < 3; b++) {
            float[] zb = {z[2 * b], z[2 * b + 1]};
            each[b] = Losses.klDivergence(zb, 2, new double[] {t[2 * b], t[2 * b + 1]}, null, 1.0, false).loss();
        }
        double plain = (w[0] * each[0] + w[1] * each[1] + w[2] * each[2]) / 3;
        double normalized = (w[0] * each[0] + w[1] * each[1] + w[2] * each[2]) / (w[0] + w[1] + w[2]);
        assertEquals(plain, Losses.klDivergence(z, 2, t, w, 1.0, false).loss(), 1e-9);
        assertEquals(normalized, Losses.klDivergence(z, 2, t, w, 1.0, true).loss(), 1e-9);
    }

    @Test
    void gradientsMatchFiniteDifferences() {
        float[] z = {0.3f, -1.2f, 2.0f, 0.1f, 0.0f, 0.0f, -0.5f, 1.5f};
        double[] t = {0.1, 0.2, 0.3, 0.4, 0.0, 0.0, 1.0, 0.0};
        double[] w = {0.7, 1.3};
        for (boolean normalized : new boolean[] {false, true}) {
            Losses.Result r = Losses.klDivergence(z, 4, t, w, 1.7, normalized);
            for (int i = 0; i < z.length; i++) {
                float keep = z[i];
                z[i] = keep + 1e-3f;
                double up = Losses.klDivergence(z, 4, t, w, 1.7, normalized).loss();
                z[i] = keep - 1e-3f;
                double down = Losses.klDivergence(z, 4, t, w, 1.7, normalized).loss();
                z[i] = keep;
                assertEquals((up - down) / 2e-3, r.dLogits()[i], 2e-4, "KL d/dz" + i);
            }
        }
        int[] labels = {3, 0};
        Losses.Result ce = Losses.crossEntropy(z, 4, labels);
        for (int i = 0; i < z.length; i++) {
            float keep = z[i];
            z[i] = keep + 1e-3f;
            double up = Losses.crossEntropy(z, 4, labels).loss();
            z[i] = keep - 1e-3f;
            double down = Losses.crossEntropy(z, 4, labels).loss();
            z[i] = keep;
            assertEquals((up - down) / 2e-3, ce.dLogits()[i], 2e-4, "CE d/dz" + i);
        }
    }

    @Test
    void scheduleWarmsUpThenDecaysLinearly() {
        assertEquals(0.0, Trainer.schedule(0, 100, 10));
        assertEquals(0.5, Trainer.schedule(5, 100, 10));
        assertEquals(1.0, Trainer.schedule(10, 100, 10));
        assertEquals(0.5, Trainer.schedule(55, 100, 10), 1e-12);
        assertEquals(0.0, Trainer.schedule(100, 100, 10));
        assertEquals(1.0, Trainer.schedule(0, 100, 0));
    }
}
