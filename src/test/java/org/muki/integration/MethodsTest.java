package org.muki.integration;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.muki.MukiException;
import org.muki.train.Losses;

/**
 * The integration methods on cases small enough to compute by hand: one instance (B = 1),
 * three teachers with uneven blocks given out of label order, ties, overlapping label names,
 * and every method's gradient against finite differences.
 */
class MethodsTest {
    // Teacher 0 knows {c, a}, teacher 1 {e}, teacher 2 {d, b, f}: uneven, and not in label order.
    static final LabelSpace SPACE = LabelSpace.of(List.of(List.of("c", "a"), List.of("e"), List.of("d", "b", "f")), null);

    static InstanceScores instance(double u0, double u1, double u2) {
        float[][] z = {{(float) Math.log(3), 0f}, {0.7f}, {0f, (float) Math.log(2), (float) Math.log(5)}};
        return new InstanceScores("x", z, new double[][] {{0.75, 0.25}, {1.0}, {0.125, 0.25, 0.625}},
                new double[] {u0, u1, u2}, new double[] {u2, u1, u0});
    }

    static void close(double[] want, double[] got) {
        assertArrayEquals(want, got, 1e-7); // the logits are float32
    }

    @Test
    void labelsAreMatchedByName() {
        assertEquals(List.of("a", "b", "c", "d", "e", "f"), SPACE.labels());
        assertArrayEquals(new int[] {2, 0}, SPACE.blocks()[0]);
        assertArrayEquals(new int[] {4}, SPACE.blocks()[1]);
        assertArrayEquals(new int[] {3, 1, 5}, SPACE.blocks()[2]);
        assertEquals(List.of(2), SPACE.teachersOf(5));
        assertThrows(MukiException.class, () -> LabelSpace.of(List.of(List.of("a")), List.of("a", "b")));
    }

    @Test
    void paddedHardAndSoftTargetsByHand() {
        InstanceScores x = instance(0.2, 0.9, 0.5); // scores 0.8, 0.1, 0.5
        // teacher 0: softmax(ln 3, 0) = (3/4, 1/4) on c, a
        close(new double[] {0.25, 0, 0.75, 0, 0, 0}, Supervision.padded(x, 0, SPACE, 1.0));
        // teacher 2: softmax(0, ln 2, ln 5) = (1/8, 2/8, 5/8) on d, b, f
        close(new double[] {0, 0.25, 0, 0.125, 0, 0.625}, Supervision.padded(x, 2, SPACE, 1.0));
        close(Supervision.padded(x, 0, SPACE, 1.0), Supervision.hard(x, x.mcScores(), SPACE, 1.0));
        // soft: w = softmax((0.8, 0.1, 0.5) / 0.2) = exp(4, 0.5, 2.5) normalised
        double e0 = Math.exp(4), e1 = Math.exp(0.5), e2 = Math.exp(2.5), z = e0 + e1 + e2;
        double[] w = {e0 / z, e1 / z, e2 / z};
        close(new double[] {0.25 * w[0], 0.25 * w[2], 0.75 * w[0], 0.125 * w[2], w[1], 0.625 * w[2]},
                Supervision.soft(x, x.mcScores(), SPACE, 0.2, 1.0));
        assertEquals(1.0, java.util.Arrays.stream(Supervision.soft(x, x.mcScores(), SPACE, 0.2, 1.0)).sum(), 1e-12);
        // the temperature divides the logits: teacher 0 at T = 2 is softmax(ln 3 / 2, 0) = (sqrt 3, 1) / (sqrt 3 + 1)
        double r3 = Math.sqrt(3);
        close(new double[] {1 / (r3 + 1), 0, r3 / (r3 + 1), 0, 0, 0}, Supervision.padded(x, 0, SPACE, 2.0));
    }

    @Test
    void tiesGoToTheLowerTeacherAndTheMarginIsTheTopGap() {
        InstanceScores tie = instance(0.3, 0.3, 0.9); // scores 0.7, 0.7, 0.1
        close(Supervision.padded(tie, 0, SPACE, 1.0), Supervision.hard(tie, tie.mcScores(), SPACE, 1.0));
        assertEquals(1e-6, Supervision.margin(tie.mcScores()), 1e-12);
        assertEquals(0.3 + 1e-6, Supervision.margin(new double[] {0.2, 0.9, 0.6}), 1e-12);
        assertEquals(1.0, Supervision.margin(new double[] {0.4}));
    }

    @Test
    void overlappingLabelNamesAddTheirMass() {
        LabelSpace overlap = LabelSpace.of(List.of(List.of("a", "b"), List.of("b", "c")), null);
        InstanceScores x = new InstanceScores("x", new float[][] {{0f, 0f}, {0f, 0f}}, new double[][] {{0.5, 0.5}, {0.5, 0.5}},
                new double[] {0.1, 0.1}, new double[] {0.1, 0.1});
        close(new double[] {0.25, 0.5, 0.25}, Supervision.soft(x, x.mcScores(), overlap, 0.2, 1.0));
        close(new double[] {0.25, 0.5, 0.25}, Supervision.concat(x, overlap, 1.0));
        assertEquals(List.of(0, 1), overlap.teachersOf(1));
    }

