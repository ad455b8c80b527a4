package org.muki.tensor;

/**
 * The plain-Java backend: heap float arrays, no native code, multi-threaded over rows. The one
 * switch `vector` picks the Vector API GEMM (fast path) or the three-loop GEMM (the readable
 * reference the tests compare against); every other op is shared by both.
 */
public final class JavaOps implements Ops {

    /** A row-major matrix on the Java heap. */
    public record JTensor(float[] data, int rows, int cols) implements Tensor {}

    private final boolean vector;
    private final Gemm gemm;
    private final Parallel parallel;
    // op(b) packed for the kernel, reused across gemm calls (ops are called from one thread;
    // workers pack their panels into it, then only read it).
    private AlignedFloats packedB;
    /**
     * The weights of linear layers, packed once and kept with a flag saying whether the packing
     * is current: a model's parameters change only through write(), copy(), zero() and adamW(),
     * which mark theirs stale (inference packs each weight once; training repacks, into the same
     * buffer, after every optimiser step).
     */
    private final java.util.Map<float[], PackedWeight> packedWeights = new java.util.IdentityHashMap<>();

    private static final class PackedWeight {
        final AlignedFloats buffer;
        boolean current;

        PackedWeight(AlignedFloats buffer) {
            this.buffer = buffer;
        }
    }

    @Override
    public void release(Tensor t) {
        packedWeights.remove(j(t).data);
    }

    private void stale(Tensor t) {
        if (packedWeights.isEmpty()) return;
        PackedWeight p = packedWeights.get(j(t).data);
        if (p != null) p.current = false;
    }

    public JavaOps(boolean vector, int threads) {
        this.vector = vector;
        this.gemm = vector ? new VectorGemm() : new ScalarGemm();
        this.parallel = new Parallel(threads);
    }

    @Override
    public String name() {
        return vector ? "java" : "java-scalar";
    }

    private static JTensor j(Tensor t) {
        return (JTensor) t;
    }

    private static void require(boolean ok, String what) {
        if (!ok) throw new IllegalArgumentException(what);
    }

    @Override
    public Tensor allocate(int rows, int cols) {
        return new JTensor(new float[Math.multiplyExact(rows, cols)], rows, cols);
    }

    @Override
    public Tensor upload(float[] host, int rows, int cols) {
        require(host.length == rows * cols, "upload: " + host.length + " values for " + rows + "x" + cols);
        return new JTensor(host.clone(), rows, cols);
    }

    @Override
    public void write(float[] host, Tensor t) {
        stale(t);
        require(host.length == t.size(), "write: " + host.length + " values for " + t.rows() + "x" + t.cols());
        System.arraycopy(host, 0, j(t).data, 0, host.length);
    }

    @Override
    public void copy(Tensor src, Tensor dst) {
        stale(dst);
        require(src.size() == dst.size(), "copy: sizes differ");
        System.arraycopy(j(src).data, 0, j(dst).data, 0, j(src).data.length);
    }

    @Override
    public void download(Tensor t, float[] host) {
        System.arraycopy(j(t).data, 0, host, 0, j(t).data.length);
    }

