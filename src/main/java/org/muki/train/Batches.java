package org.muki.train;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Length-bucketed batching: batches are cut from examples of similar length so that padding to
 * each batch's own maximum wastes little. Training order is seeded by (seed, epoch).
 */
public final class Batches {
    /** Examples are sorted by length within pools of this many batches before cutting. */
    static final int POOL_BATCHES = 50;

    private Batches() {}

    /** The batches (positions into data) of one training epoch: shuffled, bucketed, shuffled. */
    public static List<int[]> epoch(List<Encoded> data, int batchSize, long seed, int epoch) {
        SplittableRandom rng = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + epoch);
        int[] order = permutation(data.size(), rng);
        List<int[]> batches = new ArrayList<>();
        int pool = batchSize * POOL_BATCHES;
        for (int start = 0; start < order.length; start += pool) {
            Integer[] chunk = new Integer[Math.min(pool, order.length - start)];
            for (int i = 0; i < chunk.length; i++) chunk[i] = order[start + i];
            java.util.Arrays.sort(chunk, Comparator.comparingInt(i -> data.get(i).ids().length));
            for (int b = 0; b < chunk.length; b += batchSize) {
                int[] batch = new int[Math.min(batchSize, chunk.length - b)];
                for (int i = 0; i < batch.length; i++) batch[i] = chunk[b + i];
                batches.add(batch);
            }
        }
        int[] batchOrder = permutation(batches.size(), rng);
        List<int[]> out = new ArrayList<>(batches.size());
        for (int i : batchOrder) out.add(batches.get(i));
        return out;
    }

    /** Evaluation batches: sorted by length, in a fixed order. */
    public static List<int[]> inOrder(List<Encoded> data, int batchSize) {
        Integer[] order = new Integer[data.size()];
        for (int i = 0; i < order.length; i++) order[i] = i;
        java.util.Arrays.sort(order, Comparator.comparingInt(i -> data.get(i).ids().length));
        List<int[]> out = new ArrayList<>();
        for (int b = 0; b < order.length; b += batchSize) {
            int[] batch = new int[Math.min(batchSize, order.length - b)];
            for (int i = 0; i < batch.length; i++) batch[i] = order[b + i];
            out.add(batch);
        }
        return out;
    }

    /** Number of batches per epoch, without building them. */
    public static int count(int examples, int batchSize) {
        int pool = batchSize * POOL_BATCHES, n = 0;
        for (int start = 0; start < examples; start += pool) n += (Math.min(pool, examples - start) + batchSize - 1) / batchSize;
        return n;
    }

    private static int[] permutation(int n, SplittableRandom rng) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }
}
