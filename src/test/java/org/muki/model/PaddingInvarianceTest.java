package org.muki.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.BiFunction;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.muki.TestSupport;
import org.muki.tensor.Backends;
import org.muki.tensor.Ops;

/**
 * An instance's results do not depend on its batch: alone, in a batch of texts of other lengths
 * (which the model runs in groups of similar length) or padded far past its length, it gets the
 * same logits, Monte-Carlo logits (masks keyed by the instance), [CLS] state and hidden states.
 * On java bit for bit (every op gives a row the same values whatever padding follows it: the
 * softmax's tail runs in padded lanes, GEMM slices start at fixed multiples of k); on the other
 * backends within float rounding.
 */
class PaddingInvarianceTest {
    static final BertConfig CONFIG = new BertConfig(60, 32, 2, 4, 48, 96, 2, 1e-12f, 0.1f, 0.1f, 0.1f, List.of("a", "b", "c"));
    static final int[] LENGTHS = {2, 31, 5, 17, 3, 64, 9, 9, 40, 1, 23};

    static List<String> backends() {
        return TestSupport.backends();
    }

    /** Sequences of the lengths above; the fourth has a masked position inside it. */
    static Batch batch(int[] rows, int padTo) {
        SplittableRandom r = new SplittableRandom(3);
        int[][] ids = new int[LENGTHS.length][], types = new int[LENGTHS.length][], masks = new int[LENGTHS.length][];
        for (int i = 0; i < LENGTHS.length; i++) {
            ids[i] = new int[LENGTHS[i]];
            types[i] = new int[LENGTHS[i]];
            masks[i] = new int[LENGTHS[i]];
            for (int j = 0; j < LENGTHS[i]; j++) {
                ids[i][j] = r.nextInt(CONFIG.vocabSize());
                types[i][j] = j > LENGTHS[i] / 2 ? 1 : 0;
                masks[i][j] = i == 3 && j == 5 ? 0 : 1;
            }
        }
        int n = rows.length;
        int[][] si = new int[n][], st = new int[n][], sm = new int[n][];
        int[] keys = new int[n];
        for (int k = 0; k < n; k++) {
            int i = rows[k];
            si[k] = Arrays.copyOf(ids[i], Math.max(padTo, ids[i].length));
            st[k] = Arrays.copyOf(types[i], si[k].length);
            sm[k] = Arrays.copyOf(masks[i], si[k].length);
            keys[k] = 100 + i;
        }
        return Batch.pad(si, st, sm, keys);
    }

    @ParameterizedTest
    @MethodSource("backends")
    void anInstanceGetsTheSameResultsInAnyBatch(String backend) {
        double tol = backend.equals("java") ? 0 : 2e-5;
        int all = LENGTHS.length;
        int[] every = new int[all];
        for (int i = 0; i < all; i++) every[i] = i;
        try (Ops ops = Backends.create(backend, 2)) {
            BertModel m = new BertModel(CONFIG, BertWeights.random(CONFIG, 5), ops);
            int h = CONFIG.hiddenSize(), c = CONFIG.numLabels(), k = 4;
            check(m, every, tol, c, "logits", (mm, b) -> mm.logits(b));
            check(m, every, tol, c * k, "mcLogits", (mm, b) -> mm.mcLogits(b, k, 9, 0.2f, 0.15f));
            check(m, every, tol, h, "clsHiddenStates", (mm, b) -> mm.clsHiddenStates(b));
            // Every token's state: compare the instance's real positions.
            Batch together = batch(every, 0);
            float[] hs = m.hiddenStates(together);
            for (int i = 0; i < all; i++) {
                float[] alone = m.hiddenStates(batch(new int[] {i}, 0));
                float[] padded = m.hiddenStates(batch(new int[] {i}, 90));
                int len = LENGTHS[i];
                float[] in = Arrays.copyOfRange(hs, i * together.seqLen() * h, i * together.seqLen() * h + len * h);
                TestSupport.assertClose(Arrays.copyOf(alone, len * h), in, tol, backend + " hiddenStates of " + i + " in the batch");
                TestSupport.assertClose(Arrays.copyOf(alone, len * h), Arrays.copyOf(padded, len * h), tol,
                        backend + " hiddenStates of " + i + " padded to 90");
            }
        }
    }

    private static void check(BertModel m, int[] every, double tol, int width, String what, BiFunction<BertModel, Batch, float[]> f) {
        float[] together = f.apply(m, batch(every, 0));
        for (int i = 0; i < every.length; i++) {
            float[] alone = f.apply(m, batch(new int[] {i}, 0));
            float[] padded = f.apply(m, batch(new int[] {i}, 90));
            float[] in = Arrays.copyOfRange(together, i * width, (i + 1) * width);
            if (tol == 0) {
                assertArrayEquals(alone, in, what + " of instance " + i + ": alone vs in the batch");
                assertArrayEquals(alone, padded, what + " of instance " + i + ": alone vs padded to 90");
            } else {
                TestSupport.assertClose(alone, in, tol, what + " of instance " + i + " in the batch");
                TestSupport.assertClose(alone, padded, tol, what + " of instance " + i + " padded to 90");
            }
        }
    }

    @Test
    void longBatchesAreSplitIntoGroupsThatStillGiveTheSameLogits() {
        // A batch past the backend's token budget (4,096 rows on java, times K) runs in groups.
        int[] rows = new int[200];
        for (int i = 0; i < rows.length; i++) rows[i] = i % LENGTHS.length;
        try (Ops ops = Backends.create("java", 2)) {
            BertModel m = new BertModel(CONFIG, BertWeights.random(CONFIG, 5), ops);
            float[] mc = m.mcLogits(batch(rows, 0), 8, 1, 0.1f, 0.1f);
            for (int i = 0; i < LENGTHS.length; i++) {
                float[] alone = m.mcLogits(batch(new int[] {i}, 0), 8, 1, 0.1f, 0.1f);
                int w = 8 * CONFIG.numLabels();
                for (int r = i; r < rows.length; r += LENGTHS.length) {
                    assertArrayEquals(alone, Arrays.copyOfRange(mc, r * w, (r + 1) * w), "row " + r);
                }
            }
        }
    }
}
