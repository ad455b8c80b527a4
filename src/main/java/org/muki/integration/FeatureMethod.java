package org.muki.integration;

import java.util.List;
import java.util.Map;

import org.muki.model.HostTensor;

/**
 * A method that also reads hidden states: each model's last-layer states mean-pooled over the
 * instance's real (non-padding) tokens. Pooling per instance, rather than matching tokens, lets
 * teachers and student tokenize with different vocabularies. Such a method trains small maps of
 * its own alongside the student.
 */
public interface FeatureMethod extends IntegrationMethod {
    /** Loss, dLoss/dLogits and dLoss/d(student pooled features) [B, Hs]. */
    record Result(double loss, float[] dLogits, float[] dPooled) {}

    /**
     * @param studentPooled [B, Hs] row-major
     * @param teacherPooled per instance of the batch, per teacher, its pooled features
     */
    Result loss(float[] studentLogits, float[] studentPooled, List<Instance> batch, List<float[][]> teacherPooled, LabelSpace space);

    /** One AdamW step of the method's own maps at learning rate lr (step counts from 1). */
    void update(float lr, int step);

    Map<String, HostTensor> state();

    void restore(Map<String, HostTensor> state);

    /** Mean of hidden ([B * T, H]) over each row's tokens with mask 1: [B, H]. */
    static float[] meanPool(float[] hidden, int[] mask, int rows, int t, int h) {
        float[] out = new float[rows * h];
        for (int b = 0; b < rows; b++) {
            int n = 0;
            for (int j = 0; j < t; j++) {
                if (mask[b * t + j] == 0) continue;
                n++;
                for (int c = 0; c < h; c++) out[b * h + c] += hidden[(b * t + j) * h + c];
            }
            for (int c = 0; c < h; c++) out[b * h + c] /= Math.max(1, n);
        }
        return out;
    }

    /** Backward of {@link #meanPool}: each real token gets dPooled / (its row's token count). */
    static float[] meanPoolBackward(float[] dPooled, int[] mask, int rows, int t, int h) {
        float[] out = new float[rows * t * h];
        for (int b = 0; b < rows; b++) {
            int n = 0;
            for (int j = 0; j < t; j++) n += mask[b * t + j] != 0 ? 1 : 0;
            for (int j = 0; j < t; j++) {
                if (mask[b * t + j] == 0) continue;
                for (int c = 0; c < h; c++) out[(b * t + j) * h + c] = dPooled[b * h + c] / Math.max(1, n);
            }
        }
        return out;
    }
}