    @Override
    public void gemm(Tensor ta, boolean transA, Tensor tb, boolean transB, Tensor tc, float beta) {
        JTensor a = j(ta), b = j(tb), c = j(tc);
        int m = transA ? a.cols : a.rows;
        int k = transA ? a.rows : a.cols;
        int n = transB ? b.rows : b.cols;
        require((transB ? b.cols : b.rows) == k && c.rows == m && c.cols == n,
                "gemm: shapes " + a.rows + "x" + a.cols + (transA ? "^T" : "") + " * " + b.rows + "x" + b.cols
                        + (transB ? "^T" : "") + " -> " + c.rows + "x" + c.cols);
        if (vector) {
            AlignedFloats bp = packB(b.data, n, k, b.cols, transB);
            parallel.range(m, VectorGemm.MR, (from, to) -> {
                if (!transA) {
                    // Rows of a read in place (only a last partial block is packed), MC rows at a
                    // time so that they stay in L2 across the panels of b.
                    for (int i0 = from; i0 < to; i0 += VectorGemm.MC) {
                        int i1 = Math.min(to, i0 + VectorGemm.MC);
                        VectorGemm.multiply(i1 - i0, n, k, a.data, i0 * k, k, bp.data, bp.offset, c.data, i0 * n, n, 1f, beta, null);
                    }
                    return;
                }
                AlignedFloats ap = VectorGemm.scratch(0, VectorGemm.packedASize(Math.min(to - from, VectorGemm.MC), k));
                for (int i0 = from; i0 < to; i0 += VectorGemm.MC) {
                    int i1 = Math.min(to, i0 + VectorGemm.MC);
                    VectorGemm.packA(i0, i1, k, a.data, 0, a.cols, true, ap.data, ap.offset);
                    VectorGemm.multiply(i1 - i0, n, k, ap.data, ap.offset, 0, bp.data, bp.offset, c.data, i0 * n, n, 1f, beta, null);
                }
            });
        } else {
            parallel.range(m, 1, (from, to) -> gemm.run(to - from, n, k,
                    a.data, transA ? from : from * a.cols, a.cols, transA,
                    b.data, 0, b.cols, transB, c.data, from * n, n, 1f, beta));
        }
    }


    @Override
    public void linear(Tensor x, Tensor weight, Tensor bias, Tensor y) {
        if (vector) linearChunked(j(x), j(weight), j(bias), j(y), null);
        else Ops.super.linear(x, weight, bias, y);
    }

    @Override
    public void linearGelu(Tensor tx, Tensor weight, Tensor bias, Tensor tpre, Tensor tact) {
        if (!vector) {
            Ops.super.linearGelu(tx, weight, bias, tpre, tact);
            return;
        }
        JTensor pre = j(tpre), act = j(tact);
        require(act.data.length == pre.data.length, "linearGelu: pre and act differ in size");
        linearChunked(j(tx), j(weight), j(bias), pre, (r0, r1, scratch) -> {
            int n = pre.cols;
            // In eval, act is pre itself (nothing kept for a backward pass): GELU in place.
            if (act != pre) System.arraycopy(pre.data, r0 * n, act.data, r0 * n, (r1 - r0) * n);
            VectorMath.gelu(act.data, r0 * n, r1 * n);
        });
    }

    @Override
    public void linearAddNorm(Tensor tx, Tensor weight, Tensor bias, Dropout dropout, int siteCode, int rowsPerInstance,
                              Tensor tresidual, Tensor tg, Tensor tb, float eps, Tensor tsum, Tensor tout) {
        if (!vector) {
            Ops.super.linearAddNorm(tx, weight, bias, dropout, siteCode, rowsPerInstance, tresidual, tg, tb, eps, tsum, tout);
            return;
        }
        JTensor residual = j(tresidual), g = j(tg), b = j(tb), sum = j(tsum), out = j(tout);
        int n = sum.cols;
        require(residual.data.length == sum.data.length && out.data.length == sum.data.length
                        && g.data.length == n && b.data.length == n
                        && (dropout == null || sum.rows == dropout.rows() * rowsPerInstance),
                "linearAddNorm: sum " + sum.rows + "x" + n + ", residual " + residual.data.length + ", out "
                        + out.data.length + ", gamma " + g.data.length + ", beta " + b.data.length);
        boolean drop = dropout != null && dropout.hiddenP() > 0f;
        // Projection, dropout, residual and LayerNorm while the chunk is in cache: on tiny the
        // separate passes streamed every activation through memory three more times.
        linearChunked(j(tx), j(weight), j(bias), sum, (r0, r1, mask) -> {
            for (int r = r0; r < r1; r++) {
                if (drop) dropoutRow(sum.data, r, n, dropout, siteCode, rowsPerInstance, mask);
                addRange(sum.data, residual.data, r * n, (r + 1) * n);
                VectorMath.layerNorm(sum.data, r * n, n, g.data, b.data, eps, out.data);
            }
        });
    }

    /** What a fused linear does to rows [r0, r1) of its output once computed; scratch holds a row. */
    private interface ChunkDone {
        void rows(int r0, int r1, float[] scratch);
    }

