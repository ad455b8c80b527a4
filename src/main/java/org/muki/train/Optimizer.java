package org.muki.train;

import java.util.LinkedHashMap;
import java.util.Map;

import org.muki.model.HostTensor;
import org.muki.tensor.AdamW;
import org.muki.tensor.Finite;
import org.muki.tensor.Ops;
import org.muki.tensor.Tensor;

/**
 * AdamW over a model's parameters with bias correction; no weight decay on biases and
 * LayerNorm weights (as Hugging Face's examples); gradients clipped by their global L2 norm.
 */
public final class Optimizer {
    private final Ops ops;
    private final Map<String, Tensor> params, grads;
    private final Map<String, Tensor> m = new LinkedHashMap<>(), v = new LinkedHashMap<>();
    private final float beta1, beta2, eps, weightDecay, clipNorm;
    private int step;

    public Optimizer(Ops ops, Map<String, Tensor> params, Map<String, Tensor> grads, float beta1, float beta2, float eps,
                     float weightDecay, float clipNorm) {
        this.ops = ops;
        this.params = params;
        this.grads = grads;
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
        this.clipNorm = clipNorm;
        for (var e : params.entrySet()) {
            m.put(e.getKey(), ops.allocate(e.getValue().rows(), e.getValue().cols()));
            v.put(e.getKey(), ops.allocate(e.getValue().rows(), e.getValue().cols()));
        }
    }

    static boolean decays(String name) {
        return !(name.endsWith(".bias") || name.contains("LayerNorm"));
    }

    /** The gradients' global L2 norm. */
    public double gradNorm() {
        double sq = 0;
        for (Tensor g : grads.values()) sq += ops.sumSquares(g);
        return Math.sqrt(sq);
    }

    /** "the gradient of NAME holds NaN (sum of squares ...)" for the first such parameter, or null. */
    public String nonFiniteGradient() {
        for (var e : grads.entrySet()) {
            double sq = ops.sumSquares(e.getValue());
            if (!Double.isFinite(sq)) {
                float[] h = new float[(int) e.getValue().size()];
                ops.download(e.getValue(), h);
                int i = Finite.firstNonFinite(h);
                if (i >= 0) return "the gradient of '" + e.getKey() + "' holds " + h[i] + " at element " + i;
                return "the gradient of '" + e.getKey() + "' overflows (sum of squares " + sq + ")";
            }
        }
        return null;
    }

    /**
     * One update at learning rate lr; returns the gradient norm before clipping. A non-finite
     * norm is returned without touching the parameters (see {@link #nonFiniteGradient}).
     */
    public double step(float lr) {
        double norm = gradNorm();
        if (!Double.isFinite(norm)) return norm;
        float scale = clipNorm > 0 && norm > clipNorm ? (float) (clipNorm / (norm + 1e-6)) : 1f;
        step++;
        AdamW a = new AdamW(lr, beta1, beta2, eps, weightDecay, scale, step);
        for (var e : params.entrySet()) {
            String n = e.getKey();
            ops.adamW(e.getValue(), grads.get(n), m.get(n), v.get(n), decays(n) ? a : a.withoutDecay());
        }
        return norm;
    }

    public int stepCount() {
        return step;
    }

    /** The moment estimates, named m.PARAM and v.PARAM, for a checkpoint. */
    public Map<String, HostTensor> state() {
        Map<String, HostTensor> out = new LinkedHashMap<>();
        for (var e : m.entrySet()) out.put("m." + e.getKey(), host(e.getValue()));
        for (var e : v.entrySet()) out.put("v." + e.getKey(), host(e.getValue()));
        return out;
    }

    private HostTensor host(Tensor t) {
        float[] h = new float[(int) t.size()];
        ops.download(t, h);
        return new HostTensor(h, new int[] {t.rows(), t.cols()});
    }

    /** Restores the moments and the step count of a checkpoint. */
    public void restore(Map<String, HostTensor> state, int stepCount) {
        for (var e : m.entrySet()) ops.write(state.get("m." + e.getKey()).data(), e.getValue());
        for (var e : v.entrySet()) ops.write(state.get("v." + e.getKey()).data(), e.getValue());
        this.step = stepCount;
    }
}
