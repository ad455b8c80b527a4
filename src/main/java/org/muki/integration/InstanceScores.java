package org.muki.integration;

/**
 * What the teachers said about one instance: per teacher i, its deterministic logits z_i, its
 * Monte-Carlo mean probabilities p_bar_i, and the normalised uncertainties u_i of the MC pass
 * and of the single deterministic pass (the "entropy" ablation). Scores are s_i = 1 - u_i.
 */
public record InstanceScores(String id, float[][] logits, double[][] mcProbs, double[] mcUncertainty,
                             double[] entropyUncertainty) {

    public int teachers() {
        return logits.length;
    }

    public double[] mcScores() {
        return complement(mcUncertainty);
    }

    public double[] entropyScores() {
        return complement(entropyUncertainty);
    }

    private static double[] complement(double[] u) {
        double[] s = new double[u.length];
        for (int i = 0; i < u.length; i++) s[i] = 1 - u[i];
        return s;
    }
}