    /**
     * y = x weight^T + bias chunk by chunk of VectorGemm.MC rows (the kernel adds the bias as it
     * stores), each chunk handed to after (when given) while its rows are in cache.
     */
    private void linearChunked(JTensor x, JTensor weight, JTensor bias, JTensor y, ChunkDone after) {
        int m = x.rows, k = x.cols, n = weight.rows;
        require(weight.cols == k && y.rows == m && y.cols == n && bias.data.length == n,
                "linear: x " + m + "x" + k + ", weight " + weight.rows + "x" + weight.cols + ", bias " + bias.data.length
                        + " -> " + y.rows + "x" + y.cols);
        PackedWeight pw = packedWeights.computeIfAbsent(weight.data, w -> new PackedWeight(AlignedFloats.allocate(VectorGemm.packedBSize(n, k))));
        AlignedFloats packed = pw.buffer;
        if (!pw.current) {
            parallel.range(VectorGemm.panels(n), 1, (from, to) -> VectorGemm.packB(n, k, weight.data, 0, k, true, packed.data, packed.offset, from, to));
            pw.current = true;
        }
        parallel.range(m, VectorGemm.MR, (from, to) -> {
            float[] scratch = after == null ? null : new float[n];
            for (int r0 = from; r0 < to; r0 += VectorGemm.MC) {
                int r1 = Math.min(to, r0 + VectorGemm.MC);
                VectorGemm.multiply(r1 - r0, n, k, x.data, r0 * k, k, packed.data, packed.offset, y.data, r0 * n, n, 1f, 0f, bias.data);
                if (after != null) after.rows(r0, r1, scratch);
            }
        });
    }

    /** op(b) (k x n; b has ldb columns) packed into the kernel's panels, the panels split between the threads. */
    private AlignedFloats packB(float[] b, int n, int k, int ldb, boolean transB) {
        int size = VectorGemm.packedBSize(n, k);
        packedB = packedB == null ? AlignedFloats.allocate(size) : packedB.atLeast(size);
        AlignedFloats bp = packedB;
        parallel.range(VectorGemm.panels(n), 1, (from, to) -> VectorGemm.packB(n, k, b, 0, ldb, transB, bp.data, bp.offset, from, to));
        return bp;
    }

    @Override
    public void addBias(Tensor tx, Tensor tbias) {
        JTensor x = j(tx), bias = j(tbias);
        require(bias.data.length == x.cols, "addBias: bias of " + bias.data.length + " for width " + x.cols);
        int w = x.cols;
        parallel.range(x.rows, 1, (from, to) -> {
            for (int r = from; r < to; r++) {
                int o = r * w;
                for (int c = 0; c < w; c++) x.data[o + c] += bias.data[c];
            }
        });
    }

    @Override
    public void add(Tensor tx, Tensor tother) {
        JTensor x = j(tx), o = j(tother);
        require(x.data.length == o.data.length, "add: sizes differ");
        int w = x.cols;
        parallel.range(x.rows, 1, (from, to) -> addRange(x.data, o.data, from * w, to * w));
    }

    /** x[i] += y[i] on [from, to). */
    private static void addRange(float[] x, float[] y, int from, int to) {
        for (int i = from; i < to; i++) x[i] += y[i];
    }

    @Override
    public void gelu(Tensor tx, Tensor tout) {
        JTensor x = j(tx), out = j(tout);
        require(x.data.length == out.data.length, "gelu: sizes differ");
        int w = x.cols;
        parallel.range(x.rows, 1, (from, to) -> {
            if (out != x) System.arraycopy(x.data, from * w, out.data, from * w, (to - from) * w);
            if (vector) {
                VectorMath.gelu(out.data, from * w, to * w);
            } else {
                for (int i = from * w; i < to * w; i++) out.data[i] = Erf.gelu(out.data[i]);
            }
        });
    }

    @Override
    public void geluBackward(Tensor tx, Tensor tdOut, Tensor tdX) {
        JTensor x = j(tx), dOut = j(tdOut), dX = j(tdX);
        int w = x.cols;
        parallel.range(x.rows, 1, (from, to) -> {
            if (vector) {
                VectorMath.geluBackward(x.data, dOut.data, dX.data, from * w, to * w);
                return;
            }
            for (int i = from * w; i < to * w; i++) {
                double v = x.data[i];
                double cdf = 0.5 * (1.0 + Erf.erf(v * 0.7071067811865476));
                double pdf = Math.exp(-0.5 * v * v) * 0.3989422804014327;
                dX.data[i] = (float) (dOut.data[i] * (cdf + v * pdf));
            }
        });
    }

