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

    /**
     * How many token rows (instances x MC samples x length) one folded Monte-Carlo pass should
     * hold: CPU backends stay cache-sized, backends with high per-op overhead want it all at once.
     */
    default int mcTokenRows() {
        return 4096;
    }

    /** Frees t's storage now (device memory is not the garbage collector's); t is unusable after; idempotent. */
    default void release(Tensor t) {}

    /** Overwrites t with host (row-major, t.size() values). */
    void write(float[] host, Tensor t);

    /** dst = src (same size). */
    void copy(Tensor src, Tensor dst);

    /** Copies t to host (row-major). */
    void download(Tensor t, float[] host);

    /** c = op(a) * op(b) + beta * c, where op transposes when asked. */
    void gemm(Tensor a, boolean transA, Tensor b, boolean transB, Tensor c, float beta);

    /** y = x * weight^T + bias: a Hugging Face linear layer (weight stored [out, in]). */
    default void linear(Tensor x, Tensor weight, Tensor bias, Tensor y) {
        gemm(x, false, weight, true, y, 0f);
        addBias(y, bias);
    }

    /** pre = x * weight^T + bias and act = gelu(pre): the feed-forward's first half (pre is kept for the backward). */
    default void linearGelu(Tensor x, Tensor weight, Tensor bias, Tensor pre, Tensor act) {
        linear(x, weight, bias, pre);
        gelu(pre, act);
    }

    /**
     * sum = dropout(x * weight^T + bias) + residual and out = LayerNorm(sum): an encoder layer's
     * output projection with its residual connection (sum is kept for the backward pass).
     * dropout may be null; its rows are as in {@link #dropout}.
     */
    default void linearAddNorm(Tensor x, Tensor weight, Tensor bias, Dropout dropout, int siteCode, int rowsPerInstance,
                               Tensor residual, Tensor gamma, Tensor beta, float eps, Tensor sum, Tensor out) {
        linear(x, weight, bias, sum);
        if (dropout != null) dropout(sum, dropout, siteCode, rowsPerInstance);
        add(sum, residual);
        layerNorm(sum, gamma, beta, eps, out);
    }

    /**
     * Backward of {@link #linear}: dX (= or +=, by accumulateDx; skipped when null) = dY weight,
     * dWeight += dY^T x, dBias += column sums of dY.
     */
    default void linearBackward(Tensor x, Tensor weight, Tensor dY, Tensor dX, boolean accumulateDx,
                                Tensor dWeight, Tensor dBias) {
        if (dX != null) gemm(dY, false, weight, false, dX, accumulateDx ? 1f : 0f);
        gemm(dY, true, x, false, dWeight, 1f);
        sumRows(dY, dBias);
    }

    /** out[0, :] += sum over rows of x. */
    void sumRows(Tensor x, Tensor out);

    /** x[r, :] += bias[0, :] for every row r. */
    void addBias(Tensor x, Tensor bias);

    /** x += other, element-wise. */
    void add(Tensor x, Tensor other);

    /** out = 0.5 * x * (1 + erf(x / sqrt 2)) (BERT's exact GELU); out may be x. */
    void gelu(Tensor x, Tensor out);

    /** dX = dOut * (Phi(x) + x * phi(x)); dX may be dOut. */
    void geluBackward(Tensor x, Tensor dOut, Tensor dX);

    /** x = tanh(x), in place. */
    void tanh(Tensor x);

    /** dX = dOut * (1 - y^2), where y = tanh(x); dX may be dOut. */
    void tanhBackward(Tensor y, Tensor dOut, Tensor dX);

    /** out[r, :] = (x[r, :] - mean) / sqrt(var + eps) * gamma + beta (biased variance). */
    void layerNorm(Tensor x, Tensor gamma, Tensor beta, float eps, Tensor out);

    /** Backward of {@link #layerNorm} from its input x: dX = (not +=), dGamma +=, dBeta +=. */
    void layerNormBackward(Tensor x, Tensor gamma, float eps, Tensor dOut, Tensor dX, Tensor dGamma, Tensor dBeta);

    /**
     * out[r, :] = words[ids[r]] + positions[r mod seqLen] + types[typeIds[r]], for rows r of a
     * batch of sequences of length seqLen.
     */
    void embed(int[] ids, int[] typeIds, int seqLen, Tensor words, Tensor positions, Tensor types, Tensor out);

    /** Backward of {@link #embed}: scatter-adds dOut's rows into the three embedding gradients. */
    void embedBackward(int[] ids, int[] typeIds, int seqLen, Tensor dOut, Tensor dWords, Tensor dPositions, Tensor dTypes);

    /** dst[r, :] = src[rows[r], :]. */
    void gatherRows(Tensor src, int[] rows, Tensor dst);

    /** Backward of {@link #gatherRows}: dst[rows[r], :] += src[r, :]. */
    void scatterAddRows(Tensor src, int[] rows, Tensor dst);

    /**
     * Dropout on x [dropout.rows() * rowsPerInstance, width]: row r belongs to batch row
     * r / rowsPerInstance at token r mod rowsPerInstance (element index token * width + col).
     */
    void dropout(Tensor x, Dropout dropout, int siteCode, int rowsPerInstance);
    // The backward of dropout is dropout of the gradient with the same coordinates.

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

    /**
     * Backward of {@link #attention} from the softmax it kept (probs, before dropout): dQ, dK and
     * dV are written (not accumulated).
     */
    void attentionBackward(Tensor q, Tensor k, Tensor v, AttentionShape shape, Dropout dropout, int siteCode,
                           Tensor probs, Tensor dContext, Tensor dQ, Tensor dK, Tensor dV);

    /** x = 0 everywhere. */
    void zero(Tensor x);

    /** Sum of squares of x, accumulated in double. */
    double sumSquares(Tensor x);

    /**
     * One AdamW step on a parameter, its gradient scaled by gradScale (for clipping):
     * m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2;
     * p -= lr * (m / bc1 / (sqrt(v / bc2) + eps) + weightDecay * p).
     */
    void adamW(Tensor p, Tensor g, Tensor m, Tensor v, AdamW step);

    @Override
    default void close() {}
}
