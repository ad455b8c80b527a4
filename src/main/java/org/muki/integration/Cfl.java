package org.muki.integration;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import org.muki.model.HostTensor;
import org.muki.tensor.JavaOps;
import org.muki.tensor.Ops;
import org.muki.train.Losses;

/**
 * Common feature learning (Luo et al., IJCAI 2019) on pooled last hidden states, as the CFL
 * paper builds it: every network (the student and each teacher) has its own alignment layer
 * (Linear, ReLU) into a space of width k, followed by ONE extractor shared by all networks
 * (Linear, ReLU, Linear); the common features are L2-normalised and the student's are pulled
 * towards each teacher's by MMD; each teacher has a decoder (Linear, ReLU, Linear) that must
 * rebuild its pooled state from its common features, so the common space cannot forget the
 * teachers' knowledge (or collapse to a point, which would make every MMD zero).
 * <pre>
 *   L = KD + w sum_i [ MMD^2(z_s, z_i) + MSE(Dec_i(c_i), h_i) ]
 *   c_n = E(A_n(h_n)),  z_n = c_n / ||c_n||,  E shared, A_n and Dec_i per network
 *   MMD^2(X, Y) = max(0, mean k(X, X) + mean k(Y, Y) - 2 mean k(X, Y))       (biased; clamped)
 *   k(x, y) = sum_{c in 1/4, 1/2, 1, 2, 4} exp(-||x - y||^2 / (2 c sigma^2))
 * </pre>
 * with sigma^2 = 1 fixed (the features lie on the unit sphere). The maps train alongside the
 * student (AdamW); the MMD's gradient reaches the student, its alignment and the shared extractor
 * as well as the teacher side; the teachers themselves are frozen (their pooled states are
 * inputs). The weight w defaults to 0.001 ({@link Methods#defaultFeatureWeight}): measured on
 * the WordNet task, every larger weight cost the student accuracy against vanilla-kd (w = 0),
 * and w = 1, the CFL paper's plain sum, held it near chance (docs/method.md, "CFL").
 */
public final class Cfl implements FeatureMethod {
    private static final double[] BANDWIDTHS = {0.25, 0.5, 1, 2, 4};
    private static final double NORM_EPS = 1e-6;
    /**
     * The kernels' scale on the unit sphere (squared distances in [0, 4], 2 between orthogonal
     * points), fixed: a scale taken from the batch makes the MMD scale-free, and its gradient
     * grows as the features draw together (see the class comment).
     */
    static final double SIGMA2 = 1.0;

    private final VanillaKd kd;
    private final Dense studentAlign, shared1, shared2;
    private final List<Dense[]> teacherMaps = new ArrayList<>(); // per teacher: alignment, decoder 1, decoder 2
    private final int[] widths;
    private final int k;
    private final float weight;

    /** @param featureWeight the weight w of the feature terms: L = KD + w sum_i (MMD^2 + reconstruction); the spec's is 1 */
    public Cfl(int[] teacherWidths, int studentWidth, double temperature, double featureWeight, long seed) {
        this.weight = (float) featureWeight;
        this.kd = new VanillaKd(temperature);
        this.widths = teacherWidths.clone();
        this.k = Math.max(16, studentWidth / 4);
        Ops ops = new JavaOps(false, 1);
        SplittableRandom rng = new SplittableRandom(seed);
        studentAlign = new Dense(ops, "student.align", studentWidth, k, rng);
        shared1 = new Dense(ops, "shared.0", k, k, rng);
        shared2 = new Dense(ops, "shared.1", k, k, rng);
        for (int i = 0; i < teacherWidths.length; i++) {
            teacherMaps.add(new Dense[] {new Dense(ops, "teacher." + i + ".align", teacherWidths[i], k, rng),
                    new Dense(ops, "teacher." + i + ".dec.0", k, k, rng), new Dense(ops, "teacher." + i + ".dec.1", k, teacherWidths[i], rng)});
        }
    }

    @Override
    public String name() {
        return "cfl";
    }

    @Override
    public Losses.Result loss(float[] studentLogits, List<Instance> batch, LabelSpace space) {
        throw new UnsupportedOperationException("cfl needs hidden states");
    }

    /** One network's way into the common space: its alignment, then the shared extractor; every intermediate kept. */
    private record Common(float[] aligned, float[] sharedPre, float[] sharedAct, float[] c, float[] norms, float[] z) {}

    private Common common(Dense align, float[] h, int rows) {
        float[] aligned = relu(align.forward(h, rows));
        float[] pre = shared1.forward(aligned, rows), act = relu(pre.clone());
        float[] c = shared2.forward(act, rows);
        float[] norms = new float[rows], z = new float[c.length];
        for (int b = 0; b < rows; b++) {
            double s = 0;
            for (int j = 0; j < k; j++) s += (double) c[b * k + j] * c[b * k + j];
            norms[b] = (float) Math.max(Math.sqrt(s), NORM_EPS);
            for (int j = 0; j < k; j++) z[b * k + j] = c[b * k + j] / norms[b];
        }
        return new Common(aligned, pre, act, c, norms, z);
    }

    /** Backward of {@link #common} from dL/dc (the normalisation already undone): accumulates the maps' gradients, returns dL/dh. */
    private float[] commonBackward(Dense align, float[] h, Common f, float[] dC, int rows) {
        float[] dAct = shared2.backward(f.sharedAct(), dC, rows);
        reluBackward(f.sharedPre(), dAct);
        float[] dAligned = shared1.backward(f.aligned(), dAct, rows);
        reluBackward(f.aligned(), dAligned);
        return align.backward(h, dAligned, rows);
    }

