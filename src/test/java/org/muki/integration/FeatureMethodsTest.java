package org.muki.integration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Function;

import org.junit.jupiter.api.Test;

/** DFA and CFL: gradients by finite differences, pooling, and that their own maps learn. */
class FeatureMethodsTest {
    static final LabelSpace SPACE = MethodsTest.SPACE;
    static final int[] WIDTHS = {5, 3, 4};
    static final int HS = 8;

    static List<IntegrationMethod.Instance> batch() {
        return List.of(new IntegrationMethod.Instance(MethodsTest.instance(0.2, 0.9, 0.5), -1),
                new IntegrationMethod.Instance(MethodsTest.instance(0.6, 0.1, 0.4), -1),
                new IntegrationMethod.Instance(MethodsTest.instance(0.3, 0.3, 0.3), -1));
    }

    static List<float[][]> teacherFeatures(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        List<float[][]> out = new ArrayList<>();
        for (int b = 0; b < 3; b++) {
            float[][] f = new float[WIDTHS.length][];
            for (int i = 0; i < WIDTHS.length; i++) {
                f[i] = new float[WIDTHS[i]];
                for (int j = 0; j < WIDTHS[i]; j++) f[i][j] = (float) r.nextGaussian();
            }
            out.add(f);
        }
        return out;
    }

    static float[] random(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) r.nextGaussian();
        return v;
    }

    /** Central differences of f at x against the analytic gradient, in double. */
    static void checkGradient(String what, float[] x, float[] analytic, Function<float[], Double> f, double tol) {
        for (int i = 0; i < x.length; i++) {
            float keep = x[i];
            x[i] = keep + 1e-3f;
            double up = f.apply(x);
            x[i] = keep - 1e-3f;
            double down = f.apply(x);
            x[i] = keep;
            assertEquals((up - down) / 2e-3, analytic[i], tol, what + "[" + i + "]");
        }
    }

    @Test
    void dfaGradientsMatchFiniteDifferences() {
        Dfa dfa = new Dfa(WIDTHS, HS, 2.0, 0.7, 5);
        float[] logits = random(18, 1), hs = random(3 * HS, 2);
        List<float[][]> t = teacherFeatures(3);
        FeatureMethod.Result r = dfa.loss(logits, hs, batch(), t, SPACE);
        checkGradient("dfa d/dh_s", hs, r.dPooled(), v -> dfa.loss(logits, v, batch(), t, SPACE).loss(), 2e-3);
        checkGradient("dfa d/dlogits", logits, r.dLogits(), v -> dfa.loss(v, hs, batch(), t, SPACE).loss(), 2e-3);
    }

    @Test
    void mmdAndCflGradientsMatchFiniteDifferences() {
        Cfl cfl = new Cfl(WIDTHS, HS, 1.0, 0.7, 6);
        int k = Math.max(16, HS / 4), rows = 3;
        float[] x = random(rows * k, 7), y = random(rows * k, 8);
        double sigma2 = 0.8;
        float[] dx = new float[x.length], dy = new float[y.length];
        double value = cfl.mmd(x, y, rows, dx, dy, sigma2);
        assertTrue(value > 0, "MMD^2 of different samples is positive: " + value);
        checkGradient("mmd d/dx", x, dx, v -> cfl.mmd(v, y, rows, new float[x.length], new float[y.length], sigma2), 1e-3);
        checkGradient("mmd d/dy", y, dy, v -> cfl.mmd(x, v, rows, new float[x.length], new float[y.length], sigma2), 1e-3);
        assertEquals(0.0, cfl.mmd(x, x.clone(), rows, new float[x.length], new float[x.length], sigma2), 1e-9, "MMD^2(X, X)");
        float[] logits = random(18, 9), hs = random(3 * HS, 10);
        List<float[][]> t = teacherFeatures(11);
        FeatureMethod.Result r = cfl.loss(logits, hs, batch(), t, SPACE);
        checkGradient("cfl d/dlogits", logits, r.dLogits(), v -> cfl.loss(v, hs, batch(), t, SPACE).loss(), 2e-3);
        // The student's side: its alignment, the shared extractor and the normalisation.
        checkGradient("cfl d/dh_s", hs, r.dPooled(), v -> cfl.loss(logits, v, batch(), t, SPACE).loss(), 2e-3);
    }

    @Test
    void ownMapsLearn() {
        for (FeatureMethod m : new FeatureMethod[] {new Dfa(WIDTHS, HS, 1.0, 1.0, 12), new Cfl(WIDTHS, HS, 1.0, 1.0, 13)}) {
            float[] logits = random(18, 14), hs = random(3 * HS, 15);
            List<float[][]> t = teacherFeatures(16);
            double first = m.loss(logits, hs, batch(), t, SPACE).loss();
            double last = first;
            for (int step = 1; step <= 200; step++) {
                m.update(1e-2f, step);
                last = m.loss(logits, hs, batch(), t, SPACE).loss();
            }
            assertTrue(last < first, m.name() + ": loss " + first + " -> " + last);
        }
    }

    @Test
    void meanPoolingIgnoresPadding() {
        float[] hidden = {1, 2, 3, 4, 100, 100, 5, 6, 0, 0, 0, 0};
        int[] mask = {1, 1, 0, 1, 0, 0};
        assertEquals(java.util.Arrays.toString(new float[] {2, 3, 5, 6}),
                java.util.Arrays.toString(FeatureMethod.meanPool(hidden, mask, 2, 3, 2)));
        float[] back = FeatureMethod.meanPoolBackward(new float[] {2, 4, 1, 1}, mask, 2, 3, 2);
        assertEquals(java.util.Arrays.toString(new float[] {1, 2, 1, 2, 0, 0, 1, 1, 0, 0, 0, 0}), java.util.Arrays.toString(back));
    }
}
