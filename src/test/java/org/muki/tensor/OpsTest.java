package org.muki.tensor;

import static org.muki.TestSupport.assertClose;
import static org.muki.TestSupport.random;

import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every op of the fast backends (java with the Vector API, nd4j) against the scalar reference
 * (java-scalar) on odd shapes. Tolerances: 2e-5 relative to the operands' scale for GEMM sums of
 * up to a few hundred terms, 1e-5 for element-wise ops.
 */
class OpsTest {
    private static final Ops REFERENCE = new JavaOps(false, 2);
    private static final Ops JAVA = new JavaOps(true, 2);
    private static final Ops ND4J = Nd4jOps.create(2);
    private static final Ops OPENCL = Backends.create("opencl", 2);

    static Stream<Ops> fast() {
        return Stream.of(JAVA, ND4J, OPENCL);
    }

    static Stream<Ops> all() {
        return Stream.of(REFERENCE, JAVA, ND4J, OPENCL);
    }

    @AfterAll
    static void close() {
        REFERENCE.close();
        JAVA.close();
        ND4J.close();
        OPENCL.close();
    }

    private static float[] get(Ops ops, Tensor t) {
        float[] h = new float[(int) t.size()];
        ops.download(t, h);
        return h;
    }

    static Stream<Arguments> gemmCases() {
        Stream.Builder<Arguments> b = Stream.builder();
        // {m, n, k}: partial and whole 12-row blocks and 32-column panels, odd k (the packed zero
        // step), and k = 1025 in three slices of 512 with n = 600 in two groups of panels.
        int[][] shapes = {{1, 1, 1}, {5, 7, 3}, {4, 64, 16}, {9, 128, 33}, {37, 65, 129}, {130, 33, 70}, {3, 200, 1},
                {24, 96, 7}, {25, 600, 1025}};
        for (Ops ops : new Ops[] {JAVA, ND4J, OPENCL}) {
            for (int[] s : shapes) {
                for (int t = 0; t < 4; t++) b.add(Arguments.of(ops, s[0], s[1], s[2], (t & 1) != 0, (t & 2) != 0));
            }
        }
        return b.build();
    }

    @ParameterizedTest(name = "{0} gemm m={1} n={2} k={3} transA={4} transB={5}", autoCloseArguments = false)
    @MethodSource("gemmCases")
    void gemmMatchesReference(Ops ops, int m, int n, int k, boolean ta, boolean tb) {
        float[] a = random(m * k, 1, 1f), bm = random(k * n, 2, 1f), c0 = random(m * n, 3, 1f);
        for (float beta : new float[] {0f, 0.5f}) {
            Tensor ra = REFERENCE.upload(a, ta ? k : m, ta ? m : k), rb = REFERENCE.upload(bm, tb ? n : k, tb ? k : n);
            Tensor rc = REFERENCE.upload(c0, m, n);
            REFERENCE.gemm(ra, ta, rb, tb, rc, beta);
            Tensor fa = ops.upload(a, ta ? k : m, ta ? m : k), fb = ops.upload(bm, tb ? n : k, tb ? k : n);
            Tensor fc = ops.upload(c0, m, n);
            ops.gemm(fa, ta, fb, tb, fc, beta);
            assertClose(get(REFERENCE, rc), get(ops, fc), 2e-5 * Math.max(1, k), ops.name() + " gemm beta " + beta);
        }
    }

    @ParameterizedTest(name = "{0}", autoCloseArguments = false)
    @MethodSource("fast")
    void elementwiseOpsMatchReference(Ops ops) {
        int rows = 13, cols = 37;
        float[] x = random(rows * cols, 4, 3f), y = random(rows * cols, 5, 1f), bias = random(cols, 6, 1f);
        float[] g = random(cols, 7, 1f), be = random(cols, 8, 1f);
        for (String op : new String[] {"addBias", "add", "gelu", "tanh", "layerNorm"}) {
            float[][] results = new float[2][];
            Ops[] both = {REFERENCE, ops};
            for (int i = 0; i < 2; i++) {
                Ops o = both[i];
                Tensor tx = o.upload(x, rows, cols), out = o.allocate(rows, cols);
                switch (op) {
                    case "addBias" -> o.addBias(tx, o.upload(bias, 1, cols));
                    case "add" -> o.add(tx, o.upload(y, rows, cols));
                    case "gelu" -> o.gelu(tx, tx);
                    case "tanh" -> o.tanh(tx);
                    default -> o.layerNorm(tx, o.upload(g, 1, cols), o.upload(be, 1, cols), 1e-12f, out);
                }
                results[i] = get(o, op.equals("layerNorm") ? out : tx);
            }
            assertClose(results[0], results[1], 1e-5, ops.name() + " " + op);
        }
    }

