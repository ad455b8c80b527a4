package org.muki.tensor;

/**
 * Shape of one multi-head self-attention call. Queries, keys and values are [batch * seqLen,
 * heads * headDim] with head h in columns [h * headDim, (h + 1) * headDim).
 *
 * @param batch        batch rows (instances times Monte-Carlo samples)
 * @param seqLen       padded sequence length of this batch
 * @param heads        attention heads
 * @param headDim      width of one head
 * @param maxPositions the model's max_position_embeddings (stride of dropout element indices)
 */
public record AttentionShape(int batch, int seqLen, int heads, int headDim, int maxPositions) {
    public int hidden() {
        return heads * headDim;
    }
}
