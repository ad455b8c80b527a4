package org.muki.integration;

import java.util.List;

import org.muki.train.Losses;

/** The supervised upper bound: the student trained on the gold labels with cross-entropy. */
public final class SupervisedLoss implements IntegrationMethod {
    @Override
    public String name() {
        return "supervised";
    }

    @Override
    public boolean needsLabels() {
        return true;
    }

    @Override
    public Losses.Result loss(float[] studentLogits, List<Instance> batch, LabelSpace space) {
        int[] gold = batch.stream().mapToInt(Instance::gold).toArray();
        return Losses.crossEntropy(studentLogits, space.size(), gold);
    }
}