    @Test
    void mukiLossOfOneInstanceByHand() {
        InstanceScores x = instance(0.2, 0.9, 0.5);
        IntegrationMethod.Instance one = new IntegrationMethod.Instance(x, -1);
        float[] s = {0.1f, -0.3f, 0.8f, 0.0f, 0.4f, -1.0f};
        double[] q = new double[6];
        Uncertainty.softmax(s, 0, 6, q, 0);
        double[] t = Supervision.hard(x, x.mcScores(), SPACE, 1.0);
        double kl = 0;
        for (int y = 0; y < 6; y++) if (t[y] > 0) kl += t[y] * Math.log(t[y] / q[y]);
        double m = 0.8 - 0.5 + 1e-6;
        assertEquals(kl, Methods.create("muki-hard", 0.2, 1).loss(s, List.of(one), SPACE).loss(), 1e-7);
        assertEquals(m * kl, Methods.create("muki-hard-margin", 0.2, 1).loss(s, List.of(one), SPACE).loss(), 1e-7);
        assertEquals(kl, Methods.create("muki-hard-margin-norm", 0.2, 1).loss(s, List.of(one), SPACE).loss(), 1e-7);
        // oracle: the gold label f (index 5) is teacher 2's, whatever the scores say
        double[] t2 = Supervision.padded(x, 2, SPACE, 1.0);
        double kl2 = 0;
        for (int y = 0; y < 6; y++) if (t2[y] > 0) kl2 += t2[y] * Math.log(t2[y] / q[y]);
        assertEquals(kl2, Methods.create("oracle", 0.2, 1).loss(s, List.of(new IntegrationMethod.Instance(x, 5)), SPACE).loss(), 1e-7);
        // entropy uses the single-pass uncertainties (here reversed: teacher 2 is the most certain)
        MukiLoss entropy = (MukiLoss) Methods.create("entropy", 0.2, 1);
        close(Supervision.soft(x, x.entropyScores(), SPACE, 0.2, 1.0), entropy.target(one, SPACE));
    }

    @Test
    void vanillaKdAndUhcByHand() {
        InstanceScores x = instance(0.2, 0.9, 0.5);
        IntegrationMethod.Instance one = new IntegrationMethod.Instance(x, -1);
        float[] s = {0.1f, -0.3f, 0.8f, 0.0f, 0.4f, -1.0f};
        double T = 2.0;
        // vanilla KD: softmax over all six teacher logits at T, in student positions
        double[] all = {Math.log(3) / T, 0, 0.7 / T, 0, Math.log(2) / T, Math.log(5) / T};
        double zsum = 0;
        for (double v : all) zsum += Math.exp(v);
        double[] t = new double[6];
        int[] pos = {2, 0, 4, 3, 1, 5};
        for (int k = 0; k < 6; k++) t[pos[k]] = Math.exp(all[k]) / zsum;
        double[] q = new double[6];
        float[] sT = new float[6];
        for (int y = 0; y < 6; y++) sT[y] = (float) (s[y] / T);
        Uncertainty.softmax(sT, 0, 6, q, 0);
        double kl = 0;
        for (int y = 0; y < 6; y++) kl += t[y] * Math.log(t[y] / q[y]);
        assertEquals(T * T * kl, new VanillaKd(T).loss(s, List.of(one), SPACE).loss(), 1e-6);
        // UHC: teacher 1 has a single label, so its term is 0; teachers 0 and 2 compare within their blocks
        double uhc = 0;
        int[][] blocks = SPACE.blocks();
        for (int i : new int[] {0, 2}) {
            int n = blocks[i].length;
            double[] p = new double[n], qi = new double[n];
            float[] zi = new float[n], si = new float[n];
            for (int j = 0; j < n; j++) {
                zi[j] = (float) (x.logits()[i][j] / T);
                si[j] = (float) (s[blocks[i][j]] / T);
            }
            Uncertainty.softmax(zi, 0, n, p, 0);
            Uncertainty.softmax(si, 0, n, qi, 0);
            for (int j = 0; j < n; j++) uhc += p[j] * Math.log(p[j] / qi[j]);
        }
        assertEquals(T * T * uhc, new Uhc(T).loss(s, List.of(one), SPACE).loss(), 1e-6);
    }

    @Test
    void everyMethodsGradientMatchesFiniteDifferences() {
        List<IntegrationMethod.Instance> batch = List.of(new IntegrationMethod.Instance(instance(0.2, 0.9, 0.5), 5),
                new IntegrationMethod.Instance(instance(0.6, 0.1, 0.4), 1), new IntegrationMethod.Instance(instance(0.3, 0.3, 0.3), 4));
        for (String name : Methods.NAMES) { // dfa and cfl: FeatureMethodsTest
            IntegrationMethod m = Methods.create(name, 0.2, 1.5);
            float[] s = new float[18];
            for (int i = 0; i < s.length; i++) s[i] = (float) Math.sin(i * 1.7);
            Losses.Result r = m.loss(s, batch, SPACE);
            for (int i = 0; i < s.length; i++) {
                float keep = s[i];
                s[i] = keep + 1e-3f;
                double up = m.loss(s, batch, SPACE).loss();
                s[i] = keep - 1e-3f;
                double down = m.loss(s, batch, SPACE).loss();
                s[i] = keep;
                assertEquals((up - down) / 2e-3, r.dLogits()[i], 3e-4, name + " d/ds" + i);
            }
        }
    }
}
