package org.muki.integration;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;


import org.muki.data.Example;
import org.muki.io.Json;
import org.muki.model.Batch;
import org.muki.model.BertModel;
import org.muki.tensor.Finite;
import org.muki.tensor.Ops;

/**
 * Scores every instance with every teacher: the deterministic logits, K Monte-Carlo dropout
 * passes folded into the batch (every dropout site on), their mean probabilities, and the
 * normalised uncertainty of the MC mean and of the deterministic pass. Instances are processed a
 * window of batches at a time and written as they are scored, so memory does not grow with the
 * data.
 * Dropout masks are keyed by a hash of the instance id, so an instance gets the same masks
 * wherever it sits in the file.
 */
public final class McScorer {
    static final int WINDOW_BATCHES = 50;

    private final List<Teacher> teachers;
    private final List<BertModel> models = new ArrayList<>();
    private final int samples, maxLength, batchSize;
    private final long seed;
    private final float[] hiddenP, attentionP;

    public McScorer(List<Teacher> teachers, Ops ops, int samples, long seed, float[] hiddenP, float[] attentionP, int maxLength,
                    int batchSize) {
        this.teachers = teachers;
        for (Teacher t : teachers) models.add(new BertModel(t.checkpoint().config(), t.checkpoint().weights(), ops));
        this.samples = samples;
        this.seed = seed;
        this.hiddenP = hiddenP;
        this.attentionP = attentionP;
        this.maxLength = maxLength;
        this.batchSize = batchSize;
    }

    private long truncated;

    /** (instance, teacher) pairs whose text lost word pieces to the length limit so far. */
    public long truncated() {
        return truncated;
    }

    /** A 32-bit key of an instance id (Java's String hash, mixed). */
    public static int instanceKey(String id) {
        int h = id.hashCode() * 0x9E3779B9;
        return h ^ (h >>> 16);
    }

    /** Overflowing logits would turn into NaN probabilities: refuse, naming teacher and instance. */
    private static void checkFinite(Teacher t, float[] logits, int perInstance, List<Example> batch) {
        int at = Finite.firstNonFinite(logits);
        if (at >= 0) {
            throw new org.muki.MukiException(t.dir() + ": logits " + logits[at] + " for instance '" + batch.get(at / perInstance).id()
                    + "' (the teacher's activations overflow); its scores would be NaN");
        }
    }

    /** Scores one batch of examples. */
    public List<InstanceScores> score(List<Example> batch) {
        int n = teachers.size(), size = batch.size();
        float[][][] logits = new float[size][n][];
        double[][][] mc = new double[size][n][];
        double[][] u = new double[size][n], ue = new double[size][n];
        for (int i = 0; i < n; i++) {
            Teacher t = teachers.get(i);
            int c = t.labels().size();
            int len = Math.min(maxLength, t.checkpoint().config().maxPositions());
            int[][] ids = new int[size][], types = new int[size][], masks = new int[size][];
            int[] keys = new int[size];
            for (int b = 0; b < size; b++) {
                var enc = t.tokenizer().encode(batch.get(b).text(), batch.get(b).textPair(), len);
                ids[b] = enc.ids();
                if (enc.truncated()) truncated++;
                types[b] = enc.typeIds();
                masks[b] = new int[ids[b].length];
                java.util.Arrays.fill(masks[b], 1);
                keys[b] = instanceKey(batch.get(b).id());
            }
            Batch x = Batch.pad(ids, types, masks, keys);
            float[] z = models.get(i).logits(x);
            float[] zk = models.get(i).mcLogits(x, samples, seed, hiddenP[i], attentionP[i]);
            checkFinite(t, z, c, batch);
            checkFinite(t, zk, c * samples, batch);
            double[] p = new double[c];
            for (int b = 0; b < size; b++) {
                logits[b][i] = java.util.Arrays.copyOfRange(z, b * c, (b + 1) * c);
                Uncertainty.softmax(z, b * c, c, p, 0);
                ue[b][i] = Uncertainty.normalizedEntropy(p);
                mc[b][i] = Uncertainty.meanProbs(zk, b * samples, samples, c);
                u[b][i] = Uncertainty.normalizedEntropy(mc[b][i]);
            }
        }
        List<InstanceScores> out = new ArrayList<>(size);
        for (int b = 0; b < size; b++) out.add(new InstanceScores(batch.get(b).id(), logits[b], mc[b], u[b], ue[b]));
        return out;
    }

    /** A window's batches: its instances sorted by text length, so that each batch pads little. */
    private List<List<Example>> batches(List<Example> window) {
        List<Example> sorted = new ArrayList<>(window);
        sorted.sort(java.util.Comparator.comparingInt(e -> e.text().length() + (e.textPair() == null ? 0 : e.textPair().length())));
        List<List<Example>> out = new ArrayList<>();
        for (int from = 0; from < sorted.size(); from += batchSize) out.add(sorted.subList(from, Math.min(sorted.size(), from + batchSize)));
        return out;
    }

    /**
     * The score lines of a stream of instances, computed lazily a window of batches at a time (as
     * scoreAll batches them), for callers that consume lines as they come (a Spark partition).
     */
    public java.util.Iterator<String> lines(java.util.Iterator<Example> examples) {
        return new java.util.Iterator<>() {
            private final java.util.ArrayDeque<String> ready = new java.util.ArrayDeque<>();

            @Override
            public boolean hasNext() {
                if (!ready.isEmpty()) return true;
                List<Example> window = new ArrayList<>();
                while (examples.hasNext() && window.size() < batchSize * WINDOW_BATCHES) window.add(examples.next());
                for (List<Example> batch : batches(window)) {
                    for (InstanceScores s : score(batch)) {
                        try {
                            ready.add(Json.MAPPER.writeValueAsString(ScoreFile.line(s)));
                        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                            throw new IllegalStateException(e);
                        }
                    }
                }
                return !ready.isEmpty();
            }

            @Override
            public String next() {
                if (!hasNext()) throw new java.util.NoSuchElementException();
                return ready.poll();
            }
        };
    }

    /**
     * Scores the examples, writing one line per instance to out and flushing after every batch,
     * so a killed run leaves only whole lines behind (plus at most one torn line); progress and
     * each flushed batch (afterStep) go to the listener; resumed counts instances a killed run
     * already scored.
     */
    public void scoreAll(List<Example> examples, OutputStream out, org.muki.Listener listener, long resumed) throws IOException {
        long start = System.nanoTime();
        int done = 0, batches = 0;
        // Lines are keyed by id, so their order is free: within windows of WINDOW_BATCHES batches,
        // instances are sorted by text length so that each batch pads little. An instance's
        // scores do not depend on its batch (masks are keyed by instance; padding adds exact zeros).
        int window = batchSize * WINDOW_BATCHES;
        for (int w = 0; w < examples.size(); w += window) {
            for (List<Example> batch : batches(examples.subList(w, Math.min(examples.size(), w + window)))) {
                for (InstanceScores s : score(batch)) {
                    out.write(Json.MAPPER.writeValueAsString(ScoreFile.line(s)).getBytes(StandardCharsets.UTF_8));
                    out.write('\n');
                }
                out.flush();
                listener.afterStep("score", ++batches);
                done += batch.size();
                double secs = (System.nanoTime() - start) / 1e9;
                listener.progress(new org.muki.Listener.Progress("score", resumed + done, resumed + examples.size(), resumed, secs,
                        String.format("%.1f inst/s (%d teachers x %d samples)", done / secs, teachers.size(), samples)));
            }
        }
    }
}
