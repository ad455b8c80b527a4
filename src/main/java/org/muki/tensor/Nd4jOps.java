package org.muki.tensor;

import java.util.HashMap;
import java.util.Map;

import org.muki.MukiException;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.broadcast.BroadcastAddOp;
import org.nd4j.linalg.api.ops.impl.scatter.ScatterAdd;
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
        warnAboutSlowKernels();
        return new Nd4jOps();
    }

    private static final System.Logger LOG = System.getLogger(Nd4jOps.class.getName());
    private static boolean warned;

    /**
     * ND4J bundles OpenBLAS 0.3.19, which picks its kernels by CPU model and falls back to old
     * ones on CPUs it does not know: Intel family 6 models from 176 on (Raptor Lake, Emerald
     * Rapids, ...) get its SSE3 "Prescott" kernels and AMD family 0x1A (Zen 5) its "Barcelona"
     * ones: 3.6-4x slower (PyTorch on Debian's OpenBLAS on an Intel model 207), 1.9x (the nd4j
     * backend's mini eval on a Zen 5, family 26 model 2). It cannot be asked what it chose, so the
     * CPU is read from /proc/cpuinfo, and such a CPU without OPENBLAS_CORETYPE set gets a warning
     * naming the setting that fixes it.
     */
    private static synchronized void warnAboutSlowKernels() {
        if (warned || System.getenv("OPENBLAS_CORETYPE") != null) return;
        warned = true;
        String slow = slowOpenBlasCore(java.nio.file.Path.of("/proc/cpuinfo"));
        if (slow != null) LOG.log(System.Logger.Level.WARNING, slow);
    }

    /** The warning for this machine's CPU, or null when OpenBLAS 0.3.19 knows it (or cpuinfo is unreadable). */
    static String slowOpenBlasCore(java.nio.file.Path cpuinfo) {
        Map<String, String> info = new HashMap<>();
        try {
            for (String line : java.nio.file.Files.readAllLines(cpuinfo)) {
                if (line.isBlank()) break;
                int colon = line.indexOf(':');
                if (colon > 0) info.put(line.substring(0, colon).strip(), line.substring(colon + 1).strip());
            }
        } catch (java.io.IOException | RuntimeException e) {
            return null;
        }
        String vendor = info.getOrDefault("vendor_id", ""), flags = " " + info.getOrDefault("flags", "") + " ";
        int family, model;
        try {
            family = Integer.parseInt(info.getOrDefault("cpu family", "-1"));
            model = Integer.parseInt(info.getOrDefault("model", "-1"));
        } catch (NumberFormatException e) {
            return null;
        }
        String best = flags.contains(" avx512f ") ? "SkylakeX" : flags.contains(" avx2 ") ? "Haswell" : null;
        String chosen = vendor.equals("GenuineIntel") && family == 6 && model >= 176 ? "Prescott"
                : vendor.equals("AuthenticAMD") && family == 26 ? "Barcelona" : null;
        if (chosen == null || best == null) return null;
        return "nd4j: ND4J's OpenBLAS 0.3.19 does not know this CPU (" + vendor + " family " + family + " model " + model
                + ") and runs its " + chosen + " kernels, 2-4x slower than it could: set OPENBLAS_CORETYPE=" + best
                + " (the --backend java GEMM is unaffected)";
    }

    /** Each ND4J op costs a native call and more: fewer, larger passes win (measured: 2x on tiny). */
    @Override
    public int mcTokenRows() {
        return Integer.MAX_VALUE;
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
    public void write(float[] host, Tensor t) {
        a(t).data().setData(host);
    }

    @Override
    public void copy(Tensor src, Tensor dst) {
        a(dst).assign(a(src));
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
    public void gelu(Tensor tx, Tensor tout) {
        INDArray x = a(tx), out = a(tout);
        INDArray phi = scratch("gelu", tx.rows(), tx.cols());
        phi.assign(x).muli(0.7071067811865476);
        Nd4j.exec(new Erf(phi, phi));
        phi.addi(1.0).muli(0.5);
        if (out != x) out.assign(x);
        out.muli(phi);
    }

    @Override
    public void geluBackward(Tensor tx, Tensor tdOut, Tensor tdX) {
        INDArray x = a(tx);
        INDArray cdf = scratch("gelu", tx.rows(), tx.cols());
        INDArray pdf = scratch("gelu-pdf", tx.rows(), tx.cols());
        cdf.assign(x).muli(0.7071067811865476);
        Nd4j.exec(new Erf(cdf, cdf));
        cdf.addi(1.0).muli(0.5);
        pdf.assign(x).muli(x).muli(-0.5);
        Transforms.exp(pdf, false);
        pdf.muli(0.3989422804014327).muli(x);
        cdf.addi(pdf);
        if (tdX != tdOut) a(tdX).assign(a(tdOut));
        a(tdX).muli(cdf);
    }

    @Override
    public void tanh(Tensor x) {
        Nd4j.exec(new Tanh(a(x), a(x)));
    }

    @Override
    public void tanhBackward(Tensor ty, Tensor tdOut, Tensor tdX) {
        INDArray d = scratch("tanh-d", ty.rows(), ty.cols());
        d.assign(a(ty)).muli(a(ty)).rsubi(1.0);
        if (tdX != tdOut) a(tdX).assign(a(tdOut));
        a(tdX).muli(d);
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
    public void layerNormBackward(Tensor tx, Tensor gamma, float eps, Tensor tdOut, Tensor tdX, Tensor dGamma, Tensor dBeta) {
        int rows = tx.rows(), w = tx.cols();
        INDArray x = a(tx), dOut = a(tdOut), dX = a(tdX);
        INDArray xhat = scratch("lnb-xhat", rows, w), dxhat = scratch("lnb-dxhat", rows, w), tmp = scratch("ln-sq", rows, w);
        INDArray mean = scratch("ln-mean", rows), std = scratch("ln-var", rows);
        INDArray mD = scratch("lnb-md", rows), mDX = scratch("lnb-mdx", rows);
        x.mean(mean, 1);
        xhat.assign(x).subiColumnVector(mean.reshape(rows, 1));
        tmp.assign(xhat).muli(xhat).mean(std, 1);
        std.addi(eps);
        Transforms.sqrt(std, false);
        xhat.diviColumnVector(std.reshape(rows, 1));
        dxhat.assign(dOut).muliRowVector(a(gamma));
        dxhat.mean(mD, 1);
        tmp.assign(dxhat).muli(xhat).mean(mDX, 1);
        // dx = (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat)) / std
        dX.assign(xhat).muliColumnVector(mDX.reshape(rows, 1)).rsubi(dxhat).subiColumnVector(mD.reshape(rows, 1))
                .diviColumnVector(std.reshape(rows, 1));
        tmp.assign(dOut).muli(xhat);
        a(dGamma).addi(tmp.sum(0).reshape(1, w));
        a(dBeta).addi(dOut.sum(0).reshape(1, w));
    }

    @Override
    public void sumRows(Tensor x, Tensor out) {
        a(out).addi(a(x).sum(0).reshape(1, x.cols()));
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
    public void embedBackward(int[] ids, int[] typeIds, int seqLen, Tensor dOut, Tensor dWords, Tensor dPositions, Tensor dTypes) {
        int[] positions = new int[ids.length];
        for (int r = 0; r < ids.length; r++) positions[r] = r % seqLen;
        scatterAdd(a(dWords), ids, a(dOut));
        scatterAdd(a(dPositions), positions, a(dOut));
        scatterAdd(a(dTypes), typeIds, a(dOut));
    }

    private static void scatterAdd(INDArray ref, int[] rows, INDArray updates) {
        // In place, into ref as its output; the lock argument makes repeated indices (the same
        // word or position in many rows) add up one after another instead of racing.
        ScatterAdd op = new ScatterAdd(ref, Nd4j.createFromArray(rows), updates);
        op.addOutputArgument(ref);
        op.addBArgument(true);
        Nd4j.exec(op);
    }

    @Override
    public void scatterAddRows(Tensor src, int[] rows, Tensor dst) {
        scatterAdd(a(dst), rows, a(src));
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
        int b = s.batch(), t = s.seqLen(), nq = s.queries(), heads = s.heads(), dh = s.headDim();
        INDArray q4 = heads(tq, s, nq), k4 = heads(tk, s, t), v4 = heads(tv, s, t);
        INDArray probs = a(tprobs);
        INDArray scores4 = probs.reshape('c', b, heads, nq, t);
        Nd4j.matmul(q4, k4, scores4, false, true, false);
        probs.muli(1.0 / Math.sqrt(dh));
        INDArray mask = scratch("attn-mask", b, t);
        mask.data().setData(maskAdd);
        INDArray byBatch = probs.reshape('c', b, heads * nq, t);
        Nd4j.exec(new BroadcastAddOp(byBatch, mask, byBatch, 0, 2));
        Nd4j.exec(new SoftMax(probs, probs, 1));

        INDArray weights = probs;
        if (dropout != null && dropout.attentionP() > 0f) {
            float[] keep = attentionKeep(dropout, siteCode, s);
            weights = scratch("attn-dropped", (long) b * heads * nq, t);
            weights.data().setData(keep);
            weights.muli(probs);
        }
        INDArray context4 = scratch("attn-context", b, heads, nq, dh);
        Nd4j.matmul(weights.reshape('c', b, heads, nq, t), v4, context4, false, false, false);
        heads(tctx, s, nq).assign(context4);
    }

    @Override
    public void attentionBackward(Tensor tq, Tensor tk, Tensor tv, AttentionShape s, Dropout dropout, int siteCode,
                                  Tensor tprobs, Tensor tdC, Tensor tdQ, Tensor tdK, Tensor tdV) {
        s.requireEveryQuery("attentionBackward");
        int b = s.batch(), t = s.seqLen(), heads = s.heads(), dh = s.headDim();
        long bht = (long) b * heads * t;
        INDArray q4 = heads(tq, s, t), k4 = heads(tk, s, t), v4 = heads(tv, s, t), dC4 = heads(tdC, s, t);
        INDArray probs = a(tprobs);
        INDArray weights = probs;
        INDArray mask = null;
        if (dropout != null && dropout.attentionP() > 0f) {
            mask = scratch("attn-mask-keep", bht, t);
            mask.data().setData(attentionKeep(dropout, siteCode, s));
            weights = scratch("attn-dropped", bht, t);
            weights.assign(probs).muli(mask);
        }
        INDArray tmp = scratch("attn-context", b, heads, t, dh);
        // context = weights v  =>  dV = weights^T dC, dWeights = dC v^T
        Nd4j.matmul(weights.reshape('c', b, heads, t, t), dC4, tmp, true, false, false);
        heads(tdV, s, t).assign(tmp);
        INDArray dP = scratch("attn-dp", bht, t);
        Nd4j.matmul(dC4, v4, dP.reshape('c', b, heads, t, t), false, true, false);
        if (mask != null) dP.muli(mask);
        // softmax backward and the 1/sqrt(d) of the scores: dS = P (dP - rowsum(dP P)) / sqrt(d)
        INDArray prod = scratch("attn-prod", bht, t), dot = scratch("attn-dot", bht);
        prod.assign(dP).muli(probs).sum(dot, 1);
        dP.subiColumnVector(dot.reshape(bht, 1)).muli(probs).muli(1.0 / Math.sqrt(dh));
        INDArray dS4 = dP.reshape('c', b, heads, t, t);
        Nd4j.matmul(dS4, k4, tmp, false, false, false);
        heads(tdQ, s, t).assign(tmp);
        Nd4j.matmul(dS4, q4, tmp, true, false, false);
        heads(tdK, s, t).assign(tmp);
    }

    /** [batch * positions, hidden] viewed as [batch, heads, positions, headDim]. */
    private static INDArray heads(Tensor t, AttentionShape s, int positions) {
        return a(t).reshape('c', s.batch(), positions, s.heads(), s.headDim()).permute(0, 2, 1, 3);
    }

    /** Keep multipliers of every attention probability, [batch * heads * queries, seqLen] row-major. */
    private static float[] attentionKeep(Dropout dropout, int siteCode, AttentionShape s) {
        int b = s.batch(), heads = s.heads(), t = s.seqLen(), nq = s.queries();
        float[] keep = new float[b * heads * nq * t];
        for (int n = 0; n < b; n++) {
            for (int h = 0; h < heads; h++) {
                for (int row = 0; row < nq; row++) {
                    long e0 = ((long) h * s.maxPositions() + row) * s.maxPositions();
                    dropout.fill(n, siteCode, dropout.attentionP(), e0, t, keep, ((n * heads + h) * nq + row) * t);
                }
            }
        }
        return keep;
    }

    @Override
    public void zero(Tensor x) {
        a(x).assign(0);
    }

    @Override
    public double sumSquares(Tensor x) {
        double n = a(x).norm2Number().doubleValue();
        return n * n;
    }

    @Override
    public void adamW(Tensor tp, Tensor tg, Tensor tm, Tensor tv, AdamW st) {
        INDArray p = a(tp), g = a(tg), m = a(tm), v = a(tv);
        INDArray s = scratch("adam", tp.rows(), tp.cols());
        float gs = st.gradScale();
        s.assign(g).muli(gs * (1f - st.beta1()));
        m.muli(st.beta1()).addi(s);
        s.assign(g).muli(g).muli(gs * gs * (1f - st.beta2()));
        v.muli(st.beta2()).addi(s);
        s.assign(v).divi(st.bc2());
        Transforms.sqrt(s, false);
        s.addi(st.eps()).rdivi(m).divi(st.bc1());
        p.muli(1.0 - (double) st.lr() * st.weightDecay()).subi(s.muli(st.lr()));
    }
}
