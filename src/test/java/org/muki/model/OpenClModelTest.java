package org.muki.model;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.muki.TestSupport.assertClose;

import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.muki.integration.Uncertainty;
import org.muki.tensor.Backends;
import org.muki.tensor.Ops;

/**
 * The OpenCL backend against the plain-Java one on the same checkpoint, input and seed, for
 * shapes the GEMM tiles do not divide: eval logits and Monte-Carlo mean probabilities (same
 * masks) to 1e-4. Runs on PoCL in CI.
 */
class OpenClModelTest {

    static Stream<Arguments> shapes() {
        return Stream.of(
                Arguments.of("batch 1, length 1", 36, 3, 50, new int[] {1}),
                Arguments.of("hidden 100, lengths 127, 3, 64", 100, 5, 130, new int[] {127, 3, 64}),
                Arguments.of("hidden 70, batch 1, length 127", 70, 7, 97, new int[] {127}));
    }

    /** Random weights with more spread than the init (std 0.2, random biases), so logits differ. */
    static BertWeights spread(BertConfig c, long seed) {
        BertWeights w = BertWeights.random(c, seed);
        SplittableRandom rng = new SplittableRandom(seed + 1);
        for (var e : w.tensors().entrySet()) {
            float[] v = e.getValue().data();
            boolean norm = e.getKey().contains("LayerNorm");
            for (int i = 0; i < v.length; i++) {
                v[i] = norm ? v[i] + (float) (rng.nextDouble() - 0.5) * 0.2f : v[i] * 10f + (float) (rng.nextDouble() - 0.5) * 0.1f;
            }
        }
        return w;
    }

    static Batch batch(int[] lengths, int vocab, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        int n = lengths.length;
        int[][] ids = new int[n][], types = new int[n][], masks = new int[n][];
        int[] keys = new int[n];
        for (int i = 0; i < n; i++) {
            ids[i] = new int[lengths[i]];
            types[i] = new int[lengths[i]];
            masks[i] = new int[lengths[i]];
            for (int j = 0; j < lengths[i]; j++) {
                ids[i][j] = rng.nextInt(vocab);
                types[i][j] = j > lengths[i] / 2 ? 1 : 0;
                masks[i][j] = 1;
            }
            keys[i] = 1000 + 17 * i;
        }
        return Batch.pad(ids, types, masks, keys);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shapes")
    void openClMatchesJavaInEvalAndMonteCarlo(String name, int hidden, int heads, int intermediate, int[] lengths) {
        BertConfig c = new BertConfig(53, hidden, 2, heads, intermediate, 128, 2, 1e-12f, 0.1f, 0.1f, 0.1f,
                List.of("a", "b", "c"));
        BertWeights w = spread(c, 7);
        Batch batch = batch(lengths, c.vocabSize(), 11);
        int samples = 5, labels = c.numLabels();
        float[][] eval = new float[2][], mc = new float[2][];
        String[] backends = {"java", "opencl"};
        for (int i = 0; i < 2; i++) {
            try (Ops ops = Backends.create(backends[i], 2); BertModel model = new BertModel(c, w, ops)) {
                eval[i] = model.logits(batch);
                mc[i] = model.mcLogits(batch, samples, 0x5EED_0000_0001L, 0.1f, 0.1f);
            }
        }
        assertClose(eval[0], eval[1], 1e-4, name + " eval logits");
        assertClose(mc[0], mc[1], 1e-4, name + " MC logits");
        for (int b = 0; b < batch.size(); b++) {
            double[] pj = Uncertainty.meanProbs(mc[0], b * samples, samples, labels);
            double[] po = Uncertainty.meanProbs(mc[1], b * samples, samples, labels);
            for (int j = 0; j < labels; j++) {
                assertTrue(Math.abs(pj[j] - po[j]) <= 1e-4, name + " instance " + b + " mean probability " + j
                        + ": java " + pj[j] + ", opencl " + po[j]);
            }
        }
        // The comparison is meaningful: dropout moved the logits away from the eval pass.
        float maxShift = 0f;
        for (int b = 0; b < batch.size(); b++) {
            for (int j = 0; j < labels; j++) maxShift = Math.max(maxShift, Math.abs(mc[1][b * samples * labels + j] - eval[1][b * labels + j]));
        }
        assertTrue(maxShift > 1e-3, name + ": MC sample 0 equals the eval pass");
    }

    @org.junit.jupiter.api.Test
    void monteCarloLogitsDoNotDependOnHowInstancesAreGrouped() {
        // 10 instances x K 8 x length 127 exceed the Java and PoCL backends' mcTokenRows: mcLogits runs them in groups.
        BertConfig c = new BertConfig(53, 36, 2, 3, 50, 128, 2, 1e-12f, 0.1f, 0.1f, 0.1f, List.of("a", "b", "c"));
        int[] lengths = new int[10];
        java.util.Arrays.fill(lengths, 127);
        lengths[3] = 40;
        Batch batch = batch(lengths, c.vocabSize(), 5);
        int samples = 8, labels = c.numLabels();
        assertTrue(batch.size() * samples * batch.seqLen() > 4096);
        for (String backend : new String[] {"java", "opencl"}) {
            try (Ops ops = Backends.create(backend, 2); BertModel model = new BertModel(c, spread(c, 3), ops)) {
                float[] grouped = model.mcLogits(batch, samples, 77, 0.1f, 0.1f);
                for (int b = 0; b < batch.size(); b++) {
                    float[] alone = model.mcLogits(batch.slice(b, b + 1), samples, 77, 0.1f, 0.1f);
                    float[] part = java.util.Arrays.copyOfRange(grouped, b * samples * labels, (b + 1) * samples * labels);
                    assertClose(alone, part, 1e-5, backend + " instance " + b);
                }
            }
        }
    }
}
