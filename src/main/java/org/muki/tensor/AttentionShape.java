package org.muki.tensor;

/**
 * Shape of one multi-head self-attention call. Keys and values are [batch * seqLen, heads *
 * headDim] with head h in columns [h * headDim, (h + 1) * headDim); queries and the context are
 * [batch * queries, heads * headDim]: the first {@code queries} positions of every row (all of
 * them, or the [CLS] position alone when only its output is needed).
 *
 * @param batch        batch rows (instances times Monte-Carlo samples)
 * @param seqLen       padded sequence length of this batch (the keys)
 * @param heads        attention heads
 * @param headDim      width of one head
 * @param maxPositions the model's max_position_embeddings (stride of dropout element indices)
 * @param queries      query positions per row, 1 to seqLen
 */
public record AttentionShape(int batch, int seqLen, int heads, int headDim, int maxPositions, int queries) {
    public AttentionShape {
        if (queries < 1 || queries > seqLen) {
            throw new IllegalArgumentException("attention: " + queries + " queries for " + seqLen + " positions");
        }
    }

    /** Every position attends. */
    public AttentionShape(int batch, int seqLen, int heads, int headDim, int maxPositions) {
        this(batch, seqLen, heads, headDim, maxPositions, seqLen);
    }

    public int hidden() {
        return heads * headDim;
    }

    /** The backward passes keep every position's probabilities. */
    void requireEveryQuery(String op) {
        if (queries != seqLen) throw new IllegalArgumentException(op + ": needs every position as a query");
    }
}
