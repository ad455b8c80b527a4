package org.muki.integration;

/**
 * The golden supervision of the spec (Eq. 2-3) and its re-weighting, for one instance.
 * Teacher targets come from the deterministic pass: P_i = softmax(z_i / T).
 */
public final class Supervision {
    private Supervision() {}

    /** P^_i: teacher i's softmax(z_i / T) at its labels' student positions, 0 elsewhere. */
    public static double[] padded(InstanceScores x, int teacher, LabelSpace space, double temperature) {
        float[] z = x.logits()[teacher];
        double[] p = new double[z.length];
        Uncertainty.softmax(scaled(z, temperature), 0, z.length, p, 0);
        double[] out = new double[space.size()];
        int[] block = space.blocks()[teacher];
        for (int j = 0; j < z.length; j++) out[block[j]] += p[j];
        return out;
    }

    /** Hard integration: t = P^ of the highest-scoring teacher (ties go to the lower index). */
    public static double[] hard(InstanceScores x, double[] scores, LabelSpace space, double temperature) {
        return padded(x, argmax(scores), space, temperature);
    }

    /** Soft integration: w = softmax(s / tau) over teachers, t = sum_i w_i P^_i. */
    public static double[] soft(InstanceScores x, double[] scores, LabelSpace space, double tau, double temperature) {
        double[] w = new double[scores.length];
        float[] s = new float[scores.length];
        for (int i = 0; i < s.length; i++) s[i] = (float) scores[i];
        Uncertainty.softmax(scaled(s, tau), 0, s.length, w, 0);
        double[] t = new double[space.size()];
        for (int i = 0; i < scores.length; i++) {
            double[] p = padded(x, i, space, temperature);
            for (int y = 0; y < t.length; y++) t[y] += w[i] * p[y];
        }
        return t;
    }

    /** Vanilla KD's target: softmax(concat(z_1 .. z_N) / T), masses of the same name added. */
    public static double[] concat(InstanceScores x, LabelSpace space, double temperature) {
        int n = 0;
        for (float[] z : x.logits()) n += z.length;
        float[] all = new float[n];
        int at = 0;
        for (float[] z : x.logits()) {
            System.arraycopy(z, 0, all, at, z.length);
            at += z.length;
        }
        double[] p = new double[n];
        Uncertainty.softmax(scaled(all, temperature), 0, n, p, 0);
        double[] t = new double[space.size()];
        at = 0;
        for (int[] block : space.blocks()) {
            for (int g : block) t[g] += p[at++];
        }
        return t;
    }

    /** m(x) = s_(1) - s_(2) + 1e-6, the gap between the two highest scores (1 for one teacher). */
    public static double margin(double[] scores) {
        if (scores.length < 2) return 1.0;
        double first = Double.NEGATIVE_INFINITY, second = Double.NEGATIVE_INFINITY;
        for (double s : scores) {
            if (s > first) {
                second = first;
                first = s;
            } else if (s > second) {
                second = s;
            }
        }
        return first - second + 1e-6;
    }

    /** The first index of the largest value. */
    public static int argmax(double[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
        return best;
    }

    static float[] scaled(float[] z, double temperature) {
        float[] out = new float[z.length];
        for (int i = 0; i < z.length; i++) out[i] = (float) (z[i] / temperature);
        return out;
    }
}
