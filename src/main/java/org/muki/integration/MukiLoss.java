package org.muki.integration;

import java.util.List;

import org.muki.train.Losses;

/**
 * The MUKI student loss (spec: "Student loss"), with q = softmax(s / T) from the student in
 * training mode:
 * <pre>
 *   t_b  = golden supervision of instance b: soft  sum_i softmax(s / tau)_i P^_i
 *                                            hard  P^ of argmax_i s_i (ties: lower index)
 *                                            oracle P^ of the teacher whose block holds the gold label
 *   m_b  = s_(1) - s_(2) + 1e-6 (margin re-weighting), or 1 without it
 *   L    = (1/B) sum_b m_b KL(t_b || q_b)              (reference reduction)
 *   L    = sum_b m_b KL(t_b || q_b) / sum_b m_b        (normalised reduction)
 * </pre>
 * Scores s_i = 1 - u_i come from Monte-Carlo dropout, or from one deterministic pass for the
 * entropy ablation. KL is KL(teacher target || student), as the reference code minimises.
 */
public final class MukiLoss implements IntegrationMethod {
    public enum Target { SOFT, HARD, ORACLE }

    public enum Scores { MC, ENTROPY }

    public enum Weighting { NONE, REFERENCE, NORMALIZED }

    private final String name;
    private final Target target;
    private final Scores scores;
    private final Weighting weighting;
    private final double tau, temperature;

    public MukiLoss(String name, Target target, Scores scores, Weighting weighting, double tau, double temperature) {
        this.name = name;
        this.target = target;
        this.scores = scores;
        this.weighting = weighting;
        this.tau = tau;
        this.temperature = temperature;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public boolean needsLabels() {
        return target == Target.ORACLE;
    }

    /** t_b for one instance. */
    public double[] target(Instance x, LabelSpace space) {
        double[] s = scores == Scores.MC ? x.scores().mcScores() : x.scores().entropyScores();
        return switch (target) {
            case SOFT -> Supervision.soft(x.scores(), s, space, tau, temperature);
            case HARD -> Supervision.hard(x.scores(), s, space, temperature);
            case ORACLE -> Supervision.padded(x.scores(), space.teachersOf(x.gold()).get(0), space, temperature);
        };
    }

    /** m_b for one instance. */
    public double weight(Instance x) {
        if (weighting == Weighting.NONE) return 1.0;
        return Supervision.margin(scores == Scores.MC ? x.scores().mcScores() : x.scores().entropyScores());
    }

    @Override
    public Losses.Result loss(float[] studentLogits, List<Instance> batch, LabelSpace space) {
        int c = space.size();
        double[] targets = new double[batch.size() * c];
        double[] weights = new double[batch.size()];
        for (int b = 0; b < batch.size(); b++) {
            System.arraycopy(target(batch.get(b), space), 0, targets, b * c, c);
            weights[b] = weight(batch.get(b));
        }
        return Losses.klDivergence(studentLogits, c, targets, weights, temperature, weighting == Weighting.NORMALIZED);
    }
}
