package org.muki.integration;

import java.util.List;

import org.muki.train.Losses;

/**
 * Vanilla knowledge distillation from the concatenated teachers (Hinton et al. 2015):
 * t = softmax(concat(z_1 .. z_N) / T), L = T^2 (1/B) sum_b KL(t_b || softmax(s_b / T)).
 */
public final class VanillaKd implements IntegrationMethod {
    private final double temperature;

    public VanillaKd(double temperature) {
        this.temperature = temperature;
    }

    @Override
    public String name() {
        return "vanilla-kd";
    }

    @Override
    public Losses.Result loss(float[] studentLogits, List<Instance> batch, LabelSpace space) {
        int c = space.size();
        double[] targets = new double[batch.size() * c];
        for (int b = 0; b < batch.size(); b++) {
            System.arraycopy(Supervision.concat(batch.get(b).scores(), space, temperature), 0, targets, b * c, c);
        }
        return scaled(Losses.klDivergence(studentLogits, c, targets, null, temperature, false), temperature * temperature);
    }

    static Losses.Result scaled(Losses.Result r, double factor) {
        float[] g = r.dLogits().clone();
        for (int i = 0; i < g.length; i++) g[i] *= (float) factor;
        return new Losses.Result(r.loss() * factor, g);
    }
}
