package org.muki.tensor;

/**
 * The operations the BERT model is written against. Each backend (plain Java, ND4J, OpenCL)
 * implements all of them on its own {@link Tensor}s; outputs are always preallocated by the
 * caller, so nothing is allocated inside the layer loop.
 */
public interface Ops extends AutoCloseable {

    /** Short name used on the command line: java, java-scalar, nd4j, opencl. */
    String name();

    /** A zero-filled rows x cols tensor. */
    Tensor allocate(int rows, int cols);

    /** A tensor holding a copy of host (row-major, rows * cols values). */
    Tensor upload(float[] host, int rows, int cols);

    /** Copies t to host (row-major). */
    void download(Tensor t, float[] host);

    /** c = op(a) * op(b) + beta * c, where op transposes when asked. */
    void gemm(Tensor a, boolean transA, Tensor b, boolean transB, Tensor c, float beta);

    /** y = x * weight^T + bias: a Hugging Face linear layer (weight stored [out, in]). */
    default void linear(Tensor x, Tensor weight, Tensor bias, Tensor y) {
        gemm(x, false, weight, true, y, 0f);
        addBias(y, bias);
    }

    /** x[r, :] += bias[0, :] for every row r. */
    void addBias(Tensor x, Tensor bias);

    /** x += other, element-wise. */
    void add(Tensor x, Tensor other);

    /** x = 0.5 * x * (1 + erf(x / sqrt 2)), in place (BERT's exact GELU). */
    void gelu(Tensor x);

    /** x = tanh(x), in place. */
    void tanh(Tensor x);

    /** out[r, :] = (x[r, :] - mean) / sqrt(var + eps) * gamma + beta (biased variance). */
    void layerNorm(Tensor x, Tensor gamma, Tensor beta, float eps, Tensor out);

    /**
     * out[r, :] = words[ids[r]] + positions[r mod seqLen] + types[typeIds[r]], for rows r of a
     * batch of sequences of length seqLen.
     */
    void embed(int[] ids, int[] typeIds, int seqLen, Tensor words, Tensor positions, Tensor types, Tensor out);

    /** dst[r, :] = src[rows[r], :]. */
    void gatherRows(Tensor src, int[] rows, Tensor dst);

    /**
     * Dropout on x [dropout.rows() * rowsPerInstance, width]: row r belongs to batch row
     * r / rowsPerInstance at token r mod rowsPerInstance (element index token * width + col).
     */
    void dropout(Tensor x, Dropout dropout, int siteCode, int rowsPerInstance);

    /**
     * Multi-head self-attention: probs = softmax(q k^T / sqrt(headDim) + maskAdd), then dropout
     * on probs (when dropout is not null), then context = probs v.
     *
     * @param maskAdd additive mask per batch row and key, [batch, seqLen] (0 or a large negative)
     * @param probs   [batch * heads * seqLen, seqLen], kept for the backward pass
     * @param context [batch * seqLen, hidden]
     */
    void attention(Tensor q, Tensor k, Tensor v, float[] maskAdd, AttentionShape shape,
                   Dropout dropout, int siteCode, Tensor probs, Tensor context);

    @Override
    default void close() {}
}