    @ParameterizedTest(name = "{0}", autoCloseArguments = false)
    @MethodSource("fast")
    void linearAndLinearGeluMatchTheComposedReference(Ops ops) {
        // rows not a multiple of the fused linear's 16-row chunks or of 4; widths with partial vectors
        for (int[] s : new int[][] {{37, 70, 33}, {1, 64, 5}, {50, 128, 16}}) {
            int rows = s[0], out = s[1], in = s[2];
            float[] x = random(rows * in, 11, 1f), w = random(out * in, 12, 0.5f), bias = random(out, 13, 1f);
            float[][] pre = new float[2][], act = new float[2][], plain = new float[2][];
            Ops[] both = {REFERENCE, ops};
            for (int i = 0; i < 2; i++) {
                Ops o = both[i];
                Tensor tx = o.upload(x, rows, in), tw = o.upload(w, out, in), tb = o.upload(bias, 1, out);
                Tensor y = o.allocate(rows, out), p = o.allocate(rows, out), a = o.allocate(rows, out);
                o.linear(tx, tw, tb, y);
                o.linearGelu(tx, tw, tb, p, a);
                plain[i] = get(o, y);
                pre[i] = get(o, p);
                act[i] = get(o, a);
            }
            String at = ops.name() + " " + rows + "x" + in + " -> " + out;
            assertClose(plain[0], plain[1], 2e-5 * in, at + " linear");
            assertClose(pre[0], pre[1], 2e-5 * in, at + " linearGelu pre-activation");
            assertClose(act[0], act[1], 2e-5 * in, at + " linearGelu activation");
        }
    }

    @ParameterizedTest(name = "{0}", autoCloseArguments = false)
    @MethodSource("all")
    void linearAddNormIsProjectionDropoutResidualAndLayerNorm(Ops ops) {
        // 35 rows (7 instances of 5 tokens): no multiple of the 16-row chunks; width 40 has a
        // partial vector; with and without dropout.
        int tokens = 5, instances = 7, rows = tokens * instances, in = 33, out = 40;
        float[] x = random(rows * in, 21, 1f), w = random(out * in, 22, 0.5f), bias = random(out, 23, 1f);
        float[] res = random(rows * out, 24, 2f), g = random(out, 25, 1f), be = random(out, 26, 1f);
        Dropout masks = new Dropout(9, 0.3f, 0.1f, new int[] {4, -8, 9, 10, 11, 12, 1 << 30}, new int[] {0, 1, 2, 0, 1, 2, 3});
        for (Dropout d : new Dropout[] {null, masks}) {
            float[][] sum = new float[2][], norm = new float[2][];
            for (int i = 0; i < 2; i++) {
                Ops o = i == 0 ? REFERENCE : ops;
                Tensor tx = o.upload(x, rows, in), tw = o.upload(w, out, in), tb = o.upload(bias, 1, out);
                Tensor tr = o.upload(res, rows, out), tg = o.upload(g, 1, out), tbe = o.upload(be, 1, out);
                Tensor ts = o.allocate(rows, out), tn = o.allocate(rows, out);
                if (i == 0) { // the composition, spelled out
                    o.linear(tx, tw, tb, ts);
                    if (d != null) o.dropout(ts, d, 11, tokens);
                    o.add(ts, tr);
                    o.layerNorm(ts, tg, tbe, 1e-12f, tn);
                } else {
                    o.linearAddNorm(tx, tw, tb, d, 11, tokens, tr, tg, tbe, 1e-12f, ts, tn);
                }
                sum[i] = get(o, ts);
                norm[i] = get(o, tn);
            }
            String at = ops.name() + (d == null ? "" : " with dropout");
            assertClose(sum[0], sum[1], 2e-5 * in, at + " sum");
            assertClose(norm[0], norm[1], 2e-4, at + " LayerNorm");
        }
    }