    @Override
    public void tanh(Tensor tx) {
        JTensor x = j(tx);
        for (int i = 0; i < x.data.length; i++) x.data[i] = (float) Math.tanh(x.data[i]);
    }

    @Override
    public void tanhBackward(Tensor ty, Tensor tdOut, Tensor tdX) {
        JTensor y = j(ty), dOut = j(tdOut), dX = j(tdX);
        for (int i = 0; i < y.data.length; i++) dX.data[i] = dOut.data[i] * (1f - y.data[i] * y.data[i]);
    }

    @Override
    public void layerNorm(Tensor tx, Tensor tg, Tensor tb, float eps, Tensor tout) {
        JTensor x = j(tx), g = j(tg), b = j(tb), out = j(tout);
        int w = x.cols;
        require(g.data.length == w && b.data.length == w && out.data.length == x.data.length, "layerNorm: shapes");
        parallel.range(x.rows, 1, (from, to) -> {
            for (int r = from; r < to; r++) {
                if (vector) VectorMath.layerNorm(x.data, r * w, w, g.data, b.data, eps, out.data);
                else layerNormRow(x.data, r * w, w, g.data, b.data, eps, out.data);
            }
        });
    }

    /** The reference row: mean and biased variance accumulated in double, one element at a time. */
    private static void layerNormRow(float[] x, int o, int w, float[] g, float[] b, float eps, float[] out) {
        double mean = 0;
        for (int c = 0; c < w; c++) mean += x[o + c];
        mean /= w;
        double var = 0;
        for (int c = 0; c < w; c++) {
            double d = x[o + c] - mean;
            var += d * d;
        }
        var /= w;
        float inv = (float) (1.0 / Math.sqrt(var + eps));
        float m = (float) mean;
        for (int c = 0; c < w; c++) out[o + c] = (x[o + c] - m) * inv * g[c] + b[c];
    }

    @Override
    public void layerNormBackward(Tensor tx, Tensor tg, float eps, Tensor tdOut, Tensor tdX, Tensor tdG, Tensor tdB) {
        JTensor x = j(tx), g = j(tg), dOut = j(tdOut), dX = j(tdX), dG = j(tdG), dB = j(tdB);
        int w = x.cols, rows = x.rows;
        if (vector) {
            float[] stats = new float[2 * rows];
            parallel.range(rows, 1, (from, to) -> {
                for (int r = from; r < to; r++) VectorMath.layerNormBackwardRow(x.data, r * w, w, g.data, eps, dOut.data, dX.data, stats, r);
            });
            parallel.range(w, 16, (from, to) -> VectorMath.layerNormParamGrads(x.data, dOut.data, rows, w, stats, dG.data, dB.data, from, to));
            return;
        }
        float[] mean = new float[rows], rstd = new float[rows];
        parallel.range(rows, 1, (from, to) -> {
            for (int r = from; r < to; r++) {
                int o = r * w;
                double mu = 0;
                for (int c = 0; c < w; c++) mu += x.data[o + c];
                mu /= w;
                double var = 0;
                for (int c = 0; c < w; c++) {
                    double d = x.data[o + c] - mu;
                    var += d * d;
                }
                float rs = (float) (1.0 / Math.sqrt(var / w + eps));
                mean[r] = (float) mu;
                rstd[r] = rs;
                // dx = rstd * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat)), dxhat = dOut * gamma
                double sumD = 0, sumDX = 0;
                for (int c = 0; c < w; c++) {
                    float dxhat = dOut.data[o + c] * g.data[c];
                    sumD += dxhat;
                    sumDX += dxhat * (x.data[o + c] - mean[r]) * rs;
                }
                float mD = (float) (sumD / w), mDX = (float) (sumDX / w);
                for (int c = 0; c < w; c++) {
                    float xhat = (x.data[o + c] - mean[r]) * rs;
                    dX.data[o + c] = rs * (dOut.data[o + c] * g.data[c] - mD - xhat * mDX);
                }
            }
        });
        parallel.range(w, 1, (from, to) -> {
            for (int r = 0; r < rows; r++) {
                int o = r * w;
                for (int c = from; c < to; c++) {
                    dG.data[c] += dOut.data[o + c] * (x.data[o + c] - mean[r]) * rstd[r];
                    dB.data[c] += dOut.data[o + c];
                }
            }
        });
    }

