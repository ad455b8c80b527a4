package org.muki.model;

/**
 * Sentence embeddings from a BERT encoder's final hidden states: the mean over the instance's
 * real tokens (sentence-transformers' mean pooling: padding excluded by the attention mask), or
 * the [CLS] token's state; optionally scaled to unit length (x / max(|x|, 1e-12)).
 */
public enum Pooling {
    MEAN, CLS;

    /** Embeddings of a batch, [batch.size(), hidden] row-major; sums in double. */
    public float[] embed(BertModel model, Batch batch, boolean normalize) {
        int h = model.config().hiddenSize(), n = batch.size(), t = batch.seqLen();
        float[] out = new float[n * h];
        if (this == CLS) {
            System.arraycopy(model.clsHiddenStates(batch), 0, out, 0, n * h);
        } else {
            float[] states = model.hiddenStates(batch);
            int[] mask = batch.attentionMask();
            double[] sum = new double[h];
            for (int b = 0; b < n; b++) {
                java.util.Arrays.fill(sum, 0);
                int count = 0;
                for (int j = 0; j < t; j++) {
                    if (mask[b * t + j] == 0) continue;
                    count++;
                    int row = (b * t + j) * h;
                    for (int c = 0; c < h; c++) sum[c] += states[row + c];
                }
                for (int c = 0; c < h; c++) out[b * h + c] = (float) (sum[c] / Math.max(count, 1));
            }
        }
        if (normalize) {
            for (int b = 0; b < n; b++) {
                double sq = 0;
                for (int c = 0; c < h; c++) sq += (double) out[b * h + c] * out[b * h + c];
                double scale = 1.0 / Math.max(Math.sqrt(sq), 1e-12);
                for (int c = 0; c < h; c++) out[b * h + c] = (float) (out[b * h + c] * scale);
            }
        }
        return out;
    }

    public static Pooling parse(String name) {
        return switch (name) {
            case "mean" -> MEAN;
            case "cls" -> CLS;
            default -> throw new org.muki.MukiException("--pooling must be mean or cls, got '" + name + "'");
        };
    }
}
