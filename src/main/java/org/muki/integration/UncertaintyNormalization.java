package org.muki.integration;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Locale;

import org.muki.MukiException;

/**
 * Per-teacher normalisation of the uncertainties, label-free (the spec's extension beyond the
 * paper): a teacher whose block is harder is more uncertain on everything, its own instances
 * included, so u = H / ln c does not compare it fairly with a strong teacher. Its uncertainty is
 * instead ranked against its own distribution on the unlabelled transfer set:
 * <ul>
 *   <li>percentile: u' = the fraction of the teacher's transfer-set u below u (ties count half),
 *       the score s' = 1 - u';</li>
 *   <li>zscore: u' = (u - mean) / std over the transfer set, the score s' = -u' (so the soft
 *       weights are softmax(-u' / tau));</li>
 *   <li>none: the paper's u, s = 1 - u.</li>
 * </ul>
 * The statistics come from the transfer set's scores only and are applied unchanged to any other
 * set (the test set's scores): nothing is learnt from test data, and no label is read. Selection,
 * soft weights and the margin then use s' in place of s; the MC and single-pass (entropy)
 * uncertainties are normalised each against their own distribution.
 */
public final class UncertaintyNormalization {
    public enum Kind { NONE, PERCENTILE, ZSCORE }

    private final Kind kind;
    /** Per teacher, the transfer set's sorted MC and single-pass uncertainties, and their means and standard deviations. */
    private final double[][] mc, single;
    private final double[] mcMean, mcStd, singleMean, singleStd;

    private UncertaintyNormalization(Kind kind, double[][] mc, double[][] single) {
        this.kind = kind;
        this.mc = mc;
        this.single = single;
        mcMean = new double[mc.length];
        mcStd = new double[mc.length];
        singleMean = new double[mc.length];
        singleStd = new double[mc.length];
        for (int i = 0; i < mc.length; i++) {
            moments(mc[i], mcMean, mcStd, i);
            moments(single[i], singleMean, singleStd, i);
        }
    }

    private static void moments(double[] v, double[] mean, double[] std, int i) {
        double m = 0, var = 0;
        for (double x : v) m += x;
        m /= v.length;
        for (double x : v) var += (x - m) * (x - m);
        mean[i] = m;
        std[i] = Math.sqrt(var / v.length);
    }

    public static Kind kind(String name) {
        try {
            return Kind.valueOf(name.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new MukiException("uncertainty normalization must be none, percentile or zscore, got '" + name + "'");
        }
    }

    /** Statistics of each teacher's uncertainties over the (transfer set's) scores. */
    public static UncertaintyNormalization fit(Kind kind, Collection<InstanceScores> transfer) {
        if (transfer.isEmpty()) throw new MukiException("uncertainty normalization needs the transfer set's scores, and they are empty");
        int n = transfer.iterator().next().teachers();
        double[][] mc = new double[n][transfer.size()], single = new double[n][transfer.size()];
        int at = 0;
        for (InstanceScores s : transfer) {
            for (int i = 0; i < n; i++) {
                mc[i][at] = s.mcUncertainty()[i];
                single[i][at] = s.entropyUncertainty()[i];
            }
            at++;
        }
        for (int i = 0; i < n; i++) {
            Arrays.sort(mc[i]);
            Arrays.sort(single[i]);
        }
        return new UncertaintyNormalization(kind, mc, single);
    }

    public Kind kind() {
        return kind;
    }

    /**
     * The instance with its uncertainties replaced by u'' such that the methods' score 1 - u''
     * is s' (percentile: u'' = u'; zscore: u'' = 1 + u'); logits and MC probabilities unchanged.
     */
    public InstanceScores apply(InstanceScores s) {
        if (kind == Kind.NONE) return s;
        int n = s.teachers();
        if (n != mc.length) throw new MukiException("the scores have " + n + " teachers, the normalisation's statistics " + mc.length);
        double[] u = new double[n], ue = new double[n];
        for (int i = 0; i < n; i++) {
            u[i] = normalized(mc[i], mcMean[i], mcStd[i], s.mcUncertainty()[i]);
            ue[i] = normalized(single[i], singleMean[i], singleStd[i], s.entropyUncertainty()[i]);
        }
        // A teacher with one label cannot express doubt (u = 1 always): it stays below every other
        // teacher, as unnormalised (its constant u has no spread to rank against).
        for (int i = 0; i < n; i++) {
            if (s.logits()[i].length > 1) continue;
            u[i] = lowest(u, s.logits());
            ue[i] = lowest(ue, s.logits());
        }
        return new InstanceScores(s.id(), s.logits(), s.mcProbs(), u, ue);
    }

    public List<InstanceScores> apply(List<InstanceScores> scores) {
        List<InstanceScores> out = new ArrayList<>(scores.size());
        for (InstanceScores s : scores) out.add(apply(s));
        return out;
    }

    /** A u'' above every teacher's with more than one label: 1.5 for percentile (whose u'' is at most 1), max(4, largest + 1) for zscore. */
    private double lowest(double[] u, float[][] logits) {
        if (kind == Kind.PERCENTILE) return 1.5;
        double worst = 1 + 3;
        for (int j = 0; j < u.length; j++) if (logits[j].length > 1) worst = Math.max(worst, u[j] + 1);
        return worst;
    }

    private double normalized(double[] sorted, double mean, double std, double u) {
        if (kind == Kind.PERCENTILE) return percentile(sorted, u);
        return 1 + (std > 0 ? (u - mean) / std : 0);
    }

    /** The fraction of values below u, values equal to u counting half. */
    static double percentile(double[] sorted, double u) {
        int below = lowerBound(sorted, u), upTo = upperBound(sorted, u);
        return (below + 0.5 * (upTo - below)) / sorted.length;
    }

    private static int lowerBound(double[] a, double v) {
        int lo = 0, hi = a.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (a[mid] < v) lo = mid + 1;
            else hi = mid;
        }
        return lo;
    }

    private static int upperBound(double[] a, double v) {
        int lo = 0, hi = a.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (a[mid] <= v) lo = mid + 1;
            else hi = mid;
        }
        return lo;
    }
}