    @Override
    public void sumRows(Tensor tx, Tensor tout) {
        JTensor x = j(tx), out = j(tout);
        int w = x.cols;
        require(out.data.length == w, "sumRows: output of " + out.data.length + " for width " + w);
        if (vector) {
            parallel.range(w, 16, (from, to) -> VectorMath.sumRows(x.data, x.rows, w, out.data, from, to));
            return;
        }
        parallel.range(w, 1, (from, to) -> {
            for (int r = 0; r < x.rows; r++) {
                int o = r * w;
                for (int c = from; c < to; c++) out.data[c] += x.data[o + c];
            }
        });
    }

    @Override
    public void embed(int[] ids, int[] typeIds, int seqLen, Tensor tw, Tensor tp, Tensor tt, Tensor tout) {
        JTensor words = j(tw), pos = j(tp), types = j(tt), out = j(tout);
        int w = out.cols;
        require(ids.length == out.rows && typeIds.length == out.rows, "embed: " + ids.length + " ids for " + out.rows + " rows");
        parallel.range(out.rows, 1, (from, to) -> {
            for (int r = from; r < to; r++) {
                int wo = ids[r] * w, po = (r % seqLen) * w, to2 = typeIds[r] * w, o = r * w;
                for (int c = 0; c < w; c++) {
                    out.data[o + c] = words.data[wo + c] + pos.data[po + c] + types.data[to2 + c];
                }
            }
        });
    }

    @Override
    public void embedBackward(int[] ids, int[] typeIds, int seqLen, Tensor tdOut, Tensor tdW, Tensor tdP, Tensor tdT) {
        JTensor dOut = j(tdOut), dW = j(tdW), dP = j(tdP), dT = j(tdT);
        int w = dOut.cols;
        // Column ranges per thread: rows with the same id never collide, and the order is fixed.
        parallel.range(w, 1, (from, to) -> {
            for (int r = 0; r < dOut.rows; r++) {
                int o = r * w, wo = ids[r] * w, po = (r % seqLen) * w, tyo = typeIds[r] * w;
                for (int c = from; c < to; c++) {
                    float d = dOut.data[o + c];
                    dW.data[wo + c] += d;
                    dP.data[po + c] += d;
                    dT.data[tyo + c] += d;
                }
            }
        });
    }

    @Override
    public void scatterAddRows(Tensor tsrc, int[] rows, Tensor tdst) {
        JTensor src = j(tsrc), dst = j(tdst);
        int w = src.cols;
        parallel.range(w, 1, (from, to) -> {
            for (int r = 0; r < rows.length; r++) {
                int s0 = r * w, d0 = rows[r] * w;
                for (int c = from; c < to; c++) dst.data[d0 + c] += src.data[s0 + c];
            }
        });
    }

    @Override
    public void gatherRows(Tensor tsrc, int[] rows, Tensor tdst) {
        JTensor src = j(tsrc), dst = j(tdst);
        int w = src.cols;
        require(dst.cols == w && dst.rows == rows.length, "gatherRows: shapes");
        for (int r = 0; r < rows.length; r++) System.arraycopy(src.data, rows[r] * w, dst.data, r * w, w);
    }

    @Override
    public void dropout(Tensor tx, Dropout dropout, int siteCode, int rowsPerInstance) {
        JTensor x = j(tx);
        int w = x.cols;
        require(x.rows == dropout.rows() * rowsPerInstance, "dropout: " + x.rows + " rows for "
                + dropout.rows() + " x " + rowsPerInstance);
        float p = dropout.hiddenP();
        if (p == 0f) return;
        parallel.range(x.rows, 1, (from, to) -> {
            float[] mask = new float[w];
            for (int r = from; r < to; r++) dropoutRow(x.data, r, w, dropout, siteCode, rowsPerInstance, mask);
        });
    }

