package org.muki.integration;

/**
 * Monte-Carlo dropout uncertainty (the spec's Eq. 4-6): p_bar = mean of the K softmax outputs
 * (probabilities, not logits), u = H(p_bar) / ln(c) in [0, 1], score s = 1 - u.
 */
public final class Uncertainty {
    private Uncertainty() {}

    /** Softmax of logits[off, off + c) into out[outOff ...], computed stably in double. */
    public static void softmax(float[] logits, int off, int c, double[] out, int outOff) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < c; i++) max = Math.max(max, logits[off + i]);
        double sum = 0;
        for (int i = 0; i < c; i++) {
            out[outOff + i] = Math.exp(logits[off + i] - max);
            sum += out[outOff + i];
        }
        for (int i = 0; i < c; i++) out[outOff + i] /= sum;
    }

    /** p_bar of one instance from its K rows of logits (rows first .. first + K - 1). */
    public static double[] meanProbs(float[] logits, int first, int samples, int c) {
        double[] mean = new double[c];
        double[] p = new double[c];
        for (int k = 0; k < samples; k++) {
            softmax(logits, (first + k) * c, c, p, 0);
            for (int i = 0; i < c; i++) mean[i] += p[i];
        }
        for (int i = 0; i < c; i++) mean[i] /= samples;
        return mean;
    }

    /**
     * H(p) / ln(c) with 0 ln 0 = 0; never NaN for valid p. For a single class H / ln 1 is 0 / 0:
     * such a model cannot express doubt, so it counts as maximally uncertain (1) and MUKI never
     * prefers a one-label teacher over one that is at all certain.
     */
    public static double normalizedEntropy(double[] p) {
        if (p.length < 2) return 1.0;
        double h = 0;
        for (double v : p) if (v > 0) h -= v * Math.log(v);
        return Math.min(1.0, Math.max(0.0, h / Math.log(p.length)));
    }
}