    @Test
    void fusedLinearAddNormEqualsTheJavaCompositionBitForBit() {
        int rows = 55, in = 64, out = 48; // 5 instances of 11 tokens
        float[] x = random(rows * in, 31, 1f), w = random(out * in, 32, 0.5f), bias = random(out, 33, 1f);
        float[] res = random(rows * out, 34, 2f), g = random(out, 35, 1f), be = random(out, 36, 1f);
        Dropout d = new Dropout(3, 0.2f, 0.1f, new int[] {5, 6, 7, 8, 9}, new int[] {0, 1, 2, 3, 4});
        Tensor tx = JAVA.upload(x, rows, in), tw = JAVA.upload(w, out, in), tb = JAVA.upload(bias, 1, out);
        Tensor tr = JAVA.upload(res, rows, out), tg = JAVA.upload(g, 1, out), tbe = JAVA.upload(be, 1, out);
        Tensor composed = JAVA.allocate(rows, out), composedNorm = JAVA.allocate(rows, out);
        Tensor fused = JAVA.allocate(rows, out), fusedNorm = JAVA.allocate(rows, out);
        JAVA.linear(tx, tw, tb, composed);
        JAVA.dropout(composed, d, 19, 11);
        JAVA.add(composed, tr);
        JAVA.layerNorm(composed, tg, tbe, 1e-12f, composedNorm);
        JAVA.linearAddNorm(tx, tw, tb, d, 19, 11, tr, tg, tbe, 1e-12f, fused, fusedNorm);
        org.junit.jupiter.api.Assertions.assertArrayEquals(get(JAVA, composed), get(JAVA, fused));
        org.junit.jupiter.api.Assertions.assertArrayEquals(get(JAVA, composedNorm), get(JAVA, fusedNorm));
    }

    @Test
    void geluIsTheErfForm() {
        // Phi(1) = 0.841344746..., so gelu(1) = 0.8413447; the tanh approximation gives 0.8411920.
        Tensor t = REFERENCE.upload(new float[] {1f, -1f, 0f, 3f}, 1, 4);
        REFERENCE.gelu(t, t);
        assertClose(new float[] {0.8413447f, -0.15865525f, 0f, 2.9959502f}, get(REFERENCE, t), 2e-7, "gelu");
    }

