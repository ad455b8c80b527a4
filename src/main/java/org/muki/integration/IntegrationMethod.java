package org.muki.integration;

import java.util.List;

import org.muki.train.Losses;

/** One way of training the student from the teachers: a loss over the student's logits. */
public interface IntegrationMethod {

    /** An instance of the transfer set: the teachers' outputs and, for oracle/supervised only, its gold label. */
    record Instance(InstanceScores scores, int gold) {}

    String name();

    /** Whether the method reads gold labels (oracle and supervised: upper bounds, not MUKI). */
    default boolean needsLabels() {
        return false;
    }

    /** The loss and its gradient with respect to the student's logits ([B, C] row-major). */
    Losses.Result loss(float[] studentLogits, List<Instance> batch, LabelSpace space);
}