    /** Row r of a [rows, w] array times its hidden-site mask (token r % rowsPerInstance of its instance). */
    private static void dropoutRow(float[] x, int r, int w, Dropout dropout, int siteCode, int rowsPerInstance, float[] mask) {
        dropout.fill(r / rowsPerInstance, siteCode, dropout.hiddenP(), (long) (r % rowsPerInstance) * w, w, mask, 0);
        int o = r * w;
        for (int c = 0; c < w; c++) x[o + c] *= mask[c];
    }

    @Override
    public void attention(Tensor tq, Tensor tk, Tensor tv, float[] maskAdd, AttentionShape s,
                          Dropout dropout, int siteCode, Tensor tprobs, Tensor tctx) {
        JTensor q = j(tq), k = j(tk), v = j(tv), probs = j(tprobs), ctx = j(tctx);
        int t = s.seqLen(), nq = s.queries(), h = s.hidden(), dh = s.headDim();
        require(q.rows == s.batch() * nq && q.cols == h && k.rows == s.batch() * t && v.rows == k.rows
                && probs.rows == s.batch() * s.heads() * nq && probs.cols == t && ctx.rows == q.rows && ctx.cols == h
                && maskAdd.length == s.batch() * t, "attention: shapes");
        float scale = (float) (1.0 / Math.sqrt(dh));
        boolean drop = dropout != null && dropout.attentionP() > 0f;
        parallel.range(s.batch() * s.heads(), 1, (from, to) -> {
            float[] mask = drop ? new float[t] : null;
            float[] dropped = drop ? new float[nq * t] : null;
            for (int nh = from; nh < to; nh++) {
                int n = nh / s.heads(), head = nh % s.heads();
                int qo = n * nq * h + head * dh, kvo = n * t * h + head * dh;
                int po = nh * nq * t;
                gemm.run(nq, t, dh, q.data, qo, h, false, k.data, kvo, h, true, probs.data, po, t, scale, 0f);
                for (int row = 0; row < nq; row++) {
                    int ro = po + row * t;
                    float sum = 0f;
                    if (vector) {
                        float max = VectorMath.addMax(probs.data, ro, ro + t, maskAdd, n * t);
                        sum = VectorMath.expShifted(probs.data, ro, ro + t, max);
                    } else {
                        float max = Float.NEGATIVE_INFINITY;
                        for (int c = 0; c < t; c++) {
                            float val = probs.data[ro + c] + maskAdd[n * t + c];
                            probs.data[ro + c] = val;
                            if (val > max) max = val;
                        }
                        for (int c = 0; c < t; c++) {
                            float e = (float) Math.exp(probs.data[ro + c] - max);
                            probs.data[ro + c] = e;
                            sum += e;
                        }
                    }
                    float inv = 1f / sum;
                    for (int c = 0; c < t; c++) probs.data[ro + c] *= inv;
                    if (drop) {
                        long e0 = ((long) head * s.maxPositions() + row) * s.maxPositions();
                        dropout.fill(n, siteCode, dropout.attentionP(), e0, t, mask, 0);
                        for (int c = 0; c < t; c++) dropped[row * t + c] = probs.data[ro + c] * mask[c];
                    }
                }
                // probs keeps the softmax before dropout (what the backward pass needs).
                float[] pa = drop ? dropped : probs.data;
                int pOff = drop ? 0 : po;
                gemm.run(nq, dh, t, pa, pOff, t, false, v.data, kvo, h, false, ctx.data, qo, h, 1f, 0f);
            }
        });
    }

