package org.muki.integration;

import java.util.List;

import org.muki.train.Losses;

/**
 * Unifying heterogeneous classifiers (Vongkulbhisal et al. 2019): for each teacher i the
 * student is renormalised over teacher i's block, q~_i = softmax(s[block i] / T), and
 * L = T^2 sum_i (1/B) sum_b KL(softmax(z_i / T) || q~_i).
 */
public final class Uhc implements IntegrationMethod {
    private final double temperature;

    public Uhc(double temperature) {
        this.temperature = temperature;
    }

    @Override
    public String name() {
        return "uhc";
    }

    @Override
    public Losses.Result loss(float[] studentLogits, List<Instance> batch, LabelSpace space) {
        int c = space.size(), rows = batch.size();
        float[] grad = new float[rows * c];
        double loss = 0;
        for (int i = 0; i < space.teachers(); i++) {
            int[] block = space.blocks()[i];
            int ci = block.length;
            float[] sub = new float[rows * ci];
            double[] targets = new double[rows * ci];
            for (int b = 0; b < rows; b++) {
                for (int j = 0; j < ci; j++) sub[b * ci + j] = studentLogits[b * c + block[j]];
                float[] z = batch.get(b).scores().logits()[i];
                double[] p = new double[ci];
                Uncertainty.softmax(Supervision.scaled(z, temperature), 0, ci, p, 0);
                System.arraycopy(p, 0, targets, b * ci, ci);
            }
            Losses.Result r = VanillaKd.scaled(Losses.klDivergence(sub, ci, targets, null, temperature, false),
                    temperature * temperature);
            loss += r.loss();
            for (int b = 0; b < rows; b++) {
                for (int j = 0; j < ci; j++) grad[b * c + block[j]] += r.dLogits()[b * ci + j];
            }
        }
        return new Losses.Result(loss, grad);
    }
}
