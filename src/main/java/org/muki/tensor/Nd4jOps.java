package org.muki.tensor;

import java.util.HashMap;
import java.util.Map;

import org.muki.MukiException;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastAddOp;
import org.nd4j.linalg.api.ops.impl.transforms.custom.SoftMax;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Erf;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Tanh;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The ND4J backend: tensors live off-heap in c-order INDArrays, GEMMs run in ND4J's BLAS
 * (OpenBLAS) and the other ops in ND4J's native kernels. Only the dropout masks are made in
 * Java (Philox, shared with every backend) and uploaded.
 */
public final class Nd4jOps implements Ops {

    /** A row-major matrix in an ND4J buffer. */
    public record NTensor(INDArray array, int rows, int cols) implements Tensor {}

    // Scratch arrays by purpose and shape, allocated once per batch shape.
    private final Map<String, INDArray> scratch = new HashMap<>();

    private Nd4jOps() {}

    /** Loads ND4J's native libraries; a machine where they cannot load gets a clear message. */
    public static Nd4jOps create(int threads) {
        try {
            Nd4j.setDefaultDataTypes(DataType.FLOAT, DataType.FLOAT);
            Nd4j.factory().blas().setMaxThreads(Math.max(1, threads));
            Nd4j.create(1);
        } catch (Throwable e) {
            throw new MukiException("the nd4j backend could not load ND4J's native libraries ("
                    + e.getClass().getSimpleName() + ": " + e.getMessage() + "); use --backend java instead");
        }
        return new Nd4jOps();
    }

    @Override
    public String name() {
        return "nd4j";
    }

    private static INDArray a(Tensor t) {
        return ((NTensor) t).array;
    }

    private INDArray scratch(String purpose, long... shape) {
        StringBuilder key = new StringBuilder(purpose);
        for (long s : shape) key.append(':').append(s);
        return scratch.computeIfAbsent(key.toString(), k -> Nd4j.create(DataType.FLOAT, shape));
    }

    @Override
    public Tensor allocate(int rows, int cols) {
        return new NTensor(Nd4j.create(DataType.FLOAT, rows, cols), rows, cols);
    }

    @Override
    public Tensor upload(float[] host, int rows, int cols) {
        if (host.length != rows * cols) throw new IllegalArgumentException("upload: size mismatch");
        return new NTensor(Nd4j.create(host, new long[] {rows, cols}, 'c'), rows, cols);
    }

    @Override
    public void download(Tensor t, float[] host) {
        float[] all = a(t).data().asFloat();
        System.arraycopy(all, 0, host, 0, (int) t.size());
    }

    @Override
    public void gemm(Tensor ta, boolean transA, Tensor tb, boolean transB, Tensor tc, float beta) {
        // c is c-order, so c^T is an f-order view of the same memory: BLAS writes it in place
        // as c^T = op(b)^T op(a)^T, without the temporary an allocating mmul would make.
        Nd4j.gemm(a(tb), a(ta), a(tc).transpose(), !transB, !transA, 1.0, beta);
    }

    @Override
    public void addBias(Tensor x, Tensor bias) {
        a(x).addiRowVector(a(bias));
    }

    @Override
    public void add(Tensor x, Tensor other) {
        a(x).addi(a(other));
    }

    @Override
    public void gelu(Tensor tx) {
        INDArray x = a(tx);
        INDArray phi = scratch("gelu", tx.rows(), tx.cols());
        phi.assign(x).muli(0.7071067811865476);
        Nd4j.exec(new Erf(phi, phi));
        phi.addi(1.0).muli(0.5);
        x.muli(phi);
    }

    @Override
    public void tanh(Tensor x) {
        Nd4j.exec(new Tanh(a(x), a(x)));
    }

    @Override
    public void layerNorm(Tensor tx, Tensor gamma, Tensor beta, float eps, Tensor tout) {
        INDArray x = a(tx), out = a(tout);
        int rows = tx.rows();
        INDArray mean = scratch("ln-mean", rows);
        INDArray var = scratch("ln-var", rows);
        INDArray sq = scratch("ln-sq", rows, tx.cols());
        x.mean(mean, 1);
        out.assign(x).subiColumnVector(mean.reshape(rows, 1));
        sq.assign(out).muli(out).mean(var, 1);
        var.addi(eps);
        Transforms.sqrt(var, false);
        out.diviColumnVector(var.reshape(rows, 1)).muliRowVector(a(gamma)).addiRowVector(a(beta));
    }

