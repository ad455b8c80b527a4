package org.muki.model;

/**
 * A batch of token sequences padded to their own longest length (row-major [size, seqLen]).
 *
 * @param instanceKeys per sequence: a stable key for its dropout masks (e.g. its input index)
 */
public record Batch(int size, int seqLen, int[] inputIds, int[] typeIds, int[] attentionMask, int[] instanceKeys) {
    public Batch {
        int n = size * seqLen;
        if (size <= 0 || seqLen <= 0) throw new IllegalArgumentException("empty batch");
        if (inputIds.length != n || typeIds.length != n || attentionMask.length != n || instanceKeys.length != size) {
            throw new IllegalArgumentException("batch arrays do not match " + size + " x " + seqLen);
        }
    }

    /** Pads sequences (each with its own types and mask) to the longest one with id 0, mask 0. */
    public static Batch pad(int[][] ids, int[][] types, int[][] masks, int[] instanceKeys) {
        int t = 0;
        for (int[] s : ids) t = Math.max(t, s.length);
        int b = ids.length;
        int[] id = new int[b * t], ty = new int[b * t], m = new int[b * t];
        for (int i = 0; i < b; i++) {
            System.arraycopy(ids[i], 0, id, i * t, ids[i].length);
            System.arraycopy(types[i], 0, ty, i * t, types[i].length);
            System.arraycopy(masks[i], 0, m, i * t, masks[i].length);
        }
        return new Batch(b, t, id, ty, m, instanceKeys.clone());
    }

    /** A batch of random token ids (type 0, no padding) for benchmarks; instance keys 0..size-1. */
    public static Batch random(int size, int seqLen, int vocabSize, long seed) {
        java.util.SplittableRandom rng = new java.util.SplittableRandom(seed);
        int[] ids = new int[size * seqLen], types = new int[size * seqLen], mask = new int[size * seqLen], keys = new int[size];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = rng.nextInt(vocabSize);
            mask[i] = 1;
        }
        for (int b = 0; b < size; b++) keys[b] = b;
        return new Batch(size, seqLen, ids, types, mask, keys);
    }

    /** Instances [from, to) of this batch, padded to the same length. */
    /** Sequence b's length: its last position with attention mask 1, plus one (padding only trails). */
    public int length(int b) {
        for (int j = seqLen - 1; j > 0; j--) if (attentionMask[b * seqLen + j] != 0) return j + 1;
        return 1;
    }

    /** The sequences at the given rows, in that order, padded to their own longest length. */
    public Batch select(int[] rows) {
        int t = 1;
        for (int r : rows) t = Math.max(t, length(r));
        int n = rows.length;
        int[] id = new int[n * t], ty = new int[n * t], m = new int[n * t], keys = new int[n];
        for (int i = 0; i < n; i++) {
            int r = rows[i], len = Math.min(t, seqLen);
            System.arraycopy(inputIds, r * seqLen, id, i * t, len);
            System.arraycopy(typeIds, r * seqLen, ty, i * t, len);
            System.arraycopy(attentionMask, r * seqLen, m, i * t, len);
            keys[i] = instanceKeys[r];
        }
        return new Batch(n, t, id, ty, m, keys);
    }

    public Batch slice(int from, int to) {
        int t = seqLen;
        return new Batch(to - from, t, java.util.Arrays.copyOfRange(inputIds, from * t, to * t),
                java.util.Arrays.copyOfRange(typeIds, from * t, to * t), java.util.Arrays.copyOfRange(attentionMask, from * t, to * t),
                java.util.Arrays.copyOfRange(instanceKeys, from, to));
    }
}
