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
 * Data-free feature amalgamation in the spirit of Shen et al. (AAAI 2019), as the spec defines
 * it: Vanilla KD plus, on the pooled last hidden states h_t_i of the teachers and h_s of the
 * student,
 * <pre>
 *   rep  = Enc_t(concat_i h_t_i)
 *   L    = KD + sum_i MSE(Dec_t,i(rep), h_t_i) + MSE(Enc_s(h_s), stopgrad(rep))
 * </pre>
 * with Enc_t, Dec_t and Enc_s linear maps, all three trained (the reference code left their
 * weights out of its optimiser; this does not). rep has the student's width. The feature terms
 * carry a weight w (default 1, the spec's plain sum).
 */
public final class Dfa implements FeatureMethod {
    private final VanillaKd kd;
    private final Dense encT, encS;
    private final List<Dense> decT = new ArrayList<>();
    private final int[] teacherWidths;
    private final float weight;

    /** @param featureWeight the weight w of the feature terms: L = KD + w (reconstruction + feature); the spec's is 1 */
    public Dfa(int[] teacherWidths, int studentWidth, double temperature, double featureWeight, long seed) {
        this.weight = (float) featureWeight;
        this.kd = new VanillaKd(temperature);
        this.teacherWidths = teacherWidths.clone();
        Ops ops = new JavaOps(false, 1);
        SplittableRandom rng = new SplittableRandom(seed);
        int total = 0;
        for (int w : teacherWidths) total += w;
        encT = new Dense(ops, "enc_t", total, studentWidth, rng);
        for (int i = 0; i < teacherWidths.length; i++) decT.add(new Dense(ops, "dec_t." + i, studentWidth, teacherWidths[i], rng));
        encS = new Dense(ops, "enc_s", studentWidth, studentWidth, rng);
    }

    @Override
    public String name() {
        return "dfa";
    }

    @Override
    public Losses.Result loss(float[] studentLogits, List<Instance> batch, LabelSpace space) {
        throw new UnsupportedOperationException("dfa needs hidden states");
    }

    @Override
    public Result loss(float[] logits, float[] hs, List<Instance> batch, List<float[][]> teachers, LabelSpace space) {
        Losses.Result distill = kd.loss(logits, batch, space);
        int rows = batch.size(), d = encS.out;
        float[] ht = new float[rows * encT.in];
        for (int b = 0; b < rows; b++) {
            int at = b * encT.in;
            for (float[] h : teachers.get(b)) {
                System.arraycopy(h, 0, ht, at, h.length);
                at += h.length;
            }
        }
        float[] rep = encT.forward(ht, rows);
        float[] dRep = new float[rows * d];
        double features = 0;
        for (int i = 0; i < decT.size(); i++) {
            int w = teacherWidths[i];
            float[] target = new float[rows * w];
            for (int b = 0; b < rows; b++) System.arraycopy(teachers.get(b)[i], 0, target, b * w, w);
            float[] recon = decT.get(i).forward(rep, rows), dRecon = new float[recon.length];
            features += Dense.mse(recon, target, dRecon);
            scale(dRecon, weight);
            float[] back = decT.get(i).backward(rep, dRecon, rows);
            for (int k = 0; k < back.length; k++) dRep[k] += back[k];
        }
        encT.backward(ht, dRep, rows);
        float[] rs = encS.forward(hs, rows), dRs = new float[rs.length];
        features += Dense.mse(rs, rep, dRs); // rep is a constant here: stopgrad
        scale(dRs, weight);
        float[] dHs = encS.backward(hs, dRs, rows);
        return new Result(distill.loss() + weight * features, distill.dLogits(), dHs);
    }

    @Override
    public void update(float lr, int step) {
        encT.update(lr, step);
        encS.update(lr, step);
        for (Dense dense : decT) dense.update(lr, step);
    }

    @Override
    public Map<String, HostTensor> state() {
        Map<String, HostTensor> s = new LinkedHashMap<>();
        encT.save(s);
        encS.save(s);
        for (Dense dense : decT) dense.save(s);
        return s;
    }

    @Override
    public void restore(Map<String, HostTensor> state) {
        encT.restore(state);
        encS.restore(state);
        for (Dense dense : decT) dense.restore(state);
    }

    static void scale(float[] v, float w) {
        for (int i = 0; i < v.length; i++) v[i] *= w;
    }
}
