package org.muki.integration;

import java.util.Map;
import java.util.SplittableRandom;

import org.muki.model.HostTensor;
import org.muki.tensor.AdamW;
import org.muki.tensor.Ops;
import org.muki.tensor.Tensor;

/** A trainable y = x W^T + b of a feature method, on the Java backend, with its AdamW state. */
final class Dense {
    final String name;
    final int in, out;
    private final Ops ops;
    private final Tensor w, b, gw, gb, mw, vw, mb, vb;

    Dense(Ops ops, String name, int in, int out, SplittableRandom rng) {
        this.ops = ops;
        this.name = name;
        this.in = in;
        this.out = out;
        float[] init = new float[out * in];
        double scale = 1.0 / Math.sqrt(in);
        for (int i = 0; i < init.length; i++) init[i] = (float) ((rng.nextDouble() * 2 - 1) * scale);
        w = ops.upload(init, out, in);
        b = ops.allocate(1, out);
        gw = ops.allocate(out, in);
        gb = ops.allocate(1, out);
        mw = ops.allocate(out, in);
        vw = ops.allocate(out, in);
        mb = ops.allocate(1, out);
        vb = ops.allocate(1, out);
    }

    /** y = x W^T + b for x of `rows` rows. */
    float[] forward(float[] x, int rows) {
        Tensor input = ops.upload(x, rows, in), y = ops.allocate(rows, out);
        ops.linear(input, w, b, y);
        float[] result = host(y);
        ops.release(input);
        ops.release(y);
        return result;
    }

    /** Accumulates dW, db and returns dX. */
    float[] backward(float[] x, float[] dY, int rows) {
        Tensor input = ops.upload(x, rows, in), dOut = ops.upload(dY, rows, out), dX = ops.allocate(rows, in);
        ops.linearBackward(input, w, dOut, dX, false, gw, gb);
        float[] result = host(dX);
        for (Tensor t : new Tensor[] {input, dOut, dX}) ops.release(t);
        return result;
    }

    void update(float lr, int step) {
        AdamW a = new AdamW(lr, 0.9f, 0.999f, 1e-8f, 0f, 1f, step);
        ops.adamW(w, gw, mw, vw, a);
        ops.adamW(b, gb, mb, vb, a);
        ops.zero(gw);
        ops.zero(gb);
    }

    void save(Map<String, HostTensor> into) {
        into.put(name + ".weight", new HostTensor(host(w), new int[] {out, in}));
        into.put(name + ".bias", new HostTensor(host(b), new int[] {out}));
        into.put(name + ".weight.m", new HostTensor(host(mw), new int[] {out, in}));
        into.put(name + ".weight.v", new HostTensor(host(vw), new int[] {out, in}));
        into.put(name + ".bias.m", new HostTensor(host(mb), new int[] {out}));
        into.put(name + ".bias.v", new HostTensor(host(vb), new int[] {out}));
    }

    void restore(Map<String, HostTensor> from) {
        ops.write(from.get(name + ".weight").data(), w);
        ops.write(from.get(name + ".bias").data(), b);
        ops.write(from.get(name + ".weight.m").data(), mw);
        ops.write(from.get(name + ".weight.v").data(), vw);
        ops.write(from.get(name + ".bias.m").data(), mb);
        ops.write(from.get(name + ".bias.v").data(), vb);
    }

    private float[] host(Tensor t) {
        float[] h = new float[(int) t.size()];
        ops.download(t, h);
        return h;
    }

    /** Mean squared error of a against target, and its gradient 2 (a - target) / n into grad. */
    static double mse(float[] a, float[] target, float[] grad) {
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            double d = a[i] - target[i];
            sum += d * d;
            grad[i] = (float) (2 * d / a.length);
        }
        return sum / a.length;
    }
}