    /** dL/dc from dL/dz for z = c / ||c||: (dz - z (z . dz)) / ||c||. */
    private float[] normalizeBackward(Common f, float[] dZ, int rows) {
        float[] dC = new float[dZ.length];
        for (int b = 0; b < rows; b++) {
            double dot = 0;
            for (int j = 0; j < k; j++) dot += (double) f.z()[b * k + j] * dZ[b * k + j];
            for (int j = 0; j < k; j++) dC[b * k + j] = (float) ((dZ[b * k + j] - f.z()[b * k + j] * dot) / f.norms()[b]);
        }
        return dC;
    }

    private static float[] relu(float[] x) {
        for (int i = 0; i < x.length; i++) x[i] = Math.max(0f, x[i]);
        return x;
    }

    /** Zeroes the gradient where the ReLU's output (or input) was not positive. */
    private static void reluBackward(float[] out, float[] grad) {
        for (int i = 0; i < grad.length; i++) if (out[i] <= 0f) grad[i] = 0f;
    }

    @Override
    public Result loss(float[] logits, float[] hs, List<Instance> batch, List<float[][]> teachers, LabelSpace space) {
        Losses.Result distill = kd.loss(logits, batch, space);
        int rows = batch.size();
        double features = 0;
        Common s = common(studentAlign, hs, rows);
        float[] dZs = new float[rows * k];
        for (int i = 0; i < teacherMaps.size(); i++) {
            Dense[] m = teacherMaps.get(i);
            int w = widths[i];
            float[] ht = new float[rows * w];
            for (int b = 0; b < rows; b++) System.arraycopy(teachers.get(b)[i], 0, ht, b * w, w);
            Common t = common(m[0], ht, rows);
            float[] dZt = new float[rows * k];
            features += mmd(s.z(), t.z(), rows, dZs, dZt, SIGMA2);
            // Reconstruction of the teacher's pooled state from its (unnormalised) common features.
            float[] decPre = m[1].forward(t.c(), rows), decAct = relu(decPre.clone());
            float[] recon = m[2].forward(decAct, rows), dRecon = new float[recon.length];
            features += Dense.mse(recon, ht, dRecon);
            Dfa.scale(dRecon, weight);
            Dfa.scale(dZt, weight);
            float[] dDecAct = m[2].backward(decAct, dRecon, rows);
            reluBackward(decPre, dDecAct);
            float[] dC = m[1].backward(t.c(), dDecAct, rows);
            float[] dCmmd = normalizeBackward(t, dZt, rows);
            for (int j = 0; j < dC.length; j++) dC[j] += dCmmd[j];
            commonBackward(m[0], ht, t, dC, rows);
        }
        Dfa.scale(dZs, weight);
        float[] dHs = commonBackward(studentAlign, hs, s, normalizeBackward(s, dZs, rows), rows);
        return new Result(distill.loss() + weight * features, distill.dLogits(), dHs);
    }

    private float[][] points(float[] x, float[] y, int rows) {
        float[][] p = new float[2 * rows][];
        for (int b = 0; b < rows; b++) {
            p[b] = java.util.Arrays.copyOfRange(x, b * k, (b + 1) * k);
            p[rows + b] = java.util.Arrays.copyOfRange(y, b * k, (b + 1) * k);
        }
        return p;
    }

    /** Biased MMD^2 (clamped at 0) between the rows of x and y ([rows, k] each) at scale sigma2; adds its gradients into dx and dy. */
    double mmd(float[] x, float[] y, int rows, float[] dx, float[] dy, double sigma2) {
        float[][] p = points(x, y, rows);
        double total = 0, n2 = (double) rows * rows;
        float[][] grad = new float[p.length][k];
        for (int a = 0; a < p.length; a++) {
            for (int b = 0; b < p.length; b++) {
                // +1 within X or within Y, -1 across: every ordered pair once gives the -2 mean k(X, Y)
                double sign = (a < rows) == (b < rows) ? 1 : -1;
                double d2 = dist2(p[a], p[b]), kv = 0, dk = 0;
                for (double c : BANDWIDTHS) {
                    double e = Math.exp(-d2 / (2 * c * sigma2));
                    kv += e;
                    dk += e * (-1 / (c * sigma2)); // d k / d p_a = dk (p_a - p_b)
                }
                total += sign * kv / n2;
                // p_a appears in (a, b) and in (b, a): twice the one-sided derivative
                for (int j = 0; j < k; j++) grad[a][j] += (float) (2 * sign * dk * (p[a][j] - p[b][j]) / n2);
            }
        }
        if (total <= 0) return 0; // clamped: no gradient
        for (int b = 0; b < rows; b++) {
            for (int j = 0; j < k; j++) {
                dx[b * k + j] += grad[b][j];
                dy[b * k + j] += grad[rows + b][j];
            }
        }
        return total;
    }

    private static double dist2(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            double d = a[i] - b[i];
            s += d * d;
        }
        return s;
    }

    private List<Dense> maps() {
        List<Dense> all = new ArrayList<>(List.of(studentAlign, shared1, shared2));
        for (Dense[] m : teacherMaps) all.addAll(List.of(m));
        return all;
    }

    @Override
    public void update(float lr, int step) {
        for (Dense d : maps()) d.update(lr, step);
    }

    @Override
    public Map<String, HostTensor> state() {
        Map<String, HostTensor> s = new LinkedHashMap<>();
        for (Dense d : maps()) d.save(s);
        return s;
    }

    @Override
    public void restore(Map<String, HostTensor> state) {
        for (Dense d : maps()) d.restore(state);
    }
}
