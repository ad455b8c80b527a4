package org.muki.train;

/**
 * Losses over a batch of logits ([rows, c] row-major) and their gradients with respect to the
 * logits, computed with log-softmax in double precision (never log of a softmax).
 */
public final class Losses {
    private Losses() {}

    /** A loss value and dLoss/dLogits. */
    public record Result(double loss, float[] dLogits) {}

    /** log_softmax(logits[row] / temperature) into out. */
    static void logSoftmax(float[] logits, int row, int c, double temperature, double[] out) {
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < c; j++) max = Math.max(max, logits[row * c + j] / temperature);
        double sum = 0;
        for (int j = 0; j < c; j++) sum += Math.exp(logits[row * c + j] / temperature - max);
        double log = max + Math.log(sum);
        for (int j = 0; j < c; j++) out[j] = logits[row * c + j] / temperature - log;
    }

    /** Mean cross-entropy of the gold labels: (1/B) sum_b -log softmax(z_b)[y_b]. */
    public static Result crossEntropy(float[] logits, int c, int[] labels) {
        int rows = labels.length;
        double[] lp = new double[c];
        float[] grad = new float[rows * c];
        double loss = 0;
        for (int b = 0; b < rows; b++) {
            if (labels[b] < 0 || labels[b] >= c) throw new IllegalArgumentException("label " + labels[b] + " outside 0.." + (c - 1));
            logSoftmax(logits, b, c, 1.0, lp);
            loss -= lp[labels[b]];
            for (int j = 0; j < c; j++) grad[b * c + j] = (float) ((Math.exp(lp[j]) - (j == labels[b] ? 1 : 0)) / rows);
        }
        return new Result(loss / rows, grad);
    }

    /**
     * Weighted KL(t_b || softmax(z_b / T)), with 0 ln 0 = 0. Reduction: (1/B) sum_b w_b KL_b, or
     * with normalizeByWeights sum_b w_b KL_b / sum_b w_b. Weights null means all 1.
     *
     * @param targets [rows, c] row-major probabilities
     */
    public static Result klDivergence(float[] logits, int c, double[] targets, double[] weights, double temperature,
                                      boolean normalizeByWeights) {
        int rows = targets.length / c;
        if (logits.length != rows * c) throw new IllegalArgumentException("logits and targets differ in size");
        double denominator = rows;
        if (normalizeByWeights) {
            denominator = 0;
            for (int b = 0; b < rows; b++) denominator += weights == null ? 1 : weights[b];
            if (!(denominator > 0)) throw new IllegalArgumentException("instance weights sum to " + denominator);
        }
        double[] lq = new double[c];
        float[] grad = new float[rows * c];
        double loss = 0;
        for (int b = 0; b < rows; b++) {
            double w = weights == null ? 1 : weights[b];
            logSoftmax(logits, b, c, temperature, lq);
            double kl = 0, mass = 0;
            for (int j = 0; j < c; j++) {
                double t = targets[b * c + j];
                if (t > 0) kl += t * (Math.log(t) - lq[j]);
                mass += t;
            }
            loss += w * kl;
            // d/dz_j of sum_i t_i (ln t_i - log q_i) with q = softmax(z / T): (mass * q_j - t_j) / T
            for (int j = 0; j < c; j++) {
                grad[b * c + j] = (float) (w * (mass * Math.exp(lq[j]) - targets[b * c + j]) / temperature / denominator);
            }
        }
        return new Result(loss / denominator, grad);
    }
}