    @Override
    public void attentionBackward(Tensor tq, Tensor tk, Tensor tv, AttentionShape s, Dropout dropout, int siteCode,
                                  Tensor tprobs, Tensor tdC, Tensor tdQ, Tensor tdK, Tensor tdV) {
        JTensor q = j(tq), k = j(tk), v = j(tv), probs = j(tprobs), dC = j(tdC), dQ = j(tdQ), dK = j(tdK), dV = j(tdV);
        s.requireEveryQuery("attentionBackward");
        int t = s.seqLen(), h = s.hidden(), dh = s.headDim();
        float scale = (float) (1.0 / Math.sqrt(dh));
        boolean drop = dropout != null && dropout.attentionP() > 0f;
        parallel.range(s.batch() * s.heads(), 1, (from, to) -> {
            float[] mask = new float[t * t], dropped = new float[t * t], dP = new float[t * t];
            for (int nh = from; nh < to; nh++) {
                int n = nh / s.heads(), head = nh % s.heads();
                int io = n * t * h + head * dh, po = nh * t * t;
                float[] weights = probs.data;
                int wOff = po;
                if (drop) {
                    for (int row = 0; row < t; row++) {
                        long e0 = ((long) head * s.maxPositions() + row) * s.maxPositions();
                        dropout.fill(n, siteCode, dropout.attentionP(), e0, t, mask, row * t);
                    }
                    for (int i = 0; i < t * t; i++) dropped[i] = probs.data[po + i] * mask[i];
                    weights = dropped;
                    wOff = 0;
                }
                // context = weights v  =>  dV = weights^T dC, dWeights = dC v^T
                gemm.run(t, dh, t, weights, wOff, t, true, dC.data, io, h, false, dV.data, io, h, 1f, 0f);
                gemm.run(t, t, dh, dC.data, io, h, false, v.data, io, h, true, dP, 0, t, 1f, 0f);
                if (drop) for (int i = 0; i < t * t; i++) dP[i] *= mask[i];
                // softmax backward, then the 1/sqrt(d) of the scores: dS = P (dP - rowsum(dP P)) scale
                for (int row = 0; row < t; row++) {
                    int ro = row * t;
                    float dot = 0f;
                    for (int c = 0; c < t; c++) dot += dP[ro + c] * probs.data[po + ro + c];
                    for (int c = 0; c < t; c++) dP[ro + c] = probs.data[po + ro + c] * (dP[ro + c] - dot) * scale;
                }
                // scores = q k^T  =>  dQ = dS k, dK = dS^T q
                gemm.run(t, dh, t, dP, 0, t, false, k.data, io, h, false, dQ.data, io, h, 1f, 0f);
                gemm.run(t, dh, t, dP, 0, t, true, q.data, io, h, false, dK.data, io, h, 1f, 0f);
            }
        });
    }

    @Override
    public void zero(Tensor t) {
        stale(t);
        java.util.Arrays.fill(j(t).data, 0f);
    }

    @Override
    public double sumSquares(Tensor t) {
        float[] a = j(t).data;
        if (vector) return VectorMath.sumSquares(a, 0, a.length);
        double sum = 0;
        for (float v : a) sum += (double) v * v;
        return sum;
    }

    @Override
    public void adamW(Tensor tp, Tensor tg, Tensor tm, Tensor tv, AdamW a) {
        stale(tp);
        float[] p = j(tp).data, g = j(tg).data, m = j(tm).data, v = j(tv).data;
        float b1 = a.beta1(), b2 = a.beta2(), bc1 = a.bc1(), bc2 = a.bc2(), lr = a.lr(), wd = a.weightDecay();
        float gs = a.gradScale(), eps = a.eps();
        if (vector) {
            // Large tensors (the word embeddings) split between the threads.
            if (p.length >= 1 << 16) {
                parallel.range(p.length, 16, (from, to) -> VectorMath.adamW(p, g, m, v, from, to, b1, b2, bc1, bc2, lr, wd, gs, eps));
            } else {
                VectorMath.adamW(p, g, m, v, 0, p.length, b1, b2, bc1, bc2, lr, wd, gs, eps);
            }
            return;
        }
        for (int i = 0; i < p.length; i++) {
            float gi = g[i] * gs;
            m[i] = b1 * m[i] + (1f - b1) * gi;
            v[i] = b2 * v[i] + (1f - b2) * gi * gi;
            float update = (m[i] / bc1) / ((float) Math.sqrt(v[i] / bc2) + eps);
            p[i] -= lr * (update + wd * p[i]);
        }
    }

    @Override
    public void close() {
        parallel.close();
    }
}
