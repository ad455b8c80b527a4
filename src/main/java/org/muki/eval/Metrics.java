package org.muki.eval;

import java.util.List;

import org.muki.integration.LabelSpace;

/** The evaluation numbers of the spec, each from plain arrays so they can be checked by hand. */
public final class Metrics {
    private Metrics() {}

    /** Fraction of rows whose argmax over probs ([rows, c]) is the gold label. */
    public static double accuracy(double[] probs, int c, int[] gold) {
        int correct = 0;
        for (int b = 0; b < gold.length; b++) if (argmax(probs, b, c) == gold[b]) correct++;
        return gold.length == 0 ? Double.NaN : correct / (double) gold.length;
    }

    /** Accuracy restricted to the rows whose gold label is in the block (argmax still over all c). */
    public static double blockAccuracy(double[] probs, int c, int[] gold, int[] block) {
        int n = 0, correct = 0;
        for (int b = 0; b < gold.length; b++) {
            boolean in = false;
            for (int g : block) in |= g == gold[b];
            if (!in) continue;
            n++;
            if (argmax(probs, b, c) == gold[b]) correct++;
        }
        return n == 0 ? Double.NaN : correct / (double) n;
    }

    /**
     * Expected calibration error with equal-width confidence bins over [0, 1]:
     * sum_bins (n_bin / n) |accuracy_bin - mean confidence_bin|.
     */
    public static double ece(double[] probs, int c, int[] gold, int bins) {
        Reliability r = reliability(probs, c, gold, bins);
        double e = 0;
        for (int k = 0; k < bins; k++) {
            if (r.count()[k] > 0) e += Math.abs(r.accuracy()[k] - r.confidence()[k]) * r.count()[k] / gold.length;
        }
        return e;
    }

    /** ECE's bins: rows per bin, their mean confidence (top probability) and accuracy (NaN where empty). */
    public record Reliability(int[] count, double[] confidence, double[] accuracy) {}

    public static Reliability reliability(double[] probs, int c, int[] gold, int bins) {
        double[] conf = new double[bins], acc = new double[bins];
        int[] count = new int[bins];
        for (int b = 0; b < gold.length; b++) {
            int y = argmax(probs, b, c);
            double p = probs[b * c + y];
            int bin = Math.min(bins - 1, (int) (p * bins));
            count[bin]++;
            conf[bin] += p;
            if (y == gold[b]) acc[bin]++;
        }
        for (int k = 0; k < bins; k++) {
            conf[k] = count[k] == 0 ? Double.NaN : conf[k] / count[k];
            acc[k] = count[k] == 0 ? Double.NaN : acc[k] / count[k];
        }
        return new Reliability(count, conf, acc);
    }

    /** counts[gold][predicted] of the argmax over c columns. */
    public static int[][] confusion(double[] probs, int c, int[] gold) {
        int[][] m = new int[c][c];
        for (int b = 0; b < gold.length; b++) m[gold[b]][argmax(probs, b, c)]++;
        return m;
    }

    /** Fraction of rows whose highest-scoring teacher's block holds the gold label. */
    public static double selectionAccuracy(List<double[]> scores, int[] gold, LabelSpace space) {
        int correct = 0;
        for (int b = 0; b < gold.length; b++) {
            int best = org.muki.integration.Supervision.argmax(scores.get(b));
            if (space.teachersOf(gold[b]).contains(best)) correct++;
        }
        return correct / (double) gold.length;
    }

    /**
     * counts[g][i]: rows whose gold label is in teacher g's block (the first such teacher) and
     * whose highest score is teacher i's.
     */
    public static int[][] selectionMatrix(List<double[]> scores, int[] gold, LabelSpace space) {
        int[][] counts = new int[space.teachers()][space.teachers()];
        for (int b = 0; b < gold.length; b++) {
            counts[space.teachersOf(gold[b]).get(0)][org.muki.integration.Supervision.argmax(scores.get(b))]++;
        }
        return counts;
    }

    /**
     * Mean KL(gold || t) over rows, the target smoothed first, t' = (t + eps) / (1 + c eps), so
     * that a zero where the gold teacher has mass stays finite.
     */
    public static double klToGold(List<double[]> gold, List<double[]> targets, double eps) {
        double sum = 0;
        for (int b = 0; b < gold.size(); b++) {
            double[] p = gold.get(b), t = targets.get(b);
            double kl = 0;
            for (int y = 0; y < p.length; y++) {
                if (p[y] > 0) kl += p[y] * (Math.log(p[y]) - Math.log((t[y] + eps) / (1 + p.length * eps)));
            }
            sum += kl;
        }
        return sum / gold.size();
    }

    static int argmax(double[] v, int row, int c) {
        int best = 0;
        for (int j = 1; j < c; j++) if (v[row * c + j] > v[row * c + best]) best = j;
        return best;
    }
}
