package org.muki.tensor;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.muki.TestSupport.assertClose;
import static org.muki.TestSupport.random;

import java.util.function.Consumer;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The backward ops: (1) on the scalar reference, against central finite differences of the
 * forward op in double-checked float (loss = sum(w * out) with random w; step 1e-2, tolerance
 * 2e-3 relative to the largest gradient, float32 rounding dominating), and (2) the fast
 * backends (java, nd4j) against the reference (1e-5 absolute, 1e-4 for attention).
 */
class BackwardOpsTest {
    private static final JavaOps REF = new JavaOps(false, 1);
    private static final Ops JAVA = new JavaOps(true, 2);
    private static final Ops ND4J = Nd4jOps.create(2);
    private static final Ops OPENCL = Backends.create("opencl", 2);

    static Stream<Ops> fast() {
        return Stream.of(JAVA, ND4J, OPENCL);
    }

    @AfterAll
    static void close() {
        REF.close();
        JAVA.close();
        ND4J.close();
        OPENCL.close();
    }

    private static float[] get(Ops ops, Tensor t) {
        float[] h = new float[(int) t.size()];
        ops.download(t, h);
        return h;
    }

    private static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += (double) a[i] * b[i];
        return s;
    }

    /**
     * Checks analytic against numeric d(sum(w * f(x)))/dx for every element of x, where
     * forward(x) returns f(x) as host values.
     */
    private static void checkFiniteDifferences(String what, float[] x, float[] analytic,
                                               java.util.function.Function<float[], float[]> forward, float[] w) {
        double max = 0;
        for (float v : analytic) max = Math.max(max, Math.abs(v));
        float h = 1e-2f;
        for (int i = 0; i < x.length; i++) {
            float keep = x[i];
            x[i] = keep + h;
            double up = dot(forward.apply(x), w);
            x[i] = keep - h;
            double down = dot(forward.apply(x), w);
            x[i] = keep;
            double numeric = (up - down) / (2 * h);
            double err = Math.abs(numeric - analytic[i]);
            assertTrue(err <= 2e-3 * Math.max(1, max), what + "[" + i + "]: analytic " + analytic[i] + " numeric " + numeric);
        }
    }

    @Test
    void geluTanhAndLayerNormBackwardMatchFiniteDifferences() {
        int rows = 3, cols = 7;
        float[] x = random(rows * cols, 21, 2f), w = random(rows * cols, 22, 1f);
        float[] g = random(cols, 23, 1f), b = random(cols, 24, 1f);
        Tensor dOut = REF.upload(w, rows, cols);

        Tensor dx = REF.allocate(rows, cols);
        REF.geluBackward(REF.upload(x, rows, cols), dOut, dx);
        checkFiniteDifferences("gelu", x, get(REF, dx), v -> {
            Tensor t = REF.upload(v, rows, cols);
            REF.gelu(t, t);
            return get(REF, t);
        }, w);

        Tensor y = REF.upload(x, rows, cols);
        REF.tanh(y);
        REF.tanhBackward(y, dOut, dx);
        checkFiniteDifferences("tanh", x, get(REF, dx), v -> {
            Tensor t = REF.upload(v, rows, cols);
            REF.tanh(t);
            return get(REF, t);
        }, w);

        Tensor dg = REF.allocate(1, cols), db = REF.allocate(1, cols);
        REF.layerNormBackward(REF.upload(x, rows, cols), REF.upload(g, 1, cols), 1e-5f, dOut, dx, dg, db);
        java.util.function.BiFunction<float[], float[], float[]> ln = (xv, gv) -> {
            Tensor out = REF.allocate(rows, cols);
            REF.layerNorm(REF.upload(xv, rows, cols), REF.upload(gv, 1, cols), REF.upload(b, 1, cols), 1e-5f, out);
            return get(REF, out);
        };
        checkFiniteDifferences("layerNorm dx", x, get(REF, dx), v -> ln.apply(v, g), w);
        checkFiniteDifferences("layerNorm dgamma", g, get(REF, dg), v -> ln.apply(x, v), w);
    }

    @Test
    void linearAndAttentionBackwardMatchFiniteDifferences() {
        int rows = 4, in = 5, out = 3;
        float[] x = random(rows * in, 31, 1f), wt = random(out * in, 32, 1f), bias = random(out, 33, 1f);
        float[] w = random(rows * out, 34, 1f);
        Tensor dX = REF.allocate(rows, in), dW = REF.allocate(out, in), dB = REF.allocate(1, out);
        REF.linearBackward(REF.upload(x, rows, in), REF.upload(wt, out, in), REF.upload(w, rows, out), dX, false, dW, dB);
        java.util.function.BiFunction<float[], float[], float[]> lin = (xv, wv) -> {
            Tensor y = REF.allocate(rows, out);
            REF.linear(REF.upload(xv, rows, in), REF.upload(wv, out, in), REF.upload(bias, 1, out), y);
            return get(REF, y);
        };
        checkFiniteDifferences("linear dx", x, get(REF, dX), v -> lin.apply(v, wt), w);
        checkFiniteDifferences("linear dW", wt, get(REF, dW), v -> lin.apply(x, v), w);

        AttentionShape s = new AttentionShape(2, 5, 2, 3, 8);
        int n = s.batch() * s.seqLen(), h = s.hidden();
        float[] q = random(n * h, 35, 1f), k = random(n * h, 36, 1f), v = random(n * h, 37, 1f), wc = random(n * h, 38, 1f);
        float[] mask = new float[s.batch() * s.seqLen()];
        mask[s.seqLen() + 4] = -Float.MAX_VALUE;
        Dropout d = new Dropout(9, 0.1f, 0.3f, new int[] {3, 4}, new int[] {0, 0});
        Tensor probs = REF.allocate(s.batch() * s.heads() * s.seqLen(), s.seqLen()), ctx = REF.allocate(n, h);
        REF.attention(REF.upload(q, n, h), REF.upload(k, n, h), REF.upload(v, n, h), mask, s, d, 5, probs, ctx);
        Tensor dQ = REF.allocate(n, h), dK = REF.allocate(n, h), dV = REF.allocate(n, h);
        REF.attentionBackward(REF.upload(q, n, h), REF.upload(k, n, h), REF.upload(v, n, h), s, d, 5, probs,
                REF.upload(wc, n, h), dQ, dK, dV);
        java.util.function.Function<float[][], float[]> att = qkv -> {
            Tensor p = REF.allocate(s.batch() * s.heads() * s.seqLen(), s.seqLen()), c = REF.allocate(n, h);
            REF.attention(REF.upload(qkv[0], n, h), REF.upload(qkv[1], n, h), REF.upload(qkv[2], n, h), mask, s, d, 5, p, c);
            return get(REF, c);
        };
        checkFiniteDifferences("attention dq", q, get(REF, dQ), t -> att.apply(new float[][] {t, k, v}), wc);
        checkFiniteDifferences("attention dk", k, get(REF, dK), t -> att.apply(new float[][] {q, t, v}), wc);
        checkFiniteDifferences("attention dv", v, get(REF, dV), t -> att.apply(new float[][] {q, k, t}), wc);
    }

    /** Many rows scattering into the same few rows: the repeated indices must add up, not race. */
    @ParameterizedTest(name = "{0}", autoCloseArguments = false)
    @MethodSource("fast")
    void scatterAddWithManyRepeatedIndicesIsExact(Ops ops) {
        int rows = 4000, cols = 64;
        int[] idx = new int[rows];
        for (int r = 0; r < rows; r++) idx[r] = r % 3;
        float[] src = new float[rows * cols];
        java.util.Arrays.fill(src, 1f);
        Tensor dst = ops.allocate(3, cols);
        ops.scatterAddRows(ops.upload(src, rows, cols), idx, dst);
        float[] want = new float[3 * cols];
        for (int c = 0; c < cols; c++) {
            want[c] = 1334f;
            want[cols + c] = 1333f;
            want[2 * cols + c] = 1333f;
        }
        assertClose(want, get(ops, dst), 0, ops.name() + " scatter-add");
    }

    /** Runs the same backward on the reference and on ops; compares the named outputs. */
    private static void compare(Ops ops, String what, double tol, Consumer<Ops> run, java.util.function.Function<Ops, Tensor[]> outs) {
        Tensor[] r = outs.apply(REF), f = outs.apply(ops);
        run.accept(REF);
        run.accept(ops);
        for (int i = 0; i < r.length; i++) assertClose(get(REF, r[i]), get(ops, f[i]), tol, ops.name() + " " + what + " output " + i);
    }

    @ParameterizedTest(name = "{0}", autoCloseArguments = false)
    @MethodSource("fast")
    void backwardOpsMatchTheReference(Ops ops) {
        int rows = 9, cols = 13;
        float[] x = random(rows * cols, 41, 2f), dy = random(rows * cols, 42, 1f), g = random(cols, 43, 1f);
        java.util.Map<Ops, Tensor[]> bufs = new java.util.HashMap<>();
        java.util.function.Function<Ops, Tensor[]> alloc = o -> bufs.computeIfAbsent(o, k -> new Tensor[] {
                k.allocate(rows, cols), k.allocate(1, cols), k.allocate(1, cols)});
        compare(ops, "geluBackward", 1e-5, o -> o.geluBackward(o.upload(x, rows, cols), o.upload(dy, rows, cols), alloc.apply(o)[0]),
                o -> new Tensor[] {alloc.apply(o)[0]});
        compare(ops, "tanhBackward", 1e-5, o -> o.tanhBackward(o.upload(x, rows, cols), o.upload(dy, rows, cols), alloc.apply(o)[0]),
                o -> new Tensor[] {alloc.apply(o)[0]});
        compare(ops, "layerNormBackward", 1e-4, o -> o.layerNormBackward(o.upload(x, rows, cols), o.upload(g, 1, cols), 1e-12f,
                o.upload(dy, rows, cols), alloc.apply(o)[0], alloc.apply(o)[1], alloc.apply(o)[2]), alloc);
        bufs.clear();
        compare(ops, "sumRows", 1e-5, o -> o.sumRows(o.upload(x, rows, cols), alloc.apply(o)[1]), o -> new Tensor[] {alloc.apply(o)[1]});

        int vocab = 6, seq = 3;
        int[] ids = {1, 1, 5, 0, 1, 5, 2, 2, 2}, types = {0, 1, 1, 0, 0, 1, 1, 1, 0};
        java.util.Map<Ops, Tensor[]> emb = new java.util.HashMap<>();
        java.util.function.Function<Ops, Tensor[]> embBufs = o -> emb.computeIfAbsent(o, k -> new Tensor[] {
                k.allocate(vocab, cols), k.allocate(seq, cols), k.allocate(2, cols)});
        compare(ops, "embedBackward", 1e-5, o -> o.embedBackward(ids, types, seq, o.upload(dy, rows, cols),
                embBufs.apply(o)[0], embBufs.apply(o)[1], embBufs.apply(o)[2]), embBufs);
        java.util.Map<Ops, Tensor> sc = new java.util.HashMap<>();
        compare(ops, "scatterAddRows", 1e-5, o -> o.scatterAddRows(o.upload(dy, rows, cols), ids, sc.computeIfAbsent(o, k -> k.allocate(vocab, cols))),
                o -> new Tensor[] {sc.computeIfAbsent(o, k -> k.allocate(vocab, cols))});

        AttentionShape s = new AttentionShape(3, 6, 2, 4, 16);
        int n = s.batch() * s.seqLen(), h = s.hidden();
        float[] q = random(n * h, 44, 1f), k = random(n * h, 45, 1f), v = random(n * h, 46, 1f), dc = random(n * h, 47, 1f);
        float[] mask = new float[s.batch() * s.seqLen()];
        mask[s.seqLen() + 5] = -Float.MAX_VALUE;
        Dropout d = new Dropout(2, 0.1f, 0.25f, new int[] {0, 1, 2}, new int[] {1, 1, 1});
        java.util.Map<Ops, Tensor[]> at = new java.util.HashMap<>();
        java.util.function.Function<Ops, Tensor[]> atBufs = o -> at.computeIfAbsent(o, kk -> new Tensor[] {
                kk.allocate(n, h), kk.allocate(n, h), kk.allocate(n, h)});
        compare(ops, "attentionBackward", 1e-4, o -> {
            Tensor p = o.allocate(s.batch() * s.heads() * s.seqLen(), s.seqLen()), c = o.allocate(n, h);
            Tensor tq = o.upload(q, n, h), tk = o.upload(k, n, h), tv = o.upload(v, n, h);
            o.attention(tq, tk, tv, mask, s, d, 3, p, c);
            o.attentionBackward(tq, tk, tv, s, d, 3, p, o.upload(dc, n, h), atBufs.apply(o)[0], atBufs.apply(o)[1], atBufs.apply(o)[2]);
        }, atBufs);

        float[] p0 = random(rows * cols, 48, 1f), g0 = random(rows * cols, 49, 1f);
        java.util.Map<Ops, Tensor[]> ad = new java.util.HashMap<>();
        java.util.function.Function<Ops, Tensor[]> adBufs = o -> ad.computeIfAbsent(o, kk -> new Tensor[] {
                kk.upload(p0, rows, cols), kk.allocate(rows, cols), kk.allocate(rows, cols)});
        compare(ops, "adamW x3", 1e-6, o -> {
            Tensor[] t = adBufs.apply(o);
            for (int step = 1; step <= 3; step++) {
                o.adamW(t[0], o.upload(g0, rows, cols), t[1], t[2], new AdamW(1e-2f, 0.9f, 0.999f, 1e-8f, 0.01f, 0.5f, step));
            }
        }, adBufs);
        assertTrue(Math.abs(REF.sumSquares(REF.upload(x, rows, cols)) - ops.sumSquares(ops.upload(x, rows, cols)))
                < 1e-4 * REF.sumSquares(REF.upload(x, rows, cols)), "sumSquares");
    }
}
