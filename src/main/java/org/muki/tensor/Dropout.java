package org.muki.tensor;

/**
 * Where dropout masks come from. Every kept/dropped decision is a pure function of
 * (seed, instance key, sample index, layer, site, element index), so it is identical on every
 * backend, for any batch composition and any padding length:
 * <pre>
 *   key     = (seed low 32 bits, seed high 32 bits)
 *   counter = (element / 4, layer * 8 + site, sample, instance key); lane = element % 4
 *   keep    = word >= floor(p * 2^32)   (unsigned), kept values scaled by 1 / (1 - p)
 * </pre>
 * Element indices are positions inside one instance's tensor and never depend on how long the
 * batch was padded: a hidden-state element (token t, column j) is t * width + j, an attention
 * probability (head h, query q, key k) is (h * maxPositions + q) * maxPositions + k.
 *
 * @param seed        the run's seed
 * @param hiddenP     dropout probability of the hidden sites (embeddings, outputs, pooler)
 * @param attentionP  dropout probability of the attention probabilities
 * @param instanceKey per batch row: the instance's stable key (e.g. its index in the dataset)
 * @param sample      per batch row: the Monte-Carlo sample index k
 */
public record Dropout(long seed, float hiddenP, float attentionP, int[] instanceKey, int[] sample) {

    /** Dropout sites of one encoder layer (layer index 0..L-1) and of the model's ends. */
    public static final int SITE_EMBEDDINGS = 0;
    public static final int SITE_ATTENTION_PROBS = 1;
    public static final int SITE_ATTENTION_OUTPUT = 2;
    public static final int SITE_FFN_OUTPUT = 3;
    public static final int SITE_POOLER = 4;

    public Dropout {
        checkRate("hidden", hiddenP);
        checkRate("attention", attentionP);
        if (instanceKey.length != sample.length) {
            throw new IllegalArgumentException("instanceKey and sample differ in length");
        }
    }

    private static void checkRate(String what, float p) {
        if (!(p >= 0f && p < 1f)) {
            throw new IllegalArgumentException(what + " dropout probability must be in [0, 1), got " + p);
        }
    }

    /** The counter word that names a (layer, site) pair. */
    public static int siteCode(int layer, int site) {
        return layer * 8 + site;
    }

    public int rows() {
        return instanceKey.length;
    }

    /** Unsigned threshold: a word below it drops the element. */
    public static long threshold(float p) {
        return (long) Math.floor((double) p * 4294967296.0);
    }

    /**
     * Writes the mask multipliers (0 or 1/(1-p)) of elements [start, start + count) of batch row
     * {@code row} at {@code siteCode} into out[outOff ...]. Runs of VectorPhilox.BLOCKS blocks
     * are generated on the Vector API (a shorter run at the end through a scratch span), a
     * start inside a block and very short ends one block at a time; both give the same words.
     */
    public void fill(int row, int siteCode, float p, long start, int count, float[] out, int outOff) {
        long thr = threshold(p);
        float scale = 1f / (1f - p);
        int k0 = (int) seed, k1 = (int) (seed >>> 32), s = sample[row], inst = instanceKey[row];
        int span = 4 * VectorPhilox.BLOCKS;
        int[] block = new int[4];
        long end = start + count;
        long e = start;
        while (e < end) {
            long group = e >>> 2;
            int at = outOff + (int) (e - start);
            if ((e & 3) == 0 && end - e >= span) {
                VectorPhilox.masks(group, siteCode, s, inst, k0, k1, thr, scale, out, at);
                e += span;
            } else if ((e & 3) == 0 && end - e >= span / 4) {
                float[] scratch = new float[span];
                VectorPhilox.masks(group, siteCode, s, inst, k0, k1, thr, scale, scratch, 0);
                System.arraycopy(scratch, 0, out, at, (int) (end - e));
                e = end;
            } else {
                Philox.block((int) group, siteCode, s, inst, k0, k1, block);
                for (long g = e; g < Math.min(end, (group + 1) << 2); g++) {
                    out[outOff + (int) (g - start)] = (block[(int) (g & 3)] & 0xFFFFFFFFL) >= thr ? scale : 0f;
                }
                e = Math.min(end, (group + 1) << 2);
            }
        }
    }

    /** The same multipliers one Philox block at a time: the reference {@link #fill} is tested against. */
    void fillScalar(int row, int siteCode, float p, long start, int count, float[] out, int outOff) {
        long thr = threshold(p);
        float scale = 1f / (1f - p);
        int[] words = new int[4];
        for (int i = 0; i < count; i++) {
            long e = start + i;
            if (i == 0 || (e & 3) == 0) Philox.block((int) (e >>> 2), siteCode, sample[row], instanceKey[row], (int) seed, (int) (seed >>> 32), words);
            out[outOff + i] = (words[(int) (e & 3)] & 0xFFFFFFFFL) >= thr ? scale : 0f;
        }
    }
}