    @Override
    public void embed(int[] ids, int[] typeIds, int seqLen, Tensor words, Tensor positions, Tensor types, Tensor tout) {
        INDArray out = a(tout);
        int rows = tout.rows(), w = tout.cols();
        Nd4j.pullRows(a(words), out, 1, ids);
        INDArray typeRows = scratch("embed-types", rows, w);
        Nd4j.pullRows(a(types), typeRows, 1, typeIds);
        out.addi(typeRows);
        INDArray byPosition = out.reshape(rows / seqLen, seqLen, w);
        INDArray pos = a(positions).get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, seqLen),
                org.nd4j.linalg.indexing.NDArrayIndex.all());
        Nd4j.exec(new BroadcastAddOp(byPosition, pos, byPosition, 1, 2));
    }

    @Override
    public void gatherRows(Tensor src, int[] rows, Tensor dst) {
        Nd4j.pullRows(a(src), a(dst), 1, rows);
    }

    @Override
    public void dropout(Tensor tx, Dropout dropout, int siteCode, int rowsPerInstance) {
        float p = dropout.hiddenP();
        if (p == 0f) return;
        int w = tx.cols();
        float[] mask = new float[tx.rows() * w];
        for (int r = 0; r < tx.rows(); r++) {
            dropout.fill(r / rowsPerInstance, siteCode, p, (long) (r % rowsPerInstance) * w, w, mask, r * w);
        }
        INDArray m = scratch("dropout", tx.rows(), w);
        m.data().setData(mask);
        a(tx).muli(m);
    }

    @Override
    public void attention(Tensor tq, Tensor tk, Tensor tv, float[] maskAdd, AttentionShape s,
                          Dropout dropout, int siteCode, Tensor tprobs, Tensor tctx) {
        int b = s.batch(), t = s.seqLen(), heads = s.heads(), dh = s.headDim();
        INDArray q4 = a(tq).reshape('c', b, t, heads, dh).permute(0, 2, 1, 3);
        INDArray k4 = a(tk).reshape('c', b, t, heads, dh).permute(0, 2, 1, 3);
        INDArray v4 = a(tv).reshape('c', b, t, heads, dh).permute(0, 2, 1, 3);
        INDArray probs = a(tprobs);
        INDArray scores4 = probs.reshape('c', b, heads, t, t);
        Nd4j.matmul(q4, k4, scores4, false, true, false);
        probs.muli(1.0 / Math.sqrt(dh));
        INDArray mask = scratch("attn-mask", b, t);
        mask.data().setData(maskAdd);
        INDArray byBatch = probs.reshape('c', b, heads * t, t);
        Nd4j.exec(new BroadcastAddOp(byBatch, mask, byBatch, 0, 2));
        Nd4j.exec(new SoftMax(probs, probs, 1));

        INDArray weights = probs;
        if (dropout != null && dropout.attentionP() > 0f) {
            float[] keep = new float[b * heads * t * t];
            for (int n = 0; n < b; n++) {
                for (int h = 0; h < heads; h++) {
                    for (int row = 0; row < t; row++) {
                        long e0 = ((long) h * s.maxPositions() + row) * s.maxPositions();
                        dropout.fill(n, siteCode, dropout.attentionP(), e0, t, keep, ((n * heads + h) * t + row) * t);
                    }
                }
            }
            weights = scratch("attn-dropped", (long) b * heads * t, t);
            weights.data().setData(keep);
            weights.muli(probs);
        }
        INDArray context4 = scratch("attn-context", b, heads, t, dh);
        Nd4j.matmul(weights.reshape('c', b, heads, t, t), v4, context4, false, false, false);
        a(tctx).reshape('c', b, t, heads, dh).permute(0, 2, 1, 3).assign(context4);
    }
}