    @ParameterizedTest(name = "{0}", autoCloseArguments = false)
    @MethodSource("fast")
    void embedGatherAndDropoutMatchReference(Ops ops) {
        int vocab = 11, h = 20, t = 5, b = 3;
        float[] w = random(vocab * h, 9, 1f), p = random(8 * h, 10, 1f), ty = random(2 * h, 11, 1f);
        int[] ids = new int[b * t], types = new int[b * t];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = (i * 7) % vocab;
            types[i] = i % 3 == 0 ? 1 : 0;
        }
        int[] rows = {14, 0, 3, 3, 9};
        Dropout d = new Dropout(5, 0.3f, 0.2f, new int[] {4, 8, 9}, new int[] {0, 1, 2});
        float[][] out = new float[2][];
        float[][] gathered = new float[2][];
        Ops[] both = {REFERENCE, ops};
        for (int i = 0; i < 2; i++) {
            Ops o = both[i];
            Tensor e = o.allocate(b * t, h);
            o.embed(ids, types, t, o.upload(w, vocab, h), o.upload(p, 8, h), o.upload(ty, 2, h), e);
            Tensor g = o.allocate(rows.length, h);
            o.gatherRows(e, rows, g);
            gathered[i] = get(o, g);
            o.dropout(e, d, 17, t);
            out[i] = get(o, e);
        }
        assertClose(gathered[0], gathered[1], 1e-6, ops.name() + " embed + gather");
        assertClose(out[0], out[1], 1e-6, ops.name() + " embed + dropout");
    }

    @ParameterizedTest(name = "{0}", autoCloseArguments = false)
    @MethodSource("fast")
    void dropoutMasksEqualPhiloxElementByElement(Ops ops) {
        // A seed with a high word, negative instance keys and a width that is not a multiple of 4.
        int w = 37, tokens = 9;
        Dropout d = new Dropout(0x1234_5678_9ABC_DEF0L, 0.25f, 0f, new int[] {-7, 3, Integer.MAX_VALUE}, new int[] {5, 0, 15});
        float[] ones = new float[d.rows() * tokens * w];
        java.util.Arrays.fill(ones, 1f);
        Tensor x = ops.upload(ones, d.rows() * tokens, w);
        ops.dropout(x, d, Dropout.siteCode(3, Dropout.SITE_FFN_OUTPUT), tokens);
        float[] expected = new float[ones.length];
        for (int r = 0; r < d.rows(); r++) {
            d.fill(r, Dropout.siteCode(3, Dropout.SITE_FFN_OUTPUT), 0.25f, 0, tokens * w, expected, r * tokens * w);
        }
        org.junit.jupiter.api.Assertions.assertArrayEquals(expected, get(ops, x), ops.name() + " dropout mask");
    }

    @ParameterizedTest(name = "{0}", autoCloseArguments = false)
    @MethodSource("fast")
    void attentionMatchesReferenceWithMaskAndDropout(Ops ops) {
        for (int t : new int[] {1, 7, 33}) {
            AttentionShape s = new AttentionShape(3, t, 3, 12, 64);
            int rows = s.batch() * t, h = s.hidden();
            float[] q = random(rows * h, 12, 1f), k = random(rows * h, 13, 1f), v = random(rows * h, 14, 1f);
            float[] mask = new float[s.batch() * t];
            for (int j = 0; j < t; j++) if (j > t / 2 + 1) mask[t + j] = -Float.MAX_VALUE; // row 1 is padded
            for (Dropout d : new Dropout[] {null, new Dropout(3, 0.1f, 0.3f, new int[] {0, 1, 2}, new int[] {2, 1, 0})}) {
                float[][] probs = new float[2][], ctx = new float[2][];
                Ops[] both = {REFERENCE, ops};
                for (int i = 0; i < 2; i++) {
                    Ops o = both[i];
                    Tensor p = o.allocate(s.batch() * s.heads() * t, t), c = o.allocate(rows, h);
                    o.attention(o.upload(q, rows, h), o.upload(k, rows, h), o.upload(v, rows, h), mask, s, d, 9, p, c);
                    probs[i] = get(o, p);
                    ctx[i] = get(o, c);
                }
                String what = ops.name() + " attention t=" + t + (d == null ? "" : " with dropout");
                assertClose(probs[0], probs[1], 1e-5, what + " probs");
                assertClose(ctx[0], ctx[1], 1e-4, what + " context");
            }
        }
    }

    /**
     * With fewer queries (the first positions of each row), every backend gives exactly those
     * rows of its own full attention: the same probabilities, dropout and context.
     */
    @ParameterizedTest(name = "{0}", autoCloseArguments = false)
    @MethodSource("all")
    void attentionOnTheFirstQueriesIsThoseRowsOfTheFullAttention(Ops ops) {
        int t = 19, batch = 3;
        AttentionShape full = new AttentionShape(batch, t, 3, 12, 64);
        int h = full.hidden(), rows = batch * t;
        float[] q = random(rows * h, 22, 1f), k = random(rows * h, 23, 1f), v = random(rows * h, 24, 1f);
        float[] mask = new float[batch * t];
        for (int j = 11; j < t; j++) mask[2 * t + j] = -Float.MAX_VALUE; // row 2 is padded
        Dropout d = new Dropout(5, 0.1f, 0.3f, new int[] {4, 5, 6}, new int[] {0, 1, 2});
        Tensor p = ops.allocate(batch * full.heads() * t, t), c = ops.allocate(rows, h);
        ops.attention(ops.upload(q, rows, h), ops.upload(k, rows, h), ops.upload(v, rows, h), mask, full, d, 9, p, c);
        float[] allProbs = get(ops, p), allCtx = get(ops, c);
        for (int nq : new int[] {1, 4}) {
            AttentionShape s = new AttentionShape(batch, t, 3, 12, 64, nq);
            float[] firstQ = new float[batch * nq * h], wantCtx = new float[batch * nq * h];
            float[] wantProbs = new float[batch * full.heads() * nq * t];
            for (int n = 0; n < batch; n++) {
                System.arraycopy(q, n * t * h, firstQ, n * nq * h, nq * h);
                System.arraycopy(allCtx, n * t * h, wantCtx, n * nq * h, nq * h);
                for (int head = 0; head < full.heads(); head++) {
                    int nh = n * full.heads() + head;
                    System.arraycopy(allProbs, nh * t * t, wantProbs, nh * nq * t, nq * t);
                }
            }
            Tensor p1 = ops.allocate(batch * full.heads() * nq, t), c1 = ops.allocate(batch * nq, h);
            ops.attention(ops.upload(firstQ, batch * nq, h), ops.upload(k, rows, h), ops.upload(v, rows, h), mask, s, d, 9, p1, c1);
            assertClose(wantProbs, get(ops, p1), 1e-6, ops.name() + " probs of the first " + nq + " queries");
            assertClose(wantCtx, get(ops, c1), 1e-5, ops.name() + " context of the first " + nq + " queries");
        }
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new AttentionShape(batch, t, 3, 12, 64, t + 1), "more queries than positions");
    }
}
